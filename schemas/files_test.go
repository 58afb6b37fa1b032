package schemas

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// schemaFile is the part of a schema file the catalogue must agree with.
type schemaFile struct {
	Schema     string `json:"$schema"`
	Title      string
	Required   []string
	Properties map[string]struct {
		Ref      string `json:"$ref"`
		Type     string
		MinItems int
		Items    struct {
			Ref string `json:"$ref"`
		}
	}
	Then struct{ Required []string }
}

func TestFilesHoldOneSchemaPerActionAndDefinitions(t *testing.T) {
	want := []string{definitionsFile}
	for _, info := range Catalog {
		want = append(want, fileName(info.Action))
	}
	var got []string
	for name := range Files() {
		got = append(got, name)
	}
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Files() names (-want +got):\n%s", diff)
	}
}

// The schema files are written by hand; the catalogue is what the mock
// server emits from. This keeps the two saying the same thing.
func TestSchemaFilesAgreeWithCatalog(t *testing.T) {
	files := Files()
	for _, info := range Catalog {
		t.Run(string(info.Action), func(t *testing.T) {
			var s schemaFile
			if err := json.Unmarshal(files[fileName(info.Action)], &s); err != nil {
				t.Fatal(err)
			}
			if s.Schema != "http://json-schema.org/draft-07/schema#" || s.Title != string(info.Action) {
				t.Errorf("$schema %q, title %q", s.Schema, s.Title)
			}
			if !slices.Equal(s.Required, []string{"action"}) {
				t.Errorf("required = %v, want only action (send_payload=false bodies)", s.Required)
			}
			wantThen := []string{info.Key}
			if info.Key != "project" && info.Action != TasksDeleted {
				wantThen = append(wantThen, "project")
			}
			if info.Nested != "" {
				wantThen = append(wantThen, info.Nested)
			}
			if !slices.Equal(s.Then.Required, wantThen) {
				t.Errorf("then.required = %v, want %v", s.Then.Required, wantThen)
			}
			main := s.Properties[info.Key]
			ref := main.Ref
			if info.List {
				if main.Type != "array" || main.MinItems != 1 {
					t.Errorf("%s: type %q, minItems %d; want a non-empty array", info.Key, main.Type, main.MinItems)
				}
				ref = main.Items.Ref
			}
			if got := strings.HasSuffix(ref, "/id_only"); got != info.IDOnly {
				t.Errorf("%s refers to %q; IDOnly is %v", info.Key, ref, info.IDOnly)
			}
			if info.Nested != "" {
				nested := s.Properties[info.Nested]
				if isList := nested.Type == "array"; isList != info.NestedList {
					t.Errorf("%s: type %q; NestedList is %v", info.Nested, nested.Type, info.NestedList)
				}
			}
			if info.Key != "project" && s.Properties["project"].Ref != "definitions.json#/definitions/project" {
				t.Errorf("project refers to %q", s.Properties["project"].Ref)
			}
		})
	}
}

func TestDefinitions(t *testing.T) {
	var defs struct {
		Definitions struct {
			Action            struct{ Enum []Action }
			Timestamp         struct{ Pattern string }
			NullableTimestamp struct{ Pattern string } `json:"nullable_timestamp"`
		}
	}
	if err := json.Unmarshal(Files()[definitionsFile], &defs); err != nil {
		t.Fatal(err)
	}
	var actions []Action
	for _, info := range Catalog {
		actions = append(actions, info.Action)
	}
	if diff := cmp.Diff(actions, defs.Definitions.Action.Enum); diff != "" {
		t.Errorf("action enum (-catalog +definitions):\n%s", diff)
	}
	if p := defs.Definitions.Timestamp.Pattern; p != `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$` || p != defs.Definitions.NullableTimestamp.Pattern {
		t.Errorf("timestamp pattern %q, nullable_timestamp pattern %q", p, defs.Definitions.NullableTimestamp.Pattern)
	}
}

func TestSchemaFilesAreValidDraft07(t *testing.T) {
	if _, err := compile(true); err != nil {
		t.Fatal(err)
	}
}
