"""The site in real headless Chromium: pages render without console errors, and text from the
data that looks like HTML stays text."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import extruct
import httpx
import pytest
from playwright.sync_api import expect

from tests.browser import Tab
from tests.server import Server, free_port, start_server

HOSTILE_TITLE = '<script>alert("title")</script> & "Clusters" <b>bold</b>'
HOSTILE_TEXT = 'Ends here </script><script>alert("text")</script><!-- and --> more'


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", "projectgraph: EU cooperation projects"),
        (
            "/page/project/clusters3",
            "CLUSTERS3 Leveraging Cluster Policies for successful implementation of RIS3",
        ),
        (
            "/page/organisation/spri-basque-country-business-development-agency",
            "SPRI - Basque Country Business Development Agency",
        ),
        ("/page/region/ES21", "País Vasco"),
        ("/ontology", "projectgraph ontology"),
        ("/catalog", "projectgraph: EU cooperation projects"),
    ],
)
def test_pages_render_in_chromium(server: Server, tab: Tab, path: str, heading: str) -> None:
    page = tab.page
    page.goto(server.url + path)
    expect(page.locator("h1")).to_have_text(heading)
    expect(page.locator("header.site nav")).to_be_visible()


def test_project_page_links_lead_somewhere(server: Server, tab: Tab) -> None:
    page = tab.page
    page.goto(server.url + "/page/project/clusters3")
    page.get_by_role("link", name="Hajdú-Bihar County Council").click()
    expect(page.locator("h1")).to_have_text("Hajdú-Bihar County Council")
    page.get_by_role("link", name="Hungary").click()
    expect(page.locator("h1")).to_have_text("Hungary")
    expect(page.locator("main")).to_contain_text("Hajdú-Bihar County Council")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server over a copy of the data whose title and background carry HTML and </script>."""
    root = tmp_path_factory.mktemp("hostile")
    repo = Path(__file__).resolve().parents[1]
    for name in ("ontology", "shapes", "data"):
        shutil.copytree(repo / name, root / name)
    (root / "projectgraph.toml").write_text((repo / "projectgraph.toml").read_text())
    record = root / "data" / "projects" / "clusters3.ttl"
    text = record.read_text(encoding="utf-8")
    text = text.replace(
        'eurio:title "Leveraging Cluster Policies for successful implementation of RIS3"',
        f"eurio:title {json.dumps(HOSTILE_TITLE)}",
    )
    text = text.replace(
        'pg:objective """CLUSTERS3 main objective',
        f'pg:objective """{HOSTILE_TEXT} CLUSTERS3 main objective',
    )
    record.write_text(text, encoding="utf-8")
    server = start_server(root, root=root)
    yield server
    server.stop()


def test_html_in_the_data_is_escaped(hostile: Server) -> None:
    page = httpx.get(hostile.url + "/page/project/clusters3").text
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in page
    # the JSON-LD block is one script element whose JSON still holds the text unchanged
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, flags=re.S)
    assert len(blocks) == 1
    assert json.loads(blocks[0])["name"] == HOSTILE_TITLE
    [document] = extruct.extract(page, syntaxes=["json-ld"])["json-ld"]
    assert HOSTILE_TEXT in document["description"]


def test_html_in_the_data_stays_text_in_chromium(hostile: Server, tab: Tab) -> None:
    page = tab.page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(hostile.url + "/page/project/clusters3")
    expect(page.locator("h1")).to_contain_text(HOSTILE_TITLE)
    expect(page.locator("main")).to_contain_text(HOSTILE_TEXT)
    assert page.locator("h1 b").count() == 0
    # Only the JSON-LD data block and the site's own search script: nothing the data injected.
    assert page.locator('script[type="application/ld+json"]').count() == 1
    sources = page.locator("script[src]").evaluate_all("all => all.map(s => s.src)")
    assert sources == [f"{hostile.url}/static/search.js"]
    assert page.locator("script").count() == 2
    assert dialogs == []


def test_readme_embed_snippet_works_on_a_partner_site(
    server: Server, tab: Tab, tmp_path: Path
) -> None:
    """The README's snippet, pasted into a page of another origin, pulls the project's
    schema.org description over CORS."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    snippet = re.search(r"```html\n(.*?)```", readme, flags=re.S)[1]  # type: ignore[index]
    snippet = snippet.replace("https://w3id.org/projectgraph/", server.url + "/")
    (tmp_path / "partner.html").write_text(
        f"<!doctype html><html><head><title>Partner</title></head>"
        f"<body><h1>Our projects</h1>{snippet}</body></html>"
    )
    partner = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            "--directory",
            str(tmp_path),
            str(port := free_port()),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        tab.page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
        for _ in range(50):
            try:
                httpx.get(f"http://127.0.0.1:{port}/partner.html")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        tab.page.goto(f"http://127.0.0.1:{port}/partner.html")
        data = tab.page.locator('head script[type="application/ld+json"]')
        expect(data).to_have_count(1)
        document = json.loads(data.text_content() or "{}")
        assert document["@type"] == "Project" and document["alternateName"] == "CLUSTERS3"
        assert len(document["member"]) == 10
    finally:
        partner.terminate()
        partner.wait()
