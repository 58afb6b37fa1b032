package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// The big-project reads (`labelhook bench` P6 measures them over HTTP):
// a Data Manager page, the legacy SDK's id listing, a filtered page and
// the export, on a project whose tasks each have one annotation.

const readBenchTasks = 50000

// annotatedServer is a mock with one project of n tasks, each with one
// annotation.
func annotatedServer(b testing.TB, n int) (*Server, int) {
	b.Helper()
	// The tests' recount and journal checks would make every import
	// O(store) again.
	verifyCounts, verifyJournal, verifyRendered, verifySlots = false, false, false, false
	b.Cleanup(func() { verifyCounts, verifyJournal, verifyRendered, verifySlots = true, true, true, true })
	s := mustNew(b, Config{Token: testToken})
	var p struct {
		ID int `json:"id"`
	}
	benchCall(b, s, "POST", "/api/projects", fmt.Sprintf(`{"title":"Bench","label_config":%q}`, benchConfig), &p)
	for done := 0; done < n; done += 10000 {
		benchCall(b, s, "POST", fmt.Sprintf("/api/projects/%d/import", p.ID), annotatedRows(done, min(10000, n-done)), nil)
	}
	return s, p.ID
}

// discard is a ResponseWriter that counts and drops the body.
type discard struct {
	h    http.Header
	code int
	n    int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(code int)        { d.code = code }
func (d *discard) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }

// serveDiscard runs one GET and returns the answer's size.
func serveDiscard(b testing.TB, s *Server, path string) int {
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "Token "+testToken)
	d := &discard{h: http.Header{}, code: 200}
	s.ServeHTTP(d, req)
	if d.code != 200 {
		b.Fatalf("GET %s: %d", path, d.code)
	}
	return d.n
}

func benchGET(b *testing.B, s *Server, path string, perItem int) {
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = serveDiscard(b, s, path)
	}
	b.SetBytes(int64(n))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perItem), "ns/task")
}

// BenchmarkTaskListPage: pages of 100 of a 50k-task project, the default
// (task_only) shape: the first, the middle and the last page, each read
// again and again, and every page in turn as the SDKs page (each read
// once before, so the render cache holds them). A page costs its 100
// tasks, not the project.
func BenchmarkTaskListPage(b *testing.B) {
	s, pid := annotatedServer(b, readBenchTasks)
	for _, page := range []int{1, 250, 500} {
		b.Run(fmt.Sprintf("page=%d", page), func(b *testing.B) {
			benchGET(b, s, fmt.Sprintf("/api/tasks?project=%d&page_size=100&page=%d", pid, page), 100)
		})
	}
	b.Run("every-page", func(b *testing.B) { benchEveryPage(b, s, pid, readBenchTasks) })
}

// BenchmarkTaskListPageScaling: every page of 100 in turn at 5k, 50k and
// 500k tasks; ns/task must stay flat (the 500k project takes a while to
// build).
func BenchmarkTaskListPageScaling(b *testing.B) {
	for _, n := range []int{5000, 50000, 500000} {
		b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) {
			s, pid := annotatedServer(b, n)
			benchEveryPage(b, s, pid, n)
		})
	}
}

// benchEveryPage reads every page of 100 of project pid (n tasks) once,
// then times reading them in turn.
func benchEveryPage(b *testing.B, s *Server, pid, n int) {
	pages := (n + 99) / 100
	path := func(page int) string {
		return fmt.Sprintf("/api/tasks?project=%d&page_size=100&page=%d", pid, page)
	}
	for page := 1; page <= pages; page++ {
		serveDiscard(b, s, path(page))
	}
	b.ReportAllocs()
	page := 0
	for b.Loop() {
		page = page%pages + 1
		serveDiscard(b, s, path(page))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/task")
}

// BenchmarkTaskListIDs: a page of the legacy SDK's get_tasks_ids
// (fields=all&include=id with its query).
func BenchmarkTaskListIDs(b *testing.B) {
	s, pid := annotatedServer(b, readBenchTasks)
	q := url.QueryEscape(`{"filters": null, "ordering": [], "selectedItems": {"all": true, "excluded": []}}`)
	benchGET(b, s, fmt.Sprintf("/api/tasks?project=%d&page=250&page_size=100&query=%s&fields=all&resolve_uri=True&include=id", pid, q), 100)
}

// BenchmarkTaskListFilteredPage: a page of a filtered, ordered list; the
// selection is made once and kept until the store changes.
func BenchmarkTaskListFilteredPage(b *testing.B) {
	s, pid := annotatedServer(b, readBenchTasks)
	q := url.QueryEscape(`{"filters": {"conjunction": "and", "items": [{"filter": "filter:tasks:annotations_results", "operator": "contains", "value": "Positive", "type": "String"}]}, "ordering": ["-tasks:id"]}`)
	benchGET(b, s, fmt.Sprintf("/api/tasks?project=%d&page=100&page_size=100&query=%s", pid, q), 100)
}

// BenchmarkExport: the whole project as a JSON export, per task.
func BenchmarkExport(b *testing.B) {
	s, pid := annotatedServer(b, readBenchTasks)
	benchGET(b, s, fmt.Sprintf("/api/projects/%d/export?exportType=JSON", pid), readBenchTasks)
}

// BenchmarkTaskSelectFiltered: making a filtered, ordered selection of a
// 50k-task project (what the first page of a new query, or the first after
// a change, pays), per task: each task's field read and the filter's value
// compared.
func BenchmarkTaskSelectFiltered(b *testing.B) {
	s, pid := annotatedServer(b, readBenchTasks)
	for _, tc := range []struct{ name, query string }{
		{"results-contains", `{"filters": {"conjunction": "and", "items": [{"filter": "filter:tasks:annotations_results", "operator": "contains", "value": "Positive", "type": "String"}]}, "ordering": ["-tasks:id"]}`},
		{"lead-time-range", `{"filters": {"conjunction": "and", "items": [{"filter": "filter:tasks:avg_lead_time", "operator": "in", "value": {"min": 10, "max": 40}, "type": "Number"}]}, "ordering": ["tasks:avg_lead_time"]}`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			q, err := parseDMQuery([]byte(tc.query), "query")
			if err != nil {
				b.Fatal(err)
			}
			s.st.mu.Lock()
			defer s.st.mu.Unlock()
			p := s.st.projects[pid]
			b.ReportAllocs()
			var n int
			for b.Loop() {
				n = len(s.selectTasks(p, q, nil))
			}
			if n == 0 || n == readBenchTasks {
				b.Fatalf("%d tasks selected of %d: the filter does not filter", n, readBenchTasks)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*readBenchTasks), "ns/task")
		})
	}
}
