"""The saved-HTML profile fixture says what the saved-text page says (no importer involved).

`tests/data/import/profile/clusters3.html` is read with the standard library's
`html.parser` only, and compared with `data/sources/clusters3-eu-project-profile.txt`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "data" / "import" / "profile" / "clusters3.html"
TEXT_PAGE = REPO / "data" / "sources" / "clusters3-eu-project-profile.txt"

TITLE = "CLUSTERS3 - Leveraging Cluster Policies for successful implementation of RIS3"

# The partnership table as the text page lists it: name, function, country, cluster flag.
PARTNERSHIP = [
    ("SPRI - Basque Country Business Development Agency", "Coordinator", "", "Yes"),
    ("Tecnalia Research & Innovation Foundation", "Partner", "Spain", "No"),
    ("Lubelskie Voivodeship", "Communication", "Poland", "Yes"),
    ("Piedmont Region", "Partner", "Italy", "Yes"),
    ("Ministry of Economics of the Republic of Latvia", "Partner", "Latvia", "Yes"),
    ("Hajdú-Bihar County Council", "Partner", "Hungary", "Yes"),
    ("Highlands and Islands Enterprise", "Partner", "United Kingdom", "Yes"),
    ("Invest Northern Ireland", "Partner", "United Kingdom", "Yes"),
    ("TCI Network-The Competitiveness Institute", "Partner", "Spain", "Yes"),
    ("Department for the Economy", "Partner", "United Kingdom", "Yes"),
]

SECTIONS = [
    "Project background WHY?",
    "Project objective - WHAT?",
    "Project methodology - HOW?",
    "Project’s Key Topics (Thematic Box)",
]

IMAGE = (
    "http://www.interregeurope.eu/fileadmin/user_upload/tx_tevprojects/projects/"
    "image_1516354554.jpg"
)

# fmt: off
BLOCKS = {
    "address", "article", "aside", "blockquote", "body", "dd", "div", "dl", "dt", "fieldset",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "html",
    "li", "main", "nav", "ol", "p", "section", "table", "tbody", "td", "tfoot", "th", "thead",
    "title", "tr", "ul",
}
# fmt: on
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
RAW = {"script", "style"}


def norm(text: str) -> str:
    """Collapse every run of whitespace (non-breaking spaces included) to one space."""
    return " ".join(text.split())


@dataclass
class Block:
    tag: str
    classes: tuple[str, ...]  # the classes of the block element and of all its ancestors
    text: str


class Collector(HTMLParser):
    """Text by block (script and style skipped), table body rows, links, images, tag counts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, tuple[str, ...]]] = []
        self.buf: list[str] = []
        self.blocks: list[Block] = []
        self.rows: list[list[str]] = []
        self.links: dict[str, str] = {}  # link text -> href
        self.images: list[dict[str, str | None]] = []
        self.starts: Counter[str] = Counter()
        self.ends: Counter[str] = Counter()
        self._row_start: int | None = None
        self._link: tuple[str, int] | None = None

    def classes(self) -> tuple[str, ...]:
        return tuple(c for _, classes in self.stack for c in classes)

    def flush(self, keep_empty: bool = False) -> None:
        text = norm("".join(self.buf))
        self.buf = []
        if self.stack and (text or keep_empty):
            self.blocks.append(Block(self.stack[-1][0], self.classes(), text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts[tag] += 1
        attributes = dict(attrs)
        if tag == "img":
            self.images.append(attributes)
        if tag in VOID:
            return
        if tag in BLOCKS:
            self.flush()
        self.stack.append((tag, tuple((attributes.get("class") or "").split())))
        if tag == "tr" and any(t == "tbody" for t, _ in self.stack):
            self._row_start = len(self.blocks)
        if tag == "a":
            self._link = (attributes.get("href") or "", len("".join(self.buf)))

    def handle_endtag(self, tag: str) -> None:
        self.ends[tag] += 1
        if tag not in {t for t, _ in self.stack}:
            return
        if tag == "a" and self._link is not None:
            href, start = self._link
            self.links[norm("".join(self.buf)[start:])] = href
            self._link = None
        if tag in BLOCKS:
            self.flush(keep_empty=tag in {"td", "th", "p"})
        while self.stack:
            if self.stack.pop()[0] == tag:
                break
        if tag == "tr" and self._row_start is not None:
            self.rows.append([b.text for b in self.blocks[self._row_start :] if b.tag == "td"])
            self._row_start = None

    def handle_data(self, data: str) -> None:
        if not any(t in RAW for t, _ in self.stack):
            self.buf.append(data)


@pytest.fixture(scope="module")
def page() -> Collector:
    collector = Collector()
    collector.feed(FIXTURE.read_text(encoding="utf-8"))
    collector.close()
    return collector


@pytest.fixture(scope="module")
def text_page() -> str:
    return TEXT_PAGE.read_text(encoding="utf-8")


def body(page: Collector) -> list[Block]:
    """The blocks of the node's body field (the sections after the second title)."""
    return [b for b in page.blocks if "field-name-body" in b.classes]


def test_partnership_table(page: Collector) -> None:
    header = [b.text for b in page.blocks if b.tag == "th"]
    assert header == [
        "Organisation name",
        "Function",
        "Country",
        "Website link",
        "Is Cluster Organisation ?",
    ]
    assert all(len(row) == 5 for row in page.rows)
    assert [row[3] for row in page.rows] == [""] * 10  # no website survives in the source
    assert [(n, f, c, k) for n, f, c, _, k in page.rows] == PARTNERSHIP


def test_partnership_table_matches_text_page(text_page: str) -> None:
    """The list written out above is the text page's table (empty cells are dropped there)."""
    start = text_page.index("Organisation nameFunctionCountryWebsite linkIs Cluster Organisation ?")
    end = text_page.index(TITLE, start)
    lines = [line for line in text_page[start:end].splitlines()[1:] if line.strip()]
    assert lines == [cell for row in PARTNERSHIP for cell in row if cell]


def test_general_information(page: Collector, text_page: str) -> None:
    # A field's value is the block right after its label.
    fields = {
        label.text: value
        for label, value in zip(page.blocks, page.blocks[1:], strict=False)
        if "field-label" in label.classes
    }
    expected = {
        "Programme:": "INTERREG Europe",
        "Project duration:": "Friday, 1 April, 2016 to Tuesday, 31 March, 2020",
        "Total budget:": "€1.832.645",
        "EU Contribution:": "€1.544.244",
    }
    for key, value in expected.items():
        assert fields[key].text == value
        assert "field-item" in fields[key].classes
        assert f"{key}\u00a0\n{value}\n" in text_page
    assert fields["Partnership Composition:"].tag == "th"  # the table is the field's item


def test_title_breadcrumb_and_tabs(page: Collector, text_page: str) -> None:
    breadcrumb = next(b.text for b in page.blocks if "breadcrumb" in b.classes)
    assert breadcrumb == text_page.splitlines()[0] == f"Home > Eu Project Profile > {TITLE}"
    assert [b.text for b in page.blocks if b.tag == "h1"] == [TITLE]
    tabs = [b.text for b in page.blocks if b.tag == "li" and "tabs" in b.classes]
    assert tabs == ["General Information"]
    assert [b.text for b in body(page) if b.tag == "h2"] == [TITLE]


def test_sections_match_text_page(page: Collector, text_page: str) -> None:
    blocks = body(page)
    assert [b.text for b in blocks if b.tag == "h3"] == SECTIONS
    paragraphs = [b.text for b in blocks if b.tag == "p" and b.text]
    assert len(paragraphs) == 2 + 1 + 3 + 4
    normalised = norm(text_page)
    for paragraph in paragraphs:
        assert paragraph in normalised, paragraph
    # And the other way round, spacers included: each line of the sections is a heading or a
    # paragraph of the page, a lone no-break space an empty paragraph, and the image URL (the
    # only trace of the image in the text) the paragraph holding the image.
    sections = text_page[text_page.index(SECTIONS[0]) :]
    lines = ["" if line == IMAGE else norm(line) for line in sections.splitlines() if line]
    assert lines == [b.text for b in blocks if b.tag in {"h3", "p"}]
    assert IMAGE in sections


def test_only_in_html(page: Collector) -> None:
    assert [i["src"] for i in page.images if i["src"] and "user_upload" in i["src"]] == [IMAGE]
    assert page.links["@CLUSTERS3eu"] == "https://twitter.com/CLUSTERS3eu"
    assert body(page)[-1].text.endswith("follow us on Twitter @CLUSTERS3eu")


def test_well_formed(page: Collector) -> None:
    for tag in ("table", "thead", "tbody", "tr", "th", "td", "div", "ul", "li", "p", "a"):
        assert page.starts[tag] == page.ends[tag], tag
    assert page.starts["table"] == 1
    assert page.starts["tr"] == 11
    assert not page.stack
