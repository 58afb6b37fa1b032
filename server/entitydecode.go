package server

import (
	"encoding/json"
	"strconv"
	"time"
)

// Tasks and annotations are what a big state is made of (100 000 of
// each), and decoding them by reflection (storedFormat) was about 80% of
// the CPU of loading one: each member arshaled by reflection,
// json.RawMessage through its UnmarshalJSON method, time.Time through
// the general RFC 3339 parser, and go-json-experiment's token machinery
// under all of it. These two are read here by hand, in one pass over the
// bytes (itemParser, itemparse.go), about four times faster.
//
// This is a fast path, not a second decoder: on anything it does not
// expect (an unknown, escaped or repeated name, null where labelhook
// writes a value, a number that is not a plain integer, an escaped string
// where labelhook writes a name, a time not in UTC or with more than nine
// fraction digits, a \u escape of a surrogate, nesting deeper than
// maxItemDepth, anything that is not JSON) it gives up, and the item is
// decoded by reflection, which then gives the value or the error. So what
// is kept, and what is refused and why, stay the reflection decoder's
// (FuzzFastItemsMatchDecoder): the fast path only ever says yes where it
// would, with the same value.

// readTask reads a stored task, or reports false (decode it by reflection).
func (p *itemParser) readTask(raw []byte) (*task, bool) {
	if !p.start(raw) {
		return nil, false
	}
	t := p.slabs.tasks.put(task{}, p.slabs.left.items)
	for p.next() {
		switch string(p.key) {
		case "id":
			t.ID = p.int()
		case "project":
			t.ProjectID = p.int()
		case "data":
			t.Data = p.raw()
		case "meta":
			t.Meta = p.raw()
		case "created_at":
			t.CreatedAt = p.time()
		case "updated_at":
			t.UpdatedAt = p.time()
		case "completed_at":
			t.CompletedAt = p.timePtr()
		case "is_labeled":
			t.IsLabeled = p.bool()
		case "overlap":
			t.Overlap = p.int()
		case "inner_id":
			t.InnerID = p.int()
		case "updated_by":
			t.UpdatedBy = p.intPtr()
		case "file_upload":
			t.FileUpload = p.intPtr()
		default:
			return nil, false
		}
	}
	return t, p.end()
}

// readAnnotation reads a stored annotation, or reports false (decode it
// by reflection).
func (p *itemParser) readAnnotation(raw []byte) (*annotation, bool) {
	if !p.start(raw) {
		return nil, false
	}
	a := p.slabs.annotations.put(annotation{}, p.slabs.left.items)
	for p.next() {
		switch string(p.key) {
		case "id":
			a.ID = p.int()
		case "task":
			a.TaskID = p.int()
		case "project":
			a.ProjectID = p.int()
		case "result":
			a.Result = p.raw()
		case "was_cancelled":
			a.WasCancelled = p.bool()
		case "ground_truth":
			a.GroundTruth = p.bool()
		case "created_at":
			a.CreatedAt = p.time()
		case "updated_at":
			a.UpdatedAt = p.time()
		case "draft_created_at":
			a.DraftCreatedAt = p.timePtr()
		case "lead_time":
			a.LeadTime = p.floatPtr()
		case "prediction":
			a.Prediction = p.raw()
		case "unique_id":
			a.UniqueID = p.string()
		case "import_id":
			a.ImportID = p.intPtr()
		case "last_action":
			a.LastAction = p.stringPtr()
		case "completed_by":
			a.CompletedBy = p.intPtr()
		case "updated_by":
			a.UpdatedBy = p.intPtr()
		case "parent_prediction":
			a.ParentPrediction = p.intPtr()
		case "parent_annotation":
			a.ParentAnnotation = p.intPtr()
		case "last_created_by":
			a.LastCreatedBy = p.intPtr()
		case "bulk_created":
			a.BulkCreated = p.bool()
		default:
			return nil, false
		}
	}
	return a, p.end()
}

// The member values, each as the reflection decoder reads it into its Go
// type, for the forms labelhook writes; anything else sets p.ok false.

// int reads an integer of at most 18 digits (it cannot overflow), with
// no fraction or exponent.
func (p *itemParser) int() int {
	n, ok := plainInt(p.number())
	if !ok {
		p.ok = false
	}
	return n
}

// intPtr reads null or an int.
func (p *itemParser) intPtr() *int {
	if p.null() {
		return nil
	}
	return p.slabs.ints.put(p.int(), p.slabs.left.items)
}

func (p *itemParser) bool() bool {
	switch {
	case p.literal("true"):
		return true
	case p.literal("false"):
		return false
	}
	p.ok = false
	return false
}

// string reads a string without escapes (labelhook's names and ids have
// none; an escaped one is left to reflection).
func (p *itemParser) string() string {
	s, escaped := p.str()
	if escaped {
		p.ok = false
	}
	if !p.ok {
		return ""
	}
	return string(s)
}

func (p *itemParser) stringPtr() *string {
	if p.null() {
		return nil
	}
	return p.slabs.strings.put(p.string(), p.slabs.left.items)
}

// floatPtr reads null or a number within float64's range.
func (p *itemParser) floatPtr() *float64 {
	if p.null() {
		return nil
	}
	n := p.number()
	if !p.ok {
		return nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		p.ok = false
	}
	return p.slabs.floats.put(f, p.slabs.left.items)
}

// raw reads any value, copied, as json.RawMessage's UnmarshalJSON keeps
// it (null too).
func (p *itemParser) raw() json.RawMessage {
	p.ws()
	start := p.i
	p.skip(0)
	if !p.ok {
		return nil
	}
	return p.slabs.keep(p.b[start:p.i])
}

// time reads a time as labelhook writes it (stampUTC).
func (p *itemParser) time() time.Time {
	s, escaped := p.str()
	if escaped || !p.ok {
		p.ok = false
		return time.Time{}
	}
	t, ok := stampUTC(s)
	if !ok {
		p.ok = false
	}
	return t
}

func (p *itemParser) timePtr() *time.Time {
	if p.null() {
		return nil
	}
	return p.slabs.times.put(p.time(), p.slabs.left.items)
}

// plainInt parses an integer of at most 18 digits with an optional minus
// sign, which the reflection decoder reads into an int as it is.
func plainInt(v []byte) (int, bool) {
	neg := len(v) > 0 && v[0] == '-'
	if neg {
		v = v[1:]
	}
	if len(v) == 0 || len(v) > 18 || (v[0] == '0' && len(v) > 1) {
		return 0, false
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// stampUTC parses a time of the form labelhook writes,
// 2006-01-02T15:04:05.999999999Z (RFC 3339 in UTC, up to nine fraction
// digits), into what time.Time's own parser gives for it: time.Date in
// UTC. Anything else (another zone, a field out of range) is false.
func stampUTC(s []byte) (time.Time, bool) {
	if len(s) < len("2006-01-02T15:04:05Z") || s[len(s)-1] != 'Z' ||
		s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	ok := true
	num := func(b []byte) int {
		x := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				ok = false
			}
			x = x*10 + int(c) - '0'
		}
		return x
	}
	year, month, day := num(s[0:4]), num(s[5:7]), num(s[8:10])
	hour, minute, sec := num(s[11:13]), num(s[14:16]), num(s[17:19])
	if !ok || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	nsec := 0
	if frac := s[19 : len(s)-1]; len(frac) > 0 {
		if len(frac) < 2 || len(frac) > 10 || frac[0] != '.' {
			return time.Time{}, false
		}
		nsec = num(frac[1:])
		for range 10 - len(frac) {
			nsec *= 10
		}
	}
	if !ok {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), true
}

// daysIn is the number of days of a month (1 to 12) of a year.
func daysIn(year, month int) int {
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		return 29
	}
	return [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month-1]
}
