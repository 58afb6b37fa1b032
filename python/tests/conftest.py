"""Fixtures shared by the package's tests."""

from __future__ import annotations

import time

import pytest
from lh_support import wait_gone

pytest_plugins = ["pytester"]


@pytest.fixture
def assert_gone():
    """assert_gone(*pids): every pid ends within a bound."""

    def check(*pids: int) -> None:
        start = time.monotonic()
        alive = [pid for pid in pids if not wait_gone(pid)]
        assert not alive, f"labelhook processes {alive} still running {time.monotonic() - start:.1f}s later"

    return check
