package server

// deleteProjectObjects removes what belongs to project id besides its
// tasks, views and webhooks: its file uploads, label links, storages and
// export snapshots, as Label Studio's cascades do (no event: a deleted
// label link sends LABEL_LINK_DELETED only from its own API). Labels stay:
// they belong to the organization. Call under st.mu.
func (st *store) deleteProjectObjects(id int) {
	deleteOfProject(st, kindUpload, st.uploads, id, func(u *fileUpload) int { return u.ProjectID })
	deleteOfProject(st, kindLabelLink, st.links, id, func(l *labelLink) int { return l.ProjectID })
	deleteOfProject(st, kindStorage, st.storages, id, func(s *storage) int { return s.ProjectID })
	deleteOfProject(st, kindExport, st.exports, id, func(e *exportSnapshot) int { return e.ProjectID })
}

// deleteOfProject removes the objects of table (of kind k) that belong
// to project id, each recorded as changed.
func deleteOfProject[T any](st *store, k kind, table map[int]T, id int, projectOf func(T) int) {
	for oid, o := range table {
		if projectOf(o) == id {
			delete(table, oid)
			st.changed(k, oid)
		}
	}
}
