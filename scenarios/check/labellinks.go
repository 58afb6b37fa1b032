package check

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labelhook/labelhook/internal/labellink"
	"github.com/labelhook/labelhook/schemas"
)

// labelLink builds one LABEL_LINK_* delivery (internal/labellink), so the
// battery needs no label link API call: the mock sends a PROJECT_UPDATED,
// whose headers and project (or, with send_payload off, whose action-only
// shape) the label link body takes.
func (b *builder) labelLink(a schemas.Action) (delivery, error) {
	ds, err := b.emit(schemas.ProjectUpdated, http.MethodPatch, fmt.Sprintf("/api/projects/%d", b.pid), map[string]any{})
	if err != nil {
		return delivery{}, err
	}
	base := ds[0]
	b.links++
	body, err := labellink.FromProjectUpdated(a, b.links, base.Body, b.mk.Config, b.mk.Gen, time.Now())
	if err != nil {
		return delivery{}, err
	}
	return delivery{Action: a, Header: base.Header, Host: base.Host, Body: body}, nil
}
