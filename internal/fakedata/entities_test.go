package fakedata

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEntities(t *testing.T) {
	type found struct{ Text, Kind string }
	for _, tc := range []struct {
		name, text string
		want       []found
	}{
		{"a sentence of every kind", "Enid Botsford met someone in Los Angeles on March 3.",
			[]found{{"Enid Botsford", kindPerson}, {"Los Angeles", kindPlace}, {"March 3", kindDate}}},
		{"companies and cities as listed, punctuation included", "NerdWallet opened a new office in St. Louis.",
			[]found{{"NerdWallet", kindOrg}, {"St. Louis", kindPlace}}},
		{"I, a month alone and capitalized nouns are no names", "Yesterday I said March was Cold. Quickly Table Leg.", nil},
		{"a first name without a last name is none", "Enid went home.", nil},
		{"a name must end at a word's end", "Chicagoland and Los Angelesque", nil},
		{"lower case is not a name", "los angeles and enid botsford", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []found
			runes := []rune(tc.text)
			for _, e := range entities(tc.text, wordRuns(tc.text)) {
				got = append(got, found{string(runes[e.start:e.end]), e.kind})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("entities(%q) (-want +got):\n%s", tc.text, diff)
			}
		})
	}
}

func TestEntityLabels(t *testing.T) {
	for _, tc := range []struct {
		name   string
		labels []string
		want   map[string]string
	}{
		{"the NER sample", []string{"PER", "ORG", "LOC", "MISC"}, map[string]string{kindPerson: "PER", kindOrg: "ORG", kindPlace: "LOC"}},
		{"other spellings, any case", []string{"Person", "company", "GPE", "Date"}, map[string]string{kindPerson: "Person", kindOrg: "company", kindPlace: "GPE", kindDate: "Date"}},
		{"labels that name no kind", []string{"Positive", "Negative"}, map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, entityLabels(tc.labels)); diff != "" {
				t.Errorf("entityLabels(%v) (-want +got):\n%s", tc.labels, diff)
			}
		})
	}
}

// entityConfigs put entity labels on every kind of text the generator
// makes: plain text (the NER sample), HTML and dialogue.
var entityConfigs = map[string]string{
	"text": NERConfig,
	"hypertext": `<View><HyperText name="html" value="$html"/>
  <HyperTextLabels name="ents" toName="html"><Label value="PER"/><Label value="ORG"/><Label value="LOC"/><Label value="DATE"/><Label value="MISC"/></HyperTextLabels></View>`,
	"paragraphs": `<View><Paragraphs name="dialogue" value="$dialogue"/>
  <ParagraphLabels name="turns" toName="dialogue"><Label value="Person"/><Label value="Company"/><Label value="City"/></ParagraphLabels></View>`,
}

// Finding (issue 13): the sample data tagged month names ORG and "I" PER,
// and simulated annotators tagged common nouns LOC. With the real
// generator on 1000 seeds, every span of an annotation or a prediction is
// a name the generator put into that task's text, of the kind its label
// stands for; MISC, which no generated name is, is never used.
func TestSpansOnlyOnNamesOfTheirKind(t *testing.T) {
	labelKind := map[string]string{}
	for kind, names := range kindLabels {
		for _, n := range names {
			labelKind[n] = kind
		}
	}
	for name, src := range entityConfigs {
		t.Run(name, func(t *testing.T) {
			c, err := ParseConfig(src)
			if err != nil {
				t.Fatal(err)
			}
			perKind := map[string]int{}
			for seed := int64(0); seed < 1000; seed++ {
				g := New(seed)
				put := map[string][]string{} // name -> the kinds it was put in as
				g.named = func(kind, text string) { put[text] = append(put[text], kind) }
				data := g.Task(c)
				results := [][]Region{g.Annotation(c, data).Result, g.Prediction(c, data, "v1").Result}
				for _, regions := range results {
					for _, r := range regions {
						text, _ := r.Value["text"].(string)
						labels, _ := r.Value[r.Type].([]any)
						if len(labels) != 1 {
							t.Fatalf("seed %d: region %+v has labels %v, want one", seed, r, labels)
						}
						label := fmt.Sprint(labels[0])
						kind := labelKind[strings.ToUpper(label)]
						if kind == "" || !slices.Contains(put[text], kind) {
							t.Errorf("seed %d: %q labelled %s, but the text has no %s of that name (names put in: %v)\n%v", seed, text, label, kind, put, data)
							continue
						}
						perKind[kind]++
					}
				}
			}
			// Not vacuous: names of every kind the config labels were found.
			for _, kind := range entityLabels(c.Controls[0].Labels) {
				if perKind[labelKind[strings.ToUpper(kind)]] < 50 {
					t.Errorf("only %d spans labelled %s in 1000 seeds", perKind[labelKind[strings.ToUpper(kind)]], kind)
				}
			}
		})
	}
}
