package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckE2E runs `portcullis check` on a config with one error (default endpoint disabled and
// no custom domain) and one warning (a usage plan with no stages), then on a broken config.
func TestCheckE2E(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("d.yaml", `openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /a:
    get:
      x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}, responses: {default: {statusCode: "200"}}}
`)
	write("portcullis.yaml", `accountId: "123456789012"
region: us-east-1
restApis:
  - {id: aaaaaaaaaa, definition: d.yaml, disableExecuteApiEndpoint: true, stages: [{stageName: prod}]}
usagePlans:
  - {id: up1, name: p}
`)
	cfg := filepath.Join(dir, "portcullis.yaml")

	stdout, stderr, code := runCLI(t, "check", "--config", cfg, "--json")
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	var rep struct {
		Version  int `json:"version"`
		Findings []struct {
			Severity, Code, File, Field, Message, Cause string
			Line                                        int
		} `json:"findings"`
		Errors   *int `json:"errors"`
		Warnings *int `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("JSON: %v\n%s", err, stdout)
	}
	if rep.Version != 1 || rep.Errors == nil || *rep.Errors != 1 || rep.Warnings == nil || *rep.Warnings != 1 || len(rep.Findings) != 2 {
		t.Fatalf("report: %s", stdout)
	}
	e, w := rep.Findings[0], rep.Findings[1]
	if e.Severity != "error" || e.Cause != "default-endpoint-disabled" || e.File != cfg || e.Line != 4 || e.Field != "restApis[0].disableExecuteApiEndpoint" {
		t.Errorf("error finding: %+v", e)
	}
	if w.Severity != "warning" || w.Code != "usage-plan-no-stages" || w.Line != 6 {
		t.Errorf("warning finding: %+v", w)
	}

	// Human output: one line per finding and a summary.
	stdout, _, code = runCLI(t, "check", "--config", cfg)
	if code != 1 || !strings.Contains(stdout, "ERROR "+cfg+":4: restApis[0].disableExecuteApiEndpoint: ") ||
		!strings.Contains(stdout, "(default-endpoint-disabled)") || !strings.Contains(stdout, "1 error(s), 1 warning(s)") {
		t.Errorf("human output (exit %d):\n%s", code, stdout)
	}

	// A config that does not load: exit 2 with file:line:column.
	write("bad.yaml", "accountId: \"123456789012\"\nregion: us-east-1\nrestApiz: []\n")
	_, stderr, code = runCLI(t, "check", "--config", filepath.Join(dir, "bad.yaml"))
	if code != 2 || !strings.Contains(stderr, "bad.yaml:3:1") {
		t.Errorf("bad config: exit %d, stderr %s", code, stderr)
	}
}
