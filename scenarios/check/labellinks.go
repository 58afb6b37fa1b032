package check

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/internal/pyjson"
	"github.com/labelhook/labelhook/schemas"
)

// The mock never sends LABEL_LINK_* (Label Studio changes label links
// only through /api/labels and /api/label_links, which it does not
// simulate), so their bodies are built here as Label Studio's serializers
// build them (docs/label-studio-behaviour.md#label-links), around the
// project payload and the headers of a delivery the mock does make, written
// as python-requests writes JSON and checked against the schemas. `labelhook trigger` builds them the same way.

// labelLinkObj is LabelLinkSerializer's output.
type labelLinkObj struct {
	ID               int    `json:"id"`
	Project          int    `json:"project"`
	Label            int    `json:"label"`
	FromName         string `json:"from_name"`
	AnnotationsCount *int   `json:"annotations_count,omitempty"`
}

// labelObj is LabelSerializer's output: the Label model plus links.
type labelObj struct {
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

// labelLinkBody keeps Label Studio's key order: action, main key,
// project, nested key.
type labelLinkBody struct {
	Action    schemas.Action  `json:"action"`
	LabelLink any             `json:"label_link"`
	Project   json.RawMessage `json:"project"`
	Label     *labelObj       `json:"label,omitempty"`
}

// labelLink builds one LABEL_LINK_* delivery: the mock sends a
// PROJECT_UPDATED, whose headers and project (or, with send_payload off,
// whose action-only shape) the label link body takes.
func (b *builder) labelLink(a schemas.Action) (delivery, error) {
	ds, err := b.emit(schemas.ProjectUpdated, http.MethodPatch, fmt.Sprintf("/api/projects/%d", b.pid), map[string]any{})
	if err != nil {
		return delivery{}, err
	}
	base := ds[0]
	var got struct {
		Project json.RawMessage `json:"project"`
	}
	_ = json.Unmarshal(base.body, &got)
	var body []byte
	if len(got.Project) == 0 { // send_payload off
		body, _ = encodeJSON(map[string]string{"action": string(a)})
	} else {
		fromName, typ, label := "label", "labels", b.g.Title()
		var withLabels []fakedata.Control
		for _, c := range b.lc.Controls {
			if len(c.Labels) > 0 {
				withLabels = append(withLabels, c)
			}
		}
		if len(withLabels) > 0 {
			c := withLabels[b.g.Intn(len(withLabels))]
			fromName, typ, label = c.Name, c.Type(), c.Labels[b.g.Intn(len(c.Labels))]
		}
		b.links++
		link := labelLinkObj{ID: b.links, Project: b.pid, Label: b.links, FromName: fromName}
		out := labelLinkBody{Action: a, Project: got.Project}
		switch a {
		case schemas.LabelLinkCreated:
			out.LabelLink = []labelLinkObj{link}
		case schemas.LabelLinkUpdated:
			n := b.g.Intn(20)
			link.AnnotationsCount = &n
			out.LabelLink = link
			now := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
			out.Label = &labelObj{ID: link.Label, CreatedAt: now, UpdatedAt: now, Value: map[string]any{typ: []string{label}},
				Title: label, Approved: true, CreatedBy: 1, Organization: 1, Links: []int{link.ID}}
		default:
			out.LabelLink = map[string]int{"id": link.ID}
		}
		body, _ = encodeJSON(out)
	}
	body, err = pyjson.Dumps(nil, body) // as python-requests writes it
	if err != nil {
		return delivery{}, fmt.Errorf("%s: %w", a, err)
	}
	if got, problems := schemas.Validate(body); got != a || len(problems) > 0 {
		return delivery{}, fmt.Errorf("%s: the built body breaks the contract (a bug in labelhook): %v\n%s", a, problems, body)
	}
	return delivery{action: a, header: base.header, host: base.host, body: body}, nil
}
