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

// paginate reads page and page_size. Page 1 of an empty list is fine; a
// page past the last, page 0, or a page that is not a number is a 404
// "Invalid page.", which is how Label Studio clients stop paging.
func paginate(r *http.Request, total, defaultSize int) (page, error) {
	q := r.URL.Query()
	size := defaultSize
	if v := q.Get("page_size"); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
			size = n
		}
	}
	size = min(size, max(total, 1)) // the same pages; no overflow for a huge page_size
	pages := max(1, (total+size-1)/size)
	num := 1
	if v := strings.TrimSpace(q.Get("page")); v != "" {
		if v == "last" {
			num = pages
		} else {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > pages {
				return page{}, errNotFound("Invalid page.")
			}
			num = n
		}
	}
	pg := page{lo: min((num-1)*size, total), hi: min(num*size, total)}
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
// A nil keep keeps everything.
func pickKeys(raw []byte, keep map[string]bool) json.RawMessage {
	if keep == nil {
		return raw
	}
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
