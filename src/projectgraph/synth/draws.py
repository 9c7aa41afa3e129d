"""Cheap, deterministic draws and date arithmetic the synthetic generators share: the same
values on every platform and in every process (no ``hash()``, no global random state)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")
_MASK64 = (1 << 64) - 1


def pick(rng: random.Random, items: Sequence[T]) -> T:
    """``rng.choice``, in one call to the C ``random()`` (this generator makes millions)."""
    return items[int(rng.random() * len(items))]


def between(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint``, the same way."""
    return low + int(rng.random() * (high - low + 1))


def permute(i: int, n: int, key: int) -> int:
    """A keyed bijection of ``[0, n)``: a 4-round Feistel network on the smallest even power of
    two >= n, cycle-walking until the result falls inside the range."""
    half = 1
    while 1 << (2 * half) < n:
        half += 1
    mask = (1 << half) - 1
    x = i
    while True:
        left, right = x >> half, x & mask
        for r in range(4):
            mixed = ((right * 0x9E3779B1 + key * 0x85EBCA77 + r * 0xC2B2AE3D) >> 7) & mask
            left, right = right, left ^ mixed
        x = (left << half) | right
        if x < n:
            return x


def mix(*values: int) -> int:
    """A 64-bit hash of integers (splitmix64 steps): cheaper than seeding a generator for a
    single draw, and the same everywhere (unlike ``hash``)."""
    x = 0
    for v in values:
        x = (x ^ (v & _MASK64)) + 0x9E3779B97F4A7C15 & _MASK64
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9 & _MASK64
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB & _MASK64
        x ^= x >> 31
    return x


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` (a day past the 28th becomes the 28th)."""
    year, month = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + year, month + 1, min(day.day, 28))
