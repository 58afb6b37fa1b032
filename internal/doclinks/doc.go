// Package doclinks holds one test: that the documentation's links resolve
// inside the repository. Every relative link in README.md and docs/*.md
// must name a file that exists and, with a #fragment into a Markdown file,
// a heading or an explicit <a id="…"> anchor of that file; every
// `docs/<page>.md#anchor` reference in code, scenario files and docs must
// resolve the same way. It also refuses references to the Label Studio
// spec files that live outside the repository: the facts they held are in
// docs/label-studio-behaviour.md.
//
// It has no code of its own; `go test ./internal/doclinks` runs the check.
package doclinks
