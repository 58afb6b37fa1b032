package server

import (
	"fmt"
	"net/http"

	"github.com/gorilla/mux"
)

// routes is the whole API on one screen. Paths are registered without a
// trailing slash; ServeHTTP strips it from requests.
func (s *Server) routes() *mux.Router {
	r := mux.NewRouter()
	r.SkipClean(true) // cleaning would redirect; Label Studio never does
	r.NotFoundHandler = s.handle(func(w http.ResponseWriter, r *http.Request) error {
		return errNotFound("Not found.")
	})
	r.MethodNotAllowedHandler = s.handle(func(w http.ResponseWriter, r *http.Request) error {
		return &apiError{Status: http.StatusMethodNotAllowed, Detail: fmt.Sprintf("Method %q not allowed.", r.Method)}
	})

	r.Handle("/health", s.handle(s.handleHealth)).Methods(http.MethodGet, http.MethodHead)

	// Open routes: no credentials needed.
	open := r.PathPrefix("/api").Subrouter()
	open.Handle("/webhooks/info", s.handle(s.handleWebhookInfo)).Methods(http.MethodGet)
	open.Handle("/token/refresh", s.handle(s.handleTokenRefresh)).Methods(http.MethodPost)

	api := r.PathPrefix("/api").Subrouter()
	api.Use(s.requireAuth)
	id := "{id:[0-9]+}"

	api.Handle("/version", s.handle(s.handleVersion)).Methods(http.MethodGet)
	api.Handle("/current-user/whoami", s.handle(s.handleWhoami)).Methods(http.MethodGet)
	api.Handle("/current-user/token", s.handle(s.handleCurrentToken)).Methods(http.MethodGet)

	api.Handle("/projects", s.handle(s.handleProjectList)).Methods(http.MethodGet)
	api.Handle("/projects", s.handle(s.handleProjectCreate)).Methods(http.MethodPost)
	api.Handle("/projects/"+id, s.handle(s.handleProjectGet)).Methods(http.MethodGet)
	api.Handle("/projects/"+id, s.handle(s.handleProjectUpdate)).Methods(http.MethodPatch, http.MethodPut)
	api.Handle("/projects/"+id, s.handle(s.handleProjectDelete)).Methods(http.MethodDelete)
	api.Handle("/projects/"+id+"/import", s.handle(s.handleImport)).Methods(http.MethodPost)
	api.Handle("/projects/"+id+"/import/predictions", s.handle(s.handleImportPredictions)).Methods(http.MethodPost)
	api.Handle("/projects/"+id+"/tasks", s.handle(s.handleProjectTaskList)).Methods(http.MethodGet)
	api.Handle("/projects/"+id+"/tasks", s.handle(s.handleProjectTaskCreate)).Methods(http.MethodPost)
	api.Handle("/projects/"+id+"/tasks", s.handle(s.handleProjectTasksDelete)).Methods(http.MethodDelete)
	api.Handle("/projects/"+id+"/export", s.handle(s.handleExport)).Methods(http.MethodGet)
	api.Handle("/projects/"+id+"/model-versions", s.handle(s.handleModelVersions)).Methods(http.MethodGet)

	api.Handle("/tasks", s.handle(s.handleTaskList)).Methods(http.MethodGet)
	api.Handle("/tasks", s.handle(s.handleTaskCreate)).Methods(http.MethodPost)
	api.Handle("/tasks/"+id, s.handle(s.handleTaskGet)).Methods(http.MethodGet)
	api.Handle("/tasks/"+id, s.handle(s.handleTaskUpdate)).Methods(http.MethodPatch, http.MethodPut)
	api.Handle("/tasks/"+id, s.handle(s.handleTaskDelete)).Methods(http.MethodDelete)
	api.Handle("/tasks/"+id+"/annotations", s.handle(s.handleAnnotationList)).Methods(http.MethodGet)
	api.Handle("/tasks/"+id+"/annotations", s.handle(s.handleAnnotationCreate)).Methods(http.MethodPost)

	api.Handle("/annotations/"+id, s.handle(s.handleAnnotationGet)).Methods(http.MethodGet)
	api.Handle("/annotations/"+id, s.handle(s.handleAnnotationUpdate)).Methods(http.MethodPatch, http.MethodPut)
	api.Handle("/annotations/"+id, s.handle(s.handleAnnotationDelete)).Methods(http.MethodDelete)

	api.Handle("/predictions", s.handle(s.handlePredictionList)).Methods(http.MethodGet)
	api.Handle("/predictions", s.handle(s.handlePredictionCreate)).Methods(http.MethodPost)
	api.Handle("/predictions/"+id, s.handle(s.handlePredictionGet)).Methods(http.MethodGet)
	api.Handle("/predictions/"+id, s.handle(s.handlePredictionUpdate)).Methods(http.MethodPatch, http.MethodPut)
	api.Handle("/predictions/"+id, s.handle(s.handlePredictionDelete)).Methods(http.MethodDelete)

	api.Handle("/dm/actions", s.handle(s.handleDMActionList)).Methods(http.MethodGet)
	api.Handle("/dm/actions", s.handle(s.handleDMActionRun)).Methods(http.MethodPost)
	api.Handle("/dm/views", s.handle(s.handleViewList)).Methods(http.MethodGet)
	api.Handle("/dm/views", s.handle(s.handleViewCreate)).Methods(http.MethodPost)
	api.Handle("/dm/views/"+id, s.handle(s.handleViewGet)).Methods(http.MethodGet)
	api.Handle("/dm/views/"+id, s.handle(s.handleViewUpdate)).Methods(http.MethodPatch, http.MethodPut)
	api.Handle("/dm/views/"+id, s.handle(s.handleViewDelete)).Methods(http.MethodDelete)

	api.Handle("/webhooks", s.handle(s.handleWebhookList)).Methods(http.MethodGet)
	api.Handle("/webhooks", s.handle(s.handleWebhookCreate)).Methods(http.MethodPost)
	api.Handle("/webhooks/"+id, s.handle(s.handleWebhookGet)).Methods(http.MethodGet)
	api.Handle("/webhooks/"+id, s.handle(s.handleWebhookUpdate)).Methods(http.MethodPatch, http.MethodPut)
	api.Handle("/webhooks/"+id, s.handle(s.handleWebhookDelete)).Methods(http.MethodDelete)

	return r
}
