// Package authorizer runs API Gateway REST API Lambda authorizers (TOKEN and REQUEST) the way
// API Gateway does (facts §4): it reads the identity sources, answers 401 without calling the
// function when one is missing, builds the event AWS sends, invokes the function through the
// Lambda Invoke API (internal/lambdainvoke) with the authorizer's source ARN (facts §3.2),
// parses the output, and caches successful results for authorizerResultTtlInSeconds.
//
// It does not evaluate the returned policy: the caller evaluates Outcome.Policy against the
// request's method ARN (and the resource policy, facts §4.5, §5.3) for every request,
// cached or not — which is how a policy cached for one method denies another (facts §4.1,
// the classic stale-cache 403).
package authorizer

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/portcullis/portcullis/internal/apidef"
	"github.com/portcullis/portcullis/internal/ctxtemplate"
	"github.com/portcullis/portcullis/internal/iampolicy"
	"github.com/portcullis/portcullis/internal/lambdainvoke"
)

const (
	// DefaultTimeout bounds one authorizer invocation. API Gateway's integration timeout
	// does not apply to authorizers (observed, zenn.dev/mn87 2024); a timed-out authorizer is
	// a 500 {"message": null} (dev.to/marcogrcr, "AUTHORIZER_APIGW_TIMEOUT"). AWS documents
	// no value; 30 s, Lambda's own API Gateway-facing limit, is [UNCONFIRMED].
	DefaultTimeout = 30 * time.Second
	// DefaultTTL is authorizerResultTtlInSeconds when unset (facts §4.1: 300).
	DefaultTTL = 300 * time.Second
	// MaxTTL is the largest TTL API Gateway accepts (facts §4.1: 3600).
	MaxTTL = 3600 * time.Second
	// DefaultCacheSize bounds the result cache when Options.CacheSize is 0.
	DefaultCacheSize = 10000
	// maxLogLine is API Gateway's execution-log event limit (facts §3.1).
	maxLogLine = 1024
)

// Options configures a Service.
type Options struct {
	// Invoke calls the authorizer functions.
	Invoke *lambdainvoke.Client
	// Now is the clock for cache expiry (nil: time.Now).
	Now func() time.Time
	// Region and AccountID build the authorizer's source ARN.
	Region, AccountID string
	// CacheSize bounds the number of cached results (0: DefaultCacheSize; negative: no cache).
	CacheSize int
	// Timeout bounds one invocation (0: DefaultTimeout).
	Timeout time.Duration
}

// Kind is what an authorization came to.
type Kind int

const (
	// Policy: the function returned a valid policy (Allow or Deny: the caller evaluates it).
	Policy Kind = iota
	// IdentityMissing: an identity source was missing or empty, or the token failed the
	// identityValidationExpression — 401 without calling the function (facts §4.4).
	IdentityMissing
	// Unauthorized: the function failed with exactly "Unauthorized" — 401 (facts §4.4).
	Unauthorized
	// Failed: anything else — 500 {"message": null}, AuthorizerConfigurationException
	// (facts §4.4, §1.1 AUTHORIZER_CONFIGURATION_ERROR).
	Failed
)

func (k Kind) String() string {
	switch k {
	case Policy:
		return "policy"
	case IdentityMissing:
		return "identity-missing"
	case Unauthorized:
		return "unauthorized"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// ClientCert is the mTLS client certificate as the REQUEST event carries it
// (requestContext.identity.clientCert, facts §4.2).
type ClientCert struct {
	PEM, SubjectDN, IssuerDN, SerialNumber string
	NotBefore, NotAfter                    time.Time
}

// Input is one request to authorize.
type Input struct {
	Authorizer *apidef.Authorizer
	APIID      string
	Stage      string
	// MethodArn is arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/VERB/path with the actual
	// verb and path (facts §3.1, §4.2).
	MethodARN string
	HTTP      *http.Request
	// ResourcePath is the resource template ("/pets/{id}"); Path the path after the stage
	// ("/pets/7").
	ResourcePath, Path         string
	ResourceID                 string
	PathParams, StageVariables map[string]string

	RequestID, ExtendedRequestID, SourceIP, UserAgent, DomainName string
	RequestTime                                                   time.Time
	// ClientCert is nil unless the request came over mTLS.
	ClientCert *ClientCert
	// ContextValue resolves identity sources "context.X": it is called with the full variable
	// name ("context.identity.sourceIp"), as ctxvars.Vars.Lookup takes it.
	ContextValue func(name string) (string, bool)
}

// Outcome is the result of Authorize, with everything the decision record shows.
type Outcome struct {
	Kind        Kind
	PrincipalID string
	// Policy is the returned policyDocument, parsed as an identity policy.
	Policy *iampolicy.Policy
	// PolicyJSON is the policyDocument as returned.
	PolicyJSON string
	// Context is the returned context with every value stringified (facts §4.3).
	Context            map[string]string
	UsageIdentifierKey string

	FromCache bool
	CachedAt  time.Time
	// CachedForMethodARN is the method ARN of the request whose invocation filled the cache
	// entry (equal to the request's own when not from the cache).
	CachedForMethodARN string
	// CacheKey identifies the cache entry: a hash, never the identity values themselves
	// ("" when caching is off).
	CacheKey string

	// Missing is the identity source that was missing, empty or invalid (IdentityMissing).
	Missing string
	// Detail says why for IdentityMissing, Unauthorized and Failed.
	Detail string
	// Log holds the execution-log lines in AWS's order and wording (facts §3.2).
	Log []string

	Latency           time.Duration
	IntegrationStatus int
	LambdaRequestID   string
}

// Service authorizes requests; one per config generation. It holds the result cache and the
// compiled authorizers. Safe for concurrent use.
type Service struct {
	o        Options
	compiled sync.Map // *apidef.Authorizer -> *compiled
	cache    *cache
}

// New builds a Service.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	size := o.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	return &Service{o: o, cache: newCache(size)}
}

// compiled is an authorizer prepared once: its identity sources, validation expression and
// URI template.
type compiled struct {
	sources []source
	srcErr  error
	re      *regexp.Regexp
	reErr   error
	uri     *ctxtemplate.Template
}

// source is one identity-source mapping expression.
type source struct {
	expr      string // as written
	kind      string // header, querystring, stageVariables, context
	name      string
	canonName string // header name in canonical form
}

func (s *Service) compile(a *apidef.Authorizer) *compiled {
	if v, ok := s.compiled.Load(a); ok {
		return v.(*compiled)
	}
	c := &compiled{uri: ctxtemplate.Compile(a.AuthorizerURI)}
	c.sources, c.srcErr = parseIdentitySource(a.IdentitySource)
	if a.Type == "TOKEN" && a.IdentityValidationExpression != "" {
		// The expression must match the whole token (facts §4.1).
		c.re, c.reErr = regexp.Compile(`^(?:` + a.IdentityValidationExpression + `)$`)
	}
	v, _ := s.compiled.LoadOrStore(a, c)
	return v.(*compiled)
}

// ErrIdentitySource is a malformed identitySource.
var ErrIdentitySource = errors.New("invalid identity source")

// ParseIdentitySource parses an identitySource: comma-separated mapping expressions
// method.request.header.NAME, method.request.querystring.NAME, stageVariables.NAME and
// context.NAME (facts §4.1; path parameters "cannot be used as identity sources").
func ParseIdentitySource(s string) ([]string, error) {
	srcs, err := parseIdentitySource(s)
	out := make([]string, len(srcs))
	for i, x := range srcs {
		out[i] = x.expr
	}
	return out, err
}

func parseIdentitySource(s string) ([]source, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []source
	for _, part := range strings.Split(s, ",") {
		expr := strings.TrimSpace(part)
		var src source
		src.expr = expr
		switch {
		case strings.HasPrefix(expr, "method.request.header."):
			src.kind, src.name = "header", strings.TrimPrefix(expr, "method.request.header.")
			src.canonName = http.CanonicalHeaderKey(src.name)
		case strings.HasPrefix(expr, "method.request.querystring."):
			src.kind, src.name = "querystring", strings.TrimPrefix(expr, "method.request.querystring.")
		case strings.HasPrefix(expr, "stageVariables."):
			src.kind, src.name = "stageVariables", strings.TrimPrefix(expr, "stageVariables.")
		case strings.HasPrefix(expr, "context."):
			src.kind, src.name = "context", strings.TrimPrefix(expr, "context.")
		default:
			return nil, fmt.Errorf("%w %q: want method.request.header.NAME, method.request.querystring.NAME, stageVariables.NAME or context.NAME", ErrIdentitySource, expr)
		}
		if src.name == "" {
			return nil, fmt.Errorf("%w %q: no name", ErrIdentitySource, expr)
		}
		out = append(out, src)
	}
	return out, nil
}

// value resolves one identity source for the request: headers and query strings by their
// last value, as the event's single-value maps carry them.
func (src source) value(in *Input) string {
	switch src.kind {
	case "header":
		if in.HTTP != nil {
			if vs := in.HTTP.Header.Values(src.canonName); len(vs) > 0 {
				return vs[len(vs)-1]
			}
		}
	case "querystring":
		if in.HTTP != nil && in.HTTP.URL != nil {
			if vs := in.HTTP.URL.Query()[src.name]; len(vs) > 0 {
				return vs[len(vs)-1]
			}
		}
	case "stageVariables":
		return in.StageVariables[src.name]
	case "context":
		if in.ContextValue != nil {
			v, _ := in.ContextValue("context." + src.name) // $context.X, as ctxvars names it
			return v
		}
	}
	return ""
}

// ttl is the effective cache TTL (facts §4.1: nil → 300 s, 0 → off, at most 3600 s).
func ttl(a *apidef.Authorizer) time.Duration {
	if a.ResultTTLInSeconds == nil {
		return DefaultTTL
	}
	d := time.Duration(*a.ResultTTLInSeconds) * time.Second
	switch {
	case d <= 0:
		return 0
	case d > MaxTTL:
		return MaxTTL
	}
	return d
}

// Authorize runs the authorizer for one request (facts §4, §11 step 7):
//
//  1. identity sources: TOKEN reads its one header; missing, empty or failing
//     identityValidationExpression → IdentityMissing (401, no invocation). REQUEST requires
//     every source present and non-empty when caching is on (TTL > 0); with TTL 0 the
//     sources are optional (facts §4.1).
//  2. the cache (TTL > 0): TOKEN keyed by the token, REQUEST by every identity-source value,
//     both within the API, stage and authorizer. A hit returns the stored output with
//     FromCache, CachedAt and CachedForMethodARN. Concurrent requests with the same key wait
//     for one invocation (single-flight).
//  3. the invocation and output parsing (facts §4.3, §4.4).
//
// Only Policy outcomes are cached — whatever the policy's effect, since API Gateway caches the
// policy document, not the decision (facts §4.1). Unauthorized and Failed are not cached
// ([UNCONFIRMED]: AWS does not document caching of a 401 or a 500).
func (s *Service) Authorize(ctx context.Context, in *Input) Outcome {
	a := in.Authorizer
	if a == nil {
		return Outcome{Kind: Failed, Detail: "no authorizer"}
	}
	log := &logger{}
	if a.Type != "TOKEN" && a.Type != "REQUEST" {
		out := Outcome{Kind: Failed, Detail: fmt.Sprintf("authorizer %s has type %q; only TOKEN and REQUEST are Lambda authorizers", a.ID, a.Type)}
		log.add("Execution failed due to configuration error: Authorizer error")
		out.Log = log.lines
		return out
	}
	c := s.compile(a)
	if c.srcErr != nil {
		log.add("Execution failed due to configuration error: Authorizer error")
		return Outcome{Kind: Failed, Detail: c.srcErr.Error(), Log: log.lines}
	}
	life := ttl(a)

	// 1. Identity.
	var values []string
	switch a.Type {
	case "TOKEN":
		if len(c.sources) != 1 || c.sources[0].kind != "header" {
			log.add("Execution failed due to configuration error: Authorizer error")
			return Outcome{Kind: Failed, Log: log.lines, Detail: fmt.Sprintf(
				"TOKEN authorizer %s needs exactly one identity source method.request.header.NAME, not %q", a.ID, a.IdentitySource)}
		}
		src := c.sources[0]
		tok := src.value(in)
		if tok == "" {
			return identityMissing(in, src.expr, fmt.Sprintf("the identity source %s is missing or empty", src.expr))
		}
		if c.reErr != nil {
			log.add("Execution failed due to configuration error: Authorizer error")
			return Outcome{Kind: Failed, Log: log.lines, Detail: fmt.Sprintf(
				"identityValidationExpression %q of authorizer %s does not compile: %v", a.IdentityValidationExpression, a.ID, c.reErr)}
		}
		if c.re != nil && !c.re.MatchString(tok) {
			return identityMissing(in, src.expr, fmt.Sprintf(
				"the token in %s does not match the identityValidationExpression %s", src.expr, a.IdentityValidationExpression))
		}
		values = []string{tok}
	case "REQUEST":
		for _, src := range c.sources {
			v := src.value(in)
			if v == "" && life > 0 {
				return identityMissing(in, src.expr, fmt.Sprintf(
					"the identity source %s is missing or empty (required while authorizerResultTtlInSeconds > 0)", src.expr))
			}
			values = append(values, v)
		}
	}
	log.add(fmt.Sprintf("Starting authorizer: %s for request: %s", a.ID, in.RequestID))
	log.add("Incoming identity: " + maskIdentity(values))

	// 2. Cache.
	if life <= 0 || s.cache == nil {
		out := s.invoke(ctx, in, c, log)
		out.CachedForMethodARN = in.MethodARN
		return out
	}
	key := cacheKey(in, values)
	now := s.o.Now()
	e, leader := s.cache.acquire(key, now)
	if !leader {
		if r := e.wait(); r.Kind == Policy {
			out := r.copy()
			out.FromCache = true
			out.Latency, out.IntegrationStatus, out.LambdaRequestID = 0, 0, ""
			out.CacheKey = shortKey(key)
			log.add("Using valid authorizer policy for principal: " + maskPrincipal(out.PrincipalID))
			log.add("Successfully completed authorizer execution")
			out.Log = log.lines
			return out
		}
		// The flight did not produce a policy, which is not cached: invoke for this request.
		out := s.invoke(ctx, in, c, log)
		out.CachedForMethodARN = in.MethodARN
		out.CacheKey = shortKey(key)
		return out
	}
	completed := false
	defer func() {
		if !completed { // invoke panicked: release the waiters, cache nothing
			s.cache.complete(key, e, Outcome{Kind: Failed, Detail: "internal error while invoking the authorizer"}, false, time.Time{})
		}
	}()
	out := s.invoke(ctx, in, c, log)
	out.CachedForMethodARN = in.MethodARN
	out.CacheKey = shortKey(key)
	if out.Kind == Policy {
		out.CachedAt = s.o.Now()
	}
	s.cache.complete(key, e, out, out.Kind == Policy, out.CachedAt.Add(life))
	completed = true
	return out
}

func identityMissing(in *Input, expr, detail string) Outcome {
	// AWS documents that such calls are not logged; a 2026 observation shows
	// "Unauthorized request: <id>" on a 401 path (facts §3.2). We log that one line.
	return Outcome{Kind: IdentityMissing, Missing: expr, Detail: detail,
		Log: []string{"Unauthorized request: " + in.RequestID}}
}

// cacheKey identifies a cache entry: API, stage, authorizer and every identity value,
// length-prefixed so no two inputs collide by concatenation; hashed so the raw token is never
// kept as a key.
func cacheKey(in *Input, values []string) string {
	h := sha256.New()
	var n [8]byte
	for _, s := range append([]string{in.APIID, in.Stage, in.Authorizer.ID, in.Authorizer.Type}, values...) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func shortKey(k string) string { return "sha256:" + k[:16] }

// logger collects execution-log lines, each cut at 1024 bytes with " [TRUNCATED]" (facts §3.1).
type logger struct{ lines []string }

func (l *logger) add(s string) {
	if len(s) > maxLogLine {
		cut := maxLogLine
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + " [TRUNCATED]"
	}
	l.lines = append(l.lines, s)
}

// mask is AWS's execution-log masking: stars then the last 6 characters (facts §3.1, §3.2:
// "Incoming identity: ******************************I1BUdE"); 6 characters or fewer are all
// stars.
func mask(v string) string {
	if len(v) <= 6 {
		return strings.Repeat("*", len(v))
	}
	return strings.Repeat("*", len(v)-6) + v[len(v)-6:]
}

// maskIdentity masks each identity value; several (REQUEST) are joined with ",".
func maskIdentity(values []string) string {
	m := make([]string, len(values))
	for i, v := range values {
		m[i] = mask(v)
	}
	return strings.Join(m, ",")
}

// maskPrincipal is the principal as AWS logs it: "****" then the last 6 characters
// (facts §3.2: "Using valid authorizer policy for principal: ****bkwef5").
func maskPrincipal(p string) string {
	if len(p) <= 6 {
		return "****" + strings.Repeat("*", len(p))
	}
	return "****" + p[len(p)-6:]
}

func (o Outcome) copy() Outcome {
	if o.Context != nil {
		m := make(map[string]string, len(o.Context))
		for k, v := range o.Context {
			m[k] = v
		}
		o.Context = m
	}
	o.Log = nil
	return o
}

// sortedKeys returns a map's keys sorted.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
