package server

import (
	"bytes"
	"encoding/json"
	"path"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/labelhook/labelhook/internal/jsontext"
	"github.com/labelhook/labelhook/internal/pyjson"
)

// Hand-written JSON for the views that big lists repeat (a Data Manager
// page, an export): encoding/json spends most of a list's time in
// reflection, in the MarshalJSON calls of stamp, opt and pyFloat, and in
// compacting every RawMessage again. Each appendJSON writes exactly the
// bytes encoding/json writes for its struct with HTML escaping off (the
// encoder of stream.go and marshal), field by field in the struct's
// order: the struct stays the one home of the view's fields, and
// TestAppendJSONMatchesEncodingJSON compares the two encodings over
// varied objects, so a field added to a struct but not here fails it.

// jsonAppender is a view that writes its own JSON.
type jsonAppender interface {
	appendJSON(b []byte) []byte
}

func (ft fullTask) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(ft.ID), 10)
	if ft.Predictions.set {
		b = append(b, `,"predictions":`...)
		b = appendList(b, ft.Predictions.v)
	}
	if ft.Annotations.set {
		b = append(b, `,"annotations":`...)
		b = appendList(b, ft.Annotations.v)
	}
	b = append(b, `,"drafts":`...)
	b = appendAnyList(b, ft.Drafts)
	b = append(b, `,"annotators":`...)
	b = appendInts(b, ft.Annotators)
	b = append(b, `,"inner_id":`...)
	b = strconv.AppendInt(b, int64(ft.InnerID), 10)
	b = append(b, `,"cancelled_annotations":`...)
	b = strconv.AppendInt(b, int64(ft.CancelledAnnotations), 10)
	b = append(b, `,"total_annotations":`...)
	b = strconv.AppendInt(b, int64(ft.TotalAnnotations), 10)
	b = append(b, `,"total_predictions":`...)
	b = strconv.AppendInt(b, int64(ft.TotalPredictions), 10)
	if ft.CompletedAt.set {
		b = append(b, `,"completed_at":`...)
		b = appendStampPtr(b, ft.CompletedAt.v)
	}
	b = append(b, `,"annotations_results":`...)
	b = appendString(b, ft.AnnotationsResults)
	b = append(b, `,"predictions_results":`...)
	b = appendString(b, ft.PredictionsResults)
	if ft.PredictionsScore.set {
		b = append(b, `,"predictions_score":`...)
		b = appendFloatPtr(b, ft.PredictionsScore.v)
	}
	b = append(b, `,"file_upload":`...)
	b = appendStringPtr(b, ft.FileUpload)
	b = append(b, `,"storage_filename":`...)
	b = appendStringPtr(b, ft.StorageFilename)
	b = append(b, `,"annotations_ids":`...)
	b = appendString(b, ft.AnnotationsIDs)
	b = append(b, `,"predictions_model_versions":`...)
	b = appendString(b, ft.PredictionsModelVersions)
	if ft.AvgLeadTime.set {
		b = append(b, `,"avg_lead_time":`...)
		b = appendFloatPtr(b, ft.AvgLeadTime.v)
	}
	if ft.DraftExists.set {
		b = append(b, `,"draft_exists":`...)
		b = strconv.AppendBool(b, ft.DraftExists.v)
	}
	b = append(b, `,"updated_by":`...)
	if ft.UpdatedBy == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, u := range ft.UpdatedBy {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"user_id":`...)
			b = strconv.AppendInt(b, int64(u.UserID), 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"data":`...)
	b = appendRaw(b, ft.Data)
	b = append(b, `,"meta":`...)
	b = appendRaw(b, ft.Meta)
	b = append(b, `,"created_at":`...)
	b = appendStamp(b, ft.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendStamp(b, ft.UpdatedAt)
	b = append(b, `,"is_labeled":`...)
	b = strconv.AppendBool(b, ft.IsLabeled)
	b = append(b, `,"overlap":`...)
	b = strconv.AppendInt(b, int64(ft.Overlap), 10)
	b = append(b, `,"comment_count":`...)
	b = strconv.AppendInt(b, int64(ft.CommentCount), 10)
	b = append(b, `,"unresolved_comment_count":`...)
	b = strconv.AppendInt(b, int64(ft.UnresolvedCommentCount), 10)
	b = append(b, `,"last_comment_updated_at":`...)
	b = appendStampPtr(b, ft.LastCommentUpdatedAt)
	b = append(b, `,"project":`...)
	b = strconv.AppendInt(b, int64(ft.Project), 10)
	b = append(b, `,"comment_authors":`...)
	b = appendInts(b, ft.CommentAuthors)
	return append(b, '}')
}

// appendJSON writes the view's own fields and, with
// appendAnnotationState and appendAnnotationLinks, the annotation it was
// made from (TestAppendJSONMatchesEncodingJSON holds them to the view's
// fields).
func (a annotationObject) appendJSON(b []byte) []byte {
	if a.src == nil { // a view made by hand: encoding/json, which knows no appendJSON
		type plain annotationObject
		raw, err := jsontext.Marshal(plain(a))
		if err != nil {
			panic(err) // view types always encode
		}
		return append(b, raw...)
	}
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(a.ID), 10)
	b = append(b, `,"result":`...)
	b = appendRaw(b, a.Result)
	b = append(b, `,"created_username":`...)
	b = appendString(b, a.CreatedUsername)
	b = append(b, `,"created_ago":`...)
	b = appendString(b, a.CreatedAgo)
	b = append(b, `,"completed_by":`...)
	b = appendAny(b, a.CompletedBy)
	b = appendAnnotationState(b, a.src, nil)
	b = appendAnnotationLinks(b, a.src)
	return append(b, '}')
}

func (p predictionObject) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(p.ID), 10)
	b = append(b, `,"result":`...)
	b = appendRaw(b, p.Result)
	b = append(b, `,"model_version":`...)
	b = appendString(b, p.ModelVersion)
	b = append(b, `,"created_ago":`...)
	b = appendString(b, p.CreatedAgo)
	b = append(b, `,"score":`...)
	b = appendFloatPtr(b, p.Score)
	b = append(b, `,"cluster":`...)
	b = appendIntPtr(b, p.Cluster)
	b = append(b, `,"neighbors":`...)
	b = appendRaw(b, p.Neighbors)
	b = append(b, `,"mislabeling":`...)
	b = pyjson.AppendFloat(b, float64(p.Mislabeling))
	b = append(b, `,"created_at":`...)
	b = appendStamp(b, p.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendStamp(b, p.UpdatedAt)
	b = append(b, `,"model":`...)
	b = appendIntPtr(b, p.Model)
	b = append(b, `,"model_run":`...)
	b = appendIntPtr(b, p.ModelRun)
	b = append(b, `,"task":`...)
	b = strconv.AppendInt(b, int64(p.Task), 10)
	b = append(b, `,"project":`...)
	b = strconv.AppendInt(b, int64(p.Project), 10)
	return append(b, '}')
}

func (et snapshotTask) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(et.ID), 10)
	b = append(b, `,"annotations":`...)
	b = appendList(b, et.Annotations)
	if et.FileUpload.set {
		b = append(b, `,"file_upload":`...)
		b = appendString(b, et.FileUpload.v)
	}
	b = append(b, `,"drafts":`...)
	b = appendAnyList(b, et.Drafts)
	b = append(b, `,"predictions":`...)
	switch p := et.Predictions.(type) {
	case []int:
		b = appendInts(b, p)
	case []predictionObject:
		b = appendList(b, p)
	default:
		b = appendMarshal(b, p)
	}
	b = append(b, `,"data":`...)
	b = appendRaw(b, et.Data)
	b = append(b, `,"meta":`...)
	b = appendRaw(b, et.Meta)
	b = append(b, `,"created_at":`...)
	b = appendStamp(b, et.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendStamp(b, et.UpdatedAt)
	if et.AllowSkip.set {
		b = append(b, `,"allow_skip":`...)
		b = strconv.AppendBool(b, et.AllowSkip.v)
	}
	b = append(b, `,"inner_id":`...)
	b = strconv.AppendInt(b, int64(et.InnerID), 10)
	b = append(b, `,"total_annotations":`...)
	b = strconv.AppendInt(b, int64(et.TotalAnnotations), 10)
	b = append(b, `,"cancelled_annotations":`...)
	b = strconv.AppendInt(b, int64(et.CancelledAnnotations), 10)
	b = append(b, `,"total_predictions":`...)
	b = strconv.AppendInt(b, int64(et.TotalPredictions), 10)
	b = append(b, `,"comment_count":`...)
	b = strconv.AppendInt(b, int64(et.CommentCount), 10)
	b = append(b, `,"unresolved_comment_count":`...)
	b = strconv.AppendInt(b, int64(et.UnresolvedCommentCount), 10)
	b = append(b, `,"last_comment_updated_at":`...)
	b = appendStampPtr(b, et.LastCommentUpdatedAt)
	b = append(b, `,"project":`...)
	b = strconv.AppendInt(b, int64(et.Project), 10)
	b = append(b, `,"updated_by":`...)
	b = appendIntPtr(b, et.UpdatedBy)
	b = append(b, `,"comment_authors":`...)
	b = appendInts(b, et.CommentAuthors)
	return append(b, '}')
}

// appendJSON writes the annotation the view was made from with
// appendExportAnnotation: the view's fields are its encoding/json
// reference (TestAppendJSONMatchesEncodingJSON).
func (ea exportAnnotation) appendJSON(b []byte) []byte {
	if ea.src == nil { // a view made by hand: encoding/json, which knows no appendJSON
		type plain exportAnnotation
		raw, err := jsontext.Marshal(plain(ea))
		if err != nil {
			panic(err) // view types always encode
		}
		return append(b, raw...)
	}
	return appendExportAnnotation(b, ea.src, nil, ea.expandUser)
}

// appendList writes a list of views; nil is null, as encoding/json writes it.
func appendList[T any, P interface {
	*T
	jsonAppender
}](b []byte, items []T) []byte {
	if items == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = P(&items[i]).appendJSON(b)
	}
	return append(b, ']')
}

// appendAnyList writes a []any (the drafts, always empty here).
func appendAnyList(b []byte, items []any) []byte {
	if items == nil {
		return append(b, "null"...)
	}
	if len(items) == 0 {
		return append(b, "[]"...)
	}
	return appendMarshal(b, items)
}

func appendInts(b []byte, v []int) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, n := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(n), 10)
	}
	return append(b, ']')
}

func appendIntPtr(b []byte, v *int) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(*v), 10)
}

func appendStringPtr(b []byte, v *string) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return appendString(b, *v)
}

func appendFloatPtr(b []byte, v *pyFloat) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return pyjson.AppendFloat(b, float64(*v))
}

func appendStampPtr(b []byte, v *stamp) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return appendStamp(b, *v)
}

// appendAny writes the completed_by values the views hold; anything else
// goes through encoding/json.
func appendAny(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case *int:
		return appendIntPtr(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case exportUser:
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, int64(x.ID), 10)
		b = append(b, `,"email":`...)
		b = appendString(b, x.Email)
		b = append(b, `,"first_name":`...)
		b = appendString(b, x.FirstName)
		b = append(b, `,"last_name":`...)
		b = appendString(b, x.LastName)
		return append(b, '}')
	case userObject:
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, int64(x.ID), 10)
		b = append(b, `,"first_name":`...)
		b = appendString(b, x.FirstName)
		b = append(b, `,"last_name":`...)
		b = appendString(b, x.LastName)
		b = append(b, `,"email":`...)
		b = appendString(b, x.Email)
		b = append(b, `,"avatar":`...)
		b = appendStringPtr(b, x.Avatar)
		return append(b, '}')
	}
	return appendMarshal(b, v)
}

// appendMarshal is the slow path: encoding/json without HTML escaping.
func appendMarshal(b []byte, v any) []byte {
	raw, err := marshal(v)
	if err != nil {
		panic(err) // view types always encode
	}
	return append(b, raw...)
}

// appendStamp writes a stamp as its MarshalJSON does, without the
// formatting machinery: the date from the Unix day by Hinnant's
// civil_from_days, the clock from the second of the day (time.Date and
// time.Clock each split the time again; an export writes four stamps a
// task). Years outside 0–9999 take MarshalJSON's way.
func appendStamp(b []byte, s stamp) []byte {
	t := time.Time(s)
	secs := t.Unix()
	const first, last = -62167219200, 253402300799 // 0000-01-01T00:00:00Z, 9999-12-31T23:59:59Z
	if secs < first || secs > last {
		raw, _ := s.MarshalJSON()
		return append(b, raw...)
	}
	days, sec := (secs-first)/86400, int((secs-first)%86400)
	// civil_from_days, counted from 0000-03-01 (the era starts in March).
	z := days - 60
	era := z / 146097
	if z < 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	year := int(yoe + era*400)
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day := int(doy - (153*mp+2)/5 + 1)
	month := int(mp + 3)
	if mp >= 10 {
		month = int(mp - 9)
		year++
	}
	hour, minute, second := sec/3600, sec/60%60, sec%60
	micro := t.Nanosecond() / 1000
	b = append(b, '"')
	b = append(b, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-')
	b = append(b, byte('0'+month/10), byte('0'+month%10), '-', byte('0'+day/10), byte('0'+day%10), 'T')
	b = append(b, byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+minute/10), byte('0'+minute%10), ':')
	b = append(b, byte('0'+second/10), byte('0'+second%10), '.')
	b = append(b, byte('0'+micro/100000), byte('0'+micro/10000%10), byte('0'+micro/1000%10),
		byte('0'+micro/100%10), byte('0'+micro/10%10), byte('0'+micro%10))
	return append(b, 'Z', '"')
}

// stampCache remembers how the last second a list wrote looks: the tasks
// and annotations of an import share their few seconds, so most stamps
// of an export or a page differ from the previous one only in their
// microseconds. One per goroutine (a chunk's encoder).
type stampCache struct {
	sec  int64
	ok   bool     // head holds sec
	head [21]byte // `"2006-01-02T15:04:05.` of sec
}

// append writes s as appendStamp does (a nil cache is appendStamp).
func (c *stampCache) append(b []byte, s stamp) []byte {
	if c == nil {
		return appendStamp(b, s)
	}
	t := time.Time(s)
	sec := t.Unix()
	if !c.ok || sec != c.sec {
		var buf [40]byte
		full := appendStamp(buf[:0], s)
		if len(full) != len(`"2006-01-02T15:04:05.000000Z"`) {
			c.ok = false // outside years 0-9999
			return append(b, full...)
		}
		copy(c.head[:], full)
		c.sec, c.ok = sec, true
	}
	micro := t.Nanosecond() / 1000
	b = append(b, c.head[:]...)
	return append(b, twoDigits[2*(micro/10000)], twoDigits[2*(micro/10000)+1],
		twoDigits[2*(micro/100%100)], twoDigits[2*(micro/100%100)+1],
		twoDigits[2*(micro%100)], twoDigits[2*(micro%100)+1], 'Z', '"')
}

// twoDigits holds 00 to 99, two bytes each.
const twoDigits = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

// appendRaw writes a RawMessage as encoding/json does: null when empty,
// else compacted. Stored JSON is valid (checked where it comes in), so
// compacting is dropping the whitespace outside strings, in one pass that
// copies runs and skips strings with IndexByte: Python clients send ": "
// and ", ", so most stored values are not compact, and json.Compact's
// validating scanner was a sixth of an export's time.
func appendRaw(b []byte, raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return append(b, "null"...)
	}
	start := 0
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case ' ', '\t', '\n', '\r':
			b = append(b, raw[start:i]...)
			start = i + 1
		case '"':
			// Find the closing quote: one not preceded by an odd run of
			// backslashes.
			for {
				j := bytes.IndexByte(raw[i+1:], '"')
				if j < 0 {
					panic("stored JSON has an unterminated string") // stored JSON is valid
				}
				i += 1 + j
				k := i - 1
				for raw[k] == '\\' {
					k--
				}
				if (i-1-k)%2 == 0 {
					break
				}
			}
		}
	}
	return append(b, raw[start:]...)
}

// appendString writes s as encoding/json does with HTML escaping off:
// quotes, backslashes and control characters escaped, invalid UTF-8 as
// \ufffd, U+2028 and U+2029 escaped, everything else as it is.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendEscaped(b, s)
	return append(b, '"')
}

// appendEscaped writes the inside of appendString's quotes.
func appendEscaped[S ~string | ~[]byte](b []byte, s S) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		// A short copy for DecodeRuneInString stays on the stack, as in
		// encoding/json.
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}

// taskOnly is the default Data Manager list item (fields=task_only): the
// bytes of fullTaskOf(t, false).appendJSON, written straight from the
// task without building the view, since a page writes it 100 times.
// TestAppendJSONMatchesEncodingJSON holds the two to the same bytes; a
// key that fullTaskOf starts to fill must be written here too.
type taskOnly struct {
	st     *store
	t      *task
	stamps *stampCache // may be nil
}

func (v *taskOnly) appendJSON(b []byte) []byte {
	st, t := v.st, v.t
	var total, cancelled int
	var annotators [8]int
	by := annotators[:0]
	for _, aid := range t.annIDs {
		a := st.annotations[aid]
		if a.WasCancelled {
			cancelled++
		} else {
			total++
		}
		if a.CompletedBy != nil && !slices.Contains(by, *a.CompletedBy) {
			by = append(by, *a.CompletedBy)
		}
	}
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(t.ID), 10)
	b = append(b, `,"drafts":[],"annotators":`...)
	if len(by) == 0 {
		b = append(b, "[]"...)
	} else {
		b = appendInts(b, by)
	}
	b = append(b, `,"inner_id":`...)
	b = strconv.AppendInt(b, int64(t.InnerID), 10)
	b = append(b, `,"cancelled_annotations":`...)
	b = strconv.AppendInt(b, int64(cancelled), 10)
	b = append(b, `,"total_annotations":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `,"total_predictions":`...)
	b = strconv.AppendInt(b, int64(len(t.predIDs)), 10)
	b = append(b, `,"annotations_results":"`...)
	for i, aid := range t.annIDs {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendEscaped(b, orEmptyList(st.annotations[aid].Result))
	}
	b = append(b, `","predictions_results":"`...)
	for i, pid := range t.predIDs {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendEscaped(b, orEmptyList(st.predictions[pid].Result))
	}
	b = append(b, `","file_upload":`...)
	b = appendStringPtr(b, st.uploadName(t))
	b = append(b, `,"storage_filename":null,"annotations_ids":"`...)
	for i, aid := range t.annIDs {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(b, int64(aid), 10)
	}
	b = append(b, `","predictions_model_versions":"`...)
	for i, pid := range t.predIDs {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendEscaped(b, st.predictions[pid].ModelVersion)
	}
	if t.UpdatedBy != nil {
		b = append(b, `","updated_by":[{"user_id":`...)
		b = strconv.AppendInt(b, int64(*t.UpdatedBy), 10)
		b = append(b, `}],"data":`...)
	} else {
		b = append(b, `","updated_by":[],"data":`...)
	}
	b = appendRaw(b, t.Data)
	b = append(b, `,"meta":`...)
	b = appendRaw(b, orNull(t.Meta))
	b = append(b, `,"created_at":`...)
	b = v.stamps.append(b, stamp(t.CreatedAt))
	b = append(b, `,"updated_at":`...)
	b = v.stamps.append(b, stamp(t.UpdatedAt))
	b = append(b, `,"is_labeled":`...)
	b = strconv.AppendBool(b, t.IsLabeled)
	b = append(b, `,"overlap":`...)
	b = strconv.AppendInt(b, int64(t.Overlap), 10)
	b = append(b, `,"comment_count":0,"unresolved_comment_count":0,"last_comment_updated_at":null,"project":`...)
	b = strconv.AppendInt(b, int64(t.ProjectID), 10)
	return append(b, `,"comment_authors":[]}`...)
}

// exportTask is a task of the plain JSON export: the bytes of
// snapshotTaskOf(t, snapshotOptions{}).appendJSON, written straight from
// the task and its annotations without building the view (an export
// writes it for every task). TestAppendJSONMatchesEncodingJSON holds the
// two to the same bytes.
type exportTask struct {
	st     *store
	t      *task
	stamps *stampCache
}

func (v *exportTask) appendJSON(b []byte) []byte {
	st, t := v.st, v.t
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(t.ID), 10)
	b = append(b, `,"annotations":[`...)
	var total, cancelled int
	for i, aid := range t.annIDs {
		a := st.annotations[aid]
		if a.WasCancelled {
			cancelled++
		} else {
			total++
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = appendExportAnnotation(b, a, v.stamps, false)
	}
	b = append(b, ']')
	if t.FileUpload != nil {
		if up := st.uploads[*t.FileUpload]; up != nil {
			b = append(b, `,"file_upload":`...)
			b = appendString(b, path.Base(up.File))
		}
	}
	b = append(b, `,"drafts":[],"predictions":[`...)
	for i, pid := range t.predIDs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(pid), 10)
	}
	b = append(b, `],"data":`...)
	b = appendRaw(b, t.Data)
	b = append(b, `,"meta":`...)
	b = appendRaw(b, orNull(t.Meta))
	b = append(b, `,"created_at":`...)
	b = v.stamps.append(b, stamp(t.CreatedAt))
	b = append(b, `,"updated_at":`...)
	b = v.stamps.append(b, stamp(t.UpdatedAt))
	if st.profile.allowSkip {
		b = append(b, `,"allow_skip":true`...)
	}
	b = append(b, `,"inner_id":`...)
	b = strconv.AppendInt(b, int64(t.InnerID), 10)
	b = append(b, `,"total_annotations":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `,"cancelled_annotations":`...)
	b = strconv.AppendInt(b, int64(cancelled), 10)
	b = append(b, `,"total_predictions":`...)
	b = strconv.AppendInt(b, int64(len(t.predIDs)), 10)
	b = append(b, `,"comment_count":0,"unresolved_comment_count":0,"last_comment_updated_at":null,"project":`...)
	b = strconv.AppendInt(b, int64(t.ProjectID), 10)
	b = append(b, `,"updated_by":`...)
	b = appendIntPtr(b, t.UpdatedBy)
	return append(b, `,"comment_authors":[]}`...)
}

// appendExportAnnotation writes exportAnnotationOf(a, expandUser) as
// encoding/json writes it, without building it; stamps may be nil.
func appendExportAnnotation(b []byte, a *annotation, stamps *stampCache, expandUser bool) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(a.ID), 10)
	switch {
	case a.CompletedBy == nil:
		b = append(b, `,"completed_by":null,"result":`...)
	case expandUser:
		b = append(b, `,"completed_by":`...)
		b = appendAny(b, exportUser{ID: userID, Email: userEmail})
		b = append(b, `,"result":`...)
	default:
		b = append(b, `,"completed_by":`...)
		b = strconv.AppendInt(b, userID, 10)
		b = append(b, `,"result":`...)
	}
	b = appendRaw(b, orEmptyList(a.Result))
	b = appendAnnotationState(b, a, stamps)
	b = append(b, `,"prediction":`...)
	b = appendRaw(b, orEmptyObject(a.Prediction))
	b = append(b, `,"result_count":`...)
	b = strconv.AppendInt(b, int64(a.resultN), 10)
	b = append(b, `,"unique_id":`...)
	b = appendString(b, a.UniqueID)
	b = appendAnnotationLinks(b, a)
	return append(b, '}')
}
