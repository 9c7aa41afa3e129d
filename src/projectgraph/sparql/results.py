"""Write a bounded list of SELECT solutions in the four SPARQL 1.1 result formats.

The endpoint uses pyoxigraph's own writers to stream unbounded results; these are for the
capped case, where it must stop after ``max_rows`` rows (pyoxigraph's writers always write to
the end). They follow the W3C result formats; a test checks them against pyoxigraph's output.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None
Rows = Sequence[Sequence[Term]]


def write_json(
    variables: Sequence[str], rows: Rows, extra: dict[str, object] | None = None
) -> bytes:
    """SPARQL 1.1 Query Results JSON; ``extra`` adds top-level members (e.g. truncation)."""
    head = json.dumps({"vars": list(variables)}, ensure_ascii=False)
    bindings = ",".join(
        json.dumps(
            {v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None},
            ensure_ascii=False,
        )
        for row in rows
    )
    tail = "".join(f",{json.dumps(k)}:{json.dumps(v)}" for k, v in (extra or {}).items())
    return f'{{"head":{head},"results":{{"bindings":[{bindings}]}}{tail}}}'.encode()


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


def write_xml(variables: Sequence[str], rows: Rows) -> bytes:
    """SPARQL Query Results XML Format."""
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    out.append(
        "<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in variables) + "</head>"
    )
    out.append("<results>")
    for row in rows:
        out.append("<result>")
        for v, t in zip(variables, row, strict=True):
            if t is not None:
                out.append(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>")
        out.append("</result>")
    out.append("</results>\n</sparql>\n")
    return "".join(out).encode()


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


def write_csv(variables: Sequence[str], rows: Rows) -> bytes:
    """SPARQL 1.1 CSV: plain values (IRIs, lexical forms, _:labels), CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow(["" if t is None else _csv_term(t) for t in row])
    return buffer.getvalue().encode()


def _csv_term(term: Term) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value  # type: ignore[union-attr]


def write_tsv(variables: Sequence[str], rows: Rows) -> bytes:
    """SPARQL 1.1 TSV: ?variables, then terms in N-Triples syntax."""
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


WRITERS: dict[str, Callable[[Sequence[str], Rows], bytes]] = {
    "json": write_json,
    "xml": write_xml,
    "csv": write_csv,
    "tsv": write_tsv,
}


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


def _json(value: object) -> str:
    return str(value) if isinstance(value, Decimal) else json.dumps(value, ensure_ascii=False)


def _plain(term: dict[str, str]) -> object:
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
