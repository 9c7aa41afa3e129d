"""The releases over HTTP: /changes.atom valid against RFC 4287's RELAX NG schema, /changes.json,
the patches under /dumps/changes/, conditional GET, and a build published but not yet served
kept out of the feed. A real server on 127.0.0.1 over real builds of a synthetic set."""

from __future__ import annotations

import hashlib
import re
import signal
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
import rnc2rng  # type: ignore[import-untyped]
from lxml import etree

from projectgraph.pipeline.run import build
from projectgraph.publish.releases import read_releases
from projectgraph.publish.void import dataset_iri
from projectgraph.settings import Settings, load_settings
from projectgraph.synth.generate import synthesize
from tests.conftest import REPO
from tests.server import Server, new_build_after, start_server
from tests.test_dcat_ap import DCAT, DCT, violations
from tests.test_releases import RENAMED, _describers, _rename

ATOM_SCHEMA = Path(__file__).parent / "data" / "atom" / "atom.rnc"
A = "{http://www.w3.org/2005/Atom}"
ADMS = rdflib.Namespace("http://www.w3.org/ns/adms#")


@pytest.fixture(scope="module")
def atom_schema() -> etree.RelaxNG:
    """RFC 4287's schema (Appendix B), converted from its compact syntax by rnc2rng. rnc2rng
    declares the empty ``local`` prefix of ``namespace local = ""`` as ``xmlns:local=""``,
    which XML 1.0 namespaces forbid; the declaration names nothing in the grammar."""
    rng = rnc2rng.dumps(rnc2rng.load(str(ATOM_SCHEMA))).replace('xmlns:local=""', "")
    return etree.RelaxNG(etree.fromstring(rng.encode()))


def _edit(settings: Settings, n: int, word: str) -> None:
    record = sorted(settings.project_dirs[0].glob("*.ttl"))[n]
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace('eurio:title "', f'eurio:title "{word} ', 1), encoding="utf-8")


def _serve_two_releases(folder: Path) -> tuple[Settings, Server]:
    """Two releases of 20 synthetic records (one title edited) in ``folder``, served as
    built."""
    synthesize(folder / "records", 20, 4, load_settings(REPO), workers=1)
    settings = load_settings(
        REPO, {"project_dirs": (folder / "records",), "dist_dir": folder / "dist"}
    )
    build(settings, quiet=True, workers=1)
    _edit(settings, 3, "Renamed:")
    build(settings, quiet=True, workers=1)
    return settings, start_server(folder, "--no-build")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Settings, Server]]:
    """Two releases served, for a test that builds a third (its own copy)."""
    settings, server = _serve_two_releases(tmp_path)
    yield settings, server
    server.stop()


@pytest.fixture(scope="module")
def served_as_built(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Settings, Server]]:
    """Two releases served, shared by the tests that only read them (they build nothing and
    send no signal): the synthesis, two builds and a server start once, not in each test."""
    settings, server = _serve_two_releases(tmp_path_factory.mktemp("releases"))
    yield settings, server
    server.stop()


def test_the_feed_is_valid_atom_and_links_each_release_to_its_patch(
    served_as_built: tuple[Settings, Server], atom_schema: etree.RelaxNG
) -> None:
    settings, server = served_as_built
    response = httpx.get(server.url + "/changes.atom")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = etree.fromstring(response.content)
    assert atom_schema.validate(feed), atom_schema.error_log
    # The schema's two Schematron rules, which RELAX NG does not check.
    assert feed.find(f"{A}author/{A}name") is not None
    entries = feed.findall(f"{A}entry")
    assert all(e.find(f"{A}content") is not None for e in entries)

    latest, first = entries
    assert (
        latest.findtext(f"{A}title") == "Release 2" and first.findtext(f"{A}title") == "Release 1"
    )
    releases = read_releases(settings.dist_dir)
    assert latest.findtext(f"{A}id") == f"urn:projectgraph:build:{releases[1].build_id}"
    assert feed.findtext(f"{A}updated") == releases[1].issued
    (enclosure,) = latest.findall(f"{A}link[@rel='enclosure']")
    assert enclosure.get("href") == server.url + "/dumps/changes/2.rdfp.gz"
    assert enclosure.get("type") == "application/rdf-patch"
    (related,) = latest.findall(f"{A}link[@rel='related']")
    project = related.get("href")
    assert project is not None and project.startswith(server.url + "/page/project/")
    assert httpx.get(project).status_code == 200
    assert first.findall(f"{A}link[@rel='enclosure']") == []

    patch = httpx.get(enclosure.get("href", ""))
    assert patch.status_code == 200 and patch.headers["content-type"] == "application/gzip"
    assert releases[1].patch is not None
    assert hashlib.sha256(patch.content).hexdigest() == releases[1].patch["sha256"]
    assert int(enclosure.get("length", "0")) == len(patch.content)
    for missing in ("/dumps/changes/1.rdfp.gz", "/dumps/changes/3.rdfp.gz"):
        assert httpx.get(server.url + missing).status_code == 404


def test_the_json_feed_and_conditional_requests(
    served_as_built: tuple[Settings, Server],
) -> None:
    _, server = served_as_built
    listed = httpx.get(server.url + "/changes.json")
    assert listed.status_code == 200
    body = listed.json()
    assert body["releases"] == 2 and [e["release"] for e in body["entries"]] == [2, 1]
    (changed,) = body["entries"][0]["changed"]["projects"]
    assert changed["iri"].startswith("https://w3id.org/projectgraph/id/project/")
    assert body["entries"][0]["totals"]["triples"] == {"added": 1, "removed": 1}
    for path in ("/changes.json", "/changes.atom", "/dumps/changes/2.rdfp.gz"):
        first = httpx.get(server.url + path)
        again = httpx.get(server.url + path, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304, path


def test_a_release_is_listed_once_the_server_serves_it(
    served: tuple[Settings, Server], atom_schema: etree.RelaxNG
) -> None:
    settings, server = served
    before = httpx.get(server.url + "/changes.json").json()
    _edit(settings, 6, "Again:")
    third = build(settings, quiet=True, workers=1).published
    assert third.release is not None and third.release.number == 3
    # Published, not served yet: the feed is the served build's.
    assert httpx.get(server.url + "/changes.json").json() == before
    assert httpx.get(server.url + "/dumps/changes/3.rdfp.gz").status_code == 404
    old_id = httpx.get(server.url + "/health").json()["build_id"]
    server.process.send_signal(signal.SIGHUP)
    assert new_build_after(server, old_id) == third.build_id
    after = httpx.get(server.url + "/changes.json").json()
    assert [e["release"] for e in after["entries"]] == [3, 2, 1]
    assert httpx.get(server.url + "/dumps/changes/3.rdfp.gz").status_code == 200
    assert atom_schema.validate(etree.fromstring(httpx.get(server.url + "/changes.atom").content))


def test_the_catalogue_describes_each_release_as_a_version_and_passes_dcat_ap(
    served_as_built: tuple[Settings, Server],
) -> None:
    settings, server = served_as_built
    response = httpx.get(server.url + "/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    assert violations(graph) == Counter()
    dataset = rdflib.URIRef(dataset_iri(settings))
    first, second = (rdflib.URIRef(f"{dataset}#release-{n}") for n in (1, 2))
    releases = read_releases(settings.dist_dir)
    assert set(graph.objects(dataset, DCAT.hasVersion)) == {first, second}
    assert graph.value(dataset, DCAT.version) == rdflib.Literal("2")
    assert str(graph.value(dataset, DCT.modified)) == releases[1].issued
    assert graph.value(second, DCAT.isVersionOf) == dataset
    assert graph.value(second, DCAT.previousVersion) == first
    assert graph.value(first, DCAT.previousVersion) is None
    assert str(graph.value(second, DCT.identifier)) == releases[1].build_id
    assert "1 graph changed" in str(graph.value(second, ADMS.versionNotes))
    (patch,) = graph.objects(second, DCAT.distribution)
    assert str(graph.value(patch, DCAT.downloadURL)).endswith("/dumps/changes/2.rdfp.gz")
    assert releases[1].patch is not None
    assert int(graph.value(patch, DCAT.byteSize)) == releases[1].patch["bytes"]
    assert list(graph.objects(first, DCAT.distribution)) == []


def test_a_memento_of_the_second_release_has_the_organisation_s_old_name(
    served: tuple[Settings, Server],
) -> None:
    settings, server = served
    slug = sorted((s, r) for s, r in _describers(settings).items() if len(r) >= 2)[0][0]
    iri = f"https://w3id.org/projectgraph/id/organisation/{slug}"
    data = f"/data/organisation/{slug}.ttl"
    old = _name(httpx.get(server.url + data).text, iri)
    time.sleep(1.1)  # releases are dated to the second
    describing = _rename(settings, slug)
    third = build(settings, quiet=True, workers=1).published
    assert third.release is not None and third.release.number == 3
    old_id = httpx.get(server.url + "/health").json()["build_id"]
    server.process.send_signal(signal.SIGHUP)
    assert new_build_after(server, old_id) == third.build_id
    releases = read_releases(settings.dist_dir)

    now = httpx.get(server.url + data)
    assert _name(now.text, iri) == RENAMED
    links = now.headers["link"]
    for rel in ("timegate", "timemap", "version-history"):
        assert f'rel="{rel}"' in links, links
    # The TimeGate, at the second release's time: its memento, with the old name.
    when = format_datetime(datetime.fromisoformat(releases[1].issued), usegmt=True)
    gate = httpx.get(
        f"{server.url}/timegate/organisation/{slug}", headers={"Accept-Datetime": when}
    )
    assert gate.status_code == 302 and "accept-datetime" in gate.headers["vary"]
    memento = httpx.get(gate.headers["location"])
    assert memento.status_code == 200 and _name(memento.text, iri) == old
    assert "Memento-Datetime" in memento.headers and 'rel="original"' in memento.headers["link"]
    assert _name(httpx.get(f"{server.url}/memento/2/organisation/{slug}").text, iri) == old
    assert _name(httpx.get(f"{server.url}/memento/3/organisation/{slug}").text, iri) == RENAMED
    latest = httpx.get(f"{server.url}/timegate/organisation/{slug}")
    assert latest.headers["location"].endswith(f"/memento/3/organisation/{slug}")
    bad = {"Accept-Datetime": "last Tuesday"}
    assert httpx.get(f"{server.url}/timegate/organisation/{slug}", headers=bad).status_code == 400
    assert httpx.get(f"{server.url}/memento/9/organisation/{slug}").status_code == 404

    timemap = httpx.get(f"{server.url}/timemap/organisation/{slug}")
    assert timemap.headers["content-type"].startswith("application/link-format")
    mementos = re.findall(r"/memento/(\d+)/organisation/", timemap.text)
    assert mementos == ["1", "3"]  # the first release, and the one that renamed it

    as_json = {"Accept": "application/json"}
    answer = httpx.get(f"{server.url}/history/organisation/{slug}", headers=as_json)
    assert re.fullmatch(r'W/"[^"]+"', answer.headers["etag"]), answer.headers["etag"]
    again = {**as_json, "If-None-Match": answer.headers["etag"]}
    assert httpx.get(f"{server.url}/history/organisation/{slug}", headers=again).status_code == 304
    page_tag = httpx.get(f"{server.url}/history/organisation/{slug}").headers["etag"]
    assert page_tag != answer.headers["etag"]  # HTML and JSON are two representations
    history = answer.json()
    assert history["resource"] == iri and history["last_changed"] == 3
    (entry,) = history["releases"]
    assert entry["release"] == 3
    assert len(entry["removed"]) == len(entry["added"]) == len(describing)
    assert all(old in line for line in entry["removed"])
    page = httpx.get(f"{server.url}/page/organisation/{slug}").text
    assert "Last changed in release 3" in page and f"/history/organisation/{slug}" in page
    html = httpx.get(f"{server.url}/history/organisation/{slug}")
    assert html.status_code == 200 and "Release 3" in html.text
    assert httpx.get(f"{server.url}/history/organisation/no-such-thing").status_code == 404


def _name(turtle: str, iri: str) -> str:
    """The skos:prefLabel a Turtle document gives ``iri``."""
    (label,) = [
        t.object.value
        for t in ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE)
        if t.subject == ox.NamedNode(iri)
        and t.predicate.value == "http://www.w3.org/2004/02/skos/core#prefLabel"
    ]
    return label
