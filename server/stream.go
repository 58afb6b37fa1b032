package server

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// Lists that a client can make as big as a project (a Data Manager page
// with page_size=10^12, an export, a project's task list) are written as
// they are encoded: the store lock is taken for one chunk of items at a
// time and never held while writing to the client, so memory stays
// bounded by a chunk and other requests keep their latency. An object
// deleted between two chunks is left out; one changed meanwhile shows its
// newer state (a list is read at one moment per chunk, not as a whole).

// streamChunk is how many items are encoded per hold of the store lock.
const streamChunk = 256

// listAnswer is a JSON answer with one big list in it: head, then the
// items of ids, comma-separated, then tail.
type listAnswer struct {
	head, tail string
	ids        []int
	// item returns the answer object of id, or false if it is gone; it
	// runs under the store lock.
	item func(id int) (any, bool)
	// edit, if set, rewrites each item's JSON (the include= key filter).
	edit func([]byte) []byte
	// header holds extra response headers (Content-Disposition).
	header http.Header
}

// answerList runs plan under the store lock to choose what to list, then
// streams the list chunk by chunk. plan's error is answered as usual.
func (s *Server) answerList(w http.ResponseWriter, status int, plan func() (*listAnswer, error)) error {
	var (
		la  *listAnswer
		err error
	)
	func() {
		s.st.mu.Lock()
		defer s.st.mu.Unlock()
		la, err = plan()
	}()
	if err != nil {
		return err
	}
	for k, vs := range la.header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteString(la.head)
	first := true
	for lo := 0; lo < len(la.ids); lo += streamChunk {
		chunk := la.ids[lo:min(lo+streamChunk, len(la.ids))]
		s.st.mu.Lock()
		for _, id := range chunk {
			v, ok := la.item(id)
			if !ok {
				continue
			}
			if !first {
				buf.WriteByte(',')
			}
			first = false
			start := buf.Len()
			if err := enc.Encode(v); err != nil {
				s.st.mu.Unlock()
				panic(err) // answer types always encode
			}
			buf.Truncate(buf.Len() - 1) // Encode's newline
			if la.edit != nil {
				edited := la.edit(bytes.Clone(buf.Bytes()[start:]))
				buf.Truncate(start)
				buf.Write(edited)
			}
		}
		s.st.mu.Unlock()
		if _, err := w.Write(buf.Bytes()); err != nil {
			return nil // the client went away; nothing to answer
		}
		buf.Reset()
	}
	buf.WriteString(la.tail)
	_, _ = w.Write(buf.Bytes())
	return nil
}
