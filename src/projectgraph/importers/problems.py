"""What importers report: a record that cannot be imported (with its place and reason), and
remarks on records that were imported."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from projectgraph.errors import Location, ProjectGraphError


class ImportProblem(ProjectGraphError):
    """Something in a source that stops an import, with its place and reason."""

    def __init__(self, place: Location, reason: str) -> None:
        super().__init__(f"{place}: {reason}")
        self.place = place
        self.reason = reason


class RecordRejected(ImportProblem):
    """One record cannot be imported; the others still are."""


class SourceUnreadable(ImportProblem):
    """A whole source cannot be read (not found, wrong encoding, not the expected layout)."""


@dataclass(frozen=True)
class Remark:
    """Something an imported record lacks or that was read with a rule, worth a look."""

    place: Location
    text: str

    def __str__(self) -> str:
        return f"{self.place}: {self.text}"


def decode(path: Path, data: bytes) -> str:
    """The text of a source file: UTF-8 (a byte-order mark is dropped) or UTF-16 with its
    byte-order mark; anything else is refused with the line and byte where it breaks."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise SourceUnreadable(Location(path), f"not valid UTF-16 ({e.reason})") from e
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise SourceUnreadable(
            Location(path, line),
            f"not UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start}); "
            "save the file as UTF-8 and import it again",
        ) from e
