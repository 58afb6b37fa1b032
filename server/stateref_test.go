package server

import (
	"errors"
	"fmt"
	"io"
	"slices"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// readStateDecoder is readState as it was before stateread.go: one
// decoder reading the file front to back, with storedFormat's rules. FuzzReadStateMatchesDecoder
// holds the parallel reader to the same verdicts and the same content.
func readStateDecoder(r io.Reader) (*loaded, error) {
	dec := jsontext.NewDecoder(r)
	decode := func(v any) error { return jsonv2.UnmarshalDecode(dec, v, storedFormat) }
	notState := func(err error) error {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = errors.New("it ends too early (a half-written file?)")
		}
		return fmt.Errorf("not a labelhook state file: %w", err)
	}
	tok, err := dec.ReadToken()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the state is empty")
	}
	if err != nil {
		return nil, notState(err)
	}
	if tok.Kind() != '{' {
		return nil, notState(fmt.Errorf("want a JSON object, got %v", tok))
	}
	l := newLoaded()
	seen := map[string]bool{}
	version := 0
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, notState(err)
		}
		key := tok.String()
		if seen[key] {
			return nil, fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		switch key {
		case "format":
			var f string
			if err := decode(&f); err != nil {
				return nil, notState(err)
			}
			if f != stateFormat {
				return nil, fmt.Errorf("not a labelhook state file: format is %q, want %q", f, stateFormat)
			}
		case "version":
			if err := decode(&version); err != nil {
				return nil, notState(err)
			}
			if version != stateVersion && migrate[version] == nil {
				return nil, fmt.Errorf("state format version %d is not supported (this labelhook reads versions 1 to %d)", version, stateVersion)
			}
		case "journal":
			err = decode(&l.journal)
		case "next":
			err = decode(&l.next)
		case "projects":
			err = readKindDecoder(dec, "project", l.projects, func(p *project) int { return p.ID })
		case "tasks":
			err = readKindDecoder(dec, "task", l.tasks, func(t *task) int { return t.ID })
		case "annotations":
			err = readKindDecoder(dec, "annotation", l.annotations, func(a *annotation) int { return a.ID })
		case "predictions":
			err = readKindDecoder(dec, "prediction", l.predictions, func(p *prediction) int { return p.ID })
		case "webhooks":
			err = readKindDecoder(dec, "webhook", l.webhooks, func(w *webhook) int { return w.ID })
		case "views":
			err = readKindDecoder(dec, "view", l.views, func(v *view) int { return v.ID })
		case "file_uploads":
			err = readKindDecoder(dec, "file upload", l.uploads, func(u *fileUpload) int { return u.ID })
		case "labels":
			err = readKindDecoder(dec, "label", l.labels, func(x *label) int { return x.ID })
		case "label_links":
			err = readKindDecoder(dec, "label link", l.links, func(x *labelLink) int { return x.ID })
		case "storages":
			err = readKindDecoder(dec, "storage", l.storages, func(x *storage) int { return x.ID })
		case "exports":
			err = readKindDecoder(dec, "export", l.exports, func(x *exportSnapshot) int { return x.ID })
		default:
			return nil, notState(fmt.Errorf("json: unknown field %q", key))
		}
		if err != nil {
			var dup duplicateError
			if errors.As(err, &dup) {
				return nil, err
			}
			return nil, notState(fmt.Errorf("%s: %w", key, err))
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, notState(err)
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return nil, errors.New("not a labelhook state file: data after the end of the JSON object")
	}
	if !seen["format"] || !seen["version"] {
		return nil, errors.New("not a labelhook state file: no format and version")
	}
	want := stateKeys
	if version >= 3 {
		want = append(slices.Clone(stateKeys), stateKeysV3...)
	}
	for _, k := range want {
		if !seen[k] {
			return nil, fmt.Errorf("the state has no %q (a file cut or edited by hand?); refusing to start from it", k)
		}
	}
	for v := version; v < stateVersion; v++ {
		if err := migrate[v](l); err != nil {
			return nil, fmt.Errorf("migrate state from version %d: %w", v, err)
		}
	}
	return l, nil
}

// readKindDecoder decodes a JSON list (or null: version 1 wrote empty lists so)
// of one kind into m, one object at a time.
func readKindDecoder[T any](dec *jsontext.Decoder, kind string, m map[int]*T, id func(*T) int) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	if tok.Kind() == 'n' {
		return nil
	}
	if tok.Kind() != '[' {
		return fmt.Errorf("want a list, got %v", tok)
	}
	for dec.PeekKind() != ']' {
		var v *T
		if err := jsonv2.UnmarshalDecode(dec, &v, storedFormat); err != nil {
			return err
		}
		if v == nil {
			return errNullItem
		}
		n := id(v)
		if m[n] != nil {
			return duplicateError{kind, n}
		}
		m[n] = v
	}
	_, err = dec.ReadToken()
	return err
}
