package server

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/labelhook/labelhook/schemas"
)

func labelBody(project int, titles ...string) []map[string]any {
	var out []map[string]any
	for _, t := range titles {
		out = append(out, map[string]any{"project": project, "from_name": "sentiment", "title": t, "value": map[string]any{"choices": []string{t}}})
	}
	return out
}

// TestLabelLinkEvents: creating labels sends nothing to a webhook that does
// not want LABEL_LINK_CREATED; PATCH, PUT and DELETE of a link send one
// LABEL_LINK_UPDATED / LABEL_LINK_DELETED each, with Label Studio's keys
// (docs/label-studio-behaviour.md#label-links).
func TestLabelLinkEvents(t *testing.T) {
	h := newHookReceiver(t)
	e := newAPI(t, Config{})
	pid := e.project("Links")
	e.hookOn(pid, h.URL, map[string]any{"send_for_all_actions": false,
		"actions": []string{string(schemas.LabelLinkUpdated), string(schemas.LabelLinkDeleted), string(schemas.TasksCreated)}})

	created := e.mustList("POST", "/api/labels/", labelBody(pid, "Neutral", "Mixed"), 201)
	if len(created) != 2 {
		t.Fatalf("created %d labels, want 2", len(created))
	}
	if got := h.take(); len(got) != 0 {
		t.Fatalf("label create sent %v, want nothing", actions(got))
	}
	// The same title again reuses the label (its value unchanged) and adds no link.
	again := e.mustList("POST", "/api/labels/", []map[string]any{{"project": pid, "from_name": "x", "title": "Neutral", "value": "other"}}, 201)
	first := created[0].(map[string]any)
	if a := again[0].(map[string]any); a["id"] != first["id"] || !reflect.DeepEqual(a["value"], first["value"]) || a["from_name"] != "x" {
		t.Errorf("re-created label = %v, want label %v with its value and from_name x", a, first["id"])
	}
	links := e.must("GET", "/api/label_links/?project="+itoa(pid), nil, 200)
	if links["count"] != 2.0 {
		t.Fatalf("links = %v, want 2", links)
	}
	lid := int(links["results"].([]any)[0].(map[string]any)["id"].(float64))

	e.must("PATCH", "/api/label_links/"+itoa(lid), map[string]any{"from_name": "renamed"}, 200)
	e.must("PATCH", "/api/label_links/"+itoa(lid), map[string]any{}, 200) // no change: still an event
	e.must("DELETE", "/api/label_links/"+itoa(lid), nil, 204)
	got := h.take()
	want := []string{"LABEL_LINK_UPDATED", "LABEL_LINK_UPDATED", "LABEL_LINK_DELETED"}
	if !reflect.DeepEqual(actions(got), want) {
		t.Fatalf("events %v, want %v", actions(got), want)
	}
	var upd struct {
		LabelLink map[string]any `json:"label_link"`
		Project   map[string]any `json:"project"`
		Label     map[string]any `json:"label"`
	}
	if err := json.Unmarshal(got[0].Body, &upd); err != nil {
		t.Fatal(err)
	}
	wantLink := map[string]any{"id": float64(lid), "from_name": "renamed", "project": float64(pid), "label": first["id"]}
	if !reflect.DeepEqual(upd.LabelLink, wantLink) {
		t.Errorf("label_link = %v, want %v (no annotations_count in the payload)", upd.LabelLink, wantLink)
	}
	if upd.Project["id"] != float64(pid) || upd.Label["id"] != first["id"] || upd.Label["links"] == nil {
		t.Errorf("project %v, label %v: want the link's project and label", upd.Project["id"], upd.Label)
	}
	if body := string(got[0].Body); !strings.HasPrefix(body, `{"action": "LABEL_LINK_UPDATED", "label_link": {"id": `) ||
		strings.Index(body, `"project": {`) > strings.Index(body, `"label": {`) {
		t.Errorf("body key order: %.200s", body)
	}
	del := got[2].JSON(t)
	if !reflect.DeepEqual(del["label_link"], map[string]any{"id": float64(lid)}) || del["project"] == nil {
		t.Errorf("LABEL_LINK_DELETED = %v, want {id} and the project", del)
	}
	for _, r := range got {
		if a, problems := schemas.Validate(r.Body); len(problems) > 0 {
			t.Errorf("%s breaks its schema: %v", a, problems)
		}
	}
}

// TestLabelLinkCreatedByRelease: 1.23.2 fails POST /api/labels whenever a
// webhook wants LABEL_LINK_CREATED (nothing created, no event; Label
// Studio answers 500, labelhook 400); 1.20.0's profile sends it.
func TestLabelLinkCreatedByRelease(t *testing.T) {
	for _, tc := range []struct {
		version string
		status  int
		events  []string
	}{
		{"1.23.2", 400, nil},
		{"1.20.0", 201, []string{"LABEL_LINK_CREATED"}},
	} {
		t.Run(tc.version, func(t *testing.T) {
			h := newHookReceiver(t)
			e := newAPI(t, Config{LabelStudioVersion: tc.version})
			pid := e.project("Created")
			e.hookOn(pid, h.URL, map[string]any{"send_for_all_actions": true})
			before, _ := e.srv.Snapshot()
			status, body := e.call("POST", "/api/labels/", labelBody(pid, "A", "B"))
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			got := h.take()
			if !reflect.DeepEqual(actions(got), tc.events) && len(got)+len(tc.events) > 0 {
				t.Fatalf("events %v, want %v", actions(got), tc.events)
			}
			if tc.status != 201 {
				if !strings.Contains(string(body), "list.count() takes exactly one argument") {
					t.Errorf("answer %s, want 1.23.2's error text", body)
				}
				if after, _ := e.srv.Snapshot(); string(after) != string(before) {
					t.Errorf("state changed")
				}
				return
			}
			m := got[0].JSON(t)
			if links, ok := m["label_link"].([]any); !ok || len(links) != 2 {
				t.Errorf("label_link = %v, want a list of the 2 links", m["label_link"])
			}
		})
	}
}

// TestLabelErrors: Label Studio's validation messages, per item for a bulk
// create.
func TestLabelErrors(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Errors")
	other := e.project("Other")
	e.mustList("POST", "/api/labels/", labelBody(pid, "Taken"), 201)
	for _, tc := range []struct {
		name   string
		method string
		path   string
		body   any
		want   int
		substr string
	}{
		{"not a list", "POST", "/api/labels/", map[string]any{"title": "x"}, 400, `Expected a list of items but got type \"dict\".`},
		{"item errors", "POST", "/api/labels/", []any{map[string]any{"project": pid}}, 400, `"non_field_errors":[{"from_name":["This field is required."]`},
		{"unknown project", "POST", "/api/labels/", labelBody(99999, "Z"), 400, `Invalid pk \"99999\" - object does not exist.`},
		{"two projects", "POST", "/api/labels/", append(labelBody(pid, "P"), labelBody(other, "Q")...), 400, "Creating labels for different projects in one request not allowed"},
		{"title too long", "POST", "/api/labels/", labelBody(pid, strings.Repeat("x", 2049)), 400, "no more than 2048 characters"},
		{"empty list", "POST", "/api/labels/", []any{}, 400, "list index out of range"},
		{"unknown link", "PATCH", "/api/label_links/999", map[string]any{"from_name": "x"}, 404, "No LabelLink matches the given query."},
		{"blank from_name", "PATCH", "/api/label_links/1", map[string]any{"from_name": ""}, 400, "This field may not be blank."},
		{"PUT without project", "PUT", "/api/label_links/1", map[string]any{"from_name": "x"}, 400, `"project":["This field is required."]`},
		{"second link of a pair", "POST", "/api/label_links/", map[string]any{"project": pid, "label": 1, "from_name": "x"}, 400, "The fields project, label must make a unique set."},
		{"unknown label", "GET", "/api/labels/77", nil, 404, "No Label matches the given query."},
		{"page past the end", "GET", "/api/labels/?page=2", nil, 404, "Invalid page."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.call(tc.method, tc.path, tc.body)
			if status != tc.want || !strings.Contains(string(body), tc.substr) {
				t.Errorf("%s %s: %d %s, want %d with %q", tc.method, tc.path, status, body, tc.want, tc.substr)
			}
		})
	}
}

// TestLabelDeleteTakesItsLinks: deleting a label removes its links without
// LABEL_LINK_DELETED, and a project's deletion removes its links.
func TestLabelDeleteTakesItsLinks(t *testing.T) {
	h := newHookReceiver(t)
	e := newAPI(t, Config{})
	pid := e.project("Cascade")
	keep := e.project("Keep")
	e.mustList("POST", "/api/labels/", labelBody(pid, "One", "Two"), 201)
	e.mustList("POST", "/api/labels/", labelBody(keep, "Two"), 201)
	e.hookOn(pid, h.URL, map[string]any{"send_for_all_actions": false, "actions": []string{"LABEL_LINK_DELETED"}})
	e.must("DELETE", "/api/labels/1", nil, 204)
	e.must("DELETE", "/api/projects/"+itoa(pid), nil, 204)
	h.takeNone(t, "label and project delete (label links go without LABEL_LINK_DELETED)")
	links := e.must("GET", "/api/label_links/", nil, 200)
	if links["count"] != 1.0 || links["results"].([]any)[0].(map[string]any)["project"] != float64(keep) {
		t.Errorf("links left %v, want the other project's one", links)
	}
	if l := e.must("GET", "/api/labels/2", nil, 200); !reflect.DeepEqual(l["projects"], []any{float64(keep)}) {
		t.Errorf("label 2 projects %v, want [%d]", l["projects"], keep)
	}
}
