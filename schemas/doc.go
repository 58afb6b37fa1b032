// Package schemas is the event contract of Label Studio webhooks: the 12
// action names as Label Studio's code sends them (not as its docs spell
// them), a catalogue of how each body is shaped, one JSON Schema (draft-07)
// file per action, and Validate, which checks one body against them.
//
// The schema files are embedded and compiled once, on the first Validate.
// They follow the payload serializers of the newest open-source code:
// foreign keys are integer ids, timestamps are UTC with a Z, delete payloads
// carry only {"id": N}, and every payload object allows unknown keys,
// because Label Studio adds fields between releases. A body that is exactly
// {"action": X}, which a webhook with send_payload=false receives, is valid
// for every action. Files returns the files for tools in other languages;
// `labelhook schemas --out DIR` writes them.
//
// How Validate runs: parse.go decodes the body in one pass (encoding/json
// takes what it declines, and gives the errors); check.go, the schema
// files compiled into a tree for the draft-07 keywords they use, says
// whether the body is valid; only when it is not (or the check is unsure)
// does gojsonschema validate it, and every problem reported is
// gojsonschema's, translated in validate.go. A schema file that uses a
// keyword check.go does not know fails every test until check.go learns it.
//
// The package checks the shape of one body. It does not check how bodies
// relate to each other or to the state of a project (that the annotation in
// an ANNOTATION_CREATED belongs to its task, that ids exist, that an import
// of 12 000 tasks arrives as three events): those are checks for scenarios
// that drive the mock server. It does no I/O and imports only the standard
// library and the validator.
package schemas
