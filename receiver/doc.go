// Package receiver is the webhook endpoint of the labelhook testkit: it
// stands where an ML pipeline would, records every Label Studio webhook it
// is sent, checks it against the event contract (schemas.Validate) and lets
// tests query and wait for what arrived.
//
// A *Receiver is an http.Handler. Every POST, to any path, is a webhook.
// The other methods form the control API, so the two never collide:
//
//	GET    /events         records in seq order; filters action, valid, since, path
//	DELETE /events         forget the records (seq keeps counting), free their memory
//	GET    /events/wait    answer as soon as count records match; 408 on timeout
//	GET    /health         {"status":"UP"}
//	GET    /responses      the current response plan
//	PUT    /responses      plan the answers to the coming webhooks (status, delay, times)
//	DELETE /responses      back to 200 for every webhook
//	GET    /ui/            the live inspector page (internal/inspector), its data under /ui/api/
//
// Each webhook becomes one Record. Seq numbers are assigned under a lock
// once the body has arrived, so records keep arrival order and no record
// is lost however many senders post at once. A body that is not JSON is
// recorded as text and answered 400; a body over Config.MaxBodyBytes is
// recorded without its content and answered 413; with SigningSecret, a
// webhook whose signature does not verify is answered 401. With ForwardTo
// set, every accepted webhook is relayed to the pipeline after it was
// recorded; the sender's answer waits for the relay (at most
// ForwardTimeout), and the record then carries the pipeline's status, but
// the sender's status is always the receiver's own. With RecordFile set,
// every record is appended as one JSON line once it is final (after the
// relay and any planned delay); OnRecord sees it at the same moment.
//
// Records live in memory, the newest Config.MaxRecords of them; seqs kept
// are contiguous, so a since cursor and Wait cost O(records after it).
// The receiver is a test double, not a production ingress: only the
// signature, when a secret is set, is checked.
// receiver never imports the mock server; the two meet over HTTP.
package receiver
