package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// predictionInput is a validated prediction body.
type predictionInput struct {
	taskID       int
	result       json.RawMessage
	hasResult    bool
	score        *float64
	hasScore     bool
	modelVersion string
	hasVersion   bool
}

// readPredictionInput validates a prediction body. needTask requires
// "task"; defVersion is the model_version when none is given.
func readPredictionInput(raw json.RawMessage, needTask bool, defVersion string) (predictionInput, error) {
	f, err := checkedForm(raw)
	if err != nil {
		return predictionInput{}, err
	}
	return readPredictionForm(f, needTask, defVersion)
}

func readPredictionForm(f form, needTask bool, defVersion string) (predictionInput, error) {
	in := predictionInput{modelVersion: defVersion}
	if needTask {
		if !f.has("task") {
			f.errs.add("task", "This field is required.")
		} else if id, ok := toInt(f.raw["task"]); !ok {
			f.errs.add("task", fmt.Sprintf("Incorrect type. Expected pk value, received %s.", pyTypeName(f.raw["task"])))
		} else {
			in.taskID = id
		}
	}
	if f.has("result") {
		if f.isNull("result") {
			f.errs.add("result", "This field may not be null.")
		} else {
			// Label Studio also takes a bare label or value dict and expands
			// it; the mock stores what it was given.
			in.result, in.hasResult = compactChecked(f.raw["result"]), true
		}
	} else if needTask {
		f.errs.add("result", "This field is required.")
	}
	in.hasScore = f.number("score", &in.score)
	var v string
	if f.str("model_version", &v) {
		in.modelVersion, in.hasVersion = v, true
	}
	return in, f.errs.err()
}

// newPrediction adds a prediction to t. Call under st.mu.
func (s *Server) newPrediction(t *task, in predictionInput, now time.Time) *prediction {
	st := s.st
	st.touch(t.ID)
	st.next.Prediction++
	p := &prediction{
		ID: st.next.Prediction, Result: in.result, ModelVersion: in.modelVersion, Score: in.score,
		CreatedAt: now, UpdatedAt: now, TaskID: t.ID, ProjectID: t.ProjectID,
	}
	st.predictions[p.ID] = p
	st.changed(kindPrediction, p.ID)
	t.predIDs = append(t.predIDs, p.ID)
	return p
}

// prediction returns a prediction or Label Studio's 404. Call under st.mu.
func (st *store) prediction(id int) (*prediction, error) {
	p := st.predictions[id]
	if p == nil {
		return nil, notFoundError{"Prediction"}
	}
	return p, nil
}

// handlePredictionCreate serves POST /api/predictions. No webhook.
func (s *Server) handlePredictionCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.readObject(w, r)
	if err != nil {
		return err
	}
	in, err := readPredictionForm(f, true, "")
	if err != nil {
		return err
	}
	return s.answer(w, http.StatusCreated, func() (any, []delivery, error) {
		st := s.st
		t := st.tasks[in.taskID]
		if t == nil {
			return nil, nil, errValidation("task", fmt.Sprintf("Invalid pk \"%d\" - object does not exist.", in.taskID))
		}
		p := s.newPrediction(t, in, s.cfg.Now())
		return s.predictionObjectOf(p), nil, nil
	})
}

// handlePredictionList serves GET /api/predictions?task=&project=.
func (s *Server) handlePredictionList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	filter := func(name string) (int, bool, error) {
		v := param(q, name)
		if v == "" {
			return 0, false, nil
		}
		n, ok := pyInt(v)
		if !ok {
			return 0, false, errNoChoice(name)
		}
		return n, true, nil
	}
	taskID, byTask, err := filter("task")
	if err != nil {
		return err
	}
	projectID, byProject, err := filter("project")
	if err != nil {
		return err
	}
	return s.answer(w, http.StatusOK, func() (any, []delivery, error) {
		st := s.st
		out := []predictionObject{}
		for id := 1; id <= st.next.Prediction; id++ {
			p := st.predictions[id]
			if p == nil || (byTask && p.TaskID != taskID) || (byProject && p.ProjectID != projectID) {
				continue
			}
			out = append(out, s.predictionObjectOf(p))
		}
		return out, nil, nil
	})
}

// handlePredictionGet serves GET /api/predictions/{id}.
func (s *Server) handlePredictionGet(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusOK, (*store).prediction, func(st *store, p *prediction) (any, []delivery, error) {
		return s.predictionObjectOf(p), nil, nil
	})
}

// handlePredictionUpdate serves PATCH and PUT /api/predictions/{id}. No webhook.
func (s *Server) handlePredictionUpdate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.readObject(w, r)
	if err != nil {
		return err
	}
	in, err := readPredictionForm(f, false, "")
	if err != nil {
		return err
	}
	return answerFor(s, w, r, http.StatusOK, (*store).prediction, func(st *store, p *prediction) (any, []delivery, error) {
		if in.hasResult {
			p.Result = in.result
		}
		if in.hasScore {
			p.Score = in.score
		}
		if in.hasVersion {
			p.ModelVersion = in.modelVersion
		}
		p.UpdatedAt = s.cfg.Now()
		st.changed(kindPrediction, p.ID)
		return s.predictionObjectOf(p), nil, nil
	})
}

// handlePredictionDelete serves DELETE /api/predictions/{id}. No webhook.
func (s *Server) handlePredictionDelete(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusNoContent, (*store).prediction, func(st *store, p *prediction) (any, []delivery, error) {
		st.deletePredictions(st.tasks[p.TaskID], []int{p.ID})
		return nil, nil, nil
	})
}

// deletePredictions removes predictions of one task.
func (st *store) deletePredictions(t *task, ids []int) {
	st.touch(t.ID)
	st.changedIDs(kindPrediction, ids)
	for _, id := range ids {
		delete(st.predictions, id)
	}
	drop := toSet(ids)
	t.predIDs = removeIDs(t.predIDs, drop)
}
