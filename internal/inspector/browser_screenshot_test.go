//go:build browser

package inspector_test

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/labelhook/labelhook/receiver/receivertest"
	"github.com/labelhook/labelhook/server/servertest"
)

// TestScreenshots drives a short labeling session through the mock into a
// receiver and photographs both pages at 1440x900. With -screenshot DIR
// the pictures are written there (the docs' are made with
// -screenshot ../../docs); otherwise into a temporary folder, checked and
// thrown away.
func TestScreenshots(t *testing.T) {
	dir := *screenshot
	if dir == "" {
		dir = t.TempDir()
	}
	rc := receivertest.NewReceiver(t)
	ls := servertest.NewServer(t, servertest.WithMaxConsecutiveFailures(3))
	mockAPI(t, ls, "POST", "/api/projects", `{"title": "Product reviews", "label_config": "<View><Text name=\"text\" value=\"$text\"/><Choices name=\"sentiment\" toName=\"text\"><Choice value=\"positive\"/><Choice value=\"negative\"/></Choices></View>"}`, 201)
	mockAPI(t, ls, "POST", "/api/webhooks", fmt.Sprintf(`{"url": %q, "project": 1}`, rc.URL+"/webhook"), 201)
	mockAPI(t, ls, "POST", "/api/webhooks", fmt.Sprintf(`{"url": %q, "project": 1, "send_for_all_actions": false, "actions": ["ANNOTATION_CREATED", "ANNOTATION_UPDATED"]}`, closedPort(t)), 201)
	mockAPI(t, ls, "POST", "/api/projects/1/import", `[{"text": "great phone, battery lasts two days"}, {"text": "screen cracked in a week"}, {"text": "does what it says"}]`, 201)
	for task, choice := range map[int]string{1: "positive", 2: "negative", 3: "positive"} {
		mockAPI(t, ls, "POST", fmt.Sprintf("/api/tasks/%d/annotations", task),
			fmt.Sprintf(`{"result": [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [%q]}}]}`, choice), 201)
	}
	mockAPI(t, ls, "PATCH", "/api/annotations/2", `{"result": [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["positive"]}}]}`, 200)
	mockAPI(t, ls, "DELETE", "/api/tasks/3", ``, 204)
	// What a broken producer might send: the page marks each problem.
	bad := fixture(t, "annotation_updated")
	ann := bad["annotation"].(map[string]any)
	ann["id"] = "17"
	delete(ann, "result")
	post(t, rc.URL+"/webhook", encode(t, bad), nil)
	post(t, rc.URL+"/webhook", encode(t, fixture(t, "project_updated")), nil)

	tb := newTab(t)
	tb.do(chromedp.EmulateViewport(1440, 900))
	tb.open(rc.URL + "/ui/")
	last := eval[int](tb, `window.__inspector.total`)
	tb.do(chromedp.Click(fmt.Sprintf("#row-%d", last-1)))
	tb.waitFor("the marked body", `document.querySelector('#detail pre.json .hl')`)
	tb.do(chromedp.Evaluate[chromedp.Void](`document.activeElement.blur(); document.getElementById('detail').scrollTop = 0`))
	shoot(t, tb, filepath.Join(dir, "inspector.png"))

	tb.do(chromedp.Navigate(ls.URL + "/_labelhook/ui/"))
	connect(tb, ls.Token)
	tb.waitFor("the data", `window.__inspector.ready`)
	tb.do(chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
	shoot(t, tb, filepath.Join(dir, "inspector-serve.png"))
}

func shoot(t *testing.T, tb *tab, path string) {
	t.Helper()
	tb.do(chromedp.Evaluate[chromedp.Void](`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))`, chromedp.EvalAwaitPromise))
	b := func() []byte {
		v, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		return v
	}()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot is no PNG: %v", err)
	}
	if sz := img.Bounds().Size(); sz.X != 1440 || sz.Y != 900 {
		t.Errorf("screenshot is %dx%d, want 1440x900", sz.X, sz.Y)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d KiB)", path, len(b)/1024)
}
