"""HTTP content negotiation (RFC 9110 Accept): q-values, wildcards, most specific range wins.

One negotiator for every route. Parsed Accept headers are cached: clients repeat theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache


@lru_cache(maxsize=512)
def parse_accept(header: str | None) -> tuple[tuple[str, str, float], ...]:
    """``(type, subtype, q)`` ranges of an Accept header; a missing header accepts anything."""
    if not header or not header.strip():
        return (("*", "*", 1.0),)
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            if media == "*":
                media = "*/*"
            else:
                continue
        main, _, sub = media.partition("/")
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((main, sub, q))
    return tuple(ranges)


def quality(media_type: str, ranges: Sequence[tuple[str, str, float]]) -> float:
    """The q-value the most specific matching range gives ``media_type`` (0 if none)."""
    main, _, sub = media_type.lower().partition("/")
    best_specificity, best_q = -1, 0.0
    for r_main, r_sub, q in ranges:
        if r_main == main and r_sub == sub:
            specificity = 2
        elif r_main == main and r_sub == "*":
            specificity = 1
        elif r_main == "*" and r_sub == "*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best_specificity, best_q = specificity, q
    return best_q


def negotiate(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offered media type the client prefers (ties go to the earlier offer), or None."""
    ranges = parse_accept(accept)
    best, best_q = None, 0.0
    for offer in offers:
        q = quality(offer, ranges)
        if q > best_q:
            best, best_q = offer, q
    return best


def explicitly_accepts(accept: str | None, media_type: str) -> bool:
    """True when the client names ``media_type`` itself (not only through a wildcard)."""
    main, _, sub = media_type.partition("/")
    return any(
        q > 0 and (r_main, r_sub) == (main, sub) for r_main, r_sub, q in parse_accept(accept)
    )
