"""
Sending one email through the council's SMTP server (`PURDAH_SMTP_URL`), with `smtplib`.

The URL names how the connection is protected, by its scheme:

- `smtp://user:password@host:587`: the submission port; STARTTLS is required (a server
  that does not offer it gets nothing, the password included), then AUTH if a user is given;
- `smtps://user:password@host:465`: implicit TLS from the first byte (RFC 8314);
- `smtp+insecure://host:25`: no encryption at all, for a relay on the same machine or a test
  server only; it may not carry a password.

The certificate is checked against the system's authorities, or only those of
`PURDAH_SMTP_CA_FILE` (a council's own authority). A user name or password with `@`, `:` or
`/` in it is percent-encoded in the URL (`jo%40redruth.gov.uk`). The credentials are never
logged nor shown: `MailServer`'s repr and `describe()` leave them out, and no error says them.

Every failure (no connection, no answer in time, TLS refused, login refused, a recipient or
the message refused) comes back as a short error for the Clerk, never as an exception, so
the sender retries it as it retries a webhook.
"""

import re
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["MailServer", "Security", "mail_server", "parse_smtp_url", "send_mail"]


class Security(StrEnum):
    """How the connection to the SMTP server is protected."""

    STARTTLS = "starttls"
    TLS = "tls"
    NONE = "none"


# scheme: (security, default port)
_SCHEMES = {
    "smtp": (Security.STARTTLS, 587),
    "smtps": (Security.TLS, 465),
    "smtp+insecure": (Security.NONE, 25),
}


@dataclass(frozen=True, slots=True)
class MailServer:
    """Where and how to send, as `PURDAH_SMTP_*` say; the password is not in its repr."""

    host: str
    port: int
    security: Security
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0
    ca_file: Path | None = None

    def describe(self) -> str:
        """`host:port (starttls)`: the server without its credentials."""
        return f"{self.host}:{self.port} ({self.security})"


def parse_smtp_url(url: str) -> tuple[Security, str, int, str | None, str | None]:
    """
    The security, host, port, user and password of `PURDAH_SMTP_URL`.

    Raises:
        ValueError: a message that never repeats the URL (it may hold a password).
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        msg = "PURDAH_SMTP_URL is not a URL (its port, or its brackets, cannot be read)"
        raise ValueError(msg) from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        msg = (
            f"PURDAH_SMTP_URL starts with smtp:// (STARTTLS), smtps:// (TLS) or "
            f"smtp+insecure:// (no encryption: local relays and tests), not {scheme or 'nothing'!r}"
        )
        raise ValueError(msg)
    if not parts.hostname:
        msg = "PURDAH_SMTP_URL names no host"
        raise ValueError(msg)
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        msg = "PURDAH_SMTP_URL has only a scheme, credentials, a host and a port"
        raise ValueError(msg)
    security, default_port = _SCHEMES[scheme]
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and username is None:
        msg = "PURDAH_SMTP_URL has a password but no user"
        raise ValueError(msg)
    if security is Security.NONE and password is not None:
        msg = "PURDAH_SMTP_URL: smtp+insecure:// would send the password unencrypted; use smtp:// or smtps://"
        raise ValueError(msg)
    return security, parts.hostname, port or default_port, username, password


def mail_server(url: str, *, sender: str, timeout: float, ca_file: Path | None) -> MailServer:
    """The server of `PURDAH_SMTP_URL` (already checked by the settings). Raises ValueError."""
    security, host, port, username, password = parse_smtp_url(url)
    return MailServer(
        host=host,
        port=port,
        security=security,
        sender=sender,
        username=username,
        password=password,
        timeout=timeout,
        ca_file=ca_file,
    )


_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _said(code: int, message: bytes | str) -> str:
    """The server's reply, on one line and short: `550 5.1.1 no such user`."""
    text = message.decode(errors="replace") if isinstance(message, bytes) else message
    text = _CONTROL.sub(" ", text).strip()
    return f"{code} {text[:200]}".strip()


def _connect(server: MailServer, context: ssl.SSLContext) -> smtplib.SMTP:
    if server.security is Security.TLS:
        return smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout, context=context)
    return smtplib.SMTP(server.host, server.port, timeout=server.timeout)


def send_mail(
    server: MailServer, message: EmailMessage, *, recipient: str
) -> tuple[int | None, str | None]:
    """
    Send `message` to `recipient` alone (the envelope's one RCPT): the SMTP reply code (None
    when there was no reply to give one), and an error for the Clerk (None when the server
    accepted the message).
    """
    where = server.describe()
    try:
        context = ssl.create_default_context(cafile=server.ca_file)
        with _connect(server, context) as client:
            client.ehlo()
            if server.security is Security.STARTTLS:
                # smtplib raises SMTPNotSupportedError when STARTTLS is not offered: nothing,
                # the password least of all, goes over an unencrypted connection
                client.starttls(context=context)
                client.ehlo()
            if server.username is not None:
                client.login(server.username, server.password or "")
            client.send_message(message, from_addr=server.sender, to_addrs=[recipient])
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()), (550, b""))
        return code, f"the mail server refused the recipient: {_said(code, reply)}"
    except smtplib.SMTPSenderRefused as exc:
        return (
            exc.smtp_code,
            f"the mail server refused the sender {server.sender}: "
            f"{_said(exc.smtp_code, exc.smtp_error)}",
        )
    except smtplib.SMTPAuthenticationError as exc:
        return (
            exc.smtp_code,
            f"the mail server {where} refused the login: {_said(exc.smtp_code, exc.smtp_error)}",
        )
    except smtplib.SMTPDataError as exc:
        return (
            exc.smtp_code,
            f"the mail server refused the message: {_said(exc.smtp_code, exc.smtp_error)}",
        )
    except smtplib.SMTPResponseException as exc:
        return (
            exc.smtp_code,
            f"the mail server {where} answered {_said(exc.smtp_code, exc.smtp_error)}",
        )
    except smtplib.SMTPNotSupportedError as exc:
        return None, f"the mail server {where} does not support what is required: {exc}"
    except smtplib.SMTPServerDisconnected:
        return None, f"the mail server {where} closed the connection"
    except smtplib.SMTPException as exc:
        return None, f"could not send through {where} ({type(exc).__name__})"
    except ssl.SSLCertVerificationError as exc:
        return (
            None,
            f"the mail server {where} has a certificate that is not trusted: {exc.verify_message}",
        )
    except ssl.SSLError as exc:
        return None, f"TLS with the mail server {where} failed ({exc.reason or type(exc).__name__})"
    except TimeoutError:
        return None, f"no answer from the mail server {where} within {server.timeout:g} s"
    except OSError as exc:
        return None, f"could not reach the mail server {where} ({type(exc).__name__})"
    return 250, None
