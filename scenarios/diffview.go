package scenarios

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/labelhook/labelhook/internal/jsontext"
)

// diff renders what a pattern wants and what arrived (the views compare
// returns) as lines a person can read, the same bytes every run: keys in
// order, "-" for what is wanted and "+" for what arrived, unchanged
// parts of an object or list shown once without a sign. go-cmp's Diff is
// not used for this on purpose: its output is documented as unstable.
func diff(want, got any) string {
	var b strings.Builder
	diffValue(&b, "", "", want, got)
	return strings.TrimRight(b.String(), "\n")
}

// diffValue writes the difference of want and got at one place; label is
// the key or index that leads to it ("" at the top).
func diffValue(b *strings.Builder, indent, label string, want, got any) {
	wm, wIsMap := want.(map[string]any)
	gm, gIsMap := got.(map[string]any)
	if wIsMap && gIsMap {
		fmt.Fprintf(b, "%s%s{\n", indent+"  ", label)
		keys := slices.Concat(slices.Collect(maps.Keys(wm)), slices.Collect(maps.Keys(gm)))
		slices.Sort(keys)
		for _, k := range slices.Compact(keys) {
			w, inW := wm[k]
			g, inG := gm[k]
			lbl := fmt.Sprintf("%q: ", k)
			switch {
			case !inG:
				line(b, indent+"  ", "-", lbl, w)
			case !inW:
				line(b, indent+"  ", "+", lbl, g)
			default:
				diffValue(b, indent+"  ", lbl, w, g)
			}
		}
		fmt.Fprintf(b, "%s}\n", indent+"  ")
		return
	}
	wl, wIsList := want.([]any)
	gl, gIsList := got.([]any)
	if wIsList && gIsList {
		fmt.Fprintf(b, "%s%s[\n", indent+"  ", label)
		for i := range max(len(wl), len(gl)) {
			lbl := fmt.Sprintf("[%d]: ", i)
			switch {
			case i >= len(gl):
				line(b, indent+"  ", "-", lbl, wl[i])
			case i >= len(wl):
				line(b, indent+"  ", "+", lbl, gl[i])
			default:
				diffValue(b, indent+"  ", lbl, wl[i], gl[i])
			}
		}
		fmt.Fprintf(b, "%s]\n", indent+"  ")
		return
	}
	if equal(want, got) {
		line(b, indent, " ", label, got)
		return
	}
	line(b, indent, "-", label, want)
	line(b, indent, "+", label, got)
}

// line writes one value as compact JSON (no HTML escaping) after its
// sign and label.
func line(b *strings.Builder, indent, sign, label string, v any) {
	text := fmt.Sprint(v)
	if j, err := jsontext.Marshal(v); err == nil {
		text = string(j)
	}
	fmt.Fprintf(b, "%s%s %s%s\n", strings.TrimSuffix(indent, " "), sign, label, text)
}
