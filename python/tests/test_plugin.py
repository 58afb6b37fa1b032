"""The pytest plugin, seen from outside: inner pytest sessions (pytester) that
pass, fail, error and get interrupted; the logs in their reports; and no
labelhook process left behind whatever happens."""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET

import pytest

# Inner tests record the pids of the processes they got here.
RECORD_PIDS = """
import os

def record(*owners):
    with open(os.environ["PIDS_FILE"], "a") as f:
        for o in owners:
            f.write(f"{o.process.pid}\\n")
"""


def fast_inner_sessions(monkeypatch):
    """Inner sessions load only this plugin (-p labelhook.plugin), not every
    plugin the venv has (the SDK brings several): each starts in a fraction
    of the time. test_help_and_markers checks the entry point itself."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p labelhook.plugin")


@pytest.fixture
def inner(pytester, labelhook_binary, monkeypatch, tmp_path):
    """Run an inner pytest session in a subprocess with the plugin, pointed
    at the binary. Returns (result, pids the inner tests recorded)."""
    pids_file = tmp_path / "pids"
    monkeypatch.setenv("PIDS_FILE", str(pids_file))
    fast_inner_sessions(monkeypatch)
    pytester.makepyfile(record_pids=RECORD_PIDS)

    def run(source: str, *args: str, binary: bool = True):
        pytester.makepyfile(test_inner=source)
        extra = ["--labelhook-bin", labelhook_binary] if binary else []
        result = pytester.runpytest_subprocess(*extra, "-p", "no:cacheprovider", *args, timeout=120)
        pids = [int(x) for x in pids_file.read_text().split()] if pids_file.exists() else []
        return result, pids

    return run


def test_fixtures_work_in_an_inner_session(inner, assert_gone):
    result, pids = inner(
        """
        from record_pids import record

        def test_it(labelhook_server, labelhook_receiver):
            record(labelhook_server, labelhook_receiver)
            p = labelhook_server.api("POST", "/api/projects", json={"title": "Inner"})
            hook = {"url": labelhook_receiver.url + "/h", "project": p["id"]}
            labelhook_server.api("POST", "/api/webhooks", json=hook)
            labelhook_server.api("POST", f"/api/projects/{p['id']}/import", json=[{"text": "a"}])
            assert labelhook_receiver.wait_for("TASKS_CREATED")
        """
    )
    result.assert_outcomes(passed=1)
    assert len(pids) == 2
    assert_gone(*pids)


def test_a_failing_test_shows_the_labelhook_logs(inner, pytester):
    junit = pytester.path / "junit.xml"
    result, _ = inner(
        """
        def test_fails(labelhook_server, labelhook_receiver):
            labelhook_server.api("POST", "/api/projects", json={"title": "Inner"})
            assert False, "the pipeline did not retrain"

        def test_passes(labelhook_server):
            pass
        """,
        f"--junitxml={junit}",
        "-o",
        "junit_logging=system-err",
        "-rA",
    )
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    assert "Captured stderr labelhook serve http://127.0.0.1:" in out
    assert "Captured stderr labelhook receive http://127.0.0.1:" in out
    assert 'msg="labelhook mock Label Studio ready"' in out
    assert 'msg="receiver ready"' in out
    assert out.count("Captured stderr labelhook serve") == 1, "the passing test shows no log"
    # JUnit XML carries the log in the failing test's system-err.
    cases = {c.get("name"): c for c in ET.parse(junit).iter("testcase")}
    err = cases["test_fails"].findtext("system-err") or ""
    assert "labelhook mock Label Studio ready" in err


def test_a_shared_server_shows_only_the_lines_of_the_failing_test(inner):
    result, _ = inner(
        """
        def test_first(labelhook_server_session):
            pass

        def test_second(labelhook_server_session):
            assert False
        """
    )
    result.assert_outcomes(passed=1, failed=1)
    section = result.stdout.str().split("Captured stderr labelhook serve", 1)[1]
    assert "(no output)" in section.splitlines()[1]
    assert "ready" not in section.split("short test summary")[0]


def test_session_fixtures_start_once(inner, assert_gone):
    result, pids = inner(
        """
        from record_pids import record

        def test_a(labelhook_server_session, labelhook_receiver_session):
            record(labelhook_server_session, labelhook_receiver_session)

        def test_b(labelhook_server_session, labelhook_receiver_session):
            record(labelhook_server_session, labelhook_receiver_session)
        """
    )
    result.assert_outcomes(passed=2)
    assert len(pids) == 4, pids
    assert pids[:2] == pids[2:], "the second test got the same processes"
    assert_gone(*pids)


@pytest.mark.parametrize(
    ("name", "source", "outcomes"),
    [
        (
            "a failing test",
            """
            def test_it(labelhook_server, labelhook_receiver):
                record(labelhook_server, labelhook_receiver)
                assert False
            """,
            {"failed": 1},
        ),
        (
            "a fixture that fails after the server started",
            """
            import pytest

            @pytest.fixture
            def broken(labelhook_server, labelhook_receiver):
                record(labelhook_server, labelhook_receiver)
                raise RuntimeError("setup broke")

            def test_it(broken):
                pass
            """,
            {"errors": 1},
        ),
        (
            "a KeyboardInterrupt (Ctrl-C) in a test",
            """
            def test_it(labelhook_server, labelhook_receiver, labelhook_server_session):
                record(labelhook_server, labelhook_receiver, labelhook_server_session)
                raise KeyboardInterrupt
            """,
            None,
        ),
        (
            "pytest.exit in a test",
            """
            import pytest

            def test_it(labelhook_server, labelhook_receiver_session):
                record(labelhook_server, labelhook_receiver_session)
                pytest.exit("stop now")
            """,
            None,
        ),
        (
            "a failing session with session fixtures",
            """
            def test_a(labelhook_server_session, labelhook_receiver_session):
                record(labelhook_server_session, labelhook_receiver_session)
                assert False

            def test_b(labelhook_server, labelhook_receiver_session):
                record(labelhook_server)
                assert False
            """,
            {"failed": 2},
        ),
    ],
)
def test_no_process_is_left_behind(inner, assert_gone, name, source, outcomes):
    result, pids = inner("from record_pids import record\n" + textwrap.dedent(source))
    if outcomes:
        result.assert_outcomes(**outcomes)
    assert pids, f"{name}: the inner test recorded no pid:\n{result.stdout.str()}"
    assert_gone(*pids)


BLOCKING_TEST = """
import sys
import textwrap

def test_blocks(labelhook_server, labelhook_receiver, labelhook_server_session):
    owners = [labelhook_server, labelhook_receiver, labelhook_server_session]
    print("PIDS", *[o.process.pid for o in owners], flush=True)
    sys.stdin.read()  # until the outer test kills or interrupts the session
"""


def start_blocking_session(pytester, binary):
    pytester.makepyfile(test_inner=BLOCKING_TEST)
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    args = ["-s", "-p", "labelhook.plugin", "-p", "no:cacheprovider", "--labelhook-bin", binary]
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", *args],
        env=env,
        cwd=pytester.path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + 60
    seen = []
    try:
        while time.monotonic() < deadline and sel.select(deadline - time.monotonic()):
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            if "PIDS " in line:  # pytest may print the test's name before it
                return proc, [int(x) for x in line.split("PIDS ", 1)[1].split()]
    finally:
        sel.close()
    proc.kill()
    proc.communicate(timeout=30)
    pytest.fail("inner session printed no PIDS line:\n" + "".join(seen))


def test_ctrl_c_of_a_running_session_leaves_nothing(pytester, labelhook_binary, assert_gone):
    proc, pids = start_blocking_session(pytester, labelhook_binary)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert "KeyboardInterrupt" in out, out
    assert_gone(*pids)


@pytest.mark.skipif(
    not shutil.which("setpriv"), reason="needs setpriv (util-linux) for the parent-death signal"
)
def test_a_killed_session_leaves_nothing(pytester, labelhook_binary, assert_gone):
    proc, pids = start_blocking_session(pytester, labelhook_binary)
    proc.kill()  # SIGKILL: no teardown, no atexit
    proc.communicate(timeout=60)
    assert_gone(*pids)


def test_no_binary_is_one_clear_error(inner, monkeypatch, tmp_path):
    monkeypatch.delenv("LABELHOOK_BIN", raising=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result, _ = inner(
        """
        def test_a(labelhook_server):
            pass

        def test_b(labelhook_receiver):
            pass
        """,
        binary=False,
    )
    result.assert_outcomes(errors=2)
    out = result.stdout.str()
    assert "labelhook binary not found" in out
    assert "LABELHOOK_BIN" in out
    assert "go build" in out
    assert "Traceback" not in out, "one clear message, no traceback"
    assert "_binary.py" not in out, "one clear message, no traceback"


def test_a_binary_that_exits_early_fails_the_fixture_with_its_stderr(inner):
    result, _ = inner(
        """
        import pytest

        @pytest.mark.labelhook(webhook_batch_size=-1)
        def test_it(labelhook_server):
            pass
        """
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*labelhook serve exited with status 2 before it was ready*"])
    assert "--webhook-batch-size must be positive" in result.stdout.str()


def test_a_server_that_dies_during_the_test_is_reported(inner):
    result, _ = inner(
        """
        import os, signal

        def test_it(labelhook_server):
            os.kill(labelhook_server.process.pid, signal.SIGKILL)
        """
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*labelhook serve exited with status -9 while the test ran*"])


def test_a_positional_marker_argument_is_a_usage_error(inner):
    result, _ = inner(
        """
        import pytest

        @pytest.mark.labelhook(2)
        def test_it(labelhook_server):
            pass
        """
    )
    assert "takes keyword options only" in result.stdout.str() + result.stderr.str()
    assert result.ret != 0


def test_help_and_markers(pytester):
    # Plugins autoload here: the pytest11 entry point must bring the plugin.
    help_out = pytester.runpytest_subprocess("--help").stdout.str()
    assert "--labelhook-bin" in help_out
    markers = pytester.runpytest_subprocess("--markers").stdout.str()
    assert "@pytest.mark.labelhook(**options)" in markers


def test_labelhook_bin_option_wins_over_the_variable(inner, tmp_path, monkeypatch):
    fake = tmp_path / "labelhook"
    fake.write_text("#!/bin/sh\necho fake labelhook >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("LABELHOOK_BIN", "/nonexistent")
    result, _ = inner(
        """
        def test_it(labelhook_receiver):
            pass
        """,
        "--labelhook-bin",
        str(fake),
        binary=False,
    )
    result.assert_outcomes(errors=1)
    assert "fake labelhook" in result.stdout.str()
    assert "exited with status 3" in result.stdout.str()
