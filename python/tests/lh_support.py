"""Helpers shared by the package's tests (a uniquely named module, so it
never collides with another folder's conftest)."""

from __future__ import annotations

import os
import select
import stat
from pathlib import Path


def write_script(path: Path, body: str) -> str:
    """Write an executable shell script and return its path."""
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(path)


def wait_gone(pid: int, timeout: float = 15.0) -> bool:
    """Wait until process pid has ended (a zombie counts as ended); False if
    it is still running after timeout seconds. Uses a pidfd, which becomes
    readable when the process ends, so nothing polls."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        ready, _, _ = select.select([fd], [], [], timeout)
        return bool(ready)
    finally:
        os.close(fd)
