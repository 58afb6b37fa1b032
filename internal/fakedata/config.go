package fakedata

import (
	"fmt"
	"strings"

	"github.com/labelhook/labelhook/internal/labelconfig"
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
type node = labelconfig.Node

// ParseConfig parses a label config. It fails where the mock server (and
// Label Studio) answers 400 — both use internal/labelconfig: not XML, a
// root other than <View>, a control without a name or with a name used
// twice, a toName that names no object tag, tags nested too deeply.
func ParseConfig(src string) (*Config, error) {
	lc, err := labelconfig.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("parse label config: %w", err)
	}
	c := &Config{}
	for _, n := range lc.Objects {
		o := Object{Name: n.Attrs["name"], Tag: n.Name, Key: labelconfig.DataKey(n), Attrs: n.Attrs}
		if n.Name == "TimeSeries" {
			for _, ch := range n.Children {
				if col := ch.Attrs["column"]; ch.Name == "Channel" && col != "" {
					o.Columns = append(o.Columns, col)
				}
			}
		}
		c.Objects = append(c.Objects, o)
	}
	for _, n := range lc.Controls {
		ct := Control{Name: n.Attrs["name"], Tag: n.Name, Attrs: n.Attrs, ToName: labelconfig.ToNames(n)}
		if n.Name == "Taxonomy" {
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
	if n.Name != "Choice" && n.Name != "Label" {
		return ""
	}
	if a := n.Attrs["alias"]; a != "" {
		return a
	}
	if v := n.Attrs["value"]; !strings.HasPrefix(v, "$") {
		return v
	}
	return ""
}

func collectLabels(n *node, out *[]string) {
	for _, ch := range n.Children {
		if l := labelOf(ch); l != "" {
			*out = append(*out, l)
		}
		collectLabels(ch, out)
	}
}

// collectPaths lists every Choice of a Taxonomy as its path from the top.
func collectPaths(n *node, prefix []string, out *[][]string) {
	for _, ch := range n.Children {
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
