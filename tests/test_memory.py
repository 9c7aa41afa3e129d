"""The garbage collector is off for bulk work only, and back as it was after."""

from __future__ import annotations

import gc

import pytest

from projectgraph.memory import no_cycle_collection


def test_collection_is_off_within_and_as_before_after() -> None:
    assert gc.isenabled()
    with no_cycle_collection():
        assert not gc.isenabled()
        with no_cycle_collection():  # nested: the outer block turns it back on
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(KeyError), no_cycle_collection():
        raise KeyError("a failure inside")
    assert gc.isenabled()
    gc.disable()
    try:
        with no_cycle_collection():
            pass
        assert not gc.isenabled()  # off before: left off
    finally:
        gc.enable()
