"""The pytest plugin (entry point ``pytest11: labelhook``).

Fixtures, mirroring the Go helpers ``servertest.NewServer`` and
``receivertest.NewReceiver``:

* ``labelhook_server``: a fresh ``labelhook serve`` per test (a
  ``labelhook.Server``), configured by ``@pytest.mark.labelhook(...)``.
* ``labelhook_receiver``: a fresh ``labelhook receive`` per test (a
  ``labelhook.Receiver``).
* ``labelhook_server_session``, ``labelhook_receiver_session``: one of each
  for the whole session, shared by the tests that ask for them (call
  ``reset()``/``clear()`` to start clean; markers do not apply).
* ``labelhook_binary``: the path of the binary the others run.

When a test fails, the log lines each labelhook process wrote while the test
ran are added to its report (as ``Captured stderr labelhook ...`` sections,
so they also reach JUnit XML's system-err).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from ._binary import find_binary
from ._process import Process, add_start_listener, live_processes, remove_start_listener
from .errors import BinaryNotFoundError, StartError
from .receiver import Receiver
from .server import Server

MARKER = "labelhook"

_watched = pytest.StashKey[dict[Process, int]]()
_failed = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("labelhook", "labelhook mock Label Studio")
    group.addoption(
        "--labelhook-bin",
        dest="labelhook_bin",
        default=None,
        metavar="PATH",
        help="labelhook binary to run (default: $LABELHOOK_BIN, then labelhook on PATH, "
        "then go build from the source checkout pytest runs in)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "labelhook(**options): labelhook serve options for the labelhook_server fixture, "
        "e.g. organization_webhooks=True, max_consecutive_failures=3, webhook_batch_size=2, "
        "label_studio_version='1.20.0'; any serve flag works, with _ for -",
    )
    config.pluginmanager.register(_LogAttacher(), "labelhook-logs")


class _LogAttacher:
    """Adds the labelhook logs written during a test to its failure report."""

    def __init__(self) -> None:
        self._current: dict[Process, int] | None = None
        add_start_listener(self._started)

    def _started(self, proc: Process) -> None:
        if self._current is not None:
            self._current.setdefault(proc, 0)

    def pytest_unconfigure(self) -> None:
        remove_start_listener(self._started)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Iterator[None]:
        # Processes that outlive tests (session fixtures) are attached from
        # the line they were at; the ones a test starts, from their start.
        self._current = item.stash[_watched] = {p: p.line_count for p in live_processes()}
        try:
            yield
        finally:
            self._current = None
            del item.stash[_watched]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item) -> Iterator[None]:
        outcome = yield
        report = outcome.get_result()
        if report.failed:
            item.stash[_failed] = True
        elif not (report.when == "teardown" and item.stash.get(_failed, False)):
            return
        # The teardown report of a failed test carries the logs too: JUnit
        # XML takes a test's system-err from it (junit_logging=system-err).
        for proc, mark in item.stash.get(_watched, {}).items():
            where = proc.ready.get("url", "")
            report.sections.append(
                (
                    f"Captured stderr labelhook {proc.kind} {where} (pid {proc.pid})",
                    proc.log_since(mark) or "(no output)\n",
                )
            )


def _marker_options(node: pytest.Item) -> dict[str, Any]:
    """The options of every labelhook marker on the test; the closest wins."""
    options: dict[str, Any] = {}
    for mark in reversed(list(node.iter_markers(MARKER))):
        if mark.args:
            raise pytest.UsageError(
                f"@pytest.mark.{MARKER} takes keyword options only, got {mark.args!r} on {node.nodeid}"
            )
        options.update(mark.kwargs)
    return options


@pytest.fixture(scope="session")
def labelhook_binary(pytestconfig: pytest.Config) -> str:
    """The labelhook binary: --labelhook-bin, $LABELHOOK_BIN, PATH, or built
    from the source checkout."""
    try:
        return find_binary(pytestconfig.getoption("labelhook_bin"))
    except BinaryNotFoundError as e:
        pytest.fail(str(e), pytrace=False)


def _run(owner: Server | Receiver) -> Iterator[Any]:
    try:
        owner.start()
    except StartError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        yield owner
    finally:
        rc = owner.stop()
    proc = owner.process
    if proc is None or rc == 0:
        return
    if proc.killed:
        # Still busy after stop_timeout (say, a delivery to a receiver that
        # stalls on purpose): killing it is the fixture's job, not a failure.
        warnings.warn(
            f"labelhook {proc.kind} did not stop within {proc.stop_timeout}s of SIGTERM; killed it",
            stacklevel=1,
        )
        return
    pytest.fail(
        f"labelhook {proc.kind} exited with status {rc} while the test ran "
        f"(a stop by SIGTERM exits 0):\n{proc.log}",
        pytrace=False,
    )


@pytest.fixture
def labelhook_server(request: pytest.FixtureRequest, labelhook_binary: str) -> Iterator[Server]:
    """A fresh mock Label Studio for this test, on a free port.

    ``.url``, ``.token``, ``.api(method, path, json=None)``, ``.reset()``,
    ``.deliveries()``. Options: ``@pytest.mark.labelhook(webhook_batch_size=2, ...)``.
    """
    yield from _run(Server(binary=labelhook_binary, **_marker_options(request.node)))


@pytest.fixture
def labelhook_receiver(labelhook_binary: str) -> Iterator[Receiver]:
    """A fresh webhook receiver for this test, on a free port.

    ``.url``, ``.events(action=None, valid=None)``, ``.wait_for(action,
    count=1, timeout=5.0)``, ``.respond(status=..., times=..., delay=...)``,
    ``.clear()``.
    """
    yield from _run(Receiver(binary=labelhook_binary))


@pytest.fixture(scope="session")
def labelhook_server_session(labelhook_binary: str) -> Iterator[Server]:
    """One mock Label Studio for the whole session (state is shared: call
    ``reset()`` for a clean start)."""
    yield from _run(Server(binary=labelhook_binary))


@pytest.fixture(scope="session")
def labelhook_receiver_session(labelhook_binary: str) -> Iterator[Receiver]:
    """One webhook receiver for the whole session (records are shared: call
    ``clear()`` for a clean start)."""
    yield from _run(Receiver(binary=labelhook_binary))
