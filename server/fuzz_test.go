package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzImportBody posts arbitrary bodies to the import endpoint: the answer
// is never a 5xx, a 201 adds exactly task_count tasks and emits, a 4xx
// changes nothing.
func FuzzImportBody(f *testing.F) {
	for _, seed := range []string{
		`[{"text": "a"}, {"data": {"text": "b"}}]`,
		`{"text": "solo"}`,
		`[{"data": {"text": "a"}, "annotations": [{"result": [], "was_cancelled": true}], "predictions": [{"result": [], "score": 0.5}]}]`,
		`[{"data": {"text": "a"}, "meta": null}]`,
		`[]`, `[1, 2]`, `"text"`, `{`, `[{"text": "a"}]]`, `[{"data": "x"}]`, "\xff\xfe",
		`[{"data": {"text": "a"}, "annotations": [{"result": {"not": "a list"}}]}]`,
		`{"url": "http://example.com/tasks.json"}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		watchdog := time.AfterFunc(3*time.Second, func() { panic(fmt.Sprintf("SLOW INPUT %q", body)) })
		defer watchdog.Stop()
		srv := mustNew(t, Config{Token: testToken})
		create := httptest.NewRequest("POST", "/api/projects", strings.NewReader(`{"title":"Fuzz","label_config":"<View><Text name=\"text\" value=\"$text\"/></View>"}`))
		create.Header.Set("Authorization", "Token "+testToken)
		srv.ServeHTTP(httptest.NewRecorder(), create)

		req := httptest.NewRequest("POST", "/api/projects/1/import?return_task_ids=1", strings.NewReader(body))
		req.Header.Set("Authorization", "Token "+testToken)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for body %q: %s", rec.Code, body, rec.Body)
		}
		srv.st.mu.Lock()
		n := len(srv.st.tasks)
		srv.st.mu.Unlock()
		switch {
		case rec.Code == http.StatusCreated:
			if !strings.Contains(rec.Body.String(), `"task_count":`) {
				t.Fatalf("201 without task_count: %s", rec.Body)
			}
		case rec.Code >= 400:
			if n != 0 {
				t.Fatalf("rejected import (%d) left %d tasks", rec.Code, n)
			}
			if !strings.Contains(rec.Body.String(), `"status_code":`) {
				t.Fatalf("error not in the envelope: %s", rec.Body)
			}
		default:
			t.Fatalf("unexpected status %d", rec.Code)
		}
	})
}

// FuzzLabelConfig feeds arbitrary label configs to project creation: the
// answer is a 201 or a 400, never anything else.
func FuzzLabelConfig(f *testing.F) {
	for _, seed := range []string{
		`<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="A"/></Choices></View>`,
		`<View><Image name="img" value="$image"/><RectangleLabels name="box" toName="img"><Label value="Car"/></RectangleLabels></View>`,
		`<View></View>`, `<View>`, `<Text/>`, `not xml`, ``, `<View><Choices name="c" toName="nope"/></View>`,
		`<?xml version="1.0"?><View><Header value="$title"/></View>`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, cfg string) {
		if _, err := parseLabelConfig(cfg); err != nil && err.Error() == "" {
			t.Fatal("empty error message")
		}
		srv := mustNew(t, Config{Token: testToken})
		body, _ := marshal(map[string]string{"title": "Fuzz", "label_config": cfg})
		req := httptest.NewRequest("POST", "/api/projects", strings.NewReader(string(body)))
		req.Header.Set("Authorization", "Token "+testToken)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != 201 && rec.Code != 400 {
			t.Fatalf("status %d for config %q: %s", rec.Code, cfg, rec.Body)
		}
	})
}
