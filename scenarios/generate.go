package scenarios

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"net/http"

	"github.com/labelhook/labelhook/internal/fakedata"
)

// Task generation: import_tasks: {generate: 12000} and create_task:
// {generate: true} make task data from the project's label config with the
// sandbox's generator (internal/fakedata): every key the config reads, a
// paragraph for $text, an image URL for $image. The data depends only on
// Options.Seed, the scenario's name and the step, so a run repeats
// exactly, in parallel or not.

// maxGenerate bounds one import_tasks: {generate: N}.
const maxGenerate = 1_000_000

// generate replaces the step's generate argument by the data it stands
// for: tasks for import_tasks, data for create_task.
func (s *scenarioRun) generate(ctx context.Context, st *step, i int, a map[string]any) error {
	n, ok := a["generate"]
	if !ok {
		return nil
	}
	delete(a, "generate")
	count := 1
	if st.kind == "import_tasks" {
		f, isNum := n.(float64)
		if !isNum || f < 1 || f > maxGenerate || f != float64(int(f)) {
			return fmt.Errorf("generate: want a number of tasks, 1 to %d, got %s", maxGenerate, describe(n))
		}
		count = int(f)
	} else if n != true {
		return fmt.Errorf("generate: want true, got %s", describe(n))
	}
	cfg, err := s.labelConfig(ctx, a["project"])
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	g := fakedata.New(s.seed(i))
	if st.kind == "create_task" {
		a["data"] = g.Task(cfg)
		return nil
	}
	tasks := make([]any, count)
	for j := range tasks {
		tasks[j] = map[string]any{"data": g.Task(cfg)}
	}
	a["tasks"] = tasks
	return nil
}

// seed is the generator seed of step i: the run's seed, the scenario's
// name and the step's index, mixed.
func (s *scenarioRun) seed(i int) int64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(s.r.opts.Seed))
	h.Write(b[:])
	h.Write([]byte(s.sc.Name))
	binary.LittleEndian.PutUint64(b[:], uint64(i))
	h.Write(b[:])
	return int64(h.Sum64() >> 1)
}

// labelConfig reads the project's label config from the server (once per
// project); a config that reads no data key gives text classification's.
func (s *scenarioRun) labelConfig(ctx context.Context, project any) (*fakedata.Config, error) {
	id := str(project)
	if cfg, ok := s.configs[id]; ok {
		return cfg, nil
	}
	path := "/api/projects/" + id
	status, answer, raw, err := s.do(ctx, &call{method: http.MethodGet, path: path})
	if err != nil {
		return nil, fmt.Errorf("read the project's label config: %w", err)
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("read the project's label config: GET %s answered %d: %s", path, status, truncate(string(raw), 200))
	}
	obj, _ := answer.(map[string]any)
	text, _ := obj["label_config"].(string)
	cfg, err := fakedata.ParseConfig(text)
	if err != nil {
		return nil, fmt.Errorf("the project's label config: %w", err)
	}
	if len(cfg.DataKeys()) == 0 { // <View></View>, a new project's default
		cfg, _ = fakedata.ParseConfig(fakedata.TextClassificationConfig)
	}
	if s.configs == nil {
		s.configs = map[string]*fakedata.Config{}
	}
	s.configs[id] = cfg
	return cfg, nil
}
