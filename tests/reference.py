"""pySHACL's whole-graph report on a set of sources (the reference validation), made once per
test run and shared: test_shapes holds it to the expected results, test_validator_parity to
pyshacl-turbo's units, and each made it for itself (some 35 validations of 3 to 5 s). Both
compare sorted results: a report made in another process may list them in another order (set
iteration follows the process's hash seed), so test_validation_patches, which compares the
reports' JSON as written, still makes its own."""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
from pathlib import Path

from rdflib import Graph

from projectgraph.build.assemble import assemble
from projectgraph.settings import Settings
from projectgraph.validate.report import Report
from projectgraph.validate.shacl import validate

_MADE: dict[str, Report] = {}  # in this process


def reference_report(
    settings: Settings, paths: list[Path] | None, shapes: Graph, shared: Path | None
) -> Report:
    """``validate(assemble(settings, paths), settings, shapes)``, once per run: kept in this
    process, and pickled into ``shared`` (a folder all of a run's test processes see, or
    None) under a lock, so another process waits for it rather than making it again."""
    named = None if paths is None else sorted(str(p) for p in paths)
    key = hashlib.sha256(repr((str(settings.root), named)).encode()).hexdigest()[:24]
    if key in _MADE:
        return _MADE[key]
    if shared is None:
        report = validate(assemble(settings, paths), settings, shapes)
    else:
        shared.mkdir(parents=True, exist_ok=True)
        pickled = shared / f"{key}.pickle"
        with (shared / f"{key}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when closed
            if pickled.exists():
                report = pickle.loads(pickled.read_bytes())
            else:
                report = validate(assemble(settings, paths), settings, shapes)
                partial = pickled.with_suffix(f".{os.getpid()}")
                partial.write_bytes(pickle.dumps(report))
                partial.replace(pickled)
    _MADE[key] = report
    return report
