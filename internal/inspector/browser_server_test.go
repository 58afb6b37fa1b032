//go:build browser

package inspector_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/labelhook/labelhook/receiver/receivertest"
	"github.com/labelhook/labelhook/server"
	"github.com/labelhook/labelhook/server/servertest"
)

// mockAPI sends one authenticated request to the mock and wants status.
func mockAPI(t *testing.T, ls *servertest.Server, method, path, body string, want int) {
	t.Helper()
	req, err := http.NewRequest(method, ls.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token "+ls.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s %s: %d %s, want %d", method, path, body, resp.StatusCode, b, want)
	}
}

// connect enters the token in the page's form.
func connect(tb *tab, token string) {
	tb.t.Helper()
	tb.waitFor("the token form", `!document.getElementById('token-form').hidden`)
	tb.do(chromedp.SendKeys("#token", token), chromedp.Click("#token-form button[type=submit]"))
}

func TestServerPageShowsADisabledWebhook(t *testing.T) {
	ls := servertest.NewServer(t, servertest.WithMaxConsecutiveFailures(2))
	rc := receivertest.NewReceiver(t)
	mockAPI(t, ls, "POST", "/api/projects", `{"title": "Reviews", "label_config": "<View><Text name=\"text\" value=\"$text\"/></View>"}`, 201)
	mockAPI(t, ls, "POST", "/api/webhooks", fmt.Sprintf(`{"url": %q, "project": 1}`, closedPort(t)), 201)
	mockAPI(t, ls, "POST", "/api/webhooks", fmt.Sprintf(`{"url": %q, "project": 1}`, rc.URL+"/hook"), 201)
	for i := range 2 {
		mockAPI(t, ls, "POST", "/api/projects/1/import", fmt.Sprintf(`[{"text": "review %d"}]`, i), 201)
	}

	tb := newTab(t)
	tb.do(chromedp.Navigate(ls.URL + "/_labelhook/ui/"))
	connect(tb, "not-the-token")
	tb.waitFor("the refusal", `document.querySelector('.token-msg').textContent.includes('refused')`)
	tb.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('token').value = ''`))
	connect(tb, ls.Token)
	tb.waitFor("the data", `window.__inspector.ready`)

	cells := func(row string) []string {
		return eval[[]string](tb, fmt.Sprintf(`[...document.querySelectorAll('#%s td')].map((td) => td.textContent)`, row))
	}
	hook1 := cells("webhook-1")
	if len(hook1) != 9 {
		t.Fatalf("webhook 1 row: %q", hook1)
	}
	if hook1[3] != "disabled" || hook1[4] != "2" || !strings.Contains(hook1[5], "refused") || hook1[7] != "2" {
		t.Errorf("webhook 1 (closed port, auto-disable after 2): state %q, failures %q, last error %q, failed %q; want disabled, 2, connection refused, 2",
			hook1[3], hook1[4], hook1[5], hook1[7])
	}
	hook2 := cells("webhook-2")
	if hook2[3] != "active" || hook2[4] != "0" || hook2[5] != "" || hook2[6] != "2" {
		t.Errorf("webhook 2 (a receiver): state %q, failures %q, last error %q, delivered %q; want active, 0, none, 2", hook2[3], hook2[4], hook2[5], hook2[6])
	}
	if p := cells("project-1"); strings.Join(p, "|") != "1|Reviews|2|0|0|2 (1 disabled)|2|2" {
		t.Errorf("project 1 counts: %q, want id, title, 2 tasks, 0 annotations, 0 predictions, 2 webhooks (1 disabled), 2 delivered, 2 failed", p)
	}
	if got := eval[int](tb, `document.querySelectorAll('#deliveries .vrow:not([hidden])').length`); got != 4 {
		t.Errorf("delivery log rows: %d, want 4", got)
	}

	// Live: a third import reaches only the active webhook; the page shows
	// it without a reload, and the disabled webhook's attempt is skipped.
	mockAPI(t, ls, "POST", "/api/projects/1/import", `[{"text": "review 3"}]`, 201)
	tb.waitFor("the third delivery", `document.querySelector('#webhook-2 td:nth-child(7)').textContent === '3'`)
	if p := cells("project-1"); p[2] != "3" {
		t.Errorf("project 1 tasks after a third import: %q, want 3", p[2])
	}
	tb.do(chromedp.Evaluate[chromedp.Void](`(() => { const el = document.getElementById('f-outcome'); el.value = 'failed'; el.dispatchEvent(new Event('change')); })()`))
	if got := eval[[]string](tb, `[...document.querySelectorAll('#deliveries .vrow:not([hidden]) .c-outcome')].map((e) => e.textContent)`); strings.Join(got, ",") != "failed,failed" {
		t.Errorf("delivery log filtered to failed: %q", got)
	}

	// A reset empties the page's log too.
	mockAPI(t, ls, "POST", "/_labelhook/reset", ``, 200)
	tb.waitFor("the reset", `document.getElementById('counts').textContent.startsWith('0 webhooks · 0 projects · 0 attempts')`)
}

func TestServerPageTakesAPersonalAccessToken(t *testing.T) {
	ls := servertest.NewServer(t)
	mockAPI(t, ls, "POST", "/api/projects", `{"title": "PAT"}`, 201)
	tb := newTab(t)
	tb.do(chromedp.Navigate(ls.URL + "/_labelhook/ui"))
	connect(tb, server.RefreshToken(ls.Token))
	tb.waitFor("the data", `window.__inspector.ready`)
	if got := eval[string](tb, `document.querySelector('#project-1 td:nth-child(2)').textContent`); got != "PAT" {
		t.Errorf("project title: %q", got)
	}
	// The token stays for the tab: a reload asks no more.
	tb.do(chromedp.Reload())
	tb.waitFor("the data after a reload", `window.__inspector && window.__inspector.ready`)
}
