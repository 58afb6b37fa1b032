package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/labelhook/labelhook/internal/pyjson"
	"github.com/labelhook/labelhook/schemas"
)

// Labels and label links (labels_manager): an organization's custom labels,
// each linked to projects by a label link. POST /api/labels creates labels
// in bulk and links them to one project; PATCH and PUT of a label link send
// LABEL_LINK_UPDATED, its DELETE LABEL_LINK_DELETED. Labels themselves
// send nothing, and neither does a label link made by POST /api/label_links
// (docs/label-studio-behaviour.md#label-links).

// maxLabelTitle is Label.title's max_length.
const maxLabelTitle = 2048

// labelPageSize is PageNumberPagination's page (REST_FRAMEWORK PAGE_SIZE);
// these lists take no page_size.
const labelPageSize = 100

// labelCtx is a label with what its views show of its links.
type labelCtx struct {
	l     *label
	links []*labelLink // ascending id
	// project and fromName are the create request's, for its answer.
	project  int
	fromName string
}

func writeLinkIDs(w *jsonw, links []*labelLink, project bool) {
	w.b = append(w.b, '[')
	for i, k := range links {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		if project {
			w.int(k.ProjectID)
		} else {
			w.int(k.ID)
		}
	}
	w.b = append(w.b, ']')
}

// labelREST is LabelSerializer's output (GET, PATCH, the LABEL_LINK_UPDATED
// payload's "label").
var labelREST = newShape([]field[*labelCtx]{
	{"id", "", func(w *jsonw, x *labelCtx) { w.int(x.l.ID) }},
	{"links", "", func(w *jsonw, x *labelCtx) { writeLinkIDs(w, x.links, false) }},
	{"created_at", "", func(w *jsonw, x *labelCtx) { w.stamp(x.l.CreatedAt) }},
	{"updated_at", "", func(w *jsonw, x *labelCtx) { w.stamp(x.l.UpdatedAt) }},
	{"value", "", func(w *jsonw, x *labelCtx) { w.raw(x.l.Value, "null") }},
	{"title", "", func(w *jsonw, x *labelCtx) { w.str(x.l.Title) }},
	{"description", "", func(w *jsonw, x *labelCtx) { w.optStr(x.l.Description) }},
	{"approved", "", func(w *jsonw, x *labelCtx) { w.bool(x.l.Approved) }},
	{"created_by", "", func(w *jsonw, x *labelCtx) { w.int(userID) }},
	{"approved_by", "", func(w *jsonw, x *labelCtx) { w.null() }},
	{"organization", "", func(w *jsonw, x *labelCtx) { w.int(orgID) }},
	{"projects", "", func(w *jsonw, x *labelCtx) { writeLinkIDs(w, x.links, true) }},
})

// labelCreated is LabelCreateSerializer's output: one item of POST
// /api/labels' answer, with the request's project and from_name.
var labelCreated = newShape([]field[*labelCtx]{
	{"id", "", func(w *jsonw, x *labelCtx) { w.int(x.l.ID) }},
	{"created_by", "", func(w *jsonw, x *labelCtx) { w.int(userID) }},
	{"organization", "", func(w *jsonw, x *labelCtx) { w.int(orgID) }},
	{"project", "", func(w *jsonw, x *labelCtx) { w.int(x.project) }},
	{"from_name", "", func(w *jsonw, x *labelCtx) { w.str(x.fromName) }},
	{"created_at", "", func(w *jsonw, x *labelCtx) { w.stamp(x.l.CreatedAt) }},
	{"updated_at", "", func(w *jsonw, x *labelCtx) { w.stamp(x.l.UpdatedAt) }},
	{"value", "", func(w *jsonw, x *labelCtx) { w.raw(x.l.Value, "null") }},
	{"title", "", func(w *jsonw, x *labelCtx) { w.str(x.l.Title) }},
	{"description", "", func(w *jsonw, x *labelCtx) { w.optStr(x.l.Description) }},
	{"approved", "", func(w *jsonw, x *labelCtx) { w.bool(x.l.Approved) }},
	{"approved_by", "", func(w *jsonw, x *labelCtx) { w.null() }},
	{"projects", "", func(w *jsonw, x *labelCtx) { writeLinkIDs(w, x.links, true) }},
})

// linkCtx is a label link with its annotations_count (REST only).
type linkCtx struct {
	k     *labelLink
	count int
}

// labelLinkREST is LabelLinkSerializer's output in the REST API, where the
// queryset annotates annotations_count.
var labelLinkREST = newShape([]field[*linkCtx]{
	{"id", "", func(w *jsonw, x *linkCtx) { w.int(x.k.ID) }},
	{"annotations_count", "", func(w *jsonw, x *linkCtx) { w.int(x.count) }},
	{"from_name", "", func(w *jsonw, x *linkCtx) { w.str(x.k.FromName) }},
	{"project", "", func(w *jsonw, x *linkCtx) { w.int(x.k.ProjectID) }},
	{"label", "", func(w *jsonw, x *linkCtx) { w.int(x.k.LabelID) }},
})

// labelLinkHook is the payload's label link: the webhook reloads the link
// without the annotation, so there is no annotations_count.
var labelLinkHook = labelLinkREST.without("annotations_count")

// linksOf returns label id's links, ascending.
func (st *store) linksOf(labelID int) []*labelLink {
	var out []*labelLink
	for _, id := range idsOf(st.links) {
		if k := st.links[id]; k.LabelID == labelID {
			out = append(out, k)
		}
	}
	return out
}

func (st *store) labelJSON(x *label, sh shape[*labelCtx], project int, fromName string) json.RawMessage {
	var w jsonw
	sh.writeTo(&w, &labelCtx{l: x, links: st.linksOf(x.ID), project: project, fromName: fromName}, st.profile)
	return w.b
}

// annotationsCount is the annotations_count Label Studio annotates a label
// link with: the annotations of the link's project whose result, as JSON
// text, holds the label's value as JSON text (case-insensitive).
func (st *store) annotationsCount(k *labelLink) int {
	x, p := st.labels[k.LabelID], st.projects[k.ProjectID]
	if x == nil || p == nil {
		return 0
	}
	needle, err := pyjson.Dumps(nil, x.Value)
	if err != nil {
		return 0
	}
	needle = bytes.ToLower(needle)
	n := 0
	for _, tid := range p.taskIDs {
		for _, aid := range st.tasks[tid].annIDs {
			hay, err := pyjson.Dumps(nil, orEmptyList(st.annotations[aid].Result))
			if err == nil && bytes.Contains(bytes.ToLower(hay), needle) {
				n++
			}
		}
	}
	return n
}

func (st *store) linkJSON(k *labelLink) json.RawMessage {
	var w jsonw
	labelLinkREST.writeTo(&w, &linkCtx{k, st.annotationsCount(k)}, st.profile)
	return w.b
}

func (st *store) label(id int) (*label, error) {
	if x := st.labels[id]; x != nil {
		return x, nil
	}
	return nil, errNotFound("No Label matches the given query.")
}

func (st *store) labelLink(id int) (*labelLink, error) {
	if k := st.links[id]; k != nil {
		return k, nil
	}
	return nil, errNotFound("No LabelLink matches the given query.")
}

// labelInput is one validated item of POST /api/labels.
type labelInput struct {
	project     int
	fromName    string
	title       string
	value       json.RawMessage
	description *string
	approved    bool
}

// readLabelInput validates one item of POST /api/labels as
// LabelCreateSerializer does; its errors are per field.
func (st *store) readLabelInput(raw json.RawMessage) (labelInput, validation) {
	in := labelInput{}
	if jsonKind(raw) != '{' {
		return in, validation{"non_field_errors": {fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", pyTypeName(raw))}}
	}
	f, err := objectForm(raw)
	if err != nil {
		return in, validation{"non_field_errors": {"Invalid data."}}
	}
	st.readPK(f, "project", &in.project)
	readRequiredStr(f, "from_name", &in.fromName, 0)
	if !f.has("value") {
		f.errs.add("value", "This field is required.")
	} else if f.isNull("value") {
		f.errs.add("value", "This field may not be null.")
	} else {
		in.value = compact(f.raw["value"])
	}
	readRequiredStr(f, "title", &in.title, maxLabelTitle)
	f.nullStr("description", &in.description)
	f.boolean("approved", &in.approved)
	return in, f.errs
}

// readPK reads a required primary key of a project.
func (st *store) readPK(f form, k string, dst *int) {
	if id, ok := f.pk(k, st.hasProject); ok {
		*dst = id
	}
}

// readRequiredStr reads a required CharField that may not be blank;
// maxLen 0 means no bound.
func readRequiredStr(f form, k string, dst *string, maxLen int) {
	if !f.has(k) {
		f.errs.add(k, "This field is required.")
		return
	}
	var v string
	if !f.str(k, &v) {
		return
	}
	switch {
	case v == "":
		f.errs.add(k, "This field may not be blank.")
	case maxLen > 0 && len([]rune(v)) > maxLen:
		f.errs.add(k, fmt.Sprintf("Ensure this field has no more than %d characters.", maxLen))
	default:
		*dst = v
	}
}

// itemErrors is a bulk create's validation_errors: non_field_errors holds
// one object per item ({} for a good one), as DRF's ListSerializer and
// Label Studio's exception handler write them.
func itemErrors(errs []validation) error {
	bad := false
	items := make([]any, len(errs))
	for i, e := range errs {
		items[i] = map[string][]string(e)
		if len(e) > 0 {
			bad = true
		}
	}
	if !bad {
		return nil
	}
	return &apiError{Status: http.StatusBadRequest, Detail: "Validation error", Validation: map[string]any{"non_field_errors": items}}
}

// handleLabelCreate serves POST /api/labels: a list of {project,
// from_name, title, value, …}, all for one project. A title the
// organization already has reuses that label as it is; each label is
// linked to the project once. The links are LABEL_LINK_CREATED's payload,
// which 1.23.2 fails to send: with any webhook that wants it, the request
// fails and nothing is created (Profile.LabelLinkCreatedFails).
func (s *Server) handleLabelCreate(w http.ResponseWriter, r *http.Request) error {
	raw, err := s.readJSON(w, r)
	if err != nil {
		return err
	}
	if jsonKind(raw) != '[' {
		return errValidation("non_field_errors", fmt.Sprintf("Expected a list of items but got type %q.", pyTypeName(raw)))
	}
	rows, err := listItems(raw)
	if err != nil {
		return err
	}
	return s.answer(w, http.StatusCreated, func() (any, []delivery, error) {
		st := s.st
		inputs := make([]labelInput, len(rows))
		errs := make([]validation, len(rows))
		for i, row := range rows {
			inputs[i], errs[i] = st.readLabelInput(row)
		}
		if err := itemErrors(errs); err != nil {
			return nil, nil, err
		}
		if len(inputs) == 0 {
			// Label Studio 1.23.2 fails on an empty list with a 500.
			return nil, nil, errBadRequest("list index out of range")
		}
		pid := inputs[0].project
		for _, in := range inputs[1:] {
			if in.project != pid {
				return nil, nil, errValidation("non_field_errors", "Creating labels for different projects in one request not allowed")
			}
		}
		if st.profile.LabelLinkCreatedFails && len(s.matching(schemas.LabelLinkCreated, pid)) > 0 {
			s.log.Warn("POST /api/labels refused as Label Studio 1.23.2 fails it: a webhook wants LABEL_LINK_CREATED, which 1.23.2 cannot send (docs/label-studio-behaviour.md#label-links)",
				"project_id", pid)
			return nil, nil, errBadRequest("list.count() takes exactly one argument (0 given)")
		}
		now := s.cfg.Now()
		byTitle := map[string]*label{}
		for _, x := range st.labels {
			byTitle[x.Title] = x
		}
		out := make([]json.RawMessage, 0, len(inputs))
		var labelIDs []int
		for _, in := range inputs {
			x := byTitle[in.title]
			if x == nil {
				st.next.Label++
				x = &label{ID: st.next.Label, Title: in.title, Value: in.value, Description: in.description,
					Approved: in.approved, CreatedAt: now, UpdatedAt: now}
				st.labels[x.ID] = x
				byTitle[x.Title] = x
				st.changed(kindLabel, x.ID)
			}
			if !slices.ContainsFunc(st.linksOf(x.ID), func(k *labelLink) bool { return k.ProjectID == pid }) {
				st.next.LabelLink++
				k := &labelLink{ID: st.next.LabelLink, ProjectID: pid, LabelID: x.ID, FromName: in.fromName}
				st.links[k.ID] = k
				st.changed(kindLabelLink, k.ID)
			}
			labelIDs = append(labelIDs, x.ID)
		}
		for i, in := range inputs {
			out = append(out, st.labelJSON(st.labels[labelIDs[i]], labelCreated, pid, in.fromName))
		}
		var linkIDs []int
		for _, id := range idsOf(st.links) {
			if k := st.links[id]; k.ProjectID == pid && slices.Contains(labelIDs, k.LabelID) {
				linkIDs = append(linkIDs, id)
			}
		}
		return out, s.plan(labelLinksCreated(st, pid, linkIDs)), nil
	})
}

func labelLinksCreated(st *store, projectID int, ids []int) event {
	return event{action: schemas.LabelLinkCreated, projectID: projectID, n: len(ids),
		item: func(w *jsonw, i int) bool {
			k := st.links[ids[i]]
			if k != nil {
				labelLinkHook.writeTo(w, &linkCtx{k: k}, st.profile)
			}
			return k != nil
		}}
}

// handleLabelList serves GET /api/labels: the organization's labels, 100
// a page.
func (s *Server) handleLabelList(w http.ResponseWriter, r *http.Request) error {
	return s.answer(w, http.StatusOK, func() (any, []delivery, error) {
		st := s.st
		ids := idsOf(st.labels)
		return s.labelPage(r, len(ids), func(i int) json.RawMessage {
			return st.labelJSON(st.labels[ids[i]], labelREST, 0, "")
		})
	})
}

// labelPage is one page of a labels_manager list.
func (s *Server) labelPage(r *http.Request, total int, item func(i int) json.RawMessage) (any, []delivery, error) {
	r2 := r.Clone(r.Context())
	q := r2.URL.Query()
	q.Del("page_size") // PageNumberPagination without page_size_query_param
	r2.URL.RawQuery = q.Encode()
	pg, err := paginate(r2, total, labelPageSize)
	if err != nil {
		return nil, nil, err
	}
	out := pageBody{Count: total, Next: pg.next, Previous: pg.previous, Results: []json.RawMessage{}}
	for i := pg.lo; i < pg.hi; i++ {
		out.Results = append(out.Results, item(i))
	}
	return out, nil, nil
}

// handleLabelGet serves GET /api/labels/{id}.
func (s *Server) handleLabelGet(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusOK, (*store).label, func(st *store, x *label) (any, []delivery, error) {
		return st.labelJSON(x, labelREST, 0, ""), nil, nil
	})
}

// handleLabelUpdate serves PATCH and PUT /api/labels/{id}. No webhook.
func (s *Server) handleLabelUpdate(w http.ResponseWriter, r *http.Request) error {
	return updateFor(s, w, r, (*store).label, func(st *store, f form, x *label) (any, []delivery, error) {
		next := *x
		if r.Method == http.MethodPut || f.has("title") {
			readRequiredStr(f, "title", &next.Title, maxLabelTitle)
		}
		if r.Method == http.MethodPut && !f.has("value") {
			f.errs.add("value", "This field is required.")
		} else if f.has("value") {
			if f.isNull("value") {
				f.errs.add("value", "This field may not be null.")
			} else {
				next.Value = compact(f.raw["value"])
			}
		}
		f.nullStr("description", &next.Description)
		f.boolean("approved", &next.Approved)
		if err := f.errs.err(); err != nil {
			return nil, nil, err
		}
		for _, other := range st.labels {
			if other.ID != x.ID && other.Title == next.Title {
				return nil, nil, errValidation("non_field_errors", "The fields title, organization must make a unique set.")
			}
		}
		next.UpdatedAt = s.cfg.Now()
		*x = next
		st.changed(kindLabel, x.ID)
		return st.labelJSON(x, labelREST, 0, ""), nil, nil
	})
}

// handleLabelDelete serves DELETE /api/labels/{id}: its links go with it,
// without LABEL_LINK_DELETED.
func (s *Server) handleLabelDelete(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusNoContent, (*store).label, func(st *store, x *label) (any, []delivery, error) {
		for _, k := range st.linksOf(x.ID) {
			delete(st.links, k.ID)
			st.changed(kindLabelLink, k.ID)
		}
		delete(st.labels, x.ID)
		st.changed(kindLabel, x.ID)
		return nil, nil, nil
	})
}

// handleLabelLinkList serves GET /api/label_links (?project= filters), 100
// a page.
func (s *Server) handleLabelLinkList(w http.ResponseWriter, r *http.Request) error {
	var only *int
	if v := param(r.URL.Query(), "project"); v != "" {
		n, ok := toInt(json.RawMessage(v))
		if !ok {
			return errValidation("project", "Enter a number.")
		}
		only = &n
	}
	return s.answer(w, http.StatusOK, func() (any, []delivery, error) {
		st := s.st
		var ids []int
		for _, id := range idsOf(st.links) {
			if only == nil || st.links[id].ProjectID == *only {
				ids = append(ids, id)
			}
		}
		return s.labelPage(r, len(ids), func(i int) json.RawMessage { return st.linkJSON(st.links[ids[i]]) })
	})
}

// handleLabelLinkGet serves GET /api/label_links/{id}.
func (s *Server) handleLabelLinkGet(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusOK, (*store).labelLink, func(st *store, k *labelLink) (any, []delivery, error) {
		return st.linkJSON(k), nil, nil
	})
}

// readLinkFields reads a label link's writable fields; all are required
// unless partial.
func (st *store) readLinkFields(f form, k *labelLink, partial bool) {
	if !partial || f.has("project") {
		st.readPK(f, "project", &k.ProjectID)
	}
	if !partial || f.has("label") {
		if id, ok := f.pk("label", func(id int) bool { return st.labels[id] != nil }); ok {
			k.LabelID = id
		}
	}
	if !partial || f.has("from_name") {
		readRequiredStr(f, "from_name", &k.FromName, 2048)
	}
}

// uniqueLink refuses a second link of one project and label.
func (st *store) uniqueLink(k *labelLink) error {
	for _, other := range st.links {
		if other.ID != k.ID && other.ProjectID == k.ProjectID && other.LabelID == k.LabelID {
			return errValidation("non_field_errors", "The fields project, label must make a unique set.")
		}
	}
	return nil
}

// handleLabelLinkCreate serves POST /api/label_links. No webhook: only
// update and delete are hooked in Label Studio.
func (s *Server) handleLabelLinkCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.readObject(w, r)
	if err != nil {
		return err
	}
	return s.answer(w, http.StatusCreated, func() (any, []delivery, error) {
		st := s.st
		var k labelLink
		st.readLinkFields(f, &k, false)
		if err := f.errs.err(); err != nil {
			return nil, nil, err
		}
		if err := st.uniqueLink(&k); err != nil {
			return nil, nil, err
		}
		st.next.LabelLink++
		k.ID = st.next.LabelLink
		st.links[k.ID] = &k
		st.changed(kindLabelLink, k.ID)
		return st.linkJSON(&k), nil, nil
	})
}

// handleLabelLinkUpdate serves PATCH and PUT /api/label_links/{id}: one
// LABEL_LINK_UPDATED with the link, its project and its label, also when
// nothing changed.
func (s *Server) handleLabelLinkUpdate(w http.ResponseWriter, r *http.Request) error {
	return updateFor(s, w, r, (*store).labelLink, func(st *store, f form, k *labelLink) (any, []delivery, error) {
		next := *k
		st.readLinkFields(f, &next, r.Method == http.MethodPatch)
		if err := f.errs.err(); err != nil {
			return nil, nil, err
		}
		if err := st.uniqueLink(&next); err != nil {
			return nil, nil, err
		}
		*k = next
		st.changed(kindLabelLink, k.ID)
		ev := event{action: schemas.LabelLinkUpdated, projectID: k.ProjectID, n: 1,
			item: func(w *jsonw, _ int) bool { labelLinkHook.writeTo(w, &linkCtx{k: k}, st.profile); return true },
			nested: func(w *jsonw, _ int) bool {
				x := st.labels[k.LabelID]
				if x != nil {
					labelREST.writeTo(w, &labelCtx{l: x, links: st.linksOf(x.ID)}, st.profile)
				}
				return x != nil
			}}
		return st.linkJSON(k), s.plan(ev), nil
	})
}

// handleLabelLinkDelete serves DELETE /api/label_links/{id}: one
// LABEL_LINK_DELETED with {"id": N} and the project.
func (s *Server) handleLabelLinkDelete(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusNoContent, (*store).labelLink, func(st *store, k *labelLink) (any, []delivery, error) {
		delete(st.links, k.ID)
		st.changed(kindLabelLink, k.ID)
		return nil, s.plan(idsEvent(schemas.LabelLinkDeleted, k.ProjectID, []int{k.ID})), nil
	})
}
