"""Read an "EU Project Profile" page, saved as text or as HTML, into one neutral shape
(:class:`ProfilePage`): its title, the labelled fields of the general information block, the
partnership table's rows, and the text sections with their paragraphs, each with its line.

What the fields and cells mean is decided later, the same way for both forms (see
:mod:`projectgraph.importers.profile`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup, Tag

from projectgraph.errors import Location
from projectgraph.importers.problems import SourceUnreadable, decode
from projectgraph.importers.values import is_flag

# The text sections a profile has, by a word of their heading.
SECTION_KEYS = (
    ("background", ("background",)),
    ("objective", ("objective",)),
    ("methodology", ("methodology",)),
    ("topics", ("key topics", "thematic box")),
)
_IMAGE = re.compile(r"(?i)^https?://\S+\.(?:jpe?g|png|gif|webp|svg)$")
_TABLE_LABEL = "partnership composition"


@dataclass
class Located:
    """A text and the line it starts on."""

    text: str
    line: int


@dataclass
class Section:
    key: str  # background | objective | methodology | topics
    heading: Located
    paragraphs: list[Located] = field(default_factory=list)


@dataclass
class ProfilePage:
    """What a profile page holds, before interpretation."""

    path: Path
    media_type: str
    data: bytes
    title: Located | None = None
    fields: dict[str, Located] = field(default_factory=dict)  # by label, as written
    table_line: int | None = None
    rows: list[list[Located]] = field(default_factory=list)  # the non-empty cells of each row
    sections: dict[str, Section] = field(default_factory=dict)
    images: list[Located] = field(default_factory=list)

    def place(self, line: int | None = None, what: str | None = None) -> Location:
        return Location(self.path, line, field=what)


def read_page(path: Path, data: bytes) -> ProfilePage:
    """A saved profile page, as HTML (by its extension or its first bytes) or as text."""
    text = decode(path, data)
    head = text.lstrip()[:200].lower()
    if path.suffix.lower() in {".html", ".htm"} or head.startswith(("<!doctype", "<html")):
        return _html_page(path, data, text)
    return _text_page(path, data, text)


def section_key(heading: str) -> str | None:
    """Which section a heading opens, if any."""
    words = heading.lower()
    for key, needles in SECTION_KEYS:
        if any(n in words for n in needles):
            return key
    return None


def _clean(text: str) -> str:
    return text.strip(" \t\r\n\u00a0\u200b")


# ------------------------------------------------------------------------------------------
# Saved text


def _text_page(path: Path, data: bytes, text: str) -> ProfilePage:
    page = ProfilePage(path, "text/plain", data)
    lines = [(_clean(line), n) for n, line in enumerate(text.split("\n"), start=1)]
    i = 0
    while i < len(lines) and (not lines[i][0] or " > " in lines[i][0]):
        i += 1  # the breadcrumb ("Home > Eu Project Profile > ...")
    if i < len(lines):
        page.title = Located(*lines[i])
        i += 1
    section: Section | None = None
    while i < len(lines):
        line, n = lines[i]
        i += 1
        if not line:
            continue
        key = section_key(line) if len(line) < 80 and not line.endswith(".") else None
        if key:
            section = page.sections.setdefault(key, Section(key, Located(line, n)))
            continue
        if section is not None:
            if _IMAGE.match(line):
                page.images.append(Located(line, n))
            else:
                section.paragraphs.append(Located(line, n))
            continue
        if line.endswith(":"):
            label = _clean(line[:-1])
            if label.lower() == _TABLE_LABEL:
                page.table_line = n
                i = _text_table(lines, i, page)
                continue
            j = i
            while j < len(lines) and not lines[j][0]:
                j += 1
            if j < len(lines):
                page.fields[label] = Located(*lines[j])
                i = j + 1
    return page


def _text_table(lines: list[tuple[str, int]], i: int, page: ProfilePage) -> int:
    """The rows of the flattened table: a header line, then one cell per line, each row ending
    with its Yes/No cell; the table ends at a blank line."""
    if i < len(lines) and "organisation name" in lines[i][0].lower():
        i += 1
    row: list[Located] = []
    while i < len(lines) and lines[i][0]:
        cell = Located(*lines[i])
        row.append(cell)
        i += 1
        if is_flag(cell.text) and len(row) > 1:
            page.rows.append(row)
            row = []
    if row:
        page.rows.append(row)  # a row without its Yes/No cell: reported when read
    return i


# ------------------------------------------------------------------------------------------
# Saved HTML


def _html_page(path: Path, data: bytes, text: str) -> ProfilePage:
    page = ProfilePage(path, "text/html", data)
    if not re.search(r"(?i)</html\s*>", text):
        last = text.count("\n") + 1
        raise SourceUnreadable(
            Location(path, last),
            "the page ends before </html>: it was saved or copied incompletely",
        )
    soup = BeautifulSoup(text, "html.parser")
    for junk in soup(["script", "style", "noscript", "template"]):
        junk.decompose()
    root = (
        soup.select_one("#content")
        or soup.select_one(".region-content")
        or soup.find("main")
        or soup.body
        or soup
    )
    h1 = root.find("h1") or soup.find("h1")
    if isinstance(h1, Tag):
        page.title = Located(_words(h1), h1.sourceline or 1)
    for label in root.select(".field-label, dt"):
        name = _clean(_words(label)).rstrip(":").strip()
        value = label.find_next_sibling()
        if not name or not isinstance(value, Tag):
            continue
        table = value.find("table")
        if name.lower() == _TABLE_LABEL and isinstance(table, Tag):
            continue  # read below
        page.fields[name] = Located(_clean(_words(value)), value.sourceline or 1)
    table = _partnership_table(root)
    if table is not None:
        page.table_line = table.sourceline
        for tr in table.find_all("tr"):
            cells = tr.find_all("td")
            if not cells:
                continue  # the header row
            row = [Located(_clean(_words(td)), td.sourceline or 1) for td in cells]
            page.rows.append([c for c in row if c.text])
    section: Section | None = None
    for tag in root.find_all(["h2", "h3", "h4", "p", "img"]):
        if tag.name in {"h2", "h3", "h4"}:
            key = section_key(_words(tag))
            if key:
                section = page.sections.setdefault(
                    key, Section(key, Located(_words(tag), tag.sourceline or 1))
                )
            continue
        if section is None:
            continue
        if tag.name == "img":
            if tag.get("src") and _IMAGE.match(str(tag["src"])):
                page.images.append(Located(str(tag["src"]), tag.sourceline or 1))
            continue
        words = _clean(_words(tag))
        if words and not _IMAGE.match(words):
            section.paragraphs.append(Located(words, tag.sourceline or 1))
    return page


def _partnership_table(root: Tag) -> Tag | None:
    for table in root.find_all("table"):
        header = " ".join(_words(th).lower() for th in table.find_all("th"))
        if "organisation" in header or "organization" in header:
            return table
    return None


def _words(tag: Tag) -> str:
    """A tag's text with runs of white space as one space (no-break spaces too); inline
    elements join without a space ("<a>news section</a>," stays "news section,")."""
    return " ".join(tag.get_text("").split())
