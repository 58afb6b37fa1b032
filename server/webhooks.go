package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/labelhook/labelhook/schemas"
)

// Limits of Label Studio's webhook model.
const (
	maxURLLength = 2048
	maxHeaders   = 10
)

// headerNameRE is the key pattern of the headers JSON schema.
var headerNameRE = regexp.MustCompile(`^[a-zA-Z0-9-_]+$`)

// MaxWebhookHeaders is how many headers Label Studio lets a webhook have.
const MaxWebhookHeaders = maxHeaders

// ValidHeaderName reports whether Label Studio's headers schema accepts
// name as a webhook header's name (letters, digits, '-' and '_').
func ValidHeaderName(name string) bool { return headerNameRE.MatchString(name) }

// headerList is a webhook's headers as the API shows them: an object, in
// the order they were given.
type headerList []header

func (h headerList) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range h {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := marshal(e.name)
		v, _ := marshal(e.value)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// equal compares as Python compares dicts: the same names and values, in
// any order.
func (h headerList) equal(o headerList) bool {
	if len(h) != len(o) {
		return false
	}
	for _, e := range h {
		if !slices.Contains(o, e) {
			return false
		}
	}
	return true
}

// webhookObject is the webhook as the API shows it.
type webhookObject struct {
	ID                  int        `json:"id"`
	Organization        int        `json:"organization"`
	Project             *int       `json:"project"`
	URL                 string     `json:"url"`
	SendPayload         bool       `json:"send_payload"`
	SendForAllActions   bool       `json:"send_for_all_actions"`
	Headers             headerList `json:"headers"`
	IsActive            bool       `json:"is_active"`
	ConsecutiveFailures *int       `json:"consecutive_failures,omitempty"` // only with auto-disable on
	Actions             []string   `json:"actions"`
	CreatedAt           stamp      `json:"created_at"`
	UpdatedAt           stamp      `json:"updated_at"`
}

// webhookObjectOf shows w; counting says failures are counted (the
// consecutive_failures key exists only then: no verified release has it).
func webhookObjectOf(w *webhook, counting bool) webhookObject {
	o := webhookObject{
		ID: w.ID, Organization: orgID, Project: w.ProjectID, URL: w.URL, SendPayload: w.SendPayload,
		SendForAllActions: w.SendForAllActions, Headers: w.Headers, IsActive: w.IsActive,
		Actions: sortedActions(w.Actions), CreatedAt: stamp(w.CreatedAt), UpdatedAt: stamp(w.UpdatedAt),
	}
	if counting {
		o.ConsecutiveFailures = ptr(w.ConsecutiveFailures)
	}
	return o
}

// counting reports whether failed deliveries are counted.
func (s *Server) counting() bool { return s.cfg.MaxConsecutiveFailures > 0 }

// readWebhookFields reads the writable webhook fields present in f into
// w. Read-only fields (id, organization, consecutive_failures, created_at,
// updated_at) are ignored; project is the caller's concern.
func readWebhookFields(f form, w *webhook) {
	if f.has("url") {
		var u string
		if f.str("url", &u) {
			if msg := checkURL(u); msg != "" {
				f.errs.add("url", msg)
			} else {
				w.URL = u
			}
		}
	}
	f.boolean("send_payload", &w.SendPayload)
	f.boolean("send_for_all_actions", &w.SendForAllActions)
	f.boolean("is_active", &w.IsActive)
	if f.has("headers") {
		switch h, ok := readHeaders(f.raw["headers"]); {
		case f.isNull("headers"):
			f.errs.add("headers", "This field may not be null.")
		case ok:
			w.Headers = h
		default:
			f.errs.add("headers", schemaCheckFailed(f.raw["headers"]))
		}
	}
}

// schemaCheckFailed is the message of Label Studio's JSONSchemaValidator,
// "%(value)s failed JSON schema check": Python's str() of the value, so a
// string prints bare and anything else as its repr, keys in the order given.
func schemaCheckFailed(raw json.RawMessage) string {
	v := orderedRepr(raw)
	if jsonKind(raw) == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			v = s
		}
	}
	return v + " failed JSON schema check"
}

// checkURL applies Django's URLValidator (http, https, ftp, ftps) and the
// 2048-character limit. It returns the error message, or "".
func checkURL(raw string) string {
	if len(raw) > maxURLLength {
		return fmt.Sprintf("Ensure this field has no more than %d characters.", maxURLLength)
	}
	if raw == "" {
		return "This field may not be blank."
	}
	if strings.ContainsAny(raw, " \t\r\n") {
		return "Enter a valid URL."
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil && u.User.Username() == "" {
		return "Enter a valid URL."
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "ftp", "ftps":
	default:
		return "Enter a valid URL."
	}
	host := u.Hostname()
	if host == "" {
		return "Enter a valid URL."
	}
	if p := u.Port(); p != "" {
		if len(p) > 5 {
			return "Enter a valid URL."
		}
	}
	if net.ParseIP(host) != nil {
		return ""
	}
	for _, label := range strings.Split(strings.TrimSuffix(host, "."), ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return "Enter a valid URL."
		}
		for _, r := range label {
			if !(r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 127) {
				return "Enter a valid URL."
			}
		}
	}
	return ""
}

// ssrfProblem applies SSRF protection, when it is on, to the valid URL in
// the body. It resolves host names, so call it before taking the store lock.
func (s *Server) ssrfProblem(f form) string {
	var u string
	if !s.cfg.SSRFProtection || jsonKind(f.raw["url"]) != '"' || json.Unmarshal(f.raw["url"], &u) != nil || checkURL(u) != "" {
		return ""
	}
	if err := checkSSRF(u); err != nil {
		return err.Error()
	}
	return ""
}

// readHeaders checks the headers JSON schema: an object of at most 10
// string values whose keys match ^[a-zA-Z0-9-_]+$.
func readHeaders(raw json.RawMessage) (headerList, bool) {
	if jsonKind(raw) != '{' {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, false
	}
	h := headerList{}
	seen := map[string]int{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		k := kt.(string)
		if !headerNameRE.MatchString(k) || jsonKind(v) != '"' {
			return nil, false
		}
		var s string
		_ = json.Unmarshal(v, &s)
		if i, dup := seen[k]; dup { // a JSON object keeps the last value
			h[i].value = s
			continue
		}
		seen[k] = len(h)
		h = append(h, header{k, s})
	}
	if len(h) > maxHeaders {
		return nil, false
	}
	return h, true
}

// readActions checks the actions list: each one of the 12 names.
// Duplicates collapse, as the WebhookAction table's unique_together does
// (the view sorts them: sortedActions).
func readActions(f form) ([]string, bool) {
	raw, ok := f.raw["actions"]
	if !ok {
		return nil, false
	}
	switch jsonKind(raw) {
	case '[':
	case 'n':
		f.errs.add("actions", "This field may not be null.")
		return nil, false
	default:
		f.errs.add("actions", fmt.Sprintf("Expected a list of items but got type %q.", pyTypeName(raw)))
		return nil, false
	}
	var items []json.RawMessage
	_ = json.Unmarshal(raw, &items)
	out := []string{}
	bad := false
	for i, it := range items {
		var name string
		if jsonKind(it) != '"' {
			f.errs.addItem("actions", i, fmt.Sprintf("%q is not a valid choice.", pyRepr(it)))
			bad = true
			continue
		}
		_ = json.Unmarshal(it, &name)
		if _, ok := schemas.Lookup(name); !ok {
			// DRF's ListField keys a child's errors by its index.
			f.errs.addItem("actions", i, fmt.Sprintf("%q is not a valid choice.", name))
			bad = true
			continue
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	if bad {
		return nil, false
	}
	return out, true
}

// sortedActions is a webhook's actions as its view shows them: sorted, as
// Label Studio reads them from its WebhookAction table's (webhook,
// action) index; never null.
func sortedActions(actions []string) []string {
	out := append([]string{}, actions...)
	slices.Sort(out)
	return out
}

func hasOrgOnly(actions []string) bool {
	for _, a := range actions {
		if info, _ := schemas.Lookup(a); info.OrgOnly {
			return true
		}
	}
	return false
}

// webhook returns a webhook or the 404. Call under st.mu.
func (st *store) webhook(id int) (*webhook, error) {
	w := st.webhooks[id]
	if w == nil {
		return nil, notFoundError{"Webhook"}
	}
	return w, nil
}

// handleWebhookCreate serves POST /api/webhooks. A missing or null project
// is 404 "Project not found." after the fields are validated, as
// open-source Label Studio (1.20.0 and 1.23.2 alike) answers; with
// Config.OrganizationWebhooks it makes an organization-level webhook
// (Label Studio Enterprise), which also gets the organization-only events.
func (s *Server) handleWebhookCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.readObject(w, r)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	wh := &webhook{SendPayload: true, SendForAllActions: true, IsActive: true, Headers: headerList{},
		Actions: []string{}, CreatedAt: now, UpdatedAt: now}
	if !f.has("url") {
		f.errs.add("url", "This field is required.")
	}
	readWebhookFields(f, wh)
	if msg := s.ssrfProblem(f); msg != "" {
		f.errs.add("url", msg)
	}
	if acts, ok := readActions(f); ok {
		wh.Actions = acts
	}
	return s.answer(w, http.StatusCreated, func() (any, []delivery, error) {
		st := s.st
		if f.has("project") && !f.isNull("project") { // null or none: an organization webhook
			if id, ok := f.pk("project", st.hasProject); ok {
				wh.ProjectID = &id
			}
		}
		if err := f.errs.err(); err != nil {
			return nil, nil, err
		}
		if wh.ProjectID == nil && !s.cfg.OrganizationWebhooks {
			return nil, nil, errNotFound("Project not found.")
		}
		if wh.ProjectID != nil && hasOrgOnly(wh.Actions) {
			return nil, nil, errValidation("non_field_errors", "Project webhook can't contain organization-only action.")
		}
		st.next.Webhook++
		wh.ID = st.next.Webhook
		st.webhooks[wh.ID] = wh
		st.changed(kindWebhook, wh.ID)
		s.log.Debug("webhook created", "webhook_id", wh.ID, "url", wh.URL)
		return webhookObjectOf(wh, s.counting()), nil, nil
	})
}

// handleWebhookList serves GET /api/webhooks[?project=<id>|isnull]: a
// plain array, never paginated. The filter is django-filter's
// ModelChoiceFilter: its null value is "null" (labelhook also takes
// "isnull", its null_label) and a value that is not an integer is a 400.
// An integer that names no project gives [] (Label Studio answers 400).
func (s *Server) handleWebhookList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var byProject *int
	orgOnly := false
	return s.answer(w, http.StatusOK, func() (any, []delivery, error) {
		st := s.st
		if v := param(q, "project"); v != "" {
			if v == "null" || v == "isnull" {
				orgOnly = true
			} else {
				id, ok := pyInt(v)
				if !ok {
					return nil, nil, errNoChoice("project")
				}
				byProject = &id
			}
		}
		out := []webhookObject{}
		for id := 1; id <= st.next.Webhook; id++ {
			wh := st.webhooks[id]
			if wh == nil {
				continue
			}
			if orgOnly && wh.ProjectID != nil {
				continue
			}
			if byProject != nil && (wh.ProjectID == nil || *wh.ProjectID != *byProject) {
				continue
			}
			out = append(out, webhookObjectOf(wh, s.counting()))
		}
		return out, nil, nil
	})
}

// handleWebhookGet serves GET /api/webhooks/{id}.
func (s *Server) handleWebhookGet(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusOK, (*store).webhook, func(st *store, wh *webhook) (any, []delivery, error) {
		return webhookObjectOf(wh, s.counting()), nil, nil
	})
}

// handleWebhookUpdate serves PUT and PATCH /api/webhooks/{id}, with Label
// Studio's quirks: project is read-only (ignored), a body without
// "actions" clears the stored actions, the organization-only check does
// not run, and re-activation or a new url/headers resets the failure count.
func (s *Server) handleWebhookUpdate(w http.ResponseWriter, r *http.Request) error {
	st := s.st
	// DRF looks the webhook up before it reads the body: an unknown id is
	// a 404 whatever the body holds.
	st.mu.Lock()
	_, err := st.webhook(pathID(r, "id"))
	st.mu.Unlock()
	if err != nil {
		return err
	}
	f, err := s.readObject(w, r)
	if err != nil {
		return err
	}
	ssrf := s.ssrfProblem(f)
	return answerFor(s, w, r, http.StatusOK, (*store).webhook, func(st *store, wh *webhook) (any, []delivery, error) {
		next := *wh
		if r.Method == http.MethodPut && !f.has("url") {
			f.errs.add("url", "This field is required.")
		}
		readWebhookFields(f, &next)
		if next.URL != wh.URL && ssrf != "" {
			f.errs.add("url", ssrf)
		}
		next.Actions = []string{}
		if acts, ok := readActions(f); ok {
			next.Actions = acts
		}
		if err := f.errs.err(); err != nil {
			return nil, nil, err
		}
		if (!wh.IsActive && next.IsActive) || next.URL != wh.URL || !headerList(next.Headers).equal(wh.Headers) {
			next.ConsecutiveFailures = 0
		}
		next.UpdatedAt = s.cfg.Now()
		*wh = next
		st.changed(kindWebhook, wh.ID)
		return webhookObjectOf(wh, s.counting()), nil, nil
	})
}

// handleWebhookDelete serves DELETE /api/webhooks/{id}.
func (s *Server) handleWebhookDelete(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusNoContent, (*store).webhook, func(st *store, wh *webhook) (any, []delivery, error) {
		delete(st.webhooks, wh.ID)
		st.changed(kindWebhook, wh.ID)
		return nil, nil, nil
	})
}

// actionInfo is one entry of GET /api/webhooks/info.
type actionInfo struct {
	Name             string `json:"name"`
	Description      string `json:"description"`
	Key              string `json:"key"`
	OrganizationOnly bool   `json:"organization-only"`
}

// handleWebhookInfo serves GET /api/webhooks/info (no authentication): the
// action catalogue in table order; ?organization-only=true gives the
// organization-only actions, any other value the rest. "key" is the
// payload key (WebhookAction.ACTIONS[…]['key']), not the action name.
func (s *Server) handleWebhookInfo(w http.ResponseWriter, r *http.Request) error {
	v, filtered := lookup(r.URL.Query(), "organization-only")
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	for _, a := range schemas.Catalog {
		if filtered && a.OrgOnly != (v == "true") {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		k, _ := marshal(string(a.Action))
		val, _ := marshal(actionInfo{Name: a.Name, Description: "", Key: a.Key, OrganizationOnly: a.OrgOnly})
		b.Write(k)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	writeJSON(w, http.StatusOK, json.RawMessage(b.Bytes()))
	return nil
}
