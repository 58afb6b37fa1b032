"""Tests of the example consumer: its logic on Label Studio's payload
shapes, and its HTTP answers on a real socket (port 0)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from consumer import Pipeline, serve


def annotation(ann_id: int, project: int = 1, **extra: object) -> dict[str, object]:
    return {"id": ann_id, "project": project, "result": [], "was_cancelled": False, **extra}


@pytest.mark.parametrize(
    ("events", "jobs"),
    [
        pytest.param(
            [{"action": "ANNOTATION_CREATED", "annotation": annotation(i), "project": {"id": 1}} for i in (1, 2, 3)], 1, id="three"
        ),
        pytest.param(
            [{"action": "ANNOTATION_CREATED", "annotation": annotation(1), "project": {"id": 1}}] * 3,
            0,
            id="the same annotation three times",
        ),
        pytest.param(
            [{"action": "ANNOTATION_CREATED", "annotation": annotation(i, was_cancelled=True), "project": {"id": 1}} for i in (1, 2, 3)],
            0,
            id="skips",
        ),
        pytest.param(
            [
                {
                    "action": "ANNOTATIONS_CREATED",
                    "annotation": [annotation(i) for i in (1, 2, 3)],
                    "project": {"id": 1},
                    "task": [{}, {}, {}],
                }
            ],
            1,
            id="a list under the singular key",
        ),
        pytest.param([{"action": "ANNOTATION_CREATED"}] * 3, 0, id="send_payload off"),
        pytest.param([{"action": "LABEL_LINK_CREATED", "label_link": [{"id": 1}]}], 0, id="an action it does not handle"),
    ],
)
def test_retraining_jobs(events: list[dict[str, object]], jobs: int) -> None:
    p = Pipeline(retrain_every=3)
    for e in events:
        p.apply(e)
    assert len(p.view_jobs(None)) == jobs


def test_tasks_deleted_with_and_without_project() -> None:
    p = Pipeline()
    p.apply({"action": "TASKS_CREATED", "tasks": [{"id": i, "data": {"text": "x"}} for i in (1, 2, 3)], "project": {"id": 7}})
    p.apply({"action": "TASKS_DELETED", "tasks": [{"id": 1}], "project": {"id": 7}})
    assert p.view_samples(7) == [2, 3]
    p.apply({"action": "TASKS_DELETED", "tasks": [{"id": 2}, {"id": 3}]})  # delete all: no project
    assert p.view_samples(7) == []


@pytest.fixture
def base_url() -> Iterator[str]:
    server, worker = serve("127.0.0.1", 0, retrain_every=2)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}"
    server.shutdown()
    server.server_close()
    worker.stop()


def post(url: str, body: bytes) -> int:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def get(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.load(resp)


def test_http(base_url: str) -> None:
    assert post(base_url + "/webhook", b'{"action": "TASKS_CREATED", ') == 400
    assert post(base_url + "/webhook", b"[1, 2]") == 400
    for i in (1, 2):
        body = {"action": "ANNOTATION_CREATED", "annotation": annotation(i), "project": {"id": 4}, "new_field": {"x": 1}}
        assert post(base_url + "/webhook", json.dumps(body).encode()) == 200
    deadline = time.monotonic() + 5
    while not get(base_url + "/jobs?project=4")["jobs"] and time.monotonic() < deadline:
        time.sleep(0.01)  # the worker applies events after the answer
    assert get(base_url + "/jobs?project=4")["jobs"] == [{"id": 1, "project": 4, "annotations": 2, "status": "queued"}]
    assert post(base_url + "/reset", b"") == 200
    assert get(base_url + "/jobs")["jobs"] == []
    assert get(base_url + "/health") == {"status": "ok"}
