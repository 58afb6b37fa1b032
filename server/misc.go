package server

import (
	"net/http"
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

// handleVersion serves GET /api/version.
func (s *Server) handleVersion(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, versionInfo{
		Release: Version,
		OSPackage: map[string]any{"version": Version, "short_version": "1.23", "latest_version_from_pypi": Version,
			"latest_version_upload_time": "2026-01-01T00:00:00", "current_version_is_outdated": false},
		OSBackend: map[string]any{"message": "labelhook mock", "commit": "labelhook", "date": "2026-01-01",
			"branch": "labelhook", "version": Version + "+labelhook"},
		Frontend: map[string]any{}, DM2: map[string]any{}, Converter: map[string]any{"version": "0.0.59"},
		Edition: "Community", LSF: map[string]any{}, Backend: map[string]any{}, Labelhook: true,
	})
	return nil
}

// whoami is GET /api/current-user/whoami's body.
type whoami struct {
	ID                 int     `json:"id"`
	Email              string  `json:"email"`
	Username           string  `json:"username"`
	FirstName          string  `json:"first_name"`
	LastName           string  `json:"last_name"`
	Avatar             *string `json:"avatar"`
	Initials           string  `json:"initials"`
	Phone              string  `json:"phone"`
	ActiveOrganization int     `json:"active_organization"`
	AllowNewsletters   *bool   `json:"allow_newsletters"`
	DateJoined         stamp   `json:"date_joined"`
	LastActivity       stamp   `json:"last_activity"`
}

// handleWhoami serves GET /api/current-user/whoami.
func (s *Server) handleWhoami(w http.ResponseWriter, r *http.Request) error {
	now := stamp(s.cfg.Now())
	writeJSON(w, http.StatusOK, whoami{ID: userID, Email: userEmail, Username: "labelhook", Initials: "la",
		ActiveOrganization: orgID, DateJoined: now, LastActivity: now})
	return nil
}

// handleModelVersions serves GET /api/projects/{id}/model-versions: the
// number of predictions per model_version.
func (s *Server) handleModelVersions(w http.ResponseWriter, r *http.Request) error {
	return s.answer(w, http.StatusOK, func() (any, []delivery, error) {
		st := s.st
		p, err := st.project(pathID(r, "id"))
		if err != nil {
			return nil, nil, err
		}
		counts := map[string]int{}
		for _, tid := range p.taskIDs {
			for _, pid := range st.tasks[tid].predIDs {
				counts[st.predictions[pid].ModelVersion]++
			}
		}
		return counts, nil, nil
	})
}
