package probe_test

// Tests run the real gateway (internal/gateway) on the embedded demo world behind httptest
// listeners on 127.0.0.1 — the default listener, the demo VPC endpoint's listener, a TLS
// listener with the demo's custom domains (real TLS with SNI and a client-certificate request)
// and the admin API — and probe it through an injected resolver that maps AWS-style names to
// loopback, so no real DNS is asked. A recorder in front of each listener sees every request
// the probe sends.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portcullis/portcullis/internal/admin"
	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/demo"
	"github.com/portcullis/portcullis/internal/diagnose/probe"
	"github.com/portcullis/portcullis/internal/gateway"
	"github.com/portcullis/portcullis/internal/limits"
	"github.com/portcullis/portcullis/internal/mtls"
	"github.com/portcullis/portcullis/internal/store"
)

// recorded is one request as the gateway received it.
type recorded struct {
	Method, Path, RawQuery, Host string
	Header                       http.Header
}

type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

func (r *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.reqs = append(r.reqs, recorded{req.Method, req.URL.EscapedPath(), req.URL.RawQuery, req.Host, req.Header.Clone()})
		r.mu.Unlock()
		h.ServeHTTP(w, req)
	})
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

// demoWorld is the demo world served by the real gateway.
type demoWorld struct {
	def, vpce, tls, admin *httptest.Server
	rec                   *recorder
	certDir               string
	world                 *config.World
}

func newDemoWorld(t *testing.T) *demoWorld {
	t.Helper()
	backend := httptest.NewServer(demo.Backend())
	t.Cleanup(backend.Close)
	dir := t.TempDir()
	w, err := demo.Load(dir, strings.TrimPrefix(backend.URL, "http://"))
	if err != nil {
		t.Fatalf("loading the demo world: %v", err)
	}
	for _, api := range w.APIList {
		for _, st := range api.StageList {
			st.AccessLog = nil
		}
	}
	mem := store.NewMemory(1000)
	lim, err := limits.NewEmbedded("", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lim.Close() })
	gw := gateway.New(w, gateway.Options{Decisions: mem, Limits: lim})
	t.Cleanup(func() { _ = gw.Close() })

	d := &demoWorld{rec: &recorder{}, certDir: filepath.Join(dir, "certs"), world: w}
	d.def = httptest.NewServer(d.rec.wrap(gw.Handler("default")))
	t.Cleanup(d.def.Close)
	d.vpce = httptest.NewServer(d.rec.wrap(gw.Handler("vpce-0demo")))
	t.Cleanup(d.vpce.Close)
	// The TLS listener as `portcullis serve` configures it: the custom domain's certificate by
	// SNI, and a client-certificate request for mutual-TLS domains.
	d.tls = httptest.NewUnstartedServer(d.rec.wrap(gw.Handler("tls")))
	d.tls.TLS = &tls.Config{MinVersion: tls.VersionTLS12, GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		dn := w.Domains[strings.ToLower(hello.ServerName)]
		if dn == nil || dn.Certificate == nil {
			return nil, fmt.Errorf("no domain %q", hello.ServerName)
		}
		cfg, err := mtls.SecurityPolicy(dn.SecurityPolicy)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{*dn.Certificate}
		if dn.Truststore != nil {
			mtls.RequestClientCert(cfg)
		}
		return cfg, nil
	}}
	d.tls.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes the tests make fail on purpose
	d.tls.StartTLS()
	t.Cleanup(d.tls.Close)
	d.admin = httptest.NewServer(admin.Handler(admin.Options{Decisions: mem}))
	t.Cleanup(d.admin.Close)
	return d
}

func port(s *httptest.Server) string {
	_, p, _ := net.SplitHostPort(s.Listener.Addr().String())
	return p
}

func (d *demoWorld) url(s *httptest.Server, host, path string) string {
	return "http://" + host + ":" + port(s) + path
}

func (d *demoWorld) adminAddr() string { return strings.TrimPrefix(d.admin.URL, "http://") }

// fakeResolver answers from a table and records what it was asked; anything else is NXDOMAIN.
type fakeResolver struct {
	mu    sync.Mutex
	hosts map[string][]string
	asked []string
}

func (f *fakeResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, host)
	ips, ok := f.hosts[strings.ToLower(host)]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []net.IPAddr
	for _, s := range ips {
		out = append(out, net.IPAddr{IP: net.ParseIP(s)})
	}
	return out, nil
}

const (
	petsHost     = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
	iamHost      = "iamdemo001.execute-api.us-east-1.amazonaws.com"
	privateHost  = "privdemo01.execute-api.us-east-1.amazonaws.com"
	disabledHost = "z9y8x7w6v5.execute-api.us-east-1.amazonaws.com"
	vpceHost     = "vpce-0demo-1a2b3c4d.execute-api.us-east-1.vpce.amazonaws.com"
)

func loopbackResolver() *fakeResolver {
	return &fakeResolver{hosts: map[string][]string{
		petsHost: {"127.0.0.1"}, iamHost: {"127.0.0.1"}, privateHost: {"127.0.0.1"}, disabledHost: {"127.0.0.1"},
		vpceHost: {"127.0.0.1"}, demo.DomainAPI: {"127.0.0.1"}, demo.DomainMTLS: {"127.0.0.1"},
	}}
}

func run(t *testing.T, o probe.Options) *probe.Report {
	t.Helper()
	if o.Resolver == nil {
		o.Resolver = loopbackResolver()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := probe.Run(ctx, o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if rep.Version != 1 {
		t.Errorf("version %d, want 1", rep.Version)
	}
	if rep.Requests > rep.MaxRequests || rep.Requests != len(rep.Probes) {
		t.Errorf("%d requests, %d probes, at most %d", rep.Requests, len(rep.Probes), rep.MaxRequests)
	}
	if t.Failed() || testing.Verbose() {
		_ = probe.WriteText(&testWriter{t}, rep)
	}
	return rep
}

type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

func top(t *testing.T, rep *probe.Report) []string {
	t.Helper()
	var ids []string
	for _, c := range rep.Conclusion.Causes {
		if c.Rank == 1 {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

func probeNamed(rep *probe.Report, name string) (probe.Probe, bool) {
	for _, p := range rep.Probes {
		if p.Name == name {
			return p, true
		}
	}
	return probe.Probe{}, false
}

func TestRouteNotFound(t *testing.T) {
	d := newDemoWorld(t)
	rep := run(t, probe.Options{URL: d.url(d.def, petsHost, "/prod/nope")})
	if got := top(t, rep); len(got) != 1 || got[0] != "route-not-found" {
		t.Fatalf("rank 1 = %v, want [route-not-found]", got)
	}
	c := rep.Conclusion.Causes[0]
	if c.Confidence != probe.High || c.Exact || rep.Conclusion.Exact {
		t.Errorf("candidate %+v: want high confidence, inferred", c)
	}
	sig, ok := probeNamed(rep, probe.ProbeSigV4Dummy)
	if !ok || sig.ErrorType != "MissingAuthenticationTokenException" {
		t.Errorf("sigv4-dummy probe: %+v", sig)
	}
	ns, ok := probeNamed(rep, probe.ProbeNonSigV4Dummy)
	if !ok || ns.ErrorType != "IncompleteSignatureException" || !strings.HasSuffix(ns.Message, "Authorization=portcullis-probe") {
		t.Errorf("non-sigv4-dummy probe: %+v", ns)
	}
	if sr, ok := probeNamed(rep, probe.ProbeStageRoot); !ok || sr.Status != 200 {
		t.Errorf("stage root: %+v", sr)
	}
	if rep.Target.Kind != probe.KindExecuteAPI || rep.Target.APIID != "a1b2c3d4e5" || rep.Target.Region != "us-east-1" || rep.Target.Stage != "prod" {
		t.Errorf("target %+v", rep.Target)
	}
	if len(rep.DNS) != 1 || rep.DNS[0].Summary != probe.ClassLoopback {
		t.Errorf("dns %+v", rep.DNS)
	}
	if n := len(d.rec.all()); n != rep.Requests {
		t.Errorf("the gateway saw %d requests, the report says %d", n, rep.Requests)
	}
}

func TestMissingAuthenticationToken(t *testing.T) {
	d := newDemoWorld(t)
	now := time.Now().UTC()
	rep := run(t, probe.Options{URL: d.url(d.def, iamHost, "/prod/whoami"), Now: func() time.Time { return now }})
	if got := top(t, rep); len(got) != 1 || got[0] != "missing-authentication-token" {
		t.Fatalf("rank 1 = %v, want [missing-authentication-token]", got)
	}
	sig, _ := probeNamed(rep, probe.ProbeSigV4Dummy)
	if sig.Message != "The security token included in the request is invalid." {
		t.Errorf("sigv4-dummy message %q", sig.Message)
	}
	// The dummy is obviously fake: AWS's documented example key, a zero signature, now.
	var seen bool
	for _, r := range d.rec.all() {
		a := r.Header.Get("Authorization")
		if !strings.HasPrefix(a, "AWS4-HMAC-SHA256 ") {
			continue
		}
		seen = true
		want := "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/" + now.Format("20060102") + "/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("0", 64)
		if a != want || r.Header.Get("X-Amz-Date") != now.Format("20060102T150405Z") {
			t.Errorf("dummy SigV4 header %q, X-Amz-Date %q", a, r.Header.Get("X-Amz-Date"))
		}
	}
	if !seen {
		t.Error("no SigV4-shaped dummy was sent")
	}
}

func TestStageNotFound(t *testing.T) {
	d := newDemoWorld(t)
	rep := run(t, probe.Options{URL: d.url(d.def, petsHost, "/nostage/pets")})
	if got := top(t, rep); len(got) != 1 || got[0] != "stage-not-found" {
		t.Fatalf("rank 1 = %v, want [stage-not-found]", got)
	}
	ev := strings.Join(rep.Conclusion.Causes[0].Evidence, "\n")
	if !strings.Contains(ev, `stage "prod" exists`) {
		t.Errorf("evidence does not name the existing stage:\n%s", ev)
	}
	sw, ok := probeNamed(rep, probe.ProbeStageSwap)
	if !ok || sw.Status != 200 || !strings.HasSuffix(sw.URL, "/prod/pets") {
		t.Errorf("stage-swap probe %+v", sw)
	}
	// The guesses stop at the first stage that exists.
	if n := len(rep.Probes); n != 4 {
		t.Errorf("%d probes, want as-given, stage-root, one guess, stage-swap", n)
	}
}

func TestUnreachableAPIsAreTiedWithoutAdmin(t *testing.T) {
	d := newDemoWorld(t)
	for _, host := range []string{privateHost, disabledHost} {
		t.Run(host, func(t *testing.T) {
			rep := run(t, probe.Options{URL: d.url(d.def, host, "/prod/pets")})
			got := strings.Join(top(t, rep), ",")
			if got != "private-api-wrong-endpoint,default-endpoint-disabled,stage-not-found" {
				t.Errorf("rank 1 = %s, want the three byte-identical causes tied", got)
			}
			if !strings.Contains(strings.Join(rep.Conclusion.Reasoning, "\n"), "HTTP alone cannot tell them apart") {
				t.Errorf("the reasoning does not say the tie is honest:\n%s", strings.Join(rep.Conclusion.Reasoning, "\n"))
			}
			if rep.Requests != probe.DefaultMaxRequests-2 { // as-given, stage root, 8 guesses
				t.Errorf("%d requests", rep.Requests)
			}
		})
	}
}

func TestExactWithAdmin(t *testing.T) {
	d := newDemoWorld(t)
	for _, tc := range []struct {
		name, url string
		headers   http.Header
		want      string
	}{
		{"private API on the public endpoint", d.url(d.def, privateHost, "/prod/pets"), nil, "private-api-wrong-endpoint"},
		{"disabled default endpoint", d.url(d.def, disabledHost, "/prod/pets"), nil, "default-endpoint-disabled"},
		{"VPC endpoint name without naming the API", d.url(d.vpce, vpceHost, "/prod/pets"), nil, "private-api-wrong-endpoint"},
		{"stage not found", d.url(d.def, petsHost, "/nostage/pets"), nil, "stage-not-found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := run(t, probe.Options{URL: tc.url, Headers: tc.headers, Admin: d.adminAddr()})
			c := rep.Conclusion
			if !c.Exact || len(c.Causes) == 0 || c.Causes[0].ID != tc.want || !c.Causes[0].Exact || c.Causes[0].Confidence != probe.Exact || c.Causes[0].Rank != 1 {
				t.Fatalf("conclusion %+v, want exact %s", c, tc.want)
			}
			for _, k := range c.Causes[1:] {
				if k.Rank < 2 || k.Exact {
					t.Errorf("candidate after the exact one: %+v", k)
				}
			}
			if rep.Admin == nil || rep.Admin.Decisions != len(rep.Probes) || rep.Admin.Error != "" {
				t.Errorf("admin %+v for %d probes", rep.Admin, len(rep.Probes))
			}
			if d := rep.Probes[0].Decision; d == nil || d.Cause != tc.want {
				t.Errorf("as-given decision %+v", d)
			}
		})
	}
}

func TestVPCEndpointNameWithoutAPI(t *testing.T) {
	d := newDemoWorld(t)
	rep := run(t, probe.Options{URL: d.url(d.vpce, vpceHost, "/prod/pets")})
	if got := top(t, rep); len(got) != 1 || got[0] != "private-api-wrong-endpoint" {
		t.Fatalf("rank 1 = %v", got)
	}
	if rep.Target.Kind != probe.KindVPCEndpoint || rep.Target.VPCEndpointID != "vpce-0demo" {
		t.Errorf("target %+v", rep.Target)
	}
	if rep.Requests != 1 {
		t.Errorf("%d requests: no stage can be found when the Host names no API", rep.Requests)
	}
	// Naming the API with x-apigw-api-id makes it work (facts §7).
	rep = run(t, probe.Options{URL: d.url(d.vpce, vpceHost, "/prod/pets"), Headers: http.Header{"X-Apigw-Api-Id": {"privdemo01"}}})
	if rep.Conclusion.Outcome != "allowed" || rep.Probes[0].Status != 200 {
		t.Errorf("with x-apigw-api-id: %+v", rep.Conclusion)
	}
}

// TestHostHeaderThroughVPCEndpoint: -H 'Host: …' with the URL on the endpoint's address.
func TestHostHeaderThroughVPCEndpoint(t *testing.T) {
	d := newDemoWorld(t)
	url := "http://127.0.0.1:" + port(d.vpce) + "/prod/pets"
	rep := run(t, probe.Options{URL: url, Headers: http.Header{"Host": {privateHost}}})
	if rep.Conclusion.Outcome != "allowed" || rep.Probes[0].Host != privateHost || rep.Requests != 1 {
		t.Fatalf("private API through its endpoint with Host: %+v %+v", rep.Conclusion, rep.Probes[0])
	}
	if len(rep.DNS) != 2 || rep.DNS[0].Role != "url" || rep.DNS[0].Summary != probe.ClassLoopback || rep.DNS[1].Role != "host-header" || rep.DNS[1].Name != privateHost {
		t.Errorf("dns %+v", rep.DNS)
	}
	// A public API the same way: Forbidden everywhere; the x-apigw-api-id probe is sent too.
	rep = run(t, probe.Options{URL: url, Headers: http.Header{"Host": {petsHost}}, Admin: d.adminAddr()})
	if _, ok := probeNamed(rep, probe.ProbeAPIIDHeader); !ok {
		t.Error("no x-apigw-api-id probe")
	}
	if c := rep.Conclusion.Causes; len(c) == 0 || c[0].ID != "public-api-via-private-dns" || !c[0].Exact {
		t.Errorf("conclusion %+v", rep.Conclusion)
	}
	inferred := false
	for _, k := range rep.Conclusion.Causes[1:] {
		inferred = inferred || k.ID == "stage-not-found"
	}
	if !inferred {
		t.Errorf("the inferred candidates are not kept after the exact one: %+v", rep.Conclusion.Causes)
	}
}

// TestPrivateDNS: an execute-api name that resolves to a private address (private DNS of an
// interface endpoint) and answers Forbidden everywhere: a public API through the endpoint.
func TestPrivateDNS(t *testing.T) {
	d := newDemoWorld(t)
	res := &fakeResolver{hosts: map[string][]string{petsHost: {"10.0.12.34"}}}
	vpceAddr := d.vpce.Listener.Addr().String()
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var dl net.Dialer // the "VPC endpoint" behind 10.0.12.34 is the demo endpoint's listener
		return dl.DialContext(ctx, network, vpceAddr)
	}}}
	rep := run(t, probe.Options{URL: "http://" + petsHost + "/prod/pets", Resolver: res, Client: client})
	if rep.DNS[0].Summary != probe.ClassPrivate || !strings.Contains(rep.DNS[0].Note, "private DNS") {
		t.Errorf("dns %+v", rep.DNS)
	}
	if got := top(t, rep); len(got) != 1 || got[0] != "public-api-via-private-dns" {
		t.Errorf("rank 1 = %v", got)
	}
}

func TestAllowed(t *testing.T) {
	d := newDemoWorld(t)
	rep := run(t, probe.Options{URL: d.url(d.def, petsHost, "/prod/pets")})
	if rep.Conclusion.Outcome != "allowed" || rep.Requests != 1 || len(rep.Conclusion.Causes) != 0 || rep.Probes[0].Status != 200 {
		t.Errorf("report %+v", rep.Conclusion)
	}
	if rep.Probes[0].RequestID == "" || rep.Probes[0].RemoteAddr != d.def.Listener.Addr().String() {
		t.Errorf("probe %+v", rep.Probes[0])
	}
}

// TestCredentials: the user's credentials go only to the URL as given, on same-method
// same-path probes; every other Authorization is one of the two dummies; nothing secret is in
// the report, not even where the gateway echoes the Authorization header.
func TestCredentials(t *testing.T) {
	const (
		userAuth  = "Bearer user-secret-token-0123456789"
		userKey   = "user-api-key-abcdefghij"
		userQuery = "sekrit-query-value-123"
	)
	for _, tc := range []struct{ name, host, path string }{
		{"route not found", petsHost, "/prod/nope"},
		{"stage not found", petsHost, "/nostage/pets"},
		{"IAM method", iamHost, "/prod/whoami"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDemoWorld(t)
			rep := run(t, probe.Options{
				URL:     d.url(d.def, tc.host, tc.path+"?token="+userQuery+"&q=1"),
				Headers: http.Header{"Authorization": {userAuth}, "X-Api-Key": {userKey}, "X-Custom": {"visible"}},
			})
			reqs := d.rec.all()
			if len(reqs) < 2 {
				t.Fatalf("%d requests", len(reqs))
			}
			if reqs[0].Header.Get("Authorization") != userAuth || reqs[0].Header.Get("X-Api-Key") != userKey || !strings.Contains(reqs[0].RawQuery, userQuery) {
				t.Errorf("the as-given request lacks the user's credentials: %+v", reqs[0])
			}
			custom := 0
			for _, r := range reqs {
				a := r.Header.Get("Authorization")
				switch {
				case a == "", a == userAuth, a == "portcullis-probe", strings.HasPrefix(a, "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"):
				default:
					t.Errorf("%s %s sent Authorization %q", r.Method, r.Path, a)
				}
				carries := a == userAuth || r.Header.Get("X-Api-Key") != "" || strings.Contains(r.RawQuery, userQuery)
				if carries && (r.Method != http.MethodGet || r.Path != tc.path) {
					t.Errorf("%s %s?%s carries a user credential (Authorization %q, x-api-key %q)", r.Method, r.Path, r.RawQuery, a, r.Header.Get("X-Api-Key"))
				}
				if r.Header.Get("X-Custom") == "visible" {
					custom++
				}
			}
			bare := 0
			for _, p := range rep.Probes {
				if p.Name == probe.ProbeWithoutHeaders {
					bare++
				}
			}
			if custom != len(reqs)-bare {
				t.Errorf("the non-secret header reached %d of %d requests (%d sent without the user's headers on purpose)", custom, len(reqs), bare)
			}
			js, _ := json.Marshal(rep)
			var text strings.Builder
			_ = probe.WriteText(&text, rep)
			for _, secret := range []string{"user-secret-token-0123456789", userKey, userQuery} {
				if strings.Contains(string(js), secret) || strings.Contains(text.String(), secret) {
					t.Errorf("the report prints %q", secret)
				}
			}
		})
	}
}

// TestEchoedShortAuthorization: the IncompleteSignatureException message quotes the
// Authorization header; a short user value is masked there too.
func TestEchoedShortAuthorization(t *testing.T) {
	d := newDemoWorld(t)
	rep := run(t, probe.Options{URL: d.url(d.def, petsHost, "/prod/nope"), Headers: http.Header{"Authorization": {"abc"}}})
	m := rep.Probes[0].Message
	if rep.Probes[0].ErrorType != "IncompleteSignatureException" || !strings.HasSuffix(m, "Authorization=****") {
		t.Errorf("message %q", m)
	}
	if got := top(t, rep); len(got) != 1 || got[0] != "route-not-found-with-authorization" {
		t.Errorf("rank 1 = %v", got)
	}
	if wa, ok := probeNamed(rep, probe.ProbeWithoutAuth); !ok || wa.ErrorType != "MissingAuthenticationTokenException" {
		t.Errorf("without-authorization probe %+v", wa)
	}
}

func TestMaxRequests(t *testing.T) {
	d := newDemoWorld(t)
	rep := run(t, probe.Options{URL: d.url(d.def, privateHost, "/prod/pets"), MaxRequests: 3})
	if rep.Requests != 3 || len(d.rec.all()) != 3 {
		t.Errorf("%d requests reported, %d received; want 3", rep.Requests, len(d.rec.all()))
	}
}

// TestCustomDomainOverTLS: real TLS with SNI to the demo's custom domain; the URL repeats the
// mapped stage (seed row 16).
func TestCustomDomainOverTLS(t *testing.T) {
	d := newDemoWorld(t)
	pool := x509.NewCertPool()
	pem, err := os.ReadFile(filepath.Join(d.certDir, "truststore.pem"))
	if err != nil || !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("demo truststore: %v", err)
	}
	tc := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	u := "https://" + demo.DomainAPI + ":" + port(d.tls) + "/prod/pets"
	rep := run(t, probe.Options{URL: u, TLSConfig: tc})
	if got := top(t, rep); len(got) != 1 || got[0] != "custom-domain-stage-in-path" {
		t.Fatalf("rank 1 = %v", got)
	}
	if ws, ok := probeNamed(rep, probe.ProbeWithoutStage); !ok || ws.Status != 200 || !strings.HasSuffix(ws.URL, "/pets") {
		t.Errorf("without-stage %+v", ws)
	}
	if rep.TLSClientCertRequested {
		t.Error("a domain without mutual TLS asked for a client certificate?")
	}

	// The mutual-TLS domain asks for a client certificate in the handshake; the probe has none.
	u = "https://" + demo.DomainMTLS + ":" + port(d.tls) + "/v1/pets"
	rep = run(t, probe.Options{URL: u, TLSConfig: tc, Admin: d.adminAddr()})
	if !rep.TLSClientCertRequested {
		t.Error("the client-certificate request was not noticed")
	}
	if c := rep.Conclusion.Causes; len(c) < 2 || c[0].ID != "mtls-certificate-rejected" || !c[0].Exact || c[1].ID != "custom-domain-no-mapping" || c[1].Rank != 2 {
		t.Errorf("causes %+v", c)
	}
	inferred := rep.Conclusion.Reasoning
	if !strings.Contains(strings.Join(inferred, "\n"), "asked for a client certificate") {
		t.Errorf("reasoning %v", inferred)
	}

	// Without the CA the handshake fails: no request completes.
	_, err = probe.Run(context.Background(), probe.Options{URL: u, Resolver: loopbackResolver()})
	if !errors.Is(err, probe.ErrNoResponse) || !strings.Contains(err.Error(), "TLS") {
		t.Errorf("untrusted certificate: %v", err)
	}
}

func TestNoResponse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	rep, err := probe.Run(context.Background(), probe.Options{URL: "http://" + addr + "/prod/pets", Resolver: loopbackResolver()})
	if !errors.Is(err, probe.ErrNoResponse) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err %v", err)
	}
	if rep == nil || rep.Conclusion.Outcome != "unreachable" || rep.Requests != 1 || len(rep.Conclusion.Next) == 0 {
		t.Fatalf("report %+v", rep)
	}

	res := loopbackResolver()
	rep, err = probe.Run(context.Background(), probe.Options{URL: "http://nosuch.example.invalid/x", Resolver: res})
	if !errors.Is(err, probe.ErrNoResponse) || rep.DNS[0].Error == "" || !strings.Contains(rep.Probes[0].Error, "no such host") {
		t.Fatalf("err %v, dns %+v, probe %+v", err, rep.DNS, rep.Probes)
	}
	if len(res.asked) == 0 || res.asked[0] != "nosuch.example.invalid" {
		t.Errorf("the injected resolver was asked %v", res.asked)
	}
}

func TestTimeout(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	start := time.Now()
	_, err := probe.Run(context.Background(), probe.Options{URL: srv.URL + "/prod/x", Timeout: 200 * time.Millisecond})
	if !errors.Is(err, probe.ErrNoResponse) || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("err %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s with a 200ms timeout", d)
	}
}

// TestBodyLimit: at most 64 KiB of a body is read; a backend 403 (no x-amzn-ErrorType) is
// recognised as such.
func TestBodyLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-amzn-RequestId", "11111111-2222-3333-4444-555555555555")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(strings.Repeat("x", 1<<20)))
	}))
	defer srv.Close()
	rep, err := probe.Run(context.Background(), probe.Options{URL: srv.URL + "/prod/x"})
	if err != nil {
		t.Fatal(err)
	}
	p := rep.Probes[0]
	if p.BodyBytes != probe.MaxBody || !p.BodyTruncated {
		t.Errorf("body %d bytes, truncated %v", p.BodyBytes, p.BodyTruncated)
	}
	if got := top(t, rep); len(got) != 1 || got[0] != "backend-403" {
		t.Errorf("rank 1 = %v", got)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, o := range []probe.Options{
		{URL: "ftp://example.com/x"},
		{URL: "http:///nohost"},
		{URL: "http://example.com/x", Method: "POST"},
		{URL: "http://example.com/x", Method: "DELETE"},
		{URL: "http://example.com/x", MaxRequests: probe.HardMaxRequests + 1},
		{URL: "http://example.com/x", Headers: http.Header{"X-Bad": {"a\r\nInjected: 1"}}},
	} {
		rep, err := probe.Run(context.Background(), o)
		var ue *probe.UsageError
		if !errors.As(err, &ue) || rep != nil {
			t.Errorf("%+v: err %v, report %v; want a UsageError and no report", o, err, rep)
		}
	}
}

// TestPathSentVerbatim: the escaped path (double slashes, an encoded slash) reaches the
// gateway as given, and the stage root keeps the stage's escaping.
func TestPathSentVerbatim(t *testing.T) {
	d := newDemoWorld(t)
	rep := run(t, probe.Options{URL: d.url(d.def, petsHost, "/prod//pets%2Fx")})
	reqs := d.rec.all()
	if len(reqs) == 0 || reqs[0].Path != "/prod//pets%2Fx" {
		t.Fatalf("the gateway received %+v", reqs)
	}
	if got := top(t, rep); len(got) != 1 || got[0] != "route-not-found" {
		t.Errorf("rank 1 = %v", got)
	}
	for _, r := range reqs[1:] {
		if r.Path == "/prod" {
			return
		}
	}
	t.Errorf("no stage-root request among %+v", reqs)
}

// TestWAFByHeader: a web ACL rule on the User-Agent blocks every path of stage waf; the stage
// root without the user's headers answers, which rules out a missing stage.
func TestWAFByHeader(t *testing.T) {
	d := newDemoWorld(t)
	o := probe.Options{URL: d.url(d.def, petsHost, "/waf/pets"), Headers: http.Header{"User-Agent": {"BadBot/2.0"}}}
	rep := run(t, o)
	if got := top(t, rep); len(got) != 1 || got[0] != "waf-blocked" || rep.Conclusion.Causes[0].Confidence != probe.High {
		t.Fatalf("rank 1 = %v", got)
	}
	bare, ok := probeNamed(rep, probe.ProbeWithoutHeaders)
	if !ok || bare.Status != 200 {
		t.Errorf("without-your-headers probe %+v", bare)
	}
	for _, r := range d.rec.all() {
		if strings.HasSuffix(r.Path, "/waf") && r.Header.Get("User-Agent") != "BadBot/2.0" && r.Header.Get("User-Agent") != "portcullis-probe/1 (read-only)" {
			t.Errorf("User-Agent %q", r.Header.Get("User-Agent"))
		}
	}
	o.Admin = d.adminAddr()
	rep = run(t, o)
	if c := rep.Conclusion.Causes; len(c) == 0 || c[0].ID != "waf-blocked" || !c[0].Exact {
		t.Errorf("with the admin API: %+v", c)
	}
}

// TestUserinfo: user:password in the URL is the user's Basic credential: sent as given only,
// and never printed.
func TestUserinfo(t *testing.T) {
	d := newDemoWorld(t)
	rep := run(t, probe.Options{URL: "http://alice:pw-secret-123456@" + petsHost + ":" + port(d.def) + "/prod/nope"})
	reqs := d.rec.all()
	want := "Basic YWxpY2U6cHctc2VjcmV0LTEyMzQ1Ng==" // alice:pw-secret-123456
	if len(reqs) < 2 || reqs[0].Header.Get("Authorization") != want {
		t.Fatalf("as-given Authorization %q", reqs[0].Header.Get("Authorization"))
	}
	for _, r := range reqs[1:] {
		if r.Header.Get("Authorization") == want && (r.Path != "/prod/nope" || r.Method != http.MethodGet) {
			t.Errorf("%s %s carries the user's credential", r.Method, r.Path)
		}
	}
	js, _ := json.Marshal(rep)
	if strings.Contains(string(js), "pw-secret") || strings.Contains(string(js), "YWxpY2U6cHctc2VjcmV0LTEyMzQ1Ng") {
		t.Errorf("the report prints the password:\n%s", js)
	}
}
