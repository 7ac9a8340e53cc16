"""
Rendered ICS feeds, kept per data version so that a calendar's repeat fetch costs a lookup.

A feed depends on the organisation's data (its `data_version`), on which cancelled windows
are still shown (they leave after `feed_keep_cancelled_days`), and on the options of the
request (account, companion events, the service's address). The events are loaded once per
data version; the body is rendered once per combination and its ETag is a hash of the body,
so an unrelated write (an override, say) that leaves the feed as it was keeps its ETag.
"""

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from app.domain.feeds import PublishedWindow
from app.store.feed_events import feed_events

__all__ = ["FeedCache", "RenderedFeed"]

_MAX_BODIES = 512


@dataclass(frozen=True, slots=True)
class RenderedFeed:
    """A feed's bytes, its strong ETag and when it last changed."""

    body: bytes
    etag: str
    last_modified: dt.datetime


class FeedCache:
    """The published events per (organisation, scope, data version), and rendered bodies."""

    def __init__(self, engine: Engine, keep_cancelled: dt.timedelta) -> None:
        self._engine = engine
        self.keep_cancelled = keep_cancelled
        self._events: dict[tuple[str, str], tuple[int, tuple[PublishedWindow, ...]]] = {}
        self._bodies: OrderedDict[tuple[object, ...], RenderedFeed] = OrderedDict()
        self._lock = threading.Lock()

    def events_cached(
        self, organisation_id: str, scope: str, data_version: int
    ) -> tuple[PublishedWindow, ...] | None:
        """The scope's events if they are held at this data version, without a query."""
        held = self._events.get((organisation_id, scope))
        return held[1] if held is not None and held[0] == data_version else None

    def events(
        self, organisation_id: str, scope: str, data_version: int
    ) -> tuple[PublishedWindow, ...]:
        """The scope's published events at this data version (loaded once)."""
        held = self._events.get((organisation_id, scope))
        if held is not None and held[0] == data_version:
            return held[1]
        loaded = feed_events(self._engine, organisation_id, scope)
        self._events[(organisation_id, scope)] = (data_version, loaded)
        return loaded

    def shown(
        self, events: tuple[PublishedWindow, ...], now: dt.datetime
    ) -> tuple[tuple[PublishedWindow, ...], dt.datetime | None]:
        """
        The events to publish now, and when the feed last changed: the latest change of an
        event, or the moment a cancelled one left the feed, whichever is later.
        """
        shown = tuple(e for e in events if e.is_shown(now, self.keep_cancelled))
        moments = [e.changed_at for e in shown]
        moments += [
            e.cancelled_at + self.keep_cancelled
            for e in events
            if e.cancelled_at is not None and not e.is_shown(now, self.keep_cancelled)
        ]
        return shown, max(moments, default=None)

    def rendered(
        self, key: tuple[object, ...], last_modified: dt.datetime, render: Callable[[], bytes]
    ) -> RenderedFeed:
        """The rendered feed for `key`, rendering it once."""
        with self._lock:
            found = self._bodies.get(key)
            if found is not None:
                self._bodies.move_to_end(key)
                return found
        body = render()
        made = RenderedFeed(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"', last_modified)
        with self._lock:
            self._bodies[key] = made
            while len(self._bodies) > _MAX_BODIES:
                self._bodies.popitem(last=False)
        return made

    def peek(self, key: tuple[object, ...]) -> RenderedFeed | None:
        """The rendered feed for `key` if it is held (for a conditional request)."""
        return self._bodies.get(key)
