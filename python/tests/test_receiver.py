"""labelhook.Receiver and the labelhook_receiver fixture: every method."""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.error
import urllib.request

import pytest

import labelhook
from labelhook import ApiError, WaitTimeoutError
from labelhook.receiver import go_duration

VALID = {"action": "PROJECT_CREATED", "project": {"id": 1, "title": "Reviews"}}


def post(rx, body, path="/hook"):
    """POST a webhook body to the receiver; returns (status, answer)."""
    req = urllib.request.Request(
        rx.url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


@pytest.fixture
def mock_and_hook(labelhook_server, labelhook_receiver):
    """A mock with a project whose webhook goes to the receiver, and a
    function that imports one task into it (one TASKS_CREATED)."""
    ls = labelhook_server
    p = ls.api("POST", "/api/projects", json={"title": "Reviews"})
    ls.api("POST", "/api/webhooks", json={"url": labelhook_receiver.url + "/ls", "project": p["id"]})
    texts = iter(f"review {i}" for i in range(100))
    return lambda: ls.api("POST", f"/api/projects/{p['id']}/import", json=[{"text": next(texts)}])


def test_events_and_their_filters(labelhook_receiver, mock_and_hook):
    rx = labelhook_receiver
    mock_and_hook()
    post(rx, {"action": "TASKS_CREATED", "tasks": "not a list"}, path="/other")
    mock_and_hook()
    got = rx.events()
    assert [(e["seq"], e["action"], e["valid"], e["path"]) for e in got] == [
        (1, "TASKS_CREATED", True, "/ls"),
        (2, "TASKS_CREATED", False, "/other"),
        (3, "TASKS_CREATED", True, "/ls"),
    ]
    assert [e["seq"] for e in rx.events(valid=False)] == [2]
    assert [e["seq"] for e in rx.events(valid=True)] == [1, 3]
    assert [e["seq"] for e in rx.events(since=1)] == [2, 3]
    assert [e["seq"] for e in rx.events(path="/other")] == [2]
    assert [e["seq"] for e in rx.events("TASKS_CREATED", path="/ls", since=1)] == [3]
    assert rx.events("ANNOTATION_CREATED") == []


def test_a_misspelt_action_is_an_error_naming_the_right_one(labelhook_receiver):
    with pytest.raises(ApiError, match="did you mean TASKS_CREATED") as e:
        labelhook_receiver.events("TASK_CREATED")
    assert e.value.status == 400


def test_wait_for_returns_what_arrived(labelhook_receiver, mock_and_hook):
    mock_and_hook()
    mock_and_hook()
    got = labelhook_receiver.wait_for("TASKS_CREATED", count=2)
    assert [e["body"]["tasks"][0]["data"]["text"] for e in got] == ["review 0", "review 1"]


def test_wait_for_wakes_when_the_webhook_comes(labelhook_receiver, mock_and_hook):
    # The webhook is sent from another thread while wait_for waits.
    t = threading.Thread(target=mock_and_hook)
    got: list = []
    waiter = threading.Thread(
        target=lambda: got.extend(labelhook_receiver.wait_for("TASKS_CREATED", timeout=30))
    )
    waiter.start()
    t.start()
    t.join(30)
    waiter.join(30)
    assert [e["action"] for e in got] == ["TASKS_CREATED"]


def test_wait_for_timeout_lists_what_did_arrive(labelhook_receiver, mock_and_hook):
    mock_and_hook()
    with pytest.raises(WaitTimeoutError) as e:
        labelhook_receiver.wait_for("TASKS_CREATED", count=2, timeout=0.2)
    err = e.value
    assert isinstance(err, AssertionError), "pytest shows it as a failed expectation"
    assert [m["seq"] for m in err.matched] == [1]
    assert [r["seq"] for r in err.received] == [1]
    assert "2 TASKS_CREATED" in str(err)
    assert "1 matched" in str(err)
    assert "seq 1 TASKS_CREATED /ls" in str(err)


def test_wait_for_timeout_shows_other_actions_too(labelhook_receiver, mock_and_hook):
    mock_and_hook()
    with pytest.raises(WaitTimeoutError, match="0 matched; received 1: seq 1 TASKS_CREATED"):
        labelhook_receiver.wait_for("ANNOTATION_CREATED", timeout=dt.timedelta(milliseconds=100))


@pytest.mark.parametrize("timeout", [0, -1, 601])
def test_wait_for_refuses_a_timeout_out_of_range(labelhook_receiver, timeout):
    with pytest.raises(ValueError, match="timeout"):
        labelhook_receiver.wait_for("TASKS_CREATED", timeout=timeout)


def test_respond_plans_the_next_answers(labelhook_receiver):
    rx = labelhook_receiver
    plan = rx.respond(503, times=2)
    assert plan == [{"status": 503, "times": 2}]
    assert [post(rx, VALID)[0] for _ in range(3)] == [503, 503, 200]
    assert rx.responses() == []
    assert [e["response_status"] for e in rx.events()] == [503, 503, 200]


def test_respond_with_a_delay(labelhook_receiver):
    plan = labelhook_receiver.respond(200, delay=1.5)
    assert plan == [{"status": 200, "times": 1, "delay": "1.5s"}]


def test_a_multi_step_plan(labelhook_receiver):
    rx = labelhook_receiver
    rx.plan([{"status": 500}, {"status": 410, "times": 2}])
    assert [post(rx, VALID)[0] for _ in range(4)] == [500, 410, 410, 200]


def test_a_bad_plan_is_an_error(labelhook_receiver):
    with pytest.raises(ApiError) as e:
        labelhook_receiver.respond(99)
    assert e.value.status == 400


def test_clear_forgets_records_and_plan_and_seq_goes_on(labelhook_receiver):
    rx = labelhook_receiver
    post(rx, VALID)
    post(rx, VALID)
    rx.respond(500, times=5)
    assert rx.clear() == 2
    assert rx.events() == []
    assert rx.responses() == []
    assert post(rx, VALID)[0] == 200
    assert [e["seq"] for e in rx.events()] == [3]


def test_reject_invalid_option(labelhook_binary):
    with labelhook.Receiver(binary=labelhook_binary, reject_invalid=True) as rx:
        status, answer = post(rx, {"action": "PROJECT_CREATED", "project": "not an object"})
        assert status == 400, answer
        assert post(rx, VALID)[0] == 200


def test_session_receiver_can_be_cleared(labelhook_receiver_session):
    rx = labelhook_receiver_session
    rx.clear()
    post(rx, VALID)
    assert len(rx.events()) == 1


@pytest.mark.parametrize(
    ("value", "want"),
    [
        (2, "2000ms"),
        (0.25, "250ms"),
        (dt.timedelta(seconds=15), "15000ms"),
        ("15s", "15s"),
        (0, "0ms"),
    ],
)
def test_go_duration(value, want):
    assert go_duration(value) == want


@pytest.mark.parametrize(("value", "exc"), [(-1, ValueError), (True, TypeError), (None, TypeError)])
def test_go_duration_refuses(value, exc):
    with pytest.raises(exc):
        go_duration(value)
