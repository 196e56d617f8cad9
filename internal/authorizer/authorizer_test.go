package authorizer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
	"github.com/portcullis/portcullis/internal/apidef"
	"github.com/portcullis/portcullis/internal/iampolicy"
	"github.com/portcullis/portcullis/internal/lambdainvoke"
	"github.com/portcullis/portcullis/internal/lambdatest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	account  = "123456789012"
	apiID    = "a1b2c3d4e5"
	authFn   = "arn:aws:lambda:us-east-1:123456789012:function:auth"
	methodA  = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/pets/7"
	methodB  = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/DELETE/pets/7"
	reqID    = "c0ffee00-0000-4000-8000-000000000001"
	testTok  = "allow-0123456789abcdef"
	policyOf = `{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"%s","Resource":"%s"}]}`
)

func uriFor(fn string) string {
	return "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fn + "/invocations"
}

func intp(i int) *int { return &i }

func tokenAuthorizer(ttl *int) *apidef.Authorizer {
	return &apidef.Authorizer{ID: "abc123", Name: "tok", Type: "TOKEN", AuthorizerURI: uriFor(authFn),
		IdentitySource: "method.request.header.Authorization", ResultTTLInSeconds: ttl}
}

// tokenInput builds a TOKEN request for method ARN arn with the Authorization header tok.
func tokenInput(a *apidef.Authorizer, tok, arn string) *Input {
	r := httptest.NewRequest("GET", "http://a1b2c3d4e5.execute-api.localhost:4570/prod/pets/7?q=1", nil)
	if tok != "" {
		r.Header.Set("Authorization", tok)
	}
	return &Input{Authorizer: a, APIID: apiID, Stage: "prod", MethodARN: arn, HTTP: r,
		ResourcePath: "/pets/{id}", Path: "/pets/7", ResourceID: "abc123",
		PathParams: map[string]string{"id": "7"}, StageVariables: map[string]string{"env": "test"},
		RequestID: reqID, ExtendedRequestID: "N7SvJHWQDoEEXeA=", SourceIP: "203.0.113.9", UserAgent: "curl/8.5.0",
		DomainName: "a1b2c3d4e5.execute-api.localhost", RequestTime: time.Date(2024, 3, 9, 8, 7, 6, 5e6, time.UTC)}
}

// tokenHandler is the authorizer under test: it acts on the token.
func tokenHandler(ev events.APIGatewayCustomAuthorizerRequest) (json.RawMessage, error) {
	tok := strings.TrimPrefix(ev.AuthorizationToken, "Bearer ")
	switch {
	case strings.HasPrefix(tok, "allow"):
		return json.RawMessage(`{"principalId":"user-0123456789","policyDocument":` + strings.Replace(strings.Replace(policyOf, "%s", "Allow", 1), "%s", ev.MethodArn, 1) +
			`,"context":{"s":"v","n":1.50,"i":42,"b":true,"f":false,"z":null},"usageIdentifierKey":"0123456789abcdefghij"}`), nil
	case tok == "deny":
		return json.RawMessage(`{"principalId":"u","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":["execute-api:Invoke"],"Effect":"Deny","Resource":["` + ev.MethodArn + `"],"Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}}`), nil
	case tok == "unauthorized":
		return nil, errors.New("Unauthorized")
	case tok == "unauthorized-text":
		return nil, errors.New("Unauthorized: expired")
	case tok == "null":
		return json.RawMessage(`null`), nil
	case tok == "notjson":
		return json.RawMessage(`"just a string"`), nil
	case tok == "noprincipal":
		return json.RawMessage(`{"policyDocument":{"Version":"2012-10-17","Statement":[]}}`), nil
	case tok == "nopolicy":
		return json.RawMessage(`{"principalId":"u"}`), nil
	case tok == "badpolicy":
		return json.RawMessage(`{"principalId":"u","policyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}}`), nil
	case tok == "objcontext":
		return json.RawMessage(`{"principalId":"u","policyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]},"context":{"o":{"a":1}}}`), nil
	case tok == "arrcontext":
		return json.RawMessage(`{"principalId":"u","policyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]},"context":{"a":[1]}}`), nil
	}
	return nil, errors.New("boom")
}

func newService(t *testing.T, o Options, fns map[string]any) (*Service, *lambdatest.Server) {
	t.Helper()
	s := lambdatest.New(fns)
	t.Cleanup(s.Close)
	o.Invoke = lambdainvoke.NewClient(lambdainvoke.Options{Endpoint: s.URL()})
	o.Region, o.AccountID = "us-east-1", account
	return New(o), s
}

func authorize(t *testing.T, s *Service, in *Input) Outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Authorize(ctx, in)
}

func TestOutcomes(t *testing.T) {
	svc, srv := newService(t, Options{Timeout: 200 * time.Millisecond}, map[string]any{authFn: tokenHandler})
	a := tokenAuthorizer(intp(0))
	withExpr := tokenAuthorizer(intp(0))
	withExpr.IdentityValidationExpression = `Bearer [a-z0-9-]+`

	tests := []struct {
		name        string
		a           *apidef.Authorizer
		tok         string
		kind        Kind
		detail      string // substring
		lastLog     string
		invocations int
	}{
		{name: "allow", a: a, tok: testTok, kind: Policy, lastLog: "Successfully completed authorizer execution", invocations: 1},
		{name: "deny with condition", a: a, tok: "deny", kind: Policy, lastLog: "Successfully completed authorizer execution", invocations: 1},
		{name: "Unauthorized", a: a, tok: "unauthorized", kind: Unauthorized, lastLog: "Unauthorized request: " + reqID, invocations: 1},
		{name: "Unauthorized with more text", a: a, tok: "unauthorized-text", kind: Failed, detail: "Unauthorized: expired", lastLog: logAuthorizerError, invocations: 1},
		{name: "other error", a: a, tok: "boom", kind: Failed, detail: "boom", lastLog: logAuthorizerError, invocations: 1},
		{name: "null", a: a, tok: "null", kind: Failed, detail: "returned null", lastLog: logCouldNotParse, invocations: 1},
		{name: "not an object", a: a, tok: "notjson", kind: Failed, detail: "not a JSON object", lastLog: logCouldNotParse, invocations: 1},
		{name: "no principalId", a: a, tok: "noprincipal", kind: Failed, detail: "principalId is missing", lastLog: logCouldNotParse, invocations: 1},
		{name: "no policyDocument", a: a, tok: "nopolicy", kind: Failed, detail: "policyDocument is missing", lastLog: logCouldNotParse, invocations: 1},
		{name: "bad policy", a: a, tok: "badpolicy", kind: Failed, detail: "policyDocument", lastLog: logCouldNotParse, invocations: 1},
		{name: "object context", a: a, tok: "objcontext", kind: Failed, detail: "context.o", lastLog: logCouldNotParse, invocations: 1},
		{name: "array context", a: a, tok: "arrcontext", kind: Failed, detail: "context.a", lastLog: logCouldNotParse, invocations: 1},
		{name: "missing token", a: a, tok: "", kind: IdentityMissing, detail: "missing or empty", lastLog: "Unauthorized request: " + reqID},
		{name: "validation expression fails", a: withExpr, tok: "Bearer UPPER", kind: IdentityMissing, detail: "does not match", lastLog: "Unauthorized request: " + reqID},
		{name: "validation expression must match whole token", a: withExpr, tok: "xBearer abc", kind: IdentityMissing},
		{name: "validation expression passes", a: withExpr, tok: "Bearer allow-1", kind: Policy, invocations: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.Invocations(authFn)
			out := authorize(t, svc, tokenInput(tt.a, tt.tok, methodA))
			if out.Kind != tt.kind {
				t.Fatalf("kind %v, want %v (detail %q, log %q)", out.Kind, tt.kind, out.Detail, out.Log)
			}
			if !strings.Contains(out.Detail, tt.detail) {
				t.Errorf("detail %q does not contain %q", out.Detail, tt.detail)
			}
			if tt.lastLog != "" && (len(out.Log) == 0 || out.Log[len(out.Log)-1] != tt.lastLog) {
				t.Errorf("log %q, want last line %q", out.Log, tt.lastLog)
			}
			if n := srv.Invocations(authFn) - before; n != tt.invocations {
				t.Errorf("%d invocations, want %d", n, tt.invocations)
			}
			if tt.kind == IdentityMissing && out.Missing != "method.request.header.Authorization" {
				t.Errorf("Missing %q", out.Missing)
			}
			if tt.kind == Policy && (out.Policy == nil || out.PolicyJSON == "" || out.IntegrationStatus != 200 || len(out.LambdaRequestID) != 36) {
				t.Errorf("policy outcome %+v", out)
			}
			for _, l := range out.Log {
				if strings.Contains(l, "0123456789abcdef\"") || strings.Contains(l, "Bearer allow-1") {
					t.Errorf("unmasked token in log line %q", l)
				}
			}
		})
	}
}

func TestAllowDetails(t *testing.T) {
	svc, srv := newService(t, Options{}, map[string]any{authFn: tokenHandler})
	out := authorize(t, svc, tokenInput(tokenAuthorizer(intp(0)), testTok, methodA))
	if out.Kind != Policy {
		t.Fatalf("%+v", out)
	}
	got := struct {
		Principal, UsageKey string
		Context             map[string]string
		Effect              iampolicy.Effect
		EffectB             iampolicy.Effect
	}{out.PrincipalID, out.UsageIdentifierKey, out.Context,
		out.Policy.Evaluate(&iampolicy.Request{Action: "execute-api:Invoke", Resource: methodA}).Effect,
		out.Policy.Evaluate(&iampolicy.Request{Action: "execute-api:Invoke", Resource: methodB}).Effect}
	want := struct {
		Principal, UsageKey string
		Context             map[string]string
		Effect              iampolicy.Effect
		EffectB             iampolicy.Effect
	}{"user-0123456789", "0123456789abcdefghij", map[string]string{"s": "v", "n": "1.50", "i": "42", "b": "true", "f": "false"},
		iampolicy.Allow, iampolicy.Neither}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	uri := srv.URL() + "/2015-03-31/functions/" + authFn + "/invocations"
	wantLog := []string{
		"Starting authorizer: abc123 for request: " + reqID,
		"Incoming identity: ****************abcdef",
		"Endpoint request URI: " + uri,
		"Endpoint request headers: {Accept=application/json, Content-Type=application/json, User-Agent=AmazonAPIGateway_a1b2c3d4e5, X-Amz-Invocation-Type=RequestResponse, X-Amz-Source-Arn=arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/authorizers/abc123, X-Amzn-Apigateway-Api-Id=a1b2c3d4e5}",
		`Endpoint request body after transformations: {"type":"TOKEN","authorizationToken":"****************abcdef","methodArn":"` + methodA + `"}`,
		"Authorizer result body before parsing: " + `{"principalId":"user-0123456789","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"` + methodA + `"}]},"context":{"s":"v","n":1.50,"i":42,"b":true,"f":false,"z":null},"usageIdentifierKey":"0123456789abcdefghij"}`,
		"Using valid authorizer policy for principal: ****456789",
		"Successfully completed authorizer execution",
	}
	if d := cmp.Diff(wantLog, out.Log); d != "" {
		t.Errorf("log (-want +got):\n%s", d)
	}
}

func TestFailuresOfTheInvoke(t *testing.T) {
	svc, srv := newService(t, Options{Timeout: 100 * time.Millisecond}, map[string]any{authFn: tokenHandler})
	a := tokenAuthorizer(intp(0))

	srv.SetFault(authFn, lambdatest.Fault{Delay: 5 * time.Second})
	start := time.Now()
	out := authorize(t, svc, tokenInput(a, testTok, methodA))
	if out.Kind != Failed || !strings.Contains(out.Detail, "did not answer within 100ms") || time.Since(start) > 3*time.Second {
		t.Errorf("timeout: %+v after %v", out, time.Since(start))
	}
	srv.SetFault(authFn, lambdatest.Fault{})

	missing := tokenAuthorizer(intp(0))
	missing.AuthorizerURI = uriFor("arn:aws:lambda:us-east-1:123456789012:function:missing")
	if out := authorize(t, svc, tokenInput(missing, testTok, methodA)); out.Kind != Failed || out.IntegrationStatus != 404 ||
		!strings.HasPrefix(out.Detail, "Lambda invocation failed with status: 404.") {
		t.Errorf("missing function: %+v", out)
	}

	// aws-lambda-rie's function errors carry no X-Amz-Function-Error header.
	srv.SetFault(authFn, lambdatest.Fault{Raw: true, Body: []byte(`{"errorMessage":"Unauthorized","errorType":"errorString"}`)})
	if out := authorize(t, svc, tokenInput(a, testTok, methodA)); out.Kind != Unauthorized {
		t.Errorf("header-less Unauthorized: %+v", out)
	}
	srv.SetFault(authFn, lambdatest.Fault{})

	// The function ARN from a stage variable.
	sv := tokenAuthorizer(intp(0))
	sv.AuthorizerURI = uriFor("arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}")
	in := tokenInput(sv, testTok, methodA)
	in.StageVariables["fn"] = "auth"
	if out := authorize(t, svc, in); out.Kind != Policy {
		t.Errorf("stage variable URI: %+v", out)
	}
	bad := tokenAuthorizer(intp(0))
	bad.AuthorizerURI = "arn:aws:apigateway:us-east-1:lambda:path/nope"
	if out := authorize(t, svc, tokenInput(bad, testTok, methodA)); out.Kind != Failed || !strings.Contains(out.Detail, "invalid authorizerUri") {
		t.Errorf("bad uri: %+v", out)
	}
}

func TestCache(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2024, 3, 9, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	svc, srv := newService(t, Options{Now: clock}, map[string]any{authFn: tokenHandler})
	calls := func() int { return srv.Invocations(authFn) }

	a := tokenAuthorizer(nil) // default TTL 300 s
	first := authorize(t, svc, tokenInput(a, testTok, methodA))
	if first.Kind != Policy || first.FromCache || first.CacheKey == "" || strings.Contains(first.CacheKey, testTok) {
		t.Fatalf("first: %+v", first)
	}
	advance(299 * time.Second)
	second := authorize(t, svc, tokenInput(a, testTok, methodB))
	if !second.FromCache || second.CachedForMethodARN != methodA || !second.CachedAt.Equal(first.CachedAt) || calls() != 1 {
		t.Fatalf("second: %+v, %d calls", second, calls())
	}
	// The stale-cache 403: the policy cached for GET does not allow DELETE.
	if e := second.Policy.Evaluate(&iampolicy.Request{Action: "execute-api:Invoke", Resource: methodB}).Effect; e != iampolicy.Neither {
		t.Errorf("cached policy on method B: %v", e)
	}
	if second.Log[len(second.Log)-1] != "Successfully completed authorizer execution" || len(second.Log) != 4 {
		t.Errorf("cache hit log %q", second.Log)
	}
	// A different token is a different key.
	if out := authorize(t, svc, tokenInput(a, testTok+"x", methodA)); out.FromCache || calls() != 2 {
		t.Errorf("other token: %+v", out)
	}
	advance(2 * time.Second) // past 300 s
	if out := authorize(t, svc, tokenInput(a, testTok, methodB)); out.FromCache || out.CachedForMethodARN != methodB || calls() != 3 {
		t.Errorf("expired: %+v", out)
	}
	// Deny policies are cached too (the policy is cached, not the decision).
	authorize(t, svc, tokenInput(a, "deny", methodA))
	if out := authorize(t, svc, tokenInput(a, "deny", methodA)); !out.FromCache || calls() != 5-1 {
		t.Errorf("deny cached: %+v calls %d", out, calls())
	}
	// Unauthorized and failures are not cached.
	before := calls()
	authorize(t, svc, tokenInput(a, "unauthorized", methodA))
	authorize(t, svc, tokenInput(a, "unauthorized", methodA))
	authorize(t, svc, tokenInput(a, "boom", methodA))
	authorize(t, svc, tokenInput(a, "boom", methodA))
	if calls()-before != 4 {
		t.Errorf("%d calls for uncached outcomes, want 4", calls()-before)
	}
	// TTL 0 disables the cache; the cache is per authorizer (and API and stage).
	off := tokenAuthorizer(intp(0))
	before = calls()
	authorize(t, svc, tokenInput(off, testTok, methodA))
	if out := authorize(t, svc, tokenInput(off, testTok, methodA)); out.FromCache || out.CacheKey != "" || calls()-before != 2 {
		t.Errorf("ttl 0: %+v", out)
	}
	other := tokenAuthorizer(nil)
	other.ID = "zzz999"
	if out := authorize(t, svc, tokenInput(other, testTok, methodA)); out.FromCache {
		t.Errorf("other authorizer hit the cache: %+v", out)
	}
	// TTL above 3600 is capped.
	long := tokenAuthorizer(intp(99999))
	long.ID = "long01"
	authorize(t, svc, tokenInput(long, testTok, methodA))
	advance(3601 * time.Second)
	if out := authorize(t, svc, tokenInput(long, testTok, methodA)); out.FromCache {
		t.Errorf("TTL not capped at 3600 s")
	}
}

func TestCacheBounded(t *testing.T) {
	svc, srv := newService(t, Options{CacheSize: 2}, map[string]any{authFn: tokenHandler})
	a := tokenAuthorizer(nil)
	for _, tok := range []string{"allow1", "allow2", "allow3"} {
		authorize(t, svc, tokenInput(a, tok, methodA))
	}
	if n := svc.cache.len(); n != 2 {
		t.Errorf("cache holds %d entries", n)
	}
	authorize(t, svc, tokenInput(a, "allow3", methodA)) // hit
	authorize(t, svc, tokenInput(a, "allow1", methodA)) // evicted: miss
	if n := srv.Invocations(authFn); n != 4 {
		t.Errorf("%d invocations, want 4", n)
	}
}

func TestSingleFlight(t *testing.T) {
	svc, srv := newService(t, Options{}, map[string]any{authFn: tokenHandler})
	srv.SetFault(authFn, lambdatest.Fault{Delay: 300 * time.Millisecond})
	// A Delay alone waits, then runs the handler: every request arrives while one is in flight.
	a := tokenAuthorizer(nil)
	const n = 25
	var wg sync.WaitGroup
	var cached atomic.Int32
	outs := make([]Outcome, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i] = authorize(t, svc, tokenInput(a, testTok, methodA))
			if outs[i].FromCache {
				cached.Add(1)
			}
		}()
	}
	wg.Wait()
	if got := srv.Invocations(authFn); got != 1 {
		t.Errorf("%d invocations for %d concurrent requests, want 1", got, n)
	}
	for i, o := range outs {
		if o.Kind != Policy || o.PrincipalID != "user-0123456789" {
			t.Errorf("request %d: %+v", i, o)
		}
	}
	if cached.Load() != n-1 {
		t.Errorf("%d from cache, want %d", cached.Load(), n-1)
	}
}

func requestAuthorizer(ttl *int) *apidef.Authorizer {
	return &apidef.Authorizer{ID: "req001", Type: "REQUEST", AuthorizerURI: uriFor(authFn), ResultTTLInSeconds: ttl,
		IdentitySource: "method.request.header.X-Tenant, method.request.querystring.q, stageVariables.env, context.extendedRequestId"}
}

func requestHandler(ev events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	return events.APIGatewayCustomAuthorizerResponse{PrincipalID: ev.Headers["X-Tenant"],
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17",
			Statement: []events.IAMPolicyStatement{{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{"*"}}}}}, nil
}

func requestInput(a *apidef.Authorizer, tenant string) *Input {
	in := tokenInput(a, "", methodA)
	if tenant != "" {
		in.HTTP.Header.Set("X-Tenant", tenant)
	}
	in.ContextValue = func(name string) (string, bool) {
		if name == "context.extendedRequestId" {
			return in.ExtendedRequestID, true
		}
		return "", false
	}
	return in
}

func TestRequestAuthorizer(t *testing.T) {
	svc, srv := newService(t, Options{}, map[string]any{authFn: requestHandler})
	a := requestAuthorizer(nil)
	out := authorize(t, svc, requestInput(a, "tenant-one"))
	if out.Kind != Policy || out.PrincipalID != "tenant-one" {
		t.Fatalf("%+v", out)
	}
	if want := "Incoming identity: ****nt-one,*,****,**********EEXeA="; out.Log[1] != want {
		t.Errorf("log %q, want %q", out.Log[1], want)
	}
	if out := authorize(t, svc, requestInput(a, "tenant-one")); !out.FromCache {
		t.Errorf("not cached")
	}
	if out := authorize(t, svc, requestInput(a, "tenant-two")); out.FromCache {
		t.Errorf("different identity value hit the cache")
	}
	// Missing source with caching on: 401 without invoking.
	before := srv.Invocations(authFn)
	out = authorize(t, svc, requestInput(a, ""))
	if out.Kind != IdentityMissing || out.Missing != "method.request.header.X-Tenant" || srv.Invocations(authFn) != before {
		t.Errorf("missing: %+v", out)
	}
	// With TTL 0 the sources are optional (facts §4.1).
	if out := authorize(t, svc, requestInput(requestAuthorizer(intp(0)), "")); out.Kind != Policy {
		t.Errorf("ttl 0 missing source: %+v", out)
	}
	// A path parameter is not an identity source.
	bad := requestAuthorizer(intp(0))
	bad.IdentitySource = "method.request.path.id"
	if out := authorize(t, svc, requestInput(bad, "x")); out.Kind != Failed || !strings.Contains(out.Detail, "invalid identity source") {
		t.Errorf("path source: %+v", out)
	}
}

// TestEventsGolden checks both events byte for byte against golden files (facts §4.2).
func TestEventsGolden(t *testing.T) {
	var mu sync.Mutex
	var got []byte
	capture := func(ev json.RawMessage) (json.RawMessage, error) {
		mu.Lock()
		got = append([]byte(nil), ev...)
		mu.Unlock()
		return json.RawMessage(`{"principalId":"p","policyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}}`), nil
	}
	svc, _ := newService(t, Options{}, map[string]any{authFn: capture})

	req := requestInput(requestAuthorizer(intp(0)), "tenant-one")
	req.HTTP.Header.Add("X-Multi", "one")
	req.HTTP.Header.Add("X-Multi", "two")
	req.HTTP.Header.Set("X-Api-Key", "0123456789abcdefghij")
	req.ClientCert = &ClientCert{PEM: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", SubjectDN: "CN=client", IssuerDN: "CN=ca",
		SerialNumber: "01:02", NotBefore: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), NotAfter: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	for _, tt := range []struct {
		name string
		in   *Input
	}{
		{"token_event", tokenInput(tokenAuthorizer(intp(0)), "Bearer abc.def.ghi", methodA)},
		{"request_event", req},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if out := authorize(t, svc, tt.in); out.Kind != Policy {
				t.Fatalf("%+v", out)
			}
			mu.Lock()
			raw := got
			mu.Unlock()
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, raw, "", "  "); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tt.name+".golden.json")
			if *update {
				if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(string(want), pretty.String()); d != "" {
				t.Errorf("event (-golden +got):\n%s", d)
			}
			// What aws-lambda-go handlers decode.
			if tt.name == "request_event" {
				var ev events.APIGatewayCustomAuthorizerRequestTypeRequest
				if err := json.Unmarshal(raw, &ev); err != nil {
					t.Fatal(err)
				}
				if ev.Type != "REQUEST" || ev.MultiValueHeaders["X-Multi"][1] != "two" || ev.RequestContext.Identity.ClientCert.SubjectDN != "CN=client" ||
					ev.RequestContext.Identity.APIKey != "0123456789abcdefghij" || ev.RequestContext.Path != "/prod/pets/7" {
					t.Errorf("decoded: %+v", ev)
				}
			}
		})
	}
}

func TestHelpers(t *testing.T) {
	if got := SourceARN("us-west-2", "919586034543", "oo8kadh853", "elkw5b"); got != "arn:aws:execute-api:us-west-2:919586034543:oo8kadh853/authorizers/elkw5b" {
		t.Errorf("SourceARN %q", got)
	}
	for in, want := range map[string]string{"": "", "abc": "***", "abcdef": "******", "Bearer 1234567": "********234567"} {
		if got := mask(in); got != want {
			t.Errorf("mask(%q) = %q, want %q", in, got, want)
		}
	}
	if got := maskPrincipal("user|a1b2c3bkwef5"); got != "****bkwef5" {
		t.Errorf("maskPrincipal %q", got)
	}
	if got, ok := FunctionARN(uriFor(authFn)); !ok || got != authFn {
		t.Errorf("FunctionARN %q %v", got, ok)
	}
	for _, bad := range []string{"", "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions//invocations", "http://x", uriFor("a/b")} {
		if _, ok := FunctionARN(bad); ok {
			t.Errorf("FunctionARN(%q) ok", bad)
		}
	}
	srcs, err := ParseIdentitySource(" method.request.header.Auth ,method.request.querystring.q,stageVariables.s,context.c")
	if err != nil || len(srcs) != 4 || srcs[0] != "method.request.header.Auth" {
		t.Errorf("ParseIdentitySource %q %v", srcs, err)
	}
	for _, bad := range []string{"method.request.path.id", "method.request.header.", "header.x", "a,,b"} {
		if _, err := ParseIdentitySource(bad); !errors.Is(err, ErrIdentitySource) {
			t.Errorf("ParseIdentitySource(%q) err %v", bad, err)
		}
	}
	long := strings.Repeat("x", 2000)
	l := &logger{}
	l.add(long)
	if len(l.lines[0]) != 1024+len(" [TRUNCATED]") {
		t.Errorf("not truncated: %d", len(l.lines[0]))
	}
}

func TestParseOutputContext(t *testing.T) {
	out, err := ParseOutput([]byte(`{"principalId":"p","policyDocument":{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["execute-api:Invoke"],"Resource":"*"}},"context":{"n":-1e3,"s":"","b":false},"extra":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]string{"n": "-1e3", "s": "", "b": "false"}, out.Context); d != "" {
		t.Errorf("context (-want +got):\n%s", d)
	}
	for _, bad := range []string{``, `[]`, `{"principalId":1,"policyDocument":{}}`, `{"principalId":"p","policyDocument":"x"}`,
		`{"principalId":"p","policyDocument":{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}},"context":[]}`,
		`{"principalId":"p","policyDocument":{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}},"usageIdentifierKey":5}`,
		`{"principalId":"p"} {}`} {
		if _, err := ParseOutput([]byte(bad)); !errors.Is(err, ErrOutput) {
			t.Errorf("ParseOutput(%s) err %v", bad, err)
		}
	}
}

func FuzzParseOutput(f *testing.F) {
	for _, s := range []string{`null`, `{}`, `{"principalId":"p","policyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]},"context":{"a":1,"b":"x","c":true}}`, `{"context":{"o":{}}}`, `[`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := ParseOutput(b)
		if err == nil && (out.Policy == nil || out.PolicyJSON == "") {
			t.Errorf("accepted without a policy: %s", b)
		}
	})
}

func FuzzParseIdentitySource(f *testing.F) {
	for _, s := range []string{"method.request.header.Authorization", "method.request.header.A, method.request.querystring.b", "", ",", "context.x,stageVariables.y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		srcs, err := ParseIdentitySource(s)
		if err == nil {
			for _, x := range srcs {
				if x == "" {
					t.Errorf("empty source from %q", s)
				}
			}
		}
	})
}
