package server

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// CSV and TSV uploads are read as Label Studio reads them, with pandas
// (read_csv(...).fillna('').to_dict('records')): the first line names the
// columns; a column whose values are all whole numbers holds ints, all
// numbers floats, all True/False booleans, anything else strings; a
// missing value (an empty cell, NA, null, …) is "", and turns a column of
// whole numbers into floats, as pandas' NaN does.

// naValues are pandas' default NA strings.
var naValues = map[string]bool{"": true, "#N/A": true, "#N/A N/A": true, "#NA": true, "-1.#IND": true, "-1.#QNAN": true,
	"-NaN": true, "-nan": true, "1.#IND": true, "1.#QNAN": true, "<NA>": true, "N/A": true, "NA": true, "NULL": true,
	"NaN": true, "None": true, "n/a": true, "nan": true, "null": true}

var (
	csvInt   = regexp.MustCompile(`^[+-]?[0-9]+$`)
	csvFloat = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)
	csvBools = map[string]bool{"True": true, "TRUE": true, "true": true, "False": false, "FALSE": false, "false": false}
)

// csvSeparator is _detect_csv_separator: a semicolon when the first line
// has more semicolons than commas, else a comma.
func csvSeparator(b []byte) rune {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	if bytes.Count(line, []byte(";")) > bytes.Count(line, []byte(",")) {
		return ';'
	}
	return ','
}

// csvColumn is the pandas dtype a column got.
type csvColumn int

const (
	colInt csvColumn = iota
	colFloat
	colBool
	colString
)

// readCSVTasks reads a CSV or TSV file into {"data": {...}} tasks.
func readCSVTasks(b []byte, sep rune) ([]json.RawMessage, error) {
	text, err := utf8Text(b)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = sep
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var records [][]string
	var lines []int
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, reasonf("Error tokenizing data. %v", err)
		}
		line, _ := r.FieldPos(0)
		records = append(records, rec)
		lines = append(lines, line)
	}
	if len(records) == 0 {
		return nil, reason("No columns to parse from file")
	}
	header := csvHeader(records[0])
	rows := records[1:]
	for i, row := range rows {
		if len(row) > len(header) {
			return nil, reasonf("Error tokenizing data. C error: Expected %d fields in line %d, saw %d\n", len(header), lines[i+1], len(row))
		}
	}
	cell := func(row []string, j int) string {
		if j < len(row) {
			return row[j]
		}
		return ""
	}
	kinds := make([]csvColumn, len(header))
	for j := range header {
		kinds[j] = csvKind(rows, func(row []string) string { return cell(row, j) })
	}
	out := make([]json.RawMessage, 0, len(rows))
	for _, row := range rows {
		var w jsonw
		w.b = append(w.b, `{"data":{`...)
		for j, name := range header {
			w.key(j, name)
			writeCSVCell(&w, cell(row, j), kinds[j])
		}
		w.b = append(w.b, "}}"...)
		out = append(out, w.b)
	}
	return out, nil
}

// csvHeader names the columns as pandas does: an empty name is
// "Unnamed: N", a repeated one gets .1, .2, ….
func csvHeader(names []string) []string {
	out := make([]string, len(names))
	seen := map[string]int{}
	for j, n := range names {
		if n == "" {
			n = fmt.Sprintf("Unnamed: %d", j)
		}
		if k := seen[n]; k > 0 {
			seen[n]++
			n = fmt.Sprintf("%s.%d", n, k)
		} else {
			seen[n] = 1
		}
		out[j] = n
	}
	return out
}

// csvKind infers a column's dtype from its values.
func csvKind(rows [][]string, value func([]string) string) csvColumn {
	ints, floats, bools, na, any := true, true, true, false, false
	for _, row := range rows {
		v := value(row)
		if naValues[v] {
			na = true
			continue
		}
		any = true
		t := strings.TrimSpace(v)
		if !csvInt.MatchString(t) {
			ints = false
		} else if _, err := strconv.ParseInt(t, 10, 64); err != nil {
			ints = false
		}
		if !csvFloat.MatchString(t) {
			floats = false
		}
		if _, ok := csvBools[t]; !ok {
			bools = false
		}
	}
	switch {
	case !any:
		return colFloat // all NaN: every value is ""
	case ints && !na:
		return colInt
	case ints || floats:
		return colFloat
	case bools && !na:
		return colBool
	}
	return colString
}

func writeCSVCell(w *jsonw, v string, kind csvColumn) {
	if naValues[v] {
		w.str("")
		return
	}
	t := strings.TrimSpace(v)
	switch kind {
	case colInt:
		n, _ := strconv.ParseInt(t, 10, 64)
		w.int64(n)
	case colFloat:
		f, _ := strconv.ParseFloat(t, 64)
		w.float(f)
	case colBool:
		w.bool(csvBools[t])
	default:
		w.str(v)
	}
}
