"""The exceptions labelhook raises. All derive from LabelhookError."""

from __future__ import annotations

from typing import Any


class LabelhookError(Exception):
    """Base class of every error this package raises."""


class BinaryNotFoundError(LabelhookError):
    """No labelhook binary could be found or built."""


class StartError(LabelhookError):
    """A labelhook process exited or stalled before it was ready.

    ``log`` holds everything the process wrote (stderr and stdout).
    """

    def __init__(self, message: str, log: str = "", returncode: int | None = None):
        super().__init__(message)
        self.log = log
        self.returncode = returncode


class ApiError(LabelhookError):
    """An HTTP answer of 400 or above from the mock or the receiver.

    ``detail`` and ``validation_errors`` come from Label Studio's error
    envelope when the answer has one; ``body`` is the parsed JSON (or text).
    """

    def __init__(self, method: str, url: str, status: int, body: Any):
        self.method = method
        self.url = url
        self.status = status
        self.body = body
        self.detail = body.get("detail") if isinstance(body, dict) else None
        self.validation_errors = body.get("validation_errors") if isinstance(body, dict) else None
        message = f"{method} {url}: {status}"
        if self.detail:
            message += f" {self.detail}"
        if self.validation_errors:
            message += f" {self.validation_errors}"
        if self.detail is None and body not in (None, ""):
            message += f" {body!r}"
        super().__init__(message)


class WaitTimeoutError(LabelhookError, AssertionError):
    """``Receiver.wait_for`` ran out of time.

    It is an AssertionError, so pytest reports it as a failed expectation.
    ``matched`` holds the records that did match, ``received`` every record
    the receiver holds.
    """

    def __init__(self, message: str, matched: list[dict], received: list[dict]):
        super().__init__(message)
        self.matched = matched
        self.received = received
