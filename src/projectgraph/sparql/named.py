"""Named SPARQL queries: ``queries/*.rq`` files with grlc-style headers and typed parameters.

The header is YAML in ``#+`` comment lines (summary, description, tags, pagination, and a
``params`` table with description, default, example, values, pattern, minimum, maximum, and
``materialize``: how the build computes a parameter's answers once, see
:mod:`projectgraph.sparql.grouped`).
Parameters are the query's ``?_name_type`` variables (``?_country_iri``, ``?_min_projects_integer``;
``?__name_type`` may stay unbound), as grlc made common. Values are checked against their type
and constraints and bound as RDF terms (see :mod:`projectgraph.sparql.bind`), never spliced.
IRI defaults may be written relative to the base IRI (``id/project/clusters3``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from projectgraph.errors import ProjectGraphError, display_path
from projectgraph.rdf.vocab import XSD, parse_base
from projectgraph.sparql.bind import bind, paginate, where_group
from projectgraph.sparql.inspect import inspect, tokens
from projectgraph.sparql.syntax import syntax_error

TYPES = ("iri", "string", "integer", "decimal", "date", "boolean")
_PARAMETER = re.compile(r"[?$](__?)([A-Za-z][A-Za-z0-9_]*?)(?:_(" + "|".join(TYPES) + r"))?\b")
_KEYS = {
    "description",
    "default",
    "example",
    "values",
    "pattern",
    "minimum",
    "maximum",
    "materialize",
}
COMPARES = (">=", ">", "<=", "<")  # a threshold's comparison, parameter on the right
_SAMPLES: dict[str, ox.NamedNode | ox.Literal] = {
    "iri": ox.NamedNode("urn:x"),
    "string": ox.Literal("x"),
    "integer": ox.Literal("1", datatype=ox.NamedNode(f"{XSD}integer")),
    "decimal": ox.Literal("1.5", datatype=ox.NamedNode(f"{XSD}decimal")),
    "date": ox.Literal("2020-01-01", datatype=ox.NamedNode(f"{XSD}date")),
    "boolean": ox.Literal("true", datatype=ox.NamedNode(f"{XSD}boolean")),
}
RESERVED = ("page", "format")  # query-string names the API itself uses
MAX_STRING = 1_000  # characters of a string parameter
MAX_IRI = 2_000  # characters of an IRI parameter
# Rows a page may skip, at most: an engine sorts OFFSET + LIMIT rows for a page. Virtuoso
# refuses past its MaxSortedTopRows and crashed here when that was set to millions.
MAX_OFFSET = 1_000_000
LARGEST = 10**15  # numbers beyond are refused ...
MAX_SCALE = 30  # ... and so are those with more than 30 digits after the point
_INTEGER = re.compile(r"[+-]?[0-9]{1,40}", re.ASCII)
_DECIMAL = re.compile(
    r"[+-]?(?:[0-9]{1,40}(?:\.[0-9]{0,40})?|\.[0-9]{1,40})(?:[eE][+-]?[0-9]{1,3})?", re.ASCII
)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_ABSOLUTE = re.compile(r"(?:https?://[^/?#]+|urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+)(?:[/?#].*)?")
_RELATIVE = re.compile(r"(?!/)(?!.*(?:^|/)\.\.?(?:/|$))[^:?#]*(?:[?#].*)?")


class QueryFileError(ProjectGraphError):
    """A query file whose header, parameters or syntax are wrong (found when loading)."""


class ParameterError(ValueError):
    """A parameter value that does not fit: the HTTP API answers 422 with the name and reason."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


@dataclass(frozen=True)
class Materialize:
    """How the build answers every value of a parameter at once (``materialize`` in the
    header): a threshold (``column: projects, compare: ">="``: computed at the parameter's
    bound, rows kept where ``column compare value``) or a text (``contains: name``: computed
    with the empty text, rows kept whose ``column`` contains the text, case and accents
    folded)."""

    column: str  # the projected variable the value is compared with, or searched in
    compare: str | None = None  # one of COMPARES for a threshold; None for a text

    @property
    def contains(self) -> bool:
        return self.compare is None


@dataclass(frozen=True)
class Parameter:
    """One parameter of a named query."""

    name: str
    type: str
    variable: str  # the SPARQL variable, without '?'
    required: bool
    description: str = ""
    default: str | None = None
    example: str | None = None
    values: tuple[str, ...] = ()
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    materialize: Materialize | None = None

    def term(self, raw: str, base_iri: str) -> ox.NamedNode | ox.Literal:
        """The RDF term for a value given as text, or ParameterError saying why not. Text is
        taken as it is; other types ignore surrounding spaces."""
        if self.type != "string":
            raw = raw.strip()
        if self.values and raw not in self.values:
            raise ParameterError(self.name, f"must be one of {', '.join(self.values)}")
        if self.pattern and not re.fullmatch(self.pattern, raw):
            raise ParameterError(self.name, f"must match {self.pattern}")
        if self.type == "iri":
            return _iri(self.name, raw, base_iri)
        if self.type == "string":
            if len(raw) > MAX_STRING:
                raise ParameterError(self.name, f"is longer than {MAX_STRING} characters")
            try:
                return ox.Literal(raw)
            except ValueError:  # lone surrogates: bytes that were not UTF-8
                raise ParameterError(self.name, "is not valid Unicode text") from None
        if self.type == "boolean":
            if raw not in ("true", "false", "1", "0"):
                raise ParameterError(self.name, "must be true or false")
            return ox.Literal("true" if raw in ("true", "1") else "false", datatype=_xsd("boolean"))
        if self.type == "date":
            if not _DATE.fullmatch(raw):
                raise ParameterError(self.name, "must be a date, YYYY-MM-DD")
            try:
                return ox.Literal(date.fromisoformat(raw).isoformat(), datatype=_xsd("date"))
            except ValueError:
                raise ParameterError(self.name, f"{raw} is not a day of the calendar") from None
        return self._number(raw)

    def _number(self, raw: str) -> ox.Literal:
        integer = self.type == "integer"
        if not (_INTEGER if integer else _DECIMAL).fullmatch(raw):
            kind = "an integer, like 12" if integer else "a number, like 12 or 0.25"
            raise ParameterError(self.name, f"must be {kind}, not {raw[:40]!r}")
        number = Decimal(raw)
        if abs(number) > LARGEST or (number and number.adjusted() < -MAX_SCALE):
            raise ParameterError(self.name, f"is out of range (10^-{MAX_SCALE} to 10^15)")
        if -int(number.as_tuple().exponent) > 2 * MAX_SCALE:
            raise ParameterError(self.name, f"has more than {2 * MAX_SCALE} decimal places")
        if self.minimum is not None and number < Decimal(str(self.minimum)):
            raise ParameterError(self.name, f"must be at least {self.minimum:g}")
        if self.maximum is not None and number > Decimal(str(self.maximum)):
            raise ParameterError(self.name, f"must be at most {self.maximum:g}")
        if integer:
            return ox.Literal(str(int(number)), datatype=_xsd("integer"))
        # Exponent and digits are bounded above, so the plain notation stays short.
        return ox.Literal(format(number, "f"), datatype=_xsd("decimal"))


@dataclass(frozen=True)
class NamedQuery:
    """A query file: its text, metadata and parameters."""

    name: str
    path: Path
    text: str
    summary: str
    description: str = ""
    tags: tuple[str, ...] = ()
    pagination: int | None = None
    parameters: tuple[Parameter, ...] = ()
    form: str = "SELECT"
    variables: tuple[str, ...] = ()  # what a SELECT projects, in order

    @property
    def max_page(self) -> int:
        """The last page a client may ask for (none past :data:`MAX_OFFSET` rows)."""
        return max(1, MAX_OFFSET // self.pagination) if self.pagination else 1

    @property
    def returns_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")

    def prepare(self, given: dict[str, str], base_iri: str, page: int | None = None) -> str:
        """The query text with ``given`` values (text, by parameter name) bound as terms;
        defaults fill in what is not given. Raises ParameterError for a bad or missing value."""
        known = {p.name for p in self.parameters}
        for name in given:
            if name not in known:
                listed = ", ".join(sorted(known)) or "none"
                raise ParameterError(name, f"is not a parameter of {self.name}; known: {listed}")
        bound: dict[str, ox.NamedNode | ox.Literal] = {}
        for p in self.parameters:
            raw = given.get(p.name, p.default)
            if raw is None:
                if p.required:
                    raise ParameterError(p.name, "is required")
                continue
            bound[p.variable] = p.term(str(raw), base_iri)
        query = bind(self.text, bound)
        if self.pagination:
            if page is not None and not 1 <= page <= self.max_page:
                raise ParameterError("page", f"must be between 1 and {self.max_page}")
            query = paginate(query, self.pagination, page or 1)
        return query


def load_queries(folder: Path) -> list[NamedQuery]:
    """The ``*.rq`` files of ``folder``, sorted by name (none if the folder is missing)."""
    if not folder.is_dir():
        return []
    return [load_query(path) for path in sorted(folder.glob("*.rq"))]


def load_query(path: Path) -> NamedQuery:
    """Read one query file; QueryFileError naming the file (and line) if it is unusable."""
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise QueryFileError(f"{shown}: cannot read the query: {e}") from None
    header = _header(shown, text)
    found = inspect(text)
    if found.update or found.service:
        what = "SPARQL Update" if found.update else "SERVICE (a federated query)"
        raise QueryFileError(f"{shown}: {what}: named queries read the published graph only")
    if found.form is None:
        raise QueryFileError(f"{shown}: not a SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE)")
    declared = header.get("params") or {}
    if not isinstance(declared, dict):
        raise QueryFileError(f"{shown}: params must be a mapping of parameter names")
    parameters: dict[str, Parameter] = {}
    for kind, token, _, _ in tokens(text):
        match = _PARAMETER.fullmatch(token) if kind == "var" else None
        if match is None:
            continue
        if match[2] in parameters:
            if parameters[match[2]].variable != token[1:]:
                raise QueryFileError(
                    f"{shown}: ?{parameters[match[2]].variable} and {token} would both be "
                    f"parameter {match[2]}; rename one"
                )
            continue
        name, datatype = match[2], match[3]
        if name in RESERVED:
            raise QueryFileError(
                f"{shown}: ?_{name} cannot be a parameter: {', '.join(RESERVED)} are reserved"
            )
        parameters[name] = _parameter(
            shown, name, datatype or "string", token[1:], declared.get(name)
        )
    stray = set(declared) - set(parameters)
    if stray:
        raise QueryFileError(
            f"{shown}: params {', '.join(sorted(stray))} are not ?_name variables of the query"
        )
    pagination = header.get("pagination")
    if pagination is not None and (
        isinstance(pagination, bool) or not isinstance(pagination, int) or pagination < 1
    ):
        raise QueryFileError(f"{shown}: pagination must be a page size (a whole number >= 1)")
    variables = _check_syntax(shown, paginate(text, 1, 1) if pagination else text)
    for p in parameters.values():
        if p.materialize and p.materialize.column not in variables:
            raise QueryFileError(
                f"{shown}: parameter {p.name}: materialize names {p.materialize.column}, "
                f"which the query does not project ({', '.join(variables) or 'nothing'})"
            )
    if parameters:
        try:
            where_group(text)
        except ValueError as e:
            raise QueryFileError(f"{shown}: {e}") from None
        # With a value of each parameter's type bound, the query must still parse (it does
        # not where the WHERE group is also the template: CONSTRUCT WHERE { ... }).
        samples = {p.variable: _SAMPLES[p.type] for p in parameters.values()}
        try:
            ox.Store().query(bind(text, samples))
        except SyntaxError as e:
            raise QueryFileError(
                f"{shown}: the query does not parse once its parameters are bound as a VALUES "
                f"row in its WHERE group ({syntax_error(e)[0].splitlines()[0]}); the short "
                "form CONSTRUCT WHERE { } cannot take parameters"
            ) from None
    tags = header.get("tags") or ()
    return NamedQuery(
        name=path.stem,
        path=path,
        text=text,
        summary=str(header.get("summary") or path.stem.replace("-", " ")),
        description=str(header.get("description") or ""),
        tags=tuple(str(t) for t in (tags if isinstance(tags, list) else [tags])),
        pagination=pagination,
        parameters=tuple(parameters.values()),
        form=found.form,
        variables=variables,
    )


def _header(shown: str, text: str) -> dict[str, Any]:
    """The YAML of the ``#+`` lines; errors name the file line."""
    numbers, lines = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#+"):
            numbers.append(number)
            lines.append(line[2:].removeprefix(" "))
    try:
        header = yaml.safe_load("\n".join(lines)) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = numbers[min(mark.line, len(numbers) - 1)] if mark is not None and numbers else None
        where = f"{shown}:{at}" if at else shown
        problem = getattr(e, "problem", None) or str(e)
        raise QueryFileError(f"{where}: the #+ header is not valid YAML: {problem}") from None
    if not isinstance(header, dict):
        raise QueryFileError(
            f"{shown}: the #+ header must be a mapping (summary: ..., params: ...)"
        )
    return header


def _parameter(shown: str, name: str, kind: str, variable: str, meta: Any) -> Parameter:
    """A parameter from its ``?_name_type`` variable and its ``params`` entry, checked;
    ``?__name`` makes it optional (left unbound when not given)."""
    where = f"{shown}: parameter {name}"
    meta = meta if meta is not None else {}
    if not isinstance(meta, dict):
        raise QueryFileError(f"{where}: its entry must be a mapping (description: ..., ...)")
    unknown = set(meta) - _KEYS
    if unknown:
        raise QueryFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    values = meta.get("values", [])
    if not isinstance(values, list):
        raise QueryFileError(f"{where}: values must be a list")
    for bound in ("minimum", "maximum"):
        value = meta.get(bound)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise QueryFileError(f"{where}: {bound} must be a number")
    pattern = meta.get("pattern")
    if pattern is not None:
        try:
            re.compile(str(pattern))
        except re.error as e:
            raise QueryFileError(f"{where}: pattern is not a regular expression: {e}") from None
    default, example = meta.get("default"), meta.get("example")
    materialize = _materialize(where, kind, meta)
    parameter = Parameter(
        name=name,
        type=kind,
        variable=variable,
        required=not variable.startswith("__") and default is None,
        description=str(meta.get("description", "")),
        default=None if default is None else _scalar(default),
        example=None if example is None else _scalar(example),
        values=tuple(_scalar(v) for v in values),
        pattern=None if pattern is None else str(pattern),
        minimum=meta.get("minimum"),
        maximum=meta.get("maximum"),
        materialize=materialize,
    )
    for label, value in (("default", parameter.default), ("example", parameter.example)):
        if value is not None:
            try:
                parameter.term(value, "https://example.org/")
            except ParameterError as e:
                raise QueryFileError(f"{where}: the {label} {value!r} {e.reason}") from None
    return parameter


def _materialize(where: str, kind: str, meta: dict[str, Any]) -> Materialize | None:
    """A parameter's ``materialize`` entry, checked against its type and bounds."""
    entry = meta.get("materialize")
    if entry is None:
        return None
    usage = '{contains: <variable>} or {column: <variable>, compare: ">="}'
    if not isinstance(entry, dict) or not entry:
        raise QueryFileError(f"{where}: materialize must be {usage}")
    unknown = set(entry) - {"contains", "column", "compare"}
    if unknown:
        raise QueryFileError(f"{where}: materialize: unknown key(s) {', '.join(sorted(unknown))}")
    if "contains" in entry:
        if set(entry) != {"contains"} or not isinstance(entry["contains"], str):
            raise QueryFileError(f"{where}: materialize must be {usage}")
        if kind != "string":
            raise QueryFileError(f"{where}: materialize contains is for a string parameter")
        return Materialize(entry["contains"].removeprefix("?"))
    column, compare = entry.get("column"), entry.get("compare")
    if not isinstance(column, str) or compare not in COMPARES:
        raise QueryFileError(
            f"{where}: materialize needs a column and a compare of {', '.join(COMPARES)}"
        )
    if kind != "integer":
        raise QueryFileError(f"{where}: materialize compare is for an integer parameter")
    bound = "minimum" if compare.startswith(">") else "maximum"
    if meta.get(bound) is None:
        # Answers are computed once, at the loosest value a client may ask for.
        raise QueryFileError(f"{where}: materialize compare {compare} needs a {bound}")
    return Materialize(column.removeprefix("?"), compare)


def _scalar(value: Any) -> str:
    """A YAML value as the text a client would send: ``true`` not ``True``, dates ISO."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _check_syntax(shown: str, text: str) -> tuple[str, ...]:
    """Parse the query (on an empty store, so nothing runs) and return what it projects;
    QueryFileError naming file:line:column if it does not parse."""
    try:
        result = ox.Store().query(text, use_default_graph_as_union=True)
    except SyntaxError as e:
        message, line, column = syntax_error(e)
        where = f"{shown}:{line}:{column}" if line is not None else shown
        raise QueryFileError(f"{where}: {message}") from None
    if isinstance(result, ox.QuerySolutions):
        return tuple(v.value for v in result.variables)
    return ()


def _iri(name: str, raw: str, base_iri: str) -> ox.NamedNode:
    """An absolute http(s) or urn IRI, or a path under the base IRI (``id/project/x``)."""
    if not raw:
        raise ParameterError(name, "is empty: give an IRI")
    if len(raw) > MAX_IRI:
        raise ParameterError(name, f"is longer than {MAX_IRI} characters")
    if _ABSOLUTE.fullmatch(raw):
        value = raw
    elif re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", raw):
        raise ParameterError(name, "must be an http(s) or urn IRI, or a path under the base IRI")
    elif _RELATIVE.fullmatch(raw):
        value = parse_base(base_iri) + raw
    else:
        raise ParameterError(
            name, "a relative IRI is a path under the base IRI, like id/project/clusters3"
        )
    try:
        return ox.NamedNode(value)
    except ValueError as e:
        raise ParameterError(name, f"is not a valid IRI ({e})") from None


def _xsd(local: str) -> ox.NamedNode:
    return ox.NamedNode(str(XSD) + local)
