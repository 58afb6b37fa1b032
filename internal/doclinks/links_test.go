package doclinks

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// repoRoot is the folder holding go.mod, found upwards from the test's
// working directory (the package folder).
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's folder")
		}
		dir = parent
	}
}

var (
	fence       = regexp.MustCompile("^\\s*(```|~~~)")
	heading     = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
	explicitID  = regexp.MustCompile(`<a\s+(?:id|name)="([^"]+)"`)
	inlineLink  = regexp.MustCompile(`\]\(([^()\s]+)(?:\s+"[^"]*")?\)`)
	refLink     = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s+(\S+)`)
	mdLinkText  = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	docsRef     = regexp.MustCompile(`(?:^|[^A-Za-z0-9_./-])(docs/[A-Za-z0-9_.-]+\.md)(?:#([A-Za-z0-9_-]+))?`)
	bareAnchor  = regexp.MustCompile(`(?:^|[\s(,])#([a-z][a-z0-9_]*-[a-z0-9_-]*[a-z0-9])`)
	factNumber  = regexp.MustCompile(`(?i)\bfacts?\s+\d`)
	specFile    = regexp.MustCompile(`label-studio-(?:webhooks|api)\.md`)
	sectionSign = regexp.MustCompile(`(RFC\s*\d+\s*)?§\s*\d`)
)

// slug is the anchor GitHub gives a heading: lower case, punctuation
// dropped (letters, digits, spaces, '-' and '_' kept), spaces as '-'.
func slug(text string) string {
	text = mdLinkText.ReplaceAllString(text, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors returns every anchor of a Markdown text: heading slugs (a repeated
// slug gets -1, -2, … as on GitHub) and explicit <a id> / <a name> anchors.
func anchors(text string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	inFence := false
	for _, line := range strings.Split(text, "\n") {
		if fence.MatchString(line) {
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		for _, m := range explicitID.FindAllStringSubmatch(line, -1) {
			out[m[1]] = true
		}
		if m := heading.FindStringSubmatch(line); m != nil {
			s := slug(m[1])
			if n := seen[s]; n > 0 {
				out[fmt.Sprintf("%s-%d", s, n)] = true
			} else {
				out[s] = true
			}
			seen[s]++
		}
	}
	return out
}

// links returns the link targets of a Markdown text outside code fences and
// inline code, with their line numbers.
func links(text string) []target {
	var out []target
	inFence := false
	for i, line := range strings.Split(text, "\n") {
		if fence.MatchString(line) {
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		line = stripInlineCode(line)
		for _, m := range inlineLink.FindAllStringSubmatch(line, -1) {
			out = append(out, target{line: i + 1, dest: m[1]})
		}
		if m := refLink.FindStringSubmatch(line); m != nil {
			out = append(out, target{line: i + 1, dest: m[1]})
		}
	}
	return out
}

func stripInlineCode(line string) string {
	parts := strings.Split(line, "`")
	for i := 1; i < len(parts); i += 2 {
		parts[i] = ""
	}
	return strings.Join(parts, "`")
}

type target struct {
	line int
	dest string
}

// checker resolves targets against the files of the repository.
type checker struct {
	root    string
	anchors map[string]map[string]bool // by slash path from the root
}

func (c *checker) anchorsOf(rel string) (map[string]bool, error) {
	if a, ok := c.anchors[rel]; ok {
		return a, nil
	}
	b, err := os.ReadFile(filepath.Join(c.root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	a := anchors(string(b))
	c.anchors[rel] = a
	return a, nil
}

// resolve checks one target, relative to the folder dir (slash path from
// the root), and returns the problem or "".
func (c *checker) resolve(dir, dest string) string {
	if strings.Contains(dest, "://") || strings.HasPrefix(dest, "mailto:") {
		return ""
	}
	path, frag, _ := strings.Cut(dest, "#")
	rel := filepath.ToSlash(filepath.Clean(filepath.Join(dir, path)))
	if path == "" {
		return "a link with no target"
	}
	if strings.HasPrefix(rel, "../") {
		return fmt.Sprintf("%s is outside the repository", dest)
	}
	info, err := os.Stat(filepath.Join(c.root, filepath.FromSlash(rel)))
	if err != nil {
		return fmt.Sprintf("%s: no such file", rel)
	}
	if frag == "" {
		return ""
	}
	if info.IsDir() || !strings.HasSuffix(rel, ".md") {
		return fmt.Sprintf("%s: an anchor (#%s) into a file that is not Markdown", rel, frag)
	}
	a, err := c.anchorsOf(rel)
	if err != nil {
		return err.Error()
	}
	if !a[frag] {
		return fmt.Sprintf("%s has no anchor #%s", rel, frag)
	}
	return ""
}

// sourceFiles walks the repository for the files that may cite docs.
func sourceFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") && name != ".ci" || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case slices.Contains([]string{".go", ".yaml", ".yml", ".md", ".py", ".toml"}, filepath.Ext(name)),
			name == "Dockerfile", path == filepath.Join(root, ".ci", "run"):
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMarkdownLinksResolve(t *testing.T) {
	root := repoRoot(t)
	c := &checker{root: root, anchors: map[string]map[string]bool{}}
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	pages = append(pages, filepath.Join(root, "README.md"))
	for _, page := range pages {
		rel, _ := filepath.Rel(root, page)
		rel = filepath.ToSlash(rel)
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.ToSlash(filepath.Dir(rel))
		for _, l := range links(string(b)) {
			dest := l.dest
			if strings.HasPrefix(dest, "#") {
				dest = filepath.Base(rel) + dest
			}
			if p := c.resolve(dir, dest); p != "" {
				t.Errorf("%s:%d: link %q: %s", rel, l.line, l.dest, p)
			}
		}
	}
}

func TestDocsReferencesResolve(t *testing.T) {
	root := repoRoot(t)
	c := &checker{root: root, anchors: map[string]map[string]bool{}}
	n := 0
	for _, rel := range sourceFiles(t, root) {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		code := !strings.HasSuffix(rel, ".md")
		context, prev := "", ""
		for i, line := range strings.Split(string(b), "\n") {
			// In code and YAML, a comment may name the page once and then
			// only anchors: "docs/label-studio-behaviour.md#fact-2, #fact-4".
			// Those anchors are checked against the page last named in the
			// same comment block.
			trimmed := strings.TrimSpace(line)
			if !strings.HasPrefix(trimmed, "//") && !strings.HasPrefix(trimmed, "#") {
				context = ""
			}
			if !strings.ContainsAny(line, "#§") && !strings.Contains(line, "docs/") &&
				!strings.Contains(line, "label-studio-") && !strings.Contains(strings.ToLower(line), "fact") {
				prev = line // nothing on this line for the regular expressions below
				continue
			}
			for _, m := range docsRef.FindAllStringSubmatch(line, -1) {
				n++
				dest := m[1]
				if m[2] != "" {
					dest += "#" + m[2]
				}
				if p := c.resolve(".", dest); p != "" {
					t.Errorf("%s:%d: reference %q: %s", rel, i+1, dest, p)
				}
				context = m[1]
			}
			if code && context != "" {
				rest := docsRef.ReplaceAllString(line, " ")
				for _, m := range bareAnchor.FindAllStringSubmatch(rest, -1) {
					n++
					if p := c.resolve(".", context+"#"+m[1]); p != "" {
						t.Errorf("%s:%d: reference %q: %s", rel, i+1, "#"+m[1], p)
					}
				}
			}
			if rel == "internal/doclinks/links_test.go" || rel == "internal/doclinks/doc.go" {
				prev = line
				continue
			}
			if specFile.MatchString(line) {
				t.Errorf("%s:%d: cites a spec file that is not in the repository; cite docs/label-studio-behaviour.md#… instead: %s", rel, i+1, trimmed)
			}
			for _, m := range sectionSign.FindAllStringSubmatch(line, -1) {
				if m[1] == "" { // "RFC 9110 §7.6.1" names a section of a public standard
					t.Errorf("%s:%d: a § section reference that does not resolve in the repository: %s", rel, i+1, trimmed)
				}
			}
			if code && factNumber.MatchString(line) && !strings.Contains(line+prev, "#fact-") {
				t.Errorf("%s:%d: a fact number without its #fact- anchor on this line or the one before: %s", rel, i+1, trimmed)
			}
			prev = line
		}
	}
	if n == 0 {
		t.Error("found no docs/… reference at all: the walk is broken")
	}
}

func TestSlug(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "Load and faults", "load-and-faults"},
		{"inline code and punctuation", "Keeping the sandbox: `--state`", "keeping-the-sandbox---state"},
		{"slashes", "The delivery log and `/_labelhook/`", "the-delivery-log-and-_labelhook"},
		{"arrow and parentheses", "Fixes made with the bench (same machine, before → after)", "fixes-made-with-the-bench-same-machine-before--after"},
		{"link text", "See [the API](api.md)", "see-the-api"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := slug(tc.in); got != tc.want {
				t.Errorf("slug(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestAnchors(t *testing.T) {
	text := "# Title\n\n## Same\n\n## Same\n\n```sh\n# not a heading\n```\n\n1. <a id=\"fact-1\"></a>A fact.\n"
	got := anchors(text)
	for _, want := range []string{"title", "same", "same-1", "fact-1"} {
		if !got[want] {
			t.Errorf("anchors of %q lack %q; got %v", text, want, got)
		}
	}
	if got["not-a-heading"] {
		t.Errorf("anchors of %q include a heading inside a code fence; got %v", text, got)
	}
}
