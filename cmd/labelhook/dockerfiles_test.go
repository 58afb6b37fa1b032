package main

// No Docker engine runs in CI, so these tests check the Dockerfile and
// docker-compose.yml statically: they parse, every labelhook command and
// flag they use exists, and ports, volumes and health checks agree.

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const repoRoot = "../.."

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	line int
	cmd  string // upper case: FROM, RUN, …
	args string
}

func readDockerfile(t *testing.T) []instruction {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var out []instruction
	var cur strings.Builder
	start := 0
	for i, l := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(l)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasSuffix(trimmed, `\`) {
			cur.WriteString(strings.TrimSuffix(trimmed, `\`) + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{start, strings.ToUpper(cmd), strings.TrimSpace(args)})
		cur.Reset()
	}
	return out
}

// execForm decodes a JSON-array (exec form) argument list.
func execForm(t *testing.T, in instruction, s string) []string {
	t.Helper()
	var args []string
	if err := json.Unmarshal([]byte(s), &args); err != nil {
		t.Fatalf("Dockerfile:%d: %s must use the exec form [\"...\"] (no shell in the image): %v", in.line, in.cmd, err)
	}
	return args
}

// flagValue returns the value of --name in args.
func flagValue(args []string, name string) string {
	for i, a := range args {
		a = "--" + strings.TrimLeft(a, "-")
		if a == "--"+name && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v
		}
	}
	return ""
}

// portOf returns the port of a host:port or of a URL.
func portOf(t *testing.T, where, s string) string {
	t.Helper()
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.Host != "" {
		return u.Port()
	}
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		t.Fatalf("%s: %q has no port: %v", where, s, err)
	}
	return port
}

// checkCommand checks a labelhook invocation (without "labelhook"): the
// subcommand exists and every flag it uses parses. health gets its own
// parser (it takes a URL argument); the others get -h appended, which
// stops them after parsing the flags before it.
func checkCommand(t *testing.T, where string, args []string) {
	t.Helper()
	if len(args) == 0 {
		t.Fatalf("%s: no labelhook command", where)
	}
	known := false
	for _, c := range commands() {
		known = known || c.name == args[0]
	}
	if !known {
		t.Fatalf("%s: labelhook has no %q command", where, args[0])
	}
	switch args[0] {
	case "health":
		if _, _, err := parseHealth(args[1:], &bytes.Buffer{}); err != nil {
			t.Errorf("%s: %v", where, err)
		}
		return
	case "serve":
		if _, err := parseServe(args[1:], mapEnv(nil), &bytes.Buffer{}); err != nil {
			t.Errorf("%s: %v", where, err)
		}
	}
	var stderr bytes.Buffer
	err := run(context.Background(), append(slices.Clone(args), "-h"), mapEnv(nil), &bytes.Buffer{}, &stderr)
	if err != nil {
		t.Errorf("%s: labelhook %s: %v", where, strings.Join(args, " "), err)
	}
	if !strings.Contains(stderr.String(), "usage: labelhook "+args[0]) {
		t.Errorf("%s: -h after %q did not reach the flag parser (a positional argument stops it):\n%s", where, args, stderr.String())
	}
}

// checkHealthURL checks that a health check hits the service's own
// listening port on loopback.
func checkHealthURL(t *testing.T, where string, healthArgs []string, port string) {
	t.Helper()
	target, _, err := parseHealth(healthArgs, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	u, _ := url.Parse(target)
	if u.Port() != port {
		t.Errorf("%s: health check hits port %s, but the service listens on %s", where, u.Port(), port)
	}
	if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" {
		t.Errorf("%s: health check hits %s; inside the container it must be the loopback", where, h)
	}
}

func TestDockerfile(t *testing.T) {
	ins := readDockerfile(t)
	var froms, final []instruction
	for _, in := range ins {
		if in.cmd == "FROM" {
			froms = append(froms, in)
			final = nil
		}
		final = append(final, in)
	}
	if len(froms) < 2 || !strings.Contains(strings.ToLower(froms[0].args), " as build") {
		t.Fatalf("want a multi-stage build with a first stage named build, got FROMs %v", froms)
	}
	built, copied := false, map[string]bool{}
	for _, in := range ins[:len(ins)-len(final)] {
		if in.cmd == "RUN" && strings.Contains(in.args, "CGO_ENABLED=0") && strings.Contains(in.args, "go build") &&
			strings.Contains(in.args, "./cmd/labelhook") && strings.Contains(in.args, "-o /out/labelhook") {
			built = true
		}
		if in.cmd == "COPY" {
			copied[strings.TrimPrefix(strings.Fields(in.args)[0], "./")] = true
		}
	}
	if !built {
		t.Error("no RUN CGO_ENABLED=0 go build -o /out/labelhook ./cmd/labelhook in the build stage (a static binary)")
	}
	// Every top-level package directory reaches the build stage.
	entries, _ := os.ReadDir(repoRoot)
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if goFiles, _ := filepath.Glob(filepath.Join(repoRoot, e.Name(), "*", "*.go")); len(goFiles) == 0 {
			if top, _ := filepath.Glob(filepath.Join(repoRoot, e.Name(), "*.go")); len(top) == 0 {
				continue
			}
		}
		if !copied[e.Name()] {
			t.Errorf("Dockerfile: the build stage does not COPY %s/", e.Name())
		}
	}

	var user, entry, cmd, health []string
	var exposed []string
	binary := false
	for _, in := range final {
		switch in.cmd {
		case "USER":
			user = strings.Split(in.args, ":")
		case "ENTRYPOINT":
			entry = execForm(t, in, in.args)
		case "CMD":
			cmd = execForm(t, in, in.args)
		case "EXPOSE":
			exposed = append(exposed, strings.Fields(in.args)...)
		case "COPY":
			binary = binary || (strings.Contains(in.args, "--from=build") && strings.HasSuffix(in.args, " /usr/local/bin/labelhook"))
		case "HEALTHCHECK":
			_, form, ok := strings.Cut(in.args, "CMD ")
			if !ok {
				t.Fatalf("Dockerfile:%d: HEALTHCHECK without CMD", in.line)
			}
			health = execForm(t, in, strings.TrimSpace(form))
		}
	}
	if len(user) == 0 || user[0] == "root" || user[0] == "0" {
		t.Errorf("the final stage runs as %v; want a non-root USER", user)
	}
	if !binary {
		t.Error("the final stage does not COPY --from=build the binary to /usr/local/bin/labelhook")
	}
	if !slices.Equal(entry, []string{"labelhook"}) {
		t.Errorf("ENTRYPOINT %q, want [\"labelhook\"]", entry)
	}
	checkCommand(t, "Dockerfile CMD", cmd)
	port := portOf(t, "Dockerfile CMD --addr", flagValue(cmd, "addr"))
	if !slices.Contains(exposed, port) {
		t.Errorf("CMD listens on %s, but EXPOSE is %v", port, exposed)
	}
	if len(health) < 2 || health[0] != "labelhook" {
		t.Fatalf("HEALTHCHECK CMD %q, want [\"labelhook\", \"health\", URL] (the image has no curl)", health)
	}
	checkCommand(t, "Dockerfile HEALTHCHECK", health[1:])
	checkHealthURL(t, "Dockerfile HEALTHCHECK", health[2:], port)

	// Every port the compose services listen on is exposed by the image.
	for name, s := range readCompose(t).Services {
		if p := portOf(t, "compose "+name, flagValue(s.Command, "addr")); !slices.Contains(exposed, p) {
			t.Errorf("compose service %s listens on %s, which the Dockerfile does not EXPOSE (%v)", name, p, exposed)
		}
	}
}

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Build       string            `yaml:"build"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
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
	for _, name := range []string{"mock", "receiver"} {
		if _, ok := c.Services[name]; !ok {
			t.Fatalf("docker-compose.yml has no %q service", name)
		}
	}
	listen := map[string]string{} // service -> port
	for name, s := range c.Services {
		where := "compose service " + name
		if s.Build != "." {
			t.Errorf("%s: build %q, want \".\" (the Dockerfile at the root)", where, s.Build)
		}
		checkCommand(t, where, s.Command)
		port := portOf(t, where+" --addr", flagValue(s.Command, "addr"))
		if host, _, _ := net.SplitHostPort(flagValue(s.Command, "addr")); host != "0.0.0.0" {
			t.Errorf("%s listens on %s; in a container it must listen on 0.0.0.0 to be reachable", where, host)
		}
		listen[name] = port
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
		hc := s.Healthcheck
		for _, d := range []string{hc.Interval, hc.Timeout, hc.StartPeriod} {
			if _, err := time.ParseDuration(d); err != nil {
				t.Errorf("%s: healthcheck duration: %v", where, err)
			}
		}
		test := hc.Test
		if len(test) < 3 || test[0] != "CMD" || test[1] != "labelhook" {
			t.Errorf("%s: healthcheck %q, want [\"CMD\", \"labelhook\", \"health\", URL]", where, test)
			continue
		}
		checkCommand(t, where+" healthcheck", test[2:])
		checkHealthURL(t, where+" healthcheck", test[3:], port)
	}
	for name, s := range c.Services {
		for dep, d := range s.DependsOn {
			if _, ok := c.Services[dep]; !ok {
				t.Errorf("%s depends on unknown service %q", name, dep)
			}
			if d.Condition != "service_healthy" {
				t.Errorf("%s depends on %s with condition %q, want service_healthy", name, dep, d.Condition)
			}
		}
		// Webhooks go to a service, on the port it listens on.
		for i, a := range s.Command {
			if a != "--webhook" || i+1 >= len(s.Command) {
				continue
			}
			u, err := url.Parse(s.Command[i+1])
			if err != nil {
				t.Fatalf("%s: --webhook %q: %v", name, s.Command[i+1], err)
			}
			port, ok := listen[u.Hostname()]
			switch {
			case !ok:
				t.Errorf("%s: --webhook host %q is no compose service", name, u.Hostname())
			case u.Port() != port:
				t.Errorf("%s: --webhook port %s, but %s listens on %s", name, u.Port(), u.Hostname(), port)
			}
			if _, ok := s.DependsOn[u.Hostname()]; !ok {
				t.Errorf("%s sends webhooks to %s but does not depend on it (the sample data would find no receiver)", name, u.Hostname())
			}
		}
		// A record file lies on a declared volume.
		if rec := flagValue(s.Command, "record"); rec != "" {
			mounted := false
			for _, v := range s.Volumes {
				src, target, _ := strings.Cut(v, ":")
				target, _, _ = strings.Cut(target, ":")
				if strings.HasPrefix(rec, strings.TrimSuffix(target, "/")+"/") {
					mounted = true
					if _, named := c.Volumes[src]; !named && !strings.HasPrefix(src, ".") && !strings.HasPrefix(src, "/") {
						t.Errorf("%s: volume %q is not declared under volumes:", name, src)
					}
				}
			}
			if !mounted {
				t.Errorf("%s: --record %s is not on a mounted volume (%v)", name, rec, s.Volumes)
			}
		}
	}
	if c.Services["mock"].DependsOn["receiver"].Condition != "service_healthy" {
		t.Error("the mock must start after the receiver is healthy")
	}
}

func TestHealthCommand(t *testing.T) {
	url, _, _ := startServe(t, []string{"--addr", "127.0.0.1:0"}, nil)
	var out bytes.Buffer
	for _, target := range []string{url, url + "/health", url + "/"} {
		out.Reset()
		if err := run(context.Background(), []string{"health", target}, mapEnv(nil), &out, &bytes.Buffer{}); err != nil {
			t.Errorf("health %s: %v", target, err)
		}
		if !strings.Contains(out.String(), `{"status":"UP"}`) {
			t.Errorf("health %s printed %q", target, out.String())
		}
	}
	err := run(context.Background(), []string{"health", url + "/api/projects"}, mapEnv(nil), &out, &bytes.Buffer{})
	if code := exitCode(err); code != exitFailed {
		t.Errorf("health on a 401 route: exit %d (err %v), want %d", code, err, exitFailed)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + ln.Addr().String()
	ln.Close()
	if code := exitCode(run(context.Background(), []string{"health", closed}, mapEnv(nil), &out, &bytes.Buffer{})); code != exitFailed {
		t.Errorf("health on a closed port: exit %d, want %d", code, exitFailed)
	}
	for _, args := range [][]string{{"ftp://x"}, {"a", "b"}, {"--timeout", "0", url}} {
		if code := exitCode(run(context.Background(), append([]string{"health"}, args...), mapEnv(nil), &out, &bytes.Buffer{})); code != exitUsage {
			t.Errorf("health %q: exit %d, want %d", args, code, exitUsage)
		}
	}
}
