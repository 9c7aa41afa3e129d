"""The validation report: results a data editor can act on, as text, JSON or SHACL Turtle."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from itertools import groupby

from rdflib import Graph

from projectgraph.errors import Location, display_path

SEVERITY_ORDER = ("Violation", "Warning", "Info")


@dataclass(frozen=True)
class Result:
    """One validation result, with labels and the place in the source."""

    severity: str  # Violation | Warning | Info
    focus: str  # IRI (or blank node id) of the focus node
    focus_label: str | None
    focus_display: str  # prefixed form of the focus node
    path: str | None  # SHACL property path, in prefixed SPARQL syntax
    value: str | None  # the offending value, in prefixed/N-Triples syntax
    message: str
    shape: str
    constraint: str
    location: Location | None

    def sort_key(self) -> tuple[int, str, str, int, int, str]:
        loc = self.location
        return (
            SEVERITY_ORDER.index(self.severity),
            self.message,
            str(loc.path) if loc else "",
            (loc.line or 0) if loc else 0,
            (loc.column or 0) if loc else 0,
            self.focus,
        )


@dataclass
class Report:
    """All results of one validation run, plus pySHACL's own report graph."""

    results: list[Result]
    graph: Graph = field(repr=False)

    @property
    def conforms(self) -> bool:
        """True when there is no violation (warnings and infos are allowed)."""
        return self.counts["Violation"] == 0

    @property
    def counts(self) -> Counter[str]:
        """Number of results per severity."""
        counts: Counter[str] = Counter({s: 0 for s in SEVERITY_ORDER})
        counts.update(r.severity for r in self.results)
        return counts

    def summary(self) -> str:
        """One line: '1 violation, 2 warnings'."""
        c = self.counts
        parts = [
            f"{c[s]} {s.lower()}{'' if c[s] == 1 else 's'}"
            for s in SEVERITY_ORDER
            if c[s] or s != "Info"
        ]
        verdict = "conforms" if self.conforms else "does not conform"
        return f"{verdict}: {', '.join(parts)}"

    def to_text(self) -> str:
        """Human-readable report, grouped by severity and message, counted."""
        lines = [f"Validation {self.summary()}"]
        ordered = sorted(self.results, key=Result.sort_key)
        for (severity, message), group in groupby(ordered, key=lambda r: (r.severity, r.message)):
            items = list(group)
            lines.append("")
            lines.append(f"{severity.upper()} x{len(items)}: {message}")
            for r in items:
                where = f"{r.location}: " if r.location else ""
                label = f"{r.focus_label} ({r.focus_display})" if r.focus_label else r.focus_display
                detail = []
                if r.path:
                    detail.append(f"path {r.path}")
                if r.value:
                    detail.append(f"value {r.value}")
                suffix = f" [{'; '.join(detail)}]" if detail else ""
                lines.append(f"  {where}{label}{suffix}")
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        """Machine-readable report (stable keys, sorted results)."""
        return (
            json.dumps(
                {
                    "conforms": self.conforms,
                    "counts": {s.lower(): n for s, n in self.counts.items()},
                    "results": [
                        {
                            "severity": r.severity,
                            "message": r.message,
                            "focusNode": r.focus,
                            "focusLabel": r.focus_label,
                            "path": r.path,
                            "value": r.value,
                            "sourceShape": r.shape,
                            "constraint": r.constraint,
                            "location": _location_json(r.location),
                        }
                        for r in sorted(self.results, key=Result.sort_key)
                    ],
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )

    def to_turtle(self) -> str:
        """The standard SHACL validation report graph, as Turtle."""
        return self.graph.serialize(format="turtle")


def _location_json(location: Location | None) -> dict[str, object] | None:
    if location is None:
        return None
    return {"file": display_path(location.path), "line": location.line, "column": location.column}
