package check

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/labelhook/labelhook/internal/emission"
	"github.com/labelhook/labelhook/internal/pyjson"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// mode is how a case sends its deliveries. The zero mode sends them one
// after the other, each after the last one's answer: Label Studio's
// default, sync delivery.
type mode int

const (
	_ mode = iota
	// together sends them all at once: Label Studio with async delivery
	// and several workers.
	together
	// garbage sends a body that is not JSON: a 4xx is the right answer.
	garbage
)

// caseDef is one case of the battery.
type caseDef struct {
	name   string
	action schemas.Action
	mode   mode
	// noPayload builds with the webhook's send_payload off.
	noPayload bool
	// advice says what to change when the case fails.
	advice string
	// note is said of the case even when it passes.
	note string
	// build makes the deliveries.
	build func(b *builder) ([]delivery, error)
}

// Advice shared by several cases.
const (
	adviceFull      = "handle every key Label Studio sends for this action, and answer 2xx once the event is safe (queue it)"
	adviceNoPayload = `a webhook with send_payload off sends {"action": ...} alone: answer 2xx and fetch what you need from the API`
	adviceUnknown   = "ignore fields you do not know: Label Studio adds fields between versions (a strict schema or a dataclass with no extras breaks on upgrade)"
)

// preferred are the actions a case about "an event" picks from, in order:
// the ones a labeling pipeline sees most.
var preferred = []schemas.Action{schemas.AnnotationCreated, schemas.AnnotationUpdated, schemas.TasksCreated,
	schemas.AnnotationsCreated, schemas.TasksDeleted, schemas.AnnotationsDeleted, schemas.ProjectUpdated,
	schemas.ProjectCreated, schemas.ProjectDeleted, schemas.LabelLinkCreated, schemas.LabelLinkUpdated, schemas.LabelLinkDeleted}

// cases lists the battery for the actions the consumer subscribes to.
func cases(cfg Config) []caseDef {
	out := actionCases(cfg.Actions)
	out = append(out, shapeCases(cfg.Actions)...)
	return append(out, robustnessCases(cfg)...)
}

// actionCases are one full event of each action, with and without
// send_payload.
func actionCases(actions []schemas.Action) []caseDef {
	var out []caseDef
	for _, a := range actions {
		out = append(out, caseDef{name: string(a), action: a, advice: adviceFull,
			build: func(b *builder) ([]delivery, error) { return b.full(a, 1) }})
	}
	for _, a := range actions {
		out = append(out, caseDef{name: string(a) + ", send_payload off", action: a, advice: adviceNoPayload, noPayload: true,
			build: func(b *builder) ([]delivery, error) { return b.full(a, 1) }})
	}
	return out
}

// shapeCases are the events whose shape surprises consumers: big chunks,
// no project, bulk ids, skips, lists under singular keys.
func shapeCases(actions []schemas.Action) []caseDef {
	var out []caseDef
	add := func(c caseDef) {
		if c.action == "" || slices.Contains(actions, c.action) {
			out = append(out, c)
		}
	}
	add(caseDef{name: fmt.Sprintf("TASKS_CREATED with %d tasks (one full chunk)", bigImport), action: schemas.TasksCreated,
		advice: fmt.Sprintf("an import sends up to %d tasks in one event: stream or batch your work, and answer before Label Studio's timeout", bigImport),
		build: func(b *builder) ([]delivery, error) {
			return b.emit(schemas.TasksCreated, http.MethodPost, fmt.Sprintf("/api/projects/%d/import", b.pid), b.mk.Tasks(bigImport, false))
		}})
	add(caseDef{name: "TASKS_DELETED from delete all (no project)", action: schemas.TasksDeleted,
		advice: `"Delete all tasks" sends TASKS_DELETED without a project key (to organization webhooks, Label Studio Enterprise): read project only when it is there`,
		build: func(b *builder) ([]delivery, error) {
			pid, err := b.mk.Project(b.ctx)
			if err != nil {
				return nil, err
			}
			if _, err := b.mk.ImportTasks(b.ctx, pid, b.mk.Tasks(3, false)); err != nil {
				return nil, err
			}
			return b.emit(schemas.TasksDeleted, http.MethodDelete, fmt.Sprintf("/api/projects/%d/tasks", pid), nil)
		}})
	add(caseDef{name: fmt.Sprintf("ANNOTATIONS_DELETED in bulk (%d, ids only)", bulkDelete), action: schemas.AnnotationsDeleted,
		advice: `deletes carry ids only ({"annotations": [{"id": N}, ...]}), many in one event: look the rest up in your own store`,
		build: func(b *builder) ([]delivery, error) {
			ids, err := b.mk.ImportTasks(b.ctx, b.pid, b.mk.Tasks(bulkDelete, false))
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				if _, err := b.mk.Annotate(b.ctx, id); err != nil {
					return nil, err
				}
			}
			return b.emit(schemas.AnnotationsDeleted, http.MethodPost, fmt.Sprintf("/api/dm/actions?id=delete_tasks_annotations&project=%d", b.pid),
				map[string]any{"selectedItems": map[string]any{"all": false, "included": ids}, "project": b.pid})
		}})
	add(caseDef{name: "a skip (ANNOTATION_CREATED with was_cancelled)", action: schemas.AnnotationCreated,
		advice: "a skipped task arrives as ANNOTATION_CREATED with was_cancelled: true and an empty result: do not train on it",
		build: func(b *builder) ([]delivery, error) {
			ids, err := b.mk.ImportTasks(b.ctx, b.pid, b.mk.Tasks(1, false))
			if err != nil {
				return nil, err
			}
			return b.emit(schemas.AnnotationCreated, http.MethodPost, fmt.Sprintf("/api/tasks/%d/annotations?was_cancelled=1", ids[0]),
				map[string]any{"result": []any{}, "was_cancelled": true})
		}})
	add(caseDef{name: fmt.Sprintf("ANNOTATIONS_CREATED with a list of %d", bulkCreate), action: schemas.AnnotationsCreated,
		advice: `ANNOTATIONS_CREATED holds lists under the singular keys "annotation" and "task", in the same order`,
		build:  func(b *builder) ([]delivery, error) { return b.annotationsCreated(bulkCreate) }})
	return out
}

// robustnessCases are what any consumer must survive: unknown fields,
// big unicode bodies, actions it did not ask for, repeats, bursts and
// bodies that are not JSON.
func robustnessCases(cfg Config) []caseDef {
	var out []caseDef
	if len(cfg.Actions) > 0 {
		out = append(out, caseDef{name: "unknown fields (a newer Label Studio)", advice: adviceUnknown,
			build: func(b *builder) ([]delivery, error) {
				var ds []delivery
				for _, a := range cfg.Actions {
					full, err := b.full(a, 1)
					if err != nil {
						return nil, err
					}
					for _, d := range full {
						info, _ := schemas.Lookup(string(a))
						body, err := withUnknownFields(d.Body, !info.IDOnly)
						if err == nil {
							d.Body, err = pyjson.Dumps(nil, body) // as python-requests writes it
						}
						if err != nil {
							return nil, fmt.Errorf("%s: add unknown fields: %w", a, err)
						}
						ds = append(ds, d)
					}
				}
				return ds, nil
			}})
	}
	if a := first(cfg.Actions, schemas.TasksCreated, schemas.AnnotationCreated, schemas.AnnotationUpdated, schemas.AnnotationsCreated); a != "" {
		out = append(out, caseDef{name: fmt.Sprintf("unicode, %s of text (%s)", describeBytes(largeTextBytes), a), action: a,
			advice: "read the body as UTF-8 JSON of any size Label Studio accepts (emoji, right-to-left scripts, megabytes of text)",
			build:  func(b *builder) ([]delivery, error) { return b.unicode(a) }})
	}
	if a := firstMissing(cfg.Actions); a != "" {
		out = append(out, caseDef{name: string(a) + ", not subscribed to", action: a,
			advice: "answer 2xx to every action, handled or not: a webhook with send_for_all_actions (the default) sends all of them, and each other answer counts as a failure",
			build:  func(b *builder) ([]delivery, error) { return b.full(a, 1) }})
	}
	if a := first(cfg.Actions, preferred...); a != "" {
		out = append(out, caseDef{name: string(a) + " delivered twice", action: a, advice: adviceFull,
			note: "the same body came twice: make handling idempotent (key on the annotation or task id), as saves and re-imports repeat events",
			build: func(b *builder) ([]delivery, error) {
				ds, err := b.full(a, 1)
				if err != nil {
					return nil, err
				}
				return []delivery{ds[0], ds[0]}, nil
			}})
		out = append(out, caseDef{name: fmt.Sprintf("%d %s at once (async Label Studio)", cfg.Burst, a), action: a, mode: together,
			advice: "with async delivery (Redis workers) events arrive concurrently: serve requests in parallel, and keep per-event work independent",
			build:  func(b *builder) ([]delivery, error) { return b.full(a, cfg.Burst) }})
		out = append(out, caseDef{name: "a body that is not JSON (not from Label Studio)", action: a, mode: garbage,
			advice: "answer 400 to a body that is not JSON: a 2xx hides broken senders, a 5xx reads as your own outage",
			build: func(b *builder) ([]delivery, error) {
				ds, err := b.full(a, 1)
				if err != nil {
					return nil, err
				}
				d := ds[0]
				d.Body = notJSON(d.Body)
				return []delivery{d}, nil
			}})
	}
	return out
}

// bigImport is the largest chunk: the mock's batch size, the verified
// release's WEBHOOK_BATCH_SIZE.
var bigImport = server.DefaultBatchSize

// Sizes of the bulk cases.
const (
	bulkDelete     = 50
	bulkCreate     = 10
	largeTextBytes = 512 << 10
)

// first returns the first of want the consumer subscribes to, or "".
func first(actions []schemas.Action, want ...schemas.Action) schemas.Action {
	for _, a := range want {
		if slices.Contains(actions, a) {
			return a
		}
	}
	return ""
}

// firstMissing returns the first action of the catalogue the consumer
// does not subscribe to, or "" when it takes them all.
func firstMissing(actions []schemas.Action) schemas.Action {
	for _, a := range preferred {
		if !slices.Contains(actions, a) {
			return a
		}
	}
	return ""
}

// unicode makes action a carry a unicode title and a large unicode text:
// the project's title and description, and every text the label config
// reads (or a "text" key, when it reads none).
func (b *builder) unicode(a schemas.Action) ([]delivery, error) {
	big := largeText(largeTextBytes)
	var p struct {
		ID int `json:"id"`
	}
	if err := b.mk.API.Call(b.ctx, http.MethodPost, "/api/projects", map[string]any{"title": "Ünïcödé 👩🏽‍💻 مشروع 项目", "description": unicodeText,
		"label_config": b.mk.LabelConfig}, &p); err != nil {
		return nil, err
	}
	pid := p.ID
	data := b.mk.Gen.Task(b.mk.Config)
	texts := 0
	for _, o := range b.mk.Config.Objects {
		if _, isText := data[o.Key].(string); isText && (o.Tag == "Text" || o.Tag == "HyperText" || o.Tag == "Header") {
			data[o.Key] = big
			texts++
		}
	}
	if texts == 0 {
		data["text"] = big
	}
	items := []any{map[string]any{"data": data}}
	switch a {
	case schemas.TasksCreated:
		return b.emit(a, http.MethodPost, fmt.Sprintf("/api/projects/%d/import", pid), items)
	case schemas.AnnotationsCreated:
		items[0].(map[string]any)["predictions"] = []any{b.mk.Gen.Prediction(b.mk.Config, data, b.mk.ModelVersion)}
	}
	ids, err := b.mk.ImportTasks(b.ctx, pid, items)
	if err != nil {
		return nil, err
	}
	switch a {
	case schemas.AnnotationCreated:
		return b.emit(a, http.MethodPost, fmt.Sprintf("/api/tasks/%d/annotations", ids[0]), b.mk.Annotation(b.ctx, ids[0]))
	case schemas.AnnotationUpdated:
		ann, err := b.mk.Annotate(b.ctx, ids[0])
		if err != nil {
			return nil, err
		}
		return b.emit(a, http.MethodPatch, fmt.Sprintf("/api/annotations/%d", ann), b.mk.Annotation(b.ctx, ids[0]))
	}
	c := emission.PredictionsToAnnotations(pid, ids)
	return b.emit(a, c.Method, c.Path, c.Body)
}
