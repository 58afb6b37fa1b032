"""Packaging: what pip installed is what the source says."""

from __future__ import annotations

import importlib.metadata as md
import re
import subprocess
import sys
from pathlib import Path

import pytest

import labelhook

REPO = Path(__file__).resolve().parents[2]


def test_installed_version_is_the_source_version():
    assert md.version("pytest-labelhook") == labelhook.__version__


def test_the_pytest_plugin_is_registered():
    eps = {ep.name: ep.value for ep in md.entry_points(group="pytest11")}
    assert eps.get("labelhook") == "labelhook.plugin"


def test_the_only_runtime_dependency_is_pytest():
    requires = md.requires("pytest-labelhook") or []
    assert [re.split(r"[<>=!~ ;]", r, maxsplit=1)[0] for r in requires] == ["pytest"]


def test_the_context_managers_need_no_pytest():
    code = "import sys, labelhook; assert 'pytest' not in sys.modules, 'imported pytest'"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr


def test_a_release_tag_carries_the_same_version():
    # The Python package is released with the Go module: on a commit tagged
    # vX.Y.Z, __version__ must be X.Y.Z.
    res = subprocess.run(
        ["git", "-C", str(REPO), "describe", "--tags", "--exact-match", "--match", "v*"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if res.returncode != 0:
        pytest.skip("HEAD carries no release tag")
    assert res.stdout.strip() == "v" + labelhook.__version__
