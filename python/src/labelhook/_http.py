"""A small JSON client over urllib, so the package needs nothing installed."""

from __future__ import annotations

import json as jsonlib
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from .errors import ApiError

# The mock and the receiver listen on 127.0.0.1; a proxy from the
# environment (HTTP_PROXY) must never see these calls.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def request(
    method: str,
    url: str,
    *,
    json: Any = None,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60.0,
    ok: tuple[int, ...] = (),
) -> tuple[int, Any]:
    """Send one request and return (status, parsed body).

    Statuses of 400 and above raise ApiError unless listed in ``ok``. The
    body is parsed as JSON when it is JSON, returned as text otherwise, and
    is None when empty.
    """
    if params:
        query = urllib.parse.urlencode({k: _param(v) for k, v in params.items() if v is not None}, doseq=True)
        if query:
            url += ("&" if "?" in url else "?") + query
    data = None
    hdrs = {"Accept": "application/json"}
    if json is not None:
        data = jsonlib.dumps(json).encode()
        hdrs["Content-Type"] = "application/json"
    hdrs.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with _opener.open(req, timeout=timeout) as resp:
            return resp.status, _parse(resp.read())
    except urllib.error.HTTPError as e:
        body = _parse(e.read())
        e.close()
        if e.code in ok:
            return e.code, body
        raise ApiError(method, url, e.code, body) from None


def _param(v: Any) -> Any:
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def _parse(raw: bytes) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    try:
        return jsonlib.loads(text)
    except ValueError:
        return text
