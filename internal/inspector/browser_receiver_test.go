//go:build browser

package inspector_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/labelhook/labelhook/internal/inspector"
	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/receiver/receivertest"
)

// fixture returns a valid webhook body from the schemas' testdata,
// decoded (numbers kept as written) so a test can break it on purpose.
func fixture(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "schemas", "testdata", "valid", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func encode(t *testing.T, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// invalidTasksCreated is TASKS_CREATED with tasks[0].id a string.
func invalidTasksCreated(t *testing.T) string {
	body := fixture(t, "tasks_created_one")
	body["tasks"].([]any)[0].(map[string]any)["id"] = "twenty-one"
	return encode(t, body)
}

// shownSeqs returns the seqs of the rows the list shows, top first.
func shownSeqs(tb *tab) []int {
	return eval[[]int](tb, `[...document.querySelectorAll('#rows .vrow:not([hidden])')]
		.sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index))
		.map((r) => Number(r.id.slice(4)))`)
}

func TestReceiverPageShowsWebhooksLive(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	tb := newTab(t)
	tb.open(rc.URL + "/ui/")
	if got := shownSeqs(tb); len(got) != 0 {
		t.Fatalf("rows before any webhook: %v, want none", got)
	}
	bodies := []string{
		encode(t, fixture(t, "tasks_created_one")),
		encode(t, fixture(t, "annotation_updated")),
		invalidTasksCreated(t),
	}
	for i, b := range bodies {
		post(t, rc.URL+"/webhook", b, nil)
		tb.waitFor(fmt.Sprintf("row #%d", i+1), fmt.Sprintf(`document.getElementById('row-%d')`, i+1))
	}
	if got, want := shownSeqs(tb), []int{3, 2, 1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows: %v, want %v (newest first)", got, want)
	}
	if loads := eval[int](tb, `window.__inspector.loads`); loads != 1 {
		t.Errorf("the list was loaded %d times, want 1: the rows must come from the live stream", loads)
	}
	row := eval[string](tb, `document.getElementById('row-3').textContent`)
	for _, want := range []string{"#3", "TASKS_CREATED", "/webhook", "1 problem", "200"} {
		if !strings.Contains(row, want) {
			t.Errorf("row #3 reads %q, want it to contain %q", row, want)
		}
	}
	if counts := eval[string](tb, `document.getElementById('counts').textContent`); counts != "3 events · 1 invalid · showing 3" {
		t.Errorf("counts: %q", counts)
	}

	// DELETE /events empties the page, live too.
	req, _ := http.NewRequest(http.MethodDelete, rc.URL+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tb.waitFor("the list to empty", `document.querySelectorAll('#rows .vrow:not([hidden])').length === 0`)
}

func TestReceiverPageMarksEachProblemAtItsPath(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	created := fixture(t, "tasks_created_one")
	task := created["tasks"].([]any)[0].(map[string]any)
	task["id"] = "twenty-one"
	delete(task, "data")
	delete(created["project"].(map[string]any), "id")
	post(t, rc.URL+"/hook", encode(t, created), nil)
	deleted := fixture(t, "tasks_deleted")
	deleted["tasks"].([]any)[0].(map[string]any)["surprise"] = true
	post(t, rc.URL+"/hook", encode(t, deleted), nil)

	tb := newTab(t)
	tb.open(rc.URL + "/ui/")
	tests := []struct {
		name           string
		seq            int
		path, marked   string // the problem's path; the text marked
		note, holdPath string // the message beside it; the path of the value holding the mark
	}{
		{"wrong type: the value", 1, "$.tasks[0].id", `"twenty-one"`, "expected integer, got string", "$.tasks[0].id"},
		{"missing field: its object", 1, "$.tasks[0]", `{`, `missing required field "data"`, "$.tasks[0]"},
		{"missing field in a nested object", 1, "$.project", `{`, `missing required field "id"`, "$.project"},
		{"unexpected field: its key", 2, "$.tasks[0]", `"surprise"`, `unexpected field "surprise"`, "$.tasks[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb.do(chromedp.Click(fmt.Sprintf("#row-%d", tt.seq)))
			tb.waitFor(fmt.Sprintf("the body of #%d", tt.seq), fmt.Sprintf(`(document.querySelector('#detail h2') || {}).textContent?.startsWith('#%d ') && document.querySelector('#detail pre.json')`, tt.seq))
			got := eval[map[string]string](tb, fmt.Sprintf(`(() => {
				const marks = [...document.querySelectorAll('#detail pre.json .hl')];
				const m = marks.find((el) => el.nextSibling && el.nextSibling.classList && el.nextSibling.textContent.includes(%s));
				if (!m) return {marked: '', note: '', path: ''};
				const holder = m.closest('[data-path]');
				return {marked: m.textContent.split('\n')[0], note: m.nextSibling.textContent, path: holder ? holder.dataset.path : ''};
			})()`, js(tt.note)))
			if got["marked"] != tt.marked || !strings.Contains(got["note"], tt.note) || got["path"] != tt.holdPath {
				t.Errorf("problem %s: %s: marked %q in %s with note %q, want %q in %s with %q",
					tt.path, tt.note, got["marked"], got["path"], got["note"], tt.marked, tt.holdPath, tt.note)
			}
			items := eval[[]string](tb, `[...document.querySelectorAll('#detail .problems li')].map((li) => li.textContent)`)
			if !slices.Contains(items, tt.path+" "+tt.note) {
				t.Errorf("problem list %q lacks %q", items, tt.path+" "+tt.note)
			}
		})
	}
	tb.do(chromedp.Click("#row-1"))
	tb.waitFor("the body of #1", `(document.querySelector('#detail h2') || {}).textContent?.startsWith('#1 ') && document.querySelector('#detail pre.json')`)
	pretty := eval[string](tb, `document.querySelector('#detail pre.json').textContent`)
	if !strings.Contains(pretty, "\n  \"tasks\": [\n    {") || !strings.Contains(pretty, "\n      \"cancelled_annotations\": 0,\n") {
		t.Errorf("body is not pretty-printed two spaces a level:\n%.2000s", pretty)
	}
}

func TestReceiverPageFilters(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	valid := encode(t, fixture(t, "tasks_created_one"))
	annotation := encode(t, fixture(t, "annotation_updated"))
	sends := []struct{ path, body string }{
		{"/a", valid},                   // 1
		{"/b", annotation},              // 2
		{"/a", invalidTasksCreated(t)},  // 3
		{"/b/deep", valid},              // 4
		{"/a", annotation},              // 5
		{"/c", `{"action": "NOPE"}`},    // 6 invalid, unknown action
		{"/c", `not json at all <b>hi`}, // 7 invalid, no action
	}
	for _, s := range sends {
		post(t, rc.URL+s.path, s.body, nil)
	}
	tb := newTab(t)
	tb.open(rc.URL + "/ui/")
	tb.waitFor("7 rows", `window.__inspector.total === 7`)

	tests := []struct {
		name, action, valid, path string
		want                      []int
	}{
		{"none", "", "", "", []int{7, 6, 5, 4, 3, 2, 1}},
		{"action", "TASKS_CREATED", "", "", []int{4, 3, 1}},
		{"invalid", "", "false", "", []int{7, 6, 3}},
		{"valid", "", "true", "", []int{5, 4, 2, 1}},
		{"path contains", "", "", "/b", []int{4, 2}},
		{"all three", "TASKS_CREATED", "true", "/a", []int{1}},
		{"nothing matches", "ANNOTATION_UPDATED", "false", "", []int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
				for (const [id, v] of [['f-action', %s], ['f-valid', %s]]) {
					const el = document.getElementById(id);
					el.value = v;
					el.dispatchEvent(new Event('change'));
				}
				const p = document.getElementById('f-path');
				p.value = '';
				p.dispatchEvent(new Event('input'));
			})()`, js(tt.action), js(tt.valid))))
			if tt.path != "" { // typed, as a person would
				tb.do(chromedp.SendKeys("#f-path", tt.path))
			}
			if got := shownSeqs(tb); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("action=%q valid=%q path=%q: rows %v, want %v", tt.action, tt.valid, tt.path, got, tt.want)
			}
		})
	}
	// New webhooks obey the filters in force.
	post(t, rc.URL+"/b", valid, nil)
	tb.waitFor("webhook #8 to arrive", `window.__inspector.total === 8`)
	if got := shownSeqs(tb); len(got) != 0 {
		t.Errorf("rows after a valid TASKS_CREATED with filter ANNOTATION_UPDATED invalid: %v, want none", got)
	}
	tb.do(chromedp.Click("#f-clear"))
	if got := shownSeqs(tb); len(got) != 8 {
		t.Errorf("rows after Clear filters: %v, want 8", got)
	}
}

func TestReceiverPageNeverRunsWhatABodyCarries(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	body := fixture(t, "tasks_created_one")
	body["tasks"].([]any)[0].(map[string]any)["data"] = map[string]any{
		"text": `<script>window.__pwned = 'script'</script><img src=x onerror="window.__pwned = 'img'">`,
		`<img src=y onerror="window.__pwned='key'">`: `</pre><svg onload="window.__pwned='svg'"></svg>`,
	}
	hdr := http.Header{"X-Evil": {`<img src=z onerror="window.__pwned='header'">`}}
	post(t, rc.URL+"/%3Cimg%20src=p%20onerror=window.__pwned=1%3E", encode(t, body), hdr)
	post(t, rc.URL+"/plain", `<script>window.__pwned='text'</script>`, nil) // not JSON: recorded as text

	tb := newTab(t)
	tb.open(rc.URL + "/ui/")
	var shown strings.Builder // what the page showed, as text, record by record
	for _, seq := range []int{1, 2} {
		tb.do(chromedp.Click(fmt.Sprintf("#row-%d", seq)))
		tb.waitFor(fmt.Sprintf("details of #%d", seq), fmt.Sprintf(`(document.querySelector('#detail h2') || {}).textContent?.startsWith('#%d ')`, seq))
		tb.waitFor("the body", `document.querySelector('#detail .body pre')`)
		tb.do(chromedp.Click("#copy-curl"))
		tb.waitFor("the curl command", `!document.getElementById('curl-out').hidden`)
		shown.WriteString(eval[string](tb, `document.getElementById('app').textContent`))
	}
	// Give an injected handler every chance to run: wait two frames and an image-error turn.
	eval[bool](tb, `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => r(true), 50))))`)
	if pwned := eval[string](tb, `String(window.__pwned)`); pwned != "undefined" {
		t.Errorf("window.__pwned = %s: markup from a webhook ran", pwned)
	}
	if n := eval[int](tb, `document.querySelectorAll('#app script, #app img, #app svg').length`); n != 0 {
		t.Errorf("%d script/img/svg elements in the page: a body became markup", n)
	}
	text := shown.String()
	for _, want := range []string{`<script>window.__pwned = 'script'</script>`, `<img src=z onerror=\"window.__pwned='header'\">`, `/<img src=p onerror=window.__pwned=1>`, `<script>window.__pwned='text'</script>`} {
		want = strings.ReplaceAll(want, `\"`, `"`)
		if !strings.Contains(text, want) {
			t.Errorf("the page does not show %q as text", want)
		}
	}
}

func TestReceiverPageTruncatesHugeBodies(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	body := fixture(t, "tasks_created_one")
	body["tasks"].([]any)[0].(map[string]any)["data"] = map[string]any{"text": strings.Repeat("long text ", 300_000) + "END-OF-BODY"}
	huge := encode(t, body)
	post(t, rc.URL+"/hook", huge, nil)

	tb := newTab(t)
	tb.open(rc.URL + "/ui/")
	preview := eval[string](tb, `document.querySelector('#row-1 .c-preview').textContent`)
	if len(preview) > inspector.PreviewBytes+len("…") || !strings.HasSuffix(preview, "…") {
		t.Errorf("the list shows %d bytes of a %d-byte body (%.60q…), want at most %d and an ellipsis", len(preview), len(huge), preview, inspector.PreviewBytes)
	}
	tb.do(chromedp.Click("#row-1"))
	tb.waitFor("the truncation notice", `document.getElementById('truncated-notice')`)
	if eval[bool](tb, `document.querySelector('#detail .body').textContent.includes('END-OF-BODY')`) {
		t.Error("the whole body is shown before it was asked for")
	}
	tb.do(chromedp.Click("#load-body"))
	tb.waitFor("the complete body", `(document.querySelector('#detail .body pre') || {}).textContent?.includes('END-OF-BODY')`)
	got := eval[int](tb, `[...document.querySelectorAll('#detail .body pre .j-str')].reduce((m, s) => Math.max(m, s.textContent.length), 0)`)
	if want := len(strings.Repeat("long text ", 300_000)+"END-OF-BODY") + 2; got != want {
		t.Errorf("the longest string shown is %d characters, want %d (the whole text, quoted)", got, want)
	}
}

func TestReceiverPageCopyAsCurlAndReplay(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	target := receivertest.NewReceiver(t)
	body := encode(t, fixture(t, "annotation_updated"))
	post(t, rc.URL+"/hook?token=a'b", body, http.Header{"X-Trace": {`it's "quoted"`}})

	tb := newTab(t)
	tb.open(rc.URL + "/ui/")
	tb.do(chromedp.Click("#row-1"))
	tb.waitFor("details", `document.getElementById('copy-curl')`)

	t.Run("copy as curl", func(t *testing.T) {
		tb.do(chromedp.Click("#copy-curl"))
		tb.waitFor("the command", `document.getElementById('curl-out').textContent.startsWith('curl ')`)
		cmd := eval[string](tb, `document.getElementById('curl-out').textContent`)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "sh", "-c", cmd).CombinedOutput(); err != nil {
			t.Fatalf("run the copied command: %v\n%s\ncommand:\n%s", err, out, cmd)
		}
		recs, err := rc.Wait(ctx, receiver.Filter{Since: 1}, 1)
		if err != nil {
			t.Fatalf("the command sent nothing: %v\ncommand:\n%s", err, cmd)
		}
		checkSame(t, "curl", recs[0], rc.Events(receiver.Filter{})[0])
		if recs[0].Query != "token=a'b" {
			t.Errorf("curl: query %q, want token=a'b", recs[0].Query)
		}
	})
	t.Run("a typed URL outlives a redraw", func(t *testing.T) {
		// The copied command's webhook (#2) comes into the list above #1:
		// wait for it, so that the click below finds #1's row where it
		// stays, not where #2's is about to be drawn.
		tb.waitFor("#2 listed", `document.getElementById('row-2')`)
		tb.waitFor("details of #1", `(document.querySelector('#detail h2') || {}).textContent?.startsWith('#1 ')`)
		eval[bool](tb, `(() => { document.getElementById('replay-url').value = 'http://typed.example/x';
			document.querySelector('#detail h2').dataset.old = '1'; return true; })()`)
		tb.do(chromedp.Click("#row-1")) // the open record's row again: its details are drawn anew
		tb.waitFor("the details drawn again", `document.querySelector('#detail h2') && !document.querySelector('#detail h2').dataset.old`)
		if got := eval[string](tb, `document.getElementById('replay-url').value`); got != "http://typed.example/x" {
			t.Errorf("replay URL after the redraw = %q, want the one typed", got)
		}
	})
	t.Run("replay to URL", func(t *testing.T) {
		tb.waitFor("details of #1", `(document.querySelector('#detail h2') || {}).textContent?.startsWith('#1 ')`)
		// The URL is typed and the form sent in one turn of the page's
		// event loop, so that nothing drawn in between can undo either.
		eval[bool](tb, "(() => { document.getElementById('replay-url').value = "+strconv.Quote(target.URL+"/replayed")+
			"; document.getElementById('replay-form').requestSubmit(); return true; })()")
		tb.waitFor("the replay's answer", `document.getElementById('replay-out').textContent.includes('answered')`)
		if line := eval[string](tb, `document.querySelector('#replay-out .replay-line').textContent`); !strings.Contains(line, "answered 200") {
			t.Errorf("replay result: %q, want answered 200", line)
		}
		got := target.Events(receiver.Filter{})
		if len(got) != 1 {
			t.Fatalf("the target got %d webhooks, want 1", len(got))
		}
		if got[0].Path != "/replayed" {
			t.Errorf("replayed to path %q, want /replayed", got[0].Path)
		}
		checkSame(t, "replay", got[0], rc.Events(receiver.Filter{})[0])
	})
}

// checkSame compares a resent webhook with the original: body, action,
// validity and the sender's own headers.
func checkSame(t *testing.T, how string, got, orig receiver.Record) {
	t.Helper()
	if !bytes.Equal(got.Body, orig.Body) {
		t.Errorf("%s: body differs:\n got %.200s\nwant %.200s", how, got.Body, orig.Body)
	}
	if got.Action != orig.Action || got.Valid != orig.Valid {
		t.Errorf("%s: %s valid=%v, want %s valid=%v", how, got.Action, got.Valid, orig.Action, orig.Valid)
	}
	for _, h := range []string{"X-Trace", "Content-Type"} {
		if g, w := got.Headers.Get(h), orig.Headers.Get(h); g != w {
			t.Errorf("%s: header %s %q, want %q", how, h, g, w)
		}
	}
}

func TestReceiverPageKeyboardAndDarkMode(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	for range 3 {
		post(t, rc.URL+"/hook", encode(t, fixture(t, "tasks_created_one")), nil)
	}
	tb := newTab(t)
	tb.open(rc.URL + "/ui/")
	active := func() string { return eval[string](tb, `document.activeElement.id`) }
	selected := func() string {
		return eval[string](tb, `(document.querySelector('#rows .vrow[aria-selected="true"]') || {id: ''}).id`)
	}

	if got := active(); got != "rows" {
		t.Fatalf("focus on load: %q, want the list (rows)", got)
	}
	steps := []struct {
		name, keys, wantSelected, wantFocus string
	}{
		{"down selects the newest", kb.ArrowDown, "row-3", "rows"},
		{"j moves down", "j", "row-2", "rows"},
		{"end goes to the oldest", kb.End, "row-1", "rows"},
		{"k moves up", "k", "row-2", "rows"},
		{"enter opens the details", kb.Enter, "row-2", "detail"},
		{"escape goes back", kb.Escape, "row-2", "rows"},
		{"slash goes to the filters", "/", "row-2", "f-action"},
	}
	for _, s := range steps {
		tb.do(chromedp.KeyEvent(s.keys))
		if s.wantSelected == "row-2" && s.name == "enter opens the details" {
			tb.waitFor("details of #2", `(document.querySelector('#detail h2') || {}).textContent?.startsWith('#2 ')`)
		}
		if got := selected(); got != s.wantSelected {
			t.Errorf("%s: selected %q, want %q", s.name, got, s.wantSelected)
		}
		if got := active(); got != s.wantFocus {
			t.Errorf("%s: focus on %q, want %q", s.name, got, s.wantFocus)
		}
	}
	// Tab walks the filters in order.
	tb.do(chromedp.KeyEvent(kb.Tab))
	if got := active(); got != "f-valid" {
		t.Errorf("tab from the action filter: focus on %q, want f-valid", got)
	}

	background := func() float64 {
		return eval[float64](tb, `(() => {
			const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\d+/g).map(Number);
			return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
		})()`)
	}
	tb.do(chromedp.Legacy(emulateDark(true)))
	if l := background(); l > 0.2 {
		t.Errorf("prefers-color-scheme dark: background luminance %.2f, want a dark page", l)
	}
	tb.do(chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`), chromedp.KeyEvent("t")) // auto -> light
	if l := background(); l < 0.8 {
		t.Errorf("theme light over a dark system: background luminance %.2f, want a light page", l)
	}
	tb.do(chromedp.KeyEvent("t")) // light -> dark
	tb.do(chromedp.Legacy(emulateDark(false)))
	if l := background(); l > 0.2 {
		t.Errorf("theme dark over a light system: background luminance %.2f, want a dark page", l)
	}
}

// TestReceiverPageTenThousandEvents loads 10 000 records and reports how
// long the page takes; it asserts what must hold however slow the
// machine: the list renders only the rows in view and reaches both ends.
func TestReceiverPageTenThousandEvents(t *testing.T) {
	const n = 10_000
	rc := receivertest.NewReceiver(t)
	bodies := []string{encode(t, fixture(t, "tasks_created_one")), encode(t, fixture(t, "annotation_updated")), invalidTasksCreated(t)}
	postMany(t, rc.URL, bodies, n)

	tb := newTab(t)
	start := time.Now()
	tb.open(rc.URL + "/ui/")
	wall := time.Since(start)
	m := eval[map[string]any](tb, `window.__inspector`)
	if m["total"] != float64(n) {
		t.Fatalf("the page holds %v records, want %d", m["total"], n)
	}
	rows := eval[int](tb, `document.querySelectorAll('#rows .vrow').length`)
	if rows > 200 {
		t.Errorf("%d row elements for %d records: the list is not virtualised", rows, n)
	}
	filterMS := eval[float64](tb, `(() => {
		const el = document.getElementById('f-valid');
		const t0 = performance.now();
		el.value = 'false';
		el.dispatchEvent(new Event('change'));
		return performance.now() - t0;
	})()`)
	if got := eval[float64](tb, `window.__inspector.shown`); got != n/3 {
		t.Errorf("invalid filter over %d records: %v shown, want %d", n, got, n/3)
	}
	tb.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('f-valid').value = ''; document.getElementById('f-valid').dispatchEvent(new Event('change')); document.getElementById('rows').focus()`))
	endMS := eval[float64](tb, `(() => {
		const t0 = performance.now();
		document.getElementById('rows').dispatchEvent(new KeyboardEvent('keydown', {key: 'End', bubbles: true}));
		return performance.now() - t0;
	})()`)
	tb.waitFor("the oldest row", `document.querySelector('#row-1[aria-selected="true"]')`)
	// Live arrivals on top of 10 000.
	t0 := time.Now()
	postMany(t, rc.URL, bodies[:1], 500)
	tb.waitFor("500 more", fmt.Sprintf(`window.__inspector.total === %d`, n+500))
	live := time.Since(t0)
	t.Logf("10k records: open to ready %v (list fetch %.0f ms, first render %.0f ms); filter %.1f ms; End key %.1f ms; %d row elements; 500 live arrivals shown in %v (posting included)",
		wall.Round(time.Millisecond), m["fetchMS"], m["renderMS"], filterMS, endMS, rows, live.Round(time.Millisecond))
}

// postMany posts n webhooks, cycling through bodies, 8 at a time.
func postMany(t *testing.T, base string, bodies []string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	next := make(chan int)
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				resp, err := http.Post(base+"/hook", "application/json", strings.NewReader(bodies[i%len(bodies)]))
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
