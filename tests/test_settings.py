"""Settings: one base IRI setting moves every minted IRI; bad values are refused clearly."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from projectgraph.errors import SettingsError
from projectgraph.pipeline.run import build
from projectgraph.rdf.vocab import mint, slugify
from projectgraph.settings import SETTINGS, load_settings
from tests.conftest import REPO


def test_precedence_defaults_toml_env_flags(tmp_path: Path) -> None:
    (tmp_path / "projectgraph.toml").write_text('base_iri = "https://toml.example.org/"\n')
    assert load_settings(tmp_path, environ={}).base_iri == "https://toml.example.org"
    env = {"PROJECTGRAPH_BASE_IRI": "https://env.example.org"}
    assert load_settings(tmp_path, environ=env).base_iri == "https://env.example.org"
    flags = {"base_iri": "https://flag.example.org"}
    assert load_settings(tmp_path, flags, environ=env).base_iri == "https://flag.example.org"
    assert (
        load_settings(tmp_path, {"base_iri": None}, environ={}).base_iri
        == "https://toml.example.org"
    )
    env = {"PROJECTGRAPH_PROJECT_DIRS": "a,b"}
    assert [p.name for p in load_settings(tmp_path, environ=env).project_dirs] == ["a", "b"]


def test_every_setting_is_documented_in_the_shipped_toml() -> None:
    text = (REPO / "projectgraph.toml").read_text()
    for setting in SETTINGS:
        assert setting.help
        assert f"\n{setting.name} = " in text, setting.name


@pytest.mark.parametrize(
    "content",
    [
        'base_iri = "ftp://x.org"',
        'base_iri = "https://x.org/?q=1"',
        "nonsense = 1",
        "[dataset]\nissued = 'soon'",
        "[dataset]\ncolour = 'blue'",
        "base_iri = ",
    ],
)
def test_bad_settings_are_refused(tmp_path: Path, content: str) -> None:
    (tmp_path / "projectgraph.toml").write_text(content + "\n")
    with pytest.raises(SettingsError, match=r"projectgraph\.toml|base_iri"):
        load_settings(tmp_path, environ={})


def test_another_base_iri_moves_every_minted_iri(project_copy: Path) -> None:
    base = "https://data.example.eu/eu-projects"
    settings = load_settings(project_copy, {"base_iri": base}, environ={})
    published = build(settings, quiet=True).published
    triples = list(ox.parse(path=published.folder / "projectgraph.ttl"))
    iris = {t.value for q in triples for t in (q.subject, q.object) if isinstance(t, ox.NamedNode)}
    assert mint(base, "project", "clusters3") in iris
    assert not any(i.startswith("https://w3id.org/projectgraph/id/") for i in iris)
    # the ontology namespace is shared by every deployment and does not move
    assert "https://w3id.org/projectgraph/ontology#Phase" in iris


def test_slugs_are_stable_and_readable() -> None:
    assert slugify("Hajdú-Bihar County Council") == "hajdu-bihar-county-council"
    assert (
        slugify("Tecnalia Research & Innovation Foundation")
        == "tecnalia-research-innovation-foundation"
    )
    assert len(slugify("word " * 40)) <= 80
    with pytest.raises(ValueError):
        slugify("—")
    with pytest.raises(ValueError):
        mint("https://x.org", "project", "Not A Slug")


def test_serve_settings_from_env_and_flags(tmp_path: Path) -> None:
    env = {
        "PROJECTGRAPH_WORKERS": "3",
        "PROJECTGRAPH_QUERY_TIMEOUT": "2.5",
        "PROJECTGRAPH_MAX_ROWS": "0",
        "PROJECTGRAPH_STORE": "store",
    }
    settings = load_settings(tmp_path, {"port": 9001}, environ=env)
    assert (settings.workers, settings.query_timeout, settings.max_rows, settings.port) == (
        3,
        2.5,
        0,
        9001,
    )
    assert settings.store == tmp_path / "store"
    assert load_settings(tmp_path, environ={}).store is None  # in memory by default


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PROJECTGRAPH_WORKERS": "many"}, "PROJECTGRAPH_WORKERS"),
        ({"PROJECTGRAPH_WORKERS": "0"}, "workers must be between"),
        ({"PROJECTGRAPH_PORT": "70000"}, "port must be between"),
        ({"PROJECTGRAPH_QUERY_TIMEOUT": "-1"}, "query_timeout must be between"),
        ({"PROJECTGRAPH_MAX_ROWS": "-5"}, "max_rows must be between"),
        (
            {"PROJECTGRAPH_ALLOWED_HOSTS": "data.example.org,evil/path"},
            "allowed_hosts: 'evil/path'",
        ),
        ({"PROJECTGRAPH_ALLOWED_HOSTS": "*"}, "allowed_hosts: '\\*'"),
    ],
)
def test_bad_serve_settings(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(tmp_path, environ=env)


def test_allowed_hosts_are_read_lower_cased() -> None:
    settings = load_settings(
        Path("."), environ={"PROJECTGRAPH_ALLOWED_HOSTS": "Data.Example.org, *.example.net"}
    )
    assert settings.allowed_hosts == ("data.example.org", "*.example.net")
    assert load_settings(Path("."), environ={}).allowed_hosts == ()
