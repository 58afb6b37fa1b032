package trigger

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/labelhook/labelhook/internal/labellink"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// sendLabelLink builds a LABEL_LINK_* body as Label Studio does
// (internal/labellink) with a label of the config and posts it as the mock
// posts webhooks.
func (tr *Trigger) sendLabelLink(ctx context.Context, a schemas.Action, pid int) (Result, error) {
	var project json.RawMessage // nil: send_payload off
	if !tr.o.NoPayload {
		var err error
		if project, err = tr.projectPayload(ctx, pid); err != nil {
			return Result{}, err
		}
	}
	tr.links++
	body, err := labellink.Body(a, tr.links, pid, project, tr.cfg, tr.g, time.Now())
	if err != nil {
		return Result{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tr.o.To, bytes.NewReader(body))
	if err != nil {
		return Result{}, err
	}
	// The headers of the mock's deliveries (server/delivery.go).
	req.Header.Set("User-Agent", server.DefaultUserAgent)
	req.Header.Set("Accept", "*/*")
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	req.Header.Set("Content-Type", "application/json")
	for _, kv := range tr.o.Headers {
		req.Header.Del(kv[0])
		req.Header[http.CanonicalHeaderKey(kv[0])] = []string{kv[1]}
	}
	tr.rec.take()
	if resp, err := tr.direct.Do(req); err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
	}
	return tr.result(a)
}
