"""Finding the labelhook binary, or building it from a source checkout."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path

from .errors import BinaryNotFoundError

MODULE = "github.com/labelhook/labelhook"
ENV_VAR = "LABELHOOK_BIN"

HOW_TO_GET_IT = (
    "set LABELHOOK_BIN to the path of a labelhook binary, put one on PATH, "
    "or run pytest from a labelhook source checkout with Go installed "
    "(the plugin then builds it). To build it yourself, in a clone: "
    "go build -o ~/.local/bin/labelhook ./cmd/labelhook"
)

_built: dict[Path, str] = {}
_build_lock = threading.Lock()


def find_binary(
    explicit: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> str:
    """Return the path of the labelhook binary to run.

    In order: ``explicit`` (``--labelhook-bin``), ``$LABELHOOK_BIN``,
    ``labelhook`` on ``PATH``, and last, when ``cwd`` is inside a labelhook
    source checkout, ``go build -o <cache dir>/labelhook ./cmd/labelhook``.
    Raises BinaryNotFoundError with what to do when none works.
    """
    environ = os.environ if environ is None else environ
    for source, value in (("--labelhook-bin", explicit), (ENV_VAR, environ.get(ENV_VAR))):
        if value:
            return _check_executable(os.fspath(value), source)
    on_path = shutil.which("labelhook", path=environ.get("PATH", os.defpath))
    if on_path:
        return on_path
    root = source_checkout(cwd if cwd is not None else os.getcwd())
    if root is not None:
        return build_from_checkout(root, environ=environ, cache_dir=cache_dir)
    raise BinaryNotFoundError(f"labelhook binary not found: {HOW_TO_GET_IT}")


def _check_executable(path: str, source: str) -> str:
    p = Path(path).expanduser()
    if not p.is_file():
        raise BinaryNotFoundError(f"{source} is {path!r}, which is not a file: {HOW_TO_GET_IT}")
    if not os.access(p, os.X_OK):
        raise BinaryNotFoundError(f"{source} is {path!r}, which is not executable (chmod +x it)")
    return str(p.resolve())


def source_checkout(start: str | os.PathLike[str]) -> Path | None:
    """The root of the labelhook checkout that holds ``start``, if any."""
    for d in (Path(start).resolve(), *Path(start).resolve().parents):
        gomod = d / "go.mod"
        if gomod.is_file() and (d / "cmd" / "labelhook").is_dir():
            try:
                first = gomod.read_text(encoding="utf-8").splitlines()[0]
            except (OSError, IndexError, UnicodeDecodeError):
                continue
            if first.strip() == f"module {MODULE}":
                return d
    return None


def default_cache_dir(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "labelhook"


def _go(environ: Mapping[str, str]) -> str | None:
    found = shutil.which("go", path=environ.get("PATH", os.defpath))
    if found:
        return found
    goroot = environ.get("GOROOT")
    candidate = os.path.join(goroot, "bin", "go") if goroot else ""
    return candidate if candidate and os.access(candidate, os.X_OK) else None


def build_from_checkout(
    root: Path,
    *,
    environ: Mapping[str, str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> str:
    """``go build`` the binary of the checkout at ``root`` into the cache.

    Built once per checkout and Python process; Go's own build cache makes a
    rebuild after no change quick. The binary is written to a temporary name
    and renamed, so concurrent sessions never run a half-written file.
    """
    environ = os.environ if environ is None else environ
    root = root.resolve()
    with _build_lock:
        if root in _built and os.access(_built[root], os.X_OK):
            return _built[root]
        go = _go(environ)
        if go is None:
            raise BinaryNotFoundError(
                f"labelhook binary not found, and {root} is a source checkout but Go is not "
                f"installed to build it: {HOW_TO_GET_IT}"
            )
        key = hashlib.sha256(str(root).encode()).hexdigest()[:12]
        out_dir = Path(cache_dir) if cache_dir else default_cache_dir(environ)
        out_dir = out_dir / f"build-{key}"
        out_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".labelhook-", dir=out_dir)
        os.close(fd)
        try:
            res = subprocess.run(
                [go, "build", "-o", tmp, "./cmd/labelhook"],
                cwd=root,
                env=dict(environ),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if res.returncode != 0:
                raise BinaryNotFoundError(
                    f"labelhook binary not found, and building it from {root} failed "
                    f"(go build -o {tmp} ./cmd/labelhook, status {res.returncode}):\n"
                    f"{res.stderr}{res.stdout}\n{HOW_TO_GET_IT}"
                )
            target = out_dir / "labelhook"
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        _built[root] = str(target)
        return str(target)
