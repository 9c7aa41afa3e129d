"""The query page in real headless Chromium: type a query, run it, see the rows."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser import ARTIFACTS, Tab
from tests.server import Server

QUERY = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX pg: <https://w3id.org/projectgraph/ontology#>
SELECT ?name WHERE { ?o pg:isClusterOrganisation false ; skos:prefLabel ?name }"""


def test_type_a_query_run_it_and_see_the_rows(server: Server, tab: Tab) -> None:
    page = tab.page
    page.goto(server.url + "/sparql")
    editor = page.locator(".yasqe .CodeMirror")
    expect(editor).to_be_visible()
    # Replace the editor's text through CodeMirror, as typing would (autoclosing brackets
    # would otherwise double the braces we type).
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.evaluate("q => projectgraphQueryPage.yasgui.getTab().getYasqe().setValue(q)", QUERY)
    page.keyboard.type(" ")  # a real keystroke in the editor
    page.locator(".yasqe_queryButton").click()
    rows = page.locator(".yasr table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Tecnalia Research & Innovation Foundation")
    page.screenshot(path=ARTIFACTS / "query-page-results.png", full_page=True)


def test_example_button_runs_a_named_query(server: Server, tab: Tab) -> None:
    page = tab.page
    page.goto(server.url + "/sparql")
    page.get_by_role("button", name="The partners of a project").click()
    rows = page.locator(".yasr table tbody tr")
    expect(rows).to_have_count(10)
    expect(page.locator(".yasr table")).to_contain_text(
        "SPRI - Basque Country Business Development Agency"
    )
    expect(page.locator(".yasr table")).to_contain_text("Communication")


def test_a_query_link_opens_prefilled_and_runs(server: Server, tab: Tab) -> None:
    page = tab.page
    page.goto(server.url + "/sparql?query=" + "ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D")
    expect(page.locator(".yasr")).to_contain_text(re.compile("true", re.IGNORECASE))
    expect(page.locator(".yasqe .CodeMirror")).to_contain_text("ASK { ?s ?p ?o }")
