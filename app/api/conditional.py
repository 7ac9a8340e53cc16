"""Conditional requests (RFC 9110 section 13): one reading of If-None-Match for every route."""

__all__ = ["etag_matches"]


def etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 13.1.2: `*`, or a list of tags compared weakly with `etag`."""
    if if_none_match.strip() == "*":
        return True
    ours = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == ours for tag in if_none_match.split(","))
