"""Finding a term back in source text, for file:line:column messages."""

from __future__ import annotations

from pathlib import Path

from rdflib import Literal, URIRef

from projectgraph.build.locate import SourceText, mask_comments

TEXT = """# a comment naming ex:b and "2016" and <http://example.org/b>
@prefix ex: <http://example.org/> .
@prefix rel: <id/> .

ex:a ex:p "2016" ;  # trailing comment ex:b
    ex:q ex:b .

ex:b ex:p "2016"^^<http://www.w3.org/2001/XMLSchema#gYear> ;
    ex:r 12.50 , rel:c , <id/d> , "a # not a comment" .
"""


def text(tmp_path: Path) -> SourceText:
    path = tmp_path / "x.ttl"
    path.write_text(TEXT, encoding="utf-8")
    return SourceText(path, "https://base.example.org/")


def test_comments_are_masked_but_strings_and_iris_kept() -> None:
    masked = mask_comments(TEXT)
    assert len(masked) == len(TEXT)
    assert "# a comment naming" not in masked and "trailing" not in masked
    assert '"a # not a comment"' in masked and "<http://example.org/>" in masked


def test_subject_and_value_positions(tmp_path: Path) -> None:
    t = text(tmp_path)
    b = URIRef("http://example.org/b")
    loc = t.locate(None, b)
    assert (loc.line, loc.column) == (8, 1)  # the statement about ex:b, not the comment or object
    loc = t.locate(Literal("2016"), b)
    assert (loc.line, loc.column) == (8, 11)  # the value after the subject, not ex:a's
    loc = t.locate(Literal("12.50"), b)
    assert (loc.line, loc.column) == (9, 10)
    assert t.locate(URIRef("https://base.example.org/id/c"), b).line == 9
    assert t.locate(URIRef("https://base.example.org/id/d"), b).column == 26
    assert t.locate(Literal("missing"), b).line == 8  # falls back to the subject
    assert t.locate(None, URIRef("http://example.org/nowhere")).line is None
