package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/labelhook/labelhook/server"
)

// runOut runs `labelhook NAME args...` in the background until its ready
// line matches ready, keeping stdout and stderr, and returns the URL the
// line names and a stop function that waits for run to return.
func runOut(t *testing.T, name string, ready *regexp.Regexp, args []string, vars map[string]string) (string, *serveLog, *serveLog, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := newServeLog(), newServeLog()
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{name}, args...), mapEnv(vars), stdout, stderr) }()
	url := stderr.waitMatch(t, ready, 10*time.Second)
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s returned %v after a graceful stop", name, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s did not return within 30s of cancellation", name)
		}
	}
	t.Cleanup(stop)
	return url, stdout, stderr, stop
}

func TestMaskSecret(t *testing.T) {
	for _, tc := range []struct {
		name, secret, want string
	}{
		{"long token: first 4 and last 3", "lhk_0123456789abcdefghijklmnopqrstuvwXYZ", "lhk_…XYZ"},
		{"short token: a quarter at most", "secretXYZ", "s…Z"},
		{"very short", "abc", "…"},
		{"multibyte", "äöüäöüäöüäöüäöüäöü", "äö…öü"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := maskSecret(tc.secret); got != tc.want {
				t.Errorf("maskSecret(%q) = %q, want %q", tc.secret, got, tc.want)
			}
		})
	}
}

// Finding (issue 11): `serve --token secretXYZ` printed the secret in the
// ready line, which CI logs keep. The token, and the personal access
// token derived from it, are shown masked with where the token came from;
// the public development token is still shown whole.
func TestServeTokenSecretXYZWasPrinted(t *testing.T) {
	const long = "lhk_0123456789abcdefghijklmnopqrstuvwXYZ"
	for _, tc := range []struct {
		name       string
		args       []string
		vars       map[string]string
		token      string
		wantShown  string
		wantSource string
	}{
		{"flag", []string{"--token", "secretXYZ"}, nil, "secretXYZ", "s…Z", "--token"},
		{"environment", nil, map[string]string{"LABELHOOK_TOKEN": long}, long, "lhk_…XYZ", "LABELHOOK_TOKEN"},
		{"flag over environment", []string{"--token", long}, map[string]string{"LABELHOOK_TOKEN": "other-secret"}, long, "lhk_…XYZ", "--token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, stdout, stderr, stop := runOut(t, "serve", readyURL, append([]string{"--addr", "127.0.0.1:0", "--verbose"}, tc.args...), tc.vars)
			// The token works, and a request with it is logged (debug).
			req, _ := http.NewRequest(http.MethodGet, url+"/api/projects", nil)
			req.Header.Set("Authorization", "Token "+tc.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET /api/projects with the token: %d", resp.StatusCode)
			}
			stop()
			out := stdout.String() + stderr.String()
			pat := server.RefreshToken(tc.token)
			for _, secret := range []string{tc.token, pat, pat[len(pat)-20:], "other-secret"} {
				if strings.Contains(out, secret) {
					t.Errorf("the output holds the secret %q:\n%s", secret, out)
				}
			}
			want := `token=` + tc.wantShown + ` token_source=` + tc.wantSource + ` personal_access_token=` + maskSecret(pat) + ` `
			if !strings.Contains(out, want) {
				t.Errorf("the ready line lacks %q:\n%s", want, out)
			}
		})
	}
	_, _, stderr, _ := runOut(t, "serve", readyURL, []string{"--addr", "127.0.0.1:0"}, nil)
	want := "token=" + server.DefaultToken + ` token_source="development default" personal_access_token=` + server.RefreshToken(server.DefaultToken) + " "
	if !strings.Contains(stderr.String(), want) {
		t.Errorf("the public development token is not shown whole (%q):\n%s", want, stderr.String())
	}
}

// Finding (issue 11): `--token ""` silently fell back to the public
// development token. An empty token, on the command line or in a
// variable that is set but empty, is a usage error (exit 2) for every
// command that takes one.
func TestServeEmptyTokenFellBackToTheDevelopmentToken(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		vars map[string]string
		want string
	}{
		{"serve --token empty", []string{"serve", "--addr", "127.0.0.1:0", "--token", ""}, nil, "--token is empty"},
		{"serve --token= empty", []string{"serve", "--addr", "127.0.0.1:0", "--token="}, nil, "--token is empty"},
		{"serve LABELHOOK_TOKEN set but empty", []string{"serve", "--addr", "127.0.0.1:0"}, map[string]string{"LABELHOOK_TOKEN": ""}, "$LABELHOOK_TOKEN is set but empty"},
		{"run --token empty", []string{"run", "--token", "", "x.yaml"}, nil, "--token is empty"},
		{"run LABELHOOK_TOKEN set but empty", []string{"run", "x.yaml"}, map[string]string{"LABELHOOK_TOKEN": ""}, "$LABELHOOK_TOKEN is set but empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(context.Background(), tc.args, mapEnv(tc.vars), io.Discard, &stderr)
			if code := exitCode(err); code != exitUsage || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%q with %v: exit %d, error %v; want %d and %q", tc.args, tc.vars, code, err, exitUsage, tc.want)
			}
			if strings.Contains(stderr.String(), "ready") {
				t.Errorf("serve started:\n%s", stderr.String())
			}
		})
	}
}

// serve --signing-secret and receive --signing-secret never print their
// secret: not at start, not per delivery at debug level, not when a
// signature fails, not when the secret itself is malformed.
func TestSigningSecretsAreNeverPrinted(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	key := strings.TrimPrefix(secret, "whsec_")
	checkNoSecret := func(t *testing.T, what, out string) {
		t.Helper()
		if strings.Contains(out, key) || strings.Contains(out, key[:12]) || strings.Contains(out, key[len(key)-12:]) {
			t.Errorf("%s printed the signing secret:\n%s", what, out)
		}
	}

	recvURL, recvOut, recvErr, stopRecv := runOut(t, "receive", receiverReadyURL, []string{"--addr", "127.0.0.1:0", "--verbose"},
		map[string]string{"LABELHOOK_RECEIVER_SIGNING_SECRET": secret})
	_, serveOut, serveErr, stopServe := runOut(t, "serve", readyURL, []string{"--addr", "127.0.0.1:0", "--verbose",
		"--signing-secret", secret, "--webhook", recvURL + "/hook", "--sample-data"}, nil)
	// A forged webhook: answered 401 and logged, without the secret.
	req, _ := http.NewRequest(http.MethodPost, recvURL+"/hook", strings.NewReader(`{"action":"PROJECT_CREATED","project":{"id":1}}`))
	req.Header.Set("webhook-id", "msg_1")
	req.Header.Set("webhook-timestamp", "1")
	req.Header.Set("webhook-signature", "v1,Zm9yZ2Vk")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a forged signature: %d, want 401", resp.StatusCode)
	}
	stopServe()
	stopRecv()
	if !strings.Contains(recvOut.String(), "PROJECT_CREATED /hook -> 200 valid") {
		t.Errorf("the signed sample data did not verify at the receiver:\n%s", recvOut.String())
	}
	checkNoSecret(t, "serve", serveOut.String()+serveErr.String())
	checkNoSecret(t, "receive", recvOut.String()+recvErr.String())

	for _, cmd := range []string{"serve", "receive"} {
		bad := "whsec_" + key[:10] + "!!" + key[12:]
		var stderr bytes.Buffer
		err := run(context.Background(), []string{cmd, "--addr", "127.0.0.1:0", "--signing-secret", bad}, mapEnv(nil), io.Discard, &stderr)
		if exitCode(err) != exitUsage {
			t.Errorf("%s with a malformed secret: exit %d, want %d", cmd, exitCode(err), exitUsage)
		}
		checkNoSecret(t, cmd+" with a malformed secret", stderr.String()+err.Error())
	}
}
