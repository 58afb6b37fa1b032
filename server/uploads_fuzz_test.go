package server

import (
	"encoding/json"
	"testing"
)

// FuzzUploadFile reads arbitrary file contents under each upload format:
// reading never panics, and every task it yields is {"data": {...}} JSON
// (what the import then validates).
func FuzzUploadFile(f *testing.F) {
	for _, seed := range []struct{ name, content string }{
		{"t.csv", "text,n,f,e\nc1,1,1.5,\n\"c2, x\",2,2.0,z\n"},
		{"s.csv", "text;n\na;1\n"},
		{"t.tsv", "text\tn\nt1\t3\n"},
		{"t.txt", "line one\r\nline two\n"},
		{"t.json", `[{"text": "j1"}, {"data": {"text": "j2"}, "predictions": []}]`},
		{"o.json", `{"text": "single"}`},
		{"b.json", `[{"text": `},
		{"l.csv", "text\na,b\n"},
		{"q.csv", "text\n\"unclosed\n"},
		{"u.txt", "\xff\xfe"},
		{"m.html", "<p>x</p>"},
		{"i.png", "\x89PNG"},
	} {
		f.Add(seed.name, seed.content)
	}
	p := &project{ID: 1}
	p.parsed, _ = parseLabelConfig(`<View><Text name="text" value="$text"/></View>`)
	f.Fuzz(func(t *testing.T, name, content string) {
		file := &uploadedFile{name: name, data: []byte(content), stored: "00000000-" + name}
		tasks, err := readFile(file, p)
		if err != nil {
			return
		}
		for i, task := range tasks {
			var obj struct {
				Data map[string]json.RawMessage `json:"data"`
			}
			if jsonKind(task) != '{' || json.Unmarshal(task, &obj) != nil || obj.Data == nil {
				t.Fatalf("%s %q: task %d is not {\"data\": {...}}: %s", name, content, i, task)
			}
		}
	})
}

// FuzzStorageFile loads arbitrary storage file contents as a sync does:
// never a panic; each object it yields is valid JSON.
func FuzzStorageFile(f *testing.F) {
	for _, seed := range []string{
		`[{"text": "a"}, {"data": {"text": "b"}}]`, `{"text": "c"}`, "{\"text\": \"d\"}\n{\"text\": \"e\"}\n",
		`[{"text": `, "", "plain", `[1, "x", null]`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, content string) {
		objs, err := loadTasksJSON([]byte(content))
		if err != nil {
			return
		}
		for i, o := range objs {
			if !json.Valid(o) {
				t.Fatalf("%q: object %d is not JSON: %s", content, i, o)
			}
		}
	})
}
