"""The child process: ready line, logs, early exits, port clashes, stopping."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap

import pytest
from lh_support import write_script

import labelhook
from labelhook import StartError
from labelhook._process import (
    Process,
    child_env,
    flags_to_args,
    live_processes,
    parse_logfmt,
)


@pytest.mark.parametrize(
    ("name", "line", "want"),
    [
        (
            "serve ready line",
            'time=2026-12-04T14:20:08.419Z level=INFO msg="labelhook mock Label Studio ready" '
            'url=http://127.0.0.1:38409 token=tok token_source="development default" async_delivery=false\n',
            {
                "time": "2026-12-04T14:20:08.419Z",
                "level": "INFO",
                "msg": "labelhook mock Label Studio ready",
                "url": "http://127.0.0.1:38409",
                "token": "tok",
                "token_source": "development default",
                "async_delivery": "false",
            },
        ),
        (
            "escaped quote and empty value",
            'msg="say \\"hi\\"" state="" n=3',
            {"msg": 'say "hi"', "state": "", "n": "3"},
        ),
        ("no pairs", "panic: boom", {}),
    ],
)
def test_parse_logfmt(name, line, want):
    assert parse_logfmt(line) == want, name


@pytest.mark.parametrize(
    ("name", "flags", "want"),
    [
        ("number", {"webhook_batch_size": 2}, ["--webhook-batch-size", "2"]),
        ("true is a bare flag", {"async_delivery": True}, ["--async-delivery"]),
        ("false and none are left out", {"async_delivery": False, "token": None}, []),
        ("whole float", {"webhook_timeout": 2.0}, ["--webhook-timeout", "2"]),
        ("fraction", {"webhook_timeout": 0.5}, ["--webhook-timeout", "0.5"]),
        (
            "list repeats",
            {"webhook": ["http://a", "http://b"]},
            ["--webhook", "http://a", "--webhook", "http://b"],
        ),
    ],
)
def test_flags_to_args(name, flags, want):
    assert flags_to_args(flags) == want, name


def test_child_env_drops_the_binarys_flag_variables(monkeypatch):
    monkeypatch.setenv("WEBHOOK_BATCH_SIZE", "1")
    monkeypatch.setenv("LABELHOOK_ADDR", "0.0.0.0:80")
    monkeypatch.setenv("KEEP_ME", "yes")
    env = child_env({"LABELHOOK_VERBOSE": "1"})
    assert "WEBHOOK_BATCH_SIZE" not in env
    assert "LABELHOOK_ADDR" not in env
    assert env["KEEP_ME"] == "yes"
    assert env["LABELHOOK_VERBOSE"] == "1"


def test_shell_variables_do_not_reach_the_server(monkeypatch, labelhook_binary):
    monkeypatch.setenv("WEBHOOK_BATCH_SIZE", "1")
    with labelhook.Server(binary=labelhook_binary) as ls:
        assert ls.process.ready["webhook_batch_size"] == "5000"


def test_start_and_stop(labelhook_binary, assert_gone):
    ls = labelhook.Server(binary=labelhook_binary)
    with ls:
        assert ls.url.startswith("http://127.0.0.1:")
        assert ls.process.running
        assert ls.process in live_processes()
        pid = ls.process.pid
    assert_gone(pid)
    assert ls.process.returncode == 0, ls.log  # a graceful stop
    assert ls.process not in live_processes()
    assert "stopped" in ls.log
    assert ls.stop() == 0, "a second stop is harmless"


def test_starting_twice_is_refused(labelhook_server):
    with pytest.raises(RuntimeError, match="already running"):
        labelhook_server.start()


def test_a_binary_that_exits_early_fails_with_its_stderr(labelhook_binary):
    server = labelhook.Server(binary=labelhook_binary, webhook_batch_size=-1)
    try:
        with pytest.raises(StartError) as e:
            server.start()
    finally:
        server.stop()  # in case it did start: never leave it to the next test
    assert e.value.returncode == 2
    assert "--webhook-batch-size must be positive" in str(e.value)
    assert "exited with status 2 before it was ready" in str(e.value)
    assert not live_processes()


def test_an_unknown_flag_fails_with_the_usage(labelhook_binary):
    with pytest.raises(StartError, match="no-such-flag") as e:
        labelhook.Receiver(binary=labelhook_binary, no_such_flag=True).start()
    assert e.value.returncode == 2


@pytest.mark.parametrize("cls", [labelhook.Server, labelhook.Receiver])
def test_a_port_clash_fails_with_the_binarys_stderr(labelhook_binary, cls):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        addr = f"127.0.0.1:{taken.getsockname()[1]}"
        with pytest.raises(StartError) as e:
            cls(binary=labelhook_binary, addr=addr).start()
    assert "address already in use" in str(e.value)
    assert e.value.returncode == 1
    assert addr in e.value.log


def test_no_ready_line_is_a_bounded_wait(tmp_path, assert_gone):
    silent = write_script(tmp_path / "labelhook", "echo starting\nexec sleep 60\n")
    proc = Process("serve", silent, [], startup_timeout=1.5)
    with pytest.raises(StartError, match=r"no ready line within 1.5s") as e:
        proc.start()
    assert "starting" in e.value.log
    assert_gone(proc.pid)


def test_a_child_that_ignores_sigterm_is_killed(tmp_path, assert_gone):
    stubborn = write_script(
        tmp_path / "labelhook",
        "trap '' TERM\necho 'msg=\"receiver ready\" url=http://127.0.0.1:9'\nexec sleep 60\n",
    )
    proc = Process("receive", stubborn, [], stop_timeout=0.3)
    assert proc.start()["url"] == "http://127.0.0.1:9"
    assert proc.stop() == -signal.SIGKILL
    assert_gone(proc.pid)


def test_a_missing_binary_is_a_start_error(tmp_path):
    with pytest.raises(StartError):
        Process("serve", str(tmp_path / "nope"), [], startup_timeout=5).start()
    assert not live_processes()


def test_log_since_returns_the_lines_after_a_mark(labelhook_binary):
    with labelhook.Receiver(binary=labelhook_binary, verbose=True) as rx:
        mark = rx.process.line_count
        assert "receiver ready" not in rx.process.log_since(mark)
        assert "receiver ready" in rx.process.log_since(0)
        rx.clear()  # logs "records cleared"
        assert "records cleared" in rx.process.log_since(mark)


def run_python(code: str, binary: str) -> subprocess.Popen:
    env = dict(os.environ, LABELHOOK_BIN=binary)
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_python_exiting_without_stop_leaves_nothing(labelhook_binary, assert_gone):
    p = run_python(
        """
        import labelhook
        ls = labelhook.Server().start()
        rx = labelhook.Receiver().start()
        print(ls.process.pid, rx.process.pid, flush=True)
        """,
        labelhook_binary,
    )
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert_gone(*map(int, out.split()))


@pytest.mark.skipif(
    not shutil.which("setpriv"), reason="needs setpriv (util-linux) for the parent-death signal"
)
def test_python_killed_hard_leaves_nothing(labelhook_binary, assert_gone):
    p = run_python(
        """
        import sys, labelhook
        ls = labelhook.Server().start()
        rx = labelhook.Receiver().start()
        print(ls.process.pid, rx.process.pid, flush=True)
        sys.stdin.read()  # stay until killed
        """,
        labelhook_binary,
    )
    try:
        pids = [int(x) for x in p.stdout.readline().split()]
        assert len(pids) == 2, p.stderr.read()
    finally:
        p.kill()  # SIGKILL: no atexit, no teardown
        p.communicate(timeout=30)
    assert_gone(*pids)
