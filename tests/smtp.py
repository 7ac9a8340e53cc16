"""
A real SMTP server in the test process (aiosmtpd, a thread on 127.0.0.1): what it received,
whom it refuses, and optionally STARTTLS with a throwaway certificate (trustme) and AUTH.
"""

import email
import email.policy
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = ["Mailbox", "Received", "smtp_server"]


@dataclass(frozen=True)
class Received:
    """One message as the server took it: the envelope, and the message parsed."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class Mailbox:
    """Where the server listens, what it received, and how it answers (tests change it)."""

    host: str = "127.0.0.1"
    port: int = 0
    refuse_with: str | None = None  # an RCPT reply, e.g. "550 5.1.1 no such user"
    received: list[Received] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    ca_file: Path | None = None

    def url(self, scheme: str = "smtp+insecure", credentials: str = "") -> str:
        at = f"{credentials}@" if credentials else ""
        return f"{scheme}://{at}{self.host}:{self.port}"


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if self.box.refuse_with is not None:
            return self.box.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = bytes(envelope.original_content or b"")
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.box.received.append(
            Received(str(envelope.mail_from), list(envelope.rcpt_tos), parsed, raw)
        )
        return "250 Message accepted for delivery"


class _Controller(Controller):
    """aiosmtpd's controller, on a port the system chooses (it wants one named)."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@contextmanager
def smtp_server(
    *,
    starttls: bool = False,
    login: tuple[str, str] | None = None,
    tmp_path: Path | None = None,
) -> Iterator[Mailbox]:
    """
    A server that takes every message (unless `refuse_with` is set), stopped when the block
    ends. With `starttls` it offers STARTTLS with a certificate for 127.0.0.1 signed by a
    throwaway authority (its PEM at `Mailbox.ca_file`, under `tmp_path`) and requires it
    before MAIL; with `login` it requires AUTH with that user and password.
    """
    box = Mailbox()
    options: dict[str, Any] = {}
    if starttls:
        assert tmp_path is not None, "STARTTLS needs a folder for the authority's PEM"
        authority = trustme.CA()
        certificate = authority.issue_cert("127.0.0.1", "localhost")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(context)
        box.ca_file = tmp_path / "smtp-ca.pem"
        authority.cert_pem.write_to_path(str(box.ca_file))
        options |= {"tls_context": context, "require_starttls": True}
    if login is not None:

        def authenticator(
            server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
        ) -> AuthResult:
            if (
                isinstance(data, LoginPassword)
                and (
                    data.login.decode(),
                    data.password.decode(),
                )
                == login
            ):
                box.logins.append(data.login.decode())
                return AuthResult(success=True)
            return AuthResult(success=False, handled=False)

        options |= {"authenticator": authenticator, "auth_required": True}
    controller = _Controller(_Handler(box), hostname=box.host, port=0, **options)
    controller.start()
    box.port = controller.port
    try:
        yield box
    finally:
        controller.stop()
