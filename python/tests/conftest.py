"""Helpers shared by the package's tests."""

from __future__ import annotations

import os
import select
import stat
import time
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]


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


@pytest.fixture
def assert_gone():
    """assert_gone(*pids): every pid ends within a bound."""

    def check(*pids: int) -> None:
        start = time.monotonic()
        alive = [pid for pid in pids if not wait_gone(pid)]
        assert not alive, f"labelhook processes {alive} still running {time.monotonic() - start:.1f}s later"

    return check
