"""Settings: one base IRI setting moves every minted IRI; bad values are refused clearly."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import typer.main
from typer.core import TyperGroup
from typer.testing import CliRunner

from projectgraph.cli import FLAG_COMMANDS, app
from projectgraph.errors import SettingsError
from projectgraph.pipeline.run import build
from projectgraph.rdf.vocab import mint, slugify
from projectgraph.settings import (
    SETTINGS,
    Kind,
    Setting,
    Settings,
    load_settings,
    shown,
    toml_block,
)
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


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_the_table_declares_every_setting_of_the_settings_object() -> None:
    derived = {"root", "store_url", "dataset", "origins"}  # not settings: set by load_settings
    assert {f.name for f in fields(Settings)} - derived == {s.name for s in SETTINGS}
    for setting in SETTINGS:
        assert setting.help and setting.group, setting.name
        assert setting.accept(setting.default) is not None  # each default is within its bounds
        if setting.kind in (Kind.INT, Kind.FLOAT):
            assert setting.low is not None and setting.high is not None, setting.name
    flags = [s.option for s in SETTINGS if s.option]
    assert len(flags) == len(set(flags))


def test_the_reference_page_is_generated_from_the_table() -> None:
    code, page, _ = run("settings", "--markdown")
    assert code == 0
    assert (REPO / "docs" / "settings.md").read_text(encoding="utf-8") == page, (
        "docs/settings.md is out of date: projectgraph settings --markdown > docs/settings.md"
    )
    for s in SETTINGS:
        assert f"### `{s.name}`" in page and s.env in page and s.kind.value in page


def test_the_shipped_toml_holds_the_generated_block_and_only_settings() -> None:
    text = (REPO / "projectgraph.toml").read_text(encoding="utf-8")
    assert text.startswith(toml_block()), (
        "projectgraph.toml's commented block is out of date: projectgraph settings --toml"
    )
    commented = re.findall(r"^# (\w+) = ", text, flags=re.M)
    assert commented == [s.name for s in SETTINGS]
    keys = set(tomllib.loads(text)) - {"dataset"}
    assert keys <= {s.name for s in SETTINGS}
    load_settings(REPO, environ={})  # and the file as shipped is accepted


def test_every_command_takes_set_and_every_flag_is_the_tables() -> None:
    for name, command in commands(typer.main.get_command(app), ()):
        options = {o: p for p in command.params for o in p.opts}
        assert "--set" in options, name
        for setting in SETTINGS:
            if name in FLAG_COMMANDS.get(setting.name, []):  # its flag: help from the table
                help = options[str(setting.option)].help
                assert help.startswith(setting.help), (name, help)
                assert f"(default: {shown(setting.default) or 'empty'})" in help


def commands(command: Any, path: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
    """Every leaf command of the app with its name (``import csv``)."""
    if isinstance(command, TyperGroup):  # typer may vendor its own click
        for name, sub in command.commands.items():
            yield from commands(sub, (*path, name))
    else:
        yield " ".join(path), command


@pytest.mark.parametrize("setting", SETTINGS, ids=[s.name for s in SETTINGS])
def test_every_setting_can_be_set_on_the_command_line(tmp_path: Path, setting: Setting) -> None:
    value = {
        Kind.INT: "7",
        Kind.FLOAT: "7.5",
        Kind.BOOL: "false" if setting.default else "true",
        Kind.TEXTS: "a.example.org,b.example.org",
        Kind.PATHS: "x,y",
        Kind.PATH: "elsewhere",
    }.get(setting.kind, "somewhere")
    if setting.name in ("base_iri", "store_graph", "service_allow"):
        value = "https://data.example.org/x"
    code, out, err = run("settings", "--root", str(tmp_path), "--set", f"{setting.name}={value}")
    assert code == 0, err
    line = next(row for row in out.splitlines() if row.split()[0] == setting.name)
    assert line.endswith(f"--set {setting.name}={value}")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "max_row=5"], "--set max_row=5: no setting 'max_row'; did you mean max_rows?"),
        (["--set", "colour=blue"], "--set colour=blue: no setting 'colour'"),
        (["--set", "max_rows"], "--set max_rows: write it as name=value"),
        (["--set", "max_rows=many"], "--set max_rows=many: max_rows must be a whole number"),
        (["--set", "max_rows=1.5"], "--set max_rows=1.5: max_rows must be a whole number"),
        (["--set", "access_log=maybe"], "--set access_log=maybe: access_log must be true or false"),
        (["--set", "port=0"], "--set port=0: port must be between 1 and 65535, not 0"),
        (["--set", "query_timeout=0"], "--set query_timeout=0: query_timeout must be between"),
        (
            ["--set", "port=1", "--set", "port=2"],
            "--set port=2: port is already set by --set port=1",
        ),
        (["--set", "base_iri=urn:x"], "--set base_iri=urn:x: base_iri 'urn:x' must be an absolute"),
        (["--set", "allowed_hosts=a/b"], "--set allowed_hosts=a/b: allowed_hosts: 'a/b' is not"),
        (["--set", "store=http://"], "--set store=http://: store 'http://' is not an http(s) URL"),
    ],
)
def test_set_errors_name_the_setting_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    code, _, err = run("settings", "--root", str(tmp_path), *args)
    assert code == 2 and message in err, err


def test_a_flag_and_set_for_the_same_setting_conflict(tmp_path: Path) -> None:
    code, _, err = run("build", "--root", str(tmp_path), "--dist", "a", "--set", "dist_dir=b")
    assert code == 2 and "--dist and --set dist_dir=b both set dist_dir" in err


@pytest.mark.parametrize(
    ("toml", "env", "args", "message"),
    [
        ("port = 0", {}, [], r"projectgraph\.toml: port must be between 1 and 65535, not 0"),
        ("port = 'x'", {}, [], r"projectgraph\.toml: port must be a whole number, not 'x'"),
        ("", {"PROJECTGRAPH_PORT": "0"}, [], "PROJECTGRAPH_PORT: port must be between 1 and"),
        ("", {"PROJECTGRAPH_RATE_LIMIT": "-1"}, [], "PROJECTGRAPH_RATE_LIMIT: rate_limit must be"),
        ("", {"PROJECTGRAPH_ACCESS_LOG": "maybe"}, [], "PROJECTGRAPH_ACCESS_LOG='maybe': access"),
        ("port = 0", {}, ["--set", "port=80"], None),  # the command line wins over the file
        ("", {}, ["--port", "0"], "Invalid value for '--port'"),
        ("", {}, ["--timeout", "0"], "Invalid value for '--timeout'"),
        ("", {}, ["--dist", "."], "--dist: dist_dir '.' would replace the project folder"),
    ],
)
def test_bound_errors_name_their_place(
    tmp_path: Path, toml: str, env: dict[str, str], args: list[str], message: str | None
) -> None:
    (tmp_path / "projectgraph.toml").write_text(toml + "\n")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PROJECTGRAPH_")}
    # serve checks its settings before it builds or listens: a good setting would start it
    command = "serve" if args and args[0] != "--set" else "settings"
    code, out, err = run(command, "--root", str(tmp_path), *args, env={**environ, **env})
    if message is None:
        assert code == 0 and re.search(r"^port +80 +--set port=80$", out, flags=re.M), out + err
    else:
        assert code == 2 and re.search(message, err), err


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
