package server

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"sort"
	"strings"
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
}

type parsedControl struct {
	Type        string          `json:"type"`
	ToName      []string        `json:"to_name"`
	Inputs      []parsedInput   `json:"inputs"`
	Labels      []string        `json:"labels"`
	LabelsAttrs json.RawMessage `json:"labels_attrs"`
}

type parsedInput struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// maxConfigDepth bounds how deeply a label config's tags may nest; real
// configs stay under 20 levels, and the parser must never exhaust the stack.
const maxConfigDepth = 256

// xmlNode is one element of a label config.
type xmlNode struct {
	name     string
	attrs    map[string]string
	children []*xmlNode
}

// parseLabelConfig parses and checks a label config the way Label Studio's
// validation does at the level clients notice: well-formed XML whose root
// is <View>, every control naming existing object tags.
func parseLabelConfig(src string) (*labelConfig, error) {
	root, err := parseXML(src)
	if err != nil {
		return nil, err
	}
	if root.name != "View" {
		return nil, fmt.Errorf("the root tag must be <View>, got <%s>", root.name)
	}
	lc := &labelConfig{controls: map[string]parsedControl{}, dataTypes: map[string]string{}}
	objects := map[string]*xmlNode{}
	var controls []*xmlNode
	var walk func(n *xmlNode)
	walk = func(n *xmlNode) {
		_, isControl := n.attrs["toName"]
		switch {
		case isControl:
			controls = append(controls, n)
		case strings.HasPrefix(n.attrs["value"], "$"):
			if name := n.attrs["name"]; name != "" {
				objects[name] = n
			}
			key := strings.TrimPrefix(n.attrs["value"], "$")
			if key != "" {
				if _, seen := lc.dataTypes[key]; !seen {
					lc.dataKeys = append(lc.dataKeys, key)
				}
				lc.dataTypes[key] = n.name
			}
		}
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(root)
	for _, c := range controls {
		name := c.attrs["name"]
		if name == "" {
			return nil, fmt.Errorf("control tag <%s> has no name attribute", c.name)
		}
		if _, dup := lc.controls[name]; dup {
			return nil, fmt.Errorf("control tag name %q is used twice", name)
		}
		pc := parsedControl{Type: c.name, ToName: []string{}, Inputs: []parsedInput{}, Labels: []string{}, LabelsAttrs: json.RawMessage("{}")}
		for _, to := range strings.Split(c.attrs["toName"], ",") {
			to = strings.TrimSpace(to)
			if to == "" {
				continue
			}
			obj, ok := objects[to]
			if !ok {
				return nil, fmt.Errorf("toName=%q of control %q does not name an object tag", to, name)
			}
			pc.ToName = append(pc.ToName, to)
			pc.Inputs = append(pc.Inputs, parsedInput{Type: obj.name, Value: strings.TrimPrefix(obj.attrs["value"], "$")})
		}
		collectLabels(c, &pc.Labels)
		lc.controls[name] = pc
		lc.order = append(lc.order, name)
	}
	h := fnv.New64a()
	h.Write([]byte(src))
	lc.hash = int64(h.Sum64())
	return lc, nil
}

// collectLabels gathers the value of every label-like descendant
// (Choice, Label, …) of a control tag.
func collectLabels(n *xmlNode, out *[]string) {
	for _, c := range n.children {
		if v, ok := c.attrs["value"]; ok && !strings.HasPrefix(v, "$") {
			*out = append(*out, v)
		} else if v, ok := c.attrs["alias"]; ok {
			*out = append(*out, v)
		}
		collectLabels(c, out)
	}
}

func parseXML(src string) (*xmlNode, error) {
	if strings.TrimSpace(src) == "" {
		return nil, errors.New("label config is empty")
	}
	dec := xml.NewDecoder(strings.NewReader(src))
	dec.Strict = true
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("label config is not valid XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxConfigDepth {
				return nil, fmt.Errorf("label config nests tags deeper than %d levels", maxConfigDepth)
			}
			n := &xmlNode{name: t.Name.Local, attrs: map[string]string{}}
			for _, a := range t.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, errors.New("label config is not valid XML: more than one root element")
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 && strings.TrimSpace(string(t)) != "" {
				return nil, errors.New("label config is not valid XML: text outside the root element")
			}
		}
	}
	if root == nil {
		return nil, errors.New("label config is not valid XML: no root element")
	}
	return root, nil
}

// parsedJSON renders parsed_label_config, controls in config order.
func (lc *labelConfig) parsedJSON() json.RawMessage {
	if lc == nil || len(lc.order) == 0 {
		return json.RawMessage("{}")
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, name := range lc.order {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := marshal(name)
		v, _ := marshal(lc.controls[name])
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return json.RawMessage(b.String())
}

// dataTypesJSON renders data_types in config order.
func (lc *labelConfig) dataTypesJSON() json.RawMessage {
	if lc == nil || len(lc.dataKeys) == 0 {
		return json.RawMessage("{}")
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range lc.dataKeys {
		if i > 0 {
			b.WriteByte(',')
		}
		kk, _ := marshal(k)
		vv, _ := marshal(lc.dataTypes[k])
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
