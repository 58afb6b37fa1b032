"""``labelhook receive``, the recording and validating webhook endpoint, as a
Python object."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from . import _http
from ._child import Child
from .errors import WaitTimeoutError

# The receiver refuses waits longer than this.
MAX_WAIT_SECONDS = 600.0


def go_duration(value: float | str | dt.timedelta) -> str:
    """Seconds (or a timedelta, or a Go duration string) as a Go duration."""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"want seconds, a timedelta or a duration like '2s', got {value!r}")
    if value < 0:
        raise ValueError(f"want a duration of at least 0, got {value!r}")
    return f"{round(value * 1000)}ms"


def _seconds(value: float | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class Receiver(Child):
    """A ``labelhook receive`` child process on a free port of 127.0.0.1.

    Point webhooks at ``url`` (any path; every POST is a webhook), then read
    what arrived with ``events`` or ``wait_for``::

        with labelhook.Receiver() as rx:
            ...  # create a project webhook to rx.url + "/hooks", import tasks
            [event] = rx.wait_for("TASKS_CREATED")

    Keyword options are ``receive`` flags (``reject_invalid=True``,
    ``forward_to=URL``, ``signing_secret="whsec_..."``) and those every
    child takes (``binary``, ``addr``, ``args``, ``env``, the timeouts: see
    ``Child``).
    """

    kind = "receive"

    def __init__(
        self,
        *,
        reject_invalid: bool | None = None,
        forward_to: str | None = None,
        signing_secret: str | None = None,
        **options: Any,
    ):
        super().__init__(
            reject_invalid=reject_invalid, forward_to=forward_to, signing_secret=signing_secret, **options
        )

    def _call(self, method: str, path: str, **kw: Any) -> tuple[int, Any]:
        kw.setdefault("timeout", 30.0)
        return _http.request(method, self._base_url() + path, **kw)

    def events(
        self,
        action: str | None = None,
        *,
        valid: bool | None = None,
        since: int | None = None,
        path: str | None = None,
    ) -> list[dict[str, Any]]:
        """The records of every webhook received, in seq order.

        Filters: ``action`` (a Label Studio action name; a misspelt one is
        an error naming the right one), ``valid`` (whether the body met the
        event contract), ``since`` (seq above this), ``path``.
        """
        params = {"action": action, "valid": valid, "since": since, "path": path}
        return self._call("GET", "/events", params=params)[1]

    def wait_for(
        self,
        action: str | None = None,
        count: int = 1,
        timeout: float | dt.timedelta = 5.0,
        *,
        valid: bool | None = None,
        since: int | None = None,
        path: str | None = None,
    ) -> list[dict[str, Any]]:
        """Wait until ``count`` matching webhooks arrived and return the first
        ``count`` of them.

        The receiver answers as soon as they are there (no polling). After
        ``timeout`` seconds it raises WaitTimeoutError (an AssertionError)
        listing what did arrive.
        """
        seconds = _seconds(timeout)
        if not 0 < seconds <= MAX_WAIT_SECONDS:
            raise ValueError(f"timeout must be above 0 and at most {MAX_WAIT_SECONDS}s, got {timeout!r}")
        params = {
            "action": action,
            "valid": valid,
            "since": since,
            "path": path,
            "count": count,
            "timeout": go_duration(seconds),
        }
        status, body = self._call("GET", "/events/wait", params=params, timeout=seconds + 30, ok=(408,))
        if status == 200:
            return body
        matched = body or []
        received = self.events()
        what = " ".join(
            x
            for x in (
                f"{count}",
                action or "webhook(s)",
                f"valid={valid}" if valid is not None else "",
                f"path={path}" if path else "",
                f"since seq {since}" if since is not None else "",
            )
            if x
        )
        summary = "; ".join(_brief(r) for r in received) or "nothing"
        raise WaitTimeoutError(
            f"waited {seconds:g}s for {what} at {self.url}: {len(matched)} matched; "
            f"received {len(received)}: {summary}",
            matched=matched,
            received=received,
        )

    def respond(
        self, status: int = 200, times: int = 1, delay: float | str | dt.timedelta | None = None
    ) -> list[dict[str, Any]]:
        """Plan the answer to the next ``times`` webhooks: ``status``, after
        ``delay`` (seconds, a timedelta or a Go duration like ``"15s"``).
        Replaces the current plan; afterwards the receiver answers 200 again.
        Returns the plan."""
        step: dict[str, Any] = {"status": status, "times": times}
        if delay is not None:
            step["delay"] = go_duration(delay)
        return self.plan([step])

    def plan(self, steps: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Replace the response plan with ``steps``, each
        ``{"status": 500, "times": 3, "delay": "2s"}``, applied in order."""
        fixed = []
        for s in steps:
            s = dict(s)
            if s.get("delay") is not None:
                s["delay"] = go_duration(s["delay"])
            fixed.append(s)
        return self._call("PUT", "/responses", json=fixed)[1]

    def responses(self) -> list[dict[str, Any]]:
        """What is left of the response plan."""
        return self._call("GET", "/responses")[1]

    def clear(self) -> int:
        """Forget every record and the response plan (seq numbers keep
        counting). Returns how many records there were."""
        deleted = self._call("DELETE", "/events")[1]["deleted"]
        self._call("DELETE", "/responses")
        return deleted


def _brief(record: Mapping[str, Any]) -> str:
    out = f"seq {record.get('seq')} {record.get('action') or '?'} {record.get('path', '')}"
    if record.get("valid") is False:
        out += f" INVALID {record.get('errors')}"
    return out
