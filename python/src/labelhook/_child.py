"""What ``Server`` and ``Receiver`` share: a labelhook command run as a child
process, started and stopped by a context manager."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Self

from ._binary import find_binary
from ._process import Process, flags_to_args


class Child:
    """One ``labelhook <kind>`` child process on a free port of 127.0.0.1.

    What every kind takes: ``binary`` (default: found as ``find_binary``
    finds it), ``addr``, extra command-line ``args``, the child's ``env``,
    and how long to wait for its ready line and for it to stop. Every other
    keyword option is a flag of the command: ``webhook_batch_size=2`` is
    ``--webhook-batch-size 2``; None and False leave the flag out.
    """

    kind = ""

    def __init__(
        self,
        *,
        binary: str | None = None,
        addr: str = "127.0.0.1:0",
        args: Iterable[str] = (),
        env: Mapping[str, str] | None = None,
        startup_timeout: float = 10.0,
        stop_timeout: float = 10.0,
        **flags: Any,
    ):
        self._binary = binary
        self.options: dict[str, Any] = {"addr": addr, **flags}
        self._extra_args = list(args)
        self._env = env
        self._startup_timeout = startup_timeout
        self._stop_timeout = stop_timeout
        self.process: Process | None = None
        self.url = ""

    def __repr__(self) -> str:
        return f"<labelhook.{type(self).__name__} {self.url or 'not started'}>"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Self:
        """Start the command and wait for its ready line."""
        if self.process is not None and self.process.running:
            raise RuntimeError(f"labelhook {self.kind} is already running at {self.url}")
        self.process = Process(
            self.kind,
            self._binary or find_binary(),
            flags_to_args(self.options) + self._extra_args,
            env=self._env,
            startup_timeout=self._startup_timeout,
            stop_timeout=self._stop_timeout,
        )
        self._ready(self.process.start())
        return self

    def _base_url(self) -> str:
        """The URL the child listens on; an error before it started."""
        if not self.url:
            raise RuntimeError(f"labelhook {self.kind} is not started")
        return self.url

    def _ready(self, line: dict[str, str]) -> None:
        """Read what the ready line says (its URL; Server reads tokens too)."""
        self.url = line["url"]

    def stop(self) -> int | None:
        """Stop the process (SIGTERM, then SIGKILL); returns its exit status."""
        return self.process.stop() if self.process else None

    @property
    def log(self) -> str:
        """What the process logged so far."""
        return self.process.log if self.process else ""
