// Package labelconfig parses Label Studio label configs (the XML that
// says what a task holds and how it is labeled) and checks them the way
// Label Studio does before it accepts one. The mock server uses it for
// parsed_label_config and import validation, the data generator to know
// what to generate; neither should accept a config the other refuses.
package labelconfig

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxDepth bounds how deeply tags may nest; real configs stay under 20
// levels, and nothing may exhaust the stack on a hostile one.
const MaxDepth = 256

// Node is one element of a label config.
type Node struct {
	Name  string
	Attrs map[string]string
	// AttrNames are Attrs' names in document order.
	AttrNames []string
	Children  []*Node
}

// Config is a checked label config.
type Config struct {
	Root *Node
	// Objects are the tags that show task data (value="$key"), in
	// document order.
	Objects []*Node
	// Controls are the tags that produce results (they have toName), in
	// document order.
	Controls []*Node
}

// Parse parses src and checks it: well-formed XML with one <View> root,
// at most MaxDepth levels, every control named once, every toName naming
// an object tag.
func Parse(src string) (*Config, error) {
	root, err := parseXML(src)
	if err != nil {
		return nil, err
	}
	if root.Name != "View" {
		return nil, fmt.Errorf("the root tag must be <View>, got <%s>", root.Name)
	}
	c := &Config{Root: root}
	root.Walk(func(n *Node) {
		if _, ok := n.Attrs["toName"]; ok {
			c.Controls = append(c.Controls, n)
		} else if strings.HasPrefix(n.Attrs["value"], "$") {
			c.Objects = append(c.Objects, n)
		}
	})
	names := map[string]bool{}
	for _, n := range c.Controls {
		name := n.Attrs["name"]
		if name == "" {
			return nil, fmt.Errorf("control tag <%s> has no name attribute", n.Name)
		}
		if names[name] {
			return nil, fmt.Errorf("control tag name %q is used twice", name)
		}
		names[name] = true
		for _, to := range ToNames(n) {
			if c.Object(to) == nil {
				return nil, fmt.Errorf("toName=%q of control %q does not name an object tag", to, name)
			}
		}
	}
	return c, nil
}

// Object returns the object tag called name, or nil.
func (c *Config) Object(name string) *Node {
	for _, o := range c.Objects {
		if o.Attrs["name"] == name {
			return o
		}
	}
	return nil
}

// ToNames lists a control's toName targets.
func ToNames(control *Node) []string {
	var out []string
	for _, to := range strings.Split(control.Attrs["toName"], ",") {
		if to = strings.TrimSpace(to); to != "" {
			out = append(out, to)
		}
	}
	return out
}

// DataKey is the task data key an object tag reads ("text" for
// value="$text").
func DataKey(object *Node) string { return strings.TrimPrefix(object.Attrs["value"], "$") }

// Walk visits n and every descendant in document order, without recursion.
func (n *Node) Walk(visit func(*Node)) {
	stack := []*Node{n}
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		visit(top)
		for i := len(top.Children) - 1; i >= 0; i-- {
			stack = append(stack, top.Children[i])
		}
	}
}

func parseXML(src string) (*Node, error) {
	if strings.TrimSpace(src) == "" {
		return nil, errors.New("label config is empty")
	}
	dec := xml.NewDecoder(strings.NewReader(src))
	dec.Strict = true
	var stack []*Node
	var root *Node
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
			if len(stack) >= MaxDepth {
				return nil, fmt.Errorf("label config nests tags deeper than %d levels", MaxDepth)
			}
			n := &Node{Name: t.Name.Local, Attrs: map[string]string{}}
			for _, a := range t.Attr {
				if _, dup := n.Attrs[a.Name.Local]; !dup {
					n.AttrNames = append(n.AttrNames, a.Name.Local)
				}
				n.Attrs[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, errors.New("label config is not valid XML: more than one root element")
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
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
