"""The answers' graph is read a chunk ahead of Oxigraph's load, in one thread of its own."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from projectgraph.publish.answers import _read_ahead


def test_the_next_chunk_is_read_while_the_caller_loads_this_one() -> None:
    reading_second = threading.Event()

    def source() -> Iterator[bytes]:
        yield b"first"
        reading_second.set()
        yield b"second"

    chunks = _read_ahead(source())
    assert next(chunks) == b"first"
    # The caller has not asked for the second chunk: it is read meanwhile all the same.
    assert reading_second.wait(10)
    assert list(chunks) == [b"second"]


def test_the_source_is_read_and_closed_in_one_thread_not_the_callers() -> None:
    threads: list[int] = []
    closed = []

    def source() -> Iterator[bytes]:
        try:
            for i in range(5):
                threads.append(threading.get_ident())
                yield bytes([i])
        finally:
            threads.append(threading.get_ident())
            closed.append(True)

    chunks = _read_ahead(source())
    assert [next(chunks), next(chunks)] == [b"\x00", b"\x01"]
    chunks.close()  # the caller stops early (a failed load)
    assert closed == [True]
    assert len(set(threads)) == 1
    assert threads[0] != threading.get_ident()


def test_a_failure_reading_the_graph_reaches_the_caller() -> None:
    def source() -> Iterator[bytes]:
        yield b"first"
        raise LookupError("the build cache has no preparation of x")

    chunks = _read_ahead(source())
    assert next(chunks) == b"first"
    with pytest.raises(LookupError, match="no preparation of x"):
        next(chunks)
