"""One labelhook child process: start it, wait for its ready line, keep its
log, stop it.

labelhook logs with Go's log/slog text handler on stderr; the line that says
a command is ready carries its URL (``url=http://127.0.0.1:PORT``). Every
child is started with ``--addr 127.0.0.1:0`` by default, so the port is free
by construction, and the URL is read from that line: no port is guessed and
nothing polls. A reader thread drains the pipe for the whole life of the
process, so the child can never block on a full pipe, and signals the line
(or the end of the output) to the waiting caller.

A child never outlives its Python process if it can help it: ``stop`` sends
SIGTERM, then SIGKILL after a bound; an atexit hook stops what is left; and
on Linux the child is started through ``setpriv --pdeathsig TERM`` so it
gets SIGTERM even when Python itself is killed (SIGKILL, OOM).
"""

from __future__ import annotations

import atexit
import collections
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .errors import StartError

# The msg of the line each command prints once it listens.
READY_MESSAGES = {
    "serve": "labelhook mock Label Studio ready",
    "receive": "receiver ready",
}

# Keys of the slog text format: key=value, value quoted when it needs to be.
_PAIR = re.compile(r'([A-Za-z_][\w.\-]*)=("(?:[^"\\]|\\.)*"|\S*)')

# Most log lines kept per process (a --verbose child can log a lot).
MAX_LOG_LINES = 50_000

# Environment variables the binary reads as flags. They are dropped from the
# child's environment so a developer's shell (WEBHOOK_BATCH_SIZE=...) cannot
# change what a test sees; pass ``env=`` to set them on purpose.
_FLAG_ENV_PREFIXES = ("LABELHOOK_", "WEBHOOK_")

_live: set[Process] = set()
_live_lock = threading.Lock()
_listeners: list[Callable[[Process], None]] = []


def parse_logfmt(line: str) -> dict[str, str]:
    """Parse one slog text line into its key/value pairs."""
    out: dict[str, str] = {}
    for key, raw in _PAIR.findall(line):
        if raw.startswith('"'):
            try:
                raw = json.loads(raw)
            except ValueError:
                raw = raw[1:-1]
        out[key] = raw
    return out


def flags_to_args(flags: Mapping[str, Any]) -> list[str]:
    """Turn keyword options into command-line flags.

    ``webhook_batch_size=2`` gives ``--webhook-batch-size 2``; True gives the
    bare flag, False and None give nothing; a list or tuple repeats the flag.
    """
    args: list[str] = []
    for key, value in flags.items():
        if value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            for v in value:
                args += [flag, str(v)]
        else:
            args += [flag, _flag_value(value)]
    return args


def _flag_value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a child: ours without the binary's flag variables,
    plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_FLAG_ENV_PREFIXES)}
    env.update(extra or {})
    return env


def live_processes() -> list[Process]:
    """Every labelhook process started here that has not been stopped."""
    with _live_lock:
        return list(_live)


def add_start_listener(fn: Callable[[Process], None]) -> None:
    """Call fn(process) each time a process becomes ready (the pytest plugin
    uses it to attach logs to the test that started the process)."""
    _listeners.append(fn)


def remove_start_listener(fn: Callable[[Process], None]) -> None:
    """Undo add_start_listener."""
    if fn in _listeners:
        _listeners.remove(fn)


def _deathsig_prefix() -> list[str]:
    # PR_SET_PDEATHSIG fires when the thread that forked the child exits, so
    # it is only safe from the main thread.
    if not sys.platform.startswith("linux"):
        return []
    if threading.current_thread() is not threading.main_thread():
        return []
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []


class Process:
    """A labelhook subcommand (``serve`` or ``receive``) as a child process."""

    def __init__(
        self,
        kind: str,
        binary: str,
        args: Iterable[str],
        *,
        env: Mapping[str, str] | None = None,
        startup_timeout: float = 10.0,
        stop_timeout: float = 10.0,
    ):
        if kind not in READY_MESSAGES:
            raise ValueError(f"unknown labelhook command {kind!r}")
        self.kind = kind
        self.binary = binary
        self.args = [kind, *args]
        self.env = child_env(env)
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.ready: dict[str, str] = {}
        self.killed = False  # stop had to SIGKILL it
        self._popen: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._lines: collections.deque[str] = collections.deque(maxlen=MAX_LOG_LINES)
        self._count = 0  # lines seen, including the ones the deque dropped
        self._lock = threading.Lock()
        self._ready_event = threading.Event()

    def __repr__(self) -> str:
        return f"<labelhook {self.kind} pid={self.pid} url={self.ready.get('url')}>"

    @property
    def command(self) -> list[str]:
        return [self.binary, *self.args]

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen else None

    @property
    def returncode(self) -> int | None:
        return self._popen.poll() if self._popen else None

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    @property
    def log(self) -> str:
        """Everything the process wrote so far (the newest MAX_LOG_LINES lines)."""
        with self._lock:
            return "".join(self._lines)

    @property
    def line_count(self) -> int:
        with self._lock:
            return self._count

    def log_since(self, mark: int) -> str:
        """The lines written after ``line_count`` was ``mark``."""
        with self._lock:
            skip = max(0, mark - (self._count - len(self._lines)))
            return "".join(list(self._lines)[skip:])

    def start(self) -> dict[str, str]:
        """Start the process and wait until it is ready.

        Returns the fields of its ready line. Raises StartError, with the
        process's output, when it exits first or is not ready within
        ``startup_timeout`` seconds; the process is gone by then.
        """
        if self._popen is not None:
            raise RuntimeError(f"labelhook {self.kind} already started")
        try:
            self._popen = subprocess.Popen(
                _deathsig_prefix() + self.command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=self.env,
                # Own session: a Ctrl-C in the terminal reaches pytest, whose
                # teardown stops the child, instead of racing it.
                start_new_session=True,
            )
        except OSError as e:
            raise StartError(f"cannot run {self.binary}: {e}") from e
        with _live_lock:
            _live.add(self)
        self._reader = threading.Thread(
            target=self._read, name=f"labelhook-{self.kind}-{self._popen.pid}", daemon=True
        )
        self._reader.start()
        try:
            ready = self._ready_event.wait(self.startup_timeout) and self.ready
            if not ready:
                self._fail_start()
        except BaseException:
            self.stop()
            raise
        for fn in list(_listeners):
            fn(self)
        return self.ready

    def _fail_start(self) -> None:
        cmd = " ".join(self.command)
        if self._ready_event.is_set():  # the output ended: the process exits
            try:
                rc = self._popen.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                rc = None
            self.stop()
            raise StartError(
                f"labelhook {self.kind} exited with status {rc} before it was ready\n"
                f"command: {cmd}\n{self.log}",
                log=self.log,
                returncode=rc,
            )
        self.stop()
        raise StartError(
            f"labelhook {self.kind} printed no ready line within {self.startup_timeout}s "
            f"(stopped it)\ncommand: {cmd}\n{self.log}",
            log=self.log,
            returncode=self.returncode,
        )

    def _read(self) -> None:
        assert self._popen is not None
        assert self._popen.stdout is not None
        want = READY_MESSAGES[self.kind]
        for raw in self._popen.stdout:
            line = raw.decode("utf-8", errors="replace")
            with self._lock:
                self._lines.append(line)
                self._count += 1
            if not self._ready_event.is_set() and want in line:
                fields = parse_logfmt(line)
                if fields.get("msg") == want and fields.get("url"):
                    self.ready = fields
                    self._ready_event.set()
        self._ready_event.set()  # end of output: wake a waiting start

    def stop(self) -> int | None:
        """Stop the process: SIGTERM, then SIGKILL after ``stop_timeout``
        seconds. Safe to call more than once. Returns the exit status."""
        p = self._popen
        if p is None:
            return None
        try:
            if p.poll() is None:
                try:
                    p.send_signal(signal.SIGTERM)
                    p.wait(self.stop_timeout)
                except subprocess.TimeoutExpired:
                    self.killed = True
                    p.kill()
                    p.wait(5)
        except BaseException:
            # Interrupted while waiting (Ctrl-C twice): never leave it running.
            p.kill()
            p.wait(5)
            raise
        finally:
            if self._reader is not None:
                self._reader.join(5)
            if p.stdout is not None and (self._reader is None or not self._reader.is_alive()):
                p.stdout.close()
            with _live_lock:
                _live.discard(self)
        return p.returncode


@atexit.register
def _stop_all() -> None:
    for proc in live_processes():
        proc.stop_timeout = min(proc.stop_timeout, 5.0)
        proc.stop()
