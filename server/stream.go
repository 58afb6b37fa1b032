package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
)

// Lists that a client can make as big as a project (a Data Manager page
// with page_size=10^12, an export, a project's task list) are written as
// they are encoded: the store lock is taken for one chunk of items at a
// time and never held while writing to the client, so memory stays
// bounded by a few chunks and other requests keep their latency. An
// object deleted between two chunks is left out; one changed meanwhile
// shows its newer state (a list is read at one moment per chunk, not as
// a whole). A list of several chunks is written by a second goroutine
// while the next chunk is encoded, so encoding and the network overlap.

// streamChunk is how many items are encoded per hold of the store lock.
const streamChunk = 256

// chunkBuffers are the buffers chunks are encoded into; one that grew past
// maxPooledChunk (huge tasks) is left to the collector.
var chunkBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, 256<<10)
	return &b
}}

const maxPooledChunk = 4 << 20

func putChunk(bp *[]byte) {
	if cap(*bp) <= maxPooledChunk {
		*bp = (*bp)[:0]
		chunkBuffers.Put(bp)
	}
}

// listAnswer is a JSON answer with one big list in it: head, then the
// items of ids, comma-separated, then tail.
type listAnswer struct {
	head, tail string
	ids        []int
	// item returns the answer object of id, or false if it is gone; it
	// runs under the store lock, and what it returns is encoded before it
	// is called again (it may return the same view each time).
	item func(id int) (any, bool)
	// edit, if set, rewrites each item's JSON (the include= key filter);
	// it must not keep its argument, which the next item overwrites.
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

	le := newListEncoder(la)
	if len(la.ids) <= streamChunk {
		bp := chunkBuffers.Get().(*[]byte)
		defer putChunk(bp)
		*bp = append(*bp, la.head...)
		*bp = s.encodeChunk(le, *bp, la.ids)
		*bp = append(*bp, la.tail...)
		_, _ = w.Write(*bp)
		return nil
	}

	// The writer: chunks in order, until the client goes away.
	chunks := make(chan *[]byte, 1)
	var gone atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		for bp := range chunks {
			if !gone.Load() {
				if _, err := w.Write(*bp); err != nil {
					gone.Store(true) // the client went away; nothing to answer
				}
			}
			putChunk(bp)
		}
	})
	for lo := 0; lo < len(la.ids) && !gone.Load(); lo += streamChunk {
		bp := chunkBuffers.Get().(*[]byte)
		if lo == 0 {
			*bp = append(*bp, la.head...)
		}
		*bp = s.encodeChunk(le, *bp, la.ids[lo:min(lo+streamChunk, len(la.ids))])
		if lo+streamChunk >= len(la.ids) {
			*bp = append(*bp, la.tail...)
		}
		chunks <- bp
	}
	close(chunks)
	wg.Wait()
	return nil
}

// listEncoder encodes the items of one list: views that write their own
// JSON (encode.go) append directly, others go through encoding/json.
type listEncoder struct {
	la      *listAnswer
	first   bool
	scratch bytes.Buffer
	enc     *json.Encoder
}

func newListEncoder(la *listAnswer) *listEncoder {
	le := &listEncoder{la: la, first: true}
	le.enc = json.NewEncoder(&le.scratch)
	le.enc.SetEscapeHTML(false)
	return le
}

// encodeChunk appends the items of ids to b under the store lock.
func (s *Server) encodeChunk(le *listEncoder, b []byte, ids []int) []byte {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	for _, id := range ids {
		v, ok := le.la.item(id)
		if !ok {
			continue
		}
		if !le.first {
			b = append(b, ',')
		}
		le.first = false
		start := len(b)
		if a, ok := v.(jsonAppender); ok {
			b = a.appendJSON(b)
		} else {
			le.scratch.Reset()
			if err := le.enc.Encode(v); err != nil {
				panic(err) // answer types always encode
			}
			b = append(b, bytes.TrimSuffix(le.scratch.Bytes(), []byte("\n"))...)
		}
		if le.la.edit != nil {
			edited := le.la.edit(b[start:])
			b = append(b[:start], edited...)
		}
	}
	return b
}
