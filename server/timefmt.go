package server

import (
	"time"
)

// stamp is a datetime written the way Django REST framework writes it:
// UTC, six fraction digits, a Z suffix.
type stamp time.Time

const stampLayout = "2006-01-02T15:04:05.000000Z"

func (s stamp) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(stampLayout)+2)
	b = append(b, '"')
	b = time.Time(s).UTC().AppendFormat(b, stampLayout)
	return append(b, '"'), nil
}

// optStamp is a nullable datetime.
func optStamp(t *time.Time) *stamp {
	if t == nil {
		return nil
	}
	s := stamp(*t)
	return &s
}

// parseStamp accepts the datetimes clients send: RFC 3339 with or without
// fraction digits and zone.
func parseStamp(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
