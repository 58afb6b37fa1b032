package fakedata

import (
	"fmt"
	"math"
	"math/rand"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"

	"github.com/brianvoe/gofakeit/v6"
)

// Generator makes task data and results. It is deterministic: two
// generators with the same seed, asked the same things in the same order,
// give the same answers on every machine. It is not safe for concurrent use.
type Generator struct {
	f *gofakeit.Faker
	// named, when set (by tests), is told every name put into a text.
	named func(kind, text string)
}

// New returns a generator seeded with seed. Every seed, 0 included, is
// deterministic (gofakeit.New(0) would draw a random seed instead).
func New(seed int64) *Generator {
	return &Generator{f: &gofakeit.Faker{Rand: rand.New(rand.NewSource(seed))}}
}

// Intn returns a number in [0, n) from the generator's stream, for callers
// that make their own seeded choices (which task to annotate next).
func (g *Generator) Intn(n int) int { return g.f.Rand.Intn(n) }

// Float64 returns a number in [0, 1) from the generator's stream.
func (g *Generator) Float64() float64 { return g.f.Rand.Float64() }

// Region is one item of an annotation or prediction result.
type Region struct {
	ID       string         `json:"id"`
	FromName string         `json:"from_name"`
	ToName   string         `json:"to_name"`
	Type     string         `json:"type"`
	Value    map[string]any `json:"value"`
	Origin   string         `json:"origin,omitempty"`
	// Image regions carry the image's size and rotation, as Label Studio
	// writes them.
	OriginalWidth  int  `json:"original_width,omitempty"`
	OriginalHeight int  `json:"original_height,omitempty"`
	ImageRotation  *int `json:"image_rotation,omitempty"`
}

// Annotation is a body for POST /api/tasks/{id}/annotations (and an
// annotation inside an import).
type Annotation struct {
	Result   []Region `json:"result"`
	LeadTime float64  `json:"lead_time"`
}

// Prediction is a prediction inside an import, or (with a task id) a body
// for POST /api/predictions.
type Prediction struct {
	Result       []Region `json:"result"`
	Score        float64  `json:"score"`
	ModelVersion string   `json:"model_version"`
}

// Task returns task data with every key the config reads. Values are the
// types encoding/json decodes into (string, float64, []any,
// map[string]any), so results come out the same whether they are made
// from this map or from the task the server sends back.
func (g *Generator) Task(c *Config) map[string]any {
	data := map[string]any{}
	for _, o := range c.Objects {
		if o.Key == "" {
			continue
		}
		if _, done := data[o.Key]; done {
			continue // the first tag reading a key decides its shape
		}
		data[o.Key] = g.value(o)
	}
	return data
}

// Annotation returns a submitted annotation for a task with data: one or
// more regions for every control that has something to say about it.
func (g *Generator) Annotation(c *Config, data map[string]any) Annotation {
	res := g.Result(c, data)
	for i := range res {
		res[i].Origin = "manual"
	}
	return Annotation{Result: res, LeadTime: round(5+g.f.Rand.Float64()*115, 3)}
}

// Prediction returns a model's prediction for a task with data.
func (g *Generator) Prediction(c *Config, data map[string]any, modelVersion string) Prediction {
	return Prediction{Result: g.Result(c, data), Score: round(0.5+g.f.Rand.Float64()*0.49, 4), ModelVersion: modelVersion}
}

// Result returns result regions for a task with data, controls in config
// order. A control with nothing to pick from (no labels, data of a shape
// it cannot read, a tag without a generator) adds no region.
func (g *Generator) Result(c *Config, data map[string]any) []Region {
	res := []Region{}
	for _, ct := range c.Controls {
		if len(ct.ToName) == 0 {
			continue
		}
		obj, ok := c.Object(ct.ToName[0])
		if !ok {
			continue
		}
		raw := data[obj.Key]
		for _, v := range g.values(ct, obj, raw) {
			r := Region{ID: g.regionID(), FromName: ct.Name, ToName: obj.Name, Type: ct.Type(), Value: v}
			if obj.Tag == "Image" {
				if w, h, ok := imageSize(raw); ok {
					zero := 0
					r.OriginalWidth, r.OriginalHeight, r.ImageRotation = w, h, &zero
				}
			}
			res = append(res, r)
		}
	}
	return res
}

// values returns the value objects of one control's regions.
func (g *Generator) values(ct Control, obj Object, raw any) []map[string]any {
	typ := ct.Type()
	one := func(v map[string]any) []map[string]any { return []map[string]any{v} }
	switch ct.Tag {
	case "Choices":
		if len(ct.Labels) == 0 {
			return nil
		}
		n := 1
		if ct.Attrs["choice"] == "multiple" {
			n = 1 + g.f.Rand.Intn(min(3, len(ct.Labels)))
		}
		return one(map[string]any{"choices": g.pick(ct.Labels, n)})
	case "Taxonomy":
		if len(ct.Paths) == 0 {
			return nil
		}
		p := ct.Paths[g.f.Rand.Intn(len(ct.Paths))]
		return one(map[string]any{"taxonomy": []any{toAny(p)}})
	case "TextArea":
		return one(map[string]any{"text": []any{g.f.Sentence(4 + g.f.Rand.Intn(8))}})
	case "Rating":
		top := attrInt(ct.Attrs, "maxRating", 5)
		top = max(1, min(top, 1000))
		return one(map[string]any{"rating": float64(1 + g.f.Rand.Intn(top))})
	case "Number":
		lo, hi := attrInt(ct.Attrs, "min", 0), attrInt(ct.Attrs, "max", 100)
		if lo > hi {
			lo, hi = hi, lo
		}
		span := min(int64(hi)-int64(lo), 1<<30)
		return one(map[string]any{"number": float64(int64(lo) + g.f.Rand.Int63n(span+1))})
	case "DateTime":
		return one(map[string]any{"datetime": g.datetime(ct.Attrs["only"])})
	case "Rectangle", "RectangleLabels":
		return g.shapes(ct, typ, g.box)
	case "Polygon", "PolygonLabels":
		return g.shapes(ct, typ, g.polygon)
	case "KeyPoint", "KeyPointLabels":
		return g.shapes(ct, typ, g.keypoint)
	case "Ellipse", "EllipseLabels":
		return g.shapes(ct, typ, g.ellipse)
	}
	if !strings.HasSuffix(ct.Tag, "Labels") || ct.Tag == "BrushLabels" || len(ct.Labels) == 0 {
		return nil // no generator for this tag (Ranker, Relations, brushes, …)
	}
	switch obj.Tag {
	case "Text":
		if s, ok := raw.(string); ok && obj.Attrs["valueType"] != "url" {
			return g.spans(ct, s, func(v map[string]any, _, _ int) {})
		}
	case "HyperText":
		if inner, ok := paragraphText(raw); ok {
			return g.spans(ct, inner, func(v map[string]any, start, end int) {
				v["start"], v["end"] = "/p[1]/text()[1]", "/p[1]/text()[1]"
				v["startOffset"], v["endOffset"] = float64(start), float64(end)
				v["globalOffsets"] = map[string]any{"start": float64(start), "end": float64(end)}
			})
		}
	case "Paragraphs":
		return g.paragraphSpan(ct, obj, raw)
	case "Audio", "AudioPlus", "Video":
		return g.shapes(ct, typ, g.segment)
	case "TimeSeries":
		return g.shapes(ct, typ, func() map[string]any { return g.timeRange(obj, raw) })
	case "Image":
		return g.shapes(ct, typ, g.box)
	}
	return nil
}

// shapes makes 1–3 regions with shape(), each with one label when the
// control has labels (RectangleLabels) and none when it has not (Rectangle).
func (g *Generator) shapes(ct Control, typ string, shape func() map[string]any) []map[string]any {
	labeled := strings.HasSuffix(ct.Tag, "Labels")
	if labeled && len(ct.Labels) == 0 {
		return nil
	}
	n := 1 + g.f.Rand.Intn(3)
	out := make([]map[string]any, 0, n)
	for range n {
		v := shape()
		if v == nil {
			return nil
		}
		if labeled {
			v[typ] = []any{ct.Labels[g.f.Rand.Intn(len(ct.Labels))]}
		}
		out = append(out, v)
	}
	return out
}

// box is a rectangle in percent of the image, inside it.
func (g *Generator) box() map[string]any {
	x, w := g.extent()
	y, h := g.extent()
	return map[string]any{"x": x, "y": y, "width": w, "height": h, "rotation": 0.0}
}

// extent returns a start and a length in hundredths of a percent with
// start+length <= 100.
func (g *Generator) extent() (float64, float64) {
	start := g.f.Rand.Intn(9000)
	length := 200 + g.f.Rand.Intn(min(6000, 10000-start)-200+1)
	return float64(start) / 100, float64(length) / 100
}

func (g *Generator) polygon() map[string]any {
	n := 3 + g.f.Rand.Intn(4)
	cx, cy := 20+g.f.Rand.Float64()*60, 20+g.f.Rand.Float64()*60
	pts := make([]any, 0, n)
	for i := range n {
		a := 2 * math.Pi * (float64(i) + g.f.Rand.Float64()*0.5) / float64(n)
		r := 5 + g.f.Rand.Float64()*15
		pts = append(pts, []any{clampPct(round(cx+r*math.Cos(a), 2)), clampPct(round(cy+r*math.Sin(a), 2))})
	}
	return map[string]any{"points": pts, "closed": true}
}

func (g *Generator) keypoint() map[string]any {
	return map[string]any{"x": float64(g.f.Rand.Intn(10001)) / 100, "y": float64(g.f.Rand.Intn(10001)) / 100, "width": 0.5}
}

func (g *Generator) ellipse() map[string]any {
	rx, ry := float64(100+g.f.Rand.Intn(1900))/100, float64(100+g.f.Rand.Intn(1900))/100
	x := rx + float64(g.f.Rand.Intn(int((100-2*rx)*100)+1))/100
	y := ry + float64(g.f.Rand.Intn(int((100-2*ry)*100)+1))/100
	return map[string]any{"x": round(x, 2), "y": round(y, 2), "radiusX": rx, "radiusY": ry, "rotation": 0.0}
}

// segment is a stretch of audio or video, in seconds.
func (g *Generator) segment() map[string]any {
	start := round(g.f.Rand.Float64()*25, 3)
	return map[string]any{"start": start, "end": round(start+0.5+g.f.Rand.Float64()*4.5, 3), "channel": 0.0}
}

// timeRange is a range of a time series: two values of its time column
// when the data is inline, else two indexes.
func (g *Generator) timeRange(obj Object, raw any) map[string]any {
	var times []any
	if m, ok := raw.(map[string]any); ok {
		times, _ = m[timeColumn(obj)].([]any)
	}
	i, j := g.f.Rand.Intn(50), g.f.Rand.Intn(50)
	if len(times) > 0 {
		i, j = i%len(times), j%len(times)
	}
	if i > j {
		i, j = j, i
	}
	start, end := any(float64(i)), any(float64(j))
	if len(times) > 0 {
		start, end = times[i], times[j]
	}
	return map[string]any{"start": start, "end": end, "instant": i == j}
}

// spans makes 1–3 non-overlapping spans of whole words of text, each with
// one label; start and end count UTF-16 code units, as Label Studio's
// JavaScript does. When the control's labels stand for entity kinds (PER,
// ORG, LOC, DATE, …), a span is only ever a name of a kind the config has
// a label for, with that label (no span when the text names none); other
// labels (Positive, Symptom, …) go on names (runs of capitalized words not
// merely starting a sentence), else on words. decorate adjusts a span for
// the object tag.
func (g *Generator) spans(ct Control, text string, decorate func(v map[string]any, start, end int)) []map[string]any {
	words := wordRuns(text)
	if len(words) == 0 {
		return nil
	}
	labels := entityLabels(ct.Labels)
	var runs []entity
	if len(labels) > 0 {
		for _, e := range entities(text, words) {
			if _, ok := labels[e.kind]; ok {
				runs = append(runs, e)
			}
		}
	} else {
		for _, r := range nameRuns(text, words) {
			runs = append(runs, entity{start: words[r[0]][0], end: words[r[1]][1]})
		}
		if len(runs) == 0 {
			for i := range words {
				last := i
				if i+1 < len(words) && g.f.Rand.Intn(2) == 1 {
					last = i + 1
				}
				runs = append(runs, entity{start: words[i][0], end: words[last][1]})
			}
		}
	}
	if len(runs) == 0 {
		return nil
	}
	n := min(1+g.f.Rand.Intn(3), len(runs))
	off := utf16Offsets(text)
	runes := []rune(text)
	out := make([]map[string]any, 0, n)
	prevEnd := -1
	for _, k := range g.pickIndexes(len(runs), n) {
		rs, re := runs[k].start, runs[k].end
		if rs < prevEnd {
			continue // two-word fallback runs may overlap their neighbour
		}
		prevEnd = re
		label, ok := labels[runs[k].kind]
		if !ok {
			label = ct.Labels[g.f.Rand.Intn(len(ct.Labels))]
		}
		v := map[string]any{
			"start":   float64(off[rs]),
			"end":     float64(off[re]),
			"text":    string(runes[rs:re]),
			ct.Type(): []any{label},
		}
		decorate(v, off[rs], off[re])
		out = append(out, v)
	}
	return out
}

// nameRuns returns runs of capitalized words (as first and last word
// index) joined by single spaces, leaving out a lone capitalized word that
// only starts a sentence.
func nameRuns(text string, words [][2]int) [][2]int {
	runes := []rune(text)
	capital := func(w int) bool { return unicode.IsUpper(runes[words[w][0]]) }
	startsSentence := func(w int) bool {
		for i := words[w][0] - 1; i >= 0; i-- {
			if !unicode.IsSpace(runes[i]) {
				return strings.ContainsRune(".!?", runes[i])
			}
		}
		return true
	}
	var out [][2]int
	for w := 0; w < len(words); w++ {
		if !capital(w) {
			continue
		}
		last := w
		for last+1 < len(words) && capital(last+1) && words[last+1][0] == words[last][1]+1 && runes[words[last][1]] == ' ' && last-w < 3 {
			last++
		}
		if last > w || !startsSentence(w) {
			out = append(out, [2]int{w, last})
		}
		w = last
	}
	return out
}

// paragraphSpan labels words of one utterance of a Paragraphs object.
func (g *Generator) paragraphSpan(ct Control, obj Object, raw any) []map[string]any {
	list, ok := raw.([]any)
	if !ok || len(list) == 0 {
		return nil
	}
	i := g.f.Rand.Intn(len(list))
	m, _ := list[i].(map[string]any)
	text, _ := m[attrOr(obj.Attrs, "textKey", "text")].(string)
	idx := strconv.Itoa(i)
	vs := g.spans(ct, text, func(v map[string]any, start, end int) {
		v["start"], v["end"] = idx, idx
		v["startOffset"], v["endOffset"] = float64(start), float64(end)
	})
	if len(vs) > 1 {
		vs = vs[:1]
	}
	return vs
}

// wordRuns returns the [start, end) rune ranges of the words of s.
func wordRuns(s string) [][2]int {
	var out [][2]int
	start := -1
	i := 0
	for _, r := range s {
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			out = append(out, [2]int{start, i})
			start = -1
		}
		i++
	}
	if start >= 0 {
		out = append(out, [2]int{start, i})
	}
	return out
}

// utf16Offsets maps each rune index of s (and len) to its UTF-16 offset.
func utf16Offsets(s string) []int {
	off := []int{0}
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r) // ranging over a string never yields a rune it cannot encode
		off = append(off, n)
	}
	return off
}

// paragraphText returns the text of HyperText data of the form
// <p>text</p> (what Task makes), where DOM offsets equal string offsets.
func paragraphText(raw any) (string, bool) {
	s, ok := raw.(string)
	if !ok || !strings.HasPrefix(s, "<p>") || !strings.HasSuffix(s, "</p>") || len(s) < 7 {
		return "", false
	}
	inner := s[3 : len(s)-4]
	if strings.ContainsAny(inner, "<>&") {
		return "", false
	}
	return inner, true
}

// pick returns n distinct items of from, in from's order.
func (g *Generator) pick(from []string, n int) []any {
	out := make([]any, 0, n)
	for _, i := range g.pickIndexes(len(from), n) {
		out = append(out, from[i])
	}
	return out
}

// pickIndexes returns n distinct indexes below size, ascending.
func (g *Generator) pickIndexes(size, n int) []int {
	idx := g.f.Rand.Perm(size)[:n]
	slices.Sort(idx)
	return idx
}

const idChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"

// regionID is a 10-character id like the ones the labeling UI makes.
func (g *Generator) regionID() string {
	b := make([]byte, 10)
	for i := range b {
		b[i] = idChars[g.f.Rand.Intn(len(idChars))]
	}
	return string(b)
}

// datetime formats a random moment of 2024–2025 as the DateTime tag
// writes it, following its only attribute.
func (g *Generator) datetime(only string) string {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	t := start.Add(time.Duration(g.f.Rand.Int63n(int64(2 * 365 * 24 * time.Hour))))
	t = t.Truncate(time.Minute)
	date, clock := strings.Contains(only, "date"), strings.Contains(only, "time")
	switch {
	case date && !clock:
		return t.Format("2006-01-02")
	case clock && !date:
		return t.Format("15:04")
	case strings.Contains(only, "month"):
		return t.Format("2006-01")
	case strings.Contains(only, "year"):
		return t.Format("2006")
	}
	return t.Format("2006-01-02T15:04")
}

// value makes the data of one object tag.
func (g *Generator) value(o Object) any {
	word := strings.ToLower(url.PathEscape(g.f.Noun()))
	switch o.Tag {
	case "Text":
		if o.Attrs["valueType"] == "url" {
			return fmt.Sprintf("https://%s/texts/%s-%d.txt", g.f.DomainName(), word, g.f.Rand.Intn(10000))
		}
		return g.text()
	case "HyperText":
		return "<p>" + g.text() + "</p>"
	case "Image":
		sizes := [][2]int{{640, 480}, {800, 600}, {1024, 768}, {1280, 720}, {1920, 1080}}
		s := sizes[g.f.Rand.Intn(len(sizes))]
		return fmt.Sprintf("https://picsum.photos/seed/%s%d/%d/%d", word, g.f.Rand.Intn(1000), s[0], s[1])
	case "Audio", "AudioPlus":
		return fmt.Sprintf("https://%s/audio/%s-%d.wav", g.f.DomainName(), word, g.f.Rand.Intn(10000))
	case "Video":
		return fmt.Sprintf("https://%s/video/%s-%d.mp4", g.f.DomainName(), word, g.f.Rand.Intn(10000))
	case "Pdf":
		return fmt.Sprintf("https://%s/docs/%s-%d.pdf", g.f.DomainName(), word, g.f.Rand.Intn(10000))
	case "TimeSeries":
		if o.Attrs["valueType"] != "json" {
			return fmt.Sprintf("https://%s/series/%s-%d.csv", g.f.DomainName(), word, g.f.Rand.Intn(10000))
		}
		n := 20 + g.f.Rand.Intn(31)
		cols := o.Columns
		if len(cols) == 0 {
			cols = []string{"value"}
		}
		series := map[string]any{}
		times := make([]any, n)
		for i := range times {
			times[i] = float64(i)
		}
		series[timeColumn(o)] = times
		for _, col := range cols {
			if col == timeColumn(o) {
				continue
			}
			v, level := make([]any, n), g.f.Rand.Float64()*100
			for i := range v {
				level += g.f.Rand.NormFloat64()
				v[i] = round(level, 3)
			}
			series[col] = v
		}
		return series
	case "Table":
		return map[string]any{
			"product": g.f.ProductName(),
			"price":   strconv.FormatFloat(round(1+g.f.Rand.Float64()*499, 2), 'f', 2, 64),
			"city":    g.f.City(),
			"company": g.f.Company(),
		}
	case "Paragraphs":
		nameKey, textKey := attrOr(o.Attrs, "nameKey", "author"), attrOr(o.Attrs, "textKey", "text")
		speakers := []string{g.f.FirstName(), g.f.FirstName()}
		n := 3 + g.f.Rand.Intn(4)
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{nameKey: speakers[i%2], textKey: g.sentence()}
		}
		return out
	}
	return g.f.Sentence(3 + g.f.Rand.Intn(5)) // Header and other tags that show a string
}

// text is 2–4 sentences, some naming people, companies, places and dates,
// so named-entity labels have something to land on.
func (g *Generator) text() string {
	n := 2 + g.f.Rand.Intn(3)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = g.sentence()
	}
	return strings.Join(parts, " ")
}

func (g *Generator) sentence() string {
	f := g.f
	switch f.Rand.Intn(6) {
	case 0:
		a, b, city, day := g.name(kindPerson, f.Name()), g.name(kindPerson, f.Name()), g.name(kindPlace, f.City()), g.name(kindDate, f.Date().Format("January 2"))
		return fmt.Sprintf("%s met %s in %s on %s.", a, b, city, day)
	case 1:
		company, city := g.name(kindOrg, f.Company()), g.name(kindPlace, f.City())
		return fmt.Sprintf("%s opened a new office in %s.", company, city)
	case 2:
		person, company := g.name(kindPerson, f.Name()), g.name(kindOrg, f.Company())
		return fmt.Sprintf("%s said %s will hire %d engineers next year.", person, company, 5+f.Rand.Intn(200))
	case 3:
		product := strings.ToLower(f.ProductName())
		return fmt.Sprintf("The %s from %s was %s.", product, g.name(kindOrg, f.Company()), f.Adjective())
	}
	return f.Sentence(6 + f.Rand.Intn(10))
}

// name passes a name of a kind into a text, telling the tests' observer
// (which checks that spans land only on such names).
func (g *Generator) name(kind, s string) string {
	if g.named != nil {
		g.named(kind, s)
	}
	return s
}

// imageSizeRE reads the size from the image URLs Task makes.
var imageSizeRE = regexp.MustCompile(`/(\d{1,5})/(\d{1,5})$`)

func imageSize(raw any) (int, int, bool) {
	s, _ := raw.(string)
	m := imageSizeRE.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	w, _ := strconv.Atoi(m[1])
	h, _ := strconv.Atoi(m[2])
	return w, h, w > 0 && h > 0
}

func timeColumn(o Object) string { return attrOr(o.Attrs, "timeColumn", "time") }

func attrOr(attrs map[string]string, name, def string) string {
	if v := attrs[name]; v != "" {
		return v
	}
	return def
}

// attrInt reads an integer attribute, def when absent or not a number.
func attrInt(attrs map[string]string, name string, def int) int {
	v, err := strconv.ParseFloat(strings.TrimSpace(attrs[name]), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return def
	}
	return int(max(-1e9, min(v, 1e9)))
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

func clampPct(v float64) float64 { return max(0, min(v, 100)) }

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// Title returns a project title like "Acme Corp support tickets", at most
// 50 characters (Label Studio's limit).
func (g *Generator) Title() string {
	kinds := []string{"reviews", "support tickets", "invoices", "product photos", "call transcripts", "news articles", "contracts"}
	t := g.f.Company() + " " + kinds[g.f.Rand.Intn(len(kinds))]
	if r := []rune(t); len(r) > 50 {
		t = strings.TrimSpace(string(r[:50]))
	}
	return t
}
