"""Write SELECT solutions in the four SPARQL 1.1 result formats.

The embedded engine uses pyoxigraph's own writers to stream unbounded results; these are for
the capped case, where it must stop after ``max_rows`` rows (pyoxigraph's writers always write
to the end). They follow the W3C result formats; a test checks them against pyoxigraph's
output.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_json_string: Callable[[str], str] = json.encoder.encode_basestring
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None
TermWriter = Callable[[Term], Any]  # one term as the format writes it (text or a JSON object)


class _Layout(NamedTuple):
    """How a format writes results: what comes first, a term, a row, between rows, last."""

    head: bytes
    term: TermWriter
    row_text: Callable[[Sequence[str], Sequence[Term], TermWriter], str]
    separator: str
    tail: bytes


BATCH = 1_000  # rows per write when streaming


def stream_results(
    key: str,
    variables: Sequence[str],
    rows: Iterable[Sequence[Term]],
    write: Callable[[bytes], object],
    extra: dict[str, object] | None = None,
) -> int:
    """Write SELECT results in format ``key`` (json, xml, csv, tsv) as ``rows`` come, a batch
    of rows per ``write``; returns the number of rows. ``extra`` adds top-level members to
    JSON (e.g. truncation)."""
    head, term, row_text, separator, tail = _STREAMING[key](variables, extra)
    write(head)
    count = 0
    batch: list[str] = []
    for row in rows:
        batch.append(row_text(variables, row, term))
        count += 1
        if len(batch) == BATCH:
            write(((separator if count > BATCH else "") + separator.join(batch)).encode())
            batch.clear()
    if batch:
        write(((separator if count > len(batch) else "") + separator.join(batch)).encode())
    write(tail)
    return count


def _collect(key: str) -> Callable[..., bytes]:
    def writer(
        variables: Sequence[str],
        rows: Iterable[Sequence[Term]],
        extra: dict[str, object] | None = None,
    ) -> bytes:
        parts: list[bytes] = []
        stream_results(key, variables, rows, parts.append, extra)
        return b"".join(parts)

    return writer


def _json_layout(variables: Sequence[str], extra: dict[str, object] | None) -> _Layout:
    head = json.dumps({"vars": list(variables)}, ensure_ascii=False)
    tail = "".join(f",{json.dumps(k)}:{json.dumps(v)}" for k, v in (extra or {}).items())

    def row_text(variables: Sequence[str], row: Sequence[Term], term: TermWriter) -> str:
        return json.dumps(
            {v: term(t) for v, t in zip(variables, row, strict=True) if t is not None},
            ensure_ascii=False,
        )

    return _Layout(
        f'{{"head":{head},"results":{{"bindings":['.encode(),
        _json_term,
        row_text,
        ",",
        f"]}}{tail}}}".encode(),
    )


def _json_term(term: Term) -> dict[str, object]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        result: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            result["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            result["datatype"] = term.datatype.value
        return result
    assert isinstance(term, ox.Triple)
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def _xml_layout(variables: Sequence[str], _extra: object) -> _Layout:
    head = (
        '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
        + "<head>"
        + "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
        + "</head><results>"
    )

    def row_text(variables: Sequence[str], row: Sequence[Term], term: TermWriter) -> str:
        bindings = "".join(
            f"<binding name={quoteattr(v)}>{term(t)}</binding>"
            for v, t in zip(variables, row, strict=True)
            if t is not None
        )
        return f"<result>{bindings}</result>"

    return _Layout(head.encode(), _xml_term, row_text, "", b"</results>\n</sparql>\n")


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return (
                f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
            )
        return f"<literal>{escape(term.value)}</literal>"
    assert isinstance(term, ox.Triple)
    parts = (("subject", term.subject), ("predicate", term.predicate), ("object", term.object))
    return "<triple>" + "".join(f"<{n}>{_xml_term(t)}</{n}>" for n, t in parts) + "</triple>"


def _csv_layout(variables: Sequence[str], _extra: object) -> _Layout:
    """SPARQL 1.1 CSV: plain values (IRIs, lexical forms, _:labels), CRLF line ends."""

    def line(values: Sequence[str]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow(values)
        return buffer.getvalue()

    def row_text(variables: Sequence[str], row: Sequence[Term], term: TermWriter) -> str:
        return line(["" if t is None else term(t) for t in row])

    return _Layout(line(variables).encode(), _csv_term, row_text, "", b"")


def _csv_term(term: Term) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    assert term is not None, "rows leave unbound values out before they get here"
    return term.value


def _tsv_layout(variables: Sequence[str], _extra: object) -> _Layout:
    """SPARQL 1.1 TSV: ?variables, then terms in N-Triples syntax."""

    def row_text(variables: Sequence[str], row: Sequence[Term], term: TermWriter) -> str:
        return "\t".join("" if t is None else str(t) for t in row) + "\n"

    head = "\t".join(f"?{v}" for v in variables) + "\n"
    return _Layout(head.encode(), str, row_text, "", b"")


_STREAMING = {"json": _json_layout, "xml": _xml_layout, "csv": _csv_layout, "tsv": _tsv_layout}
write_json = _collect("json")
write_xml = _collect("xml")
write_csv = _collect("csv")
write_tsv = _collect("tsv")
WRITERS: dict[str, Callable[..., bytes]] = {key: _collect(key) for key in _STREAMING}


_INTEGERS = {
    f"http://www.w3.org/2001/XMLSchema#{t}"
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}
_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
_FLOATS = {f"http://www.w3.org/2001/XMLSchema#{t}" for t in ("double", "float")}
_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


def plain_rows(results_json: bytes) -> list[dict[str, object]]:
    """SPARQL JSON results as plain objects with typed values: IRIs and text as strings,
    xsd integers as ints, decimals as Decimal (exact), doubles as floats, booleans as
    booleans; unbound variables are left out. For people who want rows, not RDF terms."""
    document = json.loads(results_json)
    if "boolean" in document:
        return [{"boolean": document["boolean"]}]
    return [
        {name: _plain(term) for name, term in row.items()}
        for row in document["results"]["bindings"]
    ]


def rows_json(rows: list[dict[str, object]]) -> bytes:
    """Plain rows as a JSON array; a decimal keeps every digit (a JSON number of any
    precision, which ``json`` cannot write from a Decimal)."""
    objects = (
        "{"
        + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {_json(v)}" for k, v in row.items())
        + "}"
        for row in rows
    )
    return ("[" + ", ".join(objects) + "]\n").encode()


def plain_json(term: Term) -> str:
    """A bound term as :func:`rows_json` writes its value in a plain row: what
    :func:`plain_rows` makes of the term's SPARQL JSON form, without writing and reading that
    JSON (the answers stage converts millions of terms)."""
    return _json(_plain(_json_term(term)))


def _json(value: object) -> str:
    if isinstance(value, str):  # what json.dumps(value, ensure_ascii=False) calls, directly
        return _json_string(value)
    return str(value) if isinstance(value, Decimal) else json.dumps(value, ensure_ascii=False)


def _plain(term: dict[str, Any]) -> object:
    value = term["value"]
    datatype = term.get("datatype")
    try:
        if datatype in _INTEGERS:
            return int(value)
        if datatype == _DECIMAL:
            number = Decimal(value)
            return number if number.is_finite() else value
        if datatype in _FLOATS:
            double = float(value)
            return double if double == double and abs(double) != float("inf") else value
    except (ValueError, InvalidOperation):
        return value  # an ill-typed literal: its text
    if datatype == _BOOLEAN:
        return value in ("true", "1")
    return value
