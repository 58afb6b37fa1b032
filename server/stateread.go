package server

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"

	jsonv2 "github.com/go-json-experiment/json"
)

// Reading a big state fast (`serve --state` must answer within a second of
// starting on 100 000 tasks and 100 000 annotations): the state file and
// a big journal record are JSON objects whose lists hold the stored
// objects. A jsonStream splits such a list into its items with a cheap
// scan of nesting and strings, and the items are decoded (storedFormat),
// with unknown fields refused, in batches on every CPU;
// the batches are handed on in file order, so what is kept and which
// error is reported are what one decoder reading the file front to back
// would keep and report. Memory stays bounded: the file is read a
// megabyte at a time and a few batches are in flight.

// jsonStream reads JSON tokens and whole values from r. A value it hands
// out stays valid: more input goes to a new buffer, never over old bytes.
type jsonStream struct {
	r   io.Reader
	buf []byte // buf[pos:] is not read yet
	pos int
	eof bool
	err error // a read error other than EOF
}

// streamRead is how much input one read asks for.
const streamRead = 1 << 20

func newJSONStream(r io.Reader) *jsonStream { return &jsonStream{r: r} }

// newJSONBytes is a stream over b, all in memory: nothing is copied.
func newJSONBytes(b []byte) *jsonStream { return &jsonStream{buf: b, eof: true} }

// more reads more input into a new buffer that starts with the unread
// bytes. It reports whether any came.
func (s *jsonStream) more() bool {
	if s.eof || s.err != nil {
		return false
	}
	unread := s.buf[s.pos:]
	nb := make([]byte, len(unread), max(len(unread)+streamRead, 2*len(unread)))
	copy(nb, unread)
	for {
		n, err := s.r.Read(nb[len(nb):cap(nb)])
		nb = nb[:len(nb)+n]
		if err == io.EOF {
			s.eof = true
		} else if err != nil {
			s.err = err
		}
		if n > 0 || s.eof || s.err != nil {
			s.buf, s.pos = nb, 0
			return n > 0
		}
	}
}

// errEnd is input that stops in the middle of the JSON.
var errEnd = io.ErrUnexpectedEOF

// fail is the read error, or errEnd.
func (s *jsonStream) fail() error {
	if s.err != nil {
		return s.err
	}
	return errEnd
}

// peek skips whitespace and returns the next byte without reading it;
// io.EOF when the input ends cleanly there.
func (s *jsonStream) peek() (byte, error) {
	for {
		for s.pos < len(s.buf) {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\n', '\r':
				s.pos++
			default:
				return c, nil
			}
		}
		if !s.more() {
			if s.err != nil {
				return 0, s.err
			}
			return 0, io.EOF
		}
	}
}

// expect reads the byte c (after whitespace).
func (s *jsonStream) expect(c byte, what string) error {
	got, err := s.peek()
	if err == io.EOF {
		return errEnd
	}
	if err != nil {
		return err
	}
	if got != c {
		return fmt.Errorf("invalid character %q %s", got, what)
	}
	s.pos++
	return nil
}

// value returns the bytes of the next whole value (after whitespace).
func (s *jsonStream) value() ([]byte, error) {
	if _, err := s.peek(); err != nil {
		if err == io.EOF {
			return nil, errEnd
		}
		return nil, err
	}
	for {
		end, err := scanValue(s.buf, s.pos, s.eof)
		if err != nil {
			return nil, err
		}
		if end >= 0 {
			v := s.buf[s.pos:end:end]
			s.pos = end
			return v, nil
		}
		if !s.more() {
			return nil, s.fail()
		}
	}
}

// members reads an object's members up to its '}', its '{' already
// read: for each, member gets the key with the stream at the value, which
// it must read. A syntax error is returned through syntax; member's own
// errors as they are.
func (s *jsonStream) members(syntax func(error) error, member func(key string) error) error {
	for first := true; ; first = false {
		c, err := s.peek()
		if err != nil {
			return syntax(errEnd)
		}
		if c == '}' {
			s.pos++
			return nil
		}
		if !first {
			if err := s.expect(',', "after object key:value pair"); err != nil {
				return syntax(err)
			}
		}
		var key string
		raw, err := s.value()
		if err == nil {
			err = json.Unmarshal(raw, &key)
		}
		if err == nil {
			err = s.expect(':', "after object key")
		}
		if err != nil {
			return syntax(err)
		}
		if err := member(key); err != nil {
			return err
		}
	}
}

// decode reads the next value into v, as decodeStrict does.
func (s *jsonStream) decode(v any) error {
	raw, err := s.value()
	if err != nil {
		return err
	}
	return decodeStrict(raw, v)
}

// scanValue returns the index just past the JSON value that starts at
// b[i], or -1 when b ends first (atEOF: b is all there is; a bare number
// or literal then ends there). It follows strings and nesting only; the
// decoder checks the rest.
func scanValue(b []byte, i int, atEOF bool) (int, error) {
	switch c := b[i]; c {
	case '"':
		end := stringEnd(b, i)
		if end < 0 {
			return -1, nil
		}
		return end + 1, nil
	case '{', '[':
		var closers [32]byte
		stack := closers[:0] // the closers expected, innermost last
		for j := i; j < len(b); j++ {
			switch c := b[j]; c {
			case '"':
				end := stringEnd(b, j)
				if end < 0 {
					return -1, nil
				}
				j = end
			case '{':
				stack = append(stack, '}')
			case '[':
				stack = append(stack, ']')
			case '}', ']':
				if len(stack) == 0 || stack[len(stack)-1] != c {
					return -1, fmt.Errorf("invalid character %q in a JSON value", c)
				}
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return j + 1, nil
				}
			}
		}
		return -1, nil
	case '}', ']', ',', ':':
		return -1, fmt.Errorf("invalid character %q looking for beginning of value", c)
	}
	for j := i; j < len(b); j++ {
		switch b[j] {
		case ',', '}', ']', ':', ' ', '\t', '\n', '\r', '"', '{', '[':
			return j, nil
		}
	}
	if atEOF {
		return len(b), nil
	}
	return -1, nil
}

// storedFormat is how the state file and the journal are decoded:
// github.com/go-json-experiment/json, the module encoding/json/v2 comes
// from (not yet in the standard library without GOEXPERIMENT), reads a
// value in one validating pass where encoding/json scans it twice first;
// it loads a state of 100 000 annotated tasks in 0.93 s against 1.6 s.
// Unknown members are refused and names must match exactly, as labelhook
// writes them.
var storedFormat = jsonv2.RejectUnknownMembers(true)

// decodeStrict decodes raw into v with unknown fields refused and
// nothing but whitespace allowed after the value.
func decodeStrict(raw []byte, v any) error {
	return jsonv2.Unmarshal(raw, v, storedFormat)
}

// Batches of list items: about batchBytes each; batchWindow of them are
// decoded at once. (Variables: the fuzz tests make batches tiny.)
var (
	batchBytes  = 256 << 10
	batchWindow = 2 * runtime.GOMAXPROCS(0)
)

// readEntityList reads a list of stored objects (or null, which version 1
// wrote for an empty one) and hands the decoded objects to add, batch by
// batch in file order. The first error in file order is returned: a
// batch's decoding error or add's, else the list's own syntax error.
func readEntityList[T any](s *jsonStream, add func([]*T) error) error {
	c, err := s.peek()
	if err == io.EOF {
		return errEnd
	}
	if err != nil {
		return err
	}
	if c == 'n' {
		raw, err := s.value()
		if err == nil && string(raw) != "null" {
			err = fmt.Errorf("want a list, got %.20s", raw)
		}
		return err
	}
	if c != '[' {
		return fmt.Errorf("want a list, got %q", c)
	}
	s.pos++
	p := &batches[T]{add: add}
	// A batch is the items' bytes where the stream read them (it never
	// writes over bytes it handed out), so nothing is copied.
	var batch [][]byte
	size := 0
	flush := func() {
		if len(batch) > 0 {
			p.submit(batch) // the job's now: the next batch is a new slice
		}
		batch, size = nil, 0
	}
	readErr := func() error {
		for first := true; ; first = false {
			c, err := s.peek()
			if err == io.EOF {
				return errEnd
			}
			if err != nil {
				return err
			}
			if c == ']' {
				s.pos++
				return nil
			}
			if !first {
				if c != ',' {
					return fmt.Errorf("invalid character %q after list element", c)
				}
				s.pos++
			}
			raw, err := s.value()
			if err != nil {
				return err
			}
			batch = append(batch, raw)
			if size += len(raw); size >= batchBytes {
				flush()
				if p.failed() {
					return nil // the batch's error comes first
				}
			}
		}
	}()
	if readErr == nil {
		flush()
	}
	if err := p.wait(); err != nil {
		return err
	}
	return readErr
}

// decodeItems decodes list items, each an object; a null item is refused.
// Tasks and annotations take the fast path first (entitydecode.go).
func decodeItems[T any](items [][]byte) ([]*T, error) {
	out := make([]*T, 0, len(items))
	fast := fastItem[T]()
	left := batchLeft{items: len(items)} // for the fast path's chunks
	for _, raw := range items {
		left.bytes += len(raw)
	}
	for _, raw := range items {
		if fast != nil {
			v := fast(raw, left)
			left.items, left.bytes = left.items-1, left.bytes-len(raw)
			if v != nil {
				out = append(out, v)
				continue
			}
		}
		var v *T
		if err := jsonv2.Unmarshal(raw, &v, storedFormat); err != nil {
			return nil, err
		}
		if v == nil {
			return nil, errNullItem
		}
		out = append(out, v)
	}
	return out, nil
}

// fastItem is the fast path for list items of T, which gives nil for an
// item it leaves to reflection; nil for a T without one. left is what the
// batch has left, this item included.
func fastItem[T any]() func(raw []byte, left batchLeft) *T {
	p := new(itemParser)
	var fn any
	switch any((*T)(nil)).(type) {
	case *task:
		fn = func(raw []byte, left batchLeft) *task {
			p.slabs.left = left
			if t, ok := p.readTask(raw); ok {
				return t
			}
			return nil
		}
	case *annotation:
		fn = func(raw []byte, left batchLeft) *annotation {
			p.slabs.left = left
			if a, ok := p.readAnnotation(raw); ok {
				return a
			}
			return nil
		}
	default:
		return nil
	}
	return fn.(func([]byte, batchLeft) *T)
}

// batches decodes batches of list items concurrently and hands them to
// add in the order they were submitted.
type batches[T any] struct {
	add      func([]*T) error
	inflight []*batchJob[T]
	err      error
}

type batchJob[T any] struct {
	done chan struct{}
	out  []*T
	err  error
}

func (p *batches[T]) submit(items [][]byte) {
	if len(p.inflight) >= batchWindow {
		p.finishOldest()
	}
	j := &batchJob[T]{done: make(chan struct{})}
	p.inflight = append(p.inflight, j)
	go func() {
		defer close(j.done)
		j.out, j.err = decodeItems[T](items)
	}()
}

func (p *batches[T]) finishOldest() {
	j := p.inflight[0]
	p.inflight = p.inflight[1:]
	<-j.done
	if p.err == nil {
		if j.err != nil {
			p.err = j.err
		} else {
			p.err = p.add(j.out)
		}
	}
}

func (p *batches[T]) failed() bool {
	for len(p.inflight) > 0 {
		select {
		case <-p.inflight[0].done:
			p.finishOldest()
			continue
		default:
		}
		break
	}
	return p.err != nil
}

// wait finishes every batch and returns the first error.
func (p *batches[T]) wait() error {
	for len(p.inflight) > 0 {
		p.finishOldest()
	}
	return p.err
}
