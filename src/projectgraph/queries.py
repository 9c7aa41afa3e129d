"""Named SPARQL queries: ``queries/*.rq`` files with grlc-style ``#+ key: value`` headers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class NamedQuery:
    """A query file: its name (file stem), summary and text."""

    name: str
    summary: str
    text: str


def load_queries(folder: Path) -> list[NamedQuery]:
    """The ``*.rq`` files of ``folder``, sorted by name (none if the folder is missing)."""
    if not folder.is_dir():
        return []
    queries = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        summary = next(
            (
                line.split(":", 1)[1].strip()
                for line in text.splitlines()
                if line.startswith("#+ summary:")
            ),
            path.stem.replace("-", " "),
        )
        queries.append(NamedQuery(name=path.stem, summary=summary, text=text))
    return queries
