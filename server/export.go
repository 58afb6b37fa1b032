package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strings"
)

// exportUser is the completed_by of exported annotations.
type exportUser struct {
	ID        int    `json:"id"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
}

// exportAnnotation has every annotation model field.
type exportAnnotation struct {
	ID          int             `json:"id"`
	CompletedBy any             `json:"completed_by"`
	Result      json.RawMessage `json:"result"`
	annotationState
	Prediction  json.RawMessage `json:"prediction"`
	ResultCount int             `json:"result_count"`
	UniqueID    string          `json:"unique_id"`
	annotationLinks

	// src and expandUser are what the view was made from: appendJSON
	// writes them.
	src        *annotation
	expandUser bool
}

// handleExport serves GET /api/projects/{id}/export: a JSON file of the
// tasks that have annotations (all tasks with download_all_tasks=true),
// each as a snapshot holds it without serialization options: Label
// Studio expands only drafts here, so completed_by is the user's id and
// predictions are ids.
// Like current Label Studio it narrows by ids[] only; plain ids= is ignored.
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	typ := param(q, "exportType")
	if typ == "" {
		typ = param(q, "export_type")
	}
	if typ == "" {
		typ = "JSON"
	}
	if !strings.EqualFold(typ, "JSON") {
		return s.handleConvertedExport(w, r, typ) // snapshots.go: JSON_MIN, CSV, TSV
	}
	all := queryBool(r, "download_all_tasks", false)
	only, err := exportIDs(r)
	if err != nil {
		return err
	}
	return s.answerList(w, http.StatusOK, func() (*listAnswer, error) {
		st := s.st
		p, err := st.project(pathID(r, "id"))
		if err != nil {
			return nil, err
		}
		var ids []int
		for _, tid := range p.taskIDs {
			t := st.tasks[tid]
			if only != nil && !only[t.ID] {
				continue
			}
			if !all && len(t.annIDs) == 0 {
				continue
			}
			ids = append(ids, tid)
		}
		now := s.cfg.Now().UTC()
		name := fmt.Sprintf("project-%d-at-%s-%08x.json", p.ID, now.Format("2006-01-02-15-04"), uint32(p.CreatedAt.UnixNano()))
		var et exportTask // one view, rendered again for each task (encodeChunk writes it at once)
		return &listAnswer{head: "[", tail: "]", ids: ids,
			header: http.Header{"Content-Disposition": {fmt.Sprintf("attachment; filename=%q", name)}},
			item: func(id int) (any, bool) {
				t := st.tasks[id]
				if t == nil {
					return nil, false
				}
				et = exportTask{st: st, t: t}
				return &et, true
			},
			appendTask: func(b []byte, t *task, stamps *stampCache) []byte {
				return st.appendRendered(b, t, shapeExport, stamps)
			},
			warm: func(ts []*task) { st.warmTasks(ts, shapeExport) },
		}, nil
	})
}

// exportIDs reads an export's ids[] (repeated, or comma lists): the
// tasks it is narrowed to, nil when there is no ids[]. Like current Label
// Studio, plain ids= is ignored.
func exportIDs(r *http.Request) (map[int]bool, error) {
	v, ok := r.URL.Query()["ids[]"]
	if !ok {
		return nil, nil
	}
	only := map[int]bool{}
	for _, one := range v {
		for _, part := range strings.Split(one, ",") {
			n, ok := pyInt(part)
			if !ok {
				return nil, errValidation("ids", fmt.Sprintf("%q is not a valid task id.", part))
			}
			only[n] = true
		}
	}
	return only, nil
}

// exportAnnotationOf is an annotation as an export file holds it:
// completed_by is the user's id, or {id, email, first_name, last_name}
// when expanded.
func exportAnnotationOf(a *annotation, expandUser bool) exportAnnotation {
	var by any
	switch {
	case a.CompletedBy == nil:
	case expandUser:
		by = exportUser{ID: userID, Email: userEmail}
	default:
		by = userID
	}
	return exportAnnotation{
		ID: a.ID, CompletedBy: by, Result: orEmptyList(a.Result), annotationState: annotationStateOf(a),
		Prediction: orEmptyObject(a.Prediction), ResultCount: a.resultN, UniqueID: a.UniqueID,
		annotationLinks: annotationLinksOf(a), src: a, expandUser: expandUser,
	}
}

// uploadName is the base name of the file a task was imported from, as
// Label Studio's export and Data Manager serializers show file_upload;
// nil for a task not from an upload (or whose upload is gone).
func (st *store) uploadName(t *task) *string {
	if t.FileUpload == nil || st.uploads[*t.FileUpload] == nil {
		return nil
	}
	name := path.Base(st.uploads[*t.FileUpload].File)
	return &name
}
