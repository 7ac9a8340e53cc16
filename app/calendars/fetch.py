"""
Fetching a calendar from a URL the Clerk gives, carefully: the server must not become a way
to reach inside its own network (server-side request forgery).

* http and https only; no user name or password in the URL;
* every address the host name resolves to must be public (not loopback, private, link-local,
  reserved or multicast), unless `allow_private` (tests, or a council that serves calendars
  on its intranet); redirects are followed by hand, at most 5, each checked the same way;
* an IPv6 address is public only in global unicast space (2000::/3, RFC 4291 2.4), and never
  one that relays to IPv4 through a third party: 6to4 (2002::/16, RFC 3056, deprecated by
  RFC 7526), Teredo (2001::/32, RFC 4380) and local-use NAT64 (64:ff9b:1::/48, RFC 8215,
  whose translator and IPv4 side are the operator's own network) are refused outright. An
  address that carries an IPv4 address by a fixed rule (IPv4-mapped ::ffff:0:0/96, RFC 4291
  2.5.5.2; the well-known NAT64 prefix 64:ff9b::/96, RFC 6052 2.1, which DNS64 resolvers
  give for every IPv4-only host) is judged by that IPv4 address;
* a timeout for the whole exchange (redirects and a slow body included), and a size limit
  read as the body streams in.

A host that resolves to a public address when checked and a private one when connected to
(DNS rebinding) is not prevented here; a deployment that needs that closes it with an egress
proxy.
"""

import ipaddress
import socket
import time
import urllib.parse

import httpx

from app.calendars.sources import TooLarge
from app.domain import PurdahError

__all__ = ["SourceUnavailable", "check_url", "fetch_calendar", "is_public"]

_MAX_REDIRECTS = 5
_TOO_SLOW = "the whole exchange took too long"


class SourceUnavailable(PurdahError):
    """A calendar URL that could not be fetched; says why, never what is inside the network."""

    def __init__(self, url: str, problem: str) -> None:
        self.url = url
        self.problem = problem
        super().__init__(f"url: {problem}")


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
_RELAYS = (
    ipaddress.IPv6Network("2002::/16"),  # 6to4
    ipaddress.IPv6Network("2001::/32"),  # Teredo
    ipaddress.IPv6Network("64:ff9b:1::/48"),  # local-use NAT64
)


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """
    Whether the server may fetch from `address`: a public unicast address, judged by the IPv4
    address inside it where one is embedded by a fixed rule (see the module's docstring).
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
        if address in _NAT64:
            return is_public(ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF))
        if address not in _GLOBAL_UNICAST or any(address in relay for relay in _RELAYS):
            return False
    return address.is_global and not address.is_multicast


def check_url(url: str, *, allow_private: bool, purpose: str = "fetches calendars from") -> None:
    """
    Refuse a URL the server must not reach: not http(s), with credentials, or with a host
    that resolves to any address that is not public (`is_public`), unless `allow_private`.

    Args:
        purpose: what the server does with such URLs, for the message ("only ... public
            addresses").

    Raises:
        SourceUnavailable: the URL, and why (never what is inside the network).
    """
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise SourceUnavailable(url, f"not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise SourceUnavailable(
            url, f"only http and https URLs can be fetched, not {parts.scheme or 'none'!r}"
        )
    if not parts.hostname:
        raise SourceUnavailable(url, "the URL has no host")
    if parts.username or parts.password:
        raise SourceUnavailable(url, "a URL with a user name or password is not accepted")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise SourceUnavailable(url, f"the host {parts.hostname!r} is not known") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not is_public(address):
            raise SourceUnavailable(
                url,
                f"the host {parts.hostname!r} is a private or local address; the server only "
                f"{purpose} public addresses",
            )


def fetch_calendar(url: str, *, timeout: float, max_bytes: int, allow_private: bool) -> bytes:
    """
    The body of a calendar URL.

    Raises:
        SourceUnavailable: a bad or private URL, a timeout, an error status, too many redirects.
        TooLarge: a body beyond `max_bytes`.
    """
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        for _ in range(_MAX_REDIRECTS + 1):
            check_url(url, allow_private=allow_private)
            try:
                with client.stream(
                    "GET", url, headers={"Accept": "text/calendar, */*;q=0.1"}
                ) as response:
                    if response.is_redirect:
                        location = response.headers.get("location", "")
                        url = str(response.url.join(location))
                        continue
                    if response.status_code != 200:
                        raise SourceUnavailable(
                            url,
                            f"the server answered {response.status_code} {response.reason_phrase}",
                        )
                    declared = response.headers.get("content-length")
                    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                        msg = f"the calendar is {int(declared)} bytes; the limit is {max_bytes}"
                        raise TooLarge(msg)
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        if time.monotonic() > deadline:
                            raise httpx.ReadTimeout(_TOO_SLOW)
                        body += chunk
                        if len(body) > max_bytes:
                            msg = f"the calendar is larger than the limit of {max_bytes} bytes"
                            raise TooLarge(msg)
                    return bytes(body)
            except httpx.TimeoutException:
                raise SourceUnavailable(url, f"no answer within {timeout:g} s") from None
            except httpx.HTTPError as exc:
                raise SourceUnavailable(
                    url, f"could not be fetched ({type(exc).__name__})"
                ) from None
    raise SourceUnavailable(url, f"more than {_MAX_REDIRECTS} redirects")
