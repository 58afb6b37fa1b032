//go:build load

package crashtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	trials = flag.Int("trials", 20, "SIGKILL trials")
	bin    string
)

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "labelhook-crash-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "labelhook")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/labelhook/labelhook/cmd/labelhook").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build labelhook: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var readyRE = regexp.MustCompile(`msg="labelhook mock Label Studio ready" url=(\S+)`)

// serve starts `labelhook serve --state path` and returns its URL.
func serve(t *testing.T, path string) (*exec.Cmd, string) {
	t.Helper()
	// A small compaction threshold, so that SIGKILL also lands during
	// compactions (the snapshot rewrite and the journal cut).
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--state", path, "--state-compact-at", "65536")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan string, 1)
	var log bytes.Buffer
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			log.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := readyRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		close(found)
	}()
	select {
	case url, ok := <-found:
		if !ok {
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("serve exited before it was ready:\n%s", log.String())
		}
		return cmd, url
	case <-time.After(20 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("serve was not ready within 20 s:\n%s", log.String())
	}
	return nil, ""
}

var client = &http.Client{Timeout: 10 * time.Second}

// call sends one request; it returns the status and body, or an error
// when the process died under it.
func call(url, method, path string, body any) (int, []byte, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, url+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Token labelhook-dev-token-0123456789abcdef0123")
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

func id(body []byte) int {
	var v struct {
		ID int `json:"id"`
	}
	_ = json.Unmarshal(body, &v)
	return v.ID
}

// TestSIGKILLLosesNoAcknowledgedWrite: writers create tasks and annotate
// them; at a random moment the server gets SIGKILL; after a restart every
// task and annotation that got a 201 is there, and the next ids are above
// every id any client was given.
func TestSIGKILLLosesNoAcknowledgedWrite(t *testing.T) {
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	lost, reused := 0, 0
	for trial := range *trials {
		path := filepath.Join(t.TempDir(), "s.json")
		cmd, url := serve(t, path)
		status, body, err := call(url, "POST", "/api/projects", map[string]any{"title": "Crash"})
		if err != nil || status != 201 {
			t.Fatalf("create project: %d %v %s", status, err, body)
		}
		pid := id(body)

		var mu sync.Mutex
		var tasks, anns []int
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Go(func() {
				for i := 0; ctx.Err() == nil; i++ {
					st, b, err := call(url, "POST", "/api/tasks", map[string]any{"project": pid, "data": map[string]any{"w": w, "i": i}})
					if err != nil || st != 201 {
						return
					}
					tid := id(b)
					mu.Lock()
					tasks = append(tasks, tid)
					mu.Unlock()
					st, b, err = call(url, "POST", fmt.Sprintf("/api/tasks/%d/annotations", tid), map[string]any{"result": []any{}})
					if err != nil || st != 201 {
						return
					}
					mu.Lock()
					anns = append(anns, id(b))
					mu.Unlock()
				}
			})
		}
		time.Sleep(time.Duration(100+rng.IntN(700)) * time.Millisecond) // the random moment of the crash
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		stop()
		wg.Wait()

		_, url = serve(t, path)
		mu.Lock()
		if len(tasks) == 0 {
			t.Errorf("trial %d: no write was acknowledged before SIGKILL, so the trial checked nothing", trial)
		}
		lostBefore := lost
		for _, tid := range tasks {
			if st, _, err := call(url, "GET", fmt.Sprintf("/api/tasks/%d", tid), nil); err != nil || st != 200 {
				lost++
				t.Errorf("trial %d: acknowledged task %d is gone after SIGKILL (status %d, %v)", trial, tid, st, err)
			}
		}
		for _, aid := range anns {
			if st, _, err := call(url, "GET", fmt.Sprintf("/api/annotations/%d", aid), nil); err != nil || st != 200 {
				lost++
				t.Errorf("trial %d: acknowledged annotation %d is gone after SIGKILL (status %d, %v)", trial, aid, st, err)
			}
		}
		_, b, _ := call(url, "POST", "/api/tasks", map[string]any{"project": pid, "data": map[string]any{"after": true}})
		if next := id(b); len(tasks) > 0 && next <= slices.Max(tasks) {
			reused++
			t.Errorf("trial %d: the first task after the restart got id %d, but a client already holds %d", trial, next, slices.Max(tasks))
		}
		if lost == lostBefore {
			t.Logf("trial %d: %d tasks and %d annotations acknowledged before SIGKILL, all present", trial, len(tasks), len(anns))
		}
		mu.Unlock()
	}
	t.Logf("%d trials: %d acknowledged writes lost, %d ids reused", *trials, lost, reused)
}
