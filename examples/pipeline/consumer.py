"""A small ML pipeline that consumes Label Studio webhooks.

It keeps the tasks Label Studio tells it about as training samples,
forgets them when they are deleted, counts submitted annotations per
project and queues a retraining job every RETRAIN_EVERY of them. It
answers every webhook at once and does the work on a background thread,
because Label Studio waits for the answer inside the annotator's save
request.

What it copes with, as Label Studio really sends it:

- ``{"action": ...}`` alone (a webhook with send_payload off): answered 200,
  nothing to do without a payload;
- TASKS_DELETED without ``project`` ("delete all tasks"): the ids are dropped
  from every project;
- a skip: ANNOTATION_CREATED with ``was_cancelled: true``, not counted;
- ANNOTATIONS_CREATED, whose singular ``annotation`` key holds a list;
- the same event twice: annotations are counted once per id;
- actions it does not handle and fields it does not know: ignored;
- a body that is not JSON: 400.

Its own API, for tests and dashboards: ``GET /jobs[?project=N]``,
``GET /samples?project=N``, ``GET /health`` and ``POST /reset`` (forget
everything; scenario files start with it).

Run it: ``python consumer.py --port 8000`` (``--port 0`` picks a free port and
prints the webhook URL on the first line).
"""

from __future__ import annotations

import argparse
import json
import logging
import queue
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

log = logging.getLogger("pipeline")

MAX_BODY = 64 << 20


@dataclass
class Job:
    id: int
    project: int
    annotations: int
    status: str = "queued"


@dataclass
class Pipeline:
    """The pipeline's state and how each webhook changes it."""

    retrain_every: int = 3
    samples: dict[int, dict[int, dict[str, Any]]] = field(default_factory=dict)
    counted: dict[int, set[int]] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def apply(self, event: dict[str, Any]) -> None:
        """Apply one webhook body (already checked to be a JSON object)."""
        action = event.get("action")
        handler = getattr(self, f"_on_{str(action).lower()}", None)
        if handler is None:
            log.info("ignored %s", action)
            return
        if len(event) == 1:
            # send_payload off: only the action. A pipeline that needs the
            # data would fetch it from Label Studio's API here.
            log.info("%s without payload", action)
            return
        with self.lock:
            handler(event)

    @staticmethod
    def _project_id(event: dict[str, Any]) -> int | None:
        project = event.get("project")
        if isinstance(project, dict) and isinstance(project.get("id"), int):
            return project["id"]
        return None

    def _on_tasks_created(self, event: dict[str, Any]) -> None:
        project = self._project_id(event)
        if project is None:
            return
        cache = self.samples.setdefault(project, {})
        for task in event.get("tasks") or []:
            cache[task["id"]] = task.get("data", {})

    def _on_tasks_deleted(self, event: dict[str, Any]) -> None:
        ids = {task["id"] for task in event.get("tasks") or []}
        project = self._project_id(event)
        # "Delete all tasks" sends no project: look in every project.
        projects = [project] if project is not None else list(self.samples)
        for p in projects:
            for task_id in ids:
                self.samples.get(p, {}).pop(task_id, None)

    def _on_annotation_created(self, event: dict[str, Any]) -> None:
        self._count(self._project_id(event), [event.get("annotation") or {}])

    _on_annotation_updated = _on_annotation_created

    def _on_annotations_created(self, event: dict[str, Any]) -> None:
        # The key is singular and holds a list (bulk actions).
        annotations = event.get("annotation") or []
        if isinstance(annotations, dict):
            annotations = [annotations]
        self._count(self._project_id(event), annotations)

    def _count(self, project: int | None, annotations: list[dict[str, Any]]) -> None:
        for ann in annotations:
            if project is None:
                project = ann.get("project")
            if project is None or ann.get("was_cancelled") or not isinstance(ann.get("id"), int):
                continue  # a skip is not a label
            seen = self.counted.setdefault(project, set())
            if ann["id"] in seen:
                continue  # the same annotation again: an update, or a repeat
            seen.add(ann["id"])
            if len(seen) % self.retrain_every == 0:
                job = Job(id=len(self.jobs) + 1, project=project, annotations=len(seen))
                self.jobs.append(job)
                log.info("queued retraining job %d for project %d", job.id, project)

    def reset(self) -> None:
        with self.lock:
            self.samples.clear()
            self.counted.clear()
            self.jobs.clear()

    def view_jobs(self, project: int | None) -> list[dict[str, Any]]:
        with self.lock:
            return [vars(j) for j in self.jobs if project is None or j.project == project]

    def view_samples(self, project: int) -> list[int]:
        with self.lock:
            return sorted(self.samples.get(project, {}))


class Worker:
    """Applies webhooks in the order they arrived, off the request thread."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="pipeline-worker", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (event := self.queue.get()) is not None:
            try:
                self.pipeline.apply(event)
            except Exception:  # one bad event must not stop the pipeline
                log.exception("event %s failed", event.get("action"))
            finally:
                self.queue.task_done()

    def stop(self) -> None:
        self.queue.put(None)
        self.thread.join(timeout=5)


def make_handler(pipeline: Pipeline, worker: Worker) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as Label Studio's client uses
        # Headers and body are two writes: without this, Nagle's algorithm
        # and the sender's delayed ACK add 40 ms to every answer.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            log.debug(format, *args)

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            url = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.close_connection = True
                self._send(413, {"error": "body too large"})
                return
            raw = self.rfile.read(length)
            if url.path == "/reset":
                worker.queue.join()
                pipeline.reset()
                self._send(200, {"reset": True})
                return
            if url.path != "/webhook":
                self._send(404, {"error": f"no route POST {url.path}"})
                return
            try:
                event = json.loads(raw)
            except ValueError:
                self._send(400, {"error": "body is not JSON"})
                return
            if not isinstance(event, dict) or not isinstance(event.get("action"), str):
                self._send(400, {"error": "want a JSON object with an action"})
                return
            worker.queue.put(event)  # the work happens after the answer
            self._send(200, {"queued": True})

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = parse_qs(url.query)
            try:
                project = int(query["project"][0]) if "project" in query else None
            except ValueError:
                self._send(400, {"error": "project: want a number"})
                return
            if url.path == "/health":
                self._send(200, {"status": "ok"})
            elif url.path == "/jobs":
                self._send(200, {"jobs": pipeline.view_jobs(project)})
            elif url.path == "/samples" and project is not None:
                self._send(200, {"project": project, "task_ids": pipeline.view_samples(project)})
            else:
                self._send(404, {"error": f"no route GET {url.path}"})

    return Handler


def serve(host: str, port: int, retrain_every: int) -> tuple[ThreadingHTTPServer, Worker]:
    pipeline = Pipeline(retrain_every=retrain_every)
    worker = Worker(pipeline)
    server = ThreadingHTTPServer((host, port), make_handler(pipeline, worker))
    server.daemon_threads = True
    return server, worker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--retrain-every", type=int, default=3, help="annotations per retraining job")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(name)s %(message)s")
    server, worker = serve(args.host, args.port, args.retrain_every)
    host, port = server.server_address[:2]
    print(f"listening on http://{host}:{port}/webhook", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        worker.stop()


if __name__ == "__main__":
    main()
