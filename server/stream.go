package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"runtime"
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
	// appendTask, if set, lists tasks (ids are task ids) and is item's
	// form that is safe to call from several goroutines at once (under
	// the store lock, which the caller holds for them): it appends t's
	// JSON to b. A list of several chunks with it (and no edit) is
	// encoded a chunk per CPU at a time.
	appendTask func(b []byte, t *task, stamps *stampCache) []byte
	// warm, if set, reads what the tasks of a chunk will need before
	// they are encoded (under the store lock, like appendTask).
	warm func(ts []*task)
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
	chunks := make(chan *[]byte, 2)
	var gone atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		for bp := range chunks {
			if !gone.Load() && len(*bp) > 0 {
				if _, err := w.Write(*bp); err != nil {
					gone.Store(true) // the client went away; nothing to answer
				}
			}
			putChunk(bp)
		}
	})
	if workers := min(runtime.GOMAXPROCS(0), maxEncoders); la.appendTask != nil && la.edit == nil && workers > 1 {
		s.encodeParallel(la, workers, chunks, &gone)
		close(chunks)
		wg.Wait()
		return nil
	}
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

// maxEncoders bounds how many goroutines encode one list at once.
const maxEncoders = 4

// encodeParallel encodes la's items a chunk per worker per hold of the
// store lock (a 50 000-task export is 196 chunks; one core encoding them
// while the other only writes left half the machine idle) and sends the
// chunks to the writer in order. Each chunk's items are written with a
// comma before each; the first item of the list loses its comma.
func (s *Server) encodeParallel(la *listAnswer, workers int, chunks chan<- *[]byte, gone *atomic.Bool) {
	head := chunkBuffers.Get().(*[]byte)
	*head = append(*head, la.head...)
	chunks <- head
	first := true
	parts := make([]*[]byte, workers)
	for lo := 0; lo < len(la.ids) && !gone.Load(); lo += streamChunk * workers {
		ids := la.ids[lo:min(lo+streamChunk*workers, len(la.ids))]
		n := (len(ids) + streamChunk - 1) / streamChunk
		func() {
			s.st.mu.Lock()
			defer s.st.mu.Unlock()
			var wg sync.WaitGroup
			for i := 1; i < n; i++ {
				wg.Go(func() { parts[i] = s.encodeItems(la, ids[i*streamChunk:min((i+1)*streamChunk, len(ids))]) })
			}
			parts[0] = s.encodeItems(la, ids[:min(streamChunk, len(ids))])
			wg.Wait()
		}()
		for _, bp := range parts[:n] {
			if first && len(*bp) > 0 {
				*bp = append((*bp)[:0], (*bp)[1:]...) // the list's first item: no comma
				first = false
			}
			chunks <- bp
		}
	}
	tail := chunkBuffers.Get().(*[]byte)
	*tail = append(*tail, la.tail...)
	chunks <- tail
}

// encodeItems appends ",task" for each of ids that is still there to a
// new chunk buffer. The caller holds the store lock.
func (s *Server) encodeItems(la *listAnswer, ids []int) *[]byte {
	bp := chunkBuffers.Get().(*[]byte)
	b := *bp
	var stamps stampCache
	for _, t := range s.st.tasksOf(ids, la.warm) {
		b = append(b, ',')
		b = la.appendTask(b, t, &stamps)
	}
	*bp = b
	return bp
}

// tasksOf returns the tasks of ids that are still there, looked up once,
// and gives them to warm first (when set).
func (st *store) tasksOf(ids []int, warm func([]*task)) []*task {
	ts := make([]*task, 0, len(ids))
	for _, id := range ids {
		if t := st.taskAt(id); t != nil {
			ts = append(ts, t)
		}
	}
	if warm != nil {
		warm(ts)
	}
	return ts
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
	return &listEncoder{la: la, first: true} // enc is made for the first view without appendJSON
}

// encodeChunk appends the items of ids to b under the store lock.
func (s *Server) encodeChunk(le *listEncoder, b []byte, ids []int) []byte {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if le.la.appendTask != nil && le.la.edit == nil {
		var stamps stampCache
		for _, t := range s.st.tasksOf(ids, le.la.warm) {
			if !le.first {
				b = append(b, ',')
			}
			le.first = false
			b = le.la.appendTask(b, t, &stamps)
		}
		return b
	}
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
			if le.enc == nil {
				le.enc = json.NewEncoder(&le.scratch)
				le.enc.SetEscapeHTML(false)
			}
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

// warmTasks reads the tasks' annotations and the bytes of their data
// and results before a chunk is encoded. In a big project each is a cache
// miss, one after the other when a task is encoded; read here in a loop
// whose iterations do not depend on each other, the misses overlap. A
// task whose JSON in shape is kept (rendercache.go) is read as that alone;
// renderShapes names no kept shape.
func (st *store) warmTasks(ts []*task, shape renderShape) {
	n := 0
	for _, t := range ts {
		if shape < renderShapes && isRendered(t, shape) {
			n += touch(t.rendered[shape]) // kept: only its bytes are read
			continue
		}
		n += touch(t.Data)
		for _, aid := range t.annIDs {
			if a := st.annotations[aid]; a != nil {
				n += touch(a.Result)
				if a.LeadTime != nil {
					n += int(*a.LeadTime)
				}
			}
		}
	}
	warmSink.Add(int64(n))
}

// touch reads one byte of each cache line of b.
func touch(b []byte) int {
	n := 0
	for i := 0; i < len(b); i += 64 {
		n += int(b[i])
	}
	return n
}

// warmSink keeps warmTasks' reads from being optimised away.
var warmSink atomic.Int64
