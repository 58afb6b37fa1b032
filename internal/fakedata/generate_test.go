package fakedata

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

func readConfig(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "configs", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// testConfigs are the sample configs and the ones in testdata/configs.
func testConfigs(t testing.TB) map[string]string {
	out := map[string]string{}
	for _, s := range Samples {
		out[s.Name] = s.LabelConfig
	}
	files, err := filepath.Glob(filepath.Join("testdata", "configs", "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test configs: %v", err)
	}
	for _, f := range files {
		out[strings.TrimSuffix(filepath.Base(f), ".xml")] = readConfig(t, filepath.Base(f))
	}
	return out
}

// roundTrip returns v as a consumer decodes it from JSON.
func roundTrip[T any](t testing.TB, v any) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// problems checks generated task data and a result against the config and
// returns what is wrong. regions are as a consumer decodes them.
func problems(c *Config, data map[string]any, regions []map[string]any) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for _, k := range c.DataKeys() {
		if _, ok := data[k]; !ok {
			bad("task data lacks %q, which the config reads", k)
		}
	}
	for i, r := range regions {
		from, _ := r["from_name"].(string)
		ct, ok := c.Control(from)
		if !ok {
			bad("region %d: from_name %q is no control of the config", i, from)
			continue
		}
		to, _ := r["to_name"].(string)
		if !slices.Contains(ct.ToName, to) {
			bad("region %d: to_name %q is not in toName %v of %q", i, to, ct.ToName, from)
		}
		if typ, _ := r["type"].(string); typ != ct.Type() {
			bad("region %d: type %q, want %q", i, typ, ct.Type())
		}
		v, ok := r["value"].(map[string]any)
		if !ok {
			bad("region %d: value is not an object", i)
			continue
		}
		obj, _ := c.Object(to)
		out = append(out, prefixed(fmt.Sprintf("region %d (%s): ", i, from), checkValue(ct, obj, data[obj.Key], v, r))...)
	}
	return out
}

func prefixed(p string, msgs []string) []string {
	for i := range msgs {
		msgs[i] = p + msgs[i]
	}
	return msgs
}

// checkValue checks one region's value.
func checkValue(ct Control, obj Object, raw any, v, region map[string]any) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	num := func(k string) float64 {
		f, ok := v[k].(float64)
		if !ok {
			bad("%s is %v, want a number", k, v[k])
		}
		return f
	}
	inLabels := func(key string, list []string) {
		items, ok := v[key].([]any)
		if !ok || len(items) == 0 {
			bad("%s is %v, want a non-empty list", key, v[key])
		}
		for _, it := range items {
			if s, _ := it.(string); !slices.Contains(list, s) {
				bad("%s %v is not among the config's %v", key, it, list)
			}
		}
	}
	switch ct.Tag {
	case "Choices":
		inLabels("choices", ct.Labels)
		return out
	case "Taxonomy":
		paths, _ := v["taxonomy"].([]any)
		if len(paths) == 0 {
			bad("taxonomy is %v, want paths", v["taxonomy"])
		}
		for _, p := range paths {
			got := roundTripStrings(p)
			if !slices.ContainsFunc(ct.Paths, func(want []string) bool { return slices.Equal(want, got) }) {
				bad("taxonomy path %v is not in the config", got)
			}
		}
		return out
	case "Rating":
		top := max(1, min(attrInt(ct.Attrs, "maxRating", 5), 1000))
		if r := num("rating"); r < 1 || r > float64(top) || r != float64(int(r)) {
			bad("rating %v outside 1..%d", r, top)
		}
		return out
	case "Number":
		lo, hi := attrInt(ct.Attrs, "min", 0), attrInt(ct.Attrs, "max", 100)
		if n := num("number"); n < float64(min(lo, hi)) || n > float64(max(lo, hi)) {
			bad("number %v outside %d..%d", n, lo, hi)
		}
		return out
	case "TextArea":
		if texts, _ := v["text"].([]any); len(texts) == 0 {
			bad("text is %v, want a non-empty list", v["text"])
		}
		return out
	case "DateTime":
		if s, _ := v["datetime"].(string); len(s) < 4 {
			bad("datetime is %v", v["datetime"])
		}
		return out
	}
	if strings.HasSuffix(ct.Tag, "Labels") {
		inLabels(ct.Type(), ct.Labels)
	}
	pct := func(k string) float64 {
		f := num(k)
		if f < 0 || f > 100 {
			bad("%s = %v outside 0..100", k, f)
		}
		return f
	}
	const eps = 1e-9
	switch {
	case ct.Tag == "RectangleLabels" || ct.Tag == "Rectangle" || (obj.Tag == "Image" && ct.Tag == "Labels"):
		x, y, w, h := pct("x"), pct("y"), pct("width"), pct("height")
		if w <= 0 || h <= 0 || x+w > 100+eps || y+h > 100+eps {
			bad("box x=%v y=%v w=%v h=%v leaves the image", x, y, w, h)
		}
	case ct.Tag == "PolygonLabels" || ct.Tag == "Polygon":
		pts, _ := v["points"].([]any)
		if len(pts) < 3 {
			bad("polygon has %d points", len(pts))
		}
		for _, p := range pts {
			xy, _ := p.([]any)
			for _, c := range xy {
				if f, _ := c.(float64); len(xy) != 2 || f < 0 || f > 100 {
					bad("polygon point %v outside 0..100", p)
				}
			}
		}
	case ct.Tag == "KeyPointLabels" || ct.Tag == "KeyPoint":
		pct("x")
		pct("y")
	case ct.Tag == "EllipseLabels" || ct.Tag == "Ellipse":
		x, y, rx, ry := pct("x"), pct("y"), pct("radiusX"), pct("radiusY")
		if x-rx < -eps || x+rx > 100+eps || y-ry < -eps || y+ry > 100+eps {
			bad("ellipse leaves the image")
		}
	case obj.Tag == "Text":
		s, _ := raw.(string)
		out = append(out, checkSpan(s, num("start"), num("end"), v["text"])...)
	case obj.Tag == "HyperText":
		inner, ok := paragraphText(raw)
		if !ok {
			bad("hypertext span on data %q", raw)
		}
		out = append(out, checkSpan(inner, num("startOffset"), num("endOffset"), v["text"])...)
		if g, _ := v["globalOffsets"].(map[string]any); g == nil || g["start"] != v["startOffset"] || g["end"] != v["endOffset"] {
			bad("globalOffsets %v do not match the offsets", v["globalOffsets"])
		}
	case obj.Tag == "Paragraphs":
		i, err := strconv.Atoi(fmt.Sprint(v["start"]))
		list, _ := raw.([]any)
		if err != nil || i < 0 || i >= len(list) || v["end"] != v["start"] {
			bad("paragraph index %v/%v outside %d paragraphs", v["start"], v["end"], len(list))
			return out
		}
		m, _ := list[i].(map[string]any)
		s, _ := m[attrOr(obj.Attrs, "textKey", "text")].(string)
		out = append(out, checkSpan(s, num("startOffset"), num("endOffset"), v["text"])...)
	case obj.Tag == "Audio" || obj.Tag == "AudioPlus" || obj.Tag == "Video":
		if s, e := num("start"), num("end"); s < 0 || e <= s {
			bad("segment %v..%v", s, e)
		}
	case obj.Tag == "TimeSeries":
		if s, e := num("start"), num("end"); e < s {
			bad("time range %v..%v", s, e)
		}
	}
	if obj.Tag == "Image" {
		if w, _ := region["original_width"].(float64); w <= 0 {
			if _, isURL := raw.(string); isURL && imageSizeRE.MatchString(raw.(string)) {
				bad("image region without original_width")
			}
		}
	}
	return out
}

// checkSpan checks that text[start:end], counted in UTF-16 units as
// Label Studio counts, is want.
func checkSpan(text string, start, end float64, want any) []string {
	u := utf16.Encode([]rune(text))
	s, e := int(start), int(end)
	if s < 0 || e > len(u) || s >= e || float64(s) != start || float64(e) != end {
		return []string{fmt.Sprintf("span %v..%v outside the text (%d units) %q", start, end, len(u), text)}
	}
	if got := string(utf16.Decode(u[s:e])); got != want {
		return []string{fmt.Sprintf("span %d..%d is %q in the text, but text says %q", s, e, got, want)}
	}
	return nil
}

func roundTripStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, s := range list {
		str, _ := s.(string)
		out = append(out, str)
	}
	return out
}

// sample is what one seed makes for one config: a task, an annotation and
// a prediction for it.
type sample struct {
	Data       map[string]any `json:"data"`
	Annotation Annotation     `json:"annotation"`
	Prediction Prediction     `json:"prediction"`
}

func generate(c *Config, seed int64, n int) []sample {
	g := New(seed)
	out := make([]sample, n)
	for i := range out {
		d := g.Task(c)
		out[i] = sample{Data: d, Annotation: g.Annotation(c, d), Prediction: g.Prediction(c, d, "v1")}
	}
	return out
}

func TestGeneratedDataFitsItsConfig(t *testing.T) {
	for name, src := range testConfigs(t) {
		t.Run(name, func(t *testing.T) {
			c, err := ParseConfig(src)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for seed := int64(1); seed <= 20; seed++ {
				for _, s := range generate(c, seed, 3) {
					data := roundTrip[map[string]any](t, s.Data)
					for _, res := range [][]Region{s.Annotation.Result, s.Prediction.Result} {
						regions := roundTrip[[]map[string]any](t, res)
						for _, p := range problems(c, data, regions) {
							t.Errorf("seed %d: %s\ndata: %v\nregions: %v", seed, p, data, regions)
						}
						for _, r := range regions {
							seen[r["from_name"].(string)] = true
						}
					}
					if s.Prediction.Score < 0.5 || s.Prediction.Score >= 1 || s.Annotation.LeadTime <= 0 {
						t.Errorf("seed %d: score %v, lead time %v", seed, s.Prediction.Score, s.Annotation.LeadTime)
					}
				}
			}
			// Every control of these configs can speak; 20 seeds must reach each.
			for _, ct := range c.Controls {
				if !seen[ct.Name] {
					t.Errorf("control %q (%s) never made a region", ct.Name, ct.Tag)
				}
			}
		})
	}
}

func TestSameSeedSameData(t *testing.T) {
	c, err := ParseConfig(readConfig(t, "every_tag.xml"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(generate(c, 42, 5))
	b, _ := json.Marshal(generate(c, 42, 5))
	if !bytes.Equal(a, b) {
		t.Errorf("seed 42 gave different data twice:\n%s\n%s", a, b)
	}
	other, _ := json.Marshal(generate(c, 43, 5))
	if bytes.Equal(a, other) {
		t.Error("seeds 42 and 43 gave the same data")
	}
	zero1, _ := json.Marshal(generate(c, 0, 2))
	zero2, _ := json.Marshal(generate(c, 0, 2))
	if !bytes.Equal(zero1, zero2) {
		t.Error("seed 0 is not deterministic")
	}
}

// TestGolden pins the data of seed 1 so a change of gofakeit, math/rand or
// the generator, which would give other data on other machines, shows.
// Rewrite with go test ./internal/fakedata -run Golden -update.
func TestGolden(t *testing.T) {
	out := map[string][]sample{}
	for _, s := range Samples {
		c, err := ParseConfig(s.LabelConfig)
		if err != nil {
			t.Fatal(err)
		}
		out[s.Name] = generate(c, 1, 2)
	}
	got, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "samples_seed1.golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("seed 1 no longer gives %s; if the change is intended, run with -update\ngot:\n%s", path, got)
	}
}

func TestSpansCountUTF16(t *testing.T) {
	c, err := ParseConfig(readConfig(t, "unicode_text.xml"))
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]any{"review": "Très bon 😀 Hôtel Château Frontenac à Québec, prix élevé. 日本語 Tokyo Station!"}
	for seed := int64(0); seed < 50; seed++ {
		regions := roundTrip[[]map[string]any](t, New(seed).Result(c, data))
		for _, p := range problems(c, data, regions) {
			t.Errorf("seed %d: %s", seed, p)
		}
	}
}

func TestNamesArePreferredSpans(t *testing.T) {
	sentiment, _ := ParseConfig(`<View><Text name="text" value="$text"/><Labels name="label" toName="text"><Label value="Good"/><Label value="Bad"/></Labels></View>`)
	ner, _ := ParseConfig(NERConfig)
	for _, tc := range []struct {
		name string
		c    *Config
		text string
		want []string
	}{
		// Labels that name no entity kind go on capitalized names.
		{"other labels", sentiment, "yesterday ada lovelace met Grace Hopper in New York city.", []string{"Grace Hopper", "New York"}},
		// Entity labels go only on names of their kind.
		{"entity labels", ner, "yesterday ada lovelace met Enid Botsford in Los Angeles.", []string{"Enid Botsford", "Los Angeles"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := map[string]any{"text": tc.text}
			for seed := int64(0); seed < 20; seed++ {
				regions := roundTrip[[]map[string]any](t, New(seed).Result(tc.c, data))
				if len(regions) == 0 {
					t.Errorf("seed %d: no span on %q", seed, tc.text)
				}
				for _, r := range regions {
					if text := r["value"].(map[string]any)["text"]; !slices.Contains(tc.want, text.(string)) {
						t.Errorf("seed %d: span %q, want one of %q", seed, text, tc.want)
					}
				}
			}
		})
	}
}

func TestForeignDataMakesNoBrokenRegions(t *testing.T) {
	c, err := ParseConfig(readConfig(t, "every_tag.xml"))
	if err != nil {
		t.Fatal(err)
	}
	// Data a user imported: wrong shapes everywhere.
	data := map[string]any{"text": 3.0, "html": "<div>x</div>", "image": "s3://bucket/a.jpg", "ts": "x", "dialogue": []any{"x"}}
	regions := roundTrip[[]map[string]any](t, New(1).Result(c, data))
	for _, r := range regions {
		v := r["value"].(map[string]any)
		if _, ok := v["text"].(string); ok && r["type"] != "textarea" {
			t.Errorf("a span on data that is not text: %v", r)
		}
	}
	for _, p := range problems(c, data, regions) {
		if !strings.Contains(p, "task data lacks") {
			t.Error(p)
		}
	}
}

func FuzzGenerate(f *testing.F) {
	for _, src := range testConfigs(f) {
		f.Add(src, int64(1))
	}
	f.Add(`<View><Text name="t" value="$t"/><Rating name="r" toName="t" maxRating="-3"/><Number name="n" toName="t" min="9" max="2"/></View>`, int64(7))
	f.Add(`<View><Image name="i" value="$"/><RectangleLabels name="r" toName="i"/></View>`, int64(0))
	f.Add(`<View><Text name="a" value="$k"/><Image name="b" value="$k"/><Labels name="l" toName="b"><Label value="x"/></Labels></View>`, int64(-5))
	f.Add(`<View><Paragraphs name="p" value="$p" nameKey="x" textKey="x"/><ParagraphLabels name="l" toName="p"><Label value="y"/></ParagraphLabels></View>`, int64(3))
	f.Fuzz(func(t *testing.T, src string, seed int64) {
		c, err := ParseConfig(src)
		if err != nil {
			return
		}
		first := generate(c, seed, 2)
		again := generate(c, seed, 2)
		a, _ := json.Marshal(first)
		b, _ := json.Marshal(again)
		if !bytes.Equal(a, b) {
			t.Fatalf("seed %d gave different data twice for %q", seed, src)
		}
		for _, s := range first {
			data := roundTrip[map[string]any](t, s.Data)
			for _, res := range [][]Region{s.Annotation.Result, s.Prediction.Result} {
				for _, p := range problems(c, data, roundTrip[[]map[string]any](t, res)) {
					t.Errorf("config %q seed %d: %s", src, seed, p)
				}
			}
		}
	})
}

func TestTitleFitsLabelStudio(t *testing.T) {
	g, again := New(3), New(3)
	for range 200 {
		title := g.Title()
		if n := len([]rune(title)); n < 3 || n > 50 {
			t.Errorf("title %q has %d characters; Label Studio wants 3..50", title, n)
		}
		if other := again.Title(); other != title {
			t.Errorf("seed 3 gave %q and %q", title, other)
		}
	}
}
