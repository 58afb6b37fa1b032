package server

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/gorilla/mux"

	"github.com/labelhook/labelhook/internal/inspector"
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

	// Routes are registered on one router (mux loses 405s across
	// subrouters); api wraps a handler with the credentials check.
	open := func(path string, h handlerFunc, methods ...string) {
		r.Handle(path, s.handle(h)).Methods(methods...)
	}
	api := func(path string, h handlerFunc, methods ...string) {
		if slices.Contains(methods, http.MethodGet) {
			methods = append(methods, http.MethodHead) // Django answers HEAD like GET
		}
		r.Handle("/api"+path, s.requireAuth(s.handle(h))).Methods(methods...)
	}
	admin := func(path string, h handlerFunc, methods ...string) {
		r.Handle("/_labelhook"+path, s.requireAuth(s.handle(h))).Methods(methods...)
	}
	id := "{id:[0-9]+}"
	exp := "{export:[0-9]+}"

	open("/health", s.handleHealth, http.MethodGet, http.MethodHead)
	open("/api/webhooks/info", s.handleWebhookInfo, http.MethodGet)
	open("/api/token/refresh", s.handleTokenRefresh, http.MethodPost)

	api("/version", s.handleVersion, http.MethodGet)
	api("/current-user/whoami", s.handleWhoami, http.MethodGet)
	api("/current-user/token", s.handleCurrentToken, http.MethodGet)

	api("/projects", s.handleProjectList, http.MethodGet)
	api("/projects", s.handleProjectCreate, http.MethodPost)
	api("/projects/counts", s.handleProjectCounts, http.MethodGet)
	api("/projects/"+id, s.handleProjectGet, http.MethodGet)
	api("/projects/"+id, s.handleProjectUpdate, http.MethodPatch, http.MethodPut)
	api("/projects/"+id, s.handleProjectDelete, http.MethodDelete)
	api("/projects/"+id+"/import", s.handleImport, http.MethodPost)
	api("/projects/"+id+"/import/predictions", s.handleImportPredictions, http.MethodPost)
	api("/projects/"+id+"/tasks", s.handleProjectTaskList, http.MethodGet)
	api("/projects/"+id+"/tasks", s.handleProjectTaskCreate, http.MethodPost)
	api("/projects/"+id+"/tasks", s.handleProjectTasksDelete, http.MethodDelete)
	api("/projects/"+id+"/export", s.handleExport, http.MethodGet)
	api("/projects/"+id+"/model-versions", s.handleModelVersions, http.MethodGet)
	api("/projects/"+id+"/validate", s.handleProjectValidate, http.MethodPost)
	api("/projects/"+id+"/file-uploads", s.handleFileUploadList, http.MethodGet)
	api("/projects/"+id+"/file-uploads", s.handleFileUploadsDelete, http.MethodDelete)
	api("/projects/"+id+"/export/formats", s.handleExportFormats, http.MethodGet)
	api("/projects/"+id+"/exports", s.handleExportList, http.MethodGet)
	api("/projects/"+id+"/exports", s.handleExportCreate, http.MethodPost)
	api("/projects/"+id+"/exports/"+exp, s.handleExportGet, http.MethodGet)
	api("/projects/"+id+"/exports/"+exp, s.handleExportDelete, http.MethodDelete)
	api("/projects/"+id+"/exports/"+exp+"/download", s.handleExportDownload, http.MethodGet)
	api("/projects/"+id+"/exports/"+exp+"/convert", s.handleExportConvert, http.MethodPost)

	api("/import/file-upload/"+id, s.handleFileUploadGet, http.MethodGet)
	api("/import/file-upload/"+id, s.handleFileUploadUpdate, http.MethodPatch, http.MethodPut)
	api("/import/file-upload/"+id, s.handleFileUploadDelete, http.MethodDelete)

	api("/labels", s.handleLabelList, http.MethodGet)
	api("/labels", s.handleLabelCreate, http.MethodPost)
	api("/labels/"+id, s.handleLabelGet, http.MethodGet)
	api("/labels/"+id, s.handleLabelUpdate, http.MethodPatch, http.MethodPut)
	api("/labels/"+id, s.handleLabelDelete, http.MethodDelete)
	api("/label_links", s.handleLabelLinkList, http.MethodGet)
	api("/label_links", s.handleLabelLinkCreate, http.MethodPost)
	api("/label_links/"+id, s.handleLabelLinkGet, http.MethodGet)
	api("/label_links/"+id, s.handleLabelLinkUpdate, http.MethodPatch, http.MethodPut)
	api("/label_links/"+id, s.handleLabelLinkDelete, http.MethodDelete)

	// Import storages: local files only (docs/label-studio-differences.md).
	api("/storages", s.handleStorageList, http.MethodGet)
	api("/storages/types", s.handleStorageTypes, http.MethodGet)
	api("/storages/localfiles", s.handleStorageList, http.MethodGet)
	api("/storages/localfiles", s.handleStorageCreate, http.MethodPost)
	api("/storages/localfiles/validate", s.handleStorageValidate, http.MethodPost)
	api("/storages/localfiles/"+id, s.handleStorageGet, http.MethodGet)
	api("/storages/localfiles/"+id, s.handleStorageUpdate, http.MethodPatch, http.MethodPut)
	api("/storages/localfiles/"+id, s.handleStorageDelete, http.MethodDelete)
	api("/storages/localfiles/"+id+"/sync", s.handleStorageSync, http.MethodPost)

	api("/tasks", s.handleTaskList, http.MethodGet)
	api("/tasks", s.handleTaskCreate, http.MethodPost)
	api("/tasks/"+id, s.handleTaskGet, http.MethodGet)
	api("/tasks/"+id, s.handleTaskUpdate, http.MethodPatch, http.MethodPut)
	api("/tasks/"+id, s.handleTaskDelete, http.MethodDelete)
	api("/tasks/"+id+"/annotations", s.handleAnnotationList, http.MethodGet)
	api("/tasks/"+id+"/annotations", s.handleAnnotationCreate, http.MethodPost)

	api("/annotations/"+id, s.handleAnnotationGet, http.MethodGet)
	api("/annotations/"+id, s.handleAnnotationUpdate, http.MethodPatch, http.MethodPut)
	api("/annotations/"+id, s.handleAnnotationDelete, http.MethodDelete)

	api("/predictions", s.handlePredictionList, http.MethodGet)
	api("/predictions", s.handlePredictionCreate, http.MethodPost)
	api("/predictions/"+id, s.handlePredictionGet, http.MethodGet)
	api("/predictions/"+id, s.handlePredictionUpdate, http.MethodPatch, http.MethodPut)
	api("/predictions/"+id, s.handlePredictionDelete, http.MethodDelete)

	api("/dm/actions", s.handleDMActionList, http.MethodGet)
	api("/dm/actions", s.handleDMActionRun, http.MethodPost)
	api("/dm/views", s.handleViewList, http.MethodGet)
	api("/dm/views", s.handleViewCreate, http.MethodPost)
	api("/dm/views/"+id, s.handleViewGet, http.MethodGet)
	api("/dm/views/"+id, s.handleViewUpdate, http.MethodPatch, http.MethodPut)
	api("/dm/views/"+id, s.handleViewDelete, http.MethodDelete)

	api("/webhooks", s.handleWebhookList, http.MethodGet)
	api("/webhooks", s.handleWebhookCreate, http.MethodPost)
	api("/webhooks/"+id, s.handleWebhookGet, http.MethodGet)
	api("/webhooks/"+id, s.handleWebhookUpdate, http.MethodPatch, http.MethodPut)
	api("/webhooks/"+id, s.handleWebhookDelete, http.MethodDelete)

	// labelhook's own control routes, beside Label Studio's /api.
	admin("/deliveries", s.handleDeliveries, http.MethodGet)
	admin("/reset", s.handleReset, http.MethodPost)
	// The inspector page is static and holds no data: it asks for the
	// token and reads the routes above with it, so it needs no auth itself.
	r.PathPrefix(inspector.ServerPagePath).Handler(inspector.ServerPage()).Methods(http.MethodGet, http.MethodHead)

	return r
}
