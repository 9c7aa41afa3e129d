"""The one change to pySHACL's internals that validation makes, switched on only while a
validation runs (:func:`installed`), never at import, and only on the pySHACL version it was
measured on: elsewhere validation runs unpatched (same results, slower) after one log line.

Nothing here outlives the ``with`` block, so a process that only imports the package (the
server, the query command) runs pySHACL and rdflib as shipped.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Iterable, Iterator
from importlib.metadata import version

log = logging.getLogger(__name__)

# The pySHACL releases the patch below was tested on (with rdflib 7.6.0): outside them,
# pySHACL may read its internals differently, so validation runs without it.
TESTED_PYSHACL = frozenset({"0.40.1"})

_MISSING = object()


@functools.cache
def supported() -> bool:
    """True when the installed pySHACL is one the patch was tested on; says so once if not."""
    found = version("pyshacl")
    if found in TESTED_PYSHACL:
        return True
    log.warning(
        "pySHACL %s is not a tested version (%s): validating without the speed-up "
        "(same results, slower)",
        found,
        ", ".join(sorted(TESTED_PYSHACL)),
    )
    return False


class _ParameterSet(list):
    """pySHACL's list of constraint parameters, with membership by hash instead of by scan."""

    def __init__(self, items: Iterable[object]) -> None:
        super().__init__(items)
        self._members = frozenset(self)

    def __contains__(self, item: object) -> bool:
        return item in self._members


@contextlib.contextmanager
def installed() -> Iterator[None]:
    """Hashed constraint-parameter lookup in pySHACL for the duration of the block.

    Why: for every shape and every focus node, pySHACL asks of each predicate of the shape
    whether it is a constraint parameter, by scanning a list of some forty IRIs it caches on
    its ``pyshacl.shape`` module as ``CONSTRAINT_PARAMS``. Putting the same list there with a
    hashed membership test gives the same answers faster. Measured (pySHACL 0.40.1, CPU
    seconds for 6 of the 96 chunks of a 10,000-project synth set): 16.8 s without, 15.2 s
    with (about a tenth of validation; nothing measurable on the shipped data). The
    attribute is restored on exit.
    """
    if not supported():
        yield
        return
    from pyshacl import shape
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP

    saved = getattr(shape, "CONSTRAINT_PARAMS", _MISSING)
    shape.CONSTRAINT_PARAMS = (  # type: ignore[attr-defined]  # pySHACL sets it by setattr
        _ParameterSet(ALL_CONSTRAINT_PARAMETERS),
        CONSTRAINT_PARAMETERS_MAP,
    )
    try:
        yield
    finally:
        if saved is _MISSING:
            del shape.CONSTRAINT_PARAMS  # type: ignore[attr-defined]  # set above
        else:
            shape.CONSTRAINT_PARAMS = saved  # type: ignore[attr-defined]  # as found
