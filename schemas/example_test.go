package schemas_test

import (
	"fmt"

	"github.com/labelhook/labelhook/schemas"
)

func ExampleValidate() {
	bodies := []string{
		// A webhook with send_payload=false gets only the action.
		`{"action": "TASKS_CREATED"}`,
		`{"action": "TASKS_CREATED", "tasks": [{"id": "18", "data": {"text": "great"}, "project": 2}], "project": {"id": 2}}`,
		`{"action": "TASK_CREATED", "tasks": [{"id": 18, "data": {}, "project": 2}], "project": {"id": 2}}`,
		`{"action": "ANNOTATIONS_DELETED", "annotations": [{"id": 17, "task": 19}]}`,
	}
	for _, body := range bodies {
		action, problems := schemas.Validate([]byte(body))
		fmt.Printf("%s: %d problems\n", action, len(problems))
		for _, p := range problems {
			fmt.Println("  " + p.String())
		}
	}
	// Output:
	// TASKS_CREATED: 0 problems
	// TASKS_CREATED: 1 problems
	//   $.tasks[0].id: expected integer, got string
	// TASK_CREATED: 1 problems
	//   $.action: unknown action "TASK_CREATED" (Label Studio sends TASKS_CREATED)
	// ANNOTATIONS_DELETED: 2 problems
	//   $: missing required field "project"
	//   $.annotations[0]: unexpected field "task"
}
