"""A bounded, least-recently-used cache of finished responses (named-query results).

Bounded twice: by entries and by bytes (bodies and keys); whichever is reached first evicts
the least recently used. One response larger than an eighth of the byte budget is not kept at
all, so a single big result cannot flush everything else. Keys carry the build id, so an
answer is never taken for another build's.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CachedResponse:
    """A response body with the headers that belong to it."""

    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    rows: int | None = None  # solutions in the body, when known
    query_stats: dict[str, object] = field(default_factory=dict)  # the run's (engine time)


class ResultCache:
    """LRU by entries and bytes. ``max_entries=0`` or ``max_bytes=0`` turns it off."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = self.misses = 0
        self._entries: OrderedDict[tuple[str, ...], tuple[CachedResponse, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, build_id: str, *key: str) -> CachedResponse | None:
        """The response kept for ``key`` in ``build_id``, marked as just used."""
        entry = self._entries.get((build_id, *key))
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end((build_id, *key))
        self.hits += 1
        return entry[0]

    def put(self, build_id: str, *key: str, response: CachedResponse) -> bool:
        """Keep ``response``; False if it is too large to be worth a place."""
        full_key = (build_id, *key)
        size = len(response.body) + sum(len(part.encode()) for part in full_key)
        if not self.max_entries or size > self.max_bytes // 8:
            return False
        old = self._entries.pop(full_key, None)
        if old is not None:
            self.bytes -= old[1]
        self._entries[full_key] = (response, size)
        self.bytes += size
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            _, (_, evicted) = self._entries.popitem(last=False)
            self.bytes -= evicted
        return True

    def stats(self) -> dict[str, int]:
        """Sizes and counters, for /health."""
        return {
            "entries": len(self._entries),
            "bytes": self.bytes,
            "max_entries": self.max_entries,
            "max_bytes": self.max_bytes,
            "hits": self.hits,
            "misses": self.misses,
        }
