package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// diagnosis is the part of `portcullis diagnose --json` (version 1) the tests read.
type diagnosis struct {
	Version int `json:"version"`
	Input   struct {
		Format  string `json:"format"`
		Entries int    `json:"entries"`
	} `json:"input"`
	Findings []struct {
		Entry   int    `json:"entry"`
		Status  int    `json:"status"`
		Origin  string `json:"origin"`
		Message string `json:"message"`
		Causes  []struct {
			ID         string   `json:"id"`
			Rank       int      `json:"rank"`
			Confidence string   `json:"confidence"`
			Evidence   []string `json:"evidence"`
			Remedy     []string `json:"remedy"`
		} `json:"causes"`
		ToDecide []string        `json:"toDecide"`
		Decision json.RawMessage `json:"decision"`
	} `json:"findings"`
}

// firstRank returns the causes ranked 1.
func (d diagnosis) firstRank(i int) []string {
	var out []string
	for _, c := range d.Findings[i].Causes {
		if c.Rank == 1 {
			out = append(out, c.ID)
		}
	}
	return out
}

func runDiagnose(t *testing.T, stdin string, args ...string) (diagnosis, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, append([]string{"diagnose"}, args...)...)
	cmd.Env = cliEnv(t)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("portcullis diagnose: %v", err)
	}
	var d diagnosis
	for _, a := range args {
		if a == "--json" && code == 0 {
			if err := json.Unmarshal(out.Bytes(), &d); err != nil {
				t.Fatalf("diagnose --json: %v\n%s", err, out.String())
			}
		}
	}
	return d, out.String() + errb.String(), code
}

// curlVerbose runs the real curl with -v and returns what a user would paste: stderr and
// stdout together.
func curlVerbose(t *testing.T, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("curl")
	if err != nil {
		t.Fatalf("the e2e tests need the curl binary (CI installs it): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append([]string{"-sv", "--noproxy", "*", "--max-time", "12"}, args...)...)
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	if err := cmd.Run(); err != nil {
		t.Fatalf("curl %v: %v\n%s", args, err, b.String())
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestDiagnoseCurlTranscripts: real curl -v transcripts of requests the demo world denies are
// diagnosed from files and from stdin, the true cause ranked first.
func TestDiagnoseCurlTranscripts(t *testing.T) {
	s := startServe(t)
	port := s.addr[strings.LastIndexByte(s.addr, ':')+1:]
	host := func(api string) string { return "http://" + api + ".execute-api.localhost:" + port }
	dir := t.TempDir()
	cases := []struct {
		name  string
		curl  []string
		want  string // a rank-1 cause
		alone bool   // ranked 1 without a tie
		tie   bool   // tied with others, and toDecide names what separates them
	}{
		{"route not found", []string{host("a1b2c3d4e5") + "/prod/nope"}, "route-not-found", false, true},
		{"bearer token to a missing route", []string{"-H", "Authorization: Bearer abc.def.ghi-secret-token", host("a1b2c3d4e5") + "/prod/nope"}, "route-not-found-with-authorization", false, true},
		{"unknown access key", []string{"--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", "AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", host("iamdemo001") + "/prod/whoami"}, "invalid-security-token", true, false},
		{"unknown api key", []string{"-H", "x-api-key: nosuchkey0123456789", host("keysdemo01") + "/prod/quota"}, "invalid-api-key", false, true},
		{"waf bot rule", []string{"-A", "BadBot/2.0", host("a1b2c3d4e5") + "/waf/pets"}, "waf-blocked", true, false},
		{"authorizer without a token", []string{host("authdemo01") + "/prod/items"}, "authorizer-identity-missing", true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			transcript := curlVerbose(t, c.curl...)
			file := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".txt")
			if err := os.WriteFile(file, []byte(transcript), 0o600); err != nil {
				t.Fatal(err)
			}
			d, out, code := runDiagnose(t, "", "--json", file)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, out)
			}
			if d.Version != 1 || d.Input.Format != "curl" || len(d.Findings) != 1 {
				t.Fatalf("report: %+v", d)
			}
			f := d.Findings[0]
			if f.Origin != "apigateway-rest" {
				t.Errorf("origin %q", f.Origin)
			}
			first := d.firstRank(0)
			if !contains(first, c.want) {
				t.Errorf("rank 1 = %v, want %s among them\n%s", first, c.want, out)
			}
			if c.alone && len(first) != 1 {
				t.Errorf("rank 1 = %v, want %s alone", first, c.want)
			}
			if c.tie && (len(first) < 2 || len(f.ToDecide) == 0) {
				t.Errorf("want a tie with toDecide; rank 1 = %v, toDecide %v", first, f.ToDecide)
			}
			for _, secret := range []string{"abc.def.ghi-secret-token", "nosuchkey0123456789", "wJalrXUtnFEMI"} {
				if strings.Contains(out, secret) {
					t.Errorf("the diagnosis prints a secret %q", secret)
				}
			}
			// The same transcript on stdin, human output: no colour when not a terminal.
			_, human, code := runDiagnose(t, transcript, "-")
			if code != 0 || !strings.Contains(human, "origin: apigateway-rest") || !strings.Contains(human, "1. "+c.want) || strings.Contains(human, "\x1b[") {
				t.Errorf("human output (exit %d):\n%s", code, human)
			}
		})
	}
}

// TestDiagnoseReplay: the same capture is ambiguous from the response alone and exact when
// replayed offline with the config (--config).
func TestDiagnoseReplay(t *testing.T) {
	capture := "*   Trying 203.0.113.10:443...\n" +
		"* Connected to integ00001.execute-api.us-east-1.amazonaws.com (203.0.113.10) port 443 (#0)\n" +
		"* SSL connection using TLSv1.3 / TLS_AES_128_GCM_SHA256\n" +
		"> GET /prod/metered HTTP/1.1\n> Host: integ00001.execute-api.us-east-1.amazonaws.com\n> User-Agent: curl/7.88.1\n> Accept: */*\n>\n" +
		"< HTTP/1.1 403 Forbidden\n< Date: Thu, 26 Nov 2026 10:00:00 GMT\n< Content-Type: application/json\n< Content-Length: 23\n" +
		"< x-amzn-RequestId: 1b4f2d3c-9a8e-4f7d-8c6b-5a4e3d2c1b0a\n< x-amzn-ErrorType: ForbiddenException\n< x-amz-apigw-id: Vts2FFmArPEFh8g=\n<\n" +
		`{"message":"Forbidden"}` + "\n* Connection #0 to host integ00001.execute-api.us-east-1.amazonaws.com left intact\n"
	file := filepath.Join(t.TempDir(), "capture.txt")
	if err := os.WriteFile(file, []byte(capture), 0o600); err != nil {
		t.Fatal(err)
	}
	d, out, code := runDiagnose(t, "", "--json", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	if first := d.firstRank(0); len(first) < 2 || !contains(first, "api-key-missing") || len(d.Findings[0].ToDecide) == 0 {
		t.Fatalf("without --config: rank 1 = %v (want api-key-missing tied, with toDecide)", first)
	}
	cfg := filepath.Join("..", "..", "testdata", "scenarios", "worlds", "integration", "portcullis.yaml")
	d, out, code = runDiagnose(t, "", "--json", "--config", cfg, file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	f := d.Findings[0]
	if first := d.firstRank(0); len(first) != 1 || first[0] != "api-key-missing" || f.Causes[0].Confidence != "high" {
		t.Fatalf("with --config: rank 1 = %v (want api-key-missing alone)\n%s", first, out)
	}
	var dec struct {
		Cause  string `json:"cause"`
		Status int    `json:"status"`
	}
	if err := json.Unmarshal(f.Decision, &dec); err != nil || dec.Cause != "api-key-missing" || dec.Status != 403 {
		t.Errorf("replayed decision %s (%v)", f.Decision, err)
	}
	if !strings.Contains(strings.Join(f.Causes[0].Evidence, "\n"), "exact: the offline replay") {
		t.Errorf("evidence %v", f.Causes[0].Evidence)
	}
}

// TestDiagnoseUsageErrors: unreadable or unrecognised input exits 2 with a one-line message.
func TestDiagnoseUsageErrors(t *testing.T) {
	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"hello world\n", []string{"-"}, "unrecognised input"},
		{"", []string{"--format", "pcap", "-"}, `--format "pcap"`},
		{"", []string{filepath.Join(t.TempDir(), "missing.har")}, "no such file"},
		{"", []string{"--config", filepath.Join(t.TempDir(), "nope.yaml"), "-"}, "nope.yaml"},
	} {
		_, out, code := runDiagnose(t, c.stdin, c.args...)
		if code != 2 || !strings.Contains(out, c.want) {
			t.Errorf("diagnose %v: exit %d, output %q (want 2 and %q)", c.args, code, out, c.want)
		}
	}
}

// TestDiagnoseRedact: --redact writes a copy that is safe to share and diagnoses the same.
func TestDiagnoseRedact(t *testing.T) {
	dir := t.TempDir()
	const secret = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2VjcmV0LXNpZ25hdHVyZS12YWx1ZQ"
	const key = "k3yk3yk3yk3yk3yk3yk3y"
	har := `{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"entries":[` +
		`{"startedDateTime":"2026-11-26T10:00:00.000Z","time":12,"request":{"method":"GET","url":"https://keysdemo01.execute-api.us-east-1.amazonaws.com/prod/quota?access_token=` + secret + `","httpVersion":"HTTP/1.1",` +
		`"headers":[{"name":"Host","value":"keysdemo01.execute-api.us-east-1.amazonaws.com"},{"name":"x-api-key","value":"` + key + `"},{"name":"Cookie","value":"session=` + secret + `"}],"queryString":[{"name":"access_token","value":"` + secret + `"}],"cookies":[],"headersSize":-1,"bodySize":0},` +
		`"response":{"status":403,"statusText":"Forbidden","httpVersion":"HTTP/1.1","headers":[{"name":"x-amzn-RequestId","value":"1b4f2d3c-9a8e-4f7d-8c6b-5a4e3d2c1b0a"},{"name":"x-amz-apigw-id","value":"Vts2FFmArPEFh8g="},{"name":"x-amzn-ErrorType","value":"ForbiddenException"}],` +
		`"cookies":[],"content":{"size":23,"mimeType":"application/json","text":"{\"message\":\"Forbidden\"}"},"redirectURL":"","headersSize":-1,"bodySize":23},"cache":{},"timings":{"send":0,"wait":12,"receive":0}}]}}`
	in := filepath.Join(dir, "capture.har")
	if err := os.WriteFile(in, []byte(har), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "shareable.har")
	before, msg, code := runDiagnose(t, "", "--json", "--redact", out, in)
	if code != 0 || !strings.Contains(msg, "wrote "+out+": masked") {
		t.Fatalf("exit %d: %s", code, msg)
	}
	red, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{secret, key, "eyJzdWIiOiJhbGljZSJ9"} {
		if strings.Contains(string(red), s) {
			t.Errorf("the redacted copy still holds %q", s)
		}
	}
	after, msg, code := runDiagnose(t, "", "--json", out)
	if code != 0 {
		t.Fatalf("diagnosing the redacted copy: exit %d: %s", code, msg)
	}
	if b, a := strings.Join(before.firstRank(0), ","), strings.Join(after.firstRank(0), ","); b != a || !strings.Contains(b, "invalid-api-key") {
		t.Errorf("rank 1 before %s, after redaction %s", b, a)
	}
	if _, msg, code := runDiagnose(t, "", "--redact", in, in); code != 2 || !strings.Contains(msg, "is the input") {
		t.Errorf("--redact onto the input: exit %d %s", code, msg)
	}
}

// TestDiagnoseColour: colour on a terminal (a real pty from util-linux script), none with
// NO_COLOR or when piped.
func TestDiagnoseColour(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Fatalf("the colour test needs util-linux's script (apt-get install -y bsdutils): %v", err)
	}
	file := filepath.Join(t.TempDir(), "c.txt")
	capture := "HTTP/1.1 403 Forbidden\r\nx-amzn-RequestId: 1b4f2d3c-9a8e-4f7d-8c6b-5a4e3d2c1b0a\r\nx-amzn-ErrorType: MissingAuthenticationTokenException\r\n\r\n{\"message\":\"Missing Authentication Token\"}"
	if err := os.WriteFile(file, []byte(capture), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(noColor bool) string {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, script, "-qec", binPath+" diagnose "+file, "/dev/null")
		env := []string{}
		for _, e := range cliEnv(t) {
			if !strings.HasPrefix(e, "NO_COLOR=") && !strings.HasPrefix(e, "TERM=") {
				env = append(env, e)
			}
		}
		env = append(env, "TERM=xterm")
		if noColor {
			env = append(env, "NO_COLOR=1")
		}
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("script: %v\n%s", err, out)
		}
		return string(out)
	}
	if out := run(false); !strings.Contains(out, "\x1b[31m") || !strings.Contains(out, "route-not-found") {
		t.Errorf("no colour on a terminal:\n%q", out)
	}
	if out := run(true); strings.Contains(out, "\x1b[") || !strings.Contains(out, "route-not-found") {
		t.Errorf("colour despite NO_COLOR:\n%q", out)
	}
}
