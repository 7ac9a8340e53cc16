"""
`PURDAH_SMTP_*`: the URL's scheme says how the connection is protected, and neither a
setting refused nor the settings shown ever repeat the password.
"""

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import Settings
from app.main import delivery_policy
from app.services.mail import Security, parse_smtp_url

PASSWORD = "hunter2-Secret"  # noqa: S105 - a password the tests look for in messages


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://purdah%40redruth-tc.gov.uk:pw@mail.example.org",
            (Security.STARTTLS, "mail.example.org", 587, "purdah@redruth-tc.gov.uk", "pw"),
        ),
        ("smtps://u:pw@mail.example.org", (Security.TLS, "mail.example.org", 465, "u", "pw")),
        ("smtp+insecure://127.0.0.1:2525", (Security.NONE, "127.0.0.1", 2525, None, None)),
        ("SMTP://relay.example.org:25", (Security.STARTTLS, "relay.example.org", 25, None, None)),
    ],
    ids=["starttls-default-port", "implicit-tls", "insecure-relay", "capital-scheme"],
)
def test_the_scheme_names_the_protection_and_the_default_port(
    url: str, expected: tuple[object, ...]
) -> None:
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (f"http://u:{PASSWORD}@mail.example.org", "starts with smtp://"),
        (f"smtp+insecure://u:{PASSWORD}@127.0.0.1", "unencrypted"),
        (f"smtp://u:{PASSWORD}@", "no host"),
        (f"smtp://u:{PASSWORD}@mail.example.org:99999", "not a URL"),
        (f"smtp://u:{PASSWORD}@mail.example.org/inbox?x=1", "only a scheme"),
        (f"smtp://:{PASSWORD}@mail.example.org", "no user"),
    ],
    ids=["http", "password-in-clear", "no-host", "bad-port", "path-and-query", "no-user"],
)
def test_a_refused_smtp_url_is_never_repeated(url: str, says: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(smtp_url=url, smtp_from="purdah@redruth-tc.gov.uk")

    assert says in str(refused.value)
    assert PASSWORD not in str(refused.value)


def test_an_smtp_url_needs_a_sender() -> None:
    with pytest.raises(ValidationError, match="PURDAH_SMTP_FROM"):
        Settings(smtp_url="smtp+insecure://127.0.0.1:25")


def test_the_sender_is_one_bare_address() -> None:
    with pytest.raises(ValidationError, match="PURDAH_SMTP_FROM"):
        Settings(smtp_url="smtp+insecure://127.0.0.1:25", smtp_from="Clerk <a@example.org>")


def test_the_settings_and_the_mail_server_never_show_the_password(tmp_path: Path) -> None:
    settings = Settings(
        smtp_url=f"smtps://purdah:{PASSWORD}@mail.example.org",
        smtp_from="purdah@redruth-tc.gov.uk",
        smtp_ca_file=tmp_path / "ca.pem",
    )

    mail = delivery_policy(settings).mail

    assert mail is not None
    assert mail.password == PASSWORD
    assert (mail.host, mail.port, mail.security) == ("mail.example.org", 465, Security.TLS)
    assert PASSWORD not in repr(settings)
    assert PASSWORD not in settings.model_dump_json()
    assert PASSWORD not in repr(delivery_policy(settings))
    assert PASSWORD not in mail.describe()


def test_an_empty_smtp_url_means_no_email() -> None:
    settings = Settings(smtp_url="")

    assert settings.smtp_url is None
    assert delivery_policy(settings).mail is None
