// Package labellink builds LABEL_LINK_* webhook bodies for `labelhook
// trigger` and `labelhook check`, which send them without driving the
// label link API (the mock sends LABEL_LINK_UPDATED and LABEL_LINK_DELETED
// from /api/label_links; Label Studio 1.23.2 never sends
// LABEL_LINK_CREATED), as Label Studio's serializers build them
// (docs/label-studio-behaviour.md#label-links):
// key order, the project payload of a delivery the mock did make, a label
// of the project's config, written as python-requests writes JSON and
// checked against the schemas. `labelhook trigger` and `labelhook check`
// send them.
package labellink

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/internal/pyjson"
	"github.com/labelhook/labelhook/schemas"
)

// link is LabelLinkSerializer's output in a payload: the emitter reloads
// the link without annotations_count (observed on 1.23.2).
type link struct {
	ID       int    `json:"id"`
	FromName string `json:"from_name"`
	Project  int    `json:"project"`
	Label    int    `json:"label"`
}

// label is LabelSerializer's output: the Label model plus links.
type label struct {
	ID           int            `json:"id"`
	CreatedAt    string         `json:"created_at"`
	UpdatedAt    string         `json:"updated_at"`
	Value        map[string]any `json:"value"`
	Title        string         `json:"title"`
	Description  *string        `json:"description"`
	Approved     bool           `json:"approved"`
	CreatedBy    int            `json:"created_by"`
	ApprovedBy   *int           `json:"approved_by"`
	Organization int            `json:"organization"`
	Links        []int          `json:"links"`
}

// body keeps Label Studio's key order: action, main key, project, nested
// key.
type body struct {
	Action    schemas.Action  `json:"action"`
	LabelLink any             `json:"label_link"`
	Project   json.RawMessage `json:"project"`
	Label     *label          `json:"label,omitempty"`
}

// Body returns the body of action a (a LABEL_LINK_* action) for a label
// link with id (and a label with the same id) in the project whose id and
// webhook payload are given, with a label of the config's picked by g.
// A nil project means send_payload off: {"action": a} alone.
func Body(a schemas.Action, id, projectID int, project json.RawMessage, cfg *fakedata.Config, g *fakedata.Generator, now time.Time) ([]byte, error) {
	var v any = map[string]string{"action": string(a)}
	if project != nil {
		fromName, typ, title := "label", "labels", g.Title()
		var withLabels []fakedata.Control
		for _, c := range cfg.Controls {
			if len(c.Labels) > 0 {
				withLabels = append(withLabels, c)
			}
		}
		if len(withLabels) > 0 {
			c := withLabels[g.Intn(len(withLabels))]
			fromName, typ, title = c.Name, c.Type(), c.Labels[g.Intn(len(c.Labels))]
		}
		l := link{ID: id, Project: projectID, Label: id, FromName: fromName}
		out := body{Action: a, Project: project}
		switch a {
		case schemas.LabelLinkCreated:
			out.LabelLink = []link{l}
		case schemas.LabelLinkUpdated:
			out.LabelLink = l
			at := now.UTC().Format("2006-01-02T15:04:05.000000Z")
			out.Label = &label{ID: l.Label, CreatedAt: at, UpdatedAt: at, Value: map[string]any{typ: []string{title}},
				Title: title, Approved: true, CreatedBy: 1, Organization: 1, Links: []int{l.ID}}
		case schemas.LabelLinkDeleted:
			out.LabelLink = map[string]int{"id": l.ID}
		default:
			return nil, fmt.Errorf("%s is not a label link action", a)
		}
		v = out
	}
	compact, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	b, err := pyjson.Dumps(nil, compact)
	if err != nil {
		return nil, err
	}
	if got, problems := schemas.Validate(b); got != a || len(problems) > 0 {
		return nil, fmt.Errorf("%s: the built body breaks the contract (a bug in labelhook): %v\n%s", a, problems, b)
	}
	return b, nil
}

// FromProjectUpdated is Body for the project of projectUpdated, a
// PROJECT_UPDATED body the mock sent to the webhook the label link body
// goes to: it takes that body's project, Label Studio's payload of the
// project, or none when the webhook's send_payload is off.
func FromProjectUpdated(a schemas.Action, id int, projectUpdated []byte, cfg *fakedata.Config, g *fakedata.Generator, now time.Time) ([]byte, error) {
	var got struct {
		Project json.RawMessage `json:"project"`
	}
	var project struct {
		ID int `json:"id"`
	}
	if err := json.Unmarshal(projectUpdated, &got); err != nil {
		return nil, fmt.Errorf("%s: read the PROJECT_UPDATED body: %w", a, err)
	}
	if got.Project == nil {
		return Body(a, id, 0, nil, cfg, g, now)
	}
	if err := json.Unmarshal(got.Project, &project); err != nil {
		return nil, fmt.Errorf("%s: read the PROJECT_UPDATED body's project: %w", a, err)
	}
	return Body(a, id, project.ID, got.Project, cfg, g, now)
}
