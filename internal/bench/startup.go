package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// trivialServer is the startup baseline: the least a Go HTTP server does before
// it answers /health.
const trivialServer = `package main

import (
	"flag"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "")
	flag.Parse()
	http.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(` + "`" + `{"status":"UP"}` + "`" + `))
	})
	_ = http.ListenAndServe(*addr, nil)
}
`

// Startup measures exec to the first 200 on /health, median of
// plan.StartupRuns, for labelhook serve and for the trivial server. Both
// are built with plain `go build` into a temporary directory, so they
// get the same toolchain and flags. Without go on PATH, or outside the
// labelhook source tree, it is skipped (the rest of the run goes on).
func Startup(ctx context.Context, plan Plan) (Result, error) {
	r := Result{Name: "startup", Unit: "ms", BaseUnit: "ms", Goal: "value ≤ 50 ms"}
	goTool, err := exec.LookPath("go")
	if err != nil {
		r.Skipped = "go is not on PATH, so the two binaries cannot be built the same way"
		return r, nil
	}
	root, err := moduleRoot(ctx, goTool)
	if err != nil {
		r.Skipped = err.Error()
		return r, nil
	}
	dir, err := os.MkdirTemp("", "labelhook-bench-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	lh := filepath.Join(dir, "labelhook")
	if err := goBuild(ctx, goTool, root, lh, "./cmd/labelhook"); err != nil {
		return r, err
	}
	src := filepath.Join(dir, "trivial")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return r, err
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module trivial\n\ngo 1.26\n"), 0o644); err != nil {
		return r, err
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(trivialServer), 0o644); err != nil {
		return r, err
	}
	triv := filepath.Join(dir, "trivial-server")
	if err := goBuild(ctx, goTool, src, triv, "."); err != nil {
		return r, err
	}
	// Alternate the two so that drift on a shared machine hits both.
	var lhTimes, baseTimes []time.Duration
	for range plan.StartupRuns {
		d, err := timeToHealthy(ctx, lh, "serve")
		if err != nil {
			return r, fmt.Errorf("labelhook serve: %w", err)
		}
		lhTimes = append(lhTimes, d)
		d, err = timeToHealthy(ctx, triv)
		if err != nil {
			return r, fmt.Errorf("trivial server: %w", err)
		}
		baseTimes = append(baseTimes, d)
	}
	r.Value = millis(median(lhTimes))
	r.Base = millis(median(baseTimes))
	r.judge()
	r.OK = r.Value <= 50
	r.Note = fmt.Sprintf("median of %d execs each", plan.StartupRuns)
	return r, nil
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// moduleRoot is the directory of the labelhook go.mod around the working
// directory, or an error saying why the startup measurement cannot build from here.
func moduleRoot(ctx context.Context, goTool string) (string, error) {
	out, err := exec.CommandContext(ctx, goTool, "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run from the labelhook source tree: the startup measurement builds labelhook with go build")
	}
	b, err := os.ReadFile(mod)
	if err != nil || !strings.Contains(string(b), "module github.com/labelhook/labelhook\n") {
		return "", fmt.Errorf("run from the labelhook source tree: %s is another module", mod)
	}
	return filepath.Dir(mod), nil
}

func goBuild(ctx context.Context, goTool, dir, out, pkg string) error {
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", out, pkg)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v: %s", pkg, err, b)
	}
	return nil
}

// timeToHealthy execs bin with args and --addr on a free loopback port and
// returns the time from exec to the first 200 on /health. It polls every
// 200 µs for at most 10 s, then stops the process.
func timeToHealthy(ctx context.Context, bin string, args ...string) (time.Duration, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	addr := ln.Addr().String()
	ln.Close()
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	url := "http://" + addr + "/health"

	cmd := exec.Command(bin, append(args, "--addr", addr)...)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	deadline := start.Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		select {
		case err := <-exited:
			exited <- err // for the deferred stop
			return 0, fmt.Errorf("exited before answering /health: %v", err)
		default:
		}
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		time.Sleep(200 * time.Microsecond)
	}
	return 0, errors.New("no 200 on /health within 10 s of " + strconv.Quote(bin))
}
