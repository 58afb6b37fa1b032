package server

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// Ids in URLs: Label Studio reads them with Python's int, so "01" and
// " 1 " are 1 and "1.0" is no id.

// pyInt reads an id from a URL, as Python's int(str) does in Label
// Studio's views and Django's path converters: spaces around it, a sign,
// digits with single underscores between them ("01" is 1, "1.0" is not
// an int).
func pyInt(s string) (int, bool) {
	d, ok := pyDigits(s)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(d)
	if err != nil {
		return 0, false
	}
	return n, true
}

// pyIntClamped is pyInt for a count or a page, where Python's int has no
// bound: a number beyond 64 bits is clamped to the nearest int (strconv
// gives that with ErrRange), which pages the same way: every task, or no
// such page.
func pyIntClamped(s string) (int, bool) {
	d, ok := pyDigits(s)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(d)
	return n, err == nil || errors.Is(err, strconv.ErrRange)
}

// pyDigits returns s as strconv reads it when Python's int reads it:
// spaces around it, one sign, digits with single underscores between.
func pyDigits(s string) (string, bool) {
	s = strings.TrimSpace(s)
	digits := strings.TrimLeft(s, "+-")
	if len(s)-len(digits) > 1 || digits == "" || digits[0] == '_' || digits[len(digits)-1] == '_' || strings.Contains(digits, "__") {
		return "", false
	}
	for _, c := range digits {
		if c != '_' && (c < '0' || c > '9') {
			return "", false
		}
	}
	return strings.ReplaceAll(s, "_", ""), true
}

// param is the value of key in q as Label Studio reads a query parameter
// (Django's QueryDict.get): the last of a repeated one, "" when absent.
// Parameters that take several values read q[key] themselves.
func param(q url.Values, key string) string {
	v, _ := lookup(q, key)
	return v
}

// lookup is param that also says whether key is there.
func lookup(q url.Values, key string) (string, bool) {
	vs := q[key]
	if len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

// queryDigits reads an integer query parameter as Label Studio's
// int_from_request does: absent, it is not there (present false); present
// but not an int (empty too), it is a 400 whose validation_errors holds
// a message, not a list.
func queryDigits(q url.Values, key string) (n int, present bool, err error) {
	if !q.Has(key) {
		return 0, false, nil
	}
	v := param(q, key)
	if n, ok := pyInt(v); ok {
		return n, true, nil
	}
	return 0, true, errNotDigits(key, v)
}

// errNotDigits is int_from_request's 400 for a value that is not an int:
// validation_errors holds the message as a bare string, not a list.
func errNotDigits(key, v string) *apiError {
	return &apiError{Status: 400, Detail: "Validation error", Validation: map[string]any{
		key: `Incorrect value in key "` + key + `" = "` + v + `". It should be digit string.`,
	}}
}

// errNoChoice is django-filter's answer to a filter value that names
// nothing it can choose (a ModelChoiceFilter given "abc" or "1.0").
func errNoChoice(key string) *apiError {
	return errValidation(key, "Select a valid choice. That choice is not one of the available choices.")
}
