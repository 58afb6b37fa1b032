package server

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// validateConfig is Project.validate_config's check of a new label config
// against the project's annotations (projects/models.py, 1.23.2). Every
// from_name, to_name and type the annotations use must be in the config;
// strict (POST /api/projects/{id}/validate), every label they use must
// also be one of its control's labels, unless the control's labels are
// dynamic. A PATCH of label_config is not strict: Label Studio only logs a
// label gone. It returns Label Studio's message, "" when the config fits.
func (st *store) validateConfig(p *project, lc *labelConfig, strict bool) string {
	if len(lc.order) == 0 {
		return "" // "Annotation schema is not found in config": nothing to check against
	}
	used := st.usedTags(p)
	if msg := incompatibleTags(used, lc); msg != "" || !strict {
		return msg
	}
	return missingLabels(used, lc, func() map[string]bool { return st.linkedLabelValues(p) })
}

// usedTags is what a project summary keeps of its annotations: each
// (from_name, to_name, type) with its count, and each control's labels
// with theirs, both in the order first seen.
type usedTags struct {
	tags      [][3]string
	tagCount  map[[3]string]int
	controls  []string
	labels    map[string][]string // control -> labels in first-seen order
	labelUses map[[2]string]int   // (control, label) -> uses
}

func (st *store) usedTags(p *project) *usedTags {
	u := &usedTags{tagCount: map[[3]string]int{}, labels: map[string][]string{}, labelUses: map[[2]string]int{}}
	for _, tid := range p.taskIDs {
		for _, aid := range st.tasks[tid].annIDs {
			result := orEmptyList(st.annotations[aid].Result)
			if jsonKind(result) != '[' {
				continue
			}
			for _, item := range splitList(result) {
				k, rawType, value, ok := annotationKey(item)
				if !ok {
					continue
				}
				if u.tagCount[k] == 0 {
					u.tags = append(u.tags, k)
				}
				u.tagCount[k]++
				from := k[0]
				for _, l := range regionLabels(rawType, value) {
					if _, seen := u.labels[from]; !seen {
						u.controls = append(u.controls, from)
					}
					if u.labelUses[[2]string{from, l}] == 0 {
						u.labels[from] = append(u.labels[from], l)
					}
					u.labelUses[[2]string{from, l}]++
				}
			}
		}
	}
	return u
}

// annotationKey is ProjectSummary._get_annotation_key: a result region's
// (from_name, to_name, type) with the type lower-cased and a list of
// to_names joined by commas; not for relations, pairwise results, a
// region without a type, from_name or to_name (ok false). It also returns
// the type as written and the region's value, for its labels.
func annotationKey(item json.RawMessage) (k [3]string, rawType string, value map[string]json.RawMessage, ok bool) {
	var rg struct {
		From  *string                    `json:"from_name"`
		To    json.RawMessage            `json:"to_name"`
		Type  *string                    `json:"type"`
		Value map[string]json.RawMessage `json:"value"`
	}
	if jsonKind(item) != '{' || json.Unmarshal(item, &rg) != nil || rg.Type == nil || rg.From == nil || rg.To == nil {
		return k, "", nil, false
	}
	if *rg.Type == "relation" || *rg.Type == "pairwise" {
		return k, "", nil, false
	}
	to := pyStr(rg.To)
	var names []string
	if json.Unmarshal(rg.To, &names) == nil {
		to = strings.Join(names, ",")
	}
	return [3]string{*rg.From, to, strings.ToLower(*rg.Type)}, *rg.Type, rg.Value, true
}

// regionLabels is ProjectSummary._get_labels: the labels a result region
// holds, value[type] when it is a list (not for text; a taxonomy path's
// items each count).
func regionLabels(typ string, value map[string]json.RawMessage) []string {
	if typ == "videorectangle" {
		typ = "labels"
	}
	var items []json.RawMessage
	if typ == "text" || json.Unmarshal(value[typ], &items) != nil {
		return nil
	}
	var out []string
	for _, it := range items {
		var path []json.RawMessage
		if typ == "taxonomy" && json.Unmarshal(it, &path) == nil {
			for _, x := range path {
				out = append(out, pyStr(x))
			}
			continue
		}
		out = append(out, pyStr(it))
	}
	return out
}

// pyStr is str() of a JSON value as Python holds it: a string's text, else
// its JSON (near enough for numbers, the labels' other common form).
func pyStr(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// incompatibleTags is the first check: each annotated (from_name,
// to_name, type) must be in the config (textarea and a chat message's own
// tag are let through, as Label Studio does).
func incompatibleTags(u *usedTags, lc *labelConfig) string {
	types, toNames := map[string]bool{}, map[string]bool{}
	for _, name := range lc.order {
		types[strings.ToLower(lc.controls[name].Type)] = true
		for _, to := range lc.controls[name].ToName {
			toNames[to] = true
		}
	}
	var diff []string
	for _, k := range u.tags {
		from, to, typ := k[0], k[1], k[2]
		if from == to && strings.EqualFold(typ, "chatmessage") || strings.EqualFold(typ, "textarea") {
			continue
		}
		if _, hasFrom := lc.controls[from]; !hasFrom || !toNames[to] || !types[typ] {
			diff = append(diff, fmt.Sprintf("%d with from_name=%s, to_name=%s, type=%s", u.tagCount[k], from, to, typ))
		}
	}
	if len(diff) == 0 {
		return ""
	}
	return "Created annotations are incompatible with provided labeling schema, we found:\n" + strings.Join(diff, "\n")
}

// missingLabels is the strict check: every label an annotation holds must
// still be one of its control's labels. Some labels count for every
// control: with a VideoRectangle in the config, every control's labels;
// with a Taxonomy, the values of the labels linked to the project
// (custom). A control with dynamic labels lets every label through.
func missingLabels(u *usedTags, lc *labelConfig, custom func() map[string]bool) string {
	all := map[string]bool{}
	for _, name := range lc.order {
		switch lc.controls[name].Type {
		case "VideoRectangle":
			for _, n := range lc.order {
				for _, l := range lc.controls[n].Labels {
					all[l] = true
				}
			}
		case "Taxonomy":
			maps.Copy(all, custom())
		}
	}
	for _, ctrl := range u.controls {
		c, ok := lc.controls[ctrl]
		if !ok || c.DynamicLabels {
			continue
		}
		var diff strings.Builder
		for _, l := range u.labels[ctrl] {
			if !all[l] && !slices.Contains(c.Labels, l) {
				n := u.labelUses[[2]string{ctrl, l}]
				fmt.Fprintf(&diff, "%s (%d annotation%s)\n", l, n, map[bool]string{true: "s"}[n > 1])
			}
		}
		if diff.Len() > 0 {
			return fmt.Sprintf("These labels still exist in annotations or drafts:\n%sPlease add labels to tag with name=\"%s\".", diff.String(), ctrl)
		}
	}
	return ""
}

// linkedLabelValues are the items of the values of the labels linked to
// project p (a taxonomy path each). Call under st.mu.
func (st *store) linkedLabelValues(p *project) map[string]bool {
	out := map[string]bool{}
	for _, l := range st.links {
		if l.ProjectID != p.ID || st.labels[l.LabelID] == nil {
			continue
		}
		var items []json.RawMessage
		if json.Unmarshal(st.labels[l.LabelID].Value, &items) == nil {
			for _, it := range items {
				out[pyStr(it)] = true
			}
		}
	}
	return out
}
