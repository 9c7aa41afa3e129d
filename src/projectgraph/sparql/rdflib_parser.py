"""One lock for rdflib's SPARQL parser, which is not safe to run on two threads at once.

rdflib parses with pyparsing, whose grammar objects keep state while they parse: two threads
parsing at once make each other's parse fail (``TypeError: <lambda>() missing 1 required
positional argument``), and about every parse failed when two threads parsed the search index's
fact queries together. A build runs the named-query answers on a thread while validation, on
the main thread, has pySHACL ask its data graph queries, so every call of the parser in this
package takes this lock.
"""

from __future__ import annotations

import threading
from typing import Any

from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import prepareQuery
from rdflib.plugins.sparql.sparql import Query

_LOCK = threading.Lock()


def parse_query(text: str) -> Any:
    """rdflib's parse tree of query ``text`` (:func:`rdflib.plugins.sparql.parser.parseQuery`),
    parsed under the lock."""
    with _LOCK:
        return parseQuery(text)


def prepare_query(text: str, **kwargs: Any) -> Query:
    """rdflib's translation of query ``text``
    (:func:`rdflib.plugins.sparql.processor.prepareQuery` with ``kwargs``), parsed under the
    lock."""
    with _LOCK:
        return prepareQuery(text, **kwargs)
