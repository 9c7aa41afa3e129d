"""The installed console script and ``python -m projectgraph`` run the same CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from projectgraph import __version__


def test_console_script_builds_a_copy_of_the_project(project_copy: Path) -> None:
    script = shutil.which("projectgraph")
    assert script, "the package is not installed (pip install -e .)"
    result = subprocess.run(
        [script, "build", "--root", str(project_copy)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "built " in result.stdout and "1 warning" in result.stdout
    assert (project_copy / "dist" / "projectgraph.ttl").is_file()
    assert (project_copy / "dist").is_symlink()


def test_module_entry_point_and_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "projectgraph", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"projectgraph {__version__}"
    result = subprocess.run(
        [sys.executable, "-m", "projectgraph", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "build" in result.stdout and "validate" in result.stdout


def test_settings_command_shows_each_value_and_where_it_came_from(tmp_path: Path) -> None:
    (tmp_path / "projectgraph.toml").write_text("max_rows = 50\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROJECTGRAPH_")}
    result = subprocess.run(
        [sys.executable, "-m", "projectgraph", "settings", "--set", "port=8123"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={**env, "PROJECTGRAPH_WORKERS": "3"},
    )
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()}
    assert rows["max_rows"] == ["50", "projectgraph.toml"]
    assert rows["workers"] == ["3", "PROJECTGRAPH_WORKERS"]
    assert rows["port"] == ["8123", "--set", "port=8123"]
    assert rows["rate_burst"] == ["100", "default"]
