"""labelhook.Server and the labelhook_server fixture: every method and option."""

from __future__ import annotations

import pytest

import labelhook
from labelhook import ApiError

CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="label" toName="text"><Choice value="a"/></Choices></View>'
)


def new_project(ls, title="Reviews"):
    return ls.api("POST", "/api/projects", json={"title": title, "label_config": CONFIG})


def hook(ls, rx, project_id, **fields):
    """A project webhook to the receiver (Label Studio 1.23.2 has no other kind)."""
    return ls.api("POST", "/api/webhooks", json={"url": rx.url + "/hook", "project": project_id, **fields})


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
        assert "secret-token-0123456789" not in ls.log, "the ready line masks a token of your own"
        assert ls.personal_access_token == "", "a masked personal access token is left empty"
        assert ls.api("GET", "/api/projects")["count"] == 0
        ls.token = "wrong"
        with pytest.raises(ApiError) as e:
            ls.api("GET", "/api/projects")
        assert e.value.status == 401


def test_reset_forgets_everything_and_ids_start_over(labelhook_server, labelhook_receiver):
    ls = labelhook_server
    p = new_project(ls)
    assert p["id"] == 1
    hook(ls, labelhook_receiver, p["id"])
    ls.api("POST", f"/api/projects/{p['id']}/import", json=[{"text": "a"}])
    assert ls.deliveries()
    ls.reset()
    assert ls.api("GET", "/api/projects")["count"] == 0
    assert ls.api("GET", "/api/webhooks") == []
    assert ls.deliveries() == []
    assert new_project(ls)["id"] == 1


def test_deliveries_and_their_filters(labelhook_server, labelhook_receiver):
    ls, rx = labelhook_server, labelhook_receiver
    p = new_project(ls)
    wh = hook(ls, rx, p["id"])
    rx.respond(500)
    [task_id] = ls.api(
        "POST", f"/api/projects/{p['id']}/import", json=[{"text": "a"}], params={"return_task_ids": True}
    )["task_ids"]  # TASKS_CREATED: answered 500
    ls.api("POST", f"/api/tasks/{task_id}/annotations", json={"result": []})  # ANNOTATION_CREATED: 200
    got = [(d["action"], d["outcome"], d["status"]) for d in ls.deliveries()]
    assert got == [("TASKS_CREATED", "failed", 500), ("ANNOTATION_CREATED", "delivered", 200)]
    assert [d["action"] for d in ls.deliveries(outcome="failed")] == ["TASKS_CREATED"]
    assert [d["action"] for d in ls.deliveries(action="ANNOTATION_CREATED")] == ["ANNOTATION_CREATED"]
    assert len(ls.deliveries(webhook=wh["id"])) == 2
    assert ls.deliveries(webhook=wh["id"] + 1) == []
    with pytest.raises(ApiError, match="TASKS_CREATED"):
        ls.deliveries(action="TASK_CREATED")


@pytest.mark.parametrize(
    ("name", "args", "ready"),
    [
        pytest.param(
            "no marker: Label Studio 1.23.2's defaults",
            [],
            {
                "organization_webhooks": "false",
                "max_consecutive_failures": "0",
                "label_studio_version": "1.23.2",
            },
        ),
        pytest.param(
            "organization_webhooks=True",
            ["--organization-webhooks"],
            {"organization_webhooks": "true"},
            marks=pytest.mark.labelhook(organization_webhooks=True),
        ),
        pytest.param(
            "organization_webhooks=False",
            [],
            {"organization_webhooks": "false"},
            marks=pytest.mark.labelhook(organization_webhooks=False),
        ),
        pytest.param(
            "max_consecutive_failures=5",
            ["--max-consecutive-failures", "5"],
            {"max_consecutive_failures": "5"},
            marks=pytest.mark.labelhook(max_consecutive_failures=5),
        ),
        pytest.param(
            "label_studio_version='1.20.0'",
            ["--label-studio-version", "1.20.0"],
            {"label_studio_version": "1.20.0", "webhook_batch_size": "100"},
            marks=pytest.mark.labelhook(label_studio_version="1.20.0"),
        ),
    ],
)
def test_marker_keywords_become_serve_flags(labelhook_server, name, args, ready):
    got = labelhook_server.process.args
    assert got == ["serve", "--addr", "127.0.0.1:0", *args], name
    assert {k: labelhook_server.process.ready.get(k) for k in ready} == ready, name


def test_organization_webhooks_are_refused_by_default(labelhook_server, labelhook_receiver):
    # Open-source Label Studio 1.23.2 has project webhooks only.
    with pytest.raises(ApiError) as e:
        labelhook_server.api("POST", "/api/webhooks", json={"url": labelhook_receiver.url + "/org"})
    assert (e.value.status, e.value.detail) == (404, "Project not found.")


@pytest.mark.labelhook(organization_webhooks=True)
def test_marker_organization_webhooks(labelhook_server, labelhook_receiver):
    ls, rx = labelhook_server, labelhook_receiver
    wh = ls.api("POST", "/api/webhooks", json={"url": rx.url + "/org"})
    assert wh["project"] is None
    p = new_project(ls)
    ls.api("DELETE", f"/api/projects/{p['id']}")
    got = [(e["action"], e["body"]["project"]["id"]) for e in rx.events()]
    assert got == [("PROJECT_CREATED", p["id"]), ("PROJECT_DELETED", p["id"])]


@pytest.mark.labelhook(webhook_batch_size=2)
def test_marker_webhook_batch_size(labelhook_server, labelhook_receiver):
    ls, rx = labelhook_server, labelhook_receiver
    p = new_project(ls)
    hook(ls, rx, p["id"])
    ls.api("POST", f"/api/projects/{p['id']}/import", json=[{"text": str(i)} for i in range(5)])
    chunks = rx.wait_for("TASKS_CREATED", count=3)
    assert [len(e["body"]["tasks"]) for e in chunks] == [2, 2, 1]


def fail_three_imports(ls, rx):
    """A project webhook whose receiver answers 500 to three imports; returns
    the webhook as the API shows it afterwards."""
    p = new_project(ls)
    wh = hook(ls, rx, p["id"])
    rx.respond(500, times=3)
    for i in range(3):
        ls.api("POST", f"/api/projects/{p['id']}/import", json=[{"text": str(i)}])
    assert [d["status"] for d in ls.deliveries(webhook=wh["id"])] == [500, 500, 500]
    return ls.api("GET", f"/api/webhooks/{wh['id']}")


def test_no_auto_disable_by_default(labelhook_server, labelhook_receiver):
    # Label Studio 1.23.2 neither counts failed deliveries nor disables a webhook.
    got = fail_three_imports(labelhook_server, labelhook_receiver)
    assert got["is_active"] is True
    assert "consecutive_failures" not in got


@pytest.mark.labelhook(max_consecutive_failures=3)
def test_marker_max_consecutive_failures(labelhook_server, labelhook_receiver):
    got = fail_three_imports(labelhook_server, labelhook_receiver)
    assert (got["is_active"], got["consecutive_failures"]) == (False, 3)


@pytest.mark.labelhook(async_delivery=True)
def test_marker_async_delivery(labelhook_server, labelhook_receiver):
    ls, rx = labelhook_server, labelhook_receiver
    assert ls.process.ready["async_delivery"] == "true"
    p = new_project(ls)
    hook(ls, rx, p["id"])
    ls.api("POST", f"/api/projects/{p['id']}/import", json=[{"text": "a"}])
    [event] = rx.wait_for("TASKS_CREATED")
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


def imported_task_and_user_agent(ls, rx):
    p = new_project(ls)
    hook(ls, rx, p["id"])
    ls.api("POST", f"/api/projects/{p['id']}/import", json=[{"text": "a"}])
    [event] = rx.wait_for("TASKS_CREATED")
    return event["body"]["tasks"][0], event["headers"]["User-Agent"]


@pytest.mark.labelhook(label_studio_version="1.20.0")
def test_marker_label_studio_version(labelhook_server, labelhook_receiver):
    ls = labelhook_server
    assert ls.api("GET", "/api/version")["release"] == "1.20.0"
    task, user_agent = imported_task_and_user_agent(ls, labelhook_receiver)
    assert "allow_skip" not in task, "1.20.0's task payload has no allow_skip"
    assert user_agent == ["python-requests/2.32.5"]


def test_label_studio_version_is_left_out_unless_given(labelhook_server, labelhook_receiver):
    ls = labelhook_server
    assert not any("label-studio-version" in a for a in ls.process.args)
    assert ls.api("GET", "/api/version")["release"] == "1.23.2"
    task, user_agent = imported_task_and_user_agent(ls, labelhook_receiver)
    assert task["allow_skip"] is True
    assert user_agent == ["python-requests/2.34.2"]
