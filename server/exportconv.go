package server

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Export formats: the export JSON (a list of tasks with their
// annotations, as ExportDataSerializer writes them) converted as Label
// Studio's converter (label_studio_sdk.converter, 2.1.2 in 1.23.2) does,
// for the formats pipelines read as tables: JSON_MIN (one flat record per
// annotation, json.dump with indent 2) and CSV/TSV (the same records as
// columns, sorted, QUOTE_NONNUMERIC). The other formats of the catalogue
// (COCO, YOLO, CONLL2003, …) are listed as disabled and refused.

// exportFormats is the converter's catalogue (Converter.all_formats(),
// recorded from 1.23.2): title, description, link, tags, name.
//
//go:embed data/export_formats.json
var exportFormatsJSON []byte

// converter is one export format labelhook produces from the export JSON:
// the file's bytes, its extension and the export answer's Content-Type.
type converter struct {
	ext  string
	conv func(tasks []*jnode, lc *labelConfig) []byte
}

// converters are the formats labelhook produces, by exportType.
var converters = map[string]converter{
	"JSON":     {".json", nil},
	"JSON_MIN": {".json", convertJSONMin},
	"CSV":      {".csv", func(t []*jnode, lc *labelConfig) []byte { return convertCSV(t, lc, ',') }},
	"TSV":      {".csv", func(t []*jnode, lc *labelConfig) []byte { return convertCSV(t, lc, '\t') }},
}

// exportFormatList is GET /api/projects/{id}/export/formats: the
// catalogue, those labelhook cannot produce marked disabled, enabled ones
// first (Label Studio disables the formats the label config cannot use;
// JSON, JSON_MIN, CSV and TSV are never disabled there either).
func exportFormatList() ([]json.RawMessage, error) {
	var all []json.RawMessage
	if err := json.Unmarshal(exportFormatsJSON, &all); err != nil {
		return nil, fmt.Errorf("export format catalogue: %w", err)
	}
	var on, off []json.RawMessage
	for _, f := range all {
		pairs, err := objectPairs(f)
		if err != nil {
			return nil, fmt.Errorf("export format catalogue: %w", err)
		}
		var name string
		for _, p := range pairs {
			if p.key == "name" {
				_ = json.Unmarshal(p.val, &name)
			}
		}
		if _, ok := converters[name]; ok {
			on = append(on, writePairs(pairs))
			continue
		}
		off = append(off, writePairs(append(pairs, kv{"disabled", json.RawMessage("true")})))
	}
	return append(on, off...), nil
}

// jnode is a decoded JSON value that keeps object key order and number
// text, as Python's json module does.
type jnode struct {
	kind  byte // '{', '[', '"', '0' (number), 't', 'f', 'n'
	pairs []jpair
	items []*jnode
	text  string // a string's value, a number's text
}

type jpair struct {
	key string
	val *jnode
}

func (n *jnode) get(k string) *jnode {
	if n == nil || n.kind != '{' {
		return nil
	}
	for _, p := range n.pairs {
		if p.key == k {
			return p.val
		}
	}
	return nil
}

// set sets k in its place, or at the end.
func (n *jnode) set(k string, v *jnode) {
	for i := range n.pairs {
		if n.pairs[i].key == k {
			n.pairs[i].val = v
			return
		}
	}
	n.pairs = append(n.pairs, jpair{k, v})
}

func (n *jnode) truthy() bool {
	switch {
	case n == nil:
		return false
	case n.kind == 'n' || n.kind == 'f':
		return false
	case n.kind == '"':
		return n.text != ""
	case n.kind == '0':
		f, _ := strconv.ParseFloat(n.text, 64)
		return f != 0
	case n.kind == '{':
		return len(n.pairs) > 0
	case n.kind == '[':
		return len(n.items) > 0
	}
	return true
}

// clone copies n deeply.
func (n *jnode) clone() *jnode {
	if n == nil {
		return nil
	}
	c := *n
	c.pairs = make([]jpair, len(n.pairs))
	for i, p := range n.pairs {
		c.pairs[i] = jpair{p.key, p.val.clone()}
	}
	c.items = make([]*jnode, len(n.items))
	for i, it := range n.items {
		c.items[i] = it.clone()
	}
	return &c
}

var (
	jnull = &jnode{kind: 'n'}
)

func jstr(s string) *jnode { return &jnode{kind: '"', text: s} }

// parseJNode decodes one JSON value.
func parseJNode(raw []byte) (*jnode, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	n, err := readJNode(dec)
	if err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("data after the JSON value")
	}
	return n, nil
}

func readJNode(dec *json.Decoder) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			n := &jnode{kind: '{'}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := readJNode(dec)
				if err != nil {
					return nil, err
				}
				n.set(kt.(string), v)
			}
			_, err := dec.Token()
			return n, err
		}
		n := &jnode{kind: '['}
		for dec.More() {
			v, err := readJNode(dec)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
		}
		_, err := dec.Token()
		return n, err
	case string:
		return jstr(t), nil
	case json.Number:
		return &jnode{kind: '0', text: t.String()}, nil
	case bool:
		if t {
			return &jnode{kind: 't'}, nil
		}
		return &jnode{kind: 'f'}, nil
	}
	return jnull, nil
}

// jsonStyle is how a writer lays JSON out.
type jsonStyle struct {
	indent string // "": one line
	// space puts Python's ", " and ": " separators on one line.
	space bool
	// ujson escapes "/" as ujson.dumps does by default.
	ujson bool
}

// writeJNode writes n, non-ASCII as it is (ensure_ascii=False).
func writeJNode(b []byte, n *jnode, st jsonStyle, depth int) []byte {
	nl := func(d int) []byte {
		if st.indent == "" {
			return b
		}
		b = append(b, '\n')
		for range d {
			b = append(b, st.indent...)
		}
		return b
	}
	itemSep, keySep := ",", ":"
	if st.space || st.indent != "" {
		keySep = ": "
	}
	if st.space && st.indent == "" {
		itemSep = ", "
	}
	switch n.kind {
	case '{':
		if len(n.pairs) == 0 {
			return append(b, "{}"...)
		}
		b = append(b, '{')
		for i, p := range n.pairs {
			if i > 0 {
				b = append(b, itemSep...)
			}
			b = nl(depth + 1)
			b = appendPyString(b, p.key, st.ujson)
			b = append(b, keySep...)
			b = writeJNode(b, p.val, st, depth+1)
		}
		b = nl(depth)
		return append(b, '}')
	case '[':
		if len(n.items) == 0 {
			return append(b, "[]"...)
		}
		b = append(b, '[')
		for i, it := range n.items {
			if i > 0 {
				b = append(b, itemSep...)
			}
			b = nl(depth + 1)
			b = writeJNode(b, it, st, depth+1)
		}
		b = nl(depth)
		return append(b, ']')
	case '"':
		return appendPyString(b, n.text, st.ujson)
	case '0':
		return append(b, n.text...)
	case 't':
		return append(b, "true"...)
	case 'f':
		return append(b, "false"...)
	}
	return append(b, "null"...)
}

// appendPyString quotes s as Python's json (ensure_ascii=False) does; ujson also
// escapes "/".
func appendPyString(b []byte, s string, ujson bool) []byte {
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"':
			b = append(b, `\"`...)
		case r == '\\':
			b = append(b, `\\`...)
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r == '\b':
			b = append(b, `\b`...)
		case r == '\f':
			b = append(b, `\f`...)
		case r == '/' && ujson:
			b = append(b, `\/`...)
		case r < 0x20:
			b = fmt.Appendf(b, `\u%04x`, r)
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

// convItem is one item the converter yields: a task with one annotation's
// outputs (Converter.get_data).
type convItem struct {
	id, input, completedBy, annotationID, createdAt, updatedAt, leadTime *jnode
	outputs                                                              []jpair // from_name -> list of values
}

// convItems is annotation_result_from_task over every task.
func convItems(tasks []*jnode, lc *labelConfig) []convItem {
	var out []convItem
	for _, t := range tasks {
		anns := t.get("annotations")
		if anns == nil || anns.kind != '[' {
			continue
		}
		if len(anns.items) == 0 {
			out = append(out, convItem{id: t.get("id"), input: t.get("data"), completedBy: &jnode{kind: '{'}})
			continue
		}
		var kept []*jnode
		for _, a := range anns.items {
			if !a.get("skipped").truthy() && !a.get("was_cancelled").truthy() {
				kept = append(kept, a)
			}
		}
		sort.SliceStable(kept, func(i, j int) bool {
			return nodeText(kept[i].get("created_at")) > nodeText(kept[j].get("created_at"))
		})
		for _, a := range kept {
			it := convItem{id: t.get("id"), input: t.get("data"), completedBy: a.get("completed_by"),
				annotationID: a.get("id"), createdAt: a.get("created_at"), updatedAt: a.get("updated_at"), leadTime: a.get("lead_time")}
			if it.completedBy == nil {
				it.completedBy = &jnode{kind: '{'}
			}
			res := a.get("result")
			if res != nil && res.kind == '[' {
				for _, r := range res.items {
					from := r.get("from_name")
					if from == nil || from.kind != '"' || from.text == "" {
						continue
					}
					v := r.get("value")
					var typ string
					switch {
					case lc != nil && slices.Contains(lc.order, from.text):
						typ = lc.controls[from.text].Type
					case nodeText(r.get("type")) == "chatmessage":
						typ = "chatmessage"
					case lc == nil || len(lc.order) == 0:
						typ = nodeText(r.get("type"))
						if typ == "" {
							typ = "unknown"
						}
					default:
						continue
					}
					if v == nil || v.kind != '{' {
						v = &jnode{kind: '{'}
					} else {
						v = v.clone()
					}
					v.set("type", jstr(typ))
					for _, k := range []string{"original_width", "original_height"} {
						if x := r.get(k); x != nil && typ != "chatmessage" {
							v.set(k, x)
						}
					}
					it.addOutput(from.text, v)
				}
			}
			out = append(out, it)
		}
	}
	return out
}

func (it *convItem) addOutput(name string, v *jnode) {
	for i := range it.outputs {
		if it.outputs[i].key == name {
			it.outputs[i].val.items = append(it.outputs[i].val.items, v)
			return
		}
	}
	it.outputs = append(it.outputs, jpair{name, &jnode{kind: '[', items: []*jnode{v}}})
}

func nodeText(n *jnode) string {
	if n == nil {
		return ""
	}
	return n.text
}

// prettify is prettify_result: a single choice or text as a string, else
// the list of values without their type.
func prettify(values *jnode) *jnode {
	out := &jnode{kind: '['}
	last := ""
	for _, v := range values.items {
		j := v.clone()
		last = nodeText(j.get("type"))
		j.pairs = slices.DeleteFunc(j.pairs, func(p jpair) bool { return p.key == "type" })
		switch {
		case last == "Choices" && j.get("choices") != nil && len(j.get("choices").items) == 1:
			out.items = append(out.items, j.get("choices").items[0])
		case last == "TextArea" && j.get("text") != nil && len(j.get("text").items) == 1:
			out.items = append(out.items, j.get("text").items[0])
		case last == "Chat" || last == "chatmessage":
			if c := j.get("chatmessage"); c != nil {
				out.items = append(out.items, c)
			} else {
				out.items = append(out.items, j)
			}
		default:
			out.items = append(out.items, j)
		}
	}
	if (last == "Choices" || last == "TextArea") && len(out.items) == 1 {
		return out.items[0]
	}
	return out
}

// annotator is get_annotator: the email of an expanded user, an id (as a
// string unless intID), None for an annotation-less task.
func annotator(by *jnode, intID bool) *jnode {
	switch by.kind {
	case '{':
		if e := by.get("email"); e != nil {
			return e
		}
		return jnull
	case '0':
		if intID {
			return by
		}
		return jstr(by.text)
	case 'n':
		return jstr("None")
	}
	return jstr(nodeText(by))
}

func orNullNode(n *jnode) *jnode {
	if n == nil {
		return jnull
	}
	return n
}

// convertJSONMin is convert_to_json_min.
func convertJSONMin(tasks []*jnode, lc *labelConfig) []byte {
	b := []byte("[\n")
	for i, it := range convItems(tasks, lc) {
		rec := &jnode{kind: '{'}
		if it.input != nil && it.input.kind == '{' {
			rec = it.input.clone()
		}
		if it.id != nil && it.id.kind != 'n' {
			rec.set("id", it.id)
		}
		for _, o := range it.outputs {
			rec.set(o.key, prettify(o.val))
		}
		rec.set("annotator", annotator(it.completedBy, true))
		rec.set("annotation_id", orNullNode(it.annotationID))
		rec.set("created_at", orNullNode(it.createdAt))
		rec.set("updated_at", orNullNode(it.updatedAt))
		rec.set("lead_time", orNullNode(it.leadTime))
		if i > 0 {
			b = append(b, ",\n"...)
		}
		b = writeJNode(b, rec, jsonStyle{indent: "  "}, 0)
	}
	return append(b, "\n]"...)
}

// convertCSV is the converter's csv2.convert: every item a row, the
// columns sorted, strings quoted and numbers not (csv.QUOTE_NONNUMERIC),
// lists and objects as ujson text.
func convertCSV(tasks []*jnode, lc *labelConfig, sep byte) []byte {
	items := convItems(tasks, lc)
	inKeys, outKeys := map[string]bool{}, map[string]bool{}
	for _, it := range items {
		if it.input != nil {
			for _, p := range it.input.pairs {
				inKeys[p.key] = true
			}
		}
		for _, o := range it.outputs {
			outKeys[o.key] = true
		}
	}
	column := func(name string) string {
		if inKeys[name] && outKeys[name] {
			return "_data_" + name
		}
		return name
	}
	cols := map[string]bool{"annotator": true, "annotation_id": true, "created_at": true, "updated_at": true, "lead_time": true}
	rows := make([]map[string]*jnode, len(items))
	for i, it := range items {
		rec := map[string]*jnode{}
		if it.id != nil && it.id.kind != 'n' {
			rec["id"] = it.id
		}
		for _, o := range it.outputs {
			pv := prettify(o.val)
			if pv.kind != '"' {
				pv = jstr(string(writeJNode(nil, pv, jsonStyle{ujson: true}, 0)))
			}
			rec[o.key] = pv
		}
		if it.input != nil {
			for _, p := range it.input.pairs {
				v := p.val
				if v.kind == '{' || v.kind == '[' {
					v = jstr(string(writeJNode(nil, v, jsonStyle{ujson: true}, 0)))
				}
				rec[column(p.key)] = v
			}
		}
		rec["annotator"] = annotator(it.completedBy, false)
		rec["annotation_id"] = orNullNode(it.annotationID)
		rec["created_at"] = orNullNode(it.createdAt)
		rec["updated_at"] = orNullNode(it.updatedAt)
		rec["lead_time"] = orNullNode(it.leadTime)
		for k := range rec {
			cols[k] = true
		}
		rows[i] = rec
	}
	names := make([]string, 0, len(cols))
	for k := range cols {
		names = append(names, k)
	}
	sort.Strings(names)
	var b []byte
	for i, n := range names {
		if i > 0 {
			b = append(b, sep)
		}
		b = csvQuote(b, n)
	}
	b = append(b, "\r\n"...)
	for _, rec := range rows {
		for i, n := range names {
			if i > 0 {
				b = append(b, sep)
			}
			v := rec[n]
			switch {
			case v == nil || v.kind == 'n':
				b = append(b, `""`...)
			case v.kind == '0':
				b = append(b, pyNumberText(v.text)...)
			case v.kind == 't':
				b = append(b, "True"...)
			case v.kind == 'f':
				b = append(b, "False"...)
			default:
				b = csvQuote(b, v.text)
			}
		}
		b = append(b, "\r\n"...)
	}
	return b
}

// pyNumberText is how Python's csv writes a number: an int as it is, a
// float as repr (the export JSON already holds Python's text for both).
func pyNumberText(s string) string { return s }

func csvQuote(b []byte, s string) []byte {
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(s, `"`, `""`)...)
	return append(b, '"')
}
