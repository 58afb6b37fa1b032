package labelconfig

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	c, err := Parse(`<View><Header value="$title"/><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="A"/></Choices></View>`)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Objects) != 2 || len(c.Controls) != 1 || DataKey(c.Objects[1]) != "text" || c.Object("text") == nil {
		t.Errorf("objects %v controls %v", c.Objects, c.Controls)
	}
	if got := ToNames(c.Controls[0]); len(got) != 1 || got[0] != "text" {
		t.Errorf("toName %v", got)
	}
}

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"empty", "  ", "empty"},
		{"not xml", "<View><Text name=", "not valid XML"},
		{"two roots", "<View/><View/>", "more than one root"},
		{"text outside", "<View/>x", "text outside"},
		{"wrong root", `<Root/>`, "root tag must be <View>"},
		{"unnamed control", `<View><Text name="t" value="$t"/><Choices toName="t"/></View>`, "has no name"},
		{"duplicate control", `<View><Text name="t" value="$t"/><Choices name="c" toName="t"/><Labels name="c" toName="t"/></View>`, "used twice"},
		{"toName to nothing", `<View><Choices name="c" toName="x"/></View>`, "does not name an object"},
		{"too deep", "<View>" + strings.Repeat("<a>", MaxDepth) + strings.Repeat("</a>", MaxDepth) + "</View>", "deeper than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestWalkIsInDocumentOrder(t *testing.T) {
	c, err := Parse(`<View><A><B/></A><C/></View>`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	c.Root.Walk(func(n *Node) { names = append(names, n.Name) })
	if strings.Join(names, ",") != "View,A,B,C" {
		t.Errorf("order %v", names)
	}
}
