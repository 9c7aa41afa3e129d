"""The OpenAPI document of the named-query API, and ``/docs``, its reference page.

Each query is one operation: its parameters with JSON types, defaults, allowed values,
patterns and bounds; its formats; its SPARQL; and, once the server has run it with its
defaults at start-up, a real example response with a row schema read off that example. The
document is served by :mod:`projectgraph.web.api.routes`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from weakref import WeakKeyDictionary

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from projectgraph.sparql.named import LARGEST, MAX_STRING, NamedQuery, Parameter
from projectgraph.sparql.representations import representations

DEFAULT_TAG = "named queries"
NOT_MODIFIED = {"description": "The client's copy (If-None-Match) is current."}


class ApiDocs:
    """The OpenAPI details of the named queries, and the document they complete."""

    def __init__(self, queries: dict[str, NamedQuery], build_id: str) -> None:
        self.queries = queries
        self.build_id = build_id
        self.examples: dict[str, Any] = {}  # filled in by the start-up run
        self._documents: WeakKeyDictionary[FastAPI, dict[str, Any]] = WeakKeyDictionary()

    @staticmethod
    def tag(query: NamedQuery) -> str:
        return query.tags[0] if query.tags else DEFAULT_TAG

    @staticmethod
    def description(query: NamedQuery) -> str:
        """The operation's description: the query's, then its SPARQL (without the header)."""
        body = "\n".join(
            line for line in query.text.splitlines() if not line.startswith("#+")
        ).strip()
        parts = [query.description] if query.description else []
        parts.append(f"`queries/{query.path.name}`:\n\n```sparql\n{body}\n```")
        return "\n\n".join(parts)

    def operation(self, query: NamedQuery) -> dict[str, Any]:
        """What FastAPI cannot infer about a query's operation: parameters and responses."""
        parameters = [openapi_parameter(p) for p in query.parameters]
        if query.pagination:
            parameters.append(
                {
                    "name": "page",
                    "in": "query",
                    "required": False,
                    "description": f"Page of {query.pagination} results, from 1. The Link "
                    'header has rel="next" while a page is full.',
                    "schema": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": query.max_page,
                        "default": 1,
                    },
                }
            )
        reps = representations(query.returns_graph)
        parameters.append(
            {
                "name": "format",
                "in": "query",
                "required": False,
                "description": "Result format; overrides the Accept header. "
                + ", ".join(f"{r.key}: {r.media_type}" for r in reps),
                "schema": {"type": "string", "enum": [r.key for r in reps]},
            }
        )
        content: dict[str, Any] = {}
        for rep in reps:
            if rep.convert == "rows":
                schema: dict[str, Any] = {"type": "array", "items": {"type": "object"}}
            elif rep.media_type.endswith("json"):
                schema = {"type": "object"}
            else:
                schema = {"type": "string"}
            content[rep.media_type] = {"schema": schema}
        headers = {
            "ETag": {"description": "Changes with the build.", "schema": {"type": "string"}},
            "X-Cache": {
                "description": "materialized: computed by the build, read now; hit: from "
                "the result cache; miss: run now; shared: run for an identical request that "
                "came at the same time.",
                "schema": {"type": "string", "enum": ["materialized", "hit", "miss", "shared"]},
            },
        }
        if query.pagination:
            headers["Link"] = {
                "description": 'rel="first", "prev" and "next" pages.',
                "schema": {"type": "string"},
            }
        return {
            "parameters": parameters,
            "responses": {
                "200": {
                    "description": "The graph; as application/json, JSON-LD compacted with "
                    "the published context"
                    if query.returns_graph
                    else "The results; as application/json, a plain list of rows",
                    "headers": headers,
                    "content": content,
                },
                "304": NOT_MODIFIED,
                "406": _error("None of the accepted media types can be produced."),
                "422": _error(
                    "A parameter value that does not fit: the body names it and says why.",
                    parameter=True,
                ),
                "503": _error("The query ran past the time limit, or its result is too large."),
            },
        }

    def listing_operation(self) -> dict[str, Any]:
        return {
            "responses": {
                "200": {
                    "description": "Every named query.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "name": {"type": "string"},
                                        "summary": {"type": "string"},
                                        "url": {"type": "string", "format": "uri"},
                                        "returns": {"type": "string", "enum": ["rows", "graph"]},
                                        "parameters": {
                                            "type": "array",
                                            "items": {"type": "object"},
                                        },
                                        "materialized": {"type": "boolean"},
                                        "sparql": {"type": "string"},
                                    },
                                    "required": ["name", "summary", "url", "returns"],
                                },
                            }
                        }
                    },
                },
                "304": NOT_MODIFIED,
            }
        }

    def complete(self, schema: dict[str, Any]) -> None:
        """Add each query's example response (and, for rows, its row schema)."""
        for name, example in self.examples.items():
            operation = schema["paths"].get(f"/api/queries/{name}", {}).get("get")
            if operation is None:
                continue
            first = operation["responses"]["200"]["content"]["application/json"]
            query = self.queries[name]
            if query.returns_graph:
                first["example"] = example
            else:
                first["example"] = example[:3]
                first["schema"] = rows_schema(query, example)

    def document(self, app: FastAPI, ready: bool) -> dict[str, Any]:
        """The OpenAPI document of ``app``'s routes with the examples; kept for ``app`` once
        ``ready`` (the examples are in)."""
        kept = self._documents.get(app)
        if kept is not None:
            return kept
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=_tags(self.queries.values()),
        )
        self.complete(schema)
        if ready:
            self._documents[app] = schema
        return schema


def describe_parameter(p: Parameter) -> dict[str, Any]:
    """A parameter as the listing shows it."""
    described: dict[str, Any] = {
        "name": p.name,
        "type": p.type,
        "required": p.required,
        "description": p.description,
    }
    for key in ("default", "example", "pattern", "minimum", "maximum"):
        if getattr(p, key) is not None:
            described[key] = getattr(p, key)
    if p.values:
        described["values"] = list(p.values)
    return described


def openapi_parameter(p: Parameter) -> dict[str, Any]:
    """A parameter as an OpenAPI query parameter with a JSON Schema."""
    schema: dict[str, Any]
    if p.values:
        schema = {"type": "string", "enum": list(p.values)}
    elif p.type in ("integer", "decimal"):
        schema = {
            "type": "integer" if p.type == "integer" else "number",
            "minimum": p.minimum if p.minimum is not None else -LARGEST,
            "maximum": p.maximum if p.maximum is not None else LARGEST,
        }
    elif p.type == "boolean":
        schema = {"type": "boolean"}
    elif p.type == "date":
        schema = {"type": "string", "format": "date"}
    elif p.type == "iri":
        schema = {"type": "string", "format": "iri-reference"}
    else:
        schema = {"type": "string", "maxLength": MAX_STRING}
    if p.pattern and not p.values:
        schema["pattern"] = p.pattern
    if p.default is not None:
        schema["default"] = _typed(p, p.default)
    described: dict[str, Any] = {
        "name": p.name,
        "in": "query",
        "required": p.required,
        "description": p.description
        + (" An IRI, or a path under the base IRI." if p.type == "iri" else ""),
        "schema": schema,
    }
    if p.example is not None:
        described["example"] = _typed(p, p.example)
    return described


def rows_schema(query: NamedQuery, example: list[dict[str, Any]]) -> dict[str, Any]:
    """The row schema, with each column's JSON type as the default run shows it."""
    properties: dict[str, Any] = {}
    for variable in query.variables:
        kinds = {_json_type(row[variable]) for row in example if variable in row}
        if kinds == {"integer", "number"}:
            kinds = {"number"}
        properties[variable] = {"type": kinds.pop()} if len(kinds) == 1 else {}
    return {"type": "array", "items": {"type": "object", "properties": properties}}


def _typed(p: Parameter, value: str) -> Any:
    """A default or example as the JSON type its schema says."""
    if p.values:
        return value
    if p.type == "integer":
        return int(value)
    if p.type == "decimal":
        return float(value)
    if p.type == "boolean":
        return value in ("true", "1")
    return value


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


def _tags(queries: Iterable[NamedQuery]) -> list[dict[str, str]]:
    names = sorted({ApiDocs.tag(q) for q in queries} - {DEFAULT_TAG})
    return [{"name": DEFAULT_TAG, "description": "The queries of queries/."}] + [
        {"name": n} for n in names
    ]


def _error(description: str, parameter: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "status": {"type": "integer"},
        "error": {"type": "string"},
        "message": {"type": "string"},
    }
    if parameter:
        properties["parameter"] = {"type": "string"}
        properties["reason"] = {"type": "string"}
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": properties,
                    "required": ["status", "error", "message"],
                }
            },
            "text/plain": {"schema": {"type": "string"}},
        },
    }
