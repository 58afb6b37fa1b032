package server

import (
	"net/http"
	"strings"

	"github.com/labelhook/labelhook/internal/pyjson"
)

// handleHealth serves GET /health without authentication; any
// Authorization header is ignored.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	writePyJSON(w, http.StatusOK, map[string]string{"status": "UP"})
	return nil
}

// writePyJSON answers v as Django's JsonResponse does (the views that are
// not Django REST framework's: /health, /api/version): json.dumps with its
// defaults, so ", " and ": " between items and non-ASCII escaped.
func writePyJSON(w http.ResponseWriter, status int, v any) {
	body, err := marshal(v)
	if err == nil {
		body, err = pyjson.Dumps(nil, body)
	}
	if err != nil {
		writeJSON(w, status, v) // not reached: marshal's output is JSON
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// versionInfo is GET /api/version's body: Community edition, and never a
// "label-studio-enterprise-backend" key (the legacy SDK would switch to
// Enterprise code paths).
type versionInfo struct {
	Release   string            `json:"release"`
	OSPackage osPackageVersion  `json:"label-studio-os-package"`
	OSBackend osBackendVersion  `json:"label-studio-os-backend"`
	Frontend  frontendBuild     `json:"label-studio-frontend"`
	DM2       frontendBuild     `json:"dm2"`
	Converter map[string]string `json:"label-studio-converter"`
	Edition   string            `json:"edition"`
	LSF       frontendBuild     `json:"lsf"`
	Backend   map[string]string `json:"backend"`
	Labelhook bool              `json:"labelhook"`
}

// The parts of GET /api/version, their keys in 1.23.2's order.
type (
	osPackageVersion struct {
		Version                 string  `json:"version"`
		ShortVersion            string  `json:"short_version"`
		LatestVersionFromPyPI   *string `json:"latest_version_from_pypi"`
		LatestVersionUploadTime *string `json:"latest_version_upload_time"`
		CurrentVersionOutdated  bool    `json:"current_version_is_outdated"`
	}
	osBackendVersion struct {
		frontendBuild        // its keys first, as in 1.23.2
		Version       string `json:"version"`
	}
	frontendBuild struct {
		Message string `json:"message"`
		Commit  string `json:"commit"`
		Date    string `json:"date"`
		Branch  string `json:"branch"`
	}
)

// handleVersion serves GET /api/version: the release's answer, with the
// release's front-end build and the back end's as the release ships it
// (Label Studio rewrites it from a git checkout around the package, which
// an installed release has not); "labelhook": true tells a client it is
// the mock.
func (s *Server) handleVersion(w http.ResponseWriter, r *http.Request) error {
	p := s.st.profile
	short := p.Version[:strings.LastIndexByte(p.Version, '.')]
	build := frontendBuild{Message: p.Build[0], Commit: p.Build[1], Date: p.Build[2], Branch: "develop"}
	backend := osBackendVersion{frontendBuild{Message: p.Build[0], Commit: p.Build[1], Date: p.Build[2]}, p.Version}
	if p.Backend[0] != "" {
		backend.Commit, backend.Date, backend.Version = p.Backend[0], p.Backend[1], p.Backend[2]
	}
	writePyJSON(w, http.StatusOK, versionInfo{
		Release:   p.Version,
		OSPackage: osPackageVersion{Version: p.Version, ShortVersion: short},
		OSBackend: backend,
		Frontend:  build, DM2: build, Converter: map[string]string{"version": p.Converter},
		Edition: "Community", LSF: build, Backend: map[string]string{"commit": p.Build[1]}, Labelhook: true,
	})
	return nil
}

// whoami is GET /api/current-user/whoami's body.
type whoami struct {
	ID                     int            `json:"id"`
	FirstName              string         `json:"first_name"`
	LastName               string         `json:"last_name"`
	Username               string         `json:"username"`
	Email                  string         `json:"email"`
	LastActivity           stamp          `json:"last_activity"`
	CustomHotkeys          map[string]any `json:"custom_hotkeys"`
	Avatar                 *string        `json:"avatar"`
	Initials               string         `json:"initials"`
	Phone                  string         `json:"phone"`
	ActiveOrganization     int            `json:"active_organization"`
	ActiveOrganizationMeta orgMeta        `json:"active_organization_meta"`
	AllowNewsletters       *bool          `json:"allow_newsletters"`
	DateJoined             stamp          `json:"date_joined"`
	Permissions            []string       `json:"permissions"`
}

// orgMeta is whoami's active_organization_meta, in 1.23.2's order.
type orgMeta struct {
	Title string `json:"title"`
	Email string `json:"email"`
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
		ActiveOrganizationMeta: orgMeta{Title: "Label Studio", Email: userEmail},
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
