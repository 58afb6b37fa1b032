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
	"strconv"
	"strings"
	"sync"
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
	r := Result{Name: "startup", Unit: "ms", BaseUnit: "ms (trivial Go server)", Goal: "value ≤ 50 ms", goalLimit: 50, onValue: true}
	bins, err := plan.binaries(ctx, &r)
	if err != nil || bins == nil {
		return r, err
	}
	lh, triv := bins.labelhook, bins.trivial
	// Each exec pair is a round; interleave alternates which goes first.
	rounds, err := interleave(ctx, plan.StartupRuns, func() (float64, error) {
		d, err := timeToHealthy(ctx, lh, "serve")
		if err != nil {
			return 0, fmt.Errorf("labelhook serve: %w", err)
		}
		return millis(d), nil
	}, func() (float64, error) {
		d, err := timeToHealthy(ctx, triv)
		if err != nil {
			return 0, fmt.Errorf("trivial server: %w", err)
		}
		return millis(d), nil
	})
	if err != nil {
		return r, err
	}
	r.judge(rounds)
	r.Note = fmt.Sprintf("%d execs each", plan.StartupRuns)
	return r, nil
}

// builds are the two binaries a run builds once, with plain go build
// into a temporary directory (the startup and restart measurements exec
// them).
type builds struct {
	once               sync.Once
	dir                string
	labelhook, trivial string
	skip               string // why they cannot be built here
	err                error
}

// binaries builds labelhook and the trivial server on first use for the
// measurement r. Without go on PATH, or outside the labelhook source tree,
// it says why in r.Skipped and returns no builds and no error.
func (p Plan) binaries(ctx context.Context, r *Result) (*builds, error) {
	b := p.bins
	if b == nil {
		return nil, errors.New("the plan has no build directory (bench.Run makes one)")
	}
	b.once.Do(func() { b.err = b.build(ctx) })
	if b.err == nil && b.skip != "" {
		r.Skipped = b.skip
		return nil, nil
	}
	return b, b.err
}

func (b *builds) build(ctx context.Context) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		b.skip = "go is not on PATH, so the binaries cannot be built the same way"
		return nil
	}
	root, err := moduleRoot(ctx, goTool)
	if err != nil {
		b.skip = err.Error()
		return nil
	}
	if b.dir, err = os.MkdirTemp("", "labelhook-bench-"); err != nil {
		return err
	}
	lh := filepath.Join(b.dir, "labelhook")
	if err := goBuild(ctx, goTool, root, lh, "./cmd/labelhook"); err != nil {
		return err
	}
	src := filepath.Join(b.dir, "trivial")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module trivial\n\ngo 1.26\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(trivialServer), 0o644); err != nil {
		return err
	}
	triv := filepath.Join(b.dir, "trivial-server")
	if err := goBuild(ctx, goTool, src, triv, "."); err != nil {
		return err
	}
	b.labelhook, b.trivial = lh, triv
	return nil
}

// remove deletes the build directory.
func (b *builds) remove() {
	if b != nil && b.dir != "" {
		_ = os.RemoveAll(b.dir)
	}
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

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
// returns the time from exec to the first 200 on /health; then it stops
// the process with an interrupt.
func timeToHealthy(ctx context.Context, bin string, args ...string) (time.Duration, error) {
	p, d, err := startReady(ctx, bin, args...)
	if err != nil {
		return 0, err
	}
	p.stop(os.Interrupt)
	return d, nil
}

// proc is a server process that answered /health.
type proc struct {
	cmd    *exec.Cmd
	exited chan error
	url    string // http://127.0.0.1:port
}

// startReady execs bin with args and --addr on a free loopback port and
// returns it with the time from exec to the first 200 on /health. It
// polls every 200 µs for at most 60 s.
func startReady(ctx context.Context, bin string, args ...string) (*proc, time.Duration, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, 0, err
	}
	addr := ln.Addr().String()
	ln.Close()
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	p := &proc{url: "http://" + addr, exited: make(chan error, 1)}
	p.cmd = exec.Command(bin, append(args, "--addr", addr)...)
	start := time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, 0, err
	}
	go func() { p.exited <- p.cmd.Wait() }()
	deadline := start.Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if err := ctx.Err(); err != nil {
			p.stop(os.Kill)
			return nil, 0, err
		}
		select {
		case err := <-p.exited:
			p.exited <- err // for stop
			return nil, 0, fmt.Errorf("exited before answering /health: %v", err)
		default:
		}
		resp, err := client.Get(p.url + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, time.Since(start), nil
			}
		}
		time.Sleep(200 * time.Microsecond)
	}
	p.stop(os.Kill)
	return nil, 0, errors.New("no 200 on /health within 60 s of " + strconv.Quote(bin))
}

// stop sends sig and waits for the process to end (killing it after 30 s).
func (p *proc) stop(sig os.Signal) {
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}
