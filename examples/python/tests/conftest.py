"""Fixtures of the example: the pipeline on a free port, the official SDK
pointed at the labelhook mock, and a project whose webhook reaches the
pipeline with the shared secret."""

from __future__ import annotations

import queue
import sys
from pathlib import Path

import pytest
from label_studio_sdk import LabelStudio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # import labelpipe from the example folder

from labelpipe import LabelCache, WebhookConsumer, serve
from labelpipe.wsgi import PATH
from pipeline_support import CONFIG, RETRAIN_EVERY, SECRET


class Pipeline:
    def __init__(self, retrain_every: int):
        self.jobs: queue.Queue = queue.Queue()
        self.cache = LabelCache()
        self.consumer = WebhookConsumer(SECRET, retrain_every, self.jobs, self.cache)
        self.server, base = serve(self.consumer)
        self.url = base + PATH

    def queued(self) -> list:
        """The retraining jobs queued so far (and takes them off the queue)."""
        out = []
        while not self.jobs.empty():
            out.append(self.jobs.get_nowait())
        return out

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def pipeline():
    p = Pipeline(RETRAIN_EVERY)
    yield p
    p.close()


@pytest.fixture
def ls(labelhook_server) -> LabelStudio:
    """The official SDK, talking to the labelhook mock."""
    return LabelStudio(base_url=labelhook_server.url, api_key=labelhook_server.token)


@pytest.fixture
def project(ls, pipeline):
    """A project whose webhook sends the annotation and delete events to the
    pipeline, with the secret header, as the team configures it in Label Studio."""
    p = ls.projects.create(title="Product reviews", label_config=CONFIG)
    ls.webhooks.create(
        url=pipeline.url,
        project=p.id,
        send_for_all_actions=False,
        actions=["ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATIONS_DELETED", "TASKS_DELETED"],
        headers={"X-Webhook-Secret": SECRET},
    )
    return p
