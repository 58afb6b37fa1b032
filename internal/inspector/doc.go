// Package inspector is the live inspector page of the labelhook testkit:
// one page, embedded with its styles and scripts (no build step, no CDN,
// nothing fetched at run time), in two modes.
//
//   - The receiver's page (`labelhook receive`, GET /ui/): every webhook
//     the receiver recorded, live, with its validity, each problem
//     highlighted at its JSON path in the pretty-printed body, headers,
//     the answer given and the pipeline's answer; filters by action,
//     validity and path; copy as curl and replay to a URL. ReceiverPage
//     serves it and its data routes under /ui/api/, reading the records
//     through a ReceiverSource.
//   - The mock's page (`labelhook serve`, GET /_labelhook/ui/): webhooks
//     with their health, the delivery log and per-project counts, read by
//     the page itself from the mock's authenticated API (/api/webhooks,
//     /api/projects, /_labelhook/deliveries) with a token the user enters
//     once. ServerPage serves only the static page: it holds no data, so it
//     needs no credentials, and every datum it shows passed the mock's auth.
//
// The page never turns a body, header or path into markup: it builds the
// DOM with textContent only, and a Content-Security-Policy that allows no
// inline script backs that up, so a webhook carrying <script> is shown as
// text and never runs.
//
// The package imports neither receiver nor server (they import it to
// mount the page); it sees records as the JSON GET /events writes.
package inspector
