package server

import (
	"encoding/json"
	"fmt"
	"time"
)

// The store's entities. Each is the one home of its object's stored
// fields: the exported fields, with their JSON keys, are also what the
// state file and the journal hold (labelhook's own format, state.go), and
// the REST answers and webhook payloads are views over them (objects.go,
// payloads.go, projects.go, webhooks.go). Unexported fields are derived
// again when a state is loaded.
//
// Adding a stored Label Studio field: a field here, and a line in each
// view that shows it.

// project is a Label Studio project.
type project struct {
	ID                               int             `json:"id"`
	Title                            *string         `json:"title"`
	Description                      *string         `json:"description"`
	LabelConfig                      string          `json:"label_config"`
	ExpertInstruction                string          `json:"expert_instruction"`
	ShowInstruction                  bool            `json:"show_instruction"`
	ShowSkipButton                   bool            `json:"show_skip_button"`
	EnableEmptyAnnotation            bool            `json:"enable_empty_annotation"`
	RevealPreannotationsInteractive  bool            `json:"reveal_preannotations_interactively"`
	ShowAnnotationHistory            bool            `json:"show_annotation_history"`
	ShowCollabPredictions            bool            `json:"show_collab_predictions"`
	EvaluatePredictionsAutomatically bool            `json:"evaluate_predictions_automatically"`
	Token                            string          `json:"token"`
	Color                            string          `json:"color"`
	MaximumAnnotations               int             `json:"maximum_annotations"`
	MinAnnotationsToStartTraining    int             `json:"min_annotations_to_start_training"`
	ControlWeights                   json.RawMessage `json:"control_weights,omitempty"`
	ModelVersion                     string          `json:"model_version"`
	IsDraft                          bool            `json:"is_draft"`
	IsPublished                      bool            `json:"is_published"`
	CreatedAt                        time.Time       `json:"created_at"`
	UpdatedAt                        time.Time       `json:"updated_at"`
	Sampling                         string          `json:"sampling"`
	SkipQueue                        string          `json:"skip_queue"`
	ShowGroundTruthFirst             bool            `json:"show_ground_truth_first"`
	ShowOverlapFirst                 bool            `json:"show_overlap_first"`
	OverlapCohortPercentage          int             `json:"overlap_cohort_percentage"`
	TaskDataLogin                    *string         `json:"task_data_login"`
	TaskDataPassword                 *string         `json:"task_data_password"`
	PinnedAt                         *time.Time      `json:"pinned_at"`
	// CreatedBy is the creating user; a PUT without it sets it to null,
	// as Label Studio does.
	CreatedBy *int `json:"created_by"`
	// NextInnerID is the inner_id the next task made gets: set by each
	// request that makes tasks (startInnerIDs), then counted up.
	NextInnerID int `json:"next_inner_id"`

	parsed  *labelConfig // LabelConfig, parsed
	taskIDs []int        // ascending
	// counts are the project's counters without the share of dirty tasks;
	// projectCountsOf settles them first.
	counts projectCounts
}

// task is a task of a project.
type task struct {
	ID          int             `json:"id"`
	ProjectID   int             `json:"project"`
	Data        json.RawMessage `json:"data"`
	Meta        json.RawMessage `json:"meta,omitempty"` // nil = null
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	CompletedAt *time.Time      `json:"completed_at"`
	IsLabeled   bool            `json:"is_labeled"`
	Overlap     int             `json:"overlap"`
	InnerID     int             `json:"inner_id"`
	UpdatedBy   *int            `json:"updated_by"`
	FileUpload  *int            `json:"file_upload"`

	annIDs  []int // ascending
	predIDs []int // ascending
	// rendered is its JSON kept for big reads (rendercache.go).
	rendered *renderings
}

// annotation is an annotation (or a skip: WasCancelled) of a task.
type annotation struct {
	ID               int             `json:"id"`
	TaskID           int             `json:"task"`
	ProjectID        int             `json:"project"`
	Result           json.RawMessage `json:"result,omitempty"`
	WasCancelled     bool            `json:"was_cancelled"`
	GroundTruth      bool            `json:"ground_truth"`
	CreatedAt        time.Time       `json:"created_at"`
	UpdatedAt        time.Time       `json:"updated_at"`
	DraftCreatedAt   *time.Time      `json:"draft_created_at"`
	LeadTime         *float64        `json:"lead_time"`
	Prediction       json.RawMessage `json:"prediction,omitempty"`
	UniqueID         string          `json:"unique_id"`
	ImportID         *int            `json:"import_id"`
	LastAction       *string         `json:"last_action"`
	CompletedBy      *int            `json:"completed_by"`
	UpdatedBy        *int            `json:"updated_by"`
	ParentPrediction *int            `json:"parent_prediction"`
	ParentAnnotation *int            `json:"parent_annotation"`
	LastCreatedBy    *int            `json:"last_created_by"`
	BulkCreated      bool            `json:"bulk_created"`

	resultN int // regions in Result, kept with it
}

// prediction is a model's prediction for a task.
type prediction struct {
	ID           int             `json:"id"`
	TaskID       int             `json:"task"`
	ProjectID    int             `json:"project"`
	Result       json.RawMessage `json:"result,omitempty"`
	ModelVersion string          `json:"model_version"`
	Score        *float64        `json:"score"`
	Cluster      *int            `json:"cluster"`
	Neighbors    json.RawMessage `json:"neighbors,omitempty"`
	Mislabeling  float64         `json:"mislabeling"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
}

// webhook is a project webhook, or an organization webhook (ProjectID nil).
type webhook struct {
	ID                  int       `json:"id"`
	ProjectID           *int      `json:"project"`
	URL                 string    `json:"url"`
	SendPayload         bool      `json:"send_payload"`
	SendForAllActions   bool      `json:"send_for_all_actions"`
	Headers             []header  `json:"headers"` // in the order given
	IsActive            bool      `json:"is_active"`
	ConsecutiveFailures int       `json:"consecutive_failures"`
	Actions             []string  `json:"actions"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
}

// header is one custom header of a webhook. It is stored as a
// [name, value] pair, so the order survives; the API shows a webhook's
// headers as an object (headerList).
type header struct{ name, value string }

func (h header) MarshalJSON() ([]byte, error) {
	return marshal([2]string{h.name, h.value})
}

func (h *header) UnmarshalJSON(b []byte) error {
	var pair [2]string
	if err := json.Unmarshal(b, &pair); err != nil {
		return fmt.Errorf("a header is a [name, value] pair: %w", err)
	}
	h.name, h.value = pair[0], pair[1]
	return nil
}

// view is a saved Data Manager view (tab) of a project.
type view struct {
	ID        int             `json:"id"`
	ProjectID int             `json:"project"`
	Data      json.RawMessage `json:"data,omitempty"`
}

// fileUpload is a file uploaded to a project's import (FileUpload). Its
// content is not kept: tasks are made from it when it is uploaded.
type fileUpload struct {
	ID        int `json:"id"`
	ProjectID int `json:"project"`
	// File is the stored name, upload/<project>/<8 hex>-<name>, as Label
	// Studio shows it.
	File string `json:"file"`
	Size int64  `json:"size"`
}

// label is an organization's custom label (labels_manager.Label). Its
// title is unique in the organization.
type label struct {
	ID          int             `json:"id"`
	Title       string          `json:"title"`
	Value       json.RawMessage `json:"value"`
	Description *string         `json:"description"`
	Approved    bool            `json:"approved"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// labelLink links a label to a project (LabelLink): one per project and
// label.
type labelLink struct {
	ID        int    `json:"id"`
	ProjectID int    `json:"project"`
	LabelID   int    `json:"label"`
	FromName  string `json:"from_name"`
}

// storage is a project's local files import storage
// (LocalFilesImportStorage). Only the local files type is simulated.
type storage struct {
	ID            int     `json:"id"`
	ProjectID     int     `json:"project"`
	Title         *string `json:"title"`
	Description   *string `json:"description"`
	Path          string  `json:"path"`
	RegexFilter   *string `json:"regex_filter"`
	UseBlobURLs   bool    `json:"use_blob_urls"`
	RecursiveScan bool    `json:"recursive_scan"`
	// NoSync is synchronizable=false (a sync is refused); stored inverted
	// so that state files from before it load with Label Studio's default.
	NoSync        bool            `json:"no_sync,omitempty"`
	CreatedAt     time.Time       `json:"created_at"`
	LastSync      *time.Time      `json:"last_sync"`
	LastSyncCount *int            `json:"last_sync_count"`
	Status        string          `json:"status"`
	Traceback     *string         `json:"traceback"`
	Meta          json.RawMessage `json:"meta"`
	// Attempts counts the syncs started (meta.attempts).
	Attempts int `json:"attempts"`
	// Links are the storage's import links: the file (its absolute path)
	// each task came from. A sync skips a file that still has a task.
	Links []storageLink `json:"links"`
}

// storageLink is one import link: a task made from a storage's file.
type storageLink struct {
	Key  string `json:"key"`
	Task int    `json:"task"`
}

// exportSnapshot is an export snapshot of a project (data_export.Export):
// the export file made when it was created, and the formats it was
// converted to.
type exportSnapshot struct {
	ID         int       `json:"id"`
	ProjectID  int       `json:"project"`
	Title      string    `json:"title"`
	CreatedAt  time.Time `json:"created_at"`
	FinishedAt time.Time `json:"finished_at"`
	TaskNumber int       `json:"task_number"`
	MD5        string    `json:"md5"`
	// File is the snapshot's JSON file, as Label Studio wrote it.
	File      string            `json:"file"`
	Converted []convertedFormat `json:"converted_formats"`
}

// convertedFormat is one conversion of a snapshot (ConvertedFormat).
type convertedFormat struct {
	ID         int    `json:"id"`
	ExportType string `json:"export_type"`
}
