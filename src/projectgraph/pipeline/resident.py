"""What one build keeps in memory for the next build in the same process (``build --watch``).

A build from the command line reads every source's preparation and the partition back from
the build cache, 4 s of a one-record rebuild at 100,000 projects. A process that builds again
and again keeps the last build's instead. Each is taken only where the cache would give the
same: a preparation by its source's key and fingerprint (what it was made from), the
partition for the same sources with the same check that it still holds
(:func:`~projectgraph.build.partition.unchanged`). So a build with this state publishes the
same bytes as one without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from projectgraph.build.partition import Partition
from projectgraph.build.prepare import Prepared


@dataclass
class Resident:
    """The last build's preparations and partition, for the next build of the process."""

    # Each preparation by (source key, fingerprint): the last build's only, so a source
    # edited again and again does not pile up its old versions.
    prepared: dict[tuple[str, str], Prepared] = field(default_factory=dict)
    # The partition of the last build, with its sources (kind and key, in order) and the
    # fingerprints it was checked against, as BuildCache.partition gives them.
    partition: tuple[list[str], list[str], Partition] | None = None

    def preparations(self, sources: Sequence[tuple[str, str | None]]) -> list[Prepared | None]:
        """The kept preparation of each (key, fingerprint), None where there is none."""
        return [None if fp is None else self.prepared.get((key, fp)) for key, fp in sources]

    def keep_preparations(self, prepared: Sequence[Prepared]) -> None:
        """Keep ``prepared`` (a whole build's) in place of the last build's."""
        self.prepared = {(p.key, p.fingerprint): p for p in prepared}

    def kept_partition(self, sources: list[str]) -> tuple[list[str], Partition] | None:
        """The last partition, with the fingerprints it holds for, if of the same sources."""
        if self.partition is None or self.partition[0] != sources:
            return None
        return self.partition[1], self.partition[2]

    def keep_partition(self, sources: list[str], prints: list[str], parts: Partition) -> None:
        """Keep the partition a build used, of ``sources`` with fingerprints ``prints``."""
        self.partition = (sources, prints, parts)
