//go:build browser

package inspector_test

// The browser tests drive the inspector pages in headless Chromium with
// chromedp (go test -tags browser ./internal/inspector). They need a
// Chromium binary: LABELHOOK_CHROMIUM, or Debian's /usr/bin/chromium
// (apt-get install chromium). No network: the browser starts with every
// background lookup off and talks only to the 127.0.0.1 servers the tests
// start.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/labelhook/labelhook/internal/loopback"
)

var (
	browserCtx context.Context
	screenshot = flag.String("screenshot", "", "write the docs' screenshots into this folder (e.g. ../../docs)")
)

func TestMain(m *testing.M) {
	flag.Parse()
	code, err := runWithBrowser(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "browser tests:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func chromiumPath() (string, error) {
	if p := os.Getenv("LABELHOOK_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("no Chromium found: apt-get install chromium, or set LABELHOOK_CHROMIUM")
}

// runWithBrowser starts one headless Chromium for every test (each test
// gets its own tab) and stops it after them.
func runWithBrowser(m *testing.M) (int, error) {
	path, err := chromiumPath()
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "labelhook-chromium-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(dir),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.WindowSize(1440, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(bctx) }() // the first Do starts the browser
	select {
	case err := <-started:
		if err != nil {
			return 0, fmt.Errorf("start %s: %w", path, err)
		}
	case <-time.After(60 * time.Second):
		return 0, fmt.Errorf("start %s: no answer within 60s", path)
	}
	browserCtx = bctx
	return m.Run(), nil
}

// tab is one browser tab for one test. Every uncaught exception and
// console error in it fails the test.
type tab struct {
	t   *testing.T
	ctx context.Context
}

func newTab(t *testing.T) *tab {
	t.Helper()
	var mu sync.Mutex
	var problems []string
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithListener(func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			problems = append(problems, "uncaught exception: "+e.ExceptionDetails.Text+" "+describe(e.ExceptionDetails.Exception))
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, describe(a))
				}
				problems = append(problems, "console.error: "+strings.Join(parts, " "))
			}
		}
	}))
	t.Cleanup(func() {
		cancel()
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("page: %s", p)
		}
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return &tab{t: t, ctx: ctx}
}

func describe(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if o.Description != "" {
		return o.Description
	}
	return string(o.Value)
}

// actionTimeout bounds every step a test takes in the page.
const actionTimeout = 30 * time.Second

func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("browser: %v", err)
	}
}

// eval runs expr in the page and decodes its value into T; a promise is awaited.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor waits until expr is truthy in the page; what fails says what.
func (tb *tab) waitFor(what, expr string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		tb.t.Fatalf("waiting for %s (%s): %v", what, expr, err)
	}
}

// open navigates to url and waits until the page has loaded its data.
func (tb *tab) open(url string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(url))
	tb.waitFor("the page to load its data", `window.__inspector && window.__inspector.ready`)
}

// js quotes s as a JavaScript string.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// post sends one webhook body to url and returns the receiver's status.
func post(t *testing.T, url, body string, header http.Header) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// closedPort returns a 127.0.0.1 URL nothing listens on.
func closedPort(t *testing.T) string { return "http://" + loopback.ClosedAddr(t) + "/hook" }

// emulateDark sets prefers-color-scheme for the tab.
func emulateDark(dark bool) chromedp.OldAction {
	v := "light"
	if dark {
		v = "dark"
	}
	return mediaAction{emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: v}}}}
}

type mediaAction struct {
	p emulation.SetEmulatedMediaParams
}

func (m mediaAction) Do(ctx context.Context) error {
	_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, m.p)
	return err
}
