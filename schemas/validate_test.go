package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// validBodies reads testdata/valid/*.json, keyed by file name.
func validBodies(t testing.TB) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "valid", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no files in testdata/valid")
	}
	bodies := make(map[string][]byte, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		bodies[filepath.Base(p)] = b
	}
	return bodies
}

func TestValidateAcceptsValidBodies(t *testing.T) {
	seen := map[Action]bool{}
	for name, body := range validBodies(t) {
		t.Run(name, func(t *testing.T) {
			var head struct{ Action Action }
			if err := json.Unmarshal(body, &head); err != nil {
				t.Fatal(err)
			}
			action, problems := Validate(body)
			if action != head.Action {
				t.Errorf("action = %q, want %q", action, head.Action)
			}
			if len(problems) > 0 {
				t.Errorf("problems in a valid body:\n%s", problemLines(problems))
			}
			seen[head.Action] = true
		})
	}
	for _, info := range Catalog {
		if !seen[info.Action] {
			t.Errorf("testdata/valid has no %s body", info.Action)
		}
	}
}

// A webhook with send_payload=false gets exactly {"action": X}.
func TestValidateAcceptsActionOnlyBodies(t *testing.T) {
	for _, info := range Catalog {
		body := fmt.Sprintf(`{"action": %q}`, info.Action)
		action, problems := Validate([]byte(body))
		if action != info.Action || len(problems) > 0 {
			t.Errorf("Validate(%s) = %q, %v; want %q and no problems", body, action, problems, info.Action)
		}
	}
}

// remove, as a change's value, deletes the member at the pointer.
var remove = &struct{}{}

// change sets the value at a JSON pointer ("/tasks/0/id").
type change struct {
	ptr string
	val any
}

// edit returns the valid body in testdata/valid/file with the changes applied.
func edit(t *testing.T, file string, changes ...change) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "valid", file))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		steps := strings.Split(c.ptr, "/")[1:]
		parent := doc
		for _, s := range steps[:len(steps)-1] {
			parent = step(t, parent, s, c.ptr)
		}
		last := steps[len(steps)-1]
		switch p := parent.(type) {
		case map[string]any:
			if c.val == remove {
				if _, ok := p[last]; !ok {
					t.Fatalf("%s: %s is not in %s", file, c.ptr, file)
				}
				delete(p, last)
			} else {
				p[last] = c.val
			}
		case []any:
			i, err := strconv.Atoi(last)
			if err != nil || i >= len(p) {
				t.Fatalf("%s: bad index in %s", file, c.ptr)
			}
			if c.val == remove {
				// Write the shorter list back through its parent.
				short := slices.Delete(slices.Clone(p), i, i+1)
				setAt(t, doc, steps[:len(steps)-1], short)
			} else {
				p[i] = c.val
			}
		default:
			t.Fatalf("%s: %s goes through a %T", file, c.ptr, parent)
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func step(t *testing.T, node any, s, ptr string) any {
	t.Helper()
	switch n := node.(type) {
	case map[string]any:
		if v, ok := n[s]; ok {
			return v
		}
	case []any:
		if i, err := strconv.Atoi(s); err == nil && i < len(n) {
			return n[i]
		}
	}
	t.Fatalf("pointer %s: no %q", ptr, s)
	return nil
}

func setAt(t *testing.T, doc any, steps []string, val any) {
	t.Helper()
	parent := doc
	for _, s := range steps[:len(steps)-1] {
		parent = step(t, parent, s, strings.Join(steps, "/"))
	}
	last := steps[len(steps)-1]
	switch p := parent.(type) {
	case map[string]any:
		p[last] = val
	case []any:
		i, _ := strconv.Atoi(last)
		p[i] = val
	}
}

func obj(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func list(v ...any) []any { return append([]any{}, v...) }

const (
	timestampMsg = "must be a UTC timestamp like 2021-08-17T13:51:02.590839Z, got "
	uuidMsg      = "must be a UUID like 9a0c1f8e-3c0a-4c7e-9a55-2f1b1e6d2c11, got "
	samplingEnum = `"Sequential sampling", "Uniform sampling", "Uncertainty sampling", null`
	hugeMsg      = "number too large to check (over 1000 characters or an exponent beyond ±1000)"
)

func TestValidateRejectsBrokenBodies(t *testing.T) {
	tests := []struct {
		name    string
		file    string   // a body in testdata/valid to change
		changes []change // applied to file
		raw     string   // the body, when file is ""
		action  Action
		want    []Problem
	}{
		// PROJECT_CREATED
		{name: "project created: project is an array", file: "project_created.json",
			changes: []change{{"/project", list(obj("id", 3))}}, action: ProjectCreated,
			want: []Problem{{"$.project", "expected object, got array"}}},
		{name: "project created: payload without project", file: "project_created.json",
			changes: []change{{"/project", remove}, {"/tasks", list()}}, action: ProjectCreated,
			want: []Problem{{"$", `missing required field "project"`}}},
		{name: "project created: id is a string", file: "project_created.json",
			changes: []change{{"/project/id", "3"}}, action: ProjectCreated,
			want: []Problem{{"$.project.id", "expected integer, got string"}}},
		{name: "project created: created_at without Z", file: "project_created.json",
			changes: []change{{"/project/created_at", "2026-03-02T08:00:00.000000"}}, action: ProjectCreated,
			want: []Problem{{"$.project.created_at", timestampMsg + `"2026-03-02T08:00:00.000000"`}}},
		{name: "project created: unknown sampling", file: "project_created.json",
			changes: []change{{"/project/sampling", "Random sampling"}}, action: ProjectCreated,
			want: []Problem{{"$.project.sampling", "must be one of " + samplingEnum + `, got "Random sampling"`}}},
		{name: "project created: label_config_hash beyond 64 bits", file: "project_created.json",
			changes: []change{{"/project/label_config_hash", json.Number("9223372036854775808")}}, action: ProjectCreated,
			want: []Problem{{"$.project.label_config_hash", "must be at most 9223372036854775807"}}},
		{name: "project created: label_config_hash as a string", file: "project_created.json",
			changes: []change{{"/project/label_config_hash", "5150931385476376083"}}, action: ProjectCreated,
			want: []Problem{{"$.project.label_config_hash", "expected integer or null, got string"}}},
		{name: "project created: title is a number", file: "project_created.json",
			changes: []change{{"/project/title", 7}}, action: ProjectCreated,
			want: []Problem{{"$.project.title", "expected string or null, got integer"}}},

		// PROJECT_UPDATED
		{name: "project updated: project without id", file: "project_updated.json",
			changes: []change{{"/project/id", remove}}, action: ProjectUpdated,
			want: []Problem{{"$.project", `missing required field "id"`}}},
		{name: "project updated: boolean as a string", file: "project_updated.json",
			changes: []change{{"/project/show_skip_button", "true"}}, action: ProjectUpdated,
			want: []Problem{{"$.project.show_skip_button", "expected boolean, got string"}}},
		{name: "project updated: pinned_at with an offset", file: "project_updated.json",
			changes: []change{{"/project/pinned_at", "2026-03-01T11:00:00+00:00"}}, action: ProjectUpdated,
			want: []Problem{{"$.project.pinned_at", timestampMsg + `"2026-03-01T11:00:00+00:00"`}}},
		{name: "project updated: unknown skip_queue", file: "project_updated.json",
			changes: []change{{"/project/skip_queue", "REQUEUE"}}, action: ProjectUpdated,
			want: []Problem{{"$.project.skip_queue", `must be one of "REQUEUE_FOR_ME", "REQUEUE_FOR_OTHERS", "IGNORE_SKIPPED", null, got "REQUEUE"`}}},
		{name: "project updated: created_by as a string", file: "project_updated.json",
			changes: []change{{"/project/created_by", "1"}}, action: ProjectUpdated,
			want: []Problem{{"$.project.created_by", "expected integer or null, got string"}}},
		{name: "project updated: project is null", file: "project_updated.json",
			changes: []change{{"/project", nil}}, action: ProjectUpdated,
			want: []Problem{{"$.project", "expected object, got null"}}},
		{name: "project updated: fractional counter", file: "project_updated.json",
			changes: []change{{"/project/task_number", 3.5}}, action: ProjectUpdated,
			want: []Problem{{"$.project.task_number", "expected integer, got number"}}},

		// PROJECT_DELETED
		{name: "project deleted: extra field on the id-only project", file: "project_deleted.json",
			changes: []change{{"/project/title", "Receipts"}}, action: ProjectDeleted,
			want: []Problem{{"$.project", `unexpected field "title"`}}},
		{name: "project deleted: id is a string", file: "project_deleted.json",
			changes: []change{{"/project/id", "3"}}, action: ProjectDeleted,
			want: []Problem{{"$.project.id", "expected integer, got string"}}},
		{name: "project deleted: project is a list", file: "project_deleted.json",
			changes: []change{{"/project", list(obj("id", 3))}}, action: ProjectDeleted,
			want: []Problem{{"$.project", "expected object, got array"}}},
		{name: "project deleted: empty project", file: "project_deleted.json",
			changes: []change{{"/project/id", remove}}, action: ProjectDeleted,
			want: []Problem{{"$.project", `missing required field "id"`}}},

		// TASKS_CREATED
		{name: "tasks created: tasks is an object", file: "tasks_created.json",
			changes: []change{{"/tasks", obj("id", 18, "data", obj(), "project", 2)}}, action: TasksCreated,
			want: []Problem{{"$.tasks", "expected array, got object"}}},
		{name: "tasks created: no tasks", file: "tasks_created.json",
			changes: []change{{"/tasks", list()}}, action: TasksCreated,
			want: []Problem{{"$.tasks", "must be an array with at least 1 item"}}},
		{name: "tasks created: id is a string", file: "tasks_created.json",
			changes: []change{{"/tasks/1/id", "19"}}, action: TasksCreated,
			want: []Problem{{"$.tasks[1].id", "expected integer, got string"}}},
		{name: "tasks created: main key missing", file: "tasks_created.json",
			changes: []change{{"/tasks", remove}}, action: TasksCreated,
			want: []Problem{{"$", `missing required field "tasks"`}}},
		{name: "tasks created: singular key task", file: "tasks_created.json",
			changes: []change{{"/tasks", remove}, {"/task", list(obj("id", 18, "data", obj(), "project", 2))}}, action: TasksCreated,
			want: []Problem{{"$", `missing required field "tasks"`}}},
		{name: "tasks created: project missing", file: "tasks_created.json",
			changes: []change{{"/project", remove}}, action: TasksCreated,
			want: []Problem{{"$", `missing required field "project"`}}},
		{name: "tasks created: task without data", file: "tasks_created.json",
			changes: []change{{"/tasks/0/data", remove}}, action: TasksCreated,
			want: []Problem{{"$.tasks[0]", `missing required field "data"`}}},
		{name: "tasks created: data is a string", file: "tasks_created.json",
			changes: []change{{"/tasks/0/data", "great"}}, action: TasksCreated,
			want: []Problem{{"$.tasks[0].data", "expected object, got string"}}},
		{name: "tasks created: comment author is a name", file: "tasks_created.json",
			changes: []change{{"/tasks/2/comment_authors", list("ann")}}, action: TasksCreated,
			want: []Problem{{"$.tasks[2].comment_authors[0]", "expected integer, got string"}}},
		{name: "tasks created: meta is a list", file: "tasks_created.json",
			changes: []change{{"/tasks/0/meta", list()}}, action: TasksCreated,
			want: []Problem{{"$.tasks[0].meta", "expected object or null, got array"}}},
		{name: "tasks created: timestamp with a space", file: "tasks_created.json",
			changes: []change{{"/tasks/0/updated_at", "2026-03-01 09:30:00.000000Z"}}, action: TasksCreated,
			want: []Problem{{"$.tasks[0].updated_at", timestampMsg + `"2026-03-01 09:30:00.000000Z"`}}},
		{name: "tasks created: seven fraction digits", file: "tasks_created.json",
			changes: []change{{"/tasks/0/created_at", "2026-03-01T09:30:00.0000001Z"}}, action: TasksCreated,
			want: []Problem{{"$.tasks[0].created_at", timestampMsg + `"2026-03-01T09:30:00.0000001Z"`}}},
		{name: "tasks created: allow_skip as a string", file: "tasks_created.json",
			changes: []change{{"/tasks/2/allow_skip", "yes"}}, action: TasksCreated,
			want: []Problem{{"$.tasks[2].allow_skip", "expected boolean, got string"}}},
		{name: "tasks created: several problems in path order", file: "tasks_created.json",
			changes: []change{{"/tasks/2/id", "20"}, {"/tasks/0/project", nil}, {"/project/id", remove}}, action: TasksCreated,
			want: []Problem{
				{"$.project", `missing required field "id"`},
				{"$.tasks[0].project", "expected integer, got null"},
				{"$.tasks[2].id", "expected integer, got string"},
			}},

		// TASKS_DELETED
		{name: "tasks deleted: extra field on an id-only item", file: "tasks_deleted.json",
			changes: []change{{"/tasks/0/data", obj("text", "great")}}, action: TasksDeleted,
			want: []Problem{{"$.tasks[0]", `unexpected field "data"`}}},
		{name: "tasks deleted: no tasks", file: "tasks_deleted.json",
			changes: []change{{"/tasks", list()}}, action: TasksDeleted,
			want: []Problem{{"$.tasks", "must be an array with at least 1 item"}}},
		{name: "tasks deleted: tasks is an object", file: "tasks_deleted.json",
			changes: []change{{"/tasks", obj("id", 18)}}, action: TasksDeleted,
			want: []Problem{{"$.tasks", "expected array, got object"}}},
		{name: "tasks deleted: item without id", file: "tasks_deleted.json",
			changes: []change{{"/tasks/1", obj()}}, action: TasksDeleted,
			want: []Problem{{"$.tasks[1]", `missing required field "id"`}}},
		{name: "tasks deleted: fractional id", file: "tasks_deleted.json",
			changes: []change{{"/tasks/1/id", 18.5}}, action: TasksDeleted,
			want: []Problem{{"$.tasks[1].id", "expected integer, got number"}}},
		{name: "tasks deleted: null project", file: "tasks_deleted_all.json",
			changes: []change{{"/project", nil}}, action: TasksDeleted,
			want: []Problem{{"$.project", "expected object, got null"}}},
		{name: "tasks deleted: project without tasks", file: "tasks_deleted.json",
			changes: []change{{"/tasks", remove}}, action: TasksDeleted,
			want: []Problem{{"$", `missing required field "tasks"`}}},

		// ANNOTATION_CREATED
		{name: "annotation created: annotation is a list", file: "annotation_created_spec_4_7.json",
			changes: []change{{"/annotation", list(obj("id", 17, "result", list(), "was_cancelled", false, "task", 19))}}, action: AnnotationCreated,
			want: []Problem{{"$.annotation", "expected object, got array"}}},
		{name: "annotation created: task missing", file: "annotation_created_spec_4_7.json",
			changes: []change{{"/task", remove}}, action: AnnotationCreated,
			want: []Problem{{"$", `missing required field "task"`}}},
		{name: "annotation created: main key missing", file: "annotation_created_spec_4_7.json",
			changes: []change{{"/annotation", remove}}, action: AnnotationCreated,
			want: []Problem{{"$", `missing required field "annotation"`}}},
		{name: "annotation created: task is a list", file: "annotation_created_spec_4_7.json",
			changes: []change{{"/task", list(obj("id", 19, "data", obj(), "project", 2))}}, action: AnnotationCreated,
			want: []Problem{{"$.task", "expected object, got array"}}},
		{name: "annotation created: result is an object", file: "annotation_created_spec_4_7.json",
			changes: []change{{"/annotation/result", obj("choices", list("Positive"))}}, action: AnnotationCreated,
			want: []Problem{{"$.annotation.result", "expected array, got object"}}},
		{name: "annotation created: region is a string", file: "annotation_created_spec_4_7.json",
			changes: []change{{"/annotation/result/0", "Positive"}}, action: AnnotationCreated,
			want: []Problem{{"$.annotation.result[0]", "expected object, got string"}}},
		{name: "annotation created: was_cancelled missing", file: "annotation_created_spec_4_7.json",
			changes: []change{{"/annotation/was_cancelled", remove}}, action: AnnotationCreated,
			want: []Problem{{"$.annotation", `missing required field "was_cancelled"`}}},
		{name: "annotation created: lead_time as a string", file: "annotation_created_spec_4_7.json",
			changes: []change{{"/annotation/lead_time", "12.5"}}, action: AnnotationCreated,
			want: []Problem{{"$.annotation.lead_time", "expected number or null, got string"}}},
		{name: "annotation created: unique_id not a UUID", file: "annotation_created_spec_4_7.json",
			changes: []change{{"/annotation/unique_id", "17"}}, action: AnnotationCreated,
			want: []Problem{{"$.annotation.unique_id", uuidMsg + `"17"`}}},
		{name: "annotation created: unknown last_action", file: "annotation_created_spec_4_7.json",
			changes: []change{{"/annotation/last_action", "created"}}, action: AnnotationCreated,
			want: []Problem{{"$.annotation.last_action", `must be one of "prediction", "propagated_annotation", "imported", "submitted", "updated", "skipped", "accepted", "rejected", "fixed_and_accepted", "deleted_review", null, got "created"`}}},
		{name: "annotation created: created_at without Z", file: "annotation_created_spec_4_7.json",
			changes: []change{{"/annotation/created_at", "2026-03-01T10:00:05.123456"}}, action: AnnotationCreated,
			want: []Problem{{"$.annotation.created_at", timestampMsg + `"2026-03-01T10:00:05.123456"`}}},
		{name: "annotation created: draft_created_at as a date", file: "annotation_created_spec_4_7.json",
			changes: []change{{"/annotation/draft_created_at", "2026-03-01"}}, action: AnnotationCreated,
			want: []Problem{{"$.annotation.draft_created_at", timestampMsg + `"2026-03-01"`}}},
		{name: "annotation created: prediction is null", file: "annotation_created_spec_4_7.json",
			changes: []change{{"/annotation/prediction", nil}}, action: AnnotationCreated,
			want: []Problem{{"$.annotation.prediction", "expected object, got null"}}},
		{name: "annotation created: annotation.task as a string", file: "annotation_created_spec_4_7.json",
			changes: []change{{"/annotation/task", "19"}}, action: AnnotationCreated,
			want: []Problem{{"$.annotation.task", "expected integer, got string"}}},

		// ANNOTATIONS_CREATED
		{name: "annotations created: annotation is an object", file: "annotations_created.json",
			changes: []change{{"/annotation", obj("id", 40, "result", list(), "was_cancelled", false, "task", 18)}}, action: AnnotationsCreated,
			want: []Problem{{"$.annotation", "expected array, got object"}}},
		{name: "annotations created: task is an object", file: "annotations_created.json",
			changes: []change{{"/task", obj("id", 18, "data", obj(), "project", 2)}}, action: AnnotationsCreated,
			want: []Problem{{"$.task", "expected array, got object"}}},
		{name: "annotations created: fewer tasks than annotations", file: "annotations_created.json",
			changes: []change{{"/task/1", remove}}, action: AnnotationsCreated,
			want: []Problem{{"$.task", "expected 2 items, one per item of $.annotation, got 1"}}},
		{name: "annotations created: no annotations", file: "annotations_created.json",
			changes: []change{{"/annotation", list()}}, action: AnnotationsCreated,
			want: []Problem{{"$.annotation", "must be an array with at least 1 item"}}},
		{name: "annotations created: plural key", file: "annotations_created.json",
			changes: []change{{"/annotation", remove}, {"/annotations", list(obj("id", 40, "result", list(), "was_cancelled", false, "task", 18))}}, action: AnnotationsCreated,
			want: []Problem{{"$", `missing required field "annotation"`}}},
		{name: "annotations created: item without id", file: "annotations_created.json",
			changes: []change{{"/annotation/1/id", remove}}, action: AnnotationsCreated,
			want: []Problem{{"$.annotation[1]", `missing required field "id"`}}},

		// ANNOTATION_UPDATED
		{name: "annotation updated: task missing", file: "annotation_updated.json",
			changes: []change{{"/task", remove}}, action: AnnotationUpdated,
			want: []Problem{{"$", `missing required field "task"`}}},
		{name: "annotation updated: project missing", file: "annotation_updated.json",
			changes: []change{{"/project", remove}}, action: AnnotationUpdated,
			want: []Problem{{"$", `missing required field "project"`}}},
		{name: "annotation updated: task.project is null", file: "annotation_updated.json",
			changes: []change{{"/task/project", nil}}, action: AnnotationUpdated,
			want: []Problem{{"$.task.project", "expected integer, got null"}}},
		{name: "annotation updated: annotation.project as a string", file: "annotation_updated.json",
			changes: []change{{"/annotation/project", "2"}}, action: AnnotationUpdated,
			want: []Problem{{"$.annotation.project", "expected integer or null, got string"}}},
		{name: "annotation updated: annotation is a list", file: "annotation_updated.json",
			changes: []change{{"/annotation", list()}}, action: AnnotationUpdated,
			want: []Problem{{"$.annotation", "expected object, got array"}}},

		// ANNOTATIONS_DELETED
		{name: "annotations deleted: singular key", file: "annotations_deleted.json",
			changes: []change{{"/annotations", remove}, {"/annotation", list(obj("id", 17))}}, action: AnnotationsDeleted,
			want: []Problem{{"$", `missing required field "annotations"`}}},
		{name: "annotations deleted: extra field on an id-only item", file: "annotations_deleted.json",
			changes: []change{{"/annotations/0/task", 19}}, action: AnnotationsDeleted,
			want: []Problem{{"$.annotations[0]", `unexpected field "task"`}}},
		{name: "annotations deleted: annotations is an object", file: "annotations_deleted.json",
			changes: []change{{"/annotations", obj("id", 17)}}, action: AnnotationsDeleted,
			want: []Problem{{"$.annotations", "expected array, got object"}}},
		{name: "annotations deleted: no annotations", file: "annotations_deleted.json",
			changes: []change{{"/annotations", list()}}, action: AnnotationsDeleted,
			want: []Problem{{"$.annotations", "must be an array with at least 1 item"}}},
		{name: "annotations deleted: project missing", file: "annotations_deleted.json",
			changes: []change{{"/project", remove}}, action: AnnotationsDeleted,
			want: []Problem{{"$", `missing required field "project"`}}},

		// LABEL_LINK_CREATED
		{name: "label link created: label_link is an object", file: "label_link_created.json",
			changes: []change{{"/label_link", obj("id", 4, "project", 2, "label", 9, "from_name", "sentiment")}}, action: LabelLinkCreated,
			want: []Problem{{"$.label_link", "expected array, got object"}}},
		{name: "label link created: item without from_name", file: "label_link_created.json",
			changes: []change{{"/label_link/1/from_name", remove}}, action: LabelLinkCreated,
			want: []Problem{{"$.label_link[1]", `missing required field "from_name"`}}},
		{name: "label link created: no links", file: "label_link_created.json",
			changes: []change{{"/label_link", list()}}, action: LabelLinkCreated,
			want: []Problem{{"$.label_link", "must be an array with at least 1 item"}}},
		{name: "label link created: annotations_count as a string", file: "label_link_created.json",
			changes: []change{{"/label_link/1/annotations_count", "0"}}, action: LabelLinkCreated,
			want: []Problem{{"$.label_link[1].annotations_count", "expected integer, got string"}}},

		// LABEL_LINK_UPDATED
		{name: "label link updated: label missing", file: "label_link_updated.json",
			changes: []change{{"/label", remove}}, action: LabelLinkUpdated,
			want: []Problem{{"$", `missing required field "label"`}}},
		{name: "label link updated: label without id", file: "label_link_updated.json",
			changes: []change{{"/label/id", remove}}, action: LabelLinkUpdated,
			want: []Problem{{"$.label", `missing required field "id"`}}},
		{name: "label link updated: links hold strings", file: "label_link_updated.json",
			changes: []change{{"/label/links", list("4")}}, action: LabelLinkUpdated,
			want: []Problem{{"$.label.links[0]", "expected integer, got string"}}},
		{name: "label link updated: label_link is a list", file: "label_link_updated.json",
			changes: []change{{"/label_link", list(obj("id", 4, "project", 2, "label", 9, "from_name", "mood"))}}, action: LabelLinkUpdated,
			want: []Problem{{"$.label_link", "expected object, got array"}}},
		{name: "label link updated: label_link.label as a string", file: "label_link_updated.json",
			changes: []change{{"/label_link/label", "9"}}, action: LabelLinkUpdated,
			want: []Problem{{"$.label_link.label", "expected integer, got string"}}},

		// LABEL_LINK_DELETED
		{name: "label link deleted: label_link is a list", file: "label_link_deleted.json",
			changes: []change{{"/label_link", list(obj("id", 4))}}, action: LabelLinkDeleted,
			want: []Problem{{"$.label_link", "expected object, got array"}}},
		{name: "label link deleted: extra field on the id-only link", file: "label_link_deleted.json",
			changes: []change{{"/label_link/project", 2}}, action: LabelLinkDeleted,
			want: []Problem{{"$.label_link", `unexpected field "project"`}}},
		{name: "label link deleted: project missing", file: "label_link_deleted.json",
			changes: []change{{"/project", remove}}, action: LabelLinkDeleted,
			want: []Problem{{"$", `missing required field "project"`}}},
		{name: "label link deleted: id is null", file: "label_link_deleted.json",
			changes: []change{{"/label_link/id", nil}}, action: LabelLinkDeleted,
			want: []Problem{{"$.label_link.id", "expected integer, got null"}}},

		// Any action
		{name: "not JSON", raw: `action=TASKS_CREATED`,
			want: []Problem{{"$", "not JSON: invalid character 'a' looking for beginning of value"}}},
		{name: "empty body", raw: ``,
			want: []Problem{{"$", "not JSON: empty body"}}},
		{name: "truncated body", raw: `{"action": "TASKS_CREATED", "tasks": [`,
			want: []Problem{{"$", "not JSON: unexpected EOF"}}},
		{name: "two bodies", raw: `{"action": "TASKS_CREATED"} {"action": "TASKS_DELETED"}`,
			want: []Problem{{"$", "not JSON: more data after the top-level value"}}},
		{name: "array body", raw: `[{"action": "TASKS_CREATED"}]`,
			want: []Problem{{"$", "expected object, got array"}}},
		{name: "null body", raw: `null`,
			want: []Problem{{"$", "expected object, got null"}}},
		{name: "string body", raw: `"TASKS_CREATED"`,
			want: []Problem{{"$", "expected object, got string"}}},
		{name: "action missing", raw: `{"tasks": [{"id": 18}]}`,
			want: []Problem{{"$", `missing required field "action"`}}},
		{name: "action is a number", raw: `{"action": 4}`,
			want: []Problem{{"$.action", "expected string, got integer"}}},
		{name: "action is null", raw: `{"action": null, "tasks": []}`,
			want: []Problem{{"$.action", "expected string, got null"}}},
		{name: "unknown action", raw: `{"action": "FOO"}`, action: "FOO",
			want: []Problem{{"$.action", `unknown action "FOO"`}}},
		{name: "doc-only TASK_CREATED", raw: `{"action": "TASK_CREATED", "task": {"id": 18}}`, action: "TASK_CREATED",
			want: []Problem{{"$.action", `unknown action "TASK_CREATED" (Label Studio sends TASKS_CREATED)`}}},
		{name: "doc-only TASK_DELETED", raw: `{"action": "TASK_DELETED"}`, action: "TASK_DELETED",
			want: []Problem{{"$.action", `unknown action "TASK_DELETED" (Label Studio sends TASKS_DELETED)`}}},
		{name: "doc-only ANNOTATION_DELETED", raw: `{"action": "ANNOTATION_DELETED"}`, action: "ANNOTATION_DELETED",
			want: []Problem{{"$.action", `unknown action "ANNOTATION_DELETED" (Label Studio sends ANNOTATIONS_DELETED)`}}},
		{name: "lower-case action", raw: `{"action": "tasks_created"}`, action: "tasks_created",
			want: []Problem{{"$.action", `unknown action "tasks_created" (did you mean TASKS_CREATED?)`}}},
		{name: "misspelt action", raw: `{"action": "ANOTATION_CREATED"}`, action: "ANOTATION_CREATED",
			want: []Problem{{"$.action", `unknown action "ANOTATION_CREATED" (did you mean ANNOTATION_CREATED?)`}}},
		{name: "enterprise action", raw: `{"action": "REVIEW_CREATED"}`, action: "REVIEW_CREATED",
			want: []Problem{{"$.action", `unknown action "REVIEW_CREATED" (Label Studio Enterprise only)`}}},
		{name: "ML backend message", raw: `{"action": "START_TRAINING", "project": {"id": 2}}`, action: "START_TRAINING",
			want: []Problem{{"$.action", `unknown action "START_TRAINING" (sent to ML backends, never to webhooks)`}}},
		{name: "numbers too large to check", raw: `{"action": "TASKS_DELETED", "tasks": [{"id": 1e999999}, {"id": 2}], "project": {"id": 2, "task_number": -1E+5000}}`,
			action: TasksDeleted,
			want:   []Problem{{"$.project.task_number", hugeMsg}, {"$.tasks[0].id", hugeMsg}}},
		{name: "number with too many digits in task data", raw: `{"action": "TASKS_CREATED", "tasks": [{"id": 1, "data": {"big number": ` + strings.Repeat("7", 1001) + `}, "project": 2}], "project": {"id": 2}}`,
			action: TasksCreated,
			want:   []Problem{{`$.tasks[0].data["big number"]`, hugeMsg}}},
		{name: "task update", raw: `{"action": "TASKS_UPDATED"}`, action: "TASKS_UPDATED",
			want: []Problem{{"$.action", `unknown action "TASKS_UPDATED" (Label Studio sends no event when a task changes)`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.raw)
			if tt.file != "" {
				body = edit(t, tt.file, tt.changes...)
			}
			action, got := Validate(body)
			if action != tt.action {
				t.Errorf("action = %q, want %q", action, tt.action)
			}
			if a, p, _ := ValidateCompact(body); a != action || !slices.Equal(p, got) {
				t.Errorf("ValidateCompact: %q %v, Validate: %q %v", a, p, action, got)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate(%.300s) problems (-want +got):\n%s", body, diff)
			}
		})
	}
}

func TestValidateSortsIndexesAsNumbers(t *testing.T) {
	var tasks []string
	for i := range 12 {
		id := strconv.Itoa(i + 1)
		if i == 2 || i == 10 {
			id = strconv.Quote(id)
		}
		tasks = append(tasks, `{"id": `+id+`, "data": {}, "project": 2}`)
	}
	body := `{"action": "TASKS_CREATED", "project": {"id": 2}, "tasks": [` + strings.Join(tasks, ", ") + `]}`
	_, got := Validate([]byte(body))
	want := []Problem{
		{"$.tasks[2].id", "expected integer, got string"},
		{"$.tasks[10].id", "expected integer, got string"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestComparePaths(t *testing.T) {
	ordered := []string{"$", "$.annotation", "$.project", "$.project.id", "$.tasks", "$.tasks[2]", "$.tasks[2].id", "$.tasks[9]", "$.tasks[10]", "$.tasks[10].data"}
	for i := range ordered {
		for j := range ordered {
			got := comparePaths(ordered[i], ordered[j])
			if (i < j && got >= 0) || (i > j && got <= 0) || (i == j && got != 0) {
				t.Errorf("comparePaths(%q, %q) = %d, want the sign of %d", ordered[i], ordered[j], got, i-j)
			}
		}
	}
}

// Several goroutines share the compiled schemas (go test -race).
func TestValidateConcurrently(t *testing.T) {
	bodies := validBodies(t)
	var wg sync.WaitGroup
	errs := make(chan string, len(bodies)*4)
	for range 4 {
		for name, body := range bodies {
			wg.Go(func() {
				if _, problems := Validate(body); len(problems) > 0 {
					errs <- fmt.Sprintf("%s: %v", name, problems)
				}
				broken := bytes.Replace(body, []byte(`"id": `), []byte(`"id": "x`), 1)
				if bytes.Equal(broken, body) {
					return // an id-less body: {"action": X}
				}
				if _, problems := Validate(broken); len(problems) == 0 {
					errs <- fmt.Sprintf("%s with a broken id: no problems", name)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func problemLines(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("  " + p.String() + "\n")
	}
	return b.String()
}

func FuzzValidate(f *testing.F) {
	for _, body := range validBodies(f) {
		f.Add(body)
	}
	for _, s := range []string{``, `null`, `[]`, `{"action": "TASK_CREATED"}`, `{"action": 1}`,
		`{"action": "ANNOTATIONS_CREATED", "annotation": [{}], "task": [{}, {}]}`,
		`{"action": "TASKS_DELETED", "tasks": [{"id": 1e400}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		action, problems := Validate(body)
		again, problems2, _ := ValidateCompact(body) // the same verdict, every time
		if action != again || !slices.Equal(problems, problems2) {
			t.Fatalf("Validate: %q %v, then ValidateCompact: %q %v", action, problems, again, problems2)
		}
		for _, p := range problems {
			if !strings.HasPrefix(p.Path, "$") || p.Message == "" {
				t.Fatalf("malformed problem %#v", p)
			}
		}
		if len(problems) > 0 {
			return
		}
		// A valid body is a JSON object naming one of the 12 actions.
		var head map[string]json.RawMessage
		if err := json.Unmarshal(body, &head); err != nil {
			t.Fatalf("valid but not a JSON object: %v", err)
		}
		var name string
		if err := json.Unmarshal(head["action"], &name); err != nil || Action(name) != action {
			t.Fatalf("valid with action %s, but the body's action is %s", action, head["action"])
		}
		if _, ok := Lookup(name); !ok {
			t.Fatalf("valid with unknown action %q", name)
		}
	})
}

func BenchmarkValidate(b *testing.B) {
	body, err := os.ReadFile(filepath.Join("testdata", "valid", "annotation_created_spec_4_7.json"))
	if err != nil {
		b.Fatal(err)
	}
	Validate(body) // compile outside the measurement
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, problems := Validate(body); len(problems) > 0 {
			b.Fatal(problems)
		}
	}
}

func TestTypeName(t *testing.T) {
	for v, want := range map[any]string{nil: "null", true: "boolean", json.Number("1"): "integer", json.Number("1.0"): "number",
		json.Number("1e3"): "number", "1": "string", 1.5: "float64"} {
		if got := TypeName(v); got != want {
			t.Errorf("TypeName(%#v) = %s, want %s", v, got, want)
		}
	}
	if got := TypeName([]any{}) + " " + TypeName(map[string]any{}); got != "array object" {
		t.Errorf("TypeName of a list and a map = %s", got)
	}
}
