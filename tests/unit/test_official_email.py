"""Official email addresses (policy 5.3a): read by email-validator, domains compared in IDNA form."""

import pytest

from app.domain.accounts import OfficialEmailRequired, check_official_email

DOMAINS = ("redruth.gov.uk",)


@pytest.mark.parametrize(
    ("address", "stored"),
    [
        ("comms@redruth.gov.uk", "comms@redruth.gov.uk"),
        (" Comms@REDRUTH.gov.uk ", "comms@redruth.gov.uk"),
    ],
    ids=["as-given", "spaces-and-capitals"],
)
def test_an_address_on_an_official_domain_is_accepted(address: str, stored: str) -> None:
    assert check_official_email(address, DOMAINS) == stored


@pytest.mark.parametrize(
    "address",
    [
        "attacker@gmail.com@redruth.gov.uk",
        '"attacker@gmail.com"@redruth.gov.uk',
        "comms@redruth.gov.uk.evil.example",
        "comms@mail.redruth.gov.uk",
        "comms@rédruth.gov.uk",
        "comms@xn--rdruth-bva.gov.uk",
        "comms@redruth.gov.uk\u0000",
        "@redruth.gov.uk",
        "redruth.gov.uk",
    ],
    ids=[
        "two-at-signs",
        "quoted-local-part",
        "official-domain-as-a-prefix",
        "subdomain",
        "look-alike-unicode",
        "look-alike-punycode",
        "nul",
        "no-local-part",
        "no-at-sign",
    ],
)
def test_anything_else_is_not_an_official_address(address: str) -> None:
    with pytest.raises(OfficialEmailRequired):
        check_official_email(address, DOMAINS)


def test_an_official_domain_is_compared_in_its_idna_form() -> None:
    """A policy may list a Unicode domain; an address in either spelling matches it."""
    unicode_domain = ("bücher.example",)

    assert check_official_email("a@xn--bcher-kva.example", unicode_domain) == "a@bücher.example"
    assert check_official_email("a@BÜCHER.example", unicode_domain) == "a@bücher.example"
