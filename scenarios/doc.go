// Package scenarios runs contract tests for pipelines that consume Label
// Studio webhooks: YAML files whose steps drive Label Studio's API and
// state, step by step, which webhooks that step must cause — which
// action, how many, what the body holds — and that nothing else arrives.
//
// Parse and Load read scenario files, reporting every problem as
// file:line: message. Run runs scenarios, each against its own in-process
// mock server (package server) and receiver (package receiver), in
// parallel; or, with Options.Server, one at a time against an external
// Label Studio-compatible server, so the same files can check that the
// mock and a real Label Studio agree. The Report prints like go test -v
// and writes JUnit XML. With Options.Trace nothing is checked: each step's
// request, answer and webhooks are recorded in Result.Trace, which package
// scenarios/compare diffs between a real Label Studio and the mock.
//
// With a pipeline URL (Options.Pipeline, or a scenario's pipeline: key)
// the scenario also tests the code that consumes the webhooks: its
// receiver relays every webhook to that URL and records the answers,
// which an expectation's pipeline: key checks, and http steps (with
// eventually:) ask the pipeline's own API what it did. import_tasks and
// create_task can generate their data from the project's label config
// (internal/fakedata, seeded by Options.Seed). The readiness battery of
// `labelhook check` is the sub-package check.
//
// The package does not simulate anything itself: the events come from
// the server under test, and every body is checked against the event
// contract (package schemas) by the receiver. The scenario library in
// scenarios/library pins the behaviour of Label Studio's code that
// labelhook reproduces; docs/scenarios.md documents the file format.
package scenarios
