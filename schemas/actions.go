package schemas

import "strings"

// Action is a webhook action name exactly as Label Studio spells it.
type Action string

// The 12 actions of Label Studio's WebhookAction.ACTIONS table, in table order.
const (
	ProjectCreated     Action = "PROJECT_CREATED"
	ProjectUpdated     Action = "PROJECT_UPDATED"
	ProjectDeleted     Action = "PROJECT_DELETED"
	TasksCreated       Action = "TASKS_CREATED"
	TasksDeleted       Action = "TASKS_DELETED"
	AnnotationCreated  Action = "ANNOTATION_CREATED"
	AnnotationsCreated Action = "ANNOTATIONS_CREATED"
	AnnotationUpdated  Action = "ANNOTATION_UPDATED"
	AnnotationsDeleted Action = "ANNOTATIONS_DELETED"
	LabelLinkCreated   Action = "LABEL_LINK_CREATED"
	LabelLinkUpdated   Action = "LABEL_LINK_UPDATED"
	LabelLinkDeleted   Action = "LABEL_LINK_DELETED"
)

// ActionInfo describes one action: how Label Studio names it, who may
// receive it and how its body is shaped.
type ActionInfo struct {
	Action Action
	// Name is the human name served by GET /api/webhooks/info.
	Name string
	// OrgOnly actions reach organization-level webhooks only.
	OrgOnly bool
	// Key is the body key holding the main payload.
	Key string
	// List reports whether Key holds an array rather than an object.
	List bool
	// Nested is the extra key added after "project" ("task" or "label"), if any.
	Nested string
	// NestedList reports whether Nested holds an array.
	NestedList bool
	// IDOnly reports whether the payload objects carry only {"id": N}.
	IDOnly bool
}

// Catalog lists every action in Label Studio's table order.
var Catalog = []ActionInfo{
	{Action: ProjectCreated, Name: "Project created", OrgOnly: true, Key: "project"},
	{Action: ProjectUpdated, Name: "Project updated", Key: "project"},
	{Action: ProjectDeleted, Name: "Project deleted", OrgOnly: true, Key: "project", IDOnly: true},
	{Action: TasksCreated, Name: "Task created", Key: "tasks", List: true},
	{Action: TasksDeleted, Name: "Task deleted", Key: "tasks", List: true, IDOnly: true},
	{Action: AnnotationCreated, Name: "Annotation created", Key: "annotation", Nested: "task"},
	{Action: AnnotationsCreated, Name: "Annotations created", Key: "annotation", List: true, Nested: "task", NestedList: true},
	{Action: AnnotationUpdated, Name: "Annotation updated", Key: "annotation", Nested: "task"},
	{Action: AnnotationsDeleted, Name: "Annotation deleted", Key: "annotations", List: true, IDOnly: true},
	{Action: LabelLinkCreated, Name: "Label link created", Key: "label_link", List: true},
	{Action: LabelLinkUpdated, Name: "Label link updated", Key: "label_link", Nested: "label"},
	{Action: LabelLinkDeleted, Name: "Label link deleted", Key: "label_link", IDOnly: true},
}

// Lookup returns the catalogue entry of a name, matched exactly.
func Lookup(name string) (ActionInfo, bool) {
	for _, a := range Catalog {
		if string(a.Action) == name {
			return a, true
		}
	}
	return ActionInfo{}, false
}

// docOnly maps names that Label Studio's documentation uses but its code
// never sends to the names the code really sends.
var docOnly = map[string]Action{
	"TASK_CREATED":        TasksCreated,
	"TASK_DELETED":        TasksDeleted,
	"ANNOTATION_DELETED":  AnnotationsDeleted,
	"ANNOTATIONS_UPDATED": AnnotationUpdated,
	"PROJECTS_CREATED":    ProjectCreated,
	"PROJECTS_DELETED":    ProjectDeleted,
	"PROJECTS_UPDATED":    ProjectUpdated,
}

// notActions explains names people expect to reach a webhook but that
// Label Studio never sends to one; Suggest offers nothing for them.
var notActions = map[string]string{
	"TASK_UPDATED":    "Label Studio sends no event when a task changes",
	"TASKS_UPDATED":   "Label Studio sends no event when a task changes",
	"REVIEW_CREATED":  "Label Studio Enterprise only",
	"REVIEW_UPDATED":  "Label Studio Enterprise only",
	"REVIEWS_DELETED": "Label Studio Enterprise only",
	"START_TRAINING":  "sent to ML backends, never to webhooks",
}

// Suggest returns the real action a misspelt or documentation-only name
// most likely means, or "" when nothing is close. TASK_CREATED gives
// TASKS_CREATED.
func Suggest(name string) Action {
	up := strings.ToUpper(strings.TrimSpace(name))
	if a, ok := Lookup(up); ok {
		return a.Action
	}
	if a, ok := docOnly[up]; ok {
		return a
	}
	if _, ok := notActions[up]; ok {
		return ""
	}
	best, bestDist := Action(""), 4
	for _, a := range Catalog {
		if d := distance(up, string(a.Action)); d < bestDist {
			best, bestDist = a.Action, d
		}
	}
	return best
}

// explainUnknown says, for an error message, what an unknown action name
// most likely means, or "" when there is nothing to say.
func explainUnknown(name string) string {
	up := strings.ToUpper(strings.TrimSpace(name))
	if note, ok := notActions[up]; ok {
		return note
	}
	if a, ok := docOnly[up]; ok {
		return "Label Studio sends " + string(a)
	}
	if a := Suggest(name); a != "" {
		return "did you mean " + string(a) + "?"
	}
	return ""
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
