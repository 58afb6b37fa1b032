package scenarios_test

import (
	"context"
	"fmt"

	"github.com/labelhook/labelhook/scenarios"
)

// A scenario drives the API and states which webhooks each step causes.
// Run starts a mock Label Studio and a receiver for it.
func Example() {
	scs, err := scenarios.Parse("import.yaml", []byte(`
name: one import of 3 tasks sends exactly one TASKS_CREATED
steps:
  - create_project: {title: Sentiment}
  - create_webhook: {project: "${project}", url: "${receiver.url}"}
  - import_tasks: {tasks: [{text: a}, {text: b}, {text: c}]}
    expect:
      - action: TASKS_CREATED
        count: 1
        match:
          tasks: {$len: 3}
          project: {id: "${project}", task_number: 3}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := scenarios.Run(context.Background(), scs, scenarios.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Summary())
	// Output: 1 passed, 0 failed
}

// Errors name the file and the line, and suggest the right spelling.
func ExampleParse() {
	_, err := scenarios.Parse("import.yaml", []byte(`
name: a typo
steps:
  - create_project: {title: Sentiment}
  - import_tasks: {tasks: [{text: a}]}
    expect:
      - action: TASK_CREATED
`))
	fmt.Println(err)
	// Output: import.yaml:7: unknown action "TASK_CREATED" (did you mean TASKS_CREATED?)
}
