// Package probe is `portcullis probe URL` (DESIGN.md §1): active, read-only differential probing
// of a live endpoint, plus DNS checks, to separate the causes of a 403 that share a response.
//
// # What it sends
//
// Every probe is a GET, HEAD or OPTIONS without a body; the total is at most MaxRequests
// (default 12, never more than 20), each with a timeout (default 5 s), and at most 64 KiB of
// each response body is read. Redirects are reported, not followed; environment proxies are
// not used (a proxy's own 403 would hide the endpoint's). Which probes follow the first one
// depends on what it answered (API Gateway's pipeline order, facts §11 and DESIGN.md §2):
//
//   - as-given: the request exactly as the user gave it (method, URL, headers).
//   - Missing Authentication Token (facts §11 step 5 and 7): a route that does not exist and an
//     AWS_IAM method called unsigned answer the same. The sigv4-dummy probe sends an obviously
//     fake SigV4 header (AWS's documented example key AKIAIOSFODNN7EXAMPLE, the current
//     X-Amz-Date, a signature of 64 zeros): an AWS_IAM method then answers `The security token
//     included in the request is invalid.` (the key is looked up), while a missing route still
//     answers Missing Authentication Token. The non-sigv4-dummy probe (`Authorization:
//     portcullis-probe`) shows the IncompleteSignatureException parse message of a route that
//     does not exist. The stage-root probe shows whether the stage exists; without-stage shows
//     whether a custom domain's URL wrongly includes the stage (seed row 16); options sends a
//     CORS preflight (an answering preflight means the resource exists).
//   - Forbidden / ForbiddenException (facts §11 step 2): the stage root (an answer other than
//     Forbidden means the stage exists, so the Forbidden is a later step: WAF or the API key);
//     when that is Forbidden too and the user gave headers, the stage root without them (a web
//     ACL rule matching, say, the User-Agent blocks every path of the stage, facts §11 step 3);
//     then a bounded list of common stage names (prod, Prod, dev, test, stage, Stage, staging,
//     v1, live) until one answers differently: then the API is reachable and the URL's stage
//     does not exist (stage-not-found; a web ACL blocking this client by address on that one
//     stage would look the same, and is listed second). When every stage is Forbidden, the API is
//     unreachable as addressed: a private API reached the wrong way, a disabled default
//     endpoint and an unknown API id are byte-identical in AWS, so they are reported tied,
//     unless DNS or the host form decides (below) or --admin gives the exact answer.
//   - x-apigw-api-id: when the request names the API only through a Host header (or the URL
//     is an IP address or a VPC endpoint name and the API id is known), the same path through
//     the URL's own host with `x-apigw-api-id: {apiId}` (facts §7).
//   - without-authorization: when the user gave an Authorization header, the same request
//     without it (and without X-Amz-Date / X-Amz-Security-Token).
//
// # Credentials
//
// The probe never sends a credential it was not given. The user's secret headers
// (Authorization, Cookie, x-api-key, X-Amz-Security-Token and any header whose name looks like
// a credential, see IsSecretName) and secret query parameters go only to the URL as given, on
// probes of the same method and path; probes that change the path (stage root, stage guesses,
// without-stage) or the method (OPTIONS) carry only the user's other headers. The two dummy
// Authorization values are not credentials. In the report every user secret is masked
// (Mask), including inside response messages that echo the Authorization header.
//
// # DNS
//
// The URL's host (and a -H 'Host: …' name, if different) is resolved with Options.Resolver;
// each address is classified loopback / private (RFC 1918, ULA) / shared / link-local / public.
// An execute-api name that resolves to private addresses means private DNS on an interface VPC
// endpoint, which routes only to private APIs: a Forbidden there points to
// public-api-via-private-dns (facts §7). Loopback means a local gateway (Portcullis): --admin
// then gives exact answers. Names under .localhost resolve to loopback without a query
// (RFC 6761), and the probe connects to the addresses its resolver returned.
//
// # Exact answers
//
// When Options.Admin names a Portcullis admin API, the decision record of every probe request
// is fetched (GET /decisions/{x-amzn-RequestId}, not counted in MaxRequests) and the as-given
// request's recorded cause becomes the conclusion, marked exact; the inference is kept below it.
//
// # Host
//
// A -H 'Host: name' header sets the Host the gateway sees while the probe connects to the
// URL's host (like curl). That is how a VPC endpoint is addressed by its own DNS name or
// address with the API's name in Host (facts §7), and how a local gateway is reached without
// DNS: probe http://127.0.0.1:4570/prod/pets -H 'Host: a1b2c3d4e5.execute-api.localhost'.
package probe

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Version is the version of the JSON report.
const Version = 1

// Bounds.
const (
	DefaultMaxRequests = 12
	HardMaxRequests    = 20
	DefaultTimeout     = 5 * time.Second
	// MaxBody is how much of a response body is read.
	MaxBody = 64 << 10
	// maxMessage bounds a message kept in the report.
	maxMessage = 4096
)

// ErrNoResponse is matched (errors.Is) by Run's error when no request completed (connection
// refused, DNS failure, timeout, TLS failure); the report is still returned.
var ErrNoResponse = errors.New("no request completed")

// UsageError reports invalid options (a bad URL, a method that is not read-only).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Options configure Run.
type Options struct {
	// URL is the endpoint to probe: http:// or https://.
	URL string
	// Headers are the user's headers, sent as given on the as-given request. A Host header sets
	// the Host the gateway sees (the connection still goes to the URL's host). Only these
	// credentials are ever sent (package doc, "Credentials").
	Headers http.Header
	// Method is GET (default), HEAD or OPTIONS: the probe is read-only.
	Method string
	// Client, when set, sends the requests (its CheckRedirect is replaced: redirects are not
	// followed). When nil the probe builds one that connects through Resolver, with TLSConfig,
	// and notices a TLS server's client-certificate request (Report.TLSClientCertRequested).
	Client *http.Client
	// Resolver resolves names for the DNS report (and for connecting when Client is nil);
	// nil means SystemResolver.
	Resolver Resolver
	// TLSConfig is used by the probe's own client (e.g. RootCAs for a local CA); nil means the
	// system roots.
	TLSConfig *tls.Config
	// Timeout bounds each request (and each DNS lookup); 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxRequests bounds the requests sent to the endpoint; 0 means DefaultMaxRequests; at most
	// HardMaxRequests.
	MaxRequests int
	// Admin, when set, is a Portcullis admin API address (HOST:PORT or URL) whose decision
	// records give the exact cause of each probe request.
	Admin string
	// Now is the clock for the dummy X-Amz-Date; nil means time.Now.
	Now func() time.Time
}

// Report is `portcullis probe --json` (version 1).
type Report struct {
	Version     int         `json:"version"`
	URL         string      `json:"url"`
	Method      string      `json:"method"`
	Target      Target      `json:"target"`
	DNS         []DNSResult `json:"dns"`
	Probes      []Probe     `json:"probes"`
	Requests    int         `json:"requests"`
	MaxRequests int         `json:"maxRequests"`
	Admin       *AdminInfo  `json:"admin,omitempty"`
	// TLSClientCertRequested: during a TLS handshake the server asked for a client
	// certificate (mutual TLS); the probe sent none.
	TLSClientCertRequested bool       `json:"tlsClientCertRequested,omitempty"`
	Conclusion             Conclusion `json:"conclusion"`
}

// Header is one request header as sent (user secrets masked).
type Header struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Masked bool   `json:"masked,omitempty"`
	// Dummy marks a value the probe made up (the fake SigV4 or non-SigV4 Authorization).
	Dummy bool `json:"dummy,omitempty"`
}

// Probe is one request and what came back.
type Probe struct {
	Name string `json:"name"`
	Why  string `json:"why"`
	// Stage is the stage this probe tried (stage-root, stage-guess).
	Stage   string   `json:"stage,omitempty"`
	Method  string   `json:"method"`
	URL     string   `json:"url"`
	Host    string   `json:"host"`
	Headers []Header `json:"headers"`
	// RemoteAddr is the address the probe connected to.
	RemoteAddr string `json:"remoteAddr,omitempty"`
	Status     int    `json:"status,omitempty"`
	// ErrorType is x-amzn-ErrorType (without any ":…" suffix).
	ErrorType string `json:"errorType,omitempty"`
	// Message is the body's message (JSON "message"/"Message", else the first line of text).
	Message           string            `json:"message,omitempty"`
	RequestID         string            `json:"requestId,omitempty"`
	ExtendedRequestID string            `json:"extendedRequestId,omitempty"`
	ResponseHeaders   map[string]string `json:"responseHeaders,omitempty"`
	BodyBytes         int               `json:"bodyBytes"`
	BodyTruncated     bool              `json:"bodyTruncated,omitempty"`
	LatencyMs         float64           `json:"latencyMs"`
	// Error is set when no response came back.
	Error string `json:"error,omitempty"`
	// Meaning is what this answer says, in one line.
	Meaning string `json:"meaning"`
	// Decision is the gateway's decision record for this request (--admin).
	Decision *DecisionSummary `json:"decision,omitempty"`
}

// DecisionSummary is the part of a Portcullis decision record the probe shows.
type DecisionSummary struct {
	Cause    string   `json:"cause,omitempty"`
	Outcome  string   `json:"outcome"`
	Reason   string   `json:"reason,omitempty"`
	Evidence []string `json:"evidence,omitempty"`
	Remedy   []string `json:"remedy,omitempty"`
}

// AdminInfo says whether the admin API answered.
type AdminInfo struct {
	Addr      string `json:"addr"`
	Decisions int    `json:"decisions"`
	Error     string `json:"error,omitempty"`
}

// Conclusion is the answer.
type Conclusion struct {
	// Outcome: "allowed" (the endpoint answered below 400), "denied" (4xx), "error" (5xx), or
	// "unreachable" (no request completed).
	Outcome string `json:"outcome"`
	// Origin is which system answered (diagnose origins: apigateway-rest, apigateway-http,
	// cloudfront, alb, s3, backend, unknown).
	Origin string `json:"origin"`
	// Exact: the first cause comes from the gateway's own decision record.
	Exact   bool   `json:"exact"`
	Summary string `json:"summary"`
	// Causes are ranked best first; candidates the probes cannot tell apart share a rank.
	Causes    []Candidate `json:"causes"`
	Reasoning []string    `json:"reasoning"`
	Next      []string    `json:"next"`
}

// Candidate is one ranked cause (a cause catalogue ID, or an origin ID such as backend-403).
type Candidate struct {
	ID         string `json:"id"`
	Rank       int    `json:"rank"`
	Confidence string `json:"confidence"` // exact | high | medium | low
	Title      string `json:"title,omitempty"`
	// Exact: taken from the gateway's decision record (--admin), not inferred.
	Exact    bool     `json:"exact,omitempty"`
	Evidence []string `json:"evidence"`
	Remedy   []string `json:"remedy"`
}

// Probe names.
const (
	ProbeAsGiven        = "as-given"
	ProbeWithoutAuth    = "without-authorization"
	ProbeSigV4Dummy     = "sigv4-dummy"
	ProbeNonSigV4Dummy  = "non-sigv4-dummy"
	ProbeStageRoot      = "stage-root"
	ProbeStageGuess     = "stage-guess"
	ProbeStageSwap      = "stage-swap"
	ProbeWithoutStage   = "without-stage"
	ProbeDomainRoot     = "domain-root"
	ProbeOptions        = "options"
	ProbeWithoutHeaders = "without-your-headers"
	ProbeAPIIDHeader    = "x-apigw-api-id"
	dummyAccessKey      = "AKIAIOSFODNN7EXAMPLE"
	nonSigV4Dummy       = "portcullis-probe"
	zeroSignature       = "0000000000000000000000000000000000000000000000000000000000000000"
	userAgent           = "portcullis-probe/1 (read-only)"
	defaultDummyRegion  = "us-east-1"
	preflightOrigin     = "https://portcullis-probe.invalid"
	maxStageGuessProbes = 9
)

// StageGuesses are the stage names tried when the URL's stage answers Forbidden.
var StageGuesses = []string{"prod", "Prod", "dev", "test", "stage", "Stage", "staging", "v1", "live"}

// sigV4Headers are dropped together with Authorization.
var sigV4Headers = []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"}

// Run probes o.URL and returns the report. A *UsageError means the options are invalid (nothing
// was sent); an error matching ErrNoResponse comes with a report (its DNS results and failed
// probes say why).
func Run(ctx context.Context, o Options) (*Report, error) {
	p, err := newProber(o)
	if err != nil {
		return nil, err
	}
	defer p.closeIdle()
	p.resolveDNS(ctx)
	first, _ := p.send(ctx, p.sameRequest(ProbeAsGiven, "the request exactly as given", p.method, true, false))
	if !first.answered() {
		p.rep.TLSClientCertRequested = p.certRequested.Load()
		p.rep.Conclusion = p.unreachable(first)
		describeAll(p)
		return p.rep, fmt.Errorf("%w: %s %s: %s", ErrNoResponse, first.Method, first.URL, first.Error)
	}
	p.plan(ctx, first)
	p.rep.TLSClientCertRequested = p.certRequested.Load()
	p.rep.Conclusion = p.infer()
	describeAll(p)
	if o.Admin != "" {
		p.fetchDecisions(ctx)
	}
	return p.rep, nil
}

// prober holds one run's state.
type prober struct {
	o        Options
	u        *url.URL
	method   string
	host     string      // the Host header to send ("" = the URL's host)
	user     http.Header // the user's headers without Host
	secrets  []string
	client   *http.Client
	resolver Resolver
	timeout  time.Duration
	max      int
	now      time.Time
	rep      *Report
	dummies  []string
	// certRequested: a TLS server asked for a client certificate (set from the handshake).
	certRequested atomic.Bool
}

func newProber(o Options) (*prober, error) {
	u, err := url.Parse(strings.TrimSpace(o.URL))
	if err != nil {
		return nil, &UsageError{fmt.Sprintf("probe: bad URL %q: %v", safeURL(o.URL), errors.Unwrap(err))}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, &UsageError{fmt.Sprintf("probe: URL %q: want http:// or https://", safeURL(o.URL))}
	}
	if u.Hostname() == "" {
		return nil, &UsageError{fmt.Sprintf("probe: URL %q has no host", safeURL(o.URL))}
	}
	if u.Fragment != "" || u.RawFragment != "" {
		u.Fragment, u.RawFragment = "", ""
	}
	if u.Path == "" {
		u.Path = "/"
	}
	method := strings.ToUpper(strings.TrimSpace(o.Method))
	if method == "" {
		method = http.MethodGet
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		return nil, &UsageError{fmt.Sprintf("probe: method %s is not read-only: probe sends only GET, HEAD or OPTIONS", method)}
	}
	p := &prober{o: o, u: u, method: method, user: http.Header{}, timeout: o.Timeout, max: o.MaxRequests}
	for k, vs := range o.Headers {
		ck := http.CanonicalHeaderKey(k)
		for _, v := range vs {
			if _, _, err := ParseHeader(ck + ": " + v); err != nil {
				return nil, &UsageError{fmt.Sprintf("probe: %v", err)}
			}
		}
		if ck == "Host" {
			if len(vs) > 0 {
				p.host = strings.TrimSpace(vs[len(vs)-1])
			}
			continue
		}
		p.user[ck] = append([]string(nil), vs...)
	}
	if p.timeout <= 0 {
		p.timeout = DefaultTimeout
	}
	if p.max <= 0 {
		p.max = DefaultMaxRequests
	}
	if p.max > HardMaxRequests {
		return nil, &UsageError{fmt.Sprintf("probe: at most %d requests (asked for %d)", HardMaxRequests, p.max)}
	}
	p.resolver = o.Resolver
	if p.resolver == nil {
		p.resolver = SystemResolver{}
	}
	p.now = time.Now()
	if o.Now != nil {
		p.now = o.Now()
	}
	// Userinfo in the URL is a credential the user gave: it becomes the Authorization header
	// (as curl sends it), so the credential rules apply to it.
	if u.User != nil {
		if p.user.Get("Authorization") == "" {
			pw, _ := u.User.Password()
			p.user.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pw)))
		}
		u.User = nil
	}
	p.secrets = secretValues(p.user, u.Query())
	if o.Client != nil {
		c := *o.Client
		c.CheckRedirect = noRedirect
		p.client = &c
	} else {
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if o.TLSConfig != nil {
			tc = o.TLSConfig.Clone()
		}
		if tc.GetClientCertificate == nil && len(tc.Certificates) == 0 {
			// Record that the server asked for a client certificate (mutual TLS, facts §8.5)
			// and send none: the probe has no certificate it was given.
			tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
				p.certRequested.Store(true)
				return &tls.Certificate{}, nil
			}
		}
		tr := &http.Transport{
			Proxy:                 nil,
			DialContext:           (&dialer{resolver: p.resolver}).DialContext,
			TLSClientConfig:       tc,
			TLSHandshakeTimeout:   p.timeout,
			ResponseHeaderTimeout: p.timeout,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       10 * time.Second,
			ForceAttemptHTTP2:     true,
		}
		p.client = &http.Client{Transport: tr, CheckRedirect: noRedirect}
	}
	hostHeader := p.host
	if hostHeader == "" {
		hostHeader = u.Host
	}
	hostOnly := hostHeader
	if h, _, err := splitHostPort(hostHeader); err == nil {
		hostOnly = h
	}
	p.rep = &Report{
		Version:     Version,
		URL:         maskURL(u),
		Method:      method,
		Target:      NewTarget(hostOnly, u.Hostname(), u.EscapedPath(), p.user.Get("X-Apigw-Api-Id")),
		DNS:         []DNSResult{},
		Probes:      []Probe{},
		MaxRequests: p.max,
	}
	p.dummies = []string{nonSigV4Dummy, p.sigV4Dummy()}
	return p, nil
}

// safeURL is a URL as typed, for error messages: without its query and userinfo, which may
// carry credentials.
func safeURL(s string) string {
	s = strings.TrimSpace(s)
	if b, _, ok := strings.Cut(s, "?"); ok {
		s = b + "?…"
	}
	if scheme, rest, ok := strings.Cut(s, "://"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 && !strings.Contains(rest[:at], "/") {
			s = scheme + "://****@" + rest[at+1:]
		}
	}
	return s
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// closeIdle closes the connections of the probe's own client (a caller's client is left alone).
func (p *prober) closeIdle() {
	if p.o.Client == nil {
		p.client.CloseIdleConnections()
	}
}

// splitHostPort is net.SplitHostPort that accepts a host without a port.
func splitHostPort(hp string) (string, string, error) {
	u := &url.URL{Host: hp}
	h := u.Hostname()
	if h == "" {
		return "", "", fmt.Errorf("no host in %q", hp)
	}
	return h, u.Port(), nil
}

// resolveDNS resolves the URL's host and, when different, the Host header's name.
func (p *prober) resolveDNS(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	c := lookup(ctx, p.resolver, p.u.Hostname(), "url")
	p.rep.DNS = append(p.rep.DNS, c)
	if t := p.rep.Target; t.Host != "" && !strings.EqualFold(t.Host, t.Connect) && strings.Contains(t.Host, ".") {
		h := lookup(ctx, p.resolver, t.Host, "host-header")
		p.rep.DNS = append(p.rep.DNS, h)
	}
	for i := range p.rep.DNS {
		d := &p.rep.DNS[i]
		if d.Note == "" {
			d.Note = dnsNote(*d)
		}
	}
}

func dnsNote(d DNSResult) string {
	kind, _, _, _ := ClassifyHost(d.Name)
	switch {
	case d.Error != "":
		return "does not resolve here"
	case d.loopbackOnly():
		return "loopback: a gateway on this machine (Portcullis?)"
	case d.privateOnly() && (kind == KindExecuteAPI || kind == KindVPCEAlias) && isAWSName(d.Name):
		return "private addresses for an execute-api name: private DNS of an interface VPC endpoint answers here, and such endpoints route only to private APIs"
	case d.privateOnly() && kind == KindVPCEndpoint:
		return "private addresses: the VPC endpoint's network interfaces"
	case d.privateOnly():
		return "private addresses"
	}
	return ""
}

// spec describes one request to send.
type spec struct {
	name, why, stage string
	method           string
	path             string // escaped
	query            string // raw
	host             string // Host header ("" = the URL's host)
	header           http.Header
	fromUser         map[string]bool // canonical names whose values came from the user
	dummy            map[string]bool
}

// baseHeaders copies the user's headers: with secrets when keepSecrets, without the SigV4 set
// when dropSigV4.
func (p *prober) baseHeaders(keepSecrets, dropSigV4 bool) (http.Header, map[string]bool) {
	h, from := http.Header{}, map[string]bool{}
	for k, vs := range p.user {
		if !keepSecrets && IsSecretName(k) {
			continue
		}
		if dropSigV4 && isSigV4Header(k) {
			continue
		}
		h[k] = append([]string(nil), vs...)
		from[k] = true
	}
	if h.Get("User-Agent") == "" {
		h.Set("User-Agent", userAgent)
	}
	return h, from
}

func isSigV4Header(k string) bool {
	for _, s := range sigV4Headers {
		if strings.EqualFold(k, s) {
			return true
		}
	}
	return false
}

// query returns the URL's raw query: with secret parameters only when keepSecrets, without the
// presigned SigV4 parameters (X-Amz-*) when dropSigV4.
func (p *prober) query(keepSecrets, dropSigV4 bool) string {
	if p.u.RawQuery == "" {
		return ""
	}
	var out []string
	for _, part := range strings.Split(p.u.RawQuery, "&") {
		k, _, _ := strings.Cut(part, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if !keepSecrets && IsSecretName(name) {
			continue
		}
		if dropSigV4 && strings.HasPrefix(strings.ToLower(name), "x-amz-") {
			continue
		}
		out = append(out, part)
	}
	return strings.Join(out, "&")
}

// sameRequest is the user's method and path (with its query), with the user's headers; with
// their credentials when keepSecrets, without the SigV4 set when dropSigV4.
func (p *prober) sameRequest(name, why, method string, keepSecrets, dropSigV4 bool) spec {
	h, from := p.baseHeaders(keepSecrets, dropSigV4)
	return spec{name: name, why: why, method: method, path: p.u.EscapedPath(), query: p.query(keepSecrets, dropSigV4),
		host: p.host, header: h, fromUser: from, dummy: map[string]bool{}}
}

// otherPath is GET on another path of the same host, with the user's non-secret headers only.
func (p *prober) otherPath(name, why, path string) spec {
	h, from := p.baseHeaders(false, true)
	return spec{name: name, why: why, method: http.MethodGet, path: path, host: p.host, header: h, fromUser: from, dummy: map[string]bool{}}
}

// sigV4Dummy is the fake SigV4 Authorization header value.
func (p *prober) sigV4Dummy() string {
	region := p.dummyRegion()
	return "AWS4-HMAC-SHA256 Credential=" + dummyAccessKey + "/" + p.now.UTC().Format("20060102") + "/" + region +
		"/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + zeroSignature
}

func (p *prober) dummyRegion() string {
	if p.rep != nil && p.rep.Target.Region != "" {
		return p.rep.Target.Region
	}
	return defaultDummyRegion
}

// withSigV4Dummy is the same request with the fake SigV4 header instead of the user's.
func (p *prober) withSigV4Dummy() spec {
	s := p.sameRequest(ProbeSigV4Dummy, "a SigV4-shaped header with AWS's documented example key and a zero signature: an AWS_IAM method looks the key up and answers 'security token invalid'; a route that does not exist still answers Missing Authentication Token", p.method, true, true)
	s.header.Set("Authorization", p.sigV4Dummy())
	s.header.Set("X-Amz-Date", p.now.UTC().Format("20060102T150405Z"))
	s.dummy["Authorization"], s.dummy["X-Amz-Date"] = true, true
	delete(s.fromUser, "Authorization")
	delete(s.fromUser, "X-Amz-Date")
	return s
}

// withNonSigV4Dummy is the same request with Authorization: portcullis-probe.
func (p *prober) withNonSigV4Dummy() spec {
	s := p.sameRequest(ProbeNonSigV4Dummy, "a non-SigV4 Authorization header: where no route matches (or the method is AWS_IAM), API Gateway answers with its IncompleteSignatureException parse message", p.method, true, true)
	s.header.Set("Authorization", nonSigV4Dummy)
	s.dummy["Authorization"] = true
	delete(s.fromUser, "Authorization")
	return s
}
