package scenarios

import (
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// Scenario is one parsed scenario: steps that drive the API and the
// events each step must cause.
type Scenario struct {
	// Name is the scenario's name, unique among the files of one run.
	Name string
	// File and Line are where the scenario starts.
	File string
	Line int
	// Server holds the mock's settings from the file's server: key, nil
	// when it has none. Such a scenario needs an in-process server.
	Server *server.Config
	// Pipeline is the URL of the pipeline under test from the file's
	// pipeline: key ("" when it has none); Options.Pipeline overrides it.
	Pipeline string
	// NeedsLocalFiles says the scenario writes files for a local files
	// storage (create_local_storage, sync_storage, ${local_files}): against
	// an external server it needs Options.LocalFilesRoot.
	NeedsLocalFiles bool

	steps []*step
	// pipelineLine is the line of the first thing that needs a pipeline
	// (a pipeline expectation, ${pipeline.url}, a relative http url); 0
	// when nothing does.
	pipelineLine int
}

// step is one step of a scenario.
type step struct {
	line int
	kind string
	def  *stepDef
	// args is the step's value (nil when it has none).
	args *yaml.Node
	// plan is a receiver step's response plan; reset empties it.
	plan  []receiver.Step
	reset bool
	// status overrides the status the step wants (0: the step's own).
	status   int
	save     []saveVar
	response *yaml.Node
	// checked: the step has an expect key, so its events are checked.
	checked bool
	expect  []*expectation
	within  time.Duration
	// eventually repeats the request until its answer has the wanted
	// status and matches response, for at most this long (0: once).
	eventually time.Duration
	ordered    bool
	others     bool // others: allow
}

// title names a step in messages: "step 3 (import_tasks)".
func (st *step) title(i int) string { return fmt.Sprintf("step %d (%s)", i+1, st.kind) }

// saveVar is one entry of save: a variable and where in the answer.
type saveVar struct {
	name string
	path []pathElem
	text string
	// implicit: the step's own variable, saved only from a 2xx answer.
	implicit bool
}

// expectation is one entry of a step's expect list.
type expectation struct {
	line   int
	action schemas.Action
	// min and max bound how many matching events arrive; max < 0: no bound.
	min, max int
	webhook  *yaml.Node
	match    *yaml.Node
	headers  *yaml.Node
	// pipeline is what the pipeline must answer to each matching event
	// (nil: not checked).
	pipeline *pipelineWant
}

// describe says what the expectation wants, in one line.
func (e *expectation) describe() string {
	var b strings.Builder
	b.WriteString(string(e.action))
	switch {
	case e.min == e.max:
		fmt.Fprintf(&b, " count %d", e.min)
	case e.max < 0:
		fmt.Fprintf(&b, " min %d", e.min)
	case e.min == 0:
		fmt.Fprintf(&b, " max %d", e.max)
	default:
		fmt.Fprintf(&b, " min %d max %d", e.min, e.max)
	}
	if e.webhook != nil {
		fmt.Fprintf(&b, " at %s", e.webhook.Value)
	}
	if e.match != nil {
		fmt.Fprintf(&b, " match %s", flow(e.match))
	}
	if e.headers != nil {
		fmt.Fprintf(&b, " headers %s", flow(e.headers))
	}
	if e.pipeline != nil {
		fmt.Fprintf(&b, " pipeline %s", e.pipeline)
	}
	return b.String()
}

// flow renders a YAML node on one line, cut to a readable length.
func flow(n *yaml.Node) string {
	c := *n
	setFlow(&c)
	out, err := yaml.Marshal(&c)
	if err != nil {
		return n.Value
	}
	return truncate(strings.TrimSpace(string(out)), 160)
}

func setFlow(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style = yaml.FlowStyle
	}
	n.Content = append([]*yaml.Node(nil), n.Content...) // the copy must not touch the original
	for i, c := range n.Content {
		cc := *c
		setFlow(&cc)
		n.Content[i] = &cc
	}
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
}
