package main

// End-to-end tests of the TLS listener (--tls-listen) over real TLS on loopback: custom domains
// served by SNI, security policies, and mutual TLS with the certificates internal/certgen makes
// (good, wrong CA, expired, self-signed, weak, too deep, none), through Go's TLS client and the
// real curl binary; every 403 is checked against `portcullis explain --json`. Issue 6, facts
// §3.3, §8.5, §8.6.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portcullis/portcullis/internal/certgen"
)

var bannerTLS = regexp.MustCompile(`(?m)^\s*custom domains \(TLS, by SNI\)\s+https://(\S+)\s*$`)

// The execution-log reasons of a rejected client certificate. The first three are AWS's
// (facts §3.3); the others are the ones internal/mtls defines, OpenSSL's verify-error strings
// [UNCONFIRMED against AWS]. They are spelled out here so that a change to the wire text fails.
const (
	reasonNoIssuer   = "Could not find issuer for certificate"
	reasonSelfSigned = "self signed certificate"
	reasonInsecure   = "Client cert using an insecure Signature Algorithm"
	reasonExpired    = "certificate has expired"
	reasonTooLong    = "certificate chain too long"
	reasonNoCert     = "No client certificate presented"
)

const forbiddenBody = `{"message":"Forbidden"}`

// startTLSServe is startServe with --tls-listen on an ephemeral loopback port; it returns the
// server and the TLS address from the banner.
func startTLSServe(t *testing.T, extra ...string) (*server, string) {
	t.Helper()
	s := startServe(t, append([]string{"--tls-listen", "127.0.0.1:0"}, extra...)...)
	m := bannerTLS.FindStringSubmatch(s.stdout.String())
	if m == nil {
		t.Fatalf("the banner has no `custom domains (TLS, by SNI)  https://ADDR` line:\n%s", s.stdout.String())
	}
	return s, m[1]
}

// genPKI writes a certgen PKI (CA, server certificate for hosts, client certificates) to a
// fresh temp dir.
func genPKI(t *testing.T, hosts ...string) *certgen.Set {
	t.Helper()
	set, err := certgen.Generate(certgen.Options{Dir: t.TempDir(), Hosts: hosts})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func certPool(t *testing.T, pemFile string) *x509.CertPool {
	t.Helper()
	b, err := os.ReadFile(pemFile)
	if err != nil {
		t.Fatal(err)
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(b) {
		t.Fatalf("%s: no certificate", pemFile)
	}
	return p
}

// keyPair builds the tls.Certificate a client presents: the leaf of certFile, then every
// certificate of the chain files, with the key of keyFile. It is built directly (not with
// tls.LoadX509KeyPair) so that weak keys and odd chains are sent exactly as they are.
func keyPair(t *testing.T, certFile, keyFile string, chainFiles ...string) *tls.Certificate {
	t.Helper()
	var der [][]byte
	for _, f := range append([]string{certFile}, chainFiles...) {
		cs, err := certgen.ReadCertificates(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			der = append(der, c.Raw)
		}
	}
	key, err := certgen.ReadKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Certificate{Certificate: der, PrivateKey: key}
}

// tlsClient is an HTTP client whose every connection goes to addr with SNI serverName (Go's
// default: the URL's host), trusting roots, presenting cert (nil: no certificate) whatever
// the server asks for, and never reusing a connection.
func tlsClient(addr string, roots *x509.CertPool, cert *tls.Certificate, mod func(*tls.Config)) *http.Client {
	cfg := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		if cert == nil {
			return &tls.Certificate{}, nil
		}
		return cert, nil
	}
	if mod != nil {
		mod(cfg)
	}
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   cfg,
		ForceAttemptHTTP2: true,
		DisableKeepAlives: true,
		Proxy:             nil,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
	}}
}

// goResponse is one response read by Go's client.
type goResponse struct {
	status int
	proto  string
	header http.Header
	body   string
	peer   []*x509.Certificate
}

func (r goResponse) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d\n", r.proto, r.status)
	_ = r.header.Write(&b)
	b.WriteString("\n" + r.body)
	return b.String()
}

func getE(c *http.Client, url string) (goResponse, error) {
	resp, err := c.Get(url)
	if err != nil {
		return goResponse{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return goResponse{}, err
	}
	r := goResponse{status: resp.StatusCode, proto: resp.Proto, header: resp.Header, body: string(body)}
	if resp.TLS != nil {
		r.peer = resp.TLS.PeerCertificates
	}
	return r, nil
}

func get(t *testing.T, c *http.Client, url string) goResponse {
	t.Helper()
	r, err := getE(c, url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return r
}

// explainedDecision is the part of `explain --json` these tests read.
type explainedDecision struct {
	Cause        string   `json:"cause"`
	Status       int      `json:"status"`
	ErrorType    string   `json:"errorType"`
	Evidence     []string `json:"evidence"`
	ExecutionLog []string `json:"executionLog"`
	Request      struct {
		Listener string `json:"listener"`
	} `json:"request"`
}

func explainJSON(t *testing.T, s *server, id string) explainedDecision {
	t.Helper()
	var d explainedDecision
	js := explain(t, s, id, "--json")
	if err := json.Unmarshal([]byte(js), &d); err != nil {
		t.Fatalf("explain --json: %v\n%s", err, js)
	}
	return d
}

// wantDenied checks a 403 {"message":"Forbidden"} ForbiddenException and that explain names
// cause, with the execution-log line logLine when it is not "".
func wantDenied(t *testing.T, s *server, what string, status int, body, errorType, id, cause, logLine string) {
	t.Helper()
	if status != 403 || body != forbiddenBody || errorType != "ForbiddenException" {
		t.Errorf("%s: %d %q x-amzn-ErrorType %q, want 403 %s ForbiddenException", what, status, body, errorType, forbiddenBody)
	}
	if id == "" {
		t.Fatalf("%s: no x-amzn-RequestId", what)
	}
	d := explainJSON(t, s, id)
	if d.Cause != cause || d.Status != 403 || d.ErrorType != "ForbiddenException" {
		t.Errorf("%s: explain --json cause %q status %d errorType %q, want %s 403 ForbiddenException", what, d.Cause, d.Status, d.ErrorType, cause)
	}
	if logLine != "" && !slices.Contains(d.ExecutionLog, logLine) {
		t.Errorf("%s: execution log %q lacks %q", what, d.ExecutionLog, logLine)
	}
}

// mtlsConfig is one API (aaaaaaaaaa, stage prod, MOCK GET /pets) behind the custom domain
// api.example.test with mutual TLS and the base path mappings given, plus extra YAML appended
// under domainNames.
func mtlsConfig(set *certgen.Set, basePaths []string, extraDomains string) string {
	var b strings.Builder
	b.WriteString(goodConfig)
	fmt.Fprintf(&b, `domainNames:
  - domainName: api.example.test
    certificate: {certFile: %q, keyFile: %q}
    mutualTlsAuthentication: {truststoreUri: %q}
    basePathMappings:
`, set.ServerCert, set.ServerKey, "file:"+set.CAFile)
	for _, bp := range basePaths {
		fmt.Fprintf(&b, "      - {basePath: %s, restApiId: aaaaaaaaaa, stage: prod}\n", bp)
	}
	b.WriteString(extraDomains)
	return b.String()
}

// startMTLSWorld writes the config and definition to a temp dir and serves it.
func startMTLSWorld(t *testing.T, set *certgen.Set, extraDomains string) (s *server, tlsAddr, cfg string) {
	t.Helper()
	dir := t.TempDir()
	writeDefinition(t, dir, nil, "/pets")
	cfg = filepath.Join(dir, "portcullis.yaml")
	writeFile(t, cfg, mtlsConfig(set, []string{"v1"}, extraDomains))
	s, tlsAddr = startTLSServe(t, "--config", cfg)
	return s, tlsAddr, cfg
}

const petsMockBody = `{"path":"/pets"}`

// TestMTLSGoClient: Go's TLS client presents each kind of client certificate to a mutual-TLS
// custom domain of a config the test writes.
func TestMTLSGoClient(t *testing.T) {
	set := genPKI(t, "api.example.test")
	s, addr, _ := startMTLSWorld(t, set, "")
	roots := certPool(t, set.CAFile)
	_, port, _ := net.SplitHostPort(addr)
	url := "https://api.example.test:" + port + "/v1/pets"

	t.Run("good", func(t *testing.T) {
		r := get(t, tlsClient(addr, roots, keyPair(t, set.ClientCert, set.ClientKey), nil), url)
		if r.status != 200 || r.body != petsMockBody {
			t.Fatalf("good client certificate:\n%s", r)
		}
		if r.proto != "HTTP/2.0" {
			t.Errorf("protocol %s, want HTTP/2.0 (the listener offers h2)", r.proto)
		}
		if et := r.header.Get("x-amzn-ErrorType"); et != "" {
			t.Errorf("a 200 carries x-amzn-ErrorType %q", et)
		}
		if len(r.peer) == 0 || !slices.Contains(r.peer[0].DNSNames, "api.example.test") {
			t.Errorf("server certificate %v does not name api.example.test", r.peer)
		}
	})

	t.Run("good over HTTP/1.1", func(t *testing.T) {
		c := tlsClient(addr, roots, keyPair(t, set.ClientCert, set.ClientKey), func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
		c.Transport.(*http.Transport).ForceAttemptHTTP2 = false
		r := get(t, c, url)
		if r.status != 200 || r.proto != "HTTP/1.1" || r.body != petsMockBody {
			t.Fatalf("good client certificate over HTTP/1.1:\n%s", r)
		}
	})

	for _, tc := range []struct {
		name   string
		cert   func(t *testing.T) *tls.Certificate
		reason string
	}{
		{"wrong CA", func(t *testing.T) *tls.Certificate { return keyPair(t, set.WrongCAClientCert, set.WrongCAClientKey) }, reasonNoIssuer},
		{"wrong CA with its root", func(t *testing.T) *tls.Certificate {
			return keyPair(t, set.WrongCAClientCert, set.WrongCAClientKey, set.OtherCACert)
		}, reasonNoIssuer},
		{"expired", func(t *testing.T) *tls.Certificate { return keyPair(t, set.ExpiredClientCert, set.ExpiredClientKey) }, reasonExpired},
		{"self-signed", func(t *testing.T) *tls.Certificate {
			return keyPair(t, set.SelfSignedClientCert, set.SelfSignedClientKey)
		}, reasonSelfSigned},
		{"weak (RSA-1024, ECDSA-SHA1)", func(t *testing.T) *tls.Certificate { return keyPair(t, set.WeakClientCert, set.WeakClientKey) }, reasonInsecure},
		{"too deep", func(t *testing.T) *tls.Certificate {
			return keyPair(t, set.DeepClientCert, set.DeepClientKey, set.DeepChainFile)
		}, reasonTooLong},
		{"deep leaf without its intermediates", func(t *testing.T) *tls.Certificate {
			return keyPair(t, set.DeepClientCert, set.DeepClientKey)
		}, reasonNoIssuer},
		{"no certificate", func(*testing.T) *tls.Certificate { return nil }, reasonNoCert},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, tlsClient(addr, roots, tc.cert(t), nil), url)
			wantDenied(t, s, tc.name, r.status, r.body, r.header.Get("x-amzn-ErrorType"), r.header.Get("x-amzn-RequestId"),
				"mtls-certificate-rejected", "Access denied. Reason: "+tc.reason)
		})
	}
}

// TestMTLSCurl: the same domain with the real curl (OpenSSL) client.
func TestMTLSCurl(t *testing.T) {
	set := genPKI(t, "api.example.test")
	s, addr, _ := startMTLSWorld(t, set, "")
	_, port, _ := net.SplitHostPort(addr)
	base := []string{"--resolve", "api.example.test:" + port + ":127.0.0.1", "--cacert", set.CAFile}
	url := "https://api.example.test:" + port + "/v1/pets"

	r := curl(t, append(base, "--cert", set.ClientCert, "--key", set.ClientKey, url)...)
	if r.status != 200 || r.body != petsMockBody {
		t.Fatalf("curl with the good client certificate:\n%s", r.raw)
	}

	// The deep leaf and its four intermediates in one --cert file, as curl sends a chain.
	deepChain := filepath.Join(t.TempDir(), "deep-fullchain.pem")
	writeFile(t, deepChain, string(mustReadFile(t, set.DeepClientCert))+string(mustReadFile(t, set.DeepChainFile)))

	for _, tc := range []struct {
		name, cert, key, reason string
	}{
		{"wrong CA", set.WrongCAClientCert, set.WrongCAClientKey, reasonNoIssuer},
		{"expired", set.ExpiredClientCert, set.ExpiredClientKey, reasonExpired},
		{"self-signed", set.SelfSignedClientCert, set.SelfSignedClientKey, reasonSelfSigned},
		{"too deep", deepChain, set.DeepClientKey, reasonTooLong},
		{"no certificate", "", "", reasonNoCert},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := base
			if tc.cert != "" {
				args = append(slices.Clone(base), "--cert", tc.cert, "--key", tc.key)
			}
			r := curl(t, append(args, url)...)
			et, _ := r.header("x-amzn-ErrorType")
			id, _ := r.header("x-amzn-RequestId")
			wantDenied(t, s, "curl "+tc.name, r.status, r.body, et, id, "mtls-certificate-rejected", "Access denied. Reason: "+tc.reason)
		})
	}
}

func mustReadFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTLSBySNI: certificates and security policies per domain on one TLS port.
func TestTLSBySNI(t *testing.T) {
	set := genPKI(t, "api.example.test")
	other := genPKI(t, "other.example.test", "old.example.test")
	_, addr, _ := startMTLSWorld(t, set, fmt.Sprintf(`  - domainName: other.example.test
    certificate: {certFile: %q, keyFile: %q}
    securityPolicy: TLS_1_2
    basePathMappings:
      - {basePath: "(none)", restApiId: aaaaaaaaaa, stage: prod}
  - domainName: old.example.test
    certificate: {certFile: %q, keyFile: %q}
    securityPolicy: TLS_1_0
    basePathMappings:
      - {basePath: "(none)", restApiId: aaaaaaaaaa, stage: prod}
`, other.ServerCert, other.ServerKey, other.ServerCert, other.ServerKey))
	_, port, _ := net.SplitHostPort(addr)
	roots, otherRoots := certPool(t, set.CAFile), certPool(t, other.CAFile)
	good := keyPair(t, set.ClientCert, set.ClientKey)

	t.Run("unknown server name", func(t *testing.T) {
		for _, name := range []string{"unknown.example.test", ""} {
			c := tlsClient(addr, roots, good, func(c *tls.Config) { c.ServerName = name; c.InsecureSkipVerify = true })
			if r, err := getE(c, "https://127.0.0.1:"+port+"/v1/pets"); err == nil {
				t.Errorf("SNI %q: handshake succeeded:\n%s", name, r)
			} else if !strings.Contains(err.Error(), "tls: ") {
				t.Errorf("SNI %q: %v, want a TLS handshake error", name, err)
			}
		}
	})

	t.Run("second domain, own certificate", func(t *testing.T) {
		r := get(t, tlsClient(addr, otherRoots, nil, nil), "https://other.example.test:"+port+"/pets")
		if r.status != 200 || r.body != petsMockBody {
			t.Fatalf("GET https://other.example.test/pets:\n%s", r)
		}
		if len(r.peer) == 0 || !slices.Contains(r.peer[0].DNSNames, "other.example.test") || slices.Contains(r.peer[0].DNSNames, "api.example.test") {
			t.Errorf("other.example.test served a certificate for %v", r.peer[0].DNSNames)
		}
		// api.example.test's certificate is not the second domain's: a client trusting only
		// the second CA cannot verify it.
		if _, err := getE(tlsClient(addr, otherRoots, good, nil), "https://api.example.test:"+port+"/v1/pets"); err == nil ||
			!strings.Contains(err.Error(), "certificate") {
			t.Errorf("api.example.test verified against the second domain's CA: %v", err)
		}
		// Both domains answer on the same port, each with its own certificate, in turn.
		if r := get(t, tlsClient(addr, roots, good, nil), "https://api.example.test:"+port+"/v1/pets"); r.status != 200 {
			t.Errorf("api.example.test after other.example.test:\n%s", r)
		}
	})

	tls11 := func(c *tls.Config) {
		c.MinVersion, c.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
		c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}
		c.NextProtos = []string{"http/1.1"}
	}
	t.Run("TLS_1_2 refuses a TLS 1.1 client", func(t *testing.T) {
		c := tlsClient(addr, otherRoots, nil, tls11)
		c.Transport.(*http.Transport).ForceAttemptHTTP2 = false
		if r, err := getE(c, "https://other.example.test:"+port+"/pets"); err == nil {
			t.Errorf("a TLS 1.1 client reached a TLS_1_2 domain:\n%s", r)
		} else if !strings.Contains(err.Error(), "protocol version") {
			t.Errorf("TLS 1.1 client: %v, want a protocol version handshake error", err)
		}
		// The default policy (no securityPolicy: TLS_1_2) refuses it too.
		c = tlsClient(addr, roots, good, tls11)
		c.Transport.(*http.Transport).ForceAttemptHTTP2 = false
		if r, err := getE(c, "https://api.example.test:"+port+"/v1/pets"); err == nil {
			t.Errorf("a TLS 1.1 client reached a domain with the default policy:\n%s", r)
		} else if !strings.Contains(err.Error(), "protocol version") {
			t.Errorf("TLS 1.1 client, default policy: %v, want a protocol version handshake error", err)
		}
	})

	t.Run("TLS_1_0 accepts the same TLS 1.1 client", func(t *testing.T) {
		c := tlsClient(addr, otherRoots, nil, tls11)
		c.Transport.(*http.Transport).ForceAttemptHTTP2 = false
		r, err := getE(c, "https://old.example.test:"+port+"/pets")
		if err != nil {
			t.Fatalf("TLS 1.1 client to a TLS_1_0 domain: %v", err)
		}
		if r.status != 200 || r.body != petsMockBody {
			t.Errorf("TLS 1.1 client to a TLS_1_0 domain:\n%s", r)
		}
	})

}

// TestMTLSNotBypassed: a mutual-TLS domain named in Host cannot be reached without its check,
// neither through another domain's SNI (which asks for no certificate) nor over plain HTTP.
func TestMTLSNotBypassed(t *testing.T) {
	set := genPKI(t, "api.example.test", "open.example.test")
	s, addr, _ := startMTLSWorld(t, set, fmt.Sprintf(`  - domainName: open.example.test
    certificate: {certFile: %q, keyFile: %q}
    basePathMappings:
      - {basePath: "(none)", restApiId: aaaaaaaaaa, stage: prod}
`, set.ServerCert, set.ServerKey))
	_, port, _ := net.SplitHostPort(addr)
	roots := certPool(t, set.CAFile)

	// The open domain itself needs no certificate.
	if r := get(t, tlsClient(addr, roots, nil, nil), "https://open.example.test:"+port+"/pets"); r.status != 200 {
		t.Fatalf("open.example.test without a client certificate:\n%s", r)
	}

	t.Run("SNI of a domain without mutual TLS, Host of one with it", func(t *testing.T) {
		for _, cert := range []*tls.Certificate{nil, keyPair(t, set.SelfSignedClientCert, set.SelfSignedClientKey)} {
			c := tlsClient(addr, roots, cert, func(c *tls.Config) { c.ServerName = "open.example.test" })
			req, err := http.NewRequest("GET", "https://open.example.test:"+port+"/v1/pets", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = "api.example.test"
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			wantDenied(t, s, "SNI open.example.test, Host api.example.test", resp.StatusCode, string(body), resp.Header.Get("x-amzn-ErrorType"),
				resp.Header.Get("x-amzn-RequestId"), "mtls-certificate-rejected", "Access denied. Reason: "+reasonNoCert)
		}
	})

	t.Run("SNI of the mutual-TLS domain with a bad certificate, Host of another", func(t *testing.T) {
		c := tlsClient(addr, roots, keyPair(t, set.SelfSignedClientCert, set.SelfSignedClientKey), nil)
		req, err := http.NewRequest("GET", "https://api.example.test:"+port+"/pets", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = "open.example.test"
		r, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		wantDenied(t, s, "SNI api.example.test, Host open.example.test", r.StatusCode, string(body), r.Header.Get("x-amzn-ErrorType"),
			r.Header.Get("x-amzn-RequestId"), "mtls-certificate-rejected", "Access denied. Reason: "+reasonSelfSigned)
	})

	t.Run("plain HTTP", func(t *testing.T) {
		_, lport, _ := net.SplitHostPort(s.addr)
		r := curl(t, "--resolve", "api.example.test:"+lport+":127.0.0.1", "http://api.example.test:"+lport+"/v1/pets")
		et, _ := r.header("x-amzn-ErrorType")
		id, _ := r.header("x-amzn-RequestId")
		wantDenied(t, s, "plain HTTP to the mutual-TLS domain", r.status, r.body, et, id, "mtls-certificate-rejected", "Access denied. Reason: "+reasonNoCert)
		// A custom domain without mutual TLS still answers on the plain listener (DESIGN.md).
		if r := curl(t, "--resolve", "open.example.test:"+lport+":127.0.0.1", "http://open.example.test:"+lport+"/pets"); r.status != 200 {
			t.Errorf("plain HTTP to open.example.test:\n%s", r.raw)
		}
	})
}

// TestTLSDemoWorld: the demo world's custom domains (certificates generated under --data) and
// the seed rows 13–16 with curl.
func TestTLSDemoWorld(t *testing.T) {
	s, addr := startTLSServe(t, "--demo-backend", "127.0.0.1:0")
	_, port, _ := net.SplitHostPort(addr)
	_, lport, _ := net.SplitHostPort(s.addr)
	certs := filepath.Join(s.data, "certs")
	cert := func(name string) string { return filepath.Join(certs, name) }
	mtls := []string{"--resolve", "mtls.demo.localhost:" + port + ":127.0.0.1", "--cacert", cert("truststore.pem")}
	good := append(slices.Clone(mtls), "--cert", cert("client.crt"), "--key", cert("client.key"))
	mtlsURL := "https://mtls.demo.localhost:" + port

	check := func(t *testing.T, r response, status int, body, errorType, cause, logLine string) {
		t.Helper()
		if r.status != status || r.body != body {
			t.Fatalf("got\n%s\nwant %d %s", r.raw, status, body)
		}
		if et, _ := r.header("x-amzn-ErrorType"); et != errorType {
			t.Errorf("x-amzn-ErrorType %q, want %q", et, errorType)
		}
		if cause == "" {
			return
		}
		d := explainJSON(t, s, requestID(t, r))
		if d.Cause != cause {
			t.Errorf("explain: cause %q, want %s", d.Cause, cause)
		}
		if logLine != "" && !slices.Contains(d.ExecutionLog, logLine) {
			t.Errorf("explain: execution log %q lacks %q", d.ExecutionLog, logLine)
		}
	}

	t.Run("mtls domain, good certificate", func(t *testing.T) {
		check(t, curl(t, append(good, mtlsURL+"/v1/pets")...), 200, petsBody, "", "", "")
	})
	t.Run("mtls domain, self-signed certificate (seed row 14)", func(t *testing.T) {
		r := curl(t, append(slices.Clone(mtls), "--cert", cert("self-signed-client.crt"), "--key", cert("self-signed-client.key"), mtlsURL+"/v1/pets")...)
		check(t, r, 403, forbiddenBody, "ForbiddenException", "mtls-certificate-rejected", "Access denied. Reason: "+reasonSelfSigned)
	})
	t.Run("mtls domain, wrong CA", func(t *testing.T) {
		r := curl(t, append(slices.Clone(mtls), "--cert", cert("wrong-ca-client.crt"), "--key", cert("wrong-ca-client.key"), mtlsURL+"/v1/pets")...)
		check(t, r, 403, forbiddenBody, "ForbiddenException", "mtls-certificate-rejected", "Access denied. Reason: "+reasonNoIssuer)
	})
	t.Run("no base path mapping (seed row 15)", func(t *testing.T) {
		check(t, curl(t, append(good, mtlsURL+"/other")...), 403, forbiddenBody, "ForbiddenException", "custom-domain-no-mapping", "")
	})
	t.Run("stage in the path (seed row 16)", func(t *testing.T) {
		r := curl(t, "--resolve", "api.demo.localhost:"+lport+":127.0.0.1", "http://api.demo.localhost:"+lport+"/prod/pets")
		check(t, r, 403, missingTokenBody, "MissingAuthenticationTokenException", "custom-domain-stage-in-path", "")
	})
	t.Run("stage in the path over TLS", func(t *testing.T) {
		r := curl(t, "--resolve", "api.demo.localhost:"+port+":127.0.0.1", "--cacert", cert("truststore.pem"), "https://api.demo.localhost:"+port+"/prod/pets")
		check(t, r, 403, missingTokenBody, "MissingAuthenticationTokenException", "custom-domain-stage-in-path", "")
	})
	t.Run("disabled default endpoint, custom domain still works (seed row 13)", func(t *testing.T) {
		r := curl(t, "--resolve", "api.demo.localhost:"+port+":127.0.0.1", "--cacert", cert("truststore.pem"), "https://api.demo.localhost:"+port+"/legacy/pets")
		check(t, r, 200, petsBody, "", "", "")
		r = curl(t, "--resolve", "z9y8x7w6v5.execute-api.localhost:"+lport+":127.0.0.1", "http://z9y8x7w6v5.execute-api.localhost:"+lport+"/prod/pets")
		check(t, r, 403, forbiddenBody, "ForbiddenException", "default-endpoint-disabled", "")
	})
	t.Run("mtls domain over plain HTTP", func(t *testing.T) {
		r := curl(t, "--resolve", "mtls.demo.localhost:"+lport+":127.0.0.1", "http://mtls.demo.localhost:"+lport+"/v1/pets")
		check(t, r, 403, forbiddenBody, "ForbiddenException", "mtls-certificate-rejected", "Access denied. Reason: "+reasonNoCert)
	})
}

// TestTLSReload: a SIGHUP that adds a base path mapping keeps the TLS listener serving, and the
// new mapping answers on a new connection.
func TestTLSReload(t *testing.T) {
	set := genPKI(t, "api.example.test")
	s, addr, cfg := startMTLSWorld(t, set, "")
	_, port, _ := net.SplitHostPort(addr)
	c := tlsClient(addr, certPool(t, set.CAFile), keyPair(t, set.ClientCert, set.ClientKey), nil)
	v1, v2 := "https://api.example.test:"+port+"/v1/pets", "https://api.example.test:"+port+"/v2/pets"

	if r := get(t, c, v1); r.status != 200 {
		t.Fatalf("GET /v1/pets before the reload:\n%s", r)
	}
	r := get(t, c, v2)
	wantDenied(t, s, "GET /v2/pets before the reload", r.status, r.body, r.header.Get("x-amzn-ErrorType"), r.header.Get("x-amzn-RequestId"), "custom-domain-no-mapping", "")

	writeFile(t, cfg, mtlsConfig(set, []string{"v1", "v2"}, ""))
	s.signal(syscall.SIGHUP)
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := get(t, c, v2) // DisableKeepAlives: a new connection, a new handshake, each time
		if r.status == 200 && r.body == petsMockBody {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /v2/pets 5 s after SIGHUP:\n%s", r)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r := get(t, c, v1); r.status != 200 {
		t.Errorf("GET /v1/pets after the reload:\n%s", r)
	}
	// Mutual TLS still applies after the reload.
	r = get(t, tlsClient(addr, certPool(t, set.CAFile), keyPair(t, set.SelfSignedClientCert, set.SelfSignedClientKey), nil), v2)
	wantDenied(t, s, "self-signed after the reload", r.status, r.body, r.header.Get("x-amzn-ErrorType"), r.header.Get("x-amzn-RequestId"),
		"mtls-certificate-rejected", "Access denied. Reason: "+reasonSelfSigned)
	wantReloads(t, s, 1, 0)
}
