package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzScenario feeds Parse arbitrary files, seeded with the testdata and
// the library: it must never panic, and it returns either scenarios or
// an ErrorList whose every entry names the file.
func FuzzScenario(f *testing.F) {
	for _, glob := range []string{"testdata/*.yaml", "library/*.yaml"} {
		files, err := filepath.Glob(glob)
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("a: &a [*a]"))
	f.Add([]byte("name: x\nsteps: [{request: {path: \"/${a[\"}}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		scs, err := Parse("f.yaml", data)
		if err == nil {
			if len(scs) == 0 {
				t.Fatal("no scenarios and no error")
			}
			for _, sc := range scs {
				if sc.Name == "" || len(sc.steps) == 0 {
					t.Fatalf("scenario without name or steps: %+v", sc)
				}
			}
			return
		}
		var list ErrorList
		if !errors.As(err, &list) || len(list) == 0 || len(list) > maxErrors {
			t.Fatalf("error %T with %d entries: %v", err, len(list), err)
		}
		for _, e := range list {
			if e.File != "f.yaml" || e.Msg == "" {
				t.Fatalf("bad error entry: %+v", e)
			}
		}
	})
}
