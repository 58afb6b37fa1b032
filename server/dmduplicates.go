package server

import (
	"slices"
	"time"

	"github.com/labelhook/labelhook/internal/pyjson"
	"github.com/labelhook/labelhook/schemas"
)

// runRemoveDuplicates is the remove_duplicates action
// (data_manager/actions/remove_duplicates.py): the selected tasks are
// grouped by their data as ujson.dumps writes it (the same groups as
// json.dumps for data that ujson can write), in the selection's order.
// In each group of two or more, the first task with annotations (cancelled
// ones count; with none, the first task) takes the annotations of the
// others, a task without a storage link gets the group's first link, and
// every other task is deleted through delete_tasks, so one TASKS_DELETED
// names them. The answer is an empty object, as 1.23.2's.
func runRemoveDuplicates(s *Server, p *project, ids []int, _ dmBody, now time.Time) (map[string]any, []event, error) {
	st := s.st
	groups := map[string][]*task{}
	var order []string
	for _, id := range ids {
		t := st.tasks[id]
		key, err := pyjson.Dumps(nil, t.Data)
		if err != nil {
			key = t.Data // stored data is valid JSON; keep the bytes as the key if not
		}
		k := string(key)
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], t)
	}
	links := st.fileLinks(ids)
	var removing []int
	for _, k := range order {
		group := groups[k]
		if len(group) < 2 {
			continue
		}
		keep := group[0]
		if i := slices.IndexFunc(group, func(t *task) bool { return len(t.annIDs) > 0 }); i >= 0 {
			keep = group[i]
		}
		st.shareStorageLinks(group, links)
		for _, t := range group {
			if t == keep {
				continue
			}
			st.moveAnnotations(t, keep)
			removing = append(removing, t.ID)
		}
		st.relabel(keep, now)
	}
	// delete_tasks lists them in the selection's order.
	gone := toSet(removing)
	removing = slices.DeleteFunc(slices.Clone(ids), func(id int) bool { return !gone[id] })
	st.deleteTasks(p.ID, removing)
	return map[string]any{}, []event{idsEvent(schemas.TasksDeleted, p.ID, removing)}, nil
}

// moveAnnotations gives from's annotations to to (a queryset update in
// Label Studio: no event, no updated_at). Call under st.mu.
func (st *store) moveAnnotations(from, to *task) {
	if len(from.annIDs) == 0 {
		return
	}
	st.touch(from.ID)
	st.touch(to.ID)
	st.changedIDs(kindAnnotation, from.annIDs)
	for _, id := range from.annIDs {
		st.annotations[id].TaskID = to.ID
	}
	to.annIDs = append(to.annIDs, from.annIDs...)
	slices.Sort(to.annIDs)
	from.annIDs = nil
}

// fileLink is where a task came from: a storage and the file's key.
type fileLink struct {
	storage *storage
	key     string
}

// fileLinks finds the storage link of each of ids that has one (its
// first). Call under st.mu.
func (st *store) fileLinks(ids []int) map[int]fileLink {
	in := toSet(ids)
	out := map[int]fileLink{}
	for _, sid := range idsOf(st.storages) {
		x := st.storages[sid]
		for _, l := range x.Links {
			if _, seen := out[l.Task]; in[l.Task] && !seen {
				out[l.Task] = fileLink{x, l.Key}
			}
		}
	}
	return out
}

// shareStorageLinks gives each task of a group that came from no storage
// file the link of the group's first task that did (same storage, same
// file), as restore_storage_links_for_duplicated_tasks does. Call under
// st.mu.
func (st *store) shareStorageLinks(group []*task, links map[int]fileLink) {
	i := slices.IndexFunc(group, func(t *task) bool { _, ok := links[t.ID]; return ok })
	if i < 0 {
		return
	}
	from := links[group[i].ID]
	for _, t := range group {
		if _, ok := links[t.ID]; !ok {
			from.storage.Links = append(from.storage.Links, storageLink{Key: from.key, Task: t.ID})
		}
	}
	st.changed(kindStorage, from.storage.ID)
}
