// Package webhookfile finds the webhook bodies in a file as `labelhook
// validate` reads it: one JSON body, JSON Lines of bodies, or the
// receiver's records (a `receive --record` file, or a saved GET /events
// answer), each standing for the body it recorded; and checks them against
// the event contract, naming the line each starts at.
package webhookfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/labelhook/labelhook/schemas"
)

// Body is one body of a file. line is where it starts (0 for a
// file that is one body); known, when set, are the problems of a receiver
// record whose body cannot be checked again (none was kept, or its bytes
// were not UTF-8).
type Body struct {
	line  int
	body  []byte
	known []schemas.Problem
}

// Check validates the body and returns its problems and the line to
// report them at: its own, or for a file that is one broken body, the
// line of the syntax error.
func (b Body) Check() (int, []schemas.Problem) {
	if b.known != nil {
		return b.line, b.known
	}
	_, problems := schemas.Validate(b.body)
	line := b.line
	if line == 0 && len(problems) > 0 && len(bytes.TrimSpace(b.body)) > 0 {
		var v any
		var syntax *json.SyntaxError
		if err := json.Unmarshal(b.body, &v); errors.As(err, &syntax) {
			line = 1 + bytes.Count(b.body[:min(int(syntax.Offset), len(b.body))], []byte("\n"))
		}
	}
	return line, problems
}

// Split cuts a file into bodies. A file that is one JSON value, or
// none of whose lines is a complete JSON object on its own, is a single
// body (so a broken pretty-printed body gives one "not JSON" problem).
// Otherwise it is JSON Lines: every non-blank line is a body, so a broken
// line is reported with its number and the others are still checked.
//
// A receiver record (an object with a "body" member: a line of a
// receive --record file) stands for its body, and a file that is a list
// of records (a saved GET /events answer) for the body of each.
func Split(data []byte) []Body {
	lines := bytes.Split(data, []byte("\n"))
	if len(bytes.TrimSpace(data)) == 0 || json.Valid(data) {
		if recs, ok := recordList(data); ok {
			return recs
		}
		return []Body{fromRecord(0, data)}
	}
	jsonLines := false
	for _, l := range lines {
		if l = bytes.TrimSpace(l); len(l) > 0 && l[0] == '{' && json.Valid(l) {
			jsonLines = true
			break
		}
	}
	if !jsonLines {
		return []Body{{body: data}}
	}
	var bodies []Body
	for i, l := range lines {
		if l = bytes.TrimSpace(l); len(l) > 0 {
			bodies = append(bodies, fromRecord(i+1, l))
		}
	}
	return bodies
}

// fromRecord returns the body of raw, found at line: the body a receiver
// record holds when raw is one, else raw itself.
func fromRecord(line int, raw []byte) Body {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return Body{line: line, body: raw}
	}
	var rec map[string]json.RawMessage
	if json.Unmarshal(trimmed, &rec) != nil {
		return Body{line: line, body: raw}
	}
	body, ok := rec["body"]
	if !ok {
		return Body{line: line, body: raw}
	}
	var errs []schemas.Problem
	_ = json.Unmarshal(rec["errors"], &errs) // without errors there is just less to say
	switch body[0] {
	case 'n': // null: the receiver kept no body; its errors say why
		why := "over the size limit or unreadable"
		if len(errs) > 0 {
			why = errs[0].Message
		}
		return Body{line: line, known: []schemas.Problem{{Path: "$", Message: "body not recorded: " + why}}}
	case '"':
		// Either the text of a body that was not JSON, or a body that was a
		// JSON string: the record's errors tell which.
		var text string
		_ = json.Unmarshal(body, &text) // a valid JSON string
		textIsJSON := json.Valid([]byte(text))
		i := slices.IndexFunc(errs, func(p schemas.Problem) bool {
			return p.Path == "$" && (strings.HasPrefix(p.Message, "not JSON") || strings.HasPrefix(p.Message, "body is not JSON"))
		})
		switch {
		case i >= 0 && textIsJSON:
			// JSON once its bad bytes were replaced to record it: the
			// original problem stands.
			return Body{line: line, known: errs[i : i+1]}
		case i >= 0, errs == nil && !textIsJSON:
			return Body{line: line, body: []byte(text)}
		}
	}
	return Body{line: line, body: body}
}

// recordList returns the bodies of a file that is a JSON array of
// receiver records, each at the line where its record starts.
func recordList(data []byte) ([]Body, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, false
	}
	var out []Body
	for dec.More() {
		start := int(dec.InputOffset())
		for start < len(data) && bytes.IndexByte([]byte(" \t\r\n,"), data[start]) >= 0 {
			start++
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, false
		}
		b := fromRecord(1+bytes.Count(data[:start], []byte("\n")), raw)
		if bytes.Equal(b.body, raw) && b.known == nil {
			return nil, false // not a record: the array is one (invalid) body
		}
		out = append(out, b)
	}
	return out, len(out) > 0
}

// String is for test failures.
func (b Body) String() string {
	return fmt.Sprintf("line %d: %s%v", b.line, b.body, b.known)
}
