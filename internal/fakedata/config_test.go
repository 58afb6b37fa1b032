package fakedata

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseConfigSamples(t *testing.T) {
	for _, tc := range []struct {
		name     string
		config   string
		keys     []string
		controls map[string][]string // name -> labels
		types    map[string]string   // name -> region type
	}{
		{"text classification", TextClassificationConfig, []string{"text"},
			map[string][]string{"sentiment": {"Positive", "Negative", "Neutral"}}, map[string]string{"sentiment": "choices"}},
		{"ner", NERConfig, []string{"text"},
			map[string][]string{"label": {"PER", "ORG", "LOC", "MISC"}}, map[string]string{"label": "labels"}},
		{"image bbox", ImageBBoxConfig, []string{"image"},
			map[string][]string{"label": {"Airplane", "Car", "Person"}}, map[string]string{"label": "rectanglelabels"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseConfig(tc.config)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.keys, c.DataKeys()); diff != "" {
				t.Errorf("data keys (-want +got):\n%s", diff)
			}
			got, types := map[string][]string{}, map[string]string{}
			for _, ct := range c.Controls {
				got[ct.Name], types[ct.Name] = ct.Labels, ct.Type()
			}
			if diff := cmp.Diff(tc.controls, got); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.types, types); diff != "" {
				t.Errorf("types (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseConfigDetails(t *testing.T) {
	c, err := ParseConfig(readConfig(t, "every_tag.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"title", "text", "html", "image", "audio", "video", "ts", "table", "dialogue"}
	if diff := cmp.Diff(want, c.DataKeys()); diff != "" {
		t.Errorf("data keys (-want +got):\n%s", diff)
	}
	topic, _ := c.Control("topic")
	if diff := cmp.Diff([]string{"Sports", "politics", "Science", "Culture"}, topic.Labels); diff != "" {
		t.Errorf("an alias replaces the value in results (-want +got):\n%s", diff)
	}
	tax, _ := c.Control("category")
	wantPaths := [][]string{{"Animal"}, {"Animal", "Mammal"}, {"Animal", "Mammal", "Cat"}, {"Animal", "Bird"}, {"Plant"}}
	if diff := cmp.Diff(wantPaths, tax.Paths); diff != "" {
		t.Errorf("taxonomy paths (-want +got):\n%s", diff)
	}
	ts, _ := c.Object("ts")
	if diff := cmp.Diff([]string{"temperature", "pressure"}, ts.Columns); diff != "" {
		t.Errorf("time series columns (-want +got):\n%s", diff)
	}
	if _, ok := c.Object(""); ok {
		t.Error("Object(\"\") found the unnamed Header; it must not")
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, config, want string
	}{
		{"empty", "  ", "empty"},
		{"not xml", "<View><Text name=", "not valid XML"},
		{"wrong root", `<Root><Text name="t" value="$t"/></Root>`, "root tag must be <View>"},
		{"two roots", `<View/><View/>`, "more than one root"},
		{"text outside", `<View/>junk`, "text outside the root"},
		{"unnamed control", `<View><Text name="t" value="$t"/><Choices toName="t"/></View>`, "has no name"},
		{"duplicate control", `<View><Text name="t" value="$t"/><Choices name="c" toName="t"/><Labels name="c" toName="t"/></View>`, "used twice"},
		{"unknown toName", `<View><Text name="t" value="$t"/><Choices name="c" toName="x"/></View>`, `toName="x"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig(tc.config)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseConfig(%q) = %v, want an error containing %q", tc.config, err, tc.want)
			}
		})
	}
}
