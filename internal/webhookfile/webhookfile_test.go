package webhookfile

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/labelhook/labelhook/schemas"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []Body
	}{
		{"one body", `{"action":"X"}`, []Body{{body: []byte(`{"action":"X"}`)}}},
		{"one record", `{"seq":1,"body":{"action":"X"}}`, []Body{{body: []byte(`{"action":"X"}`)}}},
		{"a record without errors nor body", `{"body":null}`, []Body{{known: []schemas.Problem{{Path: "$", Message: "body not recorded: over the size limit or unreadable"}}}}},
		{"text of a body that was not UTF-8", `{"body":"{\"a\":\"\ufffd\"}","errors":[{"path":"$","message":"body is not JSON: the body is not valid UTF-8"}]}`,
			[]Body{{known: []schemas.Problem{{Path: "$", Message: "body is not JSON: the body is not valid UTF-8"}}}}},
		{"text of a body that was not JSON", `{"body":"{","errors":[{"path":"$","message":"not JSON: x"}]}`, []Body{{body: []byte(`{`)}}},
		{"a JSON string body", `{"body":"{","errors":[{"path":"$","message":"expected object, got string"}]}`, []Body{{body: []byte(`"{"`)}}},
		{"a string body without errors", `{"body":"{"}`, []Body{{body: []byte(`{`)}}},
		{"an array body is one body", `[{"action":"X"}]`, []Body{{body: []byte(`[{"action":"X"}]`)}}},
		{"an array mixing records and bodies is one body", `[{"body":{}},{"action":"X"}]`, []Body{{body: []byte(`[{"body":{}},{"action":"X"}]`)}}},
		{"empty array is one body", `[]`, []Body{{body: []byte(`[]`)}}},
		{"records in an array", "[\n{\"body\":{\"a\":1}},\n\n  {\"body\":2}]", []Body{{line: 2, body: []byte(`{"a":1}`)}, {line: 4, body: []byte(`2`)}}},
		{"JSON Lines mixing records and bodies", "{\"body\":{\"a\":1}}\n{\"action\":\"X\"}\n", []Body{{line: 1, body: []byte(`{"a":1}`)}, {line: 2, body: []byte(`{"action":"X"}`)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split([]byte(tt.data))
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(Body{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Split(%q) (-want +got):\n%s", tt.data, diff)
			}
		})
	}
}

// FuzzSplit: no file makes Split panic, every body found is
// checked, and a non-blank file has at least one body.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{`{"action": "TASKS_CREATED", "tasks": [{"id": 18, "data": {"text": "great"}, "project": 2}], "project": {"id": 2, "title": "Sentiment"}}`, "{\n  \"action\": \"TASKS_DELETED\",\n  \"tasks\": [\n    {\"id\": 18},\n  ]\n}\n", "", "\n\n", "[]", `[{"body":null}]`,
		`{"seq":1,"body":"not json","errors":[{"path":"$","message":"m"}]}`, "{\"body\":{}}\n{\"body\":\"\\\"x\\\"\"}\n{",
		"[\n{\"body\":{}},\n{\"body\":1}\n]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		bodies := Split(data)
		if len(bytes.TrimSpace(data)) > 0 && len(bodies) == 0 {
			t.Fatalf("%q: no body found", data)
		}
		for _, b := range bodies {
			line, _ := b.Check()
			if line < 0 || line > bytes.Count(data, []byte("\n"))+1 {
				t.Errorf("%q: body %v reported at line %d", data, b, line)
			}
		}
	})
}
