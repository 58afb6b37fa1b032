package server

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
)

// checkSurface checks the objects state version 3 added: file uploads,
// labels, label links, storages and export snapshots, and the tasks'
// file_upload references.
func (l *loaded) checkSurface() error {
	for _, id := range idsOf(l.uploads) {
		if err := checkID("file_upload", id, l.next.FileUpload); err != nil {
			return err
		}
		u := l.uploads[id]
		if l.projects[u.ProjectID] == nil {
			return fmt.Errorf("file upload %d: project %d does not exist", id, u.ProjectID)
		}
		if u.File == "" || u.Size < 0 {
			return fmt.Errorf("file upload %d: file %q of size %d", id, u.File, u.Size)
		}
	}
	for _, t := range l.sorted.tasks {
		if t.FileUpload == nil {
			continue
		}
		if u := l.uploads[*t.FileUpload]; u == nil || u.ProjectID != t.ProjectID {
			return fmt.Errorf("task %d: file_upload %d is not a file upload of project %d", t.ID, *t.FileUpload, t.ProjectID)
		}
	}
	titles := map[string]int{}
	for _, id := range idsOf(l.labels) {
		if err := checkID("label", id, l.next.Label); err != nil {
			return err
		}
		x := l.labels[id]
		if err := checkLabel(x); err != nil {
			return fmt.Errorf("label %d: %w", id, err)
		}
		if other, dup := titles[x.Title]; dup {
			return fmt.Errorf("label %d: title %q is also label %d's", id, x.Title, other)
		}
		titles[x.Title] = id
	}
	pairs := map[[2]int]int{}
	for _, id := range idsOf(l.links) {
		if err := checkID("label_link", id, l.next.LabelLink); err != nil {
			return err
		}
		x := l.links[id]
		switch {
		case l.projects[x.ProjectID] == nil:
			return fmt.Errorf("label link %d: project %d does not exist", id, x.ProjectID)
		case l.labels[x.LabelID] == nil:
			return fmt.Errorf("label link %d: label %d does not exist", id, x.LabelID)
		case x.FromName == "":
			return fmt.Errorf("label link %d: from_name is empty", id)
		}
		k := [2]int{x.ProjectID, x.LabelID}
		if other, dup := pairs[k]; dup {
			return fmt.Errorf("label link %d: project %d and label %d are also linked by %d", id, x.ProjectID, x.LabelID, other)
		}
		pairs[k] = id
	}
	for _, id := range idsOf(l.storages) {
		if err := checkID("storage", id, l.next.Storage); err != nil {
			return err
		}
		if err := checkStorage(l.storages[id], l.projects); err != nil {
			return fmt.Errorf("storage %d: %w", id, err)
		}
	}
	for _, id := range idsOf(l.exports) {
		if err := checkID("export", id, l.next.Export); err != nil {
			return err
		}
		x := l.exports[id]
		if l.projects[x.ProjectID] == nil {
			return fmt.Errorf("export %d: project %d does not exist", id, x.ProjectID)
		}
		if !json.Valid([]byte(x.File)) || jsonKind(json.RawMessage(x.File)) != '[' {
			return fmt.Errorf("export %d: file is not a JSON list", id)
		}
		for _, c := range x.Converted {
			if err := checkID("converted_format", c.ID, l.next.Converted); err != nil {
				return fmt.Errorf("export %d: %w", id, err)
			}
			if _, ok := converters[c.ExportType]; !ok {
				return fmt.Errorf("export %d: converted format %d has unknown export_type %q", id, c.ID, c.ExportType)
			}
		}
		if x.Converted == nil {
			x.Converted = []convertedFormat{}
		}
		if err := checkStamps(x.CreatedAt, x.FinishedAt); err != nil {
			return fmt.Errorf("export %d: %w", id, err)
		}
	}
	return nil
}

func checkLabel(x *label) error {
	if x.Title == "" || len([]rune(x.Title)) > maxLabelTitle {
		return fmt.Errorf("title must have 1 to %d characters", maxLabelTitle)
	}
	if len(x.Value) == 0 || !json.Valid(x.Value) {
		return fmt.Errorf("value is not JSON")
	}
	return checkStamps(x.CreatedAt, x.UpdatedAt)
}

func checkStorage(x *storage, projects map[int]*project) error {
	if projects[x.ProjectID] == nil {
		return fmt.Errorf("project %d does not exist", x.ProjectID)
	}
	if !filepath.IsAbs(x.Path) || filepath.Clean(x.Path) != x.Path {
		return fmt.Errorf("path %q is not a clean absolute path", x.Path)
	}
	if !slices.Contains(storageStatuses, x.Status) {
		return fmt.Errorf("status %q is not one of %v", x.Status, storageStatuses)
	}
	var err error
	if x.Meta, err = rawOr(x.Meta, "{}", '{'); err != nil {
		return fmt.Errorf("meta: %w", err)
	}
	if x.Links == nil {
		x.Links = []storageLink{}
	}
	if x.CreatedAt.IsZero() {
		return fmt.Errorf("created_at is missing")
	}
	return nil
}
