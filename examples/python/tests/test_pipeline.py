"""The pipeline against the labelhook mock, driven with the official SDK.

Label Studio delivers webhooks inside the API call (no Redis), and so does
labelhook by default: when an SDK call returns, the pipeline has handled
its webhooks, so the tests assert right after each call.
"""

from __future__ import annotations

import json
import queue

import labelhook
import pytest

from labelpipe import LabelCache, RetrainJob, WebhookConsumer
from pipeline_support import CONFIG, SECRET, choice


def import_tasks(ls, project, n):
    texts = [{"text": f"review {i}"} for i in range(n)]
    return ls.projects.import_tasks(project.id, request=texts, return_task_ids=True).task_ids


def test_retrains_after_every_third_annotation(ls, project, pipeline):
    t1, t2, t3, t4 = import_tasks(ls, project, 4)
    a1 = ls.annotations.create(t1, result=choice("pos"))
    a2 = ls.annotations.create(t2, result=choice("neg"))
    ls.annotations.create(t3, result=[], was_cancelled=True)  # a skip: not training data
    assert pipeline.queued() == []
    a3 = ls.annotations.create(t4, result=choice("pos"))
    assert pipeline.queued() == [RetrainJob(project.id, (a1.id, a2.id, a3.id))]
    assert pipeline.cache.labels == {t1: ["pos"], t2: ["neg"], t4: ["pos"]}


def test_updates_refresh_and_deletes_invalidate_the_cache(ls, project, pipeline):
    t1, t2 = import_tasks(ls, project, 2)
    a1 = ls.annotations.create(t1, result=choice("pos"))
    ls.annotations.create(t2, result=choice("pos"))
    ls.annotations.update(a1.id, result=choice("neg"))
    assert pipeline.cache.labels[t1] == ["neg"]

    ls.annotations.delete(a1.id)
    assert t1 not in pipeline.cache.labels
    assert len(pipeline.consumer.pending(project.id)) == 1, "a deleted annotation is not trained on"

    ls.tasks.delete(str(t2))
    assert pipeline.cache.labels == {}
    assert pipeline.consumer.pending(project.id) == []


def test_a_wrong_secret_is_refused_and_nothing_in_label_studio_says_so(ls, labelhook_server, pipeline):
    p = ls.projects.create(title="Misconfigured", label_config=CONFIG)
    hook = ls.webhooks.create(url=pipeline.url, project=p.id, headers={"X-Webhook-Secret": "wrong"})
    [t1] = import_tasks(ls, p, 1)
    ls.annotations.create(t1, result=choice("pos"))

    assert pipeline.cache.labels == {}
    failed = labelhook_server.deliveries(webhook=hook.id, outcome="failed")
    assert [(d["action"], d["status"]) for d in failed] == [
        ("TASKS_CREATED", 401),
        ("ANNOTATION_CREATED", 401),
    ]
    # Label Studio 1.23.2 only logs a failed delivery: the webhook stays
    # active and counts nothing, so the pipeline's own 401s are the alarm.
    webhook = ls.webhooks.get(hook.id)
    assert (webhook.is_active, webhook.consecutive_failures) == (True, None)


@pytest.mark.labelhook(fault_duplicate=1.0)
def test_a_webhook_delivered_twice_counts_once(ls, project, pipeline, labelhook_server):
    t1, t2, t3 = import_tasks(ls, project, 3)
    ids = [ls.annotations.create(t, result=choice("pos")).id for t in (t1, t2, t3)]
    created = labelhook_server.deliveries(action="ANNOTATION_CREATED")
    assert len(created) == 6, "labelhook sent every delivery twice"
    assert pipeline.queued() == [RetrainJob(project.id, tuple(ids))]


def test_every_webhook_meets_the_contract_on_its_way(ls, labelhook_binary, pipeline):
    # labelhook receive in front of the pipeline: it validates each webhook
    # against Label Studio's event schemas, relays it, and records both.
    with labelhook.Receiver(binary=labelhook_binary, forward_to=pipeline.url, reject_invalid=True) as gate:
        p = ls.projects.create(title="Gated", label_config=CONFIG)
        ls.webhooks.create(url=gate.url + "/label-studio", project=p.id, headers={"X-Webhook-Secret": SECRET})
        [t1] = import_tasks(ls, p, 1)
        a1 = ls.annotations.create(t1, result=choice("neg"))
        ls.annotations.delete(a1.id)
        records = gate.wait_for(count=3)
    assert [(r["action"], r["valid"], r["forward_status"]) for r in records] == [
        ("TASKS_CREATED", True, 200),
        ("ANNOTATION_CREATED", True, 200),
        ("ANNOTATIONS_DELETED", True, 200),
    ]
    assert pipeline.cache.labels == {}


@pytest.mark.parametrize(
    ("name", "headers", "body", "want_status"),
    [
        ("no secret", {}, {"action": "PROJECT_CREATED"}, 401),
        ("secret in another case", {"X-WEBHOOK-SECRET": SECRET}, {"action": "PROJECT_CREATED"}, 200),
        ("not JSON", {"x-webhook-secret": SECRET}, b"{", 400),
        ("no action", {"x-webhook-secret": SECRET}, {"project": {"id": 1}}, 400),
        ("an action it does not use", {"x-webhook-secret": SECRET}, {"action": "PROJECT_UPDATED"}, 200),
    ],
)
def test_consumer_answers(name, headers, body, want_status):
    consumer = WebhookConsumer(SECRET, 2, queue.Queue(), LabelCache())
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, answer = consumer.handle(headers, raw)
    assert status == want_status, f"{name}: {answer}"
