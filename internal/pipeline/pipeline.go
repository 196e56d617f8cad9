// Package pipeline runs API Gateway's request checks in AWS's order (DESIGN.md §2, facts §11).
// Each step is a Check: it reads the request context and returns pass, skip, or a Denial (a
// cause ID plus evidence). A Go error means the gateway itself failed, never that a request was
// denied; the pipeline then fails closed. Checks are pure: no I/O, no context.Context, so the
// troubleshooter can replay them offline.
package pipeline

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/portcullis/portcullis/internal/authorizer"
	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/limits"
	"github.com/portcullis/portcullis/internal/mtls"
	"github.com/portcullis/portcullis/internal/route"
	"github.com/portcullis/portcullis/internal/waf"
)

// Request is the context of one request as the checks see it. Checks read the fields above
// "resolved" and fill the ones below it for the checks that follow.
type Request struct {
	HTTP     *http.Request
	World    *config.World
	Now      time.Time
	ID       string // x-amzn-RequestId
	SourceIP string
	// Listener is "default", "tls" or a VPC endpoint id.
	Listener string
	// ClientCert is the mutual-TLS client certificate ($context.identity.clientCert.*).
	ClientCert *mtls.ClientCert
	// VPCEndpoint is the VPC endpoint the request came through (nil on the public listeners).
	VPCEndpoint *config.VPCEndpoint
	// Host is the request's host without the port, lower case.
	Host string
	// RawPath is the request path as received (still percent-encoded), dot segments resolved.
	RawPath string
	// Body is the request body, read once by the gateway (at most 10 MB + 1 byte).
	Body []byte
	// TLS says the request came over TLS (aws:SecureTransport).
	TLS bool

	// --- resolved by the endpoint check ---

	// API and Stage the request addresses (nil until resolved).
	API   *config.RestAPI
	Stage *config.Stage
	// StagePath is the raw path after the stage ("" or "/..."), the path the router matches.
	StagePath string
	// DomainName and BasePathMatched are set for custom domains (nil otherwise).
	DomainName      *string
	BasePathMatched *string
	// RoutingRuleID is the custom domain routing rule that matched ("" for base path mappings).
	RoutingRuleID string
	// HostKind says how the host addressed the API: "execute-api", "path-style",
	// "custom-domain", "vpce".
	HostKind string

	// --- resolved by the route check ---

	Match route.Match
	// MethodARN is the execute-api ARN of the request with the actual verb and path
	// (arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/VERB/path; facts §5.1, §4.2 methodArn).
	MethodARN string
	// Conditions holds the IAM global condition keys of the request (facts §5.4), built once by
	// the first policy evaluation.
	Conditions map[string][]string

	// --- resolved by the authentication checks ---

	// Caller is the authenticated IAM caller of an AWS_IAM method (nil otherwise).
	Caller *Caller
	// UsageIdentifierKey is the API key a Lambda authorizer returned (apiKeySource AUTHORIZER).
	UsageIdentifierKey string
	// Authorizer is what a Lambda or Cognito authorizer established (nil otherwise): it flows
	// to $context.authorizer.* and the Lambda proxy event's requestContext.authorizer.
	Authorizer *AuthorizerResult

	// --- resolved by the API key check ---

	// APIKey and Plan are the request's valid API key and the usage plan that associates it
	// with the stage (nil for methods without apiKeyRequired).
	APIKey *config.APIKey
	Plan   *config.PlanStage

	// Log receives execution-log lines (AWS wording); nil discards.
	Log func(line string)

	// ContextValue resolves $context variables known so far ("context.requestId"), for
	// authorizer identity sources "context.X"; nil when unavailable.
	ContextValue func(name string) (string, bool)

	// WAFRates counts requests for rate-based WAF rules.
	WAFRates waf.RateCounter
	// WAF is the web ACL's result (nil when the stage has none); WAFRequest what it inspected.
	WAF        *waf.Result
	WAFRequest *waf.Request

	// Limits holds throttle buckets and quota counters (I/O for the Redis backend); nil
	// disables throttles and quotas.
	Limits limits.Store
	// Degraded is set when a check could not reach a state backend and applied the
	// configured fail-open/fail-closed policy; the gateway logs it loudly and counts it.
	Degraded string

	// Authorizers runs Lambda authorizers (I/O: the Lambda Invoke API, through a result
	// cache). The gateway sets it; an offline replay sets one that returns recorded outcomes.
	Authorizers *authorizer.Service
}

// ARN returns the request's execute-api method ARN with the actual verb and path
// (arn:PARTITION:execute-api:REGION:ACCOUNT:API/STAGE/VERB/path; facts §5.1, §4.2), built once.
// The path is percent-decoded and a trailing slash dropped, as routing sees it, so that an
// encoded or slash-suffixed spelling of a path cannot slip past a policy written for it.
func (r *Request) ARN(partition string) string {
	if r.MethodARN == "" {
		p := strings.TrimPrefix(r.StagePath, "/")
		if d, err := url.PathUnescape(p); err == nil {
			p = d
		}
		if len(p) > 1 {
			p = strings.TrimSuffix(p, "/")
		}
		r.MethodARN = "arn:" + partition + ":execute-api:" + r.World.Region + ":" + r.World.AccountID + ":" + r.API.ID + "/" + r.Stage.Name + "/" + r.HTTP.Method + "/" + p
	}
	return r.MethodARN
}

// Caller is an IAM principal whose SigV4 signature verified.
type Caller struct {
	Principal   *config.Principal
	AccessKeyID string
}

// AuthorizerResult is the output of a successful Lambda or Cognito authorizer.
type AuthorizerResult struct {
	PrincipalID string
	// Context holds a Lambda authorizer's context values, stringified.
	Context map[string]string
	// Claims holds a Cognito token's claims, flattened.
	Claims map[string]string
	// Latency is how long the authorizer took; IntegrationLatency the Lambda invoke itself.
	Latency, IntegrationLatency time.Duration
	IntegrationStatus           int
}

// Logf appends an execution-log line.
func (r *Request) Logf(line string) {
	if r.Log != nil {
		r.Log(line)
	}
}

// Result is what a check returns.
type Result struct {
	Status decision.Result
	Detail string
	Denial *decision.Denial
}

// Pass, Skip and Deny build results.
func Pass(detail string) Result { return Result{Status: decision.Pass, Detail: detail} }

// Skip says the check does not apply to this request.
func Skip(detail string) Result { return Result{Status: decision.Skip, Detail: detail} }

// Deny stops the request with a catalogue cause.
func Deny(d *decision.Denial) Result {
	return Result{Status: decision.Fail, Detail: d.Reason, Denial: d}
}

// Check is one step of the pipeline (like Caddy's MiddlewareHandler: one small interface).
type Check interface {
	// Name is the step's name in decision records ("endpoint", "route", "waf", ...).
	Name() string
	// Check evaluates the request. It returns an error only when the gateway itself failed.
	Check(r *Request) (Result, error)
}

// Run evaluates checks in order until one denies or fails. It returns the denial (nil when every
// check passed or skipped), the per-check records, and the first internal error.
func Run(r *Request, checks []Check) (*decision.Denial, []decision.Check, error) {
	records := make([]decision.Check, 0, len(checks))
	for _, c := range checks {
		res, err := c.Check(r)
		if err != nil {
			records = append(records, decision.Check{Check: c.Name(), Result: decision.Fault, Detail: err.Error()})
			return nil, records, err
		}
		rec := decision.Check{Check: c.Name(), Result: res.Status, Detail: res.Detail}
		if res.Denial != nil {
			rec.Cause = res.Denial.Cause
			records = append(records, rec)
			return res.Denial, records, nil
		}
		records = append(records, rec)
	}
	return nil, records, nil
}
