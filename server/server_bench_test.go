package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labelhook/labelhook/schemas"
)

// The hot paths of the mock, in-process. `labelhook bench` measures the
// same paths end to end over HTTP against baselines.

const benchConfig = `<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices></View>`

// benchRows is an import body of n tasks with paragraph-sized text.
func benchRows(n int) []byte {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"data": {"text": "Review %d: the delivery was late, the box was dented and support took three days to answer, but the product itself works as described.", "source": "shop-%d"}}`, i, i%7)
	}
	b.WriteByte(']')
	return []byte(b.String())
}

// benchServer is a mock with one project of n tasks (none when n is 0)
// and, if hook is not empty, one project webhook for every action to hook.
func benchServer(b *testing.B, n int, hook string) (*Server, int, []int) {
	b.Helper()
	// The tests' recount and journal checks would make every request
	// O(tasks) again.
	verifyCounts, verifyJournal, verifyRendered, verifySlots = false, false, false, false
	b.Cleanup(func() { verifyCounts, verifyJournal, verifyRendered, verifySlots = true, true, true, true })
	s := mustNew(b, Config{Token: testToken})
	b.Cleanup(func() { _ = s.Close(context.Background()) }) // b.Context() is already cancelled in Cleanup
	var p struct {
		ID int `json:"id"`
	}
	benchCall(b, s, "POST", "/api/projects", fmt.Sprintf(`{"title":"Bench","label_config":%q}`, benchConfig), &p)
	if hook != "" {
		benchCall(b, s, "POST", "/api/webhooks", fmt.Sprintf(`{"url":%q,"project":%d}`, hook, p.ID), nil)
	}
	if n == 0 {
		return s, p.ID, nil
	}
	var imp struct {
		TaskIDs []int `json:"task_ids"`
	}
	benchCall(b, s, "POST", fmt.Sprintf("/api/projects/%d/import?return_task_ids=1", p.ID), string(benchRows(n)), &imp)
	return s, p.ID, imp.TaskIDs
}

func benchCall(b testing.TB, s *Server, method, path, body string, out any) {
	b.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Token "+testToken)
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code/100 != 2 {
		b.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
	}
	if out != nil {
		if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
			b.Fatal(err)
		}
	}
}

// sink is a receiver that reads and drops every webhook.
func sink(b *testing.B) string {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	b.Cleanup(ts.Close)
	return ts.URL
}

// BenchmarkPlanTasksCreated plans and serialises one TASKS_CREATED chunk
// of 5000 tasks (the payload of a big import), per task. In sync mode the
// chunk's body is built lazily when it is sent (chunkBody.get, which
// takes the store lock itself), so the benchmark builds it as deliver
// does.
func BenchmarkPlanTasksCreated(b *testing.B) {
	s, pid, ids := benchServer(b, DefaultBatchSize, "http://127.0.0.1:1/hook")
	b.ReportAllocs()
	var size int
	for b.Loop() {
		s.st.mu.Lock()
		ds := s.plan(tasksCreated(s.st, pid, ids))
		s.st.mu.Unlock()
		if len(ds) != 1 || ds[0].full == nil {
			b.Fatalf("%d deliveries, want 1 with a lazily built body", len(ds))
		}
		body := ds[0].full.get()
		ds[0].full.done()
		if len(body) < len(ids)*100 {
			b.Fatalf("body of %d bytes for %d tasks", len(body), len(ids))
		}
		size = len(body)
	}
	b.SetBytes(int64(size))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ids)), "ns/task")
}

// BenchmarkPlanAnnotationCreated serialises one ANNOTATION_CREATED (the
// annotation, its task and the project with its counters) in a project of
// 10 000 tasks: its cost must not grow with the project.
func BenchmarkPlanAnnotationCreated(b *testing.B) {
	s, _, ids := benchServer(b, 10000, "http://127.0.0.1:1/hook")
	var a struct {
		ID int `json:"id"`
	}
	benchCall(b, s, "POST", fmt.Sprintf("/api/tasks/%d/annotations", ids[0]),
		`{"result":[{"id":"r1","from_name":"sentiment","to_name":"text","type":"choices","value":{"choices":["Positive"]}}],"lead_time":3.5}`, &a)
	b.ReportAllocs()
	for b.Loop() {
		s.st.mu.Lock()
		s.st.touch(ids[0]) // as a change to the task would
		ds := s.plan(annotationEvent(s.st, schemas.AnnotationCreated, s.st.annotations[a.ID]))
		s.st.mu.Unlock()
		if len(ds) != 1 {
			b.Fatalf("%d deliveries, want 1", len(ds))
		}
	}
}

// BenchmarkImportParse validates the rows of a 10 000-task import body
// (what happens between reading the body and creating the tasks).
func BenchmarkImportParse(b *testing.B) {
	body := benchRows(10000)
	lc, err := parseLabelConfig(benchConfig)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		raw, err := parseJSON(body)
		if err != nil {
			b.Fatal(err)
		}
		var rows []json.RawMessage
		if err := json.Unmarshal(raw, &rows); err != nil {
			b.Fatal(err)
		}
		if _, err := readImportItems(rows, lc, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDeliver makes one ANNOTATION_CREATED-sized delivery to a
// loopback receiver that drops it: request, headers, answer, log and
// failure accounting.
func BenchmarkDeliver(b *testing.B) {
	url := sink(b)
	s, _, ids := benchServer(b, 10, url)
	var a struct {
		ID int `json:"id"`
	}
	benchCall(b, s, "POST", fmt.Sprintf("/api/tasks/%d/annotations", ids[0]), `{"result":[],"lead_time":1}`, &a)
	s.st.mu.Lock()
	ds := s.plan(annotationEvent(s.st, schemas.AnnotationCreated, s.st.annotations[a.ID]))
	s.st.mu.Unlock()
	if len(ds) != 1 {
		b.Fatalf("%d deliveries, want 1", len(ds))
	}
	// The body built once: a chunk's body is dropped after its last
	// delivery, and this one is delivered again and again.
	d := ds[0]
	d.body, d.full = d.full.get(), nil
	b.SetBytes(int64(len(d.body)))
	b.ReportAllocs()
	for b.Loop() {
		s.out.deliver(d)
	}
	if got := s.Deliveries(func(a Attempt) bool { return a.Outcome != OutcomeDelivered }); len(got) > 0 {
		b.Fatalf("failed deliveries: %+v", got[0])
	}
}

// BenchmarkAnnotationPost is the mock's whole share of one end-to-end
// event (labelhook bench P2): POST /api/tasks/{id}/annotations in a
// project of 10 000 tasks, the ANNOTATION_CREATED body built and
// delivered synchronously to a loopback receiver that drops it, and the
// answer written.
func BenchmarkAnnotationPost(b *testing.B) {
	s, _, ids := benchServer(b, 10000, sink(b))
	body := `{"result":[{"id":"r1","from_name":"sentiment","to_name":"text","type":"choices","value":{"choices":["Positive"]}}],"lead_time":3.5}`
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if code := benchAnnotate(s, ids[i%len(ids)], body); code != http.StatusCreated {
			b.Fatalf("POST: %d", code)
		}
		i++
	}
}

// benchAnnotate POSTs body as an annotation of task id straight to s's
// handler, its answer discarded, and returns the status.
func benchAnnotate(s *Server, id int, body string) int {
	req := httptest.NewRequest("POST", fmt.Sprintf("/api/tasks/%d/annotations", id), strings.NewReader(body))
	req.Header.Set("Authorization", "Token "+testToken)
	req.Header.Set("Content-Type", "application/json")
	d := &discard{h: http.Header{}, code: 200}
	s.ServeHTTP(d, req)
	return d.code
}

// BenchmarkAnnotationPostParallel: 16 clients POST annotations at once
// (labelhook bench's durability measurement), in memory and with the
// state journalled and fsynced before each answer (writes that arrive
// together share one fsync).
func BenchmarkAnnotationPostParallel(b *testing.B) {
	for _, durable := range []bool{false, true} {
		b.Run(fmt.Sprintf("state=%v", durable), func(b *testing.B) {
			s, _, ids := benchServer(b, 10000, "")
			if durable {
				s2 := mustNew(b, Config{Token: testToken})
				if _, err := s2.OpenState(filepath.Join(b.TempDir(), "state.json")); err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = s2.Close(context.Background()) })
				var p struct {
					ID int `json:"id"`
				}
				benchCall(b, s2, "POST", "/api/projects", fmt.Sprintf(`{"title":"Bench","label_config":%q}`, benchConfig), &p)
				var imp struct {
					TaskIDs []int `json:"task_ids"`
				}
				benchCall(b, s2, "POST", fmt.Sprintf("/api/projects/%d/import?return_task_ids=1", p.ID), string(benchRows(10000)), &imp)
				s, ids = s2, imp.TaskIDs
			}
			body := `{"result":[{"id":"r1","from_name":"sentiment","to_name":"text","type":"choices","value":{"choices":["Positive"]}}],"lead_time":3.5}`
			var next atomic.Int64
			cpu := cpuTime()
			b.SetParallelism(8) // 16 clients on 2 CPUs
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(next.Add(1))
					if code := benchAnnotate(s, ids[i%len(ids)], body); code != http.StatusCreated {
						b.Errorf("POST: %d", code)
						return
					}
				}
			})
			b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
		})
	}
}

// BenchmarkImport is labelhook bench's P3 in-process: one POST
// /api/projects/{id}/import of 20 000 tasks into an empty project with a
// webhook for every action to a loopback receiver that drops the bodies
// (4 TASKS_CREATED of 5000, built and delivered before the answer), per
// task.
func BenchmarkImport(b *testing.B) {
	const n = 20000
	body := string(benchRows(n))
	url := sink(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, pid, _ := benchServer(b, 0, url)
		b.StartTimer()
		benchCall(b, s, "POST", fmt.Sprintf("/api/projects/%d/import", pid), body, nil)
		b.StopTimer()
		_ = s.Close(context.Background())
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/task")
}
