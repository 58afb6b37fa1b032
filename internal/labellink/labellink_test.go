package labellink

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/schemas"
)

func TestBody(t *testing.T) {
	cfg, err := fakedata.ParseConfig(fakedata.NERConfig)
	if err != nil {
		t.Fatal(err)
	}
	project := json.RawMessage(`{"id": 7, "title": "Ünïcode"}`)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		a       schemas.Action
		project json.RawMessage
		prefix  string // the body starts so: key order and json.dumps spacing
		has     []string
	}{
		{"created", schemas.LabelLinkCreated, project, `{"action": "LABEL_LINK_CREATED", "label_link": [{"id": 3, "from_name": "label", "project": 7, "label": 3}], "project": {"id": 7, "title": "\u00dcn\u00efcode"}}`, nil},
		{"updated", schemas.LabelLinkUpdated, project, `{"action": "LABEL_LINK_UPDATED", "label_link": {"id": 3, "from_name": "label", "project": 7, "label": 3}, "project": `,
			[]string{`"label": {"id": 3, "created_at": "2026-03-01T09:00:00.000000Z"`, `"links": [3]}}`}},
		{"deleted", schemas.LabelLinkDeleted, project, `{"action": "LABEL_LINK_DELETED", "label_link": {"id": 3}, "project": {"id": 7`, nil},
		{"send_payload off", schemas.LabelLinkDeleted, nil, `{"action": "LABEL_LINK_DELETED"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Body(tt.a, 3, 7, tt.project, cfg, fakedata.New(1), now)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(b), tt.prefix) {
				t.Errorf("Body(%s):\n%s\nwant it to start with\n%s", tt.a, b, tt.prefix)
			}
			for _, h := range tt.has {
				if !strings.Contains(string(b), h) {
					t.Errorf("Body(%s):\n%s\nlacks %s", tt.a, b, h)
				}
			}
		})
	}
	if _, err := Body(schemas.TasksCreated, 1, 7, project, cfg, fakedata.New(1), now); err == nil {
		t.Error("Body(TASKS_CREATED) gave no error")
	}
}

func TestFromProjectUpdated(t *testing.T) {
	cfg, err := fakedata.ParseConfig(fakedata.NERConfig)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name, in, want string
	}{
		{"the project of the payload", `{"action": "PROJECT_UPDATED", "project": {"id": 9, "title": "p"}}`,
			`{"action": "LABEL_LINK_DELETED", "label_link": {"id": 3}, "project": {"id": 9, "title": "p"}}`},
		{"send_payload off", `{"action": "PROJECT_UPDATED"}`, `{"action": "LABEL_LINK_DELETED"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := FromProjectUpdated(schemas.LabelLinkDeleted, 3, []byte(tt.in), cfg, fakedata.New(1), now)
			if err != nil || string(b) != tt.want {
				t.Errorf("FromProjectUpdated(%s) = %s, %v; want %s", tt.in, b, err, tt.want)
			}
		})
	}
	if _, err := FromProjectUpdated(schemas.LabelLinkDeleted, 3, []byte(`{"project": "x"}`), cfg, fakedata.New(1), now); err == nil {
		t.Error("a project that is not an object: no error")
	}
}
