package receiver

import (
	"encoding/json"
	"iter"

	"github.com/labelhook/labelhook/internal/inspector"
)

// newInspector returns the receiver's live page (GET /ui/), reading the
// records as GET /events writes them.
func (rc *Receiver) newInspector() *inspector.ReceiverPage {
	return inspector.NewReceiverPage(inspector.ReceiverSource{
		Since: func(since int64) iter.Seq[json.RawMessage] {
			recs := rc.Events(Filter{Since: since})
			return func(yield func(json.RawMessage) bool) {
				for i := range recs {
					line, err := recs[i].MarshalJSON()
					recs[i] = Record{} // let a body go as soon as it is written
					if err == nil && !yield(line) {
						return
					}
				}
			}
		},
		Get: func(seq int64) (json.RawMessage, bool) {
			rc.mu.Lock()
			r, ok := rc.records.get(seq)
			var rec Record
			if ok {
				rec = *r
			}
			rc.mu.Unlock()
			if !ok {
				return nil, false
			}
			line, err := rec.MarshalJSON()
			return line, err == nil
		},
		Done: rc.stop,
	})
}
