package gateway_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"

	"github.com/portcullis/portcullis/internal/certgen"
	"github.com/portcullis/portcullis/internal/cognito/cognitotest"
	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/demo"
	"github.com/portcullis/portcullis/internal/gateway"
	"github.com/portcullis/portcullis/internal/lambdatest"
	"github.com/portcullis/portcullis/internal/limits"
	"github.com/portcullis/portcullis/internal/store"
)

// scenarioFile is one file of the shared golden corpus under testdata/scenarios: a world (the
// demo or a config file) and requests with the exact response and decision each must produce.
type scenarioFile struct {
	World     string     `yaml:"world"` // "demo" or a config path relative to the scenario file
	Scenarios []scenario `yaml:"scenarios"`
}

type scenario struct {
	Name    string `yaml:"name"`
	Request struct {
		// Listener is "default" (the default), "tls" (the gateway's TLS listener: custom domains
		// by SNI, with mutual TLS where the domain has a truststore; the request goes over HTTPS
		// with SNI = Host), or a VPC endpoint id.
		Listener string `yaml:"listener"`
		// ClientCert is the client certificate presented in the TLS handshake (tls listener
		// only; the demo world's PKI, see clientCertFiles): none (the default), trusted,
		// wrong-ca, self-signed or expired.
		ClientCert string            `yaml:"clientCert"`
		Method     string            `yaml:"method"`
		Host       string            `yaml:"host"`
		Path       string            `yaml:"path"`
		Headers    map[string]string `yaml:"headers"`
		Body       string            `yaml:"body"`
		// BodyBytes, when set, replaces Body with that many bytes of "x" (payload limits).
		BodyBytes int `yaml:"bodyBytes"`
		// Sign signs the request with the AWS SDK's SigV4 signer (a real client).
		Sign *signSpec `yaml:"sign"`
		// Cognito puts a freshly minted Cognito token in the Authorization header.
		Cognito *cognitoSpec `yaml:"cognito"`
	} `yaml:"request"`
	Expect struct {
		Status int `yaml:"status"`
		// Headers must match exactly; the value "*" means "present"; "" means "absent".
		Headers      map[string]string `yaml:"headers"`
		Body         *string           `yaml:"body"`
		BodyContains []string          `yaml:"bodyContains"`
		Cause        string            `yaml:"cause"`
		Outcome      string            `yaml:"outcome"`
		ResponseType string            `yaml:"responseType"`
		ResourcePath string            `yaml:"resourcePath"`
		Evidence     []string          `yaml:"evidenceContains"`
		ExecLog      []string          `yaml:"execLogContains"`
	} `yaml:"expect"`
}

// signSpec says how to sign a scenario request.
type signSpec struct {
	AccessKeyID     string `yaml:"accessKeyId"`
	SecretAccessKey string `yaml:"secretAccessKey"`
	SessionToken    string `yaml:"sessionToken"`
	Region          string `yaml:"region"`  // default us-east-1
	Service         string `yaml:"service"` // default execute-api
	Skew            string `yaml:"skew"`    // signing time relative to now, e.g. "-6m"
	Presign         bool   `yaml:"presign"`
	// Tamper changes a signed part after signing: "query" or "body".
	Tamper string `yaml:"tamper"`
}

// sign signs req (whose body is body) as the spec says.
func (s *signSpec) sign(t *testing.T, req *http.Request, body string) *http.Request {
	t.Helper()
	region, service := s.Region, s.Service
	if region == "" {
		region = "us-east-1"
	}
	if service == "" {
		service = "execute-api"
	}
	at := time.Now()
	if s.Skew != "" {
		d, err := time.ParseDuration(s.Skew)
		if err != nil {
			t.Fatal(err)
		}
		at = at.Add(d)
	}
	creds := aws.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey, SessionToken: s.SessionToken}
	sum := sha256.Sum256([]byte(body))
	signer := v4.NewSigner()
	if s.Presign {
		u, hdr, err := signer.PresignHTTP(context.Background(), creds, req, "UNSIGNED-PAYLOAD", service, region, at)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := http.NewRequest(req.Method, u, strings.NewReader(body))
		out.Host = req.Host
		for k, v := range hdr {
			if !strings.EqualFold(k, "Host") {
				out.Header[k] = v
			}
		}
		req = out
	} else if err := signer.SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, region, at); err != nil {
		t.Fatal(err)
	}
	switch s.Tamper {
	case "":
	case "query":
		req.URL.RawQuery = strings.TrimPrefix(req.URL.RawQuery+"&extra=1", "&")
	case "body":
		req.Body = io.NopCloser(strings.NewReader(body + "!"))
		req.ContentLength = int64(len(body) + 1)
	default:
		t.Fatalf("unknown tamper %q", s.Tamper)
	}
	return req
}

// cognitoSpec mints a Cognito token with the fixed test key (kid-0) of worlds/cognito.
type cognitoSpec struct {
	Use     string   `yaml:"use"` // id or access
	Scopes  []string `yaml:"scopes"`
	Groups  []string `yaml:"groups"`
	Expired bool     `yaml:"expired"`
	Issuer  string   `yaml:"issuer"` // default: the test pool's
	Kid     string   `yaml:"kid"`    // default kid-0
}

func (c *cognitoSpec) token() string {
	now := time.Now()
	if c.Expired {
		now = now.Add(-2 * time.Hour)
	}
	iss := c.Issuer
	if iss == "" {
		iss = cognitotest.Issuer
	}
	var claims map[string]any
	if c.Use == "access" {
		claims = cognitotest.AccessClaims(iss, cognitotest.ClientID, "11111111-2222-3333-4444-555555555555", now, c.Scopes...)
	} else {
		claims = cognitotest.IDClaims(iss, cognitotest.ClientID, "11111111-2222-3333-4444-555555555555", now, c.Groups...)
	}
	kid := c.Kid
	if kid == "" {
		kid = "kid-0"
	}
	return cognitotest.Sign(cognitotest.FixedKey(0, kid), claims)
}

// worldFor loads a scenario world and points its backends at servers started for the test.
func worldFor(t *testing.T, dir, name string) *config.World {
	t.Helper()
	w, _ := loadWorld(t, dir, name)
	return w
}

// loadWorld is worldFor that also returns, for the demo world, the PKI its custom domains use
// (nil for other worlds): TLS scenarios take the server's CA and their client certificates from it.
func loadWorld(t *testing.T, dir, name string) (*config.World, *certgen.Set) {
	t.Helper()
	var w *config.World
	var err error
	backend := httptest.NewServer(demo.Backend())
	t.Cleanup(backend.Close)
	addr := strings.TrimPrefix(backend.URL, "http://")
	if name == "demo" {
		// The demo backend also serves the demo world's Lambda functions.
		base := t.TempDir()
		w, err := demo.Load(base, addr)
		if err != nil {
			t.Fatalf("loading the demo world: %v", err)
		}
		for _, api := range w.APIList {
			for _, st := range api.StageList {
				st.AccessLog = nil
			}
		}
		return w, demoPKI(t, base)
	}
	w, err = config.Load(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("loading world %s: %v", name, err)
	}
	lam := lambdatest.New(lambdaFunctions())
	t.Cleanup(lam.Close)
	// Tests own this freshly compiled world until the gateway starts serving it.
	w.LambdaEndpoint = lam.URL()
	for fn := range w.LambdaFunctions {
		w.LambdaFunctions[fn] = lam.URL()
	}
	for _, api := range w.APIList {
		for _, st := range api.StageList {
			if v, ok := st.Variables["backend"]; ok && v != "127.0.0.1:9" { // port 9 (discard) stays: a backend that is down
				st.Variables["backend"] = addr
			}
			if v, ok := st.Variables["echo"]; ok && v == "demo-backend" {
				st.Variables["echo"] = addr
			}
			if st.AccessLog != nil {
				st.AccessLog = nil // access logs are tested in the logs package and the CLI test
			}
		}
	}
	return w, nil
}

// demoPKI returns the paths of the certificates demo.Load generated under baseDir/certs for the
// demo's custom domains (the server certificate of api/mtls.demo.localhost, the truststore of
// mtls.demo.localhost, and good and bad client certificates). certgen.Generate only names the
// files when valid ones are there; the test fails if it rewrote any, since the world loaded
// before trusts the old ones.
func demoPKI(t *testing.T, baseDir string) *certgen.Set {
	t.Helper()
	dir := filepath.Join(baseDir, "certs")
	snapshot := func() map[string]string {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatalf("the demo world's certificates: %v", err)
		}
		out := map[string]string{}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatalf("the demo world's certificates: %v", err)
			}
			out[e.Name()] = string(b)
		}
		return out
	}
	before := snapshot()
	if len(before) == 0 {
		t.Fatalf("demo.Load wrote no certificates under %s", dir)
	}
	set, err := certgen.Generate(certgen.Options{Dir: dir, Hosts: []string{demo.DomainAPI, demo.DomainMTLS}})
	if err != nil {
		t.Fatalf("naming the demo world's certificates: %v", err)
	}
	if !maps.Equal(before, snapshot()) {
		t.Fatalf("certgen.Generate rewrote the demo world's certificates under %s: the files no longer match the loaded world", dir)
	}
	return set
}

// clientCertFiles maps a scenario's request.clientCert to PEM files of the demo PKI: the client
// certificate and its key; "" and "none" send none. Each bad
// certificate is one API Gateway rejects with 403 and its own reason (facts §8.5, §3.3).
func clientCertFiles(pki *certgen.Set, name string) (cert, key string, err error) {
	switch name {
	case "", "none":
		return "", "", nil
	case "trusted": // issued by the truststore's intermediate CA
		return pki.ClientCert, pki.ClientKey, nil
	case "wrong-ca": // issued by an unrelated root: "Could not find issuer for certificate"
		return pki.WrongCAClientCert, pki.WrongCAClientKey, nil
	case "self-signed": // "self signed certificate"
		return pki.SelfSignedClientCert, pki.SelfSignedClientKey, nil
	case "expired": // issued by the truststore's intermediate, expired a day ago
		return pki.ExpiredClientCert, pki.ExpiredClientKey, nil
	}
	return "", "", fmt.Errorf("request.clientCert %q: want none, trusted, wrong-ca, self-signed or expired", name)
}

// scenarioTLS is the client side of a tls-listener scenario: SNI is the scenario's host (the
// gateway picks the custom domain by SNI), the server certificate is verified against the demo
// CA, and the client certificate, if any, is the scenario's.
func scenarioTLS(pki *certgen.Set, sc scenario) (*tls.Config, error) {
	if pki == nil {
		return nil, errors.New("listener tls: the world has no generated PKI (only the demo world has one)")
	}
	pemCA, err := os.ReadFile(pki.CAFile)
	if err != nil {
		return nil, fmt.Errorf("the demo CA: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pemCA) {
		return nil, fmt.Errorf("the demo CA %s holds no certificate", pki.CAFile)
	}
	cfg := &tls.Config{ServerName: sc.Request.Host, RootCAs: roots, MinVersion: tls.VersionTLS12}
	certFile, keyFile, err := clientCertFiles(pki, sc.Request.ClientCert)
	if err != nil {
		return nil, err
	}
	if certFile != "" {
		kp, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("client certificate %s: %w", sc.Request.ClientCert, err)
		}
		cfg.Certificates = []tls.Certificate{kp}
	}
	return cfg, nil
}

// startScenarioServer starts the httptest server of one listener: plain HTTP, or for "tls" the
// gateway's TLS listener (its TLSConfig: custom-domain certificates by SNI, a client
// certificate requested where the domain has a truststore).
func startScenarioServer(gw *gateway.Gateway, listener string) *httptest.Server {
	if listener != "tls" {
		return httptest.NewServer(gw.Handler(listener))
	}
	srv := httptest.NewUnstartedServer(gw.Handler(listener))
	srv.TLS = gw.TLSConfig()
	srv.StartTLS()
	return srv
}

// scenarioClient is the HTTP client for one scenario: the server's own for plain HTTP, and for
// the TLS listener a fresh one with the scenario's TLS settings (its caller closes it).
func scenarioClient(srv *httptest.Server, listener string, pki *certgen.Set, sc scenario) (*http.Client, error) {
	if listener != "tls" {
		if sc.Request.ClientCert != "" {
			return nil, fmt.Errorf("request.clientCert %q needs listener: tls, not %q", sc.Request.ClientCert, listener)
		}
		return srv.Client(), nil
	}
	cfg, err := scenarioTLS(pki, sc)
	if err != nil {
		return nil, err
	}
	// HTTP/2 where the domain offers it by ALPN, as curl and browsers negotiate it.
	tr := &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true, DisableKeepAlives: true}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}, nil
}

// scenarioFiles reads every file of the corpus, strictly (unknown fields are errors).
func scenarioFiles(t *testing.T) (paths []string, files []scenarioFile) {
	t.Helper()
	paths, err := filepath.Glob("../../testdata/scenarios/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scenario files: %v", err)
	}
	for _, file := range paths {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var sf scenarioFile
		if err := yaml.UnmarshalWithOptions(data, &sf, yaml.DisallowUnknownField()); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		files = append(files, sf)
	}
	return paths, files
}

func TestScenarios(t *testing.T) {
	paths, files := scenarioFiles(t)
	total := 0
	for i, file := range paths {
		sf := files[i]
		t.Run(filepath.Base(file), func(t *testing.T) {
			world, pki := loadWorld(t, filepath.Dir(file), sf.World)
			mem := store.NewMemory(1000)
			lim, err := limits.NewEmbedded("", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer lim.Close()
			gw := gateway.New(world, gateway.Options{Decisions: mem, Limits: lim})
			servers := map[string]*httptest.Server{}
			defer func() {
				for _, srv := range servers {
					srv.Close()
				}
			}()
			for _, sc := range sf.Scenarios {
				total++
				l := sc.Request.Listener
				if l == "" {
					l = "default"
				}
				if servers[l] == nil {
					servers[l] = startScenarioServer(gw, l)
				}
				t.Run(sc.Name, func(t *testing.T) {
					client, err := scenarioClient(servers[l], l, pki, sc)
					if err != nil {
						t.Fatal(err)
					}
					defer client.CloseIdleConnections()
					runScenario(t, servers[l], client, mem, sc)
				})
			}
		})
	}
	t.Logf("%d scenarios", total)
}

// newScenarioRequest builds the request a scenario sends, to base (scheme://authority) with the
// scenario's Host header: its method, path, headers and body (bodyBytes expanded), a Cognito
// token and the SigV4 signature when the scenario asks for them.
func newScenarioRequest(t *testing.T, sc scenario, base string) (*http.Request, error) {
	t.Helper()
	method := sc.Request.Method
	if method == "" {
		method = http.MethodGet
	}
	body := sc.Request.Body
	if sc.Request.BodyBytes > 0 {
		body = strings.Repeat("x", sc.Request.BodyBytes)
	}
	req, err := http.NewRequest(method, base+sc.Request.Path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Host = sc.Request.Host
	for k, v := range sc.Request.Headers {
		req.Header.Set(k, v)
	}
	if sc.Request.Cognito != nil {
		req.Header.Set("Authorization", sc.Request.Cognito.token())
	}
	if sc.Request.Sign != nil {
		req = sc.Request.Sign.sign(t, req, body)
	}
	return req, nil
}

func runScenario(t *testing.T, srv *httptest.Server, client *http.Client, mem *store.Memory, sc scenario) {
	req, err := newScenarioRequest(t, sc, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Request.Listener == "tls" {
		checkScenarioTLS(t, resp, sc)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	e := sc.Expect
	if resp.StatusCode != e.Status {
		t.Errorf("status = %d, want %d (body %q)", resp.StatusCode, e.Status, body)
	}
	if e.Body != nil {
		if diff := cmp.Diff(*e.Body, string(body)); diff != "" {
			t.Errorf("body (-want +got):\n%s", diff)
		}
	}
	for _, s := range e.BodyContains {
		if !strings.Contains(string(body), s) {
			t.Errorf("body %q lacks %q", body, s)
		}
	}
	keys := make([]string, 0, len(e.Headers))
	for k := range e.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		want := e.Headers[k]
		got, present := resp.Header[http.CanonicalHeaderKey(k)]
		switch {
		case want == "" && present:
			t.Errorf("header %s = %q, want absent", k, got)
		case want == "*" && !present:
			t.Errorf("header %s absent", k)
		case want != "" && want != "*" && (len(got) != 1 || got[0] != want):
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	for _, h := range []string{"X-Amzn-Requestid", "X-Amz-Apigw-Id"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("missing %s", h)
		}
	}
	id := resp.Header.Get("x-amzn-RequestId")
	// The decision is recorded when the handler returns, which can be just after the client has
	// read the last byte of a streamed response.
	d, ok := mem.Get(id)
	for deadline := time.Now().Add(2 * time.Second); !ok && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		d, ok = mem.Get(id)
	}
	if !ok {
		t.Fatalf("no decision recorded for %s", id)
	}
	if d.Status != resp.StatusCode {
		t.Errorf("decision status %d != response %d", d.Status, resp.StatusCode)
	}
	if d.Cause != e.Cause {
		t.Errorf("cause = %q, want %q (reason: %s)", d.Cause, e.Cause, d.Reason)
	}
	if e.Outcome != "" && string(d.Outcome) != e.Outcome {
		t.Errorf("outcome = %q, want %q", d.Outcome, e.Outcome)
	}
	if e.ResponseType != "" && d.ResponseType != e.ResponseType {
		t.Errorf("responseType = %q, want %q", d.ResponseType, e.ResponseType)
	}
	if e.ResourcePath != "" && d.API.ResourcePath != e.ResourcePath {
		t.Errorf("resourcePath = %q, want %q", d.API.ResourcePath, e.ResourcePath)
	}
	if et := resp.Header.Get("x-amzn-ErrorType"); et != d.ErrorType {
		t.Errorf("x-amzn-ErrorType %q != decision errorType %q", et, d.ErrorType)
	}
	all := strings.Join(append(append([]string{d.Reason}, d.Evidence...), d.Remedy...), "\n")
	for _, s := range e.Evidence {
		if !strings.Contains(all, s) {
			t.Errorf("decision reason/evidence/remedy lacks %q:\n%s", s, all)
		}
	}
	logText := strings.Join(d.ExecutionLog, "\n")
	for _, s := range e.ExecLog {
		if !strings.Contains(logText, s) {
			t.Errorf("execution log lacks %q:\n%s", s, logText)
		}
	}
	if t.Failed() {
		j, _ := json.MarshalIndent(d, "", "  ")
		t.Logf("decision: %s", j)
	}
}

// checkScenarioTLS verifies that a tls-listener response really came over TLS from the custom
// domain the scenario names: the certificate the gateway picked by SNI covers that host.
func checkScenarioTLS(t *testing.T, resp *http.Response, sc scenario) {
	t.Helper()
	cs := resp.TLS
	if cs == nil {
		t.Fatal("listener tls: the response did not come over TLS")
	}
	if err := cs.PeerCertificates[0].VerifyHostname(sc.Request.Host); err != nil {
		t.Errorf("the gateway's certificate for SNI %s: %v", sc.Request.Host, err)
	}
}

// lambdaFunctions are the functions the example worlds invoke.
func lambdaFunctions() map[string]any {
	type resp struct {
		StatusCode int               `json:"statusCode"`
		Headers    map[string]string `json:"headers"`
		Body       string            `json:"body"`
	}
	return map[string]any{
		"arn:aws:lambda:us-east-1:123456789012:function:orders": func(ev map[string]any) (resp, error) {
			out := map[string]any{"resource": ev["resource"], "path": ev["path"], "httpMethod": ev["httpMethod"], "pathParameters": ev["pathParameters"]}
			if rc, _ := ev["requestContext"].(map[string]any); rc != nil && rc["authorizer"] != nil {
				out["authorizer"] = rc["authorizer"]
			}
			b, _ := json.Marshal(out)
			return resp{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(b)}, nil
		},
		// The orders example's REQUEST authorizer: Allow for the token "allow-token" (with a
		// context and, for AUTHORIZER key sources, a usage identifier key), Deny otherwise, and
		// "Unauthorized" for the token "bad".
		"arn:aws:lambda:us-east-1:123456789012:function:orders-authorizer": func(ev map[string]any) (map[string]any, error) {
			hdr, _ := ev["headers"].(map[string]any)
			tok, _ := hdr["Authorization"].(string)
			if tok == "bad" {
				return nil, errors.New("Unauthorized")
			}
			effect, resource := "Deny", ev["methodArn"]
			switch tok {
			case "allow-token":
				effect = "Allow"
			case "other-resource": // a policy that says nothing about this method: Neither
				effect, resource = "Allow", "arn:aws:execute-api:us-east-1:123456789012:elsewhere1/*/*"
			}
			out := map[string]any{
				"principalId": "user-42",
				"policyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{
					map[string]any{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}}},
				"context": map[string]any{"tenant": "acme", "tier": 3, "beta": true},
			}
			if q, _ := ev["queryStringParameters"].(map[string]any); q["plan"] == "metered" {
				out["usageIdentifierKey"] = "meteredkey0123456789"
			}
			return out, nil
		},
		"arn:aws:lambda:us-east-1:123456789012:function:broken": func() (map[string]any, error) {
			return map[string]any{"statusCode": 200, "body": map[string]any{"not": "a string"}}, nil
		},
		"arn:aws:lambda:us-east-1:123456789012:function:throws": func() (map[string]any, error) {
			return nil, errors.New("boom")
		},
	}
}
