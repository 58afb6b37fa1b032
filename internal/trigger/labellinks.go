package trigger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/labelhook/labelhook/internal/apiclient"
	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// labelLink is LabelLinkSerializer's output (docs/label-studio-behaviour.md#label-links).
type labelLink struct {
	ID               int    `json:"id"`
	Project          int    `json:"project"`
	Label            int    `json:"label"`
	FromName         string `json:"from_name"`
	AnnotationsCount *int   `json:"annotations_count,omitempty"`
}

// labelObject is LabelSerializer's output: the Label model plus links.
type labelObject struct {
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
	Label     *labelObject    `json:"label,omitempty"`
}

// sendLabelLink builds a LABEL_LINK_* body as Label Studio does
// (docs/label-studio-behaviour.md#actions, #label-links) with a
// label of the config, checks it against the schemas and posts it as the
// mock posts webhooks.
func (tr *Trigger) sendLabelLink(ctx context.Context, a schemas.Action, pid int) (Result, error) {
	var body []byte
	if tr.o.NoPayload {
		body, _ = apiclient.Marshal(map[string]string{"action": string(a)})
	} else {
		project, err := tr.projectPayload(ctx, pid)
		if err != nil {
			return Result{}, err
		}
		fromName, typ, label := "label", "labels", tr.g.Title()
		var withLabels []fakedata.Control
		for _, c := range tr.cfg.Controls {
			if len(c.Labels) > 0 {
				withLabels = append(withLabels, c)
			}
		}
		if len(withLabels) > 0 {
			c := withLabels[tr.g.Intn(len(withLabels))]
			fromName, typ, label = c.Name, c.Type(), c.Labels[tr.g.Intn(len(c.Labels))]
		}
		tr.links++
		link := labelLink{ID: tr.links, Project: pid, Label: tr.links, FromName: fromName}
		out := labelLinkBody{Action: a, Project: project}
		switch a {
		case schemas.LabelLinkCreated:
			out.LabelLink = []labelLink{link}
		case schemas.LabelLinkUpdated:
			n := tr.g.Intn(20)
			link.AnnotationsCount = &n
			out.LabelLink = link
			now := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
			out.Label = &labelObject{ID: link.Label, CreatedAt: now, UpdatedAt: now, Value: map[string]any{typ: []string{label}},
				Title: label, Approved: true, CreatedBy: 1, Organization: 1, Links: []int{link.ID}}
		default:
			out.LabelLink = map[string]int{"id": link.ID}
		}
		body, _ = apiclient.Marshal(out)
	}
	if got, problems := schemas.Validate(body); got != a || len(problems) > 0 {
		return Result{}, fmt.Errorf("built body breaks the contract (a bug in labelhook): %v\n%s", problems, body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tr.o.To, bytes.NewReader(body))
	if err != nil {
		return Result{}, err
	}
	// The headers of the mock's deliveries (server/delivery.go).
	req.Header.Set("User-Agent", server.DefaultUserAgent)
	req.Header.Set("Accept", "*/*")
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	req.Header.Set("Content-Type", "application/json")
	for _, kv := range tr.o.Headers {
		req.Header.Del(kv[0])
		req.Header[http.CanonicalHeaderKey(kv[0])] = []string{kv[1]}
	}
	tr.rec.take()
	if resp, err := tr.direct.Do(req); err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
	}
	return tr.result(a)
}
