"""``labelhook serve``, the mock Label Studio, as a Python object."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import _http
from ._child import Child

# What the ready line puts in the middle of a masked secret ("sec…89").
_MASK = "\u2026"


class Server(Child):
    """A ``labelhook serve`` child process on a free port of 127.0.0.1.

    Use it as a context manager (or call ``start``/``stop``)::

        with labelhook.Server(webhook_batch_size=2) as ls:
            ls.api("POST", "/api/projects", json={"title": "Reviews"})

    Every keyword option is a ``serve`` flag (or one every child takes:
    ``binary``, ``addr``, ``args``, ``env``, the timeouts, see ``Child``): ``webhook_batch_size=2`` is
    ``--webhook-batch-size 2``, ``organization_webhooks=True`` is
    ``--organization-webhooks``; None and False leave the flag out. Left
    out, each has the default of Label Studio 1.23.2 (project webhooks
    only, no auto-disable, a 1 s timeout, chunks of 5000). The child's
    environment has no ``LABELHOOK_*``/``WEBHOOK_*`` variables unless ``env``
    sets them, so the shell cannot change what a test sees.
    """

    kind = "serve"

    def __init__(
        self,
        *,
        token: str | None = None,
        webhook_batch_size: int | None = None,
        max_consecutive_failures: int | None = None,
        organization_webhooks: bool | None = None,
        async_delivery: bool | None = None,
        webhook_timeout: float | None = None,
        label_studio_version: str | None = None,
        **options: Any,
    ):
        super().__init__(
            token=token,
            webhook_batch_size=webhook_batch_size,
            max_consecutive_failures=max_consecutive_failures,
            organization_webhooks=organization_webhooks,
            async_delivery=async_delivery,
            webhook_timeout=webhook_timeout,
            label_studio_version=label_studio_version,
            **options,
        )
        self.token = ""
        self.personal_access_token = ""

    def _ready(self, line: dict[str, str]) -> None:
        self.url = line["url"]
        # The ready line masks a token of your own (CI logs keep it) and the
        # personal access token made from it: the token is the one given
        # here; a masked personal access token is left empty.
        given = self.options.get("token") or (self._env or {}).get("LABELHOOK_TOKEN")
        self.token = given or line.get("token", "")
        pat = line.get("personal_access_token", "")
        self.personal_access_token = "" if _MASK in pat else pat

    def api(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        timeout: float = 60.0,
    ) -> Any:
        """Call the mock's REST API with the token and return the parsed JSON.

        ``path`` is relative to the server (``/api/projects``). A 4xx or 5xx
        answer raises ApiError carrying Label Studio's ``detail`` and
        ``validation_errors``. A 204 returns None.
        """
        if not path.startswith("/"):
            path = "/" + path
        _, body = _http.request(
            method.upper(),
            self._base_url() + path,
            json=json,
            params=dict(params) if params else None,
            headers={"Authorization": f"Token {self.token}"},
            timeout=timeout,
        )
        return body

    def reset(self) -> None:
        """Forget every project, task, annotation, prediction, view and
        webhook and clear the delivery log; ids start over
        (``POST /_labelhook/reset``)."""
        self.api("POST", "/_labelhook/reset")

    def deliveries(
        self, *, webhook: int | None = None, action: str | None = None, outcome: str | None = None
    ) -> list[dict[str, Any]]:
        """The delivery log (``GET /_labelhook/deliveries``): one record per
        attempt, oldest first, optionally filtered by webhook id, action and
        outcome (delivered, failed, dropped, skipped, undelivered)."""
        return self.api(
            "GET",
            "/_labelhook/deliveries",
            params={"webhook": webhook, "action": action, "outcome": outcome},
        )
