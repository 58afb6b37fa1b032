package server

import (
	"encoding/json"
	"net/http"
)

// viewObject is a saved Data Manager view.
type viewObject struct { // the keys in 1.23.2's order
	ID      int             `json:"id"`
	Data    json.RawMessage `json:"data"`
	Order   *int            `json:"order"`
	User    int             `json:"user"`
	Project int             `json:"project"`
}

func viewObjectOf(v *view) viewObject {
	return viewObject{ID: v.ID, Project: v.ProjectID, User: userID, Data: orEmptyObject(v.Data)}
}

// viewQuery reads a view's saved filters and ordering.
func viewQuery(v *view) dmQuery {
	var q dmQuery
	_ = json.Unmarshal(v.Data, &q)
	if q.check("view") != nil {
		return dmQuery{}
	}
	return q
}

func (st *store) view(id int) (*view, error) {
	v := st.views[id]
	if v == nil {
		return nil, notFoundError{"View"}
	}
	return v, nil
}

// readViewData validates a view's data: an object whose filters and
// ordering, when present, are a valid Data Manager query.
func readViewData(f form) json.RawMessage {
	var data json.RawMessage
	if !f.object("data", &data, false) {
		return nil
	}
	if _, err := parseDMQuery(data, "data"); err != nil {
		ae, ok := asAPIError(err)
		if !ok {
			f.errs.add("data", err.Error())
			return nil
		}
		for k, msgs := range ae.Fields {
			for _, m := range msgs {
				f.errs.add(k, m)
			}
		}
		return nil
	}
	return data
}

// handleViewList serves GET /api/dm/views?project=N.
func (s *Server) handleViewList(w http.ResponseWriter, r *http.Request) error {
	var pid int
	if v := param(r.URL.Query(), "project"); v != "" {
		n, ok := pyInt(v)
		if !ok {
			return errNoChoice("project")
		}
		pid = n
	}
	return s.answer(w, http.StatusOK, func() (any, []delivery, error) {
		st := s.st
		out := []viewObject{}
		for id := 1; id <= st.next.View; id++ {
			if v := st.views[id]; v != nil && (pid == 0 || v.ProjectID == pid) {
				out = append(out, viewObjectOf(v))
			}
		}
		return out, nil, nil
	})
}

// handleViewCreate serves POST /api/dm/views {"project": N, "data": {...}}.
func (s *Server) handleViewCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.readObject(w, r)
	if err != nil {
		return err
	}
	return s.answer(w, http.StatusCreated, func() (any, []delivery, error) {
		st := s.st
		v := &view{Data: json.RawMessage("{}")}
		if id, ok := f.pk("project", st.hasProject); ok {
			v.ProjectID = id
		}
		if d := readViewData(f); d != nil {
			v.Data = d
		}
		if err := f.errs.err(); err != nil {
			return nil, nil, err
		}
		st.next.View++
		v.ID = st.next.View
		st.views[v.ID] = v
		st.changed(kindView, v.ID)
		return viewObjectOf(v), nil, nil
	})
}

// handleViewGet serves GET /api/dm/views/{id}.
func (s *Server) handleViewGet(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusOK, (*store).view, func(st *store, v *view) (any, []delivery, error) {
		return viewObjectOf(v), nil, nil
	})
}

// handleViewUpdate serves PATCH and PUT /api/dm/views/{id}.
func (s *Server) handleViewUpdate(w http.ResponseWriter, r *http.Request) error {
	return updateFor(s, w, r, (*store).view, func(st *store, f form, v *view) (any, []delivery, error) {
		d := readViewData(f)
		if err := f.errs.err(); err != nil {
			return nil, nil, err
		}
		if d != nil {
			v.Data = d
			st.changed(kindView, v.ID)
		}
		return viewObjectOf(v), nil, nil
	})
}

// handleViewDelete serves DELETE /api/dm/views/{id}.
func (s *Server) handleViewDelete(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusNoContent, (*store).view, func(st *store, v *view) (any, []delivery, error) {
		delete(st.views, v.ID)
		st.changed(kindView, v.ID)
		return nil, nil, nil
	})
}
