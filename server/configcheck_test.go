package server

import (
	"strings"
	"testing"
)

// TestConfigCheckSkipsWhatTheSummarySkips: as ProjectSummary counts them,
// relations, pairwise results and regions without a type, from_name or
// to_name are not checked against a new config, and a type is compared
// lower-cased.
func TestConfigCheckSkipsWhatTheSummarySkips(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Relations")
	P := "/api/projects/" + itoa(pid)
	e.must("PATCH", P, map[string]any{"label_config": textConfig}, 200)
	e.must("POST", P+"/import", `[{"text": "a"}]`, 201)
	region := map[string]any{"from_name": "sentiment", "to_name": "text", "type": "Choices", "value": map[string]any{"choices": []string{"Positive"}}}
	e.must("POST", "/api/tasks/1/annotations", map[string]any{"result": []any{region,
		map[string]any{"type": "relation", "from_id": "a", "to_id": "b"},
		map[string]any{"type": "pairwise", "from_name": "x", "to_name": "y"},
		map[string]any{"from_name": "gone", "to_name": "text", "value": map[string]any{}},
		map[string]any{"type": "choices", "to_name": "text"},
	}}, 201)
	for _, method := range []string{"PATCH", "POST"} {
		path := P
		if method == "POST" {
			path = P + "/validate"
		}
		if status, body := e.call(method, path, map[string]any{"label_config": textConfig}); status != 200 {
			t.Errorf("%s %s with the same config: %d %s, want 200", method, path, status, body)
		}
	}
	other := `<View><Text name="t" value="$text"/><Choices name="other" toName="t"><Choice value="x"/></Choices></View>`
	status, body := e.call("POST", P+"/validate", map[string]any{"label_config": other})
	if want := `1 with from_name=sentiment, to_name=text, type=choices`; status != 400 || !strings.Contains(string(body), want) {
		t.Errorf("validate with the control gone: %d %s, want 400 with %s", status, body, want)
	}
}

// TestStrictCheckWithTaxonomy: a Taxonomy in the config lets the labels
// linked to the project through for every control, and only those: a
// Choices label in use that the config drops is still refused.
func TestStrictCheckWithTaxonomy(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Taxonomy check")
	P := "/api/projects/" + itoa(pid)
	withTaxonomy := func(choices string) string {
		return `<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text">` + choices +
			`</Choices><Taxonomy name="tax" toName="text"><Choice value="Animal"/></Taxonomy></View>`
	}
	e.must("PATCH", P, map[string]any{"label_config": withTaxonomy(`<Choice value="Positive"/><Choice value="Negative"/>`)}, 200)
	e.must("POST", P+"/import", `[{"text": "a"}]`, 201)
	e.must("POST", "/api/tasks/1/annotations", map[string]any{"result": []any{
		map[string]any{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": map[string]any{"choices": []string{"Negative"}}},
		map[string]any{"from_name": "tax", "to_name": "text", "type": "taxonomy", "value": map[string]any{"taxonomy": [][]string{{"Animal", "Cat"}}}},
	}}, 201)
	check := func(cfg string, status int, want string) {
		t.Helper()
		got, body := e.call("POST", P+"/validate", map[string]any{"label_config": cfg})
		if got != status || !strings.Contains(string(body), want) {
			t.Errorf("validate: %d %s, want %d with %s", got, body, status, want)
		}
	}
	kept := withTaxonomy(`<Choice value="Positive"/><Choice value="Negative"/>`)
	check(kept, 400, `Cat (1 annotation)`)
	e.mustList("POST", "/api/labels", []any{map[string]any{"project": pid, "from_name": "tax", "value": []string{"Animal", "Cat"}, "title": "Cat"}}, 201)
	check(kept, 200, ``)
	check(withTaxonomy(`<Choice value="Positive"/>`), 400, `Negative (1 annotation)\nPlease add labels to tag with name=\"sentiment\"`)
}
