package webhookline

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"github.com/labelhook/labelhook/internal/syncbuf"
	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/schemas"
)

func TestFormat(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 0, 5, 0, time.Local)
	base := receiver.Record{Seq: 7, ReceivedAt: at, Path: "/hook", Action: schemas.AnnotationCreated, Valid: true, ResponseStatus: 200}
	with := func(f func(r *receiver.Record)) receiver.Record {
		r := base
		f(&r)
		return r
	}
	tests := []struct {
		name  string
		rec   receiver.Record
		color bool
		want  string
	}{
		{name: "valid", rec: base,
			want: "2026-03-01 10:00:05 #7 ANNOTATION_CREATED /hook -> 200 valid\n"},
		{name: "forwarded", rec: with(func(r *receiver.Record) { r.ForwardStatus, r.ForwardMS = 202, 12.345 }),
			want: "2026-03-01 10:00:05 #7 ANNOTATION_CREATED /hook -> 200 pipeline 202 in 12ms valid\n"},
		{name: "forwarded fast", rec: with(func(r *receiver.Record) { r.ForwardStatus, r.ForwardMS = 500, 0.31 }),
			want: "2026-03-01 10:00:05 #7 ANNOTATION_CREATED /hook -> 200 pipeline 500 in 310µs valid\n"},
		{name: "pipeline timeout", rec: with(func(r *receiver.Record) {
			r.ForwardError, r.ForwardMS = "forward to http://127.0.0.1:8000/x: timed out: no answer within 5s", 5000.8
		}), want: "2026-03-01 10:00:05 #7 ANNOTATION_CREATED /hook -> 200 pipeline timeout in 5.001s valid\n"},
		{name: "pipeline unreachable", rec: with(func(r *receiver.Record) {
			r.ForwardError, r.ForwardMS = `forward: Post "http://127.0.0.1:1/x": dial tcp 127.0.0.1:1: connect: connection refused`, 0.2
		}), want: "2026-03-01 10:00:05 #7 ANNOTATION_CREATED /hook -> 200 pipeline unreachable in 200µs valid\n"},
		{name: "one problem", rec: with(func(r *receiver.Record) {
			r.Action, r.Valid, r.ResponseStatus = schemas.TasksCreated, false, 400
			r.Errors = []schemas.Problem{{Path: "$.tasks[0].id", Message: "expected integer, got string"}}
		}), want: "2026-03-01 10:00:05 #7 TASKS_CREATED /hook -> 400 invalid: $.tasks[0].id: expected integer, got string\n"},
		{name: "several problems", rec: with(func(r *receiver.Record) {
			r.Valid = false
			r.Errors = []schemas.Problem{{Path: "headers", Message: "signature: missing webhook-signature header"}, {Path: "$", Message: "a"}, {Path: "$", Message: "b"}}
			r.ResponseStatus = 401
		}), want: "2026-03-01 10:00:05 #7 ANNOTATION_CREATED /hook -> 401 invalid: headers: signature: missing webhook-signature header (+2 more)\n"},
		{name: "no action, abandoned", rec: with(func(r *receiver.Record) { r.Action, r.Abandoned, r.ResponseStatus = "", true, 500 }),
			want: "2026-03-01 10:00:05 #7 - /hook -> 500 abandoned valid\n"},
		{name: "hostile action, path and problem", rec: with(func(r *receiver.Record) {
			r.Action, r.Path, r.Valid = "X\x1b[2J\nvalid -> 200", "/a b\r\n", false
			r.Errors = []schemas.Problem{{Path: "$.action", Message: "unknown action \"X\x1b[2J\nvalid\""}}
		}), want: "2026-03-01 10:00:05 #7 \"X\\x1b[2J\\nvalid -> 200\" \"/a b\\r\\n\" -> 200 invalid: $.action: unknown action \"X\\x1b[2J\\nvalid\"\n"},
		{name: "long path cut", rec: with(func(r *receiver.Record) { r.Path = "/" + strings.Repeat("p", 300) }),
			want: "2026-03-01 10:00:05 #7 ANNOTATION_CREATED /" + strings.Repeat("p", 199) + "… -> 200 valid\n"},
		{name: "colour", color: true, rec: with(func(r *receiver.Record) { r.ForwardStatus, r.ForwardMS = 503, 3 }),
			want: "\x1b[2m2026-03-01 10:00:05\x1b[0m \x1b[2m#7\x1b[0m \x1b[1mANNOTATION_CREATED\x1b[0m /hook -> \x1b[32m200\x1b[0m pipeline \x1b[31m503\x1b[0m in 3ms \x1b[32mvalid\x1b[0m\n"},
		{name: "colour invalid", color: true, rec: with(func(r *receiver.Record) {
			r.Valid, r.ResponseStatus, r.Errors = false, 400, []schemas.Problem{{Path: "$", Message: "m"}}
		}), want: "\x1b[2m2026-03-01 10:00:05\x1b[0m \x1b[2m#7\x1b[0m \x1b[1mANNOTATION_CREATED\x1b[0m /hook -> \x1b[33m400\x1b[0m \x1b[31minvalid:\x1b[0m $: m\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Format(tt.rec, tt.color)); diff != "" {
				t.Errorf("line of %+v (-want +got):\n%s", tt.rec, diff)
			}
		})
	}
}

// FuzzFormat: whatever a sender puts in action, path and problems,
// the line is one line of printable text (plus the colour codes).
func FuzzFormat(f *testing.F) {
	f.Add("TASKS_CREATED", "/hook", "expected integer", 200, true)
	f.Add("X\x1b[2J\nvalid -> 200", "/a b\r\n", "\u202e\u200b\x00", 401, false)
	f.Add("", "", strings.Repeat("é", 300), 413, true)
	f.Add("\xff\xfe", "/\xc3", "\xed\xa0\x80", 500, false)
	f.Fuzz(func(t *testing.T, action, path, problem string, status int, valid bool) {
		r := receiver.Record{Seq: 1, Action: schemas.Action(action), Path: path, Valid: valid, ResponseStatus: status}
		if !valid {
			r.Errors = []schemas.Problem{{Path: "$", Message: problem}, {Path: "$", Message: problem}}
		}
		for _, color := range []bool{false, true} {
			line := Format(r, color)
			plain := regexp.MustCompile("\x1b\\[[0-9]+m").ReplaceAllString(line, "")
			if !strings.HasSuffix(plain, "\n") || strings.Count(plain, "\n") != 1 {
				t.Fatalf("action %q path %q problem %q: not one line: %q", action, path, problem, line)
			}
			for _, r := range strings.TrimSuffix(plain, "\n") {
				if r != ' ' && !unicode.IsGraphic(r) {
					t.Fatalf("action %q path %q problem %q: line has %U: %q", action, path, problem, r, line)
				}
			}
		}
	})
}

// blockedWriter blocks every Write until release is closed.
type blockedWriter struct {
	release chan struct{}
	out     *syncbuf.Buffer
}

func (w blockedWriter) Write(p []byte) (int, error) {
	<-w.release
	return w.out.Write(p)
}

// A stdout nobody reads (a parent's pipe, after the ready line) must not
// hold up the answers: lines queue, and past the queue they are counted.
func TestPrintNeverBlocks(t *testing.T) {
	out := &syncbuf.Buffer{}
	w := blockedWriter{release: make(chan struct{}), out: out}
	lines := New(w, false)
	const n = queueSize + 100
	printed := make(chan struct{})
	go func() {
		for i := range n {
			lines.Print(receiver.Record{Seq: int64(i + 1), Valid: true, ResponseStatus: 200})
		}
		close(printed)
	}()
	select {
	case <-printed:
	case <-time.After(10 * time.Second):
		close(w.release)
		t.Fatal("print blocked on a stdout that does not read")
	}
	close(w.release)
	lines.Close(10 * time.Second)
	got := out.String()
	count := strings.Count(got, " -> 200 valid\n")
	skipped := regexp.MustCompile(`(?m)^(\d+) webhook lines not printed: stdout did not keep up$`).FindAllStringSubmatch(got, -1)
	total := count
	for _, m := range skipped {
		var k int
		fmt.Sscan(m[1], &k)
		total += k
	}
	if len(skipped) == 0 || total != n {
		t.Errorf("%d lines printed and %v skipped, want some skipped and %d in all", count, skipped, n)
	}
}

func TestColors(t *testing.T) {
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "out.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	tests := []struct {
		name string
		w    io.Writer
		env  map[string]string
		want bool
	}{
		{"character device", devNull, nil, true}, // what a terminal is to Stat
		{"NO_COLOR", devNull, map[string]string{"NO_COLOR": "1"}, false},
		{"empty NO_COLOR counts as unset", devNull, map[string]string{"NO_COLOR": ""}, true},
		{"TERM=dumb", devNull, map[string]string{"TERM": "dumb"}, false},
		{"regular file", file, nil, false},
		{"pipe or buffer", io.Discard, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Colors(tt.w, func(k string) string { return tt.env[k] }); got != tt.want {
				t.Errorf("Colors(%T, %v) = %v, want %v", tt.w, tt.env, got, tt.want)
			}
		})
	}
}
