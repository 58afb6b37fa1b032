"""The quick start of the README and docs/python.md, as it is printed there."""


def test_import_sends_tasks_created(labelhook_server, labelhook_receiver):
    labelhook_server.api("POST", "/api/webhooks", json={"url": labelhook_receiver.url + "/hook"})
    project = labelhook_server.api("POST", "/api/projects", json={"title": "Reviews"})
    labelhook_server.api("POST", f"/api/projects/{project['id']}/import", json=[{"text": "great phone"}])
    [event] = labelhook_receiver.wait_for("TASKS_CREATED")
    assert event["body"]["tasks"][0]["data"] == {"text": "great phone"}
