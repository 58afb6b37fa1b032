"""The quick start of the README and docs/python.md, as it is printed there."""

import inspect
from pathlib import Path


def test_import_sends_tasks_created(labelhook_server, labelhook_receiver):
    project = labelhook_server.api("POST", "/api/projects", json={"title": "Reviews"})
    webhook = {"url": labelhook_receiver.url + "/hook", "project": project["id"]}
    labelhook_server.api("POST", "/api/webhooks", json=webhook)
    labelhook_server.api("POST", f"/api/projects/{project['id']}/import", json=[{"text": "great phone"}])
    [event] = labelhook_receiver.wait_for("TASKS_CREATED")
    assert event["body"]["tasks"][0]["data"] == {"text": "great phone"}


def test_the_docs_print_this_test_as_it_is():
    source = inspect.getsource(test_import_sends_tasks_created)
    root = Path(__file__).resolve().parents[2]
    for doc in ("README.md", "python/README.md", "docs/python.md"):
        assert source in (root / doc).read_text(), f"{doc} does not show {__file__}'s test as it is"
