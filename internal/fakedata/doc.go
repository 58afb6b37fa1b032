// Package fakedata makes realistic, deterministic Label Studio data from a
// project's label config: task data with every key the config reads
// (a paragraph for $text, an image URL for $image, …) and annotation or
// prediction results whose regions use only the config's controls and
// labels (choices from its Choice tags, text spans that match the text,
// boxes inside the image).
//
// A Generator draws from gofakeit with a math/rand source seeded once, so
// the same seed and the same calls give the same data on every machine.
//
// It is not a validator of label configs: ParseConfig rejects what the mock
// server rejects (not XML, no <View> root, unnamed or duplicate controls,
// a toName that names no object) and ignores tags it has no generator for.
// It is internal: `trigger`, the sandbox of `serve`, `check`
// (scenarios/check) and the scenarios' generate: steps use it.
package fakedata
