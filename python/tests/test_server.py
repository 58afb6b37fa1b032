"""labelhook.Server and the labelhook_server fixture: every method and option."""

from __future__ import annotations

import subprocess

import pytest

import labelhook
from labelhook import ApiError

CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="label" toName="text"><Choice value="a"/></Choices></View>'
)


def new_project(ls, title="Reviews"):
    return ls.api("POST", "/api/projects", json={"title": title, "label_config": CONFIG})


def hook(ls, rx, **fields):
    return ls.api("POST", "/api/webhooks", json={"url": rx.url + "/hook", **fields})


def test_fixture_fields(labelhook_server):
    ls = labelhook_server
    assert ls.url.startswith("http://127.0.0.1:")
    assert ls.token == "labelhook-dev-token-0123456789abcdef0123"
    assert ls.personal_access_token.count(".") == 2, "a JWT"
    assert ls.api("GET", "/health") == {"status": "UP"}


def test_api_returns_json_and_none_for_204(labelhook_server):
    ls = labelhook_server
    p = new_project(ls)
    assert ls.api("GET", f"api/projects/{p['id']}")["title"] == "Reviews", "a path without / works"
    assert ls.api("DELETE", f"/api/projects/{p['id']}") is None
    assert ls.api("GET", "/api/projects", params={"page_size": 5})["count"] == 0


@pytest.mark.parametrize(
    ("name", "method", "path", "body", "status", "detail", "validation_errors"),
    [
        (
            "short title",
            "POST",
            "/api/projects",
            {"title": "x"},
            400,
            "Validation error",
            {"title": ["Ensure this field has at least 3 characters."]},
        ),
        (
            "unknown project",
            "GET",
            "/api/projects/999",
            None,
            404,
            "No Project matches the given query.",
            None,
        ),
        (
            "bad action",
            "POST",
            "/api/webhooks",
            {"url": "http://x/h", "actions": ["TASK_CREATED"]},
            400,
            "Validation error",
            None,
        ),
    ],
)
def test_api_raises_with_label_studios_detail(
    labelhook_server, name, method, path, body, status, detail, validation_errors
):
    with pytest.raises(ApiError) as e:
        labelhook_server.api(method, path, json=body)
    err = e.value
    assert (err.status, err.detail) == (status, detail), name
    if validation_errors is not None:
        assert err.validation_errors == validation_errors
    assert str(status) in str(err)
    assert detail in str(err)
    assert err.body["status_code"] == status


def test_bad_token_is_401(labelhook_binary):
    with labelhook.Server(binary=labelhook_binary, token="secret-token-0123456789") as ls:
        assert ls.token == "secret-token-0123456789"
        assert ls.api("GET", "/api/projects")["count"] == 0
        ls.token = "wrong"
        with pytest.raises(ApiError) as e:
            ls.api("GET", "/api/projects")
        assert e.value.status == 401


def test_reset_forgets_everything_and_ids_start_over(labelhook_server, labelhook_receiver):
    ls = labelhook_server
    hook(ls, labelhook_receiver)
    assert new_project(ls)["id"] == 1
    assert ls.deliveries()
    ls.reset()
    assert ls.api("GET", "/api/projects")["count"] == 0
    assert ls.api("GET", "/api/webhooks") == []
    assert ls.deliveries() == []
    assert new_project(ls)["id"] == 1


def test_deliveries_and_their_filters(labelhook_server, labelhook_receiver):
    ls, rx = labelhook_server, labelhook_receiver
    wh = hook(ls, rx)
    rx.respond(500)
    p = new_project(ls)  # PROJECT_CREATED: answered 500
    ls.api("POST", f"/api/projects/{p['id']}/import", json=[{"text": "a"}])  # TASKS_CREATED: 200
    got = [(d["action"], d["outcome"], d["status"]) for d in ls.deliveries()]
    assert got == [("PROJECT_CREATED", "failed", 500), ("TASKS_CREATED", "delivered", 200)]
    assert [d["action"] for d in ls.deliveries(outcome="failed")] == ["PROJECT_CREATED"]
    assert [d["action"] for d in ls.deliveries(action="TASKS_CREATED")] == ["TASKS_CREATED"]
    assert len(ls.deliveries(webhook=wh["id"])) == 2
    assert ls.deliveries(webhook=wh["id"] + 1) == []
    with pytest.raises(ApiError, match="TASKS_CREATED"):
        ls.deliveries(action="TASK_CREATED")


@pytest.mark.labelhook(webhook_batch_size=2)
def test_marker_webhook_batch_size(labelhook_server, labelhook_receiver):
    ls, rx = labelhook_server, labelhook_receiver
    p = new_project(ls)
    hook(ls, rx, project=p["id"])
    ls.api("POST", f"/api/projects/{p['id']}/import", json=[{"text": str(i)} for i in range(5)])
    chunks = rx.wait_for("TASKS_CREATED", count=3)
    assert [len(e["body"]["tasks"]) for e in chunks] == [2, 2, 1]


@pytest.mark.labelhook(max_consecutive_failures=3)
def test_marker_max_consecutive_failures(labelhook_server, labelhook_receiver):
    ls, rx = labelhook_server, labelhook_receiver
    p = new_project(ls)
    wh = hook(ls, rx, project=p["id"])
    rx.respond(500, times=3)
    for i in range(3):
        ls.api("POST", f"/api/projects/{p['id']}/import", json=[{"text": str(i)}])
    got = ls.api("GET", f"/api/webhooks/{wh['id']}")
    assert (got["is_active"], got["consecutive_failures"]) == (False, 3)


@pytest.mark.labelhook(async_delivery=True)
def test_marker_async_delivery(labelhook_server, labelhook_receiver):
    ls, rx = labelhook_server, labelhook_receiver
    assert ls.process.ready["async_delivery"] == "true"
    hook(ls, rx)
    new_project(ls)
    [event] = rx.wait_for("PROJECT_CREATED")
    assert event["valid"], event


@pytest.mark.labelhook(webhook_batch_size=7)
class TestMarkerOnAClass:
    @pytest.mark.labelhook(max_consecutive_failures=4)
    def test_the_closest_marker_wins_and_both_apply(self, labelhook_server):
        ready = labelhook_server.process.ready
        assert (ready["webhook_batch_size"], ready["max_consecutive_failures"]) == ("7", "4")

    @pytest.mark.labelhook(webhook_batch_size=9)
    def test_the_method_overrides_the_class(self, labelhook_server):
        assert labelhook_server.process.ready["webhook_batch_size"] == "9"


def accepts_label_studio_version(binary: str) -> bool:
    res = subprocess.run([binary, "serve", "-h"], capture_output=True, text=True, timeout=30)
    return "--label-studio-version" in res.stdout + res.stderr


def test_label_studio_version_is_passed_when_the_binary_knows_it(labelhook_binary):
    if not accepts_label_studio_version(labelhook_binary):
        pytest.skip("this labelhook binary has no serve --label-studio-version flag yet")
    with labelhook.Server(binary=labelhook_binary, label_studio_version="1.20.0") as ls:
        assert "--label-studio-version" in ls.process.args
        assert "1.20.0" in str(ls.api("GET", "/api/version"))


def test_label_studio_version_is_left_out_unless_given(labelhook_server):
    assert not any("label-studio-version" in a for a in labelhook_server.process.args)
