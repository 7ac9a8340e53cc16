"""An email recipient is `mailto:` and one bare address (`domain.recipients`)."""

import pytest

from app.domain.errors import InvalidChange
from app.domain.recipients import email_recipient


def test_the_domain_is_lower_cased_and_the_local_part_kept() -> None:
    assert email_recipient("mailto:Town.Clerk@Redruth-TC.gov.uk") == "Town.Clerk@redruth-tc.gov.uk"


def test_the_scheme_may_be_written_in_capitals() -> None:
    assert email_recipient("MAILTO:clerk@redruth-tc.gov.uk") == "clerk@redruth-tc.gov.uk"


def test_an_international_domain_is_kept_in_its_ascii_form() -> None:
    """So the SMTP envelope never needs the server's SMTPUTF8."""
    assert email_recipient("mailto:info@bücher.example") == "info@xn--bcher-kva.example"


@pytest.mark.parametrize(
    "url",
    [
        "mailto:clerk@redruth-tc.gov.uk\nBcc: everyone@example.org",
        "mailto:clerk@redruth-tc.gov.uk\r",
        "mailto:clerk@redruth-tc.gov.uk\x00",
        "mailto:a@example.org, b@example.org",
        'mailto:"Clerk" <clerk@redruth-tc.gov.uk>',
        "mailto:clerk@redruth-tc.gov.uk?subject=hello",
        "mailto:clerk%40redruth-tc.gov.uk",
        'mailto:"odd name"@redruth-tc.gov.uk',
        "mailto:",
        "mailto:@redruth-tc.gov.uk",
        "mailto:clerk@redruth",
        "mailto:" + "x" * 65 + "@redruth-tc.gov.uk",
        "mailto:" + "x" * 3000 + "@redruth-tc.gov.uk",
        "clerk@redruth-tc.gov.uk",
        "mailto-clerk@redruth-tc.gov.uk",
    ],
    ids=[
        "lf-header",
        "cr",
        "nul",
        "two-addresses",
        "display-name",
        "query",
        "percent-encoded",
        "quoted-local-part",
        "empty",
        "no-local-part",
        "no-dot-in-domain",
        "local-part-over-64",
        "three-thousand-characters",
        "no-scheme",
        "wrong-scheme",
    ],
)
def test_anything_but_one_bare_address_is_refused_on_the_url(url: str) -> None:
    with pytest.raises(InvalidChange) as refused:
        email_recipient(url)

    assert refused.value.field == "url"
    assert "\n" not in refused.value.problem
    assert "\r" not in refused.value.problem
    assert len(refused.value.problem) < 400
