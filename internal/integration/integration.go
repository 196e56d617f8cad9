// Package integration calls a REST API method's integration after every check passed
// (DESIGN.md §2 step 11) and reproduces what API Gateway does with it: MOCK, HTTP (custom),
// HTTP_PROXY and AWS_PROXY (the Lambda Invoke API, payload format 1.0). AWS (non-proxy)
// integrations are not supported yet.
//
// The package never writes an error body. A failed integration is a *Failure whose Cause is
// a cause-catalogue ID (integration-timeout, integration-failure, lambda-malformed-response,
// lambda-function-error, lambda-invoke-failed, integration-config-error); the gateway maps it
// to the status, body and headers (facts §1, §3.3). Detail is the execution-log reason in
// AWS's wording where AWS's wording is known (facts §3.3).
//
// Execution-log lines go to Request.Log in AWS's order (facts §3.1): Endpoint request URI,
// Endpoint request headers, Endpoint request body after transformations, Sending request to,
// Received response, Endpoint response headers, Endpoint response body before
// transformations, Method response body after transformations (non-streaming types), and the
// failure lines. Invoke logs the Failure's Detail itself; the caller must not log it again.
// Each line is cut at 1024 bytes and marked " [TRUNCATED]" (facts §3.1; AWS limits log events
// to 1024 bytes).
package integration

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"github.com/portcullis/portcullis/internal/lambdainvoke"
	"io"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/portcullis/portcullis/internal/apidef"
	"github.com/portcullis/portcullis/internal/ctxtemplate"
)

// Cause IDs (the cause catalogue's, DESIGN.md §3).
const (
	// CauseTimeout: no response within the integration timeout → 504 "Endpoint request timed out".
	CauseTimeout = "integration-timeout"
	// CauseFailure: a network error reaching an HTTP backend → 504 INTEGRATION_FAILURE.
	CauseFailure = "integration-failure"
	// CauseLambdaMalformed: the Lambda proxy response is not valid → 502.
	CauseLambdaMalformed = "lambda-malformed-response"
	// CauseLambdaFunctionError: the function failed (X-Amz-Function-Error) → 502.
	CauseLambdaFunctionError = "lambda-function-error"
	// CauseLambdaInvokeFailed: the Invoke API answered an error or could not be reached → 500.
	CauseLambdaInvokeFailed = "lambda-invoke-failed"
	// CauseConfigError: the integration cannot run as configured → 500 API_CONFIGURATION_ERROR.
	CauseConfigError = "integration-config-error"
)

// DefaultTimeout is API Gateway's default integration timeout (facts §10: 29,000 ms).
const DefaultTimeout = 29 * time.Second

// maxResponseBody bounds what is buffered from a backend (the 10 MB payload limit, facts §10).
const maxResponseBody = 10 << 20

// Request is everything an integration needs about one client request.
type Request struct {
	Integration *apidef.Integration
	Method      *apidef.Method
	In          *http.Request // the client's request; its Body is never read (use Body)
	Body        []byte        // the request body, already read by the server (≤10 MB)

	APIID, AccountID, Region, Stage, DeploymentID string

	ResourcePath string // "/pets/{petId}"
	ResourceID   string
	Path         string // the path after the stage, as received ("/pets/1")
	FullPath     string // "/prod/pets/1" ($context.path)
	PathParams   map[string]string
	// StageVariables of the stage.
	StageVariables map[string]string

	RequestID, ExtendedRequestID string
	RequestTime                  time.Time

	SourceIP, UserAgent, DomainName, DomainPrefix, Protocol string
	BinaryMediaTypes                                        []string

	// Vars resolves every $context.* / $stageVariables.* value (for templates). When nil, or
	// when it does not know a name, the fields above are used.
	Vars ctxtemplate.Lookup
	// Authorizer is requestContext.authorizer in the Lambda event (nil: omitted).
	Authorizer map[string]any
	// Identity overrides or adds requestContext.identity fields (nil values are JSON null).
	Identity map[string]*string
	// Log appends one execution-log line (may be nil).
	Log func(line string)
}

// Response is the method response to send to the client.
type Response struct {
	Status int
	Header http.Header
	// Body is streamed for HTTP_PROXY; the caller must Close it.
	Body io.ReadCloser
	// IntegrationStatus is the backend's status, the Lambda Invoke status, or MOCK's statusCode.
	IntegrationStatus int
	// URI is the endpoint request URI actually used ("" for MOCK).
	URI string
}

// Failure is an integration that did not produce a method response.
type Failure struct {
	Cause             string // a Cause* constant
	Detail            string // the execution-log reason
	IntegrationStatus int    // 0 when there was no endpoint response
	URI               string // the endpoint request URI, when one was built

	more []string // further execution-log lines after Detail
}

func (f *Failure) Error() string { return f.Cause + ": " + f.Detail }

// Options configures a Client.
type Options struct {
	// Transport for HTTP, HTTP_PROXY and Lambda calls. Nil: a clone of
	// http.DefaultTransport without transparent compression. When it is an *http.Transport, a
	// clone honouring tlsConfig.insecureSkipVerification is derived from it.
	Transport http.RoundTripper
	// Lambda invokes AWS_PROXY integrations; nil builds one from LambdaEndpoint,
	// LambdaFunctions, Transport and Now (share one with the authorizers).
	Lambda *lambdainvoke.Client
	// LambdaEndpoint speaks the Lambda Invoke API (sam local start-lambda, aws-lambda-rie,
	// LocalStack, lambdatest, or AWS itself, whose calls are SigV4-signed).
	LambdaEndpoint string
	// LambdaFunctions maps a function ARN to its own endpoint (overrides LambdaEndpoint).
	LambdaFunctions map[string]string
	// Now is the clock for latencies (nil: time.Now).
	Now func() time.Time
}

// Client runs integrations. It is safe for concurrent use; compiled templates and selection
// patterns are cached.
type Client struct {
	transport       http.RoundTripper
	insecure        http.RoundTripper
	lambdaEndpoint  string
	lambdaFunctions map[string]string
	lambda          *lambdainvoke.Client
	now             func() time.Time

	patterns  sync.Map // selection pattern -> *regexp.Regexp (nil when invalid)
	templates sync.Map // template source -> *ctxtemplate.Template
}

// NewClient builds a Client.
func NewClient(opts Options) *Client {
	c := &Client{
		transport:       opts.Transport,
		lambdaEndpoint:  opts.LambdaEndpoint,
		lambdaFunctions: opts.LambdaFunctions,
		now:             opts.Now,
	}
	if c.now == nil {
		c.now = time.Now
	}

	if c.transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DisableCompression = true
		t.MaxIdleConnsPerHost = 32
		c.transport = t
	}
	c.insecure = c.transport
	if t, ok := c.transport.(*http.Transport); ok {
		it := t.Clone()
		cfg := it.TLSClientConfig.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = verifyBasic
		it.TLSClientConfig = cfg
		c.insecure = it
	}
	if c.lambda = opts.Lambda; c.lambda == nil {
		c.lambda = lambdainvoke.NewClient(lambdainvoke.Options{Transport: c.transport, Endpoint: c.lambdaEndpoint, Functions: c.lambdaFunctions, Now: c.now})
	}
	return c
}

// verifyBasic is what API Gateway still checks with insecureSkipVerification (facts §9:
// "basic certificate validation, which includes checking the certificate's expiration date,
// hostname, and presence of a root certificate authority"): the leaf's validity period and
// host name. The chain's trust is not checked.
func verifyBasic(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("no peer certificate")
	}
	leaf := cs.PeerCertificates[0]
	now := time.Now()
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		return x509.CertificateInvalidError{Cert: leaf, Reason: x509.Expired}
	}
	if cs.ServerName != "" {
		if err := leaf.VerifyHostname(cs.ServerName); err != nil {
			return err
		}
	}
	return nil
}

// Invoke runs the request's integration. Exactly one of the results is non-nil.
func (c *Client) Invoke(ctx context.Context, r *Request) (*Response, *Failure) {
	if r == nil || r.Integration == nil {
		return nil, c.fail(r, &Failure{Cause: CauseConfigError, Detail: "Execution failed due to configuration error: the method has no integration"})
	}
	if r.In == nil {
		return nil, c.fail(r, &Failure{Cause: CauseConfigError, Detail: "Execution failed due to configuration error: no client request"})
	}
	k := newCall(c, r)
	var (
		resp *Response
		f    *Failure
	)
	switch r.Integration.Type {
	case "MOCK":
		resp, f = k.mock()
	case "HTTP":
		resp, f = k.http(ctx, false)
	case "HTTP_PROXY":
		resp, f = k.http(ctx, true)
	case "AWS_PROXY":
		resp, f = k.lambda(ctx)
	case "AWS":
		f = &Failure{Cause: CauseConfigError, Detail: "Execution failed due to configuration error: AWS (non-proxy) integrations are not supported yet"}
	default:
		f = &Failure{Cause: CauseConfigError, Detail: fmt.Sprintf("Execution failed due to configuration error: unsupported integration type %q", r.Integration.Type)}
	}
	if f != nil {
		return nil, c.fail(r, f)
	}
	return resp, nil
}

// fail logs the failure's Detail and returns it.
func (c *Client) fail(r *Request, f *Failure) *Failure {
	if r != nil {
		logLine(r.Log, f.Detail)
		for _, l := range f.more {
			logLine(r.Log, l)
		}
	}
	return f
}

// pattern compiles a selection pattern anchored at both ends: API Gateway matches it against
// the whole status code (Go RE2 syntax stands in for Java regular expressions). An invalid
// pattern never matches.
func (c *Client) pattern(p string) *regexp.Regexp {
	if v, ok := c.patterns.Load(p); ok {
		return v.(*regexp.Regexp)
	}
	re, err := regexp.Compile(`^(?:` + p + `)$`)
	if err != nil {
		re = nil
	}
	c.patterns.Store(p, re)
	return re
}

// template compiles (once) a mapping template with the $context/$stageVariables engine.
func (c *Client) template(src string) *ctxtemplate.Template {
	if v, ok := c.templates.Load(src); ok {
		return v.(*ctxtemplate.Template)
	}
	t := ctxtemplate.Compile(src)
	c.templates.Store(src, t)
	return t
}

// deadline cancels a context when the integration timeout passes before stop is called.
type deadline struct {
	timer  *time.Timer
	cancel context.CancelFunc
}

func startDeadline(parent context.Context, in *apidef.Integration) (context.Context, *deadline) {
	d := DefaultTimeout
	if in.TimeoutInMillis > 0 {
		d = time.Duration(in.TimeoutInMillis) * time.Millisecond
	}
	ctx, cancel := context.WithCancel(parent)
	return ctx, &deadline{timer: time.AfterFunc(d, cancel), cancel: cancel}
}

// stop disarms the timer and reports whether the timeout had already fired.
func (d *deadline) stop() (timedOut bool) { return !d.timer.Stop() }
