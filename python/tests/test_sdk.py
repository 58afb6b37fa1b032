"""End to end with the official Label Studio SDK 2.x (label-studio-sdk, pinned
in requirements-test.txt): every call goes through the SDK's generated client,
and the webhooks it causes are asserted at the receiver.

A call the SDK makes that the mock answers wrongly is a mock bug; mark a
known one as a strict xfail naming the request and the answer, so it turns
red (XPASS) once the mock is fixed.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse

import httpx
import pytest
from label_studio_sdk import AsyncLabelStudio, LabelStudio
from label_studio_sdk.core.api_error import ApiError as SDKApiError

# The SDK itself calls a pydantic method deprecated in pydantic 2 (token refresh).
pytestmark = pytest.mark.filterwarnings("ignore:The `parse_obj` method is deprecated")

CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices></View>'
)


def choice(value: str) -> list[dict]:
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [value]}}]


class Traffic:
    """Every request the SDK sent and the answer, for assertions and failure
    messages."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str, int]] = []
        self.client = httpx.Client(timeout=30, event_hooks={"response": [self._record]}, trust_env=False)

    def _record(self, resp: httpx.Response) -> None:
        resp.read()
        self.log.append((resp.request.method, str(resp.request.url), resp.status_code))

    def pages(self, path: str) -> list[str]:
        """The page numbers requested from path, in order."""
        out = []
        for _, url, _ in self.log:
            u = urllib.parse.urlsplit(url)
            if u.path == path:
                out += urllib.parse.parse_qs(u.query).get("page", [])
        return out


@pytest.fixture
def traffic():
    t = Traffic()
    yield t
    t.client.close()


@pytest.fixture
def sdk(labelhook_server, traffic) -> LabelStudio:
    return LabelStudio(
        base_url=labelhook_server.url, api_key=labelhook_server.token, httpx_client=traffic.client
    )


@pytest.fixture
def rx(labelhook_receiver):
    """The receiver; after the test, every webhook it got must meet the
    event contract."""
    yield labelhook_receiver
    invalid = labelhook_receiver.events(valid=False)
    assert not invalid, f"webhooks that break the contract: {invalid}"


@pytest.fixture
def project(sdk):
    return sdk.projects.create(title="Reviews", label_config=CONFIG)


@pytest.fixture
def project_hook(sdk, rx, project):
    """A webhook of the project for every action, with a shared-secret header."""
    return sdk.webhooks.create(
        url=rx.url + "/hook", project=project.id, send_for_all_actions=True, headers={"X-Secret": "s3cret"}
    )


@pytest.fixture
def org_hook(sdk, rx):
    """An organization webhook for every action, with a shared-secret header
    (needs @pytest.mark.labelhook(organization_webhooks=True): Label Studio
    Enterprise has them, open-source 1.23.2 answers 404)."""
    return sdk.webhooks.create(url=rx.url + "/org", send_for_all_actions=True, headers={"X-Secret": "s3cret"})


@pytest.mark.labelhook(organization_webhooks=True)
def test_projects(sdk, rx, org_hook):
    p = sdk.projects.create(title="Reviews", label_config=CONFIG, description="product reviews")
    [created] = rx.wait_for("PROJECT_CREATED")
    assert created["body"]["project"]["id"] == p.id
    assert created["body"]["project"]["title"] == "Reviews"
    assert created["headers"]["X-Secret"] == ["s3cret"]

    assert sdk.projects.get(p.id).description == "product reviews"
    sdk.projects.update(p.id, title="Reviews v2")
    [updated] = rx.wait_for("PROJECT_UPDATED")
    assert updated["body"]["project"]["title"] == "Reviews v2"
    assert [x.id for x in sdk.projects.list()] == [p.id]

    sdk.projects.delete(p.id)
    [deleted] = rx.wait_for("PROJECT_DELETED")
    assert deleted["body"]["project"]["id"] == p.id


@pytest.mark.labelhook(webhook_batch_size=10)
def test_import_and_the_task_pager(sdk, rx, project_hook, project, traffic):
    res = sdk.projects.import_tasks(
        project.id, request=[{"text": f"review {i}"} for i in range(25)], return_task_ids=True
    )
    assert res.task_count == 25
    assert len(res.task_ids) == 25
    chunks = rx.wait_for("TASKS_CREATED", count=3)
    assert [len(c["body"]["tasks"]) for c in chunks] == [10, 10, 5]
    assert [t["id"] for c in chunks for t in c["body"]["tasks"]] == res.task_ids

    # The SDK's pager walks the Data Manager list page by page, until the
    # 404 "Invalid page." that Label Studio answers past the end (the SDK's
    # item iterator expects it; its iter_pages() does not, in 2.1.2).
    got = [t.id for t in sdk.tasks.list(project=project.id, page_size=10)]
    assert got == res.task_ids
    assert traffic.pages("/api/tasks/") == ["1", "2", "3", "4"]
    assert traffic.log[-1][2] == 404
    assert sdk.tasks.get(str(res.task_ids[0])).data == {"text": "review 0"}


def test_tasks(sdk, rx, project_hook, project):
    task = sdk.tasks.create(project=project.id, data={"text": "one"})
    [created] = rx.wait_for("TASKS_CREATED")
    assert [t["id"] for t in created["body"]["tasks"]] == [task.id]
    sdk.tasks.update(str(task.id), data={"text": "one, fixed"})
    assert sdk.tasks.get(str(task.id)).data == {"text": "one, fixed"}

    sdk.tasks.delete(str(task.id))
    [deleted] = rx.wait_for("TASKS_DELETED")
    assert deleted["body"]["tasks"] == [{"id": task.id}]

    res = sdk.projects.import_tasks(
        project.id, request=[{"text": "a"}, {"text": "b"}, {"text": "c"}], return_task_ids=True
    )
    a, _, _ = res.task_ids
    sdk.actions.create(id="delete_tasks", project=project.id, selected_items={"all": False, "included": [a]})
    by_action = rx.wait_for("TASKS_DELETED", count=2)[1]
    assert by_action["body"]["tasks"] == [{"id": a}]
    sdk.tasks.delete_all_tasks(project.id)
    assert [t.id for t in sdk.tasks.list(project=project.id)] == []
    # Label Studio 1.23.2 sends a project webhook nothing when every task of
    # the project is deleted at once (only organization webhooks hear of it).
    assert len(rx.events("TASKS_DELETED")) == 2


def test_annotations(sdk, rx, project_hook, project):
    res = sdk.projects.import_tasks(
        project.id, request=[{"text": "great"}, {"text": "meh"}], return_task_ids=True
    )
    t1, t2 = res.task_ids

    ann = sdk.annotations.create(t1, result=choice("pos"), lead_time=1.5)
    [created] = rx.wait_for("ANNOTATION_CREATED")
    body = created["body"]
    assert body["annotation"]["id"] == ann.id
    assert body["annotation"]["result"] == choice("pos")
    assert body["task"]["id"] == t1
    assert body["project"]["id"] == project.id
    assert [a.id for a in sdk.annotations.list(t1)] == [ann.id]
    assert sdk.annotations.get(ann.id).result == choice("pos")

    sdk.annotations.update(ann.id, result=choice("neg"))
    [updated] = rx.wait_for("ANNOTATION_UPDATED")
    assert updated["body"]["annotation"]["result"] == choice("neg")

    skip = sdk.annotations.create(t2, result=[], was_cancelled=True)
    skipped = rx.wait_for("ANNOTATION_CREATED", count=2)[1]
    assert skipped["body"]["annotation"]["id"] == skip.id
    assert skipped["body"]["annotation"]["was_cancelled"] is True

    sdk.annotations.delete(ann.id)
    [deleted] = rx.wait_for("ANNOTATIONS_DELETED")
    assert deleted["body"]["annotations"] == [{"id": ann.id}]
    assert sdk.tasks.get(str(t1)).total_annotations == 0


def test_predictions_send_no_webhook(sdk, rx, project_hook, project, labelhook_server):
    [t1] = sdk.projects.import_tasks(project.id, request=[{"text": "great"}], return_task_ids=True).task_ids
    before = len(rx.events())

    pred = sdk.predictions.create(task=t1, result=choice("pos"), score=0.9, model_version="sentiment-v1")
    assert [p.id for p in sdk.predictions.list(task=t1)] == [pred.id]
    assert sdk.predictions.get(pred.id).model_version == "sentiment-v1"
    assert sdk.predictions.update(pred.id, score=0.5).score == 0.5
    imported = sdk.projects.import_predictions(
        project.id,
        request=[{"task": t1, "result": choice("neg"), "score": 0.2, "model_version": "sentiment-v2"}],
    )
    assert imported.created == 1
    assert sdk.tasks.get(str(t1)).total_predictions == 2
    sdk.predictions.delete(pred.id)
    assert sdk.tasks.get(str(t1)).total_predictions == 1

    # Delivery is synchronous: had any call sent a webhook, it would be here.
    assert len(rx.events()) == before
    assert len(labelhook_server.deliveries()) == before


def test_export(sdk, project):
    t1, t2, _ = sdk.projects.import_tasks(
        project.id, request=[{"text": "a"}, {"text": "b"}, {"text": "c"}], return_task_ids=True
    ).task_ids
    sdk.annotations.create(t1, result=choice("pos"))
    sdk.annotations.create(t2, result=choice("neg"))

    def export(**kw):
        return json.loads(b"".join(sdk.projects.exports.download_sync(project.id, export_type="JSON", **kw)))

    annotated = export()
    assert sorted(t["id"] for t in annotated) == [t1, t2]
    assert {t["id"]: t["annotations"][0]["result"] for t in annotated} == {
        t1: choice("pos"),
        t2: choice("neg"),
    }
    assert len(export(download_all_tasks=True)) == 3
    # The SDK's helper picks the synchronous export for Community editions.
    assert len(sdk.projects.exports.as_json(project.id)) == 3


def test_webhooks_crud(sdk, rx, project, labelhook_server):
    wh = sdk.webhooks.create(
        url=rx.url + "/v1",
        project=project.id,
        send_for_all_actions=False,
        actions=["ANNOTATION_CREATED"],
        headers={"X-Secret": "s3cret"},
    )
    assert [w.id for w in sdk.webhooks.list(project=str(project.id))] == [wh.id]
    assert sdk.webhooks.get(wh.id).actions == ["ANNOTATION_CREATED"]
    assert "ANNOTATION_CREATED" in sdk.webhooks.info().model_dump(by_alias=True)

    [t1] = sdk.projects.import_tasks(project.id, request=[{"text": "a"}], return_task_ids=True).task_ids
    assert rx.events() == [], "TASKS_CREATED is not among the webhook's actions"
    ann = sdk.annotations.create(t1, result=choice("pos"))
    [first] = rx.wait_for("ANNOTATION_CREATED", path="/v1")
    assert first["headers"]["X-Secret"] == ["s3cret"]

    updated = sdk.webhooks.update(
        wh.id, url=rx.url + "/v2", actions=["ANNOTATION_CREATED", "ANNOTATIONS_DELETED"]
    )
    assert updated.url == rx.url + "/v2"
    sdk.annotations.delete(ann.id)
    [deleted] = rx.wait_for("ANNOTATIONS_DELETED", path="/v2")
    assert deleted["body"]["annotations"] == [{"id": ann.id}]

    sdk.webhooks.update(wh.id, is_active=False, actions=["ANNOTATION_CREATED"])
    sdk.annotations.create(t1, result=choice("neg"))
    assert len(labelhook_server.deliveries(webhook=wh.id)) == 2, "an inactive webhook gets nothing"

    sdk.webhooks.delete(wh.id)
    assert sdk.webhooks.list() == []
    with pytest.raises(SDKApiError) as e:
        sdk.webhooks.get(wh.id)
    assert e.value.status_code == 404


def test_personal_access_token(labelhook_server, traffic):
    client = LabelStudio(
        base_url=labelhook_server.url,
        api_key=labelhook_server.personal_access_token,
        httpx_client=traffic.client,
    )
    assert client.users.whoami().id == 1
    assert traffic.log[0][:1] == ("POST",)
    assert traffic.log[0][1].endswith("/api/token/refresh/")


def test_async_client_pager(labelhook_server, sdk, project):
    ids = sdk.projects.import_tasks(
        project.id, request=[{"text": str(i)} for i in range(7)], return_task_ids=True
    ).task_ids

    async def collect():
        client = AsyncLabelStudio(base_url=labelhook_server.url, api_key=labelhook_server.token)
        pager = await client.tasks.list(project=project.id, page_size=3)
        return [t.id async for t in pager]

    assert asyncio.run(collect()) == ids


# SDK 2.x calls that Label Studio 1.23.2 does not answer either (the SDK
# follows a newer API): the mock answers 404 as 1.23.2 does
# (conformance/labelstudio/FINDINGS.md, section 1: /api/current-user and
# /api/annotations/bulk do not exist there).


def test_current_user_is_404_as_in_label_studio(sdk):
    with pytest.raises(SDKApiError) as e:
        sdk.users.get_current_user()
    assert e.value.status_code == 404
    assert sdk.users.whoami().id == 1, "the route 1.23.2 has"


def test_annotations_create_bulk_is_404_as_in_label_studio(sdk, rx, project, labelhook_server):
    ids = sdk.projects.import_tasks(
        project.id, request=[{"text": "a"}, {"text": "b"}], return_task_ids=True
    ).task_ids
    sdk.webhooks.create(url=rx.url + "/bulk", project=project.id)
    with pytest.raises(SDKApiError) as e:
        sdk.annotations.create_bulk(tasks=ids, project=project.id, result=choice("pos"))
    assert e.value.status_code == 404
    assert labelhook_server.deliveries() == [], "nothing was annotated"


def test_validate_label_config(sdk, project):
    sdk.projects.validate_label_config(project.id, label_config=CONFIG)
    with pytest.raises(SDKApiError) as err:
        sdk.projects.validate_label_config(project.id, label_config="<View")
    assert err.value.status_code == 400


def test_export_formats(sdk, project):
    formats = str(sdk.projects.exports.list_formats(project.id))
    assert all(name in formats for name in ("'JSON'", "'JSON_MIN'", "'CSV'", "'TSV'"))


def test_export_snapshot(sdk, rx, project, labelhook_server):
    [t1, _] = sdk.projects.import_tasks(
        project.id, request=[{"text": "a"}, {"text": "b"}], return_task_ids=True
    ).task_ids
    sdk.annotations.create(t1, result=choice("pos"))
    before = len(labelhook_server.deliveries())
    snap = sdk.projects.exports.create(project.id, title="snapshot")
    assert snap.status == "completed"
    assert [e.id for e in sdk.projects.exports.list(project.id)] == [snap.id]
    assert sdk.projects.exports.get(project.id, snap.id).title == "snapshot"
    tasks = json.loads(b"".join(sdk.projects.exports.download(project.id, snap.id)))
    assert [t["id"] for t in tasks] == [t1, t1 + 1]
    assert tasks[0]["annotations"][0]["result"] == choice("pos")
    csv = b"".join(sdk.projects.exports.download(project.id, snap.id, export_type="CSV"))
    rows = csv.decode().splitlines()
    assert rows[0].startswith('"annotation_id","annotator"')
    assert len(rows) == 3
    sdk.projects.exports.delete(project.id, snap.id)
    assert sdk.projects.exports.list(project.id) == []
    assert len(labelhook_server.deliveries()) == before  # exports send no webhook


def test_legacy_sdk_imports_a_file(labelhook_server, rx, tmp_path):
    """The legacy SDK's project.import_tasks("tasks.csv") uploads the file."""
    from label_studio_sdk._legacy import Client

    ls = Client(url=labelhook_server.url, api_key=labelhook_server.token)
    project = ls.start_project(title="Legacy upload", label_config=CONFIG)
    ls.make_request("POST", "/api/webhooks/", json={"url": rx.url + "/legacy", "project": project.id})
    path = tmp_path / "tasks.csv"
    path.write_text('text\nfirst\n"second, quoted"\n')
    ids = project.import_tasks(str(path))
    assert len(ids) == 2
    [event] = rx.wait_for("TASKS_CREATED", count=1)
    tasks = event["body"]["tasks"]
    assert [t["data"]["text"] for t in tasks] == ["first", "second, quoted"]
    assert tasks[0]["file_upload"] is not None


def test_project_counts(sdk, project):
    """projects.list_counts answers a page of every project's id and counters."""
    page = sdk.projects.list_counts()
    assert page.count == 1
    assert [c.id for c in page.results] == [project.id]
    assert page.results[0].task_number == 0
    assert page.results[0].total_annotations_number == 0
