package server

import (
	"encoding/json"
	"hash/fnv"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/labelhook/labelhook/internal/labelconfig"
)

// DefaultLabelConfig is a new project's label config when none is given.
const DefaultLabelConfig = "<View></View>"

// labelConfig is what the mock derives from a project's label config.
type labelConfig struct {
	// controls maps a control tag's name to its parsed form, as
	// parsed_label_config shows it.
	controls map[string]parsedControl
	order    []string
	// dataTypes maps each task data key an object tag reads ($text) to the
	// tag's type (Text).
	dataTypes map[string]string
	dataKeys  []string
	hash      int64
	// bulkOK is config_suitable_for_bulk_annotation.
	bulkOK bool
	// parsed and types are parsed_label_config and data_types, rendered
	// once: every project object and project payload carries them.
	parsed, types json.RawMessage
}

type parsedControl struct {
	Type        string          `json:"type"`
	ToName      []string        `json:"to_name"`
	Inputs      []parsedInput   `json:"inputs"`
	Labels      []string        `json:"labels"`
	LabelsAttrs json.RawMessage `json:"labels_attrs"`
	// DynamicLabels: the labels come from the task (value="$key") or an
	// apiUrl, as parse_config marks them.
	DynamicLabels bool `json:"dynamic_labels,omitempty"`
}

// dynamicValue is has_variable: a value that is one $key.
var dynamicValue = regexp.MustCompile(`^\$[A-Za-z_]+$`)

type parsedInput struct {
	Type      string  `json:"type"`
	ValueType *string `json:"valueType"`
	Value     string  `json:"value"`
}

// parseLabelConfig parses and checks a label config the way Label Studio's
// validation does at the level clients notice (internal/labelconfig), and
// derives parsed_label_config, data_types and the data keys an import needs.
func parseLabelConfig(src string) (*labelConfig, error) {
	cfg, err := labelconfig.Parse(src)
	if err != nil {
		return nil, err
	}
	lc := &labelConfig{controls: map[string]parsedControl{}, dataTypes: map[string]string{}}
	for _, o := range cfg.Objects {
		key := labelconfig.DataKey(o)
		if key == "" {
			continue
		}
		if _, seen := lc.dataTypes[key]; !seen {
			lc.dataKeys = append(lc.dataKeys, key)
		}
		lc.dataTypes[key] = o.Name
	}
	for _, c := range cfg.Controls {
		name := c.Attrs["name"]
		pc := parsedControl{Type: c.Name, ToName: []string{}, Inputs: []parsedInput{}, Labels: []string{}, LabelsAttrs: json.RawMessage("{}")}
		for _, to := range labelconfig.ToNames(c) {
			obj := cfg.Object(to)
			pc.ToName = append(pc.ToName, to)
			in := parsedInput{Type: obj.Name, Value: labelconfig.DataKey(obj)}
			if vt, ok := obj.Attrs["valueType"]; ok {
				in.ValueType = &vt
			}
			pc.Inputs = append(pc.Inputs, in)
		}
		attrs := jsonw{b: []byte{'{'}}
		for _, ch := range c.Children {
			ch.Walk(func(n *labelconfig.Node) {
				v, ok := n.Attrs["value"]
				if !ok || strings.HasPrefix(v, "$") {
					if v, ok = n.Attrs["alias"]; !ok {
						return
					}
				}
				pc.Labels = append(pc.Labels, v)
				// labels_attrs: each label with its tag's attributes, in order.
				if len(attrs.b) > 1 {
					attrs.b = append(attrs.b, ',')
				}
				attrs.str(v)
				attrs.b = append(attrs.b, ":{"...)
				for i, name := range n.AttrNames {
					attrs.key(i, name)
					attrs.str(n.Attrs[name])
				}
				attrs.b = append(attrs.b, '}')
			})
		}
		pc.LabelsAttrs = append(attrs.b, '}')
		_, apiURL := c.Attrs["apiUrl"]
		pc.DynamicLabels = dynamicValue.MatchString(c.Attrs["value"]) || apiURL
		lc.controls[name] = pc
		lc.order = append(lc.order, name)
	}
	lc.bulkOK = suitableForBulk(cfg.Controls)
	h := fnv.New64a()
	h.Write([]byte(src))
	lc.hash = int64(h.Sum64())
	lc.parsed = orderedObject(lc.order, lc.controls)
	lc.types = orderedObject(lc.dataKeys, lc.dataTypes)
	return lc, nil
}

// parsedJSON renders parsed_label_config, controls in config order.
func (lc *labelConfig) parsedJSON() json.RawMessage {
	if lc == nil {
		return json.RawMessage("{}")
	}
	return lc.parsed
}

// dataTypesJSON renders data_types in config order.
func (lc *labelConfig) dataTypesJSON() json.RawMessage {
	if lc == nil {
		return json.RawMessage("{}")
	}
	return lc.types
}

// orderedObject renders m as a JSON object with its keys in keys' order.
func orderedObject[V any](keys []string, m map[string]V) json.RawMessage {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kk, _ := marshal(k)
		vv, _ := marshal(m[k])
		b.Write(kk)
		b.WriteByte(':')
		b.Write(vv)
	}
	b.WriteByte('}')
	return json.RawMessage(b.String())
}

// hasControls reports whether the config has any control tag.
func (lc *labelConfig) hasControls() bool { return lc != nil && len(lc.order) > 0 }

// missingKeys lists the data keys the config needs that data lacks, sorted.
func (lc *labelConfig) missingKeys(data map[string]json.RawMessage) []string {
	if lc == nil {
		return nil
	}
	var miss []string
	for _, k := range lc.dataKeys {
		if _, ok := data[k]; !ok {
			miss = append(miss, k)
		}
	}
	sort.Strings(miss)
	return miss
}

// controlWeights is control_weights as Label Studio keeps it: on every
// save it rebuilds the weights from the label config (each control but
// Filter, with each of its labels), keeping a weight the user gave unless
// it is 0 or missing (Python's "or 1.0").
func (p *project) controlWeights() json.RawMessage {
	var given map[string]struct {
		Overall *float64            `json:"overall"`
		Labels  map[string]*float64 `json:"labels"`
	}
	_ = json.Unmarshal(p.ControlWeights, &given)
	or1 := func(f *float64) float64 {
		if f == nil || *f == 0 {
			return 1
		}
		return *f
	}
	lc := p.parsed
	w := jsonw{b: []byte{'{'}}
	n := 0
	for _, name := range lc.order {
		c := lc.controls[name]
		if c.Type == "Filter" {
			continue
		}
		if n > 0 {
			w.b = append(w.b, ',')
		}
		n++
		g := given[name]
		w.str(name)
		w.b = append(w.b, `:{"overall":`...)
		w.float(or1(g.Overall))
		w.b = append(w.b, `,"type":`...)
		w.str(c.Type)
		w.b = append(w.b, `,"labels":{`...)
		for i, l := range c.Labels {
			w.key(i, l)
			w.float(or1(g.Labels[l]))
		}
		w.b = append(w.b, "}}"...)
	}
	return append(w.b, '}')
}

// regionTags are the control tags that label regions: a config with one
// is not suitable for bulk annotation.
var regionTags = []string{"labels", "brush", "brushlabels", "ellipse", "ellipselabels", "keypoint", "keypointlabels",
	"polygon", "polygonlabels", "rectangle", "rectanglelabels", "hypertextlabels", "paragraphlabels",
	"timeserieslabels", "videorectangle"}

// suitableForBulk is ProjectSerializer's config_suitable_for_bulk_annotation:
// no region tag; no per-region or per-item Choices, Taxonomy, DateTime,
// Number, Rating or TextArea; no value on Choices or Taxonomy; no
// labeling or apiUrl on Taxonomy.
func suitableForBulk(controls []*labelconfig.Node) bool {
	for _, c := range controls {
		name := strings.ToLower(c.Name)
		if slices.Contains(regionTags, name) {
			return false
		}
		switch name {
		case "choices", "taxonomy", "datetime", "number", "rating", "textarea":
			if strings.EqualFold(c.Attrs["perRegion"], "true") || strings.EqualFold(c.Attrs["perItem"], "true") {
				return false
			}
		}
		if name == "choices" || name == "taxonomy" {
			if _, ok := c.Attrs["value"]; ok {
				return false
			}
		}
		if name == "taxonomy" {
			if _, ok := c.Attrs["apiUrl"]; ok || strings.EqualFold(c.Attrs["labeling"], "true") {
				return false
			}
		}
	}
	return true
}
