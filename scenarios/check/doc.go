// Package check is the readiness battery of `labelhook check URL`: it
// sends a running webhook consumer (your pipeline) what Label Studio
// really sends, case by case, and judges each answer: pass, warn or fail,
// with a one-line reason and advice.
//
// The payloads come from the mock itself (package server, in-process and
// driven through its API with an organization-level webhook pointing at
// the consumer), captured before they leave and then replayed to the
// consumer with the mock's headers and body bytes, one at a time unless a
// case says otherwise. So the battery follows the mock as the mock is
// corrected against Label Studio. The cases: every subscribed action with
// its full payload and with send_payload off, a 5000-task TASKS_CREATED,
// TASKS_DELETED from "delete all" (no project), ANNOTATIONS_DELETED in
// bulk (ids only), a skip, ANNOTATIONS_CREATED with its lists, unknown
// fields, unicode and large text, an action the consumer did not
// subscribe to, the same delivery twice, a concurrent burst, and a body
// that is not JSON. docs/check.md lists them with what each one checks.
//
// It is not a load test and does not check what the consumer does with
// an event (use scenario files with --pipeline and http steps for that).
package check
