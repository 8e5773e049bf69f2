"""Shared fixtures: the fictional fixture data, a store built from it, the real data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cgt_graph import paths
from cgt_graph.graph.build import build
from cgt_graph.graph.store import open_read_only

FIXTURE_DATA = Path(__file__).parent / "fixtures" / "data"
REAL_DATA = paths.data_dir()


@pytest.fixture(scope="session")
def fixture_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("fixture") / "store"
    build(store, FIXTURE_DATA)
    return store


@pytest.fixture(scope="session")
def fixture_oxi(fixture_store):
    return open_read_only(fixture_store)


@pytest.fixture(scope="session")
def real_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("real") / "store"
    build(store, REAL_DATA)
    return store


@pytest.fixture(scope="session")
def real_oxi(real_store):
    return open_read_only(real_store)


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of the fixture data, to break in a test."""
    dst = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, dst)
    return dst


@pytest.fixture
def cli():
    """Invoke the CLI in-process; returns (exit_code, stdout, stderr)."""
    from cgt_graph.cli import main

    def run(*args: str, env: dict[str, str] | None = None):
        runner = CliRunner()
        result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr
    return run


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """The installed `cgt-graph` command as a real process."""
    exe = shutil.which("cgt-graph", path=os.path.dirname(sys.executable)) or shutil.which("cgt-graph")
    assert exe, "cgt-graph is not installed (pip install -e .)"
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([exe, *args], capture_output=True, text=True, env=full_env, timeout=timeout)
