"""
Email recipients of notifications: one `mailto:` address, read strictly.

A subscription with `format: "email"` names its recipient as `mailto:person@example.org`.
The address goes into a message's `To` header and the SMTP envelope, so only a bare address
passes: no display name (`Jo <jo@example.org>`), no second address (a comma or a semicolon),
no `?cc=`/`?body=` fields of RFC 6068, no percent-encoding, no white space or control
characters (a CR or LF could start a header of its own), nothing non-ASCII in the local part
(it would need the server's SMTPUTF8), and at most 254 characters (RFC 5321 section 4.5.3.1.3,
with 64 for the local part). The syntax itself is read by email-validator (RFC 5322, no DNS
lookup), as official account addresses are (`accounts.check_official_email`).
"""

import re

from email_validator import EmailNotValidError, validate_email

from app.domain.errors import InvalidChange

__all__ = ["MAILTO", "MAX_ADDRESS", "email_recipient"]

MAILTO = "mailto:"
# RFC 5321 section 4.5.3.1.3: a path of 256 octets, less its angle brackets
MAX_ADDRESS = 254
_REFUSED = re.compile(r"[\s\x00-\x1f\x7f<>,;?%\"()\[\]\\]")
_SHOWN = 60


def _shown(text: str) -> str:
    """The start of what was given, safe to echo in a problem (no control characters)."""
    clean = re.sub(r"[\x00-\x1f\x7f]", "?", text[:_SHOWN])
    return repr(clean + ("..." if len(text) > _SHOWN else ""))


def email_recipient(url: str) -> str:
    """
    The address of a `mailto:` URL, normalised (its domain lower-cased and in IDNA form).

    Raises:
        InvalidChange: on `url`, when it is not `mailto:` and exactly one bare address.
    """
    if url[: len(MAILTO)].lower() != MAILTO:
        problem = f"an email subscription's url is `mailto:` and one address, not {_shown(url)}"
        raise InvalidChange(field="url", problem=problem)
    address = url[len(MAILTO) :]
    if len(address) > MAX_ADDRESS:
        problem = f"an email address is at most {MAX_ADDRESS} characters (this one: {len(address)})"
        raise InvalidChange(field="url", problem=problem)
    bad = _REFUSED.search(address)
    if bad is not None:
        problem = (
            f"one bare address after `mailto:`, with no display name, second address, "
            f"`?` fields, percent-encoding, spaces or line breaks ({bad.group()!r} at "
            f"character {bad.start() + 1} of the address)"
        )
        raise InvalidChange(field="url", problem=problem)
    try:
        checked = validate_email(
            address,
            check_deliverability=False,
            allow_smtputf8=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            strict=True,  # 64 characters at most before the @ (RFC 5321 section 4.5.3.1.1)
        )
    except EmailNotValidError as exc:
        problem = f"{_shown(address)} is not an email address: {exc}"
        raise InvalidChange(field="url", problem=problem) from None
    return checked.ascii_email or checked.normalized
