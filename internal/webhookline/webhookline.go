// Package webhookline prints one line per webhook the receiver records,
// as `labelhook receive` shows them on stdout, without ever holding up the
// receiver's answers.
package webhookline

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labelhook/labelhook/receiver"
)

// Printer prints one line per webhook, as `labelhook receive` shows them
// on stdout:
//
//	2026-03-01 10:00:05 #1 ANNOTATION_CREATED /hook -> 200 pipeline 202 in 12ms valid
//	2026-03-01 10:00:06 #2 TASKS_CREATED /hook -> 400 invalid: $.tasks[0].id: expected integer, got string (+2 more)
//
// Fields are separated by one space and come in a fixed order, the one
// free-text field (the first problem) last, so CI logs can be grepped and
// cut: local time, #seq, action ("-" when the body has none), path,
// "->" and the status answered, then, when relayed, "pipeline" with the
// pipeline's status or "timeout"/"unreachable"/"error"/"cancelled" and
// "in" its duration, then "abandoned" if the sender gave up, then "valid"
// or "invalid: " and the first problem with "(+N more)". Text from the
// sender (action, path, problem) has control characters escaped and is
// cut to maxLineField runes, so a hostile webhook cannot forge lines or
// drive the terminal.
type Printer struct {
	w     io.Writer
	color bool
	queue chan string
	done  chan struct{}
	once  sync.Once
	// skipped counts lines dropped because the queue was full: stdout is
	// a pipe nobody reads, or slower than the webhooks.
	skipped atomic.Int64
}

// queueSize is how many lines may wait for stdout. Lines are written
// by their own goroutine so that a stdout nobody reads (a pipe of a
// parent that only waited for the ready line) never holds up an answer.
const queueSize = 4096

// New starts the writer of the lines to w, with ANSI colours when color
// is set; Close stops it.
func New(w io.Writer, color bool) *Printer {
	p := &Printer{w: w, color: color, queue: make(chan string, queueSize), done: make(chan struct{})}
	go p.write()
	return p
}

// Print queues the line of one record; it is receiver.Config.OnRecord and
// never blocks.
func (p *Printer) Print(r receiver.Record) {
	select {
	case p.queue <- Format(r, p.color):
	default:
		p.skipped.Add(1)
	}
}

func (p *Printer) write() {
	defer close(p.done)
	for line := range p.queue {
		if n := p.skipped.Swap(0); n > 0 {
			line = fmt.Sprintf("%d webhook lines not printed: stdout did not keep up\n", n) + line
		}
		_, _ = io.WriteString(p.w, line) // stdout gone: nothing better to do
	}
	if n := p.skipped.Swap(0); n > 0 {
		_, _ = fmt.Fprintf(p.w, "%d webhook lines not printed: stdout did not keep up\n", n)
	}
}

// Close prints the lines still queued, waiting at most grace for stdout,
// once no more records come (after the receiver's Shutdown). Calls after
// the first do nothing.
func (p *Printer) Close(grace time.Duration) {
	first := false
	p.once.Do(func() { first = true; close(p.queue) })
	if !first {
		return
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C: // stdout is stuck; the process is ending anyway
	}
}

// maxLineField bounds the sender's text in a line, in runes.
const maxLineField = 200

// ANSI SGR sequences of the line's colours.
const (
	sgrReset  = "\x1b[0m"
	sgrDim    = "\x1b[2m"
	sgrBold   = "\x1b[1m"
	sgrRed    = "\x1b[31m"
	sgrGreen  = "\x1b[32m"
	sgrYellow = "\x1b[33m"
)

// Format renders one record as a line ending in "\n".
func Format(r receiver.Record, color bool) string {
	paint := func(sgr, s string) string {
		if !color {
			return s
		}
		return sgr + s + sgrReset
	}
	var b strings.Builder
	b.WriteString(paint(sgrDim, r.ReceivedAt.Local().Format("2006-01-02 15:04:05")))
	b.WriteString(" " + paint(sgrDim, "#"+strconv.FormatInt(r.Seq, 10)))
	action := "-"
	if r.Action != "" {
		action = lineToken(string(r.Action))
	}
	b.WriteString(" " + paint(sgrBold, action))
	b.WriteString(" " + lineToken(r.Path))
	b.WriteString(" -> " + paint(statusColor(r.ResponseStatus), strconv.Itoa(r.ResponseStatus)))
	switch {
	case r.ForwardStatus != 0:
		b.WriteString(" pipeline " + paint(statusColor(r.ForwardStatus), strconv.Itoa(r.ForwardStatus)))
		b.WriteString(" in " + lineDuration(r.ForwardMS))
	case r.ForwardError != "":
		b.WriteString(" pipeline " + paint(sgrRed, forwardFailure(r.ForwardError)))
		b.WriteString(" in " + lineDuration(r.ForwardMS))
	}
	if r.Abandoned {
		b.WriteString(" " + paint(sgrYellow, "abandoned"))
	}
	if r.Valid || len(r.Errors) == 0 {
		b.WriteString(" " + paint(sgrGreen, "valid"))
	} else {
		b.WriteString(" " + paint(sgrRed, "invalid:") + " " + lineText(r.Errors[0].String()))
		if more := len(r.Errors) - 1; more > 0 {
			b.WriteString(" (+" + strconv.Itoa(more) + " more)")
		}
	}
	b.WriteByte('\n')
	return b.String()
}

// statusColor is green for 2xx, yellow for 1xx/3xx/4xx, red for 5xx.
func statusColor(status int) string {
	switch {
	case status >= 200 && status < 300:
		return sgrGreen
	case status >= 500:
		return sgrRed
	}
	return sgrYellow
}

// forwardFailure names the kind of a failed relay in one word; the full
// reason is the record's forward_error.
func forwardFailure(reason string) string {
	switch {
	case strings.Contains(reason, "timed out"), strings.Contains(reason, "Client.Timeout"):
		return "timeout"
	case strings.Contains(reason, "cancelled by receiver shutdown"):
		return "cancelled"
	case strings.Contains(reason, "connection refused"), strings.Contains(reason, "no such host"),
		strings.Contains(reason, "network is unreachable"), strings.Contains(reason, "no route to host"):
		return "unreachable"
	}
	return "error"
}

// lineDuration prints a relay's duration: microseconds below 1 ms, else
// rounded to the millisecond.
func lineDuration(ms float64) string {
	d := time.Duration(ms * float64(time.Millisecond))
	if d < time.Millisecond {
		return d.Round(time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}

// lineToken is s as one field: quoted (Go syntax) when it is empty or has
// a space or a character that is not printable, and cut to maxLineField.
func lineToken(s string) string {
	s = cut(s)
	if s == "" || strings.IndexFunc(s, func(r rune) bool { return r == ' ' || !unicode.IsGraphic(r) }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

// lineText is free text with every character that is not printable
// escaped (\n, \x1b, ...), cut to maxLineField.
func lineText(s string) string {
	s = cut(s)
	if strings.IndexFunc(s, func(r rune) bool { return r != ' ' && !unicode.IsGraphic(r) }) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r == ' ' || unicode.IsGraphic(r) {
			b.WriteRune(r)
			continue
		}
		q := strconv.QuoteRune(r) // '\n', '\x1b', '\u200b'
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}

// cut shortens s to maxLineField runes, marking the cut with "…". Invalid
// UTF-8 becomes U+FFFD.
func cut(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if utf8.RuneCountInString(s) <= maxLineField {
		return s
	}
	n := 0
	for i := range s {
		if n == maxLineField {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// Colors reports whether the webhook lines on w get colours: only on
// a terminal, and not when NO_COLOR is set (https://no-color.org) or TERM
// is "dumb".
func Colors(w io.Writer, getenv func(string) string) bool {
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
