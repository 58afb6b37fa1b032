package fakedata

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Config is what a generator needs from a label config: the object tags
// that read task data and the control tags that make result regions, each
// in config order.
type Config struct {
	Objects  []Object
	Controls []Control
}

// Object is an object tag (Text, Image, …) that reads one task data key.
type Object struct {
	Name  string // the name attribute; may be empty (a <Header value="$title"/>)
	Tag   string // Text, HyperText, Image, Audio, Video, TimeSeries, Table, Paragraphs, …
	Key   string // the data key its value reads: "text" for value="$text"; "" for value="$"
	Attrs map[string]string
	// Columns are the channel columns of a TimeSeries (<Channel column="…"/>).
	Columns []string
}

// Control is a control tag (Choices, Labels, …) that makes result regions.
type Control struct {
	Name   string
	Tag    string   // Choices, Labels, RectangleLabels, …
	ToName []string // object names, as the toName attribute lists them
	// Labels are the values a region may carry, in config order: the alias
	// (which Label Studio writes in results instead of the value) or the
	// value of each Choice or Label.
	Labels []string
	// Paths are a Taxonomy's choices as paths from the top: ["Animal"],
	// ["Animal", "Cat"].
	Paths [][]string
	Attrs map[string]string
}

// Type is the region type Label Studio writes for the control: its tag
// name in lower case ("choices", "rectanglelabels", "textarea").
func (c Control) Type() string { return strings.ToLower(c.Tag) }

// DataKeys lists the task data keys the config reads, in config order.
func (c *Config) DataKeys() []string {
	var keys []string
	seen := map[string]bool{}
	for _, o := range c.Objects {
		if o.Key != "" && !seen[o.Key] {
			seen[o.Key] = true
			keys = append(keys, o.Key)
		}
	}
	return keys
}

// Object returns the object tag named name.
func (c *Config) Object(name string) (Object, bool) {
	for _, o := range c.Objects {
		if o.Name == name && name != "" {
			return o, true
		}
	}
	return Object{}, false
}

// Control returns the control tag named name.
func (c *Config) Control(name string) (Control, bool) {
	for _, ct := range c.Controls {
		if ct.Name == name {
			return ct, true
		}
	}
	return Control{}, false
}

// node is one element of a label config.
type node struct {
	name     string
	attrs    map[string]string
	children []*node
}

// ParseConfig parses a label config. It fails where the mock server (and
// Label Studio) answers 400: not XML, a root other than <View>, a control
// without a name or with a name used twice, a toName that names no object
// tag.
func ParseConfig(src string) (*Config, error) {
	root, err := parseXML(src)
	if err != nil {
		return nil, err
	}
	if root.name != "View" {
		return nil, fmt.Errorf("parse label config: the root tag must be <View>, got <%s>", root.name)
	}
	c := &Config{}
	var controls []*node
	var walk func(n *node)
	walk = func(n *node) {
		_, isControl := n.attrs["toName"]
		switch {
		case isControl:
			controls = append(controls, n)
		case strings.HasPrefix(n.attrs["value"], "$"):
			o := Object{Name: n.attrs["name"], Tag: n.name, Key: n.attrs["value"][1:], Attrs: n.attrs}
			if n.name == "TimeSeries" {
				for _, ch := range n.children {
					if col := ch.attrs["column"]; ch.name == "Channel" && col != "" {
						o.Columns = append(o.Columns, col)
					}
				}
			}
			c.Objects = append(c.Objects, o)
		}
		for _, ch := range n.children {
			walk(ch)
		}
	}
	walk(root)
	names := map[string]bool{}
	for _, n := range controls {
		name := n.attrs["name"]
		if name == "" {
			return nil, fmt.Errorf("parse label config: control tag <%s> has no name attribute", n.name)
		}
		if names[name] {
			return nil, fmt.Errorf("parse label config: control tag name %q is used twice", name)
		}
		names[name] = true
		ct := Control{Name: name, Tag: n.name, Attrs: n.attrs}
		for _, to := range strings.Split(n.attrs["toName"], ",") {
			to = strings.TrimSpace(to)
			if to == "" {
				continue
			}
			if _, ok := c.Object(to); !ok {
				return nil, fmt.Errorf("parse label config: toName=%q of control %q does not name an object tag", to, name)
			}
			ct.ToName = append(ct.ToName, to)
		}
		if n.name == "Taxonomy" {
			collectPaths(n, nil, &ct.Paths)
			for _, p := range ct.Paths {
				ct.Labels = append(ct.Labels, p[len(p)-1])
			}
		} else {
			collectLabels(n, &ct.Labels)
		}
		c.Controls = append(c.Controls, ct)
	}
	return c, nil
}

// labelOf is what a Choice or Label contributes to results: its alias,
// else its value; "" for elements that are neither.
func labelOf(n *node) string {
	if n.name != "Choice" && n.name != "Label" {
		return ""
	}
	if a := n.attrs["alias"]; a != "" {
		return a
	}
	if v := n.attrs["value"]; !strings.HasPrefix(v, "$") {
		return v
	}
	return ""
}

func collectLabels(n *node, out *[]string) {
	for _, ch := range n.children {
		if l := labelOf(ch); l != "" {
			*out = append(*out, l)
		}
		collectLabels(ch, out)
	}
}

// collectPaths lists every Choice of a Taxonomy as its path from the top.
func collectPaths(n *node, prefix []string, out *[][]string) {
	for _, ch := range n.children {
		l := labelOf(ch)
		if l == "" {
			collectPaths(ch, prefix, out)
			continue
		}
		p := append(append([]string(nil), prefix...), l)
		*out = append(*out, p)
		collectPaths(ch, p, out)
	}
}

func parseXML(src string) (*node, error) {
	if strings.TrimSpace(src) == "" {
		return nil, errors.New("parse label config: it is empty")
	}
	dec := xml.NewDecoder(strings.NewReader(src))
	dec.Strict = true
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse label config: not valid XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name.Local, attrs: map[string]string{}}
			for _, a := range t.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, errors.New("parse label config: not valid XML: more than one root element")
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
				return nil, errors.New("parse label config: not valid XML: text outside the root element")
			}
		}
	}
	if root == nil {
		return nil, errors.New("parse label config: not valid XML: no root element")
	}
	return root, nil
}
