package main

// End-to-end tests of the CLI as a new user runs it: TestMain builds the real binary, each test
// runs it as a subprocess and talks to it with the real curl binary and the real CLI (explain,
// causes). Nothing is mocked; every listener is on 127.0.0.1 with port 0.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binPath is the portcullis binary TestMain builds (with -race when the tests run with -race).
var binPath string

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "portcullis-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binPath = filepath.Join(dir, "portcullis")
	args := []string{"build", "-o", binPath}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building portcullis:", err)
		return 1
	}
	return m.Run()
}

const demoHost = "a1b2c3d4e5.execute-api.localhost"

// cliEnv keeps every subprocess away from the user's state directory. A -race binary sleeps
// 1 s before a successful exit unless told otherwise (GORACE atexit_sleep_ms; the caller's
// GORACE options come later and win).
func cliEnv(t *testing.T) []string {
	return append(os.Environ(),
		"XDG_STATE_HOME="+t.TempDir(),
		"GORACE="+strings.TrimSpace("atexit_sleep_ms=0 "+os.Getenv("GORACE")))
}

// runCLI runs the binary to completion and returns its stdout, stderr and exit code.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = cliEnv(t)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("portcullis %s: timed out\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), out.String(), errb.String())
	}
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("portcullis %s: %v", strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	return out.String(), errb.String(), code
}

// syncBuffer is a bytes.Buffer safe for the exec copier and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server is a running `portcullis serve`.
type server struct {
	t              *testing.T
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	data           string // --data
	addr, admin    string // bound data-plane and admin addresses, from the banner
	exited         chan struct{}
	waitErr        error // valid once exited is closed
}

var (
	bannerData  = regexp.MustCompile(`(?m)^\s*data plane\s+http://(\S+)[^\n]*\n`)
	bannerAdmin = regexp.MustCompile(`(?m)^\s*admin API\s+http://(\S+)[^\n]*\n`)
)

// startServe runs `portcullis serve` on ephemeral loopback ports with a fresh --data and waits
// for its banner. The process is stopped with SIGTERM when the test ends and must exit 0.
func startServe(t *testing.T, extra ...string) *server {
	t.Helper()
	s := &server{t: t, stdout: &syncBuffer{}, stderr: &syncBuffer{}, data: t.TempDir(), exited: make(chan struct{})}
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--data", s.data}, extra...)
	s.cmd = exec.Command(binPath, args...)
	s.cmd.Env = cliEnv(t)
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start portcullis serve: %v", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(s.cleanup)

	deadline := time.Now().Add(15 * time.Second)
	for {
		out := s.stdout.String()
		d, a := bannerData.FindStringSubmatch(out), bannerAdmin.FindStringSubmatch(out)
		if d != nil && a != nil {
			s.addr, s.admin = d[1], a[1]
			return s
		}
		select {
		case <-s.exited:
			t.Fatalf("portcullis serve exited before printing its banner (%v)\nstdout:\n%s\nstderr:\n%s", s.waitErr, out, s.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no banner with the data plane and admin addresses after 15 s\nstdout:\n%s\nstderr:\n%s", out, s.stderr.String())
		}
	}
}

func (s *server) url(path string) string { return "http://" + s.addr + path }

func (s *server) signal(sig syscall.Signal) {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("signal %v: %v", sig, err)
	}
}

// waitExit waits up to d for the process to end and returns its exit code (-1 on timeout).
func (s *server) waitExit(d time.Duration) int {
	select {
	case <-s.exited:
		var ee *exec.ExitError
		if errors.As(s.waitErr, &ee) {
			return ee.ExitCode()
		}
		if s.waitErr != nil {
			return -2
		}
		return 0
	case <-time.After(d):
		return -1
	}
}

func (s *server) cleanup() {
	select {
	case <-s.exited:
	default:
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		if code := s.waitExit(10 * time.Second); code != 0 {
			s.t.Errorf("portcullis serve after SIGTERM: exit code %d, want 0", code)
			if code == -1 {
				_ = s.cmd.Process.Kill()
				<-s.exited
			}
		}
	}
	if s.t.Failed() {
		s.t.Logf("portcullis serve stdout:\n%s", s.stdout.String())
		s.t.Logf("portcullis serve stderr:\n%s", s.stderr.String())
	}
}

// waitStdout polls the server's stdout for a line containing every one of parts.
func (s *server) waitStdout(parts ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, line := range strings.Split(s.stdout.String(), "\n") {
			if containsAll(line, parts) {
				return line
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("no stdout line contains all of %q", parts)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// response is one HTTP response as `curl -si` printed it.
type response struct {
	raw        string
	statusLine string
	status     int
	headers    []string // "Name: value", as sent
	body       string
}

// header returns the first value of the named header (case-insensitive name), and whether it was sent.
func (r response) header(name string) (string, bool) {
	for _, h := range r.headers {
		k, v, ok := strings.Cut(h, ":")
		if ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// hasHeaderLine reports whether the response carried exactly this header line.
func (r response) hasHeaderLine(line string) bool {
	for _, h := range r.headers {
		if h == line {
			return true
		}
	}
	return false
}

// curlE runs the real curl with -si and parses what it printed.
func curlE(args ...string) (response, error) {
	path, err := exec.LookPath("curl")
	if err != nil {
		return response{}, fmt.Errorf("the e2e tests need the curl binary (CI installs it): %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	full := append([]string{"-si", "--noproxy", "*", "--max-time", "12"}, args...)
	cmd := exec.CommandContext(ctx, path, full...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return response{}, fmt.Errorf("curl %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	raw := out.String()
	head, body, ok := strings.Cut(raw, "\r\n\r\n")
	if !ok {
		return response{}, fmt.Errorf("curl %s: no end of headers in\n%s", strings.Join(args, " "), raw)
	}
	lines := strings.Split(head, "\r\n")
	r := response{raw: raw, statusLine: lines[0], headers: lines[1:], body: body}
	f := strings.Fields(r.statusLine)
	if len(f) < 2 {
		return response{}, fmt.Errorf("curl %s: bad status line %q", strings.Join(args, " "), r.statusLine)
	}
	if r.status, err = strconv.Atoi(f[1]); err != nil {
		return response{}, fmt.Errorf("curl %s: bad status line %q", strings.Join(args, " "), r.statusLine)
	}
	return r, nil
}

func curl(t *testing.T, args ...string) response {
	t.Helper()
	r, err := curlE(args...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// requestID returns the response's x-amzn-RequestId.
func requestID(t *testing.T, r response) string {
	t.Helper()
	id, ok := r.header("x-amzn-RequestId")
	if !ok || id == "" {
		t.Fatalf("no x-amzn-RequestId in\n%s", r.raw)
	}
	return id
}

// explain runs `portcullis explain ID --admin ADMIN [extra…]`, retrying briefly while the
// decision is not recorded yet (exit 1): it is stored right after the response is written.
func explain(t *testing.T, s *server, id string, extra ...string) string {
	t.Helper()
	args := append([]string{"explain", id, "--admin", s.admin}, extra...)
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, errOut, code := runCLI(t, args...)
		switch {
		case code == 0:
			return out
		case code != 1 || time.Now().After(deadline):
			t.Fatalf("portcullis %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitFile polls a file until it contains want.
func waitFile(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(b), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not contain %q after 5 s (read error: %v); it has:\n%s", path, want, err, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const (
	petsBody          = `[{"id":1,"type":"dog","price":249.99},{"id":2,"type":"cat","price":124.99},{"id":3,"type":"fish","price":0.99}]`
	missingTokenBody  = `{"message":"Missing Authentication Token"}`
	incompleteSigBody = `{"message":"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. ` +
		`Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=allow"}`
)

// TestDemoWorld is the README's "Try it" walk-through against `portcullis serve` with no --config.
func TestDemoWorld(t *testing.T) {
	s := startServe(t, "--demo-backend", "127.0.0.1:0")
	host := "Host: " + demoHost

	t.Run("mock 200, access log and execution log", func(t *testing.T) {
		r := curl(t, "-H", host, s.url("/prod/pets"))
		if r.statusLine != "HTTP/1.1 200 OK" || r.body != petsBody {
			t.Fatalf("GET /prod/pets:\n%s\nwant 200 with %s", r.raw, petsBody)
		}
		if ct, _ := r.header("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q, want application/json", ct)
		}
		if et, ok := r.header("x-amzn-ErrorType"); ok {
			t.Errorf("a 200 carries x-amzn-ErrorType: %s", et)
		}
		id := requestID(t, r)
		s.waitStdout(id, `"GET /pets HTTP/1.1" 200 111 `)
		log := filepath.Join(s.data, "logs", "API-Gateway-Execution-Logs_a1b2c3d4e5", "prod.log")
		waitFile(t, log, "("+id+") Method completed with status: 200")
		waitFile(t, log, "("+id+") HTTP Method: GET, Resource Path: /pets")
	})

	t.Run("http proxy to the demo backend", func(t *testing.T) {
		r := curl(t, "-H", host, s.url("/prod/pets/1"))
		if r.status != 200 || r.body != `{"id":1,"type":"dog"}` {
			t.Fatalf("GET /prod/pets/1 (the --demo-backend on port 0 must be wired into the stage):\n%s", r.raw)
		}
	})

	t.Run("path style", func(t *testing.T) {
		r := curl(t, s.url("/restapis/a1b2c3d4e5/prod/_user_request_/pets"))
		if r.status != 200 || r.body != petsBody {
			t.Fatalf("path-style GET /pets:\n%s", r.raw)
		}
	})

	t.Run("route not found, explained", func(t *testing.T) {
		r := curl(t, "-H", host, s.url("/prod/nope"))
		if r.statusLine != "HTTP/1.1 403 Forbidden" {
			t.Errorf("status line %q, want %q", r.statusLine, "HTTP/1.1 403 Forbidden")
		}
		if !r.hasHeaderLine("x-amzn-ErrorType: MissingAuthenticationTokenException") {
			t.Errorf("no header line %q in\n%s", "x-amzn-ErrorType: MissingAuthenticationTokenException", r.raw)
		}
		if r.body != missingTokenBody {
			t.Errorf("body %q, want %q", r.body, missingTokenBody)
		}
		id := requestID(t, r)

		// Access log (CLF, stdout): "$httpMethod $resourcePath $protocol" $status $responseLength $requestId …
		s.waitStdout(id, `" 403 42 `)

		text := explain(t, s, id)
		for _, want := range []string{
			"Request   " + id,
			"Outcome   deny, HTTP 403, x-amzn-ErrorType: MissingAuthenticationTokenException",
			"Cause     route-not-found",
			"(seed row 10)",
			"\nEvidence\n",
			"  - no resource of the stage's deployment matches /nope\n",
			"\nFix\n  1. ",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("explain output lacks %q:\n%s", want, text)
			}
		}

		var d struct {
			Version   int    `json:"version"`
			RequestID string `json:"requestId"`
			Cause     string `json:"cause"`
			Status    int    `json:"status"`
			Outcome   string `json:"outcome"`
			ErrorType string `json:"errorType"`
		}
		js := explain(t, s, id, "--json")
		if err := json.Unmarshal([]byte(js), &d); err != nil {
			t.Fatalf("explain --json is not JSON: %v\n%s", err, js)
		}
		if d.Version != 1 || d.Cause != "route-not-found" || d.Status != 403 || d.RequestID != id ||
			d.Outcome != "deny" || d.ErrorType != "MissingAuthenticationTokenException" {
			t.Errorf("explain --json = %+v", d)
		}
	})

	t.Run("stage not found", func(t *testing.T) {
		r := curl(t, "-H", host, s.url("/nostage/pets"))
		if r.statusLine != "HTTP/1.1 403 Forbidden" || r.body != `{"message":"Forbidden"}` ||
			!r.hasHeaderLine("x-amzn-ErrorType: ForbiddenException") {
			t.Fatalf("GET /nostage/pets:\n%s", r.raw)
		}
		var d struct{ Cause string }
		if err := json.Unmarshal([]byte(explain(t, s, requestID(t, r), "--json")), &d); err != nil || d.Cause != "stage-not-found" {
			t.Errorf("explain: cause %q (%v), want stage-not-found", d.Cause, err)
		}
	})

	t.Run("route not found with an Authorization header", func(t *testing.T) {
		r := curl(t, "-H", host, "-H", "Authorization: allow", s.url("/prod/nope"))
		if r.statusLine != "HTTP/1.1 403 Forbidden" || !r.hasHeaderLine("x-amzn-ErrorType: IncompleteSignatureException") {
			t.Errorf("GET /prod/nope with Authorization: allow:\n%s", r.raw)
		}
		if r.body != incompleteSigBody {
			t.Errorf("body\n%s\nwant\n%s", r.body, incompleteSigBody)
		}
		text := explain(t, s, requestID(t, r))
		if !strings.Contains(text, "route-not-found-with-authorization") || !strings.Contains(text, "(seed row 11)") {
			t.Errorf("explain output:\n%s", text)
		}
	})

	t.Run("explain an unknown request id", func(t *testing.T) {
		out, errOut, code := runCLI(t, "explain", "00000000-0000-0000-0000-000000000000", "--admin", s.admin)
		if code != 1 || !strings.Contains(errOut, "00000000-0000-0000-0000-000000000000") {
			t.Errorf("exit %d, want 1 naming the id\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
	})
}

// TestExplainUnreachable: nothing listens at --admin, so explain exits 2 and says where it looked.
func TestExplainUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	out, errOut, code := runCLI(t, "explain", "some-id", "--admin", addr)
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(errOut, addr) || !strings.Contains(errOut, "--admin") {
		t.Errorf("stderr does not name %s and --admin:\n%s", addr, errOut)
	}
	if out != "" {
		t.Errorf("stdout: %q", out)
	}
}

// seedIDs are the 17 rows of the seed article's table, in its order.
var seedIDs = []string{
	"authorizer-explicit-deny", "policy-explicit-deny", "policy-no-allow", "invalid-security-token",
	"missing-authentication-token", "signature-expired", "invalid-api-key", "signature-mismatch",
	"waf-blocked", "route-not-found", "route-not-found-with-authorization", "private-api-wrong-endpoint",
	"default-endpoint-disabled", "mtls-certificate-rejected", "custom-domain-no-mapping",
	"custom-domain-stage-in-path", "stage-not-found",
}

func TestCauses(t *testing.T) {
	out, errOut, code := runCLI(t, "causes")
	if code != 0 {
		t.Fatalf("causes: exit %d\n%s", code, errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) < 1+len(seedIDs) || !strings.HasPrefix(lines[0], "ID ") {
		t.Fatalf("causes output:\n%s", out)
	}
	for i, id := range seedIDs {
		f := strings.Fields(lines[1+i])
		if len(f) < 2 || f[0] != id || f[1] != strconv.Itoa(i+1) {
			t.Errorf("causes line %d = %q, want ID %s seed row %d", i+1, lines[1+i], id, i+1)
		}
	}

	js, errOut, code := runCLI(t, "causes", "--json")
	if code != 0 {
		t.Fatalf("causes --json: exit %d\n%s", code, errOut)
	}
	var c struct {
		Version int `json:"version"`
		Causes  []struct {
			ID      string `json:"id"`
			SeedRow int    `json:"seedRow"`
			Status  int    `json:"status"`
		} `json:"causes"`
	}
	if err := json.Unmarshal([]byte(js), &c); err != nil {
		t.Fatalf("causes --json: %v\n%s", err, js)
	}
	if c.Version != 1 || len(c.Causes) < len(seedIDs) {
		t.Fatalf("causes --json: version %d, %d causes", c.Version, len(c.Causes))
	}
	for i, id := range seedIDs {
		if e := c.Causes[i]; e.ID != id || e.SeedRow != i+1 || e.Status == 0 {
			t.Errorf("causes[%d] = %+v, want id %s seedRow %d", i, e, id, i+1)
		}
	}
	for _, e := range c.Causes[len(seedIDs):] {
		if e.SeedRow != 0 {
			t.Errorf("cause %s after the seed rows has seedRow %d", e.ID, e.SeedRow)
		}
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	writeDefinition(t, dir, nil, "/a")
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, badConfig) // bogusField is on line 6, column 5
	ports := []string{"--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--demo-backend", "127.0.0.1:0", "--data", filepath.Join(dir, "data")}

	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		stderr  []string
		oneLine bool // DESIGN.md §1: an input error is a one-line message naming the file
	}{
		{"unknown flag", []string{"--no-such-flag"}, 2, []string{"unknown flag: --no-such-flag"}, false},
		{"unknown serve flag", append([]string{"serve", "--no-such-flag"}, ports...), 2, []string{"unknown flag: --no-such-flag"}, false},
		{"unknown command", []string{"frobnicate"}, 2, []string{"frobnicate"}, false},
		{"explain without an id", []string{"explain"}, 2, nil, false},
		{"missing config", append([]string{"serve", "--config", "/nonexistent.yaml"}, ports...), 2, []string{"/nonexistent.yaml"}, true},
		{"unknown config field", append([]string{"serve", "--config", bad}, ports...), 2,
			[]string{bad + ":6:5: restApis[0].bogusField: ", "bogusField"}, true},
		{"help", []string{"--help"}, 0, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := runCLI(t, tc.args...)
			if code != tc.code {
				t.Errorf("portcullis %s: exit %d, want %d\nstderr:\n%s", strings.Join(tc.args, " "), code, tc.code, errOut)
			}
			for _, want := range tc.stderr {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
			if tc.oneLine && strings.Count(errOut, "\n") != 1 {
				t.Errorf("an input error is one line; stderr:\n%s", errOut)
			}
		})
	}
}
