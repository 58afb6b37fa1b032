package server

import (
	"net/url"
)

// Label Studio's GET /api/projects/{id}/tasks pages with its deprecated
// paginator (core/utils/common.py), not DRF's, and the mock follows it
// rule by rule, as Label Studio 1.23.2 answered:
//   - the size is page_size, else length, else 50, read by Python's int();
//     exactly "-1" is every task; a size that is not an int is a 500 in
//     Label Studio ("invalid literal for int() with base 10: 'x'"), a 400
//     with that detail here (the mock answers no 5xx);
//   - the page is start (an offset: start/size + 1 when start > size > 0,
//     else start + 1) or page (default 1), read by int_from_request: not
//     an int is a 400 whose validation_errors holds the message;
//   - Django's Paginator then: a size of 0 or below, a page below 1 or
//     past the last, or no tasks at all (an empty project's first page,
//     or its every task) is a 404 "Not found.";
//   - a repeated parameter counts by its last value, as Django's
//     QueryDict.get reads it.

// legacyPage returns the bounds [lo, hi) of the page of total tasks the
// query asks for.
func legacyPage(q url.Values, total int) (lo, hi int, err error) {
	sizeText, ok := lookup(q, "page_size")
	if !ok {
		sizeText, ok = lookup(q, "length")
	}
	if !ok {
		sizeText = "50" // the paginator's default, a string as a query's would be
	}
	size, sizeOK := pyIntClamped(sizeText) // its error comes after start's or page's
	var page int
	if startText, ok := lookup(q, "start"); ok {
		start, err := intFromRequest("start", startText)
		if err != nil {
			return 0, 0, err
		}
		if !sizeOK {
			return 0, 0, errNotInt(sizeText)
		}
		if start > size && size > 0 {
			page = start/size + 1
		} else {
			page = start + 1
		}
	} else if pageText, ok := lookup(q, "page"); ok {
		if page, err = intFromRequest("page", pageText); err != nil {
			return 0, 0, err
		}
	} else {
		page = 1
	}
	if sizeText == "-1" {
		lo, hi = 0, total
	} else {
		if !sizeOK {
			return 0, 0, errNotInt(sizeText)
		}
		// Paginator: ceil(max(1, count) / size) pages; a size of 0 divides
		// by zero, which the paginator answers with no tasks, and a
		// negative one leaves no page at or above 1.
		if size <= 0 || page < 1 || page > (max(1, total)-1)/size+1 {
			return 0, 0, errNotFound("Not found.")
		}
		lo, hi = (page-1)*size, min(page*size, total)
	}
	if lo >= hi {
		return 0, 0, errNotFound("Not found.") // no tasks: Label Studio raises Http404
	}
	return lo, hi, nil
}

// intFromRequest is Label Studio's int_from_request on a value that is
// there: Python's int(), or a 400 whose validation_errors holds the
// message as a bare string.
func intFromRequest(key, v string) (int, error) {
	if n, ok := pyIntClamped(v); ok {
		return n, nil
	}
	return 0, errNotDigits(key, v)
}

// errNotInt is the detail of the ValueError Python's int() raises on v,
// which Label Studio lets through as a 500; the mock answers it with 400.
func errNotInt(v string) *apiError {
	return errBadRequest("invalid literal for int() with base 10: " + pyString(v))
}
