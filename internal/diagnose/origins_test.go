package diagnose_test

// The origins corpus (testdata/diagnose/origins): captured 403s (and a few 401/404/503s) from
// systems that are NOT an API Gateway REST API — CloudFront, an ALB, S3, HTTP APIs, Lambda function
// URLs, corporate proxies, backends behind or without API Gateway — plus REST API controls that look
// like another origin (an edge-optimized API's CloudFront headers, a customised gateway response, a
// proxy in the path). AWS's advice for any 403 is to "consider the source of the error" first
// (facts §11 item 11): this corpus checks that the troubleshooter names the right source, on what
// evidence, and the right cause.
//
// expect.yaml lists every file with the origin and rank-1 cause the diagnosis must give and where
// the bytes come from. Two layers are checked separately so that a failure says which one broke:
// "parse" (input.Parse must read every capture into one exchange with the right status) and
// "diagnose" (origin, evidence and cause).

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/diagnose"
	"github.com/portcullis/portcullis/internal/diagnose/input"
)

const originsDir = "../../testdata/diagnose/origins"

type originCase struct {
	File           string   `yaml:"file"`
	Format         string   `yaml:"format"`
	Status         int      `yaml:"status"`
	Method         string   `yaml:"method"`
	BodyContains   *string  `yaml:"bodyContains"`
	Origin         string   `yaml:"origin"`
	Cause          string   `yaml:"cause"`
	OriginEvidence []string `yaml:"originEvidence"`
	Source         string   `yaml:"source"`
}

type otherCause struct {
	ID      string `yaml:"id"`
	Meaning string `yaml:"meaning"`
}

type originCorpus struct {
	OtherCauses []otherCause `yaml:"otherCauses"`
	Entries     []originCase `yaml:"entries"`
}

// knownOrigins are the origin names of DESIGN.md §1 "Diagnosis output".
var knownOrigins = []string{
	diagnose.OriginREST, diagnose.OriginHTTPAPI, diagnose.OriginCloudFront, diagnose.OriginALB,
	diagnose.OriginS3, diagnose.OriginLambdaURL, diagnose.OriginProxy, diagnose.OriginBackend,
	diagnose.OriginUnknown,
}

// otherCauseRE is the shape of a cause ID for an origin that is not a REST API.
var otherCauseRE = regexp.MustCompile(`^(cloudfront|alb|s3|apigateway-http|lambda-url|proxy|backend)-[a-z0-9]+(-[a-z0-9]+)*$`)

func loadOriginCorpus(t testing.TB) originCorpus {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(originsDir, "expect.yaml"))
	if err != nil {
		t.Fatalf("read index: %v", err)
	}
	var c originCorpus
	if err := yaml.UnmarshalWithOptions(data, &c, yaml.Strict()); err != nil {
		t.Fatalf("expect.yaml: %v", err)
	}
	return c
}

func readCapture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(originsDir, name))
	if err != nil {
		t.Fatalf("read capture: %v", err)
	}
	return data
}

// TestOriginsIndex checks expect.yaml against the directory and the contracts it refers to, so
// that a typo in the index cannot make a case vacuous.
func TestOriginsIndex(t *testing.T) {
	c := loadOriginCorpus(t)
	if n := len(c.Entries); n < 20 || n > 30 {
		t.Errorf("corpus has %d entries, want 20–30", n)
	}

	other := map[string]bool{}
	for _, oc := range c.OtherCauses {
		if !otherCauseRE.MatchString(oc.ID) {
			t.Errorf("otherCauses: %q does not have the shape ORIGIN-CAUSE (%s)", oc.ID, otherCauseRE)
		}
		if _, ok := cause.Lookup(oc.ID); ok {
			t.Errorf("otherCauses: %q is already a catalogue ID", oc.ID)
		}
		if oc.Meaning == "" {
			t.Errorf("otherCauses: %q has no meaning", oc.ID)
		}
		if other[oc.ID] {
			t.Errorf("otherCauses: %q listed twice", oc.ID)
		}
		other[oc.ID] = true
	}

	listed := map[string]bool{}
	used := map[string]bool{}
	origins := map[string]int{}
	for i, e := range c.Entries {
		where := fmt.Sprintf("entry %d (%s)", i, e.File)
		if e.File == "" || listed[e.File] {
			t.Errorf("%s: empty or duplicate file name", where)
		}
		listed[e.File] = true
		if _, err := os.Stat(filepath.Join(originsDir, e.File)); err != nil {
			t.Errorf("%s: %v", where, err)
		}
		if e.Format != input.FormatCurl && e.Format != input.FormatHTTP {
			t.Errorf("%s: format %q, want curl or http", where, e.Format)
		}
		if e.Status < 100 || e.Status > 599 {
			t.Errorf("%s: status %d", where, e.Status)
		}
		if e.BodyContains == nil {
			t.Errorf("%s: bodyContains missing (write \"\" when no body is expected)", where)
		}
		if !slices.Contains(knownOrigins, e.Origin) || e.Origin == diagnose.OriginUnknown {
			t.Errorf("%s: origin %q is not a known, decided origin", where, e.Origin)
		}
		origins[e.Origin]++
		if _, ok := cause.Lookup(e.Cause); !ok && !other[e.Cause] {
			t.Errorf("%s: cause %q is neither a catalogue ID nor listed in otherCauses", where, e.Cause)
		}
		used[e.Cause] = true
		if len(e.OriginEvidence) == 0 {
			t.Errorf("%s: originEvidence empty", where)
		}
		if len(e.Source) < 40 {
			t.Errorf("%s: source too short to say where the bytes come from", where)
		}
	}
	for id := range other {
		if !used[id] {
			t.Errorf("otherCauses: %q is used by no entry", id)
		}
	}
	for _, o := range knownOrigins {
		if o != diagnose.OriginUnknown && origins[o] == 0 {
			t.Errorf("no entry for origin %q", o)
		}
	}

	// Every capture in the directory is in the index.
	files, err := os.ReadDir(originsDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name() != "expect.yaml" && !listed[f.Name()] {
			t.Errorf("%s is not listed in expect.yaml", f.Name())
		}
	}
}

// TestOriginsCorpus parses every capture and diagnoses it.
func TestOriginsCorpus(t *testing.T) {
	c := loadOriginCorpus(t)
	for _, e := range c.Entries {
		t.Run(e.File, func(t *testing.T) {
			data := readCapture(t, e.File)
			var x input.Exchange
			t.Run("parse", func(t *testing.T) {
				x = checkParse(t, e, data)
			})
			if x.Response == nil {
				return // the parse subtest has failed already; there is nothing to diagnose
			}
			t.Run("diagnose", func(t *testing.T) {
				checkDiagnosis(t, e, x)
			})
		})
	}
}

// checkParse asserts that input.Parse, auto-detecting the format, reads the capture as one exchange
// with the expected status, request method and body.
func checkParse(t *testing.T, e originCase, data []byte) input.Exchange {
	t.Helper()
	if got := input.Detect(data); got != e.Format {
		t.Errorf("Detect = %q, want %q", got, e.Format)
	}
	xs, err := input.Parse(bytes.NewReader(data), "")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(xs) != 1 {
		for i, x := range xs {
			t.Logf("exchange %d: request %+v response %+v", i, x.Request, x.Response)
		}
		t.Fatalf("Parse returned %d exchanges, want 1", len(xs))
	}
	x := xs[0]
	if x.Source != e.Format {
		t.Errorf("Source = %q, want %q", x.Source, e.Format)
	}
	if x.Response == nil {
		t.Fatalf("no response parsed")
	}
	if x.Response.Status != e.Status {
		t.Errorf("status = %d, want %d", x.Response.Status, e.Status)
	}
	if len(x.Response.Headers) == 0 {
		t.Errorf("no response headers parsed")
	}
	switch {
	case e.Method != "" && x.Request == nil:
		t.Errorf("no request parsed, want %s", e.Method)
	case e.Method != "" && x.Request.Method != e.Method:
		t.Errorf("request method = %q, want %q", x.Request.Method, e.Method)
	case e.Method == "" && x.Request != nil:
		t.Errorf("unexpected request %s %s", x.Request.Method, x.Request.URL)
	}
	body := string(x.Response.Body)
	if want := *e.BodyContains; want == "" {
		if body != "" {
			t.Errorf("body = %q, want none", trim(body))
		}
	} else if !strings.Contains(body, want) {
		t.Errorf("body does not contain %q: %q", want, trim(body))
	}
	if strings.Contains(body, "* Connection #") || strings.Contains(body, "left intact") {
		t.Errorf("curl's connection trailer leaked into the body: %q", trim(body))
	}
	return x
}

// checkDiagnosis asserts the origin, the evidence that decided it and the rank-1 cause.
func checkDiagnosis(t *testing.T, e originCase, x input.Exchange) {
	t.Helper()
	f := diagnose.Analyze(x, diagnose.Options{})
	if f.Status != e.Status {
		t.Errorf("Finding.Status = %d, want %d", f.Status, e.Status)
	}
	if f.Origin != e.Origin {
		t.Errorf("Origin = %q, want %q (evidence %q)", f.Origin, e.Origin, f.OriginEvidence)
	}
	if len(f.OriginEvidence) == 0 {
		t.Errorf("OriginEvidence is empty")
	} else if !mentionsAny(f.OriginEvidence, e.OriginEvidence) {
		t.Errorf("OriginEvidence %q mentions none of %q", f.OriginEvidence, e.OriginEvidence)
	}
	if len(f.Causes) == 0 {
		t.Fatalf("no causes, want %s at rank 1", e.Cause)
	}
	top := f.Causes[0]
	if top.ID != e.Cause || top.Rank != 1 {
		t.Errorf("causes[0] = %s (rank %d), want %s (rank 1); all: %v", top.ID, top.Rank, e.Cause, causeIDs(f.Causes))
	}
	if len(top.Evidence) == 0 {
		t.Errorf("causes[0] %s has no evidence", top.ID)
	}

	// The whole-report path must agree with Analyze.
	r := diagnose.Diagnose(x.Source, []input.Exchange{x}, diagnose.Options{})
	if r.Version != diagnose.Version || len(r.Findings) != 1 {
		t.Fatalf("Diagnose: version %d, %d findings; want version %d, 1 finding", r.Version, len(r.Findings), diagnose.Version)
	}
	if g := r.Findings[0]; g.Origin != f.Origin || len(g.Causes) == 0 || g.Causes[0].ID != top.ID {
		t.Errorf("Diagnose disagrees with Analyze: origin %q causes %v", g.Origin, causeIDs(g.Causes))
	}
}

func mentionsAny(evidence, wants []string) bool {
	for _, ev := range evidence {
		for _, w := range wants {
			if strings.Contains(strings.ToLower(ev), strings.ToLower(w)) {
				return true
			}
		}
	}
	return false
}

func causeIDs(cs []diagnose.Candidate) []string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = fmt.Sprintf("%s#%d", c.ID, c.Rank)
	}
	return ids
}

func trim(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// FuzzOriginCaptures mutates the corpus captures and checks that parsing and diagnosing any
// input stays well-formed: no panic, a known origin, ranks that start at 1 and never decrease.
func FuzzOriginCaptures(f *testing.F) {
	c := loadOriginCorpus(f)
	for _, e := range c.Entries {
		f.Add(readCapture(f, e.File))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		xs, err := input.Parse(bytes.NewReader(data), "")
		if err != nil {
			return
		}
		for _, x := range xs {
			if x.Request == nil && x.Response == nil && x.TLS == nil && x.Fields == nil {
				t.Fatalf("empty exchange %d from %q", x.Entry, data)
			}
			fd := diagnose.Analyze(x, diagnose.Options{})
			if !slices.Contains(knownOrigins, fd.Origin) {
				t.Fatalf("origin %q is not one of %v", fd.Origin, knownOrigins)
			}
			prev := 1
			for _, cd := range fd.Causes {
				if cd.ID == "" || cd.Rank < prev {
					t.Fatalf("bad ranking %v", causeIDs(fd.Causes))
				}
				prev = cd.Rank
			}
		}
	})
}
