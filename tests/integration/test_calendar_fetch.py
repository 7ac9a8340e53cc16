"""Which addresses the server may fetch a calendar URL from (server-side request forgery)."""

import ipaddress

import pytest

from app.calendars.fetch import SourceUnavailable, fetch_calendar, is_public


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254, the cloud metadata service
        "64:ff9b:1::808:808",  # local-use NAT64, whatever it embeds
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:808:808::1",  # 6to4 of a public address: still relayed by a third party
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:a9fe:a9fe",  # IPv4-mapped metadata service
        "::7f00:1",  # IPv4-compatible (deprecated) loopback
        "fec0::1",  # site-local (deprecated)
        "fd00::1",  # unique local
        "fe80::1",  # link-local
        "::1",
        "ff02::1",
        "2001:db8::1",  # documentation
        "127.0.0.1",
        "169.254.169.254",
        "100.64.0.1",  # shared address space (carrier-grade NAT)
    ],
    ids=[
        "nat64-loopback",
        "nat64-private",
        "nat64-metadata",
        "nat64-local-use",
        "6to4-loopback",
        "6to4-public",
        "teredo",
        "mapped-loopback",
        "mapped-metadata",
        "compatible-loopback",
        "site-local",
        "unique-local",
        "link-local",
        "ipv6-loopback",
        "multicast",
        "documentation",
        "ipv4-loopback",
        "ipv4-metadata",
        "cgnat",
    ],
)
def test_a_url_at_an_address_that_is_not_public_is_refused_before_connecting(
    address: str,
) -> None:
    host = f"[{address}]" if ":" in address else address

    with pytest.raises(SourceUnavailable, match="private or local address"):
        fetch_calendar(
            f"http://{host}/calendar.ics", timeout=0.5, max_bytes=1024, allow_private=False
        )


@pytest.mark.parametrize(
    "address",
    ["64:ff9b::808:808", "::ffff:8.8.8.8", "2001:4860:4860::8888", "8.8.8.8"],
    ids=["nat64-of-public-ipv4", "mapped-public-ipv4", "global-ipv6", "public-ipv4"],
)
def test_a_public_address_may_be_fetched_from(address: str) -> None:
    """An IPv6-only server behind DNS64 sees every IPv4-only host as 64:ff9b::/96."""
    assert is_public(ipaddress.ip_address(address))
