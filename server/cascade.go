package server

// deleteProjectObjects removes what belongs to project id besides its
// tasks, views and webhooks: its file uploads, label links, storages and
// export snapshots, as Label Studio's cascades do (no event: a deleted
// label link sends LABEL_LINK_DELETED only from its own API). Labels stay:
// they belong to the organization. Call under st.mu.
func (st *store) deleteProjectObjects(id int) {
	for uid, u := range st.uploads {
		if u.ProjectID == id {
			delete(st.uploads, uid)
			st.changed(kindUpload, uid)
		}
	}
	for lid, l := range st.links {
		if l.ProjectID == id {
			delete(st.links, lid)
			st.changed(kindLabelLink, lid)
		}
	}
	for sid, s := range st.storages {
		if s.ProjectID == id {
			delete(st.storages, sid)
			st.changed(kindStorage, sid)
		}
	}
	for eid, e := range st.exports {
		if e.ProjectID == id {
			delete(st.exports, eid)
			st.changed(kindExport, eid)
		}
	}
}
