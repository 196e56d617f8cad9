// Package lambdainvoke is the one client of the AWS Lambda Invoke API
// (POST /2015-03-31/functions/{FunctionName}/invocations, RequestResponse) that Portcullis uses
// for AWS_PROXY integrations and Lambda authorizers — the two places where API Gateway calls
// Lambda (facts §3.1 "Endpoint request URI", §3.2, §4).
//
// It addresses anything that speaks that API: AWS itself (requests to
// lambda.{region}.amazonaws.com are SigV4-signed for service "lambda" with the default
// credential chain), `sam local start-lambda`, LocalStack, internal/lambdatest, and the AWS
// Lambda runtime interface emulator (aws-lambda-rie), which only serves
// /2015-03-31/functions/function/invocations and reports function errors without the
// X-Amz-Function-Error header.
package lambdainvoke

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
)

// InvocationsPath is the Invoke API path prefix; the escaped function name or ARN and
// "/invocations" follow it.
const InvocationsPath = "/2015-03-31/functions/"

// MaxPayload bounds how much of a response is read (the 10 MB API Gateway payload limit,
// facts §10; Lambda's own synchronous limit is 6 MB). One more byte is read so callers can
// tell a payload was cut.
const MaxPayload = 10 << 20

// FunctionErrorUnhandled is the X-Amz-Function-Error value Lambda sends for an error the
// runtime reported, and the value Result.FunctionError takes when the error was recognised
// from the payload alone.
const FunctionErrorUnhandled = "Unhandled"

// Errors. An Invoke that got no response returns an *InvokeError wrapping one of these or the
// transport's error.
var (
	// ErrNoEndpoint: neither a per-function endpoint nor lambda.endpoint is configured.
	ErrNoEndpoint = errors.New("no Lambda endpoint configured")
	// ErrInvalidEndpoint: the configured endpoint is not an absolute http(s) URL.
	ErrInvalidEndpoint = errors.New("invalid Lambda endpoint")
	// ErrCredentials: the request had to be signed and no credentials could be loaded.
	ErrCredentials = errors.New("cannot load AWS credentials")
)

// InvokeError is an invocation that produced no Invoke API response.
type InvokeError struct {
	Function string // the function ARN
	Endpoint string // the configured endpoint the URL was built from ("" when none)
	URL      string // the invocation URL ("" when it could not be built)
	Err      error
}

func (e *InvokeError) Error() string {
	if e.URL == "" {
		return fmt.Sprintf("invoke %s: %v", e.Function, e.Err)
	}
	return fmt.Sprintf("invoke %s at %s: %v", e.Function, e.URL, e.Err)
}

func (e *InvokeError) Unwrap() error { return e.Err }

// Options configures a Client.
type Options struct {
	// Transport sends the requests (nil: a clone of http.DefaultTransport without
	// transparent compression). Redirects are never followed.
	Transport http.RoundTripper
	// Endpoint is lambda.endpoint: a base URL ("http://127.0.0.1:3001",
	// "https://lambda.us-east-1.amazonaws.com") to which
	// /2015-03-31/functions/{url-escaped ARN}/invocations is appended.
	Endpoint string
	// Functions maps a function ARN to its own endpoint: either a base URL (the invocations
	// path is appended) or a full invocations URL, used as is — which is how aws-lambda-rie is
	// addressed (http://127.0.0.1:9001/2015-03-31/functions/function/invocations).
	Functions map[string]string
	// Credentials sign requests to AWS. Nil: the default credential chain
	// (config.LoadDefaultConfig), loaded on the first request that needs signing.
	Credentials aws.CredentialsProvider
	// ForceSign signs every request, whatever the host (for tests against loopback servers
	// standing in for AWS). Without it only hosts lambda[-fips].{region}.amazonaws.com[.cn]
	// are signed.
	ForceSign bool
	// Region signs requests whose host does not name one (ForceSign); "" takes the region
	// of the function ARN, else us-east-1.
	Region string
	// Now is the clock for latencies and signing (nil: time.Now).
	Now func() time.Time
}

// Client invokes Lambda functions. It is safe for concurrent use.
type Client struct {
	transport http.RoundTripper
	endpoint  string
	functions map[string]string
	forceSign bool
	region    string
	now       func() time.Time
	signer    *v4.Signer

	credMu sync.Mutex
	creds  aws.CredentialsProvider
}

// NewClient builds a Client. The Functions map is copied.
func NewClient(o Options) *Client {
	c := &Client{
		transport: o.Transport,
		endpoint:  o.Endpoint,
		functions: make(map[string]string, len(o.Functions)),
		forceSign: o.ForceSign,
		region:    o.Region,
		now:       o.Now,
		signer:    v4.NewSigner(),
		creds:     o.Credentials,
	}
	for k, v := range o.Functions {
		c.functions[k] = v
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
	return c
}

// Result is an Invoke API response.
type Result struct {
	// Status is the Invoke API's HTTP status (200 for a successful synchronous invocation,
	// including a function error).
	Status int
	// Header is the Invoke API response's headers.
	Header http.Header
	// Payload is the response body (at most MaxPayload+1 bytes).
	Payload []byte
	// FunctionError is X-Amz-Function-Error ("Unhandled", "Handled"), or "Unhandled" when the
	// header is absent but the payload is a runtime error object (see IsErrorPayload); ""
	// means the function succeeded (or Status is not 200).
	FunctionError string
	// RequestID is x-amzn-RequestId.
	RequestID string
	// URL is the invocation URL used.
	URL string
	// Latency is from sending the request to reading the whole response.
	Latency time.Duration
}

// Request is one invocation with extra headers (the integration sends API Gateway's own).
type Request struct {
	FunctionARN string
	Payload     []byte
	// SourceARN is sent as X-Amz-Source-Arn ("" = not sent).
	SourceARN string
	// Header is sent as well; Content-Type, X-Amz-Invocation-Type and X-Amz-Source-Arn are
	// set when absent.
	Header http.Header
}

// Invoke calls the function synchronously (RequestResponse) with the payload and the source
// ARN API Gateway sends: the method's for integrations (facts §3.1), the authorizer's for
// authorizers (facts §3.2). An error means no Invoke API response was received (no endpoint,
// transport failure, ctx done); every response, whatever its status, is a Result.
func (c *Client) Invoke(ctx context.Context, functionARN string, payload []byte, sourceARN string) (*Result, error) {
	return c.Do(ctx, &Request{FunctionARN: functionARN, Payload: payload, SourceARN: sourceARN})
}

// Do is Invoke with extra request headers.
func (c *Client) Do(ctx context.Context, r *Request) (*Result, error) {
	endpoint, u, err := c.resolve(r.FunctionARN)
	if err != nil {
		return nil, &InvokeError{Function: r.FunctionARN, Endpoint: endpoint, URL: u, Err: err}
	}
	fail := func(err error) (*Result, error) {
		return nil, &InvokeError{Function: r.FunctionARN, Endpoint: endpoint, URL: u, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(r.Payload))
	if err != nil {
		return fail(fmt.Errorf("%w %s", ErrInvalidEndpoint, endpoint))
	}
	for k, vs := range r.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	setDefault(req.Header, "Content-Type", "application/json")
	setDefault(req.Header, "X-Amz-Invocation-Type", "RequestResponse")
	if r.SourceARN != "" {
		setDefault(req.Header, "X-Amz-Source-Arn", r.SourceARN)
	}
	if region, ok := c.signingRegion(req.URL.Hostname(), r.FunctionARN); ok {
		if err := c.sign(ctx, req, r.Payload, region); err != nil {
			return fail(err)
		}
	}

	start := c.now()
	resp, err := c.transport.RoundTrip(req)
	if err != nil {
		return fail(err)
	}
	payload, err := io.ReadAll(io.LimitReader(resp.Body, MaxPayload+1))
	resp.Body.Close()
	if err != nil {
		return fail(err)
	}
	res := &Result{
		Status:        resp.StatusCode,
		Header:        resp.Header,
		Payload:       payload,
		FunctionError: resp.Header.Get("X-Amz-Function-Error"),
		RequestID:     resp.Header.Get("X-Amzn-Requestid"),
		URL:           u,
		Latency:       c.now().Sub(start),
	}
	if res.FunctionError == "" && res.Status == http.StatusOK && IsErrorPayload(payload) {
		res.FunctionError = FunctionErrorUnhandled
	}
	return res, nil
}

func setDefault(h http.Header, k, v string) {
	if h.Get(k) == "" {
		h.Set(k, v)
	}
}

// URL returns the invocation URL for a function: its own endpoint (used as is when it is
// already an invocations URL) or lambda.endpoint + /2015-03-31/functions/{escaped ARN}/invocations.
func (c *Client) URL(functionARN string) (string, error) {
	_, u, err := c.resolve(functionARN)
	return u, err
}

// Endpoint returns the configured endpoint the function's URL is built from.
func (c *Client) Endpoint(functionARN string) string {
	e, _, _ := c.resolve(functionARN)
	return e
}

func (c *Client) resolve(fn string) (endpoint, u string, err error) {
	if e := c.functions[fn]; e != "" {
		if IsInvocationsURL(e) {
			return e, e, nil
		}
		endpoint = e
	} else {
		endpoint = c.endpoint
	}
	if endpoint == "" {
		return "", "", ErrNoEndpoint
	}
	return endpoint, strings.TrimRight(endpoint, "/") + InvocationsPath + url.PathEscape(fn) + "/invocations", nil
}

// IsInvocationsURL reports whether an endpoint is already a full invocations URL
// (…/2015-03-31/functions/{name}/invocations), as aws-lambda-rie is addressed.
func IsInvocationsURL(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	p := u.EscapedPath()
	i := strings.Index(p, InvocationsPath)
	if i < 0 || !strings.HasSuffix(p, "/invocations") {
		return false
	}
	name := p[i+len(InvocationsPath) : len(p)-len("/invocations")]
	return name != "" && !strings.Contains(name, "/")
}

// awsHost matches the Lambda service endpoints (standard, FIPS, China).
var awsHost = regexp.MustCompile(`^lambda(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$`)

// signingRegion says whether a request to host must be signed, and for which region.
func (c *Client) signingRegion(host, fn string) (string, bool) {
	if m := awsHost.FindStringSubmatch(strings.ToLower(host)); m != nil {
		return m[1], true
	}
	if !c.forceSign {
		return "", false
	}
	if c.region != "" {
		return c.region, true
	}
	if parts := strings.Split(fn, ":"); len(parts) > 4 && parts[0] == "arn" && parts[3] != "" {
		return parts[3], true
	}
	return "us-east-1", true
}

// credentials returns the provider, loading the default chain once it loads successfully.
func (c *Client) credentials(ctx context.Context) (aws.CredentialsProvider, error) {
	c.credMu.Lock()
	defer c.credMu.Unlock()
	if c.creds != nil {
		return c.creds, nil
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCredentials, err)
	}
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("%w: the default chain has no provider", ErrCredentials)
	}
	c.creds = cfg.Credentials
	return c.creds, nil
}

// sign signs the request with SigV4 for service "lambda".
func (c *Client) sign(ctx context.Context, req *http.Request, payload []byte, region string) error {
	p, err := c.credentials(ctx)
	if err != nil {
		return err
	}
	creds, err := p.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCredentials, err)
	}
	sum := sha256.Sum256(payload)
	if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "lambda", region, c.now().UTC()); err != nil {
		return fmt.Errorf("sign Lambda invoke: %w", err)
	}
	return nil
}

// IsErrorPayload reports whether a 200 payload is a Lambda runtime error object even though
// the X-Amz-Function-Error header is absent. aws-lambda-rie answers a function error with
// status 200 and the runtime's error body but without that header (the real Invoke API sends
// "X-Amz-Function-Error: Unhandled"). The heuristic: the payload is one JSON object whose
// keys include "errorMessage" and "errorType", both strings, and whose other keys, if any, are
// only those the Lambda runtimes add to that object ("stackTrace" — aws-lambda-go and Python
// — "trace" — Node.js — "requestId" — Python — and "cause"). A successful authorizer or proxy
// response never has this shape: both need other keys (principalId, statusCode, …).
func IsErrorPayload(payload []byte) bool {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(payload, &m); err != nil || m == nil {
		return false
	}
	var msg, typ *string
	if json.Unmarshal(m["errorMessage"], &msg) != nil || json.Unmarshal(m["errorType"], &typ) != nil || msg == nil || typ == nil {
		return false
	}
	for k := range m {
		switch k {
		case "errorMessage", "errorType", "stackTrace", "trace", "requestId", "cause":
		default:
			return false
		}
	}
	return true
}

// ErrorMessage returns the errorMessage of a function error payload; ok is false when the
// payload has none (it is then not an error object).
func ErrorMessage(payload []byte) (msg string, ok bool) {
	var e struct {
		ErrorMessage *string `json:"errorMessage"`
	}
	if json.Unmarshal(payload, &e) != nil || e.ErrorMessage == nil {
		return "", false
	}
	return *e.ErrorMessage, true
}

// FunctionARN extracts the Lambda function ARN from an API Gateway Lambda URI — an AWS_PROXY
// integration uri or an authorizerUri, after stage-variable substitution:
// arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations
// (facts §4.1, §10).
func FunctionARN(uri string) (string, bool) {
	const prefix, suffix = ":lambda:path/2015-03-31/functions/", "/invocations"
	if !strings.HasPrefix(uri, "arn:") {
		return "", false
	}
	i := strings.Index(uri, prefix)
	if i < 0 || !strings.HasSuffix(uri, suffix) {
		return "", false
	}
	start, end := i+len(prefix), len(uri)-len(suffix)
	if end <= start {
		return "", false
	}
	fn := uri[start:end]
	if strings.ContainsAny(fn, "/ ") {
		return "", false
	}
	return fn, true
}
