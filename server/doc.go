// Package server is labelhook's mock Label Studio: a stateful, in-memory
// (optionally durable) implementation of the part of Label Studio's REST
// API that SDKs and ML pipelines use, which emits every webhook as the
// real Label Studio does: the same actions, cardinality, payload shapes,
// body bytes and delivery semantics, verified against recorded traces of
// the real server (scenarios/compare/testdata; see Profile).
//
// It is not Label Studio: there is no UI, no ML backend and no cloud or
// export storage. Beyond tasks, annotations and webhooks it serves file
// uploads (uploads.go), labels and label links (labels.go), local files
// storage sync below Config.LocalFilesRoot (storage.go), and export
// snapshots and formats (snapshots.go, exportconv.go). *Server is an
// http.Handler; servertest starts one on a loopback port for in-process
// tests.
//
// # How a request becomes webhooks
//
//	request ─▶ routes.go ─▶ handler (projects.go, tasks.go, annotations.go, …)
//	             │            reads and checks the body first (decode.go:
//	             │            DRF's field rules; bad input is an apiError,
//	             │            answered 4xx by writeError in errors.go)
//	             ▼
//	          answer (server.go) takes the store lock and runs the change:
//	             store.go       the entities' maps, live counters (touch/settle)
//	             entities.go    one struct per entity, also the state file's object
//	             changes.go     every changed object noted (st.changed) …
//	             events.go      … and the events the change causes, planned as
//	                            deliveries to the matching webhooks (chunks of
//	                            the batch size; payloads are the views of
//	                            payloads.go, field tables in shape.go, laid out
//	                            as Python's json.dumps by internal/pyjson)
//	             persist.go     the change journaled (internal/journal) and
//	                            fsynced before anything leaves: nothing
//	                            acknowledged is lost (with OpenState)
//	             ▼ lock released
//	          delivery.go      the dispatcher posts each delivery (sync: inside
//	                           the request, as open-source Label Studio; async:
//	                           a queue) through sender.go (internal/pyhttp: as
//	                           python-requests sends), logs every attempt
//	                           (deliverylog.go) and counts failures through
//	                           the hookStore seam
//	             ▼
//	          the answer is written (stream.go streams big lists chunk by
//	          chunk without holding the lock)
//
// # Where things are
//
//   - Versions: profile.go holds what differs between the verified Label
//     Studio releases; a view's field that a release added carries a
//     since mark (shape.go). No handler asks for a version.
//   - Views: REST objects in projects.go (a field table), objects.go,
//     export.go, webhooks.go, views.go; webhook payloads in payloads.go;
//     the annotation fields its REST and export views share (one struct
//     and one writer each) in annotationfields.go; the fast writers of
//     the views in encode.go; each task's export and list JSON kept after
//     its first read, dropped by st.changed, in rendercache.go.
//   - State file: state.go (format and migration), stateencode.go (tasks,
//     annotations and predictions written by hand), statecheck.go (the
//     API's invariants on load), persist.go (lock, journal, compaction).
//   - Data Manager: taskquery.go (filters, ordering, the task list),
//     taskfields.go (the fields filters read), selection.go (selections
//     kept between pages), dmactions.go (bulk actions), dmduplicates.go
//     (remove_duplicates), views.go (saved tabs).
//   - Label config: labelconfig.go (parsed_label_config), configcheck.go
//     (a new config against the annotations: validate and PATCH).
//   - labelhook's own routes: control.go (/_labelhook/deliveries, reset),
//     about.go (health, version, whoami), auth.go (tokens, PATs).
//   - Opt-in behaviour Label Studio does not have: faults.go, ssrf.go,
//     retries and signing in delivery.go, auto-disable
//     (Config.MaxConsecutiveFailures), organization webhooks
//     (Config.OrganizationWebhooks).
package server
