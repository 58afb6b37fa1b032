package server

import (
	"net/http"
	"strings"
)

// handleHealth serves GET /health without authentication; any
// Authorization header is ignored.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "UP"})
	return nil
}

// versionInfo is GET /api/version's body: Community edition, and never a
// "label-studio-enterprise-backend" key (the legacy SDK would switch to
// Enterprise code paths).
type versionInfo struct {
	Release   string         `json:"release"`
	OSPackage map[string]any `json:"label-studio-os-package"`
	OSBackend map[string]any `json:"label-studio-os-backend"`
	Frontend  map[string]any `json:"label-studio-frontend"`
	DM2       map[string]any `json:"dm2"`
	Converter map[string]any `json:"label-studio-converter"`
	Edition   string         `json:"edition"`
	LSF       map[string]any `json:"lsf"`
	Backend   map[string]any `json:"backend"`
	Labelhook bool           `json:"labelhook"`
}

// handleVersion serves GET /api/version: the release's answer, with the
// release's front-end build; the backend's git info (which Label Studio
// reads from its working directory) is the release's own; "labelhook":
// true tells a client it is the mock.
func (s *Server) handleVersion(w http.ResponseWriter, r *http.Request) error {
	p := s.st.profile
	short := p.Version[:strings.LastIndexByte(p.Version, '.')]
	build := map[string]any{"message": p.Build[0], "commit": p.Build[1], "date": p.Build[2], "branch": "develop"}
	writeJSON(w, http.StatusOK, versionInfo{
		Release: p.Version,
		OSPackage: map[string]any{"version": p.Version, "short_version": short, "latest_version_from_pypi": nil,
			"latest_version_upload_time": nil, "current_version_is_outdated": false},
		OSBackend: map[string]any{"message": p.Build[0], "commit": p.Build[1], "date": p.Build[2],
			"branch": "", "version": p.Version},
		Frontend: build, DM2: build, Converter: map[string]any{"version": p.Converter},
		Edition: "Community", LSF: build, Backend: map[string]any{"commit": p.Build[1]}, Labelhook: true,
	})
	return nil
}

// whoami is GET /api/current-user/whoami's body.
type whoami struct {
	ID                     int               `json:"id"`
	FirstName              string            `json:"first_name"`
	LastName               string            `json:"last_name"`
	Username               string            `json:"username"`
	Email                  string            `json:"email"`
	LastActivity           stamp             `json:"last_activity"`
	CustomHotkeys          map[string]any    `json:"custom_hotkeys"`
	Avatar                 *string           `json:"avatar"`
	Initials               string            `json:"initials"`
	Phone                  string            `json:"phone"`
	ActiveOrganization     int               `json:"active_organization"`
	ActiveOrganizationMeta map[string]string `json:"active_organization_meta"`
	AllowNewsletters       *bool             `json:"allow_newsletters"`
	DateJoined             stamp             `json:"date_joined"`
	Permissions            []string          `json:"permissions"`
}

// userPermissions is what 1.23.2 grants its one owner, in its order.
var userPermissions = []string{"organizations.create", "organizations.view", "organizations.change",
	"organizations.delete", "organizations.invite", "projects.create", "projects.view", "projects.change",
	"projects.delete", "projects.reset_cache", "tasks.create", "tasks.view", "tasks.change", "tasks.delete",
	"views.reset", "annotations.create", "annotations.view", "annotations.change", "annotations.delete",
	"actions.perform", "predictions.any", "avatar.any", "labels.create", "labels.view", "labels.change",
	"labels.delete", "models.create", "models.view", "models.change", "models.delete",
	"model_provider_connection.create", "model_provider_connection.view", "model_provider_connection.change",
	"model_provider_connection.delete", "webhooks.view", "webhooks.change", "users.token.any", "storages.view",
	"storages.change", "storages.sync", "views.view", "views.create", "views.change", "views.delete"}

// handleWhoami serves GET /api/current-user/whoami, shaped as 1.23.2's.
func (s *Server) handleWhoami(w http.ResponseWriter, r *http.Request) error {
	now := stamp(s.cfg.Now())
	writeJSON(w, http.StatusOK, whoami{ID: userID, Email: userEmail, Username: "labelhook", Initials: "la",
		CustomHotkeys: map[string]any{}, ActiveOrganization: orgID,
		ActiveOrganizationMeta: map[string]string{"title": "Label Studio", "email": userEmail},
		DateJoined:             now, LastActivity: now, Permissions: userPermissions})
	return nil
}

// handleModelVersions serves GET /api/projects/{id}/model-versions: the
// number of predictions per model_version.
func (s *Server) handleModelVersions(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusOK, (*store).project, func(st *store, p *project) (any, []delivery, error) {
		counts := map[string]int{}
		for _, tid := range p.taskIDs {
			for _, pid := range st.tasks[tid].predIDs {
				counts[st.predictions[pid].ModelVersion]++
			}
		}
		return counts, nil, nil
	})
}
