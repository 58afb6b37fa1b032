"""Finding the binary: --labelhook-bin, LABELHOOK_BIN, PATH, a source checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from lh_support import write_script

from labelhook import BinaryNotFoundError, find_binary
from labelhook._binary import MODULE, source_checkout

REPO = source_checkout(Path(__file__))


def fake_checkout(root: Path, module: str = MODULE, main: str | None = None) -> Path:
    (root / "cmd" / "labelhook").mkdir(parents=True)
    (root / "go.mod").write_text(f"module {module}\n\ngo 1.22\n")
    if main is not None:
        (root / "cmd" / "labelhook" / "main.go").write_text(main)
    return root


@pytest.fixture
def bins(tmp_path):
    """Three executables named labelhook in three folders, and an empty folder."""
    out = {}
    for name in ("explicit", "env", "path", "empty"):
        d = tmp_path / name
        d.mkdir()
        if name != "empty":
            out[name] = write_script(d / "labelhook", "exit 0\n")
        out[name + "_dir"] = str(d)
    return out


@pytest.mark.parametrize(
    ("name", "explicit", "env", "on_path", "want"),
    [
        ("explicit wins over everything", "explicit", "env", "path", "explicit"),
        ("LABELHOOK_BIN wins over PATH", None, "env", "path", "env"),
        ("PATH when nothing is set", None, None, "path", "path"),
    ],
)
def test_find_binary_order(bins, tmp_path, name, explicit, env, on_path, want):
    environ = {"PATH": bins[on_path + "_dir"]}
    if env:
        environ["LABELHOOK_BIN"] = bins[env]
    got = find_binary(bins[explicit] if explicit else None, environ=environ, cwd=tmp_path)
    assert Path(got).resolve() == Path(bins[want]).resolve(), name


def test_nothing_found_names_labelhook_bin_and_how_to_build(bins, tmp_path):
    with pytest.raises(BinaryNotFoundError) as e:
        find_binary(environ={"PATH": bins["empty_dir"]}, cwd=tmp_path)
    msg = str(e.value)
    assert "labelhook binary not found" in msg
    assert "LABELHOOK_BIN" in msg
    assert "go build -o" in msg
    assert "./cmd/labelhook" in msg


@pytest.mark.parametrize(
    ("name", "setup", "want"),
    [
        ("missing file", lambda d: str(d / "nope"), "not a file"),
        ("a directory", lambda d: str(d), "not a file"),
        ("not executable", lambda d: (d / "f").write_text("") or str(d / "f"), "not executable"),
    ],
)
def test_labelhook_bin_that_cannot_run(tmp_path, name, setup, want):
    path = setup(tmp_path)
    with pytest.raises(BinaryNotFoundError, match=want) as e:
        find_binary(environ={"LABELHOOK_BIN": path, "PATH": ""}, cwd=tmp_path)
    assert "LABELHOOK_BIN" in str(e.value), name


def test_source_checkout_is_found_from_a_subfolder(tmp_path):
    root = fake_checkout(tmp_path / "clone")
    (root / "python" / "tests").mkdir(parents=True)
    assert source_checkout(root / "python" / "tests") == root.resolve()


def test_another_go_module_is_no_checkout(tmp_path):
    fake_checkout(tmp_path / "other", module="example.com/other")
    assert source_checkout(tmp_path / "other") is None


def test_checkout_without_go_says_so(tmp_path, bins):
    root = fake_checkout(tmp_path / "clone")
    with pytest.raises(BinaryNotFoundError, match="Go is not installed") as e:
        find_binary(environ={"PATH": bins["empty_dir"]}, cwd=root, cache_dir=tmp_path / "cache")
    assert "LABELHOOK_BIN" in str(e.value)


def go_environ(tmp_path: Path) -> dict[str, str]:
    go = shutil.which("go") or "/usr/local/go/bin/go"
    if not os.access(go, os.X_OK):
        pytest.skip("Go is not installed")
    # PATH holds go and nothing named labelhook, so the build path is taken.
    godir = tmp_path / "gobin"
    godir.mkdir()
    (godir / "go").symlink_to(go)
    env = {k: v for k, v in os.environ.items() if k != "LABELHOOK_BIN"}
    env["PATH"] = str(godir)
    return env


def test_a_build_failure_shows_go_output(tmp_path):
    environ = go_environ(tmp_path)
    root = fake_checkout(tmp_path / "clone", main="package main\n\nfunc main() { notDefined() }\n")
    with pytest.raises(BinaryNotFoundError, match="building it from") as e:
        find_binary(environ=environ, cwd=root, cache_dir=tmp_path / "cache")
    assert "notDefined" in str(e.value)
    assert not list((tmp_path / "cache").rglob(".labelhook-*")), "left a half-built binary"


@pytest.mark.skipif(REPO is None, reason="not run from a labelhook checkout")
def test_builds_from_this_checkout(tmp_path):
    environ = go_environ(tmp_path)
    got = find_binary(environ=environ, cwd=REPO / "python", cache_dir=tmp_path / "cache")
    assert Path(got).parent.parent == tmp_path / "cache"
    res = subprocess.run([got, "serve", "-h"], capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    assert "--webhook-batch-size" in res.stderr + res.stdout
    # Memoized: the second call does not build again.
    assert find_binary(environ=environ, cwd=REPO, cache_dir=tmp_path / "other") == got
