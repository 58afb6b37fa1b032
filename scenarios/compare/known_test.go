package compare

// knownDifferences are the differences between the mock and real Label
// Studio 1.23.2 (testdata/labelstudio-1.23.2*) that
// TestMockMatchesRealTraces tolerates, keyed by Difference.Key, each
// with the reason. The evidence for each is in
// conformance/labelstudio/FINDINGS.md. Fixing the mock makes its entries
// fail the test as "no longer differ": delete them then. Entries that
// are deliberate belong in the README's differences table too.
var knownDifferences = map[string]string{
	"response POST /api/tasks/{task}/annotations $.detail: value differs":            "result \"not a list\": real 1.23.2 answers 500 (its bug); the mock answers 400 Validation error on purpose (bad input is a 4xx)",
	"response POST /api/tasks/{task}/annotations $.status_code: value differs":       "result \"not a list\": real 1.23.2 answers 500 (its bug); the mock answers 400 Validation error on purpose (bad input is a 4xx)",
	"response POST /api/tasks/{task}/annotations $.validation_errors: only in mock":  "result \"not a list\": real 1.23.2 answers 500 (its bug); the mock answers 400 Validation error on purpose (bad input is a 4xx)",
	"response POST /api/tasks/{task}/annotations status: status differs":             "result \"not a list\": real 1.23.2 answers 500 (its bug); the mock answers 400 Validation error on purpose (bad input is a 4xx)",
	"response POST /api/labels $.status_code: value differs":                         "a webhook wants LABEL_LINK_CREATED: real 1.23.2 fails with 500 \"list.count() takes exactly one argument (0 given)\" (its bug: the batched emission slices an evaluated queryset into a list) and rolls back; the mock refuses the same way with 400 on purpose (clients retry 5xx)",
	"response POST /api/labels status: status differs":                               "a webhook wants LABEL_LINK_CREATED: real 1.23.2 fails with 500 \"list.count() takes exactly one argument (0 given)\" (its bug: the batched emission slices an evaluated queryset into a list) and rolls back; the mock refuses the same way with 400 on purpose (clients retry 5xx)",
	"response GET /api/tasks/{task} $.annotations_ids: value differs":                "on SQLite, real Label Studio joins the ids with GROUP_CONCAT: \"15,16\" (in an order a Python set gives, which the comparison sorts away); the mock writes Postgres's form, ArrayAgg's list without brackets: \"15, 16\"",
	"response POST /api/storages/localfiles/{storage}/sync $.message: value differs": "the storage id inside the message (\"Storage 3 is not synchronizable\"): the comparison maps ids only where they are values, and the real run made other storages before this one",
}
