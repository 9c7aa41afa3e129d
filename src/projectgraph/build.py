"""The build pipeline: assemble the sources, validate, and publish only a conforming graph."""

from __future__ import annotations

from dataclasses import dataclass

from projectgraph.assemble import assemble
from projectgraph.errors import NonConformingError
from projectgraph.progress import progress
from projectgraph.publish import Published, publish
from projectgraph.report import Report
from projectgraph.settings import Settings
from projectgraph.sources import discover
from projectgraph.validate import validate


@dataclass(frozen=True)
class BuildResult:
    """A finished build: what was published and the validation report (warnings)."""

    published: Published
    report: Report


class BuildRefused(NonConformingError):
    """The graph has violations; ``dist`` was left as it was."""

    def __init__(self, report: Report) -> None:
        super().__init__(f"build refused: the graph {report.summary()}; dist/ is unchanged")
        self.report = report


def build(settings: Settings, quiet: bool = False) -> BuildResult:
    """Build ``dist/`` from the configured sources; raise :class:`BuildRefused` on violations."""
    steps = len(discover(settings)) + 3  # one per source, validate, dumps, description
    with progress("Building", steps, quiet) as step:
        assembled = assemble(settings, step=step)
        step("validating")
        report = validate(assembled, settings)
        if not report.conforms:
            raise BuildRefused(report)
        published = publish(assembled, report, settings, step)
    return BuildResult(published=published, report=report)
