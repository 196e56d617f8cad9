package main

// End-to-end tests of `serve --config`: hot reload (SIGHUP and POST /reload, a bad config keeps
// the old one serving) and graceful shutdown on SIGTERM.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const testHost = "Host: aaaaaaaaaa.execute-api.localhost"

// goodConfig is one API, aaaaaaaaaa, with stage prod, defined by api.yaml.
const goodConfig = `accountId: "123456789012"
region: us-east-1
restApis:
  - id: aaaaaaaaaa
    name: t
    definition: api.yaml
    stages:
      - stageName: prod
`

// badConfig is goodConfig with an unknown field on line 6, column 5.
const badConfig = `accountId: "123456789012"
region: us-east-1
restApis:
  - id: aaaaaaaaaa
    name: t
    bogusField: 1
    definition: api.yaml
    stages:
      - stageName: prod
`

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// writeDefinition writes dir/api.yaml: an OpenAPI 3.0 export with a MOCK GET for each of
// mockPaths answering {"path":"…"}, plus any extra path items (YAML, indented under paths).
func writeDefinition(t *testing.T, dir string, extra []string, mockPaths ...string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("openapi: 3.0.1\ninfo: {title: t, version: \"1\"}\npaths:\n")
	for _, p := range mockPaths {
		fmt.Fprintf(&b, `  %s:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200", responseTemplates: {application/json: '{"path":"%s"}'}}}
`, p, p)
	}
	for _, e := range extra {
		b.WriteString(e)
	}
	writeFile(t, filepath.Join(dir, "api.yaml"), b.String())
}

// waitStatus polls GET url (with testHost) until it answers want, for up to 5 s.
func waitStatus(t *testing.T, url string, want int) response {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := curl(t, "-H", testHost, url)
		if r.status == want {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s still answers after 5 s:\n%s\nwant status %d", url, r.raw, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func metricsText(t *testing.T, s *server) string {
	t.Helper()
	r := curl(t, "http://"+s.admin+"/metrics")
	if r.status != 200 {
		t.Fatalf("GET /metrics:\n%s", r.raw)
	}
	return r.body
}

func wantReloads(t *testing.T, s *server, success, failure int) {
	t.Helper()
	m := metricsText(t, s)
	for _, want := range []string{
		fmt.Sprintf(`portcullis_config_reloads_total{result="success"} %d`+"\n", success),
		fmt.Sprintf(`portcullis_config_reloads_total{result="failure"} %d`+"\n", failure),
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %q; its reload lines:\n%s", want, grepLines(m, "portcullis_config_reloads_total"))
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestReload(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "portcullis.yaml")
	writeDefinition(t, dir, nil, "/a")
	writeFile(t, cfg, goodConfig)
	s := startServe(t, "--config", cfg)
	if !strings.Contains(s.stdout.String(), "API aaaaaaaaaa stage prod") {
		t.Errorf("banner does not list the configured stage:\n%s", s.stdout.String())
	}

	if r := curl(t, "-H", testHost, s.url("/prod/a")); r.status != 200 || r.body != `{"path":"/a"}` {
		t.Fatalf("GET /prod/a:\n%s", r.raw)
	}
	if r := curl(t, "-H", testHost, s.url("/prod/b")); r.status != 403 || r.body != missingTokenBody {
		t.Fatalf("GET /prod/b before the reload:\n%s", r.raw)
	}

	// SIGHUP picks up a new definition.
	writeDefinition(t, dir, nil, "/a", "/b")
	s.signal(syscall.SIGHUP)
	if r := waitStatus(t, s.url("/prod/b"), 200); r.body != `{"path":"/b"}` {
		t.Fatalf("GET /prod/b after SIGHUP:\n%s", r.raw)
	}
	wantReloads(t, s, 1, 0)

	// A broken config is rejected with its position; the old one keeps serving.
	writeFile(t, cfg, badConfig)
	r := curl(t, "-X", "POST", "http://"+s.admin+"/reload")
	if r.status != 422 {
		t.Fatalf("POST /reload with a broken config:\n%s\nwant 422", r.raw)
	}
	var rb struct {
		Reloaded bool   `json:"reloaded"`
		Error    string `json:"error"`
	}
	if err := json.Unmarshal([]byte(r.body), &rb); err != nil {
		t.Fatalf("POST /reload body: %v\n%s", err, r.body)
	}
	if rb.Reloaded || !strings.Contains(rb.Error, cfg+":6:5: restApis[0].bogusField") {
		t.Errorf("POST /reload = %+v, want reloaded false and an error naming %s:6:5", rb, cfg)
	}
	for _, p := range []string{"/prod/a", "/prod/b"} {
		if r := curl(t, "-H", testHost, s.url(p)); r.status != 200 {
			t.Errorf("GET %s after a rejected reload:\n%s", p, r.raw)
		}
	}
	wantReloads(t, s, 1, 1)

	// SIGHUP with the broken config neither kills the process nor changes what it serves.
	s.signal(syscall.SIGHUP)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(metricsText(t, s), `portcullis_config_reloads_total{result="failure"} 2`) {
		if time.Now().After(deadline) {
			t.Fatalf("the second rejected reload (SIGHUP) is not counted after 5 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r := curl(t, "-H", testHost, s.url("/prod/b")); r.status != 200 {
		t.Errorf("GET /prod/b after SIGHUP with a broken config:\n%s", r.raw)
	}
	if !strings.Contains(s.stderr.String(), "reload rejected") {
		t.Errorf("stderr does not report the rejected reload:\n%s", s.stderr.String())
	}

	// Fixing the file and POST /reload brings the new config in.
	writeDefinition(t, dir, nil, "/a")
	writeFile(t, cfg, goodConfig)
	r = curl(t, "-X", "POST", "http://"+s.admin+"/reload")
	if r.status != 200 || !strings.Contains(r.body, `"reloaded":true`) {
		t.Fatalf("POST /reload with a good config:\n%s", r.raw)
	}
	if r := curl(t, "-H", testHost, s.url("/prod/b")); r.status != 403 {
		t.Errorf("GET /prod/b after reloading a definition without it:\n%s", r.raw)
	}
	wantReloads(t, s, 2, 2)
}

func TestGracefulShutdown(t *testing.T) {
	arrived := make(chan struct{}, 1)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/slow" {
			http.NotFound(w, r)
			return
		}
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-time.After(1500 * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "slow done")
	}))
	defer backend.Close()

	dir := t.TempDir()
	cfg := filepath.Join(dir, "portcullis.yaml")
	writeDefinition(t, dir, []string{`  /slow:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: ` + backend.URL + `/slow
        timeoutInMillis: 10000
`}, "/a")
	writeFile(t, cfg, goodConfig)
	s := startServe(t, "--config", cfg, "--shutdown-timeout", "10s")

	type result struct {
		r   response
		err error
		at  time.Time
	}
	done := make(chan result, 1)
	go func() {
		r, err := curlE("-H", testHost, s.url("/prod/slow"))
		done <- result{r, err, time.Now()}
	}()
	select {
	case <-arrived:
	case res := <-done:
		t.Fatalf("GET /prod/slow ended before reaching the backend: %v\n%s", res.err, res.r.raw)
	case <-time.After(10 * time.Second):
		t.Fatal("GET /prod/slow did not reach the backend within 10 s")
	}

	s.signal(syscall.SIGTERM)
	var res result
	select {
	case res = <-done:
	case <-time.After(12 * time.Second):
		t.Fatal("the in-flight request did not complete within 12 s of SIGTERM")
	}
	if res.err != nil {
		t.Fatalf("in-flight request during shutdown: %v", res.err)
	}
	if res.r.status != 200 || res.r.body != "slow done" {
		t.Fatalf("in-flight request during shutdown:\n%s\nwant 200 slow done", res.r.raw)
	}
	if code := s.waitExit(5 * time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0 (-1: still running 5 s after the request completed)", code)
	}
	if !strings.Contains(s.stderr.String(), "draining in-flight requests") {
		t.Errorf("stderr does not say it drains:\n%s", s.stderr.String())
	}
}
