//go:build load

package memtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labelhook/labelhook/server"
)

const rows = 1_000_000

func importBody() []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"text":"row %d"}`, i)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// TestTaskLiveCost: a task of small data costs a few hundred bytes of
// live heap.
func TestTaskLiveCost(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector inflates the heap")
	}
	srv, err := server.New(server.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	call(t, ts.URL, "POST", "/api/projects", []byte(`{"title":"Big one"}`))
	body := importBody()
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	base := m.HeapAlloc
	call(t, ts.URL, "POST", "/api/projects/1/import", body)
	body = nil
	runtime.GC()
	runtime.ReadMemStats(&m)
	perTask := (m.HeapAlloc - base) / rows
	t.Logf("live heap per imported task: %d bytes (data: about 20 bytes)", perTask)
	if perTask > 400 {
		t.Errorf("a task costs %d bytes of live heap, want at most 400", perTask)
	}
	runtime.KeepAlive(srv)
}

func call(t *testing.T, url, method, path string, body []byte) []byte {
	t.Helper()
	req, _ := http.NewRequest(method, url+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Token "+server.DefaultToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 5 * time.Minute}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, out)
	}
	return out
}

var readyRE = regexp.MustCompile(`msg="labelhook mock Label Studio ready" url=(\S+)`)

// status reads VmRSS and VmHWM (peak) of pid in MiB.
func status(t *testing.T, pid int) (rss, peak int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	get := func(key string) int {
		m := regexp.MustCompile(key + `:\s+(\d+) kB`).FindSubmatch(b)
		n, _ := strconv.Atoi(string(m[1]))
		return n >> 10
	}
	return get("VmRSS"), get("VmHWM")
}

// TestMillionRowImportAndHugePage: the import stays under 1 GiB RSS (peak)
// with a webhook that gets its TASKS_CREATED chunks; a page_size of 10^12
// then leaves RSS under twice its value before the request. Other
// requests' latency meanwhile is logged (a figure, not a check).
func TestMillionRowImportAndHugePage(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "labelhook")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/labelhook/labelhook/cmd/labelhook").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	var delivered atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		delivered.Add(n)
	}))
	defer hook.Close()

	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := readyRE.FindStringSubmatch(sc.Text()); m != nil {
				ready <- m[1]
			}
		}
	}()
	var url string
	select {
	case url = <-ready:
	case <-time.After(20 * time.Second):
		t.Fatal("serve not ready")
	}
	pid := cmd.Process.Pid
	call(t, url, "POST", "/api/projects", []byte(`{"title":"Big one"}`))
	call(t, url, "POST", "/api/webhooks", []byte(`{"url":"`+hook.URL+`","project":1}`))
	body := importBody()
	call(t, url, "POST", "/api/projects/1/import", body)
	rss, peak := status(t, pid)
	t.Logf("after a %d-row import (%d MB body, %d MB of TASKS_CREATED delivered): RSS %d MiB, peak %d MiB", rows, len(body)>>20, delivered.Load()>>20, rss, peak)
	if peak >= 1024 {
		t.Errorf("peak RSS %d MiB during the import, want under 1024", peak)
	}

	before, _ := status(t, pid)
	var (
		mu   sync.Mutex
		lats []time.Duration
		stop atomic.Bool
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		for !stop.Load() {
			start := time.Now()
			call(t, url, "GET", "/api/projects/1", nil)
			mu.Lock()
			lats = append(lats, time.Since(start))
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
		}
	})
	huge := call(t, url, "GET", "/api/tasks?project=1&page_size=1000000000000", nil)
	stop.Store(true)
	wg.Wait()
	var page struct {
		Tasks []json.RawMessage `json:"tasks"`
		Total int               `json:"total"`
	}
	if err := json.Unmarshal(huge, &page); err != nil || len(page.Tasks) != rows || page.Total != rows {
		t.Fatalf("the huge page: %d tasks, total %d, err %v", len(page.Tasks), page.Total, err)
	}
	after, _ := status(t, pid)
	slices.Sort(lats)
	t.Logf("page_size=10^12: %d MB answer; RSS %d MiB before, %d MiB after; other requests meanwhile: n=%d median %v p99 %v max %v",
		len(huge)>>20, before, after, len(lats), lats[len(lats)/2], lats[len(lats)*99/100], lats[len(lats)-1])
	if after >= 2*before {
		t.Errorf("RSS %d MiB after the huge page, want under twice the %d MiB before", after, before)
	}
}
