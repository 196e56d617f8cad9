// Package diagnose is the offline troubleshooter (issue 8, DESIGN.md §1 "Diagnosis output"): it
// takes what a user captured around a failing request (parsed by package input), decides which
// system answered (origin first: "consider the source of the error", facts §11), and ranks the
// cause catalogue's candidates with the evidence in the request and response.
package diagnose

import (
	"fmt"
	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/diagnose/redact"
	"strings"

	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/diagnose/input"
)

// Version is the version of the JSON report.
const Version = 1

// Origins: which system produced the response.
const (
	OriginREST       = "apigateway-rest"
	OriginHTTPAPI    = "apigateway-http"
	OriginCloudFront = "cloudfront"
	OriginALB        = "alb"
	OriginS3         = "s3"
	OriginLambdaURL  = "lambda-url"
	OriginProxy      = "proxy"
	OriginBackend    = "backend"
	OriginBrowser    = "browser" // the browser failed the request itself (CORS, TLS, DNS): no response
	OriginUnknown    = "unknown"
)

// Confidence levels of a candidate.
const (
	High   = "high"
	Medium = "medium"
	Low    = "low"
)

// Options tune a diagnosis.
type Options struct {
	// Stages, when known, are the stage names of the API addressed.
	Stages []string
	// StagesByAPI, when known (from --config), are the stage names of each API by id; used
	// when Stages is empty.
	StagesByAPI map[string][]string
}

// Report is the whole diagnosis of one input (`diagnose --json`, version 1).
type Report struct {
	Version  int       `json:"version"`
	Input    InputInfo `json:"input"`
	Findings []Finding `json:"findings"`
}

// InputInfo describes the input.
type InputInfo struct {
	Format  string `json:"format"`
	Entries int    `json:"entries"`
}

// RequestSummary names the request a finding is about (secrets masked).
type RequestSummary struct {
	Method string `json:"method,omitempty"`
	URL    string `json:"url,omitempty"`
}

// Finding is the diagnosis of one failing exchange.
type Finding struct {
	Entry          int             `json:"entry"`
	Request        *RequestSummary `json:"request,omitempty"`
	Status         int             `json:"status"`
	Origin         string          `json:"origin"`
	OriginEvidence []string        `json:"originEvidence,omitempty"`
	ErrorType      string          `json:"errorType,omitempty"`
	Message        string          `json:"message,omitempty"`
	Causes         []Candidate     `json:"causes"`
	ToDecide       []string        `json:"toDecide,omitempty"`
	// Decision is the exact answer of an offline replay through the pipeline (--config).
	Decision *decision.Decision `json:"decision,omitempty"`
}

// Candidate is one ranked cause. Candidates that the input cannot tell apart share a rank.
type Candidate struct {
	ID         string   `json:"id"`
	Rank       int      `json:"rank"`
	Confidence string   `json:"confidence"`
	Title      string   `json:"title,omitempty"`
	Evidence   []string `json:"evidence"`
	Against    []string `json:"against,omitempty"`
	Remedy     []string `json:"remedy"`
}

// Analyze diagnoses one exchange: origin first, then the ranked causes of that origin.
func Analyze(x input.Exchange, opt Options) Finding {
	v := newView(x)
	f := Finding{Entry: x.Entry, Status: v.status, ErrorType: v.errorType}
	if v.hasMessage {
		f.Message = v.message
	}
	if v.method != "" || v.url != "" {
		f.Request = &RequestSummary{Method: v.method, URL: redact.URL(v.url)}
	}
	origin, oev := detectOrigin(v)
	f.Origin, f.OriginEvidence = origin, oev
	var r *ranker
	if origin == OriginREST {
		r = rankREST(v, opt)
	} else {
		r = rankOther(v, origin)
	}
	f.Causes = r.result()
	f.ToDecide = toDecide(r, f.Causes)
	scrub(&f, v)
	return f
}

// scrub masks the request's secrets wherever the response or the evidence quotes them (API
// Gateway's SigV4 parse messages echo the Authorization header).
func scrub(f *Finding, v *view) {
	var kv []string
	for _, h := range []string{"Authorization", "x-api-key", "X-Amz-Security-Token", "Cookie"} {
		for _, s := range v.reqHdr.Values(h) {
			if s = strings.TrimSpace(s); len(s) >= 4 {
				kv = append(kv, s, redact.Value(h, s))
				if i := strings.IndexByte(s, ' '); i > 0 && len(s)-i > 4 { // "Bearer TOKEN": the token alone too
					kv = append(kv, s[i+1:], maskValue(s[i+1:]))
				}
			}
		}
	}
	if len(kv) == 0 {
		return
	}
	rp := strings.NewReplacer(kv...)
	f.Message = rp.Replace(f.Message)
	for i := range f.Causes {
		c := &f.Causes[i]
		for j := range c.Evidence {
			c.Evidence[j] = rp.Replace(c.Evidence[j])
		}
		for j := range c.Against {
			c.Against[j] = rp.Replace(c.Against[j])
		}
	}
}

// Diagnose diagnoses every failing exchange of one input.
func Diagnose(format string, xs []input.Exchange, opt Options) Report {
	r := Report{Version: Version, Input: InputInfo{Format: format, Entries: len(xs)}, Findings: []Finding{}}
	for _, x := range xs {
		r.Findings = append(r.Findings, Analyze(x, opt))
	}
	return r
}

// ApplyReplay puts the exact answer of an offline replay through the pipeline (--config) on a
// finding: the decision's cause goes first with the decision's reason as evidence.
func ApplyReplay(f *Finding, d *decision.Decision, status int, notes []string) {
	f.Decision = d
	if d.Cause == "" {
		f.ToDecide = append(f.ToDecide, fmt.Sprintf("the offline replay passed every check (status %d): the config allows this request, so the captured response came from another config or from state the replay does not have (quota, WAF rate counts, the authorizer's answer)", status))
		return
	}
	ev := []string{"exact: the offline replay through the pipeline denied it: " + d.Reason}
	if f.Status != 0 && status != f.Status {
		ev = append(ev, fmt.Sprintf("but the replay answered %d where the capture shows %d: the config may differ from the one that served the request", status, f.Status))
	}
	ev = append(ev, notes...)
	top := Candidate{ID: d.Cause, Rank: 1, Confidence: High, Evidence: ev, Remedy: d.Remedy}
	if e, ok := cause.Lookup(d.Cause); ok {
		top.Title = e.Title
		if len(top.Remedy) == 0 {
			top.Remedy = e.Remedies
		}
	}
	rest := []Candidate{top}
	for _, c := range f.Causes {
		if c.ID == d.Cause {
			top.Evidence = append(top.Evidence, c.Evidence...)
			rest[0] = top
			continue
		}
		c.Rank++
		c.Confidence = Low
		rest = append(rest, c)
	}
	f.Causes = rest
	f.ToDecide = nil
}
