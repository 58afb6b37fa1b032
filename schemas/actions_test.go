package schemas

import "testing"

func TestSuggest(t *testing.T) {
	tests := []struct {
		name string
		want Action
	}{
		{"TASKS_CREATED", TasksCreated},
		{"TASK_CREATED", TasksCreated},
		{"TASK_DELETED", TasksDeleted},
		{"ANNOTATION_DELETED", AnnotationsDeleted},
		{" annotation_created ", AnnotationCreated},
		{"ANOTATION_CREATED", AnnotationCreated},
		{"LABEL_LINKS_CREATED", LabelLinkCreated},
		{"TASKS_UPDATED", ""},
		{"REVIEW_CREATED", ""},
		{"START_TRAINING", ""},
		{"FOO", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Suggest(tt.name); got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestLookupIsExact(t *testing.T) {
	for _, info := range Catalog {
		got, ok := Lookup(string(info.Action))
		if !ok || got != info {
			t.Errorf("Lookup(%q) = %+v, %v", info.Action, got, ok)
		}
	}
	for _, name := range []string{"tasks_created", "TASK_CREATED", " TASKS_CREATED", ""} {
		if _, ok := Lookup(name); ok {
			t.Errorf("Lookup(%q) found an action", name)
		}
	}
}
