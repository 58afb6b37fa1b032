package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// page is one page of a list: items [lo, hi) and DRF's absolute links.
type page struct {
	lo, hi         int
	next, previous *string
}

// pageBody is DRF's PageNumberPagination body.
type pageBody struct {
	Count    int               `json:"count"`
	Next     *string           `json:"next"`
	Previous *string           `json:"previous"`
	Results  []json.RawMessage `json:"results"`
}

// paginate reads page and page_size, as Python's int reads them (DRF and
// Django's Paginator call int(): 01, +2 and 1_0 are numbers). Page 1 of an empty list is fine; a
// page past the last, page 0, or a page that is not a number is a 404
// "Invalid page.", which is how Label Studio clients stop paging.
func paginate(r *http.Request, total, defaultSize int) (page, error) {
	pg, num, pages, err := pageBounds(r.URL.Query(), total, defaultSize)
	if err != nil {
		return pg, err
	}
	if num < pages {
		u := pageURL(r, num+1)
		pg.next = &u
	}
	if num > 1 {
		u := pageURL(r, num-1)
		pg.previous = &u
	}
	return pg, nil
}

// pageBounds is paginate without the links, for a list whose body has
// none (the Data Manager's): the page's items, its number and how many
// pages there are.
func pageBounds(q url.Values, total, defaultSize int) (pg page, num, pages int, err error) {
	size := defaultSize
	if v := param(q, "page_size"); v != "" {
		if n, ok := pyIntClamped(v); ok && n > 0 {
			size = n
		}
	}
	size = min(size, max(total, 1)) // the same pages; no overflow for a huge page_size
	pages = max(1, (total+size-1)/size)
	num = 1
	if v := strings.TrimSpace(param(q, "page")); v != "" {
		if v == "last" {
			num = pages
		} else {
			n, ok := pyIntClamped(v)
			if !ok || n < 1 || n > pages {
				return page{}, 0, 0, errNotFound("Invalid page.")
			}
			num = n
		}
	}
	return page{lo: min((num-1)*size, total), hi: min(num*size, total)}, num, pages, nil
}

// pageURL is the absolute request URL with page replaced (removed for
// page 1, as DRF does).
func pageURL(r *http.Request, num int) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		scheme = p
	}
	q := r.URL.Query()
	if num == 1 {
		q.Del("page")
	} else {
		q.Set("page", strconv.Itoa(num))
	}
	path := r.URL.Path
	if r.RequestURI != "" {
		if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
			path = u.Path
		}
	}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: path, RawQuery: q.Encode()}
	return u.String()
}

// splitFields reads a comma-separated field list (include=id,title).
func splitFields(v string) map[string]bool {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	out := map[string]bool{}
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out[f] = true
		}
	}
	return out
}

// pickKeys keeps only the keep keys of a JSON object, in their order.
// A nil keep keeps everything. The object is scanned in place (a list of
// 100 000 ids goes through here once per task); a key with an escape in
// it, or anything unexpected, takes the decoder's way.
func pickKeys(raw []byte, keep map[string]bool) json.RawMessage {
	if keep == nil {
		return raw
	}
	if len(raw) < 2 || raw[0] != '{' {
		return pickKeysDecoded(raw, keep)
	}
	out := make([]byte, 0, 64)
	out = append(out, '{')
	i := 1
	for i < len(raw) && raw[i] != '}' {
		if raw[i] == ',' {
			i++
		}
		if i >= len(raw) || raw[i] != '"' {
			return pickKeysDecoded(raw, keep)
		}
		end := stringEnd(raw, i)
		if end < 0 || end+1 >= len(raw) || raw[end+1] != ':' {
			return pickKeysDecoded(raw, keep)
		}
		key := raw[i+1 : end]
		if !plainKey(key) {
			return pickKeysDecoded(raw, keep)
		}
		vstart := end + 2
		vend := valueEnd(raw, vstart, true)
		if vend < 0 {
			return pickKeysDecoded(raw, keep)
		}
		if keep[string(key)] {
			if len(out) > 1 {
				out = append(out, ',')
			}
			out = append(out, raw[i:vend]...)
		}
		i = vend
	}
	return append(out, '}')
}

// plainKey: printable ASCII without escapes, the same decoded or not.
func plainKey(k []byte) bool {
	for _, c := range k {
		if c < 0x20 || c >= 0x7f || c == '\\' {
			return false
		}
	}
	return true
}

// stringEnd returns the index of the quote that closes the string opening
// at raw[i], or -1.
func stringEnd(raw []byte, i int) int {
	for j := i + 1; j < len(raw); {
		k := bytes.IndexByte(raw[j:], '"')
		if k < 0 {
			return -1
		}
		j += k
		n := 0
		for b := j - 1; b > i && raw[b] == '\\'; b-- {
			n++
		}
		if n%2 == 0 {
			return j
		}
		j++
	}
	return -1
}

// valueEnd returns the index just past the JSON value starting at raw[i]
// (checked JSON: the end is found, not the value checked), or -1 when it
// is cut short or, with compact, when whitespace stands outside its
// strings.
func valueEnd(raw []byte, i int, compact bool) int {
	depth := 0
	for ; i < len(raw); i++ {
		switch raw[i] {
		case '"':
			if i = stringEnd(raw, i); i < 0 {
				return -1
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i // the end of the enclosing object
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case ',':
			if depth == 0 {
				return i
			}
		case ' ', '\t', '\n', '\r':
			if compact {
				return -1 // the decoder's way
			}
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// pickKeysDecoded is pickKeys for any JSON object.
func pickKeysDecoded(raw []byte, keep map[string]bool) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return raw
	}
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return raw
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return raw
		}
		k, _ := kt.(string)
		if !keep[k] {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		kj, _ := marshal(k)
		b.Write(kj)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes()
}
