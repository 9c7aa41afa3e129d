"""The errors projectgraph reports to users, each with the exit code the CLI returns.

Exit codes (also in the README): 0 done (warnings allowed), 1 the data does not conform to the
shapes, 2 bad input (unreadable or malformed source, bad settings, bad arguments), 3 a remote
SPARQL store failed (unreachable, refused the credentials, timed out, answered an error), 4 the
Dask cluster a build ran on failed (no scheduler at the address, it went away, no workers).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
EXIT_NONCONFORMING = 1
EXIT_BAD_INPUT = 2
EXIT_STORE = 3
EXIT_CLUSTER = 4


@dataclass(frozen=True)
class Location:
    """A place in a source file: 1-based line and column, and the field (column name, cell or
    table) a tabular source or a mapping names it by."""

    path: Path
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        text = display_path(self.path)
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        if self.field:
            text += f" ({self.field})"
        return text


def display_path(path: Path) -> str:
    """A path as users should read it: relative to the working directory when inside it."""
    try:
        return str(path.absolute().relative_to(Path.cwd().absolute()))
    except ValueError:
        return str(path)


class ProjectGraphError(Exception):
    """An error caused by input or settings, reported without a traceback."""

    exit_code = EXIT_BAD_INPUT


class SettingsError(ProjectGraphError):
    """A setting (projectgraph.toml, environment or flag) has an unusable value."""


class SourceError(ProjectGraphError):
    """A source file cannot be read or is malformed; names the file, line and column."""

    def __init__(self, location: Location, message: str) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.message = message


class NonConformingError(ProjectGraphError):
    """The graph violates the shapes; publishing is refused."""

    exit_code = EXIT_NONCONFORMING


class ClusterError(ProjectGraphError):
    """The Dask cluster a build runs on (``build --cluster``) cannot be used or failed: one line
    names the scheduler's address and what happened; nothing was published."""

    exit_code = EXIT_CLUSTER
