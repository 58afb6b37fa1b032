// Package server is labelhook's mock Label Studio: a stateful, in-memory
// implementation of the part of Label Studio's REST API that SDKs and ML
// pipelines use, which emits every webhook exactly as Label Studio's code
// does (same actions, cardinality, payload shapes and delivery semantics).
//
// It is not Label Studio: there is no UI, no storage sync, no ML backend
// and no label links. *Server is an http.Handler; servertest starts one on
// a loopback port for in-process tests.
package server
