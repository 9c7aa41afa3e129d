"""rdflib's SPARQL parser is shared by two threads of a build (the named-query answers and
validation): every use of it in the package takes one lock, so parses on two threads at once
give the answers they give alone.

Found in CI: a build whose validation ran while the answers thread read the search index's fact
queries got no footprint for one of them, and stopped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from rdflib import URIRef

from projectgraph.sparql.footprint import footprint
from projectgraph.validate.graph import ValidationGraph

ROUNDS = 300
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _together(*work: Callable[[int], None]) -> list[BaseException]:
    """Run each of ``work`` on its own thread, for ROUNDS rounds, all released at once; the
    exceptions raised."""
    failed: list[BaseException] = []
    start = threading.Barrier(len(work))

    def run(one: Callable[[int], None]) -> None:
        start.wait()
        for n in range(ROUNDS):
            try:
                one(n)
            except BaseException as error:  # every failure is the finding
                failed.append(error)

    threads = [threading.Thread(target=run, args=(one,)) for one in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failed


def test_footprints_and_validation_queries_parse_on_two_threads_at_once() -> None:
    graph = ValidationGraph()
    graph.add((URIRef("urn:x:a"), URIRef(TYPE), URIRef("urn:x:T")))
    found: list[frozenset[str] | None] = []

    def footprints(n: int) -> None:
        # Each text once: footprint keeps its answer per text.
        found.append(footprint(f"SELECT ?s WHERE {{ ?s a <urn:x:T{n}> ; <urn:x:p> ?o }}"))

    def validation(n: int) -> None:
        asked = graph.query(f'ASK {{ ?s a ?t FILTER(?t != <urn:x:U{n}> && "{n}" != "") }}')
        assert asked.askAnswer is True

    failed = _together(footprints, validation)
    assert failed == []
    assert found == [frozenset({TYPE, "urn:x:p"})] * ROUNDS


def test_footprints_parse_on_two_threads_at_once() -> None:
    found: list[frozenset[str] | None] = []

    def footprints(side: str) -> Callable[[int], None]:
        def one(n: int) -> None:
            found.append(footprint(f'SELECT ?s WHERE {{ ?s <urn:x:p> "{side}{n}" }}'))

        return one

    assert _together(footprints("a"), footprints("b")) == []
    assert found == [frozenset({"urn:x:p"})] * (2 * ROUNDS)
