"""
Conditional requests (RFC 9110 section 13): one reading of If-None-Match and If-Match for
every route, and the ETag of a stored thing's version tag (`app.domain.changes.version_tag`).
"""

__all__ = ["etag", "etag_matches", "if_match_versions"]


def etag(version: str) -> str:
    """The strong ETag of a version tag."""
    return f'"{version}"'


def etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 13.1.2: `*`, or a list of tags compared weakly with `etag`."""
    if if_none_match.strip() == "*":
        return True
    ours = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == ours for tag in if_none_match.split(","))


def if_match_versions(if_match: str | None) -> frozenset[str] | None:
    """
    The versions an If-Match accepts (RFC 9110 13.1.1, strong comparison): None when there
    is no header or it is `*` (any version); otherwise the opaque tags of its strong ETags
    (a weak or malformed one matches nothing).
    """
    if if_match is None or if_match.strip() == "*":
        return None
    tags = (tag.strip() for tag in if_match.split(","))
    return frozenset(
        tag[1:-1] for tag in tags if len(tag) >= 2 and tag[0] == '"' and tag[-1] == '"'
    )
