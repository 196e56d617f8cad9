package main

import (
	"encoding/json"
	"net"
	"strings"
	"testing"
)

// probeReport is the part of `portcullis probe --json` the e2e test reads.
type probeReport struct {
	Version int `json:"version"`
	Target  struct {
		Kind  string `json:"kind"`
		APIID string `json:"apiId"`
	} `json:"target"`
	DNS []struct {
		Name    string `json:"name"`
		Summary string `json:"summary"`
	} `json:"dns"`
	Probes []struct {
		Name      string `json:"name"`
		Status    int    `json:"status"`
		ErrorType string `json:"errorType"`
		RequestID string `json:"requestId"`
		Decision  *struct {
			Cause string `json:"cause"`
		} `json:"decision"`
	} `json:"probes"`
	Requests    int `json:"requests"`
	MaxRequests int `json:"maxRequests"`
	Admin       *struct {
		Decisions int    `json:"decisions"`
		Error     string `json:"error"`
	} `json:"admin"`
	Conclusion struct {
		Outcome string `json:"outcome"`
		Exact   bool   `json:"exact"`
		Causes  []struct {
			ID         string `json:"id"`
			Rank       int    `json:"rank"`
			Confidence string `json:"confidence"`
			Exact      bool   `json:"exact"`
		} `json:"causes"`
	} `json:"conclusion"`
}

func (r probeReport) rank1() []string {
	var ids []string
	for _, c := range r.Conclusion.Causes {
		if c.Rank == 1 {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

func runProbe(t *testing.T, args ...string) probeReport {
	t.Helper()
	out, errOut, code := runCLI(t, append([]string{"probe", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("portcullis probe %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	var r probeReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("probe --json is not JSON: %v\n%s", err, out)
	}
	if r.Version != 1 || r.Requests < 1 || r.Requests > r.MaxRequests || r.Requests != len(r.Probes) {
		t.Fatalf("report version %d, %d requests (max %d), %d probes", r.Version, r.Requests, r.MaxRequests, len(r.Probes))
	}
	return r
}

// TestProbeE2E is the acceptance test of `portcullis probe` against the running demo world:
// without --admin, stage-not-found and route-not-found are ranked first by inference alone,
// and the byte-identical private-api-wrong-endpoint and default-endpoint-disabled are reported
// tied; with --admin the gateway's decision records tell those two apart, exactly.
func TestProbeE2E(t *testing.T) {
	s := startServe(t, "--demo-backend", "127.0.0.1:0")
	_, port, err := net.SplitHostPort(s.addr)
	if err != nil {
		t.Fatal(err)
	}
	demoURL := func(api, path string) string { return "http://" + api + ".execute-api.localhost:" + port + path }

	t.Run("stage-not-found by inference", func(t *testing.T) {
		r := runProbe(t, demoURL("a1b2c3d4e5", "/nostage/pets"))
		if got := r.rank1(); len(got) != 1 || got[0] != "stage-not-found" || r.Conclusion.Exact || r.Conclusion.Causes[0].Confidence != "high" {
			t.Errorf("rank 1 %v (exact %v): want stage-not-found, inferred, high", got, r.Conclusion.Exact)
		}
		if r.Target.Kind != "execute-api" || r.Target.APIID != "a1b2c3d4e5" || len(r.DNS) != 1 || r.DNS[0].Summary != "loopback" {
			t.Errorf("target %+v dns %+v", r.Target, r.DNS)
		}
	})

	t.Run("route-not-found by inference", func(t *testing.T) {
		r := runProbe(t, demoURL("a1b2c3d4e5", "/prod/nope"))
		if got := r.rank1(); len(got) != 1 || got[0] != "route-not-found" || r.Conclusion.Exact {
			t.Errorf("rank 1 %v: want route-not-found, inferred", got)
		}
	})

	t.Run("Host header to the listener's address", func(t *testing.T) {
		r := runProbe(t, "http://"+s.addr+"/prod/nope", "-H", "Host: a1b2c3d4e5.execute-api.localhost")
		if got := r.rank1(); len(got) != 1 || got[0] != "route-not-found" {
			t.Errorf("rank 1 %v", got)
		}
	})

	for _, tc := range []struct{ api, want string }{
		{"privdemo01", "private-api-wrong-endpoint"},
		{"z9y8x7w6v5", "default-endpoint-disabled"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			r := runProbe(t, demoURL(tc.api, "/prod/pets"))
			tied := strings.Join(r.rank1(), ",")
			if !strings.Contains(tied, "private-api-wrong-endpoint") || !strings.Contains(tied, "default-endpoint-disabled") || r.Conclusion.Exact {
				t.Errorf("without --admin rank 1 = %s: want both tied, inferred", tied)
			}

			r = runProbe(t, demoURL(tc.api, "/prod/pets"), "--admin", s.admin)
			c := r.Conclusion
			if !c.Exact || len(c.Causes) == 0 || c.Causes[0].ID != tc.want || !c.Causes[0].Exact || c.Causes[0].Confidence != "exact" {
				t.Fatalf("with --admin: %+v, want exact %s", c, tc.want)
			}
			if got := r.rank1(); len(got) != 1 {
				t.Errorf("with --admin rank 1 = %v, want only the exact cause", got)
			}
			if r.Admin == nil || r.Admin.Error != "" || r.Admin.Decisions != len(r.Probes) || r.Probes[0].Decision == nil || r.Probes[0].Decision.Cause != tc.want {
				t.Errorf("admin %+v, first probe %+v", r.Admin, r.Probes[0])
			}
		})
	}

	t.Run("human output", func(t *testing.T) {
		out, errOut, code := runCLI(t, "probe", demoURL("iamdemo001", "/prod/whoami"))
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		for _, want := range []string{
			"Probe     GET " + demoURL("iamdemo001", "/prod/whoami"),
			"sigv4-dummy",
			`→ 403 AccessDeniedException "The security token included in the request is invalid."`,
			"Conclusion  Most likely missing-authentication-token (high confidence)",
			"\nNext\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})
}

func TestProbeExitCodes(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	_ = ln.Close()
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
		stdout string
	}{
		{"not http", []string{"probe", "ftp://example.com/x"}, 2, "want http:// or https://", ""},
		{"not read-only", []string{"probe", "-X", "POST", "http://" + closed + "/x"}, 2, "not read-only", ""},
		{"bad header", []string{"probe", "-H", "no colon", "http://" + closed + "/x"}, 2, "-H", ""},
		{"too many requests", []string{"probe", "--max-requests", "50", "http://" + closed + "/x"}, 2, "--max-requests", ""},
		{"no URL", []string{"probe"}, 2, "", ""},
		{"connection refused", []string{"probe", "http://" + closed + "/prod/pets"}, 1, "connection refused", "No request completed"},
		{"connection refused, JSON", []string{"probe", "--json", "http://" + closed + "/prod/pets"}, 1, "connection refused", `"outcome": "unreachable"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.stderr) || !strings.Contains(out, tc.stdout) {
				t.Errorf("portcullis %s: exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", strings.Join(tc.args, " "), code, tc.code, out, errOut)
			}
		})
	}
}
