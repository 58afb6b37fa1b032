package fakedata

import (
	"strings"
	"sync"
	"time"

	"github.com/brianvoe/gofakeit/v6/data"
)

// Entity kinds the generated texts contain.
const (
	kindPerson = "person"
	kindOrg    = "org"
	kindPlace  = "place"
	kindDate   = "date"
)

// kindLabels are the label names that usually stand for each kind in NER
// configs (compared without regard to case).
var kindLabels = map[string][]string{
	kindPerson: {"PER", "PERSON", "PEOPLE", "NAME"},
	kindOrg:    {"ORG", "ORGANIZATION", "ORGANISATION", "COMPANY"},
	kindPlace:  {"LOC", "LOCATION", "GPE", "PLACE", "CITY"},
	kindDate:   {"DATE", "TIME", "DATETIME"},
}

// vocabulary is gofakeit's word lists as sets, built once.
var vocabulary = sync.OnceValue(func() map[string]map[string]bool {
	set := func(lists ...[]string) map[string]bool {
		m := map[string]bool{}
		for _, l := range lists {
			for _, w := range l {
				m[w] = true
			}
		}
		return m
	}
	return map[string]map[string]bool{
		"first":   set(data.Person["first"]),
		"last":    set(data.Person["last"]),
		"city":    set(data.Address["city"]),
		"suffix":  set(data.Company["suffix"]),
		"company": set(data.Company["name"]),
		"month":   set(months()),
	}
})

// entityKind guesses what a span of generated text names, from the word
// lists the text was made of: "" when it is none of the known kinds.
func entityKind(span string) string {
	v := vocabulary()
	words := strings.Fields(strings.Trim(span, ".,;:!?"))
	if len(words) == 0 {
		return ""
	}
	last := words[len(words)-1]
	switch {
	case v["city"][strings.Join(words, " ")]:
		return kindPlace
	case v["company"][strings.Join(words, " ")] || v["suffix"][last] || strings.HasSuffix(span, "and Sons"):
		return kindOrg
	case v["month"][words[0]]:
		return kindDate
	case v["first"][words[0]] && (len(words) == 1 || v["last"][last]):
		return kindPerson
	}
	return ""
}

// labelFor picks the label of labels that stands for the span's kind, if
// the config has one.
func labelFor(labels []string, span string) (string, bool) {
	kind := entityKind(span)
	if kind == "" {
		return "", false
	}
	for _, l := range labels {
		for _, name := range kindLabels[kind] {
			if strings.EqualFold(l, name) {
				return l, true
			}
		}
	}
	return "", false
}

func months() []string {
	out := make([]string, 12)
	for m := time.January; m <= time.December; m++ {
		out[m-1] = m.String()
	}
	return out
}
