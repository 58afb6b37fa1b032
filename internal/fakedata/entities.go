package fakedata

import (
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

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

// entity is a name found in a text: runes [start, end) name a kind.
type entity struct {
	start, end int
	kind       string
}

// lexicon holds the names the generated texts are made of (gofakeit's
// lists), indexed by their first word, longest first.
type lexicon struct {
	names     map[string][]lexName // first word -> whole names (cities, companies)
	first     map[string]bool      // first names
	lastNames map[string][]string  // first word of a last name -> last names
	months    map[string]bool
}

type lexName struct {
	text string
	kind string
}

var names = sync.OnceValue(func() *lexicon {
	lx := &lexicon{names: map[string][]lexName{}, first: map[string]bool{}, lastNames: map[string][]string{}, months: map[string]bool{}}
	add := func(list []string, kind string) {
		for _, n := range list {
			if w := firstWord(n); w != "" {
				lx.names[w] = append(lx.names[w], lexName{n, kind})
			}
		}
	}
	add(data.Address["city"], kindPlace)
	add(data.Company["name"], kindOrg)
	for _, l := range lx.names {
		slices.SortFunc(l, func(a, b lexName) int { return len(b.text) - len(a.text) })
	}
	for _, f := range data.Person["first"] {
		lx.first[f] = true
	}
	for _, l := range data.Person["last"] {
		if w := firstWord(l); w != "" {
			lx.lastNames[w] = append(lx.lastNames[w], l)
		}
	}
	for m := time.January; m <= time.December; m++ {
		lx.months[m.String()] = true
	}
	return lx
})

// firstWord is the first word of s, when s starts with it.
func firstWord(s string) string {
	w := wordRuns(s)
	if len(w) == 0 || w[0][0] != 0 {
		return ""
	}
	return string([]rune(s)[w[0][0]:w[0][1]])
}

// entities finds the names in text that the generator's word lists hold:
// people ("First Last"), companies and cities (whole, as listed), dates
// ("January 2"); at each word the longest match wins. A word that merely
// looks like a name (a capitalized common noun, "I", a month alone) is
// none: only a name of a known kind is an entity.
func entities(text string, words [][2]int) []entity {
	lx := names()
	runes := []rune(text)
	// at reports whether s is in the text at rune i, ending a word.
	at := func(i int, s string) (int, bool) {
		r := []rune(s)
		end := i + len(r)
		if end > len(runes) || string(runes[i:end]) != s {
			return 0, false
		}
		if end < len(runes) && (unicode.IsLetter(runes[end]) || unicode.IsDigit(runes[end])) {
			return 0, false
		}
		return end, true
	}
	word := func(k int) string { return string(runes[words[k][0]:words[k][1]]) }
	var out []entity
	for k := 0; k < len(words); k++ {
		start, best := words[k][0], entity{}
		consider := func(end int, kind string) {
			if end-start > best.end-best.start {
				best = entity{start, end, kind}
			}
		}
		for _, n := range lx.names[word(k)] {
			if end, ok := at(start, n.text); ok {
				consider(end, n.kind)
				break // longest first
			}
		}
		if k+1 < len(words) && words[k+1][0] == words[k][1]+1 && runes[words[k][1]] == ' ' {
			next := word(k + 1)
			if lx.first[word(k)] {
				for _, last := range lx.lastNames[next] {
					if end, ok := at(words[k+1][0], last); ok {
						consider(end, kindPerson)
					}
				}
			}
			if lx.months[word(k)] && len(next) <= 2 && strings.IndexFunc(next, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
				consider(words[k+1][1], kindDate)
			}
		}
		if best.kind == "" {
			continue
		}
		out = append(out, best)
		for k+1 < len(words) && words[k+1][0] < best.end {
			k++
		}
	}
	return out
}

// entityLabels maps each entity kind to the label of labels that stands
// for it; empty when no label names a kind (a config whose labels mean
// something else: Positive, Symptom, …).
func entityLabels(labels []string) map[string]string {
	out := map[string]string{}
	for kind, names := range kindLabels {
		for _, l := range labels {
			if slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(l, n) }) {
				out[kind] = l
				break
			}
		}
	}
	return out
}
