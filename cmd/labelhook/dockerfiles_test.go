package main

// No Docker engine runs here or in CI, so these tests read the Dockerfile
// with BuildKit's own parser (what `docker build` runs) and
// docker-compose.yml with yaml.v3 (unknown keys refused), then check what
// the containers would do, using labelhook's own flag parsers with each
// container's environment: the address each service listens on, the port
// each health check hits, where webhooks and records go.

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labelhook/labelhook/internal/loopback"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"go.yaml.in/yaml/v3"
)

const repoRoot = "../.."

// image is what the Dockerfile's final stage makes, as BuildKit reads it.
type image struct {
	build, final    instructions.Stage
	env             map[string]string
	user            string
	entrypoint, cmd []string
	health          []string // HEALTHCHECK's Test: ["CMD", ...]
	exposed         []string
	copies          []*instructions.CopyCommand // the final stage's
}

func readImage(t *testing.T) image {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ast, err := parser.Parse(f)
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	stages, _, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a build stage and a final one", len(stages))
	}
	img := image{build: stages[0], final: stages[len(stages)-1], env: map[string]string{}}
	for _, c := range img.final.Commands {
		switch c := c.(type) {
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				img.env[kv.Key] = kv.Value
			}
		case *instructions.UserCommand:
			img.user = c.User
		case *instructions.EntrypointCommand:
			img.entrypoint = execForm(t, "ENTRYPOINT", c.ShellDependantCmdLine)
		case *instructions.CmdCommand:
			img.cmd = execForm(t, "CMD", c.ShellDependantCmdLine)
		case *instructions.HealthCheckCommand:
			img.health = c.Health.Test
		case *instructions.ExposeCommand:
			img.exposed = append(img.exposed, c.Ports...)
		case *instructions.CopyCommand:
			img.copies = append(img.copies, c)
		case *instructions.RunCommand:
			t.Errorf("Dockerfile: the final stage runs %v, but its image has no shell", c.CmdLine)
		}
	}
	return img
}

// execForm is a command line in exec form: the image has no shell to run
// the shell form.
func execForm(t *testing.T, what string, c instructions.ShellDependantCmdLine) []string {
	t.Helper()
	if c.PrependShell {
		t.Errorf("Dockerfile: %s %v is in shell form, but the image has no shell: use [\"...\"]", what, c.CmdLine)
	}
	return c.CmdLine
}

// environment is a container's: the image's ENV, then the service's.
func (img image) environment(service map[string]string) env {
	return func(k string) (string, bool) {
		if v, ok := service[k]; ok {
			return v, true
		}
		v, ok := img.env[k]
		return v, ok
	}
}

// listenPort is the port `labelhook args...` listens on in a container
// with environment e, read by the command's own parser; it also checks
// that it listens on every interface (else nothing outside reaches it).
func listenPort(t *testing.T, where string, args []string, e env) string {
	t.Helper()
	var addr string
	switch args[0] {
	case "serve":
		o, err := parseServe(args[1:], e, io.Discard)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		addr = o.addr
	case "receive":
		o, err := parseReceive(args[1:], e, io.Discard)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		addr = o.addr
	default:
		t.Fatalf("%s: %q is not a server command", where, args[0])
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("%s: address %q: %v", where, addr, err)
	}
	if host != "0.0.0.0" && host != "" {
		t.Errorf("%s listens on %s; in a container it must listen on 0.0.0.0 to be reachable", where, host)
	}
	return port
}

// checkCommand checks that `labelhook args...` parses: the command exists
// and each of its flags does, with a valid value.
func checkCommand(t *testing.T, where string, args []string, e env) {
	t.Helper()
	if len(args) == 0 {
		t.Fatalf("%s: no labelhook command", where)
	}
	var err error
	switch args[0] {
	case "serve":
		_, err = parseServe(args[1:], e, io.Discard)
	case "receive":
		_, err = parseReceive(args[1:], e, io.Discard)
	case "health":
		_, _, err = parseHealth(args[1:], e, io.Discard)
	default:
		// -h stops the command after parsing the flags before it.
		var stderr bytes.Buffer
		err = run(context.Background(), append(slices.Clone(args), "-h"), e, io.Discard, &stderr)
		if err == nil && !strings.Contains(stderr.String(), "usage: labelhook "+args[0]) {
			t.Errorf("%s: -h after %q did not reach the flag parser:\n%s", where, args, stderr.String())
		}
	}
	if err != nil {
		t.Errorf("%s: labelhook %s: %v", where, strings.Join(args, " "), err)
	}
}

// healthPort is the port a health check's `labelhook health` hits, in a
// container with environment e; it must be the container's own loopback.
func healthPort(t *testing.T, where string, test []string, e env) string {
	t.Helper()
	if len(test) < 3 || test[0] != "CMD" || test[1] != "labelhook" || test[2] != "health" {
		t.Fatalf("%s: health check %q, want [\"CMD\", \"labelhook\", \"health\", ...] (exec form: the image has no shell and no curl)", where, test)
	}
	target, _, err := parseHealth(test[3:], e, io.Discard)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	u, _ := url.Parse(target)
	if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" {
		t.Errorf("%s: health check hits %s; inside the container it must be the loopback", where, h)
	}
	return u.Port()
}

// buildOutputs are the paths the build stage makes: what it copies in,
// what `go build -o` writes and what `mkdir -p` creates.
func buildOutputs(t *testing.T, st instructions.Stage) []string {
	t.Helper()
	var out []string
	dir := "/"
	lex := shell.NewLex('\\')
	for _, c := range st.Commands {
		switch c := c.(type) {
		case *instructions.WorkdirCommand:
			dir = resolve(dir, c.Path)
		case *instructions.CopyCommand:
			for _, src := range c.SourcePaths {
				dest := resolve(dir, c.DestPath)
				if strings.HasSuffix(c.DestPath, "/") || len(c.SourcePaths) > 1 {
					dest = path.Join(dest, path.Base(src))
				}
				out = append(out, dest)
			}
		case *instructions.RunCommand:
			words, err := lex.ProcessWords(strings.Join(c.CmdLine, " "), shell.EnvsFromSlice(nil))
			if err != nil {
				t.Fatalf("Dockerfile: RUN %v: %v", c.CmdLine, err)
			}
			for _, cmd := range splitCommands(words) {
				out = append(out, made(cmd, dir)...)
			}
		}
	}
	return out
}

// splitCommands cuts a RUN line's words at && and ;.
func splitCommands(words []string) [][]string {
	var out [][]string
	var cur []string
	for _, w := range append(words, "&&") {
		if w == "&&" || w == ";" {
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, w)
	}
	return out
}

// made is what one shell command of the build stage creates.
func made(cmd []string, dir string) []string {
	for len(cmd) > 0 && strings.Contains(cmd[0], "=") { // VAR=value prefixes
		cmd = cmd[1:]
	}
	var out []string
	switch {
	case len(cmd) > 2 && cmd[0] == "go" && cmd[1] == "build":
		if i := slices.Index(cmd, "-o"); i >= 0 && i+1 < len(cmd) {
			out = append(out, resolve(dir, cmd[i+1]))
		}
	case len(cmd) > 1 && cmd[0] == "mkdir":
		for _, a := range cmd[1:] {
			if !strings.HasPrefix(a, "-") {
				out = append(out, resolve(dir, a))
			}
		}
	}
	return out
}

// staticBuild reports whether the build stage builds ./cmd/labelhook
// with cgo off (a static binary for distroless/static) into out.
func staticBuild(t *testing.T, st instructions.Stage, out string) bool {
	t.Helper()
	lex := shell.NewLex('\\')
	for _, c := range st.Commands {
		run, ok := c.(*instructions.RunCommand)
		if !ok {
			continue
		}
		words, _ := lex.ProcessWords(strings.Join(run.CmdLine, " "), shell.EnvsFromSlice(nil))
		for _, cmd := range splitCommands(words) {
			var envs []string
			for len(cmd) > 0 && strings.Contains(cmd[0], "=") {
				envs, cmd = append(envs, cmd[0]), cmd[1:]
			}
			if len(cmd) > 2 && cmd[0] == "go" && cmd[1] == "build" && slices.Contains(envs, "CGO_ENABLED=0") &&
				slices.Contains(cmd, "./cmd/labelhook") && slices.Index(cmd, "-o") >= 0 && cmd[slices.Index(cmd, "-o")+1] == out {
				return true
			}
		}
	}
	return false
}

// resolve is p seen from working directory dir.
func resolve(dir, p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	return path.Join(dir, p)
}

// under reports whether p is dir or inside it.
func under(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

func TestDockerfile(t *testing.T) {
	img := readImage(t)
	if img.build.Name != "build" || !strings.HasPrefix(img.build.BaseName, "golang:") {
		t.Fatalf("first stage %q FROM %q, want a stage named build FROM golang", img.build.Name, img.build.BaseName)
	}
	// The Go of the build image is the module's.
	mod, _ := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	for _, l := range strings.Split(string(mod), "\n") {
		if v, ok := strings.CutPrefix(l, "go "); ok {
			parts := strings.SplitN(v, ".", 3)
			if want := "golang:" + parts[0] + "." + parts[1]; !strings.HasPrefix(img.build.BaseName, want) {
				t.Errorf("build stage FROM %s, but go.mod needs go %s (want %s…)", img.build.BaseName, v, want)
			}
		}
	}
	// Every top-level directory with Go code, and go.mod and go.sum, reach
	// the build stage.
	outputs := buildOutputs(t, img.build)
	wanted := []string{"go.mod", "go.sum"}
	entries, _ := os.ReadDir(repoRoot)
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		deep, _ := filepath.Glob(filepath.Join(repoRoot, e.Name(), "*", "*.go"))
		top, _ := filepath.Glob(filepath.Join(repoRoot, e.Name(), "*.go"))
		if len(deep)+len(top) > 0 {
			wanted = append(wanted, e.Name())
		}
	}
	for _, w := range wanted {
		if !slices.ContainsFunc(outputs, func(p string) bool { return path.Base(p) == w }) {
			t.Errorf("Dockerfile: the build stage does not COPY %s", w)
		}
	}
	if !staticBuild(t, img.build, "/out/labelhook") {
		t.Error("the build stage has no `CGO_ENABLED=0 go build -o /out/labelhook ./cmd/labelhook` (a static binary for distroless/static)")
	}

	// The final stage: the binary, the scenario library, mount points
	// owned by the user it runs as, and every path it copies from the
	// build stage made there.
	if img.user == "" || img.user == "root" || strings.HasPrefix(img.user, "0") {
		t.Errorf("the final stage runs as %q; want a non-root USER", img.user)
	}
	dests := map[string]*instructions.CopyCommand{}
	for _, c := range img.copies {
		dests[c.DestPath] = c
		if c.From != img.build.Name {
			continue
		}
		for _, src := range c.SourcePaths {
			if !slices.ContainsFunc(outputs, func(p string) bool { return under(src, p) }) {
				t.Errorf("Dockerfile: COPY --from=%s %s: the build stage makes no such path (it makes %v)", c.From, src, outputs)
			}
		}
	}
	if c := dests["/usr/local/bin/labelhook"]; c == nil || c.From != "build" || !slices.Equal(c.SourcePaths, []string{"/out/labelhook"}) {
		t.Error("the final stage does not COPY --from=build /out/labelhook to /usr/local/bin/labelhook")
	}
	if c := dests["/scenarios/library"]; c == nil || !slices.ContainsFunc(c.SourcePaths, func(s string) bool { return strings.HasSuffix(s, "scenarios/library") }) {
		t.Error("the scenario library is not at /scenarios/library in the image")
	}
	if yamls, _ := filepath.Glob(filepath.Join(repoRoot, "scenarios", "library", "*.yaml")); len(yamls) == 0 {
		t.Error("scenarios/library holds no scenario file")
	}
	for _, dir := range []string{"/records", "/data"} {
		if c := dests[dir]; c == nil || c.Chown != "65532:65532" || (img.user != "nonroot:nonroot" && img.user != "65532:65532") {
			t.Errorf("mount point %s is not owned by the user the image runs as (%q), so a named volume there is not writable", dir, img.user)
		}
	}

	if !slices.Equal(img.entrypoint, []string{"labelhook"}) {
		t.Errorf("ENTRYPOINT %q, want [\"labelhook\"]", img.entrypoint)
	}
	e := img.environment(nil)
	checkCommand(t, "Dockerfile CMD", img.cmd, e)
	port := listenPort(t, "Dockerfile CMD", img.cmd, e)
	if !slices.Contains(img.exposed, port) {
		t.Errorf("CMD listens on %s, but EXPOSE is %v", port, img.exposed)
	}
	if p := healthPort(t, "Dockerfile HEALTHCHECK", img.health, e); p != port {
		t.Errorf("HEALTHCHECK hits port %s, but the default command listens on %s", p, port)
	}
	// The same check fits a receive container that says where it listens.
	recv := img.environment(map[string]string{"LABELHOOK_HEALTH_URL": "http://127.0.0.1:9090/health"})
	if p := healthPort(t, "Dockerfile HEALTHCHECK in a receive container", img.health, recv); p != listenPort(t, "receive", []string{"receive", "--addr", "0.0.0.0:9090"}, recv) {
		t.Errorf("with LABELHOOK_HEALTH_URL the image's HEALTHCHECK hits %s", p)
	}
}

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       string            `yaml:"build"`
	PullPolicy  string            `yaml:"pull_policy"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	ExtraHosts  []string          `yaml:"extra_hosts"`
	Ports       []string          `yaml:"ports"`
	Volumes     []string          `yaml:"volumes"`
	Healthcheck struct {
		Test        []string `yaml:"test"`
		Interval    string   `yaml:"interval"`
		Timeout     string   `yaml:"timeout"`
		Retries     int      `yaml:"retries"`
		StartPeriod string   `yaml:"start_period"`
	} `yaml:"healthcheck"`
	DependsOn map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
}

func readCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true) // a misspelt key fails here, not silently in Docker
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return c
}

func TestDockerCompose(t *testing.T) {
	c := readCompose(t)
	img := readImage(t)
	for _, name := range []string{"mock", "receiver"} {
		if _, ok := c.Services[name]; !ok {
			t.Fatalf("docker-compose.yml has no %q service", name)
		}
	}

	// One image, built once: one service builds it from the Dockerfile at
	// the root, every service runs it, and the others never pull it.
	var builders []string
	for name, s := range c.Services {
		if s.Build != "" {
			builders = append(builders, name)
			if s.Build != "." {
				t.Errorf("service %s builds %q, want \".\" (the Dockerfile at the root)", name, s.Build)
			}
		} else if s.PullPolicy != "never" {
			t.Errorf("service %s runs the image without building it: pull_policy %q, want never (the image is local)", name, s.PullPolicy)
		}
		if s.Image != c.Services["receiver"].Image || s.Image == "" {
			t.Errorf("service %s runs image %q, want the one image every service shares (%q)", name, s.Image, c.Services["receiver"].Image)
		}
	}
	if len(builders) != 1 {
		t.Errorf("services %v build the image; want exactly one, so it is built once", builders)
	}

	listen := map[string]string{} // service -> the port it listens on
	for name, s := range c.Services {
		where := "compose service " + name
		e := img.environment(s.Environment)
		checkCommand(t, where, s.Command, e)
		port := listenPort(t, where, s.Command, e)
		listen[name] = port
		if !slices.Contains(img.exposed, port) {
			t.Errorf("%s listens on %s, which the Dockerfile does not EXPOSE (%v)", where, port, img.exposed)
		}
		if len(s.Ports) == 0 {
			t.Errorf("%s publishes no port", where)
		}
		for _, p := range s.Ports {
			parts := strings.Split(p, ":")
			if len(parts) != 3 || parts[0] != "127.0.0.1" {
				t.Errorf("%s: port %q, want 127.0.0.1:HOST:CONTAINER (the mock takes a public development token)", where, p)
				continue
			}
			if parts[2] != port {
				t.Errorf("%s: publishes container port %s, but listens on %s", where, parts[2], port)
			}
		}
		// The health check that runs: the service's own, or the image's.
		test := s.Healthcheck.Test
		if len(test) == 0 {
			test = img.health
		}
		if p := healthPort(t, where+" health check", test, e); p != port {
			t.Errorf("%s: health check hits port %s, but the service listens on %s", where, p, port)
		}
		for _, d := range []string{s.Healthcheck.Interval, s.Healthcheck.Timeout, s.Healthcheck.StartPeriod} {
			if _, err := time.ParseDuration(d); d != "" && err != nil {
				t.Errorf("%s: health check duration: %v", where, err)
			}
		}
		// A pipeline on the host is reachable as host.docker.internal, on
		// Linux too.
		if !slices.Contains(s.ExtraHosts, "host.docker.internal:host-gateway") {
			t.Errorf("%s: extra_hosts %v lacks host.docker.internal:host-gateway", where, s.ExtraHosts)
		}
	}

	for name, s := range c.Services {
		e := img.environment(s.Environment)
		for dep, d := range s.DependsOn {
			if _, ok := c.Services[dep]; !ok {
				t.Errorf("%s depends on unknown service %q", name, dep)
			}
			if d.Condition != "service_healthy" {
				t.Errorf("%s depends on %s with condition %q, want service_healthy", name, dep, d.Condition)
			}
		}
		switch s.Command[0] {
		case "serve":
			// Webhooks go to a service, on the port it listens on, and the
			// sender starts after it (else the sample data finds no one).
			o, _ := parseServe(s.Command[1:], e, io.Discard)
			for _, raw := range o.webhooks {
				u, _ := url.Parse(raw)
				port, ok := listen[u.Hostname()]
				switch {
				case !ok:
					t.Errorf("%s: --webhook host %q is no compose service", name, u.Hostname())
				case u.Port() != port:
					t.Errorf("%s: --webhook port %s, but %s listens on %s", name, u.Port(), u.Hostname(), port)
				}
				if _, ok := s.DependsOn[u.Hostname()]; !ok {
					t.Errorf("%s sends webhooks to %s but does not depend on it", name, u.Hostname())
				}
			}
		case "receive":
			// The record file lies on a declared volume, mounted on a
			// directory the image's user owns.
			o, _ := parseReceive(s.Command[1:], e, io.Discard)
			if o.record == "" {
				break
			}
			mounted := false
			for _, v := range s.Volumes {
				src, target, _ := strings.Cut(v, ":")
				target, _, _ = strings.Cut(target, ":")
				if !under(o.record, target) {
					continue
				}
				mounted = true
				if _, named := c.Volumes[src]; !named {
					t.Errorf("%s: volume %q is not declared under volumes:", name, src)
				}
				if !slices.ContainsFunc(img.copies, func(cp *instructions.CopyCommand) bool { return cp.DestPath == target && cp.Chown != "" }) {
					t.Errorf("%s: %s is not a mount point the image's user owns", name, target)
				}
			}
			if !mounted {
				t.Errorf("%s: --record %s is not on a mounted volume (%v)", name, o.record, s.Volumes)
			}
		}
	}
	if c.Services["mock"].DependsOn["receiver"].Condition != "service_healthy" {
		t.Error("the mock must start after the receiver is healthy")
	}
}

func TestHealthCommand(t *testing.T) {
	url, _, _ := startServe(t, []string{"--addr", "127.0.0.1:0"}, nil)
	recvURL, _, _ := startReceive(t, []string{"--addr", "127.0.0.1:0"}, nil)
	var out bytes.Buffer
	for _, tc := range []struct {
		name string
		args []string
		vars map[string]string
	}{
		{"serve base URL", []string{url}, nil},
		{"serve /health", []string{url + "/health"}, nil},
		{"serve with a slash", []string{url + "/"}, nil},
		{"--url", []string{"--url", url}, nil},
		{"receive --url", []string{"--url", recvURL}, nil},
		{"receive from LABELHOOK_HEALTH_URL", nil, map[string]string{"LABELHOOK_HEALTH_URL": recvURL + "/health"}},
		{"argument over LABELHOOK_HEALTH_URL", []string{recvURL}, map[string]string{"LABELHOOK_HEALTH_URL": "http://127.0.0.1:1/health"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out.Reset()
			if err := run(context.Background(), append([]string{"health"}, tc.args...), mapEnv(tc.vars), &out, io.Discard); err != nil {
				t.Errorf("health %q with %v: %v", tc.args, tc.vars, err)
			}
			// The mock answers as Label Studio (json.dumps' spacing), the
			// receiver compactly.
			if !strings.Contains(out.String(), `{"status": "UP"}`) && !strings.Contains(out.String(), `{"status":"UP"}`) {
				t.Errorf("health %q printed %q", tc.args, out.String())
			}
		})
	}
	err := run(context.Background(), []string{"health", url + "/api/projects"}, mapEnv(nil), &out, io.Discard)
	if code := exitCode(err); code != exitFailed {
		t.Errorf("health on a 401 route: exit %d (err %v), want %d", code, err, exitFailed)
	}
	closed := "http://" + loopback.ClosedAddr(t)
	if code := exitCode(run(context.Background(), []string{"health", "--url", closed}, mapEnv(nil), &out, io.Discard)); code != exitFailed {
		t.Errorf("health on a closed port: exit %d, want %d", code, exitFailed)
	}
	for _, args := range [][]string{{"ftp://x"}, {"a", "b"}, {"--timeout", "0", url}, {"--url", url, url}} {
		if code := exitCode(run(context.Background(), append([]string{"health"}, args...), mapEnv(nil), &out, io.Discard)); code != exitUsage {
			t.Errorf("health %q: exit %d, want %d", args, code, exitUsage)
		}
	}
}
