package main

import "github.com/labelhook/labelhook/internal/envflag"

// scenarioFlags are the flags run and compare share: the external server
// and its token, which scenarios, -v, and the external server's local
// files root.
type scenarioFlags struct {
	server, token, runExpr, localRoot *string
	verbose                           *bool
}

// scenarioFlagHelp is what the shared flags mean to each command that has
// them (--run's help names the command itself).
var scenarioFlagHelp = map[string]struct{ server, token, verbose, localRoot string }{
	"run": {
		server:    "base URL of an external Label Studio-compatible server (default: an in-process mock per scenario)",
		token:     "API token of the external server (default: the mock's development token)",
		verbose:   "print every step",
		localRoot: "with --server: the server's LOCAL_FILES_DOCUMENT_ROOT, below which scenarios that make local files storages write their files (they are skipped without it)",
	},
	"compare": {
		server:    "base URL of the external Label Studio (or any compatible server) to compare the mock with",
		token:     "API token of the external server (Authorization: Token)",
		verbose:   "print every step of the external side",
		localRoot: "the external server's LOCAL_FILES_DOCUMENT_ROOT (it must run with LOCAL_FILES_SERVING_ENABLED=true): scenarios that make local files storages write their files below it; without it they are skipped",
	},
}

// declareScenarioFlags declares the shared flags on fs with the help of
// its command (fs.Name()), and binds --server, --token and
// --local-files-root to LABELHOOK_SERVER, LABELHOOK_TOKEN and
// LOCAL_FILES_DOCUMENT_ROOT.
func declareScenarioFlags(fs *envflag.FlagSet) scenarioFlags {
	help, ok := scenarioFlagHelp[fs.Name()]
	if !ok {
		panic("declareScenarioFlags: no help for " + fs.Name())
	}
	f := scenarioFlags{
		server:    fs.String("server", "", help.server),
		token:     fs.String("token", "", help.token),
		runExpr:   fs.String("run", "", fs.Name()+" only the scenarios whose name matches this regular expression"),
		verbose:   fs.Bool("v", false, help.verbose),
		localRoot: fs.String("local-files-root", "", help.localRoot),
	}
	fs.BindEnv("server", "LABELHOOK_SERVER")
	fs.BindEnv("token", "LABELHOOK_TOKEN")
	fs.BindEnv("local-files-root", "LOCAL_FILES_DOCUMENT_ROOT")
	return f
}
