"""The webhook logic, free of any web framework."""

from __future__ import annotations

import hmac
import json
import queue
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SECRET_HEADER = "x-webhook-secret"


@dataclass(frozen=True)
class RetrainJob:
    """Retrain the project's model on these new annotations."""

    project_id: int
    annotation_ids: tuple[int, ...]


@dataclass
class LabelCache:
    """The latest labels of each task (Redis in production)."""

    labels: dict[int, list[str]] = field(default_factory=dict)

    def put(self, task_id: int, labels: list[str]) -> None:
        self.labels[task_id] = labels

    def invalidate(self, task_id: int) -> None:
        self.labels.pop(task_id, None)


def labels_of(annotation: Mapping[str, Any]) -> list[str]:
    """The choice and label values of an annotation's result."""
    out: list[str] = []
    for region in annotation.get("result") or []:
        value = region.get("value") or {}
        for key in ("choices", "labels", "rectanglelabels", "polygonlabels"):
            out += value.get(key) or []
    return out


class WebhookConsumer:
    """Handles one Label Studio webhook at a time (thread-safe).

    ``handle`` returns (HTTP status, JSON answer). Label Studio counts a
    non-2xx answer as a failed delivery, so only a wrong secret (401) and a
    body that is not a webhook (400) get one.
    """

    def __init__(self, secret: str, retrain_every: int, jobs: queue.Queue, cache: LabelCache):
        if retrain_every < 1:
            raise ValueError("retrain_every must be at least 1")
        self.secret = secret
        self.retrain_every = retrain_every
        self.jobs = jobs
        self.cache = cache
        self._lock = threading.Lock()
        self._pending: dict[int, list[int]] = {}  # project -> annotation ids since the last job
        self._task_of: dict[int, int] = {}  # annotation -> task (delete events carry only ids)
        self._project_of: dict[int, int] = {}  # task -> project
        self._handlers = {
            "ANNOTATION_CREATED": self._annotation_created,
            "ANNOTATION_UPDATED": self._annotation_updated,
            "ANNOTATIONS_DELETED": self._annotations_deleted,
            "TASKS_DELETED": self._tasks_deleted,
            "PROJECT_DELETED": self._project_deleted,
        }

    def handle(self, headers: Mapping[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        given = {k.lower(): v for k, v in headers.items()}.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return 401, {"error": "bad or missing webhook secret"}
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, {"error": "body is not JSON"}
        if not isinstance(body, dict) or not isinstance(body.get("action"), str):
            return 400, {"error": "body has no action"}
        handler = self._handlers.get(body["action"])
        if handler is None:
            return 200, {"ignored": body["action"]}
        with self._lock:
            return 200, handler(body)

    def pending(self, project_id: int) -> list[int]:
        """Annotations not yet in a retraining job."""
        with self._lock:
            return list(self._pending.get(project_id, []))

    def _annotation_created(self, body: dict) -> dict:
        ann, task = body["annotation"], body["task"]
        if ann.get("was_cancelled"):
            return {"skipped": ann["id"]}  # a skipped task teaches the model nothing
        if ann["id"] in self._task_of:
            return {"duplicate": ann["id"]}  # delivered twice: count it once
        project = body["project"]["id"]
        self._task_of[ann["id"]] = task["id"]
        self._project_of[task["id"]] = project
        self.cache.put(task["id"], labels_of(ann))
        pending = self._pending.setdefault(project, [])
        pending.append(ann["id"])
        if len(pending) >= self.retrain_every:
            self.jobs.put(RetrainJob(project, tuple(pending)))
            self._pending[project] = []
            return {"queued_retraining": project}
        return {"pending": len(pending)}

    def _annotation_updated(self, body: dict) -> dict:
        ann, task = body["annotation"], body["task"]
        self._task_of[ann["id"]] = task["id"]
        self.cache.put(task["id"], labels_of(ann))
        return {"refreshed": task["id"]}

    def _annotations_deleted(self, body: dict) -> dict:
        gone = {a["id"] for a in body["annotations"]}
        for ann_id in gone:
            task_id = self._task_of.pop(ann_id, None)
            if task_id is not None:
                self.cache.invalidate(task_id)
        for project, pending in self._pending.items():
            self._pending[project] = [a for a in pending if a not in gone]
        return {"invalidated": sorted(gone)}

    def _tasks_deleted(self, body: dict) -> dict:
        gone = {t["id"] for t in body["tasks"]}
        for task_id in gone:
            self.cache.invalidate(task_id)
            self._project_of.pop(task_id, None)
        dropped = {a for a, t in self._task_of.items() if t in gone}
        for ann_id in dropped:
            del self._task_of[ann_id]
        for project, pending in self._pending.items():
            self._pending[project] = [a for a in pending if a not in dropped]
        return {"invalidated_tasks": sorted(gone)}

    def _project_deleted(self, body: dict) -> dict:
        project = body["project"]["id"]
        self._pending.pop(project, None)
        for task_id in [t for t, p in self._project_of.items() if p == project]:
            self.cache.invalidate(task_id)
            del self._project_of[task_id]
        return {"forgot_project": project}
