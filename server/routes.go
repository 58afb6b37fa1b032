package server

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/labelhook/labelhook/internal/inspector"
)

// routes is the whole API on one screen. Paths are registered without a
// trailing slash; ServeHTTP strips it from requests.
func (s *Server) routes() *router {
	r := &router{
		notFound: s.handle(func(w http.ResponseWriter, r *http.Request) error {
			return errNotFound("Not found.")
		}),
		notAllowed: s.handle(func(w http.ResponseWriter, r *http.Request) error {
			return &apiError{Status: http.StatusMethodNotAllowed, Detail: fmt.Sprintf("Method %q not allowed.", r.Method)}
		}),
	}

	// The routes are one table in one order, as on one mux router (mux
	// loses 405s across subrouters); router.go dispatches a request to the
	// part of it its path can match. api wraps a handler with the
	// credentials check.
	open := func(path string, h handlerFunc, methods ...string) {
		r.handle(path, s.handle(h), methods...)
	}
	api := func(path string, h handlerFunc, methods ...string) {
		if slices.Contains(methods, http.MethodGet) {
			methods = append(methods, http.MethodHead) // Django answers HEAD like GET
		}
		r.handle("/api"+path, s.requireAuth(s.handle(h)), methods...)
	}
	admin := func(path string, h handlerFunc, methods ...string) {
		r.handle("/_labelhook"+path, s.requireAuth(s.handle(h)), methods...)
	}
	id := "{id:[0-9]+}"
	exp := "{export:[0-9]+}"
	// collection registers a DRF model's five routes: list and create on
	// the collection, read, update (PATCH and PUT) and delete on an item.
	collection := func(path string, list, create, get, update, del handlerFunc) {
		api(path, list, http.MethodGet)
		api(path, create, http.MethodPost)
		api(path+"/"+id, get, http.MethodGet)
		api(path+"/"+id, update, http.MethodPatch, http.MethodPut)
		api(path+"/"+id, del, http.MethodDelete)
	}

	open("/health", s.handleHealth, http.MethodGet, http.MethodHead)
	open("/api/webhooks/info", s.handleWebhookInfo, http.MethodGet)
	open("/api/token/refresh", s.handleTokenRefresh, http.MethodPost)

	api("/version", s.handleVersion, http.MethodGet)
	api("/current-user/whoami", s.handleWhoami, http.MethodGet)
	api("/current-user/token", s.handleCurrentToken, http.MethodGet)

	collection("/projects", s.handleProjectList, s.handleProjectCreate, s.handleProjectGet, s.handleProjectUpdate, s.handleProjectDelete)
	api("/projects/counts", s.handleProjectCounts, http.MethodGet)
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

	collection("/labels", s.handleLabelList, s.handleLabelCreate, s.handleLabelGet, s.handleLabelUpdate, s.handleLabelDelete)
	collection("/label_links", s.handleLabelLinkList, s.handleLabelLinkCreate, s.handleLabelLinkGet, s.handleLabelLinkUpdate, s.handleLabelLinkDelete)

	// Import storages: local files only (docs/label-studio-differences.md).
	api("/storages", s.handleAllStorageList, http.MethodGet)
	api("/storages/types", s.handleStorageTypes, http.MethodGet)
	collection("/storages/localfiles", s.handleStorageList, s.handleStorageCreate, s.handleStorageGet, s.handleStorageUpdate, s.handleStorageDelete)
	api("/storages/localfiles/validate", s.handleStorageValidate, http.MethodPost)
	api("/storages/localfiles/"+id+"/sync", s.handleStorageSync, http.MethodPost)

	collection("/tasks", s.handleTaskList, s.handleTaskCreate, s.handleTaskGet, s.handleTaskUpdate, s.handleTaskDelete)
	api("/tasks/"+id+"/annotations", s.handleAnnotationList, http.MethodGet)
	api("/tasks/"+id+"/annotations", s.handleAnnotationCreate, http.MethodPost)

	api("/annotations/"+id, s.handleAnnotationGet, http.MethodGet)
	api("/annotations/"+id, s.handleAnnotationUpdate, http.MethodPatch, http.MethodPut)
	api("/annotations/"+id, s.handleAnnotationDelete, http.MethodDelete)

	collection("/predictions", s.handlePredictionList, s.handlePredictionCreate, s.handlePredictionGet, s.handlePredictionUpdate, s.handlePredictionDelete)

	api("/dm/actions", s.handleDMActionList, http.MethodGet)
	api("/dm/actions", s.handleDMActionRun, http.MethodPost)
	collection("/dm/views", s.handleViewList, s.handleViewCreate, s.handleViewGet, s.handleViewUpdate, s.handleViewDelete)

	collection("/webhooks", s.handleWebhookList, s.handleWebhookCreate, s.handleWebhookGet, s.handleWebhookUpdate, s.handleWebhookDelete)

	// labelhook's own control routes, beside Label Studio's /api.
	admin("/deliveries", s.handleDeliveries, http.MethodGet)
	admin("/reset", s.handleReset, http.MethodPost)
	// The inspector page is static and holds no data: it asks for the
	// token and reads the routes above with it, so it needs no auth itself.
	r.handlePrefix(inspector.ServerPagePath, inspector.ServerPage(), http.MethodGet, http.MethodHead)

	return r
}
