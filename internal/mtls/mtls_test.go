package mtls_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/portcullis/portcullis/internal/certgen"
	"github.com/portcullis/portcullis/internal/mtls"
)

var (
	pkiOnce sync.Once
	pkiSet  *certgen.Set
	pkiErr  error
	pkiDir  string
)

// pki generates the certgen PKI once per test binary.
func pki(t testing.TB) *certgen.Set {
	t.Helper()
	pkiOnce.Do(func() {
		pkiDir, pkiErr = os.MkdirTemp("", "mtls-test-")
		if pkiErr == nil {
			pkiSet, pkiErr = certgen.Generate(certgen.Options{Dir: pkiDir, Hosts: []string{"api.example.test", "localhost", "127.0.0.1"}})
		}
	})
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pkiSet
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pkiDir != "" {
		os.RemoveAll(pkiDir)
	}
	os.Exit(code)
}

func certs(t testing.TB, paths ...string) []*x509.Certificate {
	t.Helper()
	var out []*x509.Certificate
	for _, p := range paths {
		cs, err := certgen.ReadCertificates(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, cs...)
	}
	return out
}

func pemOf(cs ...*x509.Certificate) []byte {
	var b []byte
	for _, c := range cs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return b
}

func load(t testing.TB, pemBytes []byte) *mtls.Truststore {
	t.Helper()
	ts, _, err := mtls.LoadTruststore(pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestVerifyCertgenChains(t *testing.T) {
	s := pki(t)
	trustPEM, err := os.ReadFile(s.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	trust := certs(t, s.CAFile)
	root, inter := trust[0], trust[1]
	now := time.Now()

	tests := []struct {
		name      string
		truststr  []byte
		chain     []*x509.Certificate
		now       time.Time
		wantOK    bool
		reason    string
		wantChain int
	}{
		{"good leaf only", trustPEM, certs(t, s.ClientCert), now, true, "", 3},
		{"good leaf and intermediate", trustPEM, certs(t, s.ClientCert, s.IntermediateCert), now, true, "", 3},
		{"truststore root only, client sends intermediate", pemOf(root), certs(t, s.ClientCert, s.IntermediateCert), now, true, "", 3},
		{"truststore root only, client sends leaf only", pemOf(root), certs(t, s.ClientCert), now, false, mtls.ReasonNoIssuer, 0},
		{"truststore intermediate only", pemOf(inter), certs(t, s.ClientCert), now, true, "", 2},
		{"wrong CA", trustPEM, certs(t, s.WrongCAClientCert), now, false, mtls.ReasonNoIssuer, 0},
		{"wrong CA with its root sent", trustPEM, certs(t, s.WrongCAClientCert, s.OtherCACert), now, false, mtls.ReasonNoIssuer, 0},
		{"self-signed", trustPEM, certs(t, s.SelfSignedClientCert), now, false, mtls.ReasonSelfSigned, 0},
		{"self-signed but trusted", pemOf(certs(t, s.SelfSignedClientCert)...), certs(t, s.SelfSignedClientCert), now, true, "", 1},
		{"weak", trustPEM, certs(t, s.WeakClientCert), now, false, mtls.ReasonInsecureAlgorithm, 3},
		{"expired", trustPEM, certs(t, s.ExpiredClientCert), now, false, mtls.ReasonExpired, 3},
		{"not yet valid", trustPEM, certs(t, s.ClientCert), now.Add(-48 * time.Hour), false, mtls.ReasonNotYetValid, 3},
		{"too deep", trustPEM, certs(t, s.DeepClientCert, s.DeepChainFile), now, false, mtls.ReasonChainTooLong, 6},
		{"too deep, CAs in truststore", append(pemOf(root), mustRead(t, s.DeepChainFile)...), certs(t, s.DeepClientCert), now, false, mtls.ReasonChainTooLong, 6},
		{"deep leaf without its intermediates", trustPEM, certs(t, s.DeepClientCert), now, false, mtls.ReasonNoIssuer, 0},
		{"no certificate", trustPEM, nil, now, false, mtls.ReasonNoCertificate, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := load(t, tt.truststr)
			got := ts.Verify(tt.chain, tt.now)
			if got.OK != tt.wantOK || got.Reason != tt.reason || got.Chain != tt.wantChain {
				t.Errorf("Verify = {OK:%v Reason:%q Chain:%d Detail:%q}, want {OK:%v Reason:%q Chain:%d}",
					got.OK, got.Reason, got.Chain, got.Detail, tt.wantOK, tt.reason, tt.wantChain)
			}
			if tt.wantOK != (got.Detail == "") {
				t.Errorf("Detail = %q with OK=%v", got.Detail, got.OK)
			}
			if len(tt.chain) > 0 && (got.Cert == nil || got.Cert.SerialNumber != tt.chain[0].SerialNumber.String()) {
				t.Errorf("Cert = %+v, want the leaf's description", got.Cert)
			}
			wantLog := ""
			if !tt.wantOK {
				wantLog = "Access denied. Reason: " + tt.reason
			}
			if got.LogLine() != wantLog {
				t.Errorf("LogLine = %q, want %q", got.LogLine(), wantLog)
			}
		})
	}
}

func mustRead(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ca is a test CA for building chains of exact depths.
type ca struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newCert(t testing.TB, cn string, isCA bool, parent *ca, mod func(*x509.Certificate)) *ca {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(int64(len(cn)) + 1000), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		BasicConstraintsValid: true, IsCA: isCA,
	}
	if mod != nil {
		mod(tmpl)
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &ca{c, key}
}

// TestVerifyDepthBoundary: four CAs above the leaf pass, five fail (facts §8.5).
func TestVerifyDepthBoundary(t *testing.T) {
	for _, tt := range []struct {
		cas    int
		reason string
	}{{1, ""}, {4, ""}, {5, mtls.ReasonChainTooLong}} {
		t.Run(fmt.Sprint(tt.cas), func(t *testing.T) {
			root := newCert(t, "root", true, nil, nil)
			parent := root
			var sent []*x509.Certificate
			for i := 1; i < tt.cas; i++ {
				parent = newCert(t, fmt.Sprintf("int%d", i), true, parent, nil)
				sent = append([]*x509.Certificate{parent.cert}, sent...)
			}
			leaf := newCert(t, "leaf", false, parent, nil)
			got := load(t, pemOf(root.cert)).Verify(append([]*x509.Certificate{leaf.cert}, sent...), time.Now())
			if got.Reason != tt.reason || got.OK != (tt.reason == "") || got.Chain != tt.cas+1 {
				t.Errorf("%d CAs: got {OK:%v Reason:%q Chain:%d}, want reason %q chain %d", tt.cas, got.OK, got.Reason, got.Chain, tt.reason, tt.cas+1)
			}
		})
	}
}

// TestVerifyIssuerMustBeCA: a leaf cannot issue another certificate.
func TestVerifyIssuerMustBeCA(t *testing.T) {
	root := newCert(t, "root", true, nil, nil)
	notCA := newCert(t, "not-a-ca", false, root, nil)
	leaf := newCert(t, "leaf", false, notCA, nil)
	got := load(t, pemOf(root.cert)).Verify([]*x509.Certificate{leaf.cert, notCA.cert}, time.Now())
	if got.Reason != mtls.ReasonNoIssuer {
		t.Errorf("Reason = %q, want %q", got.Reason, mtls.ReasonNoIssuer)
	}
}

// TestVerifyExpiredIntermediate: validity is checked on every certificate of the path.
func TestVerifyExpiredIntermediate(t *testing.T) {
	root := newCert(t, "root", true, nil, nil)
	inter := newCert(t, "inter", true, root, func(c *x509.Certificate) { c.NotAfter = time.Now().Add(-time.Minute) })
	leaf := newCert(t, "leaf", false, inter, nil)
	got := load(t, pemOf(root.cert, inter.cert)).Verify([]*x509.Certificate{leaf.cert}, time.Now())
	if got.Reason != mtls.ReasonExpired || !strings.Contains(got.Detail, "CA certificate 1") {
		t.Errorf("got {Reason:%q Detail:%q}", got.Reason, got.Detail)
	}
}

func TestClientCertFormats(t *testing.T) {
	root := newCert(t, "root", true, nil, func(c *x509.Certificate) {
		c.Subject = pkix.Name{Country: []string{"US"}, Province: []string{"Washington"}, Locality: []string{"Seattle"}, Organization: []string{"Amazon Web Services"}, OrganizationalUnit: []string{"Security"}, CommonName: "My Private CA"}
	})
	leaf := newCert(t, "leaf", false, root, func(c *x509.Certificate) {
		c.Subject = pkix.Name{Country: []string{"US"}, Province: []string{"Washington"}, Locality: []string{"Seattle"}, Organization: []string{"Amazon Web Services"}, OrganizationalUnit: []string{"Security"}, CommonName: "My Client, \"quoted\""}
		c.SerialNumber = big.NewInt(1)
		c.NotBefore = time.Date(2020, 8, 29, 0, 28, 21, 0, time.UTC)
		c.NotAfter = time.Date(2120, 8, 5, 0, 28, 21, 0, time.UTC)
	})
	got := mtls.NewClientCert(leaf.cert)
	want := &mtls.ClientCert{
		PEM:          string(pemOf(leaf.cert)),
		SubjectDN:    `C=US,ST=Washington,L=Seattle,O=Amazon Web Services,OU=Security,CN=My Client\, \"quoted\"`,
		IssuerDN:     "C=US,ST=Washington,L=Seattle,O=Amazon Web Services,OU=Security,CN=My Private CA",
		SerialNumber: "1",
		NotBefore:    leaf.cert.NotBefore,
		NotAfter:     leaf.cert.NotAfter,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("NewClientCert (-want +got):\n%s", diff)
	}
	// The layout of AWS's sample events: "Aug 29 00:28:21 2020 GMT", "Aug  5 00:28:21 2120 GMT".
	if got.NotBeforeString() != "Aug 29 00:28:21 2020 GMT" || got.NotAfterString() != "Aug  5 00:28:21 2120 GMT" {
		t.Errorf("validity = %q / %q", got.NotBeforeString(), got.NotAfterString())
	}
	if !strings.HasPrefix(got.PEM, "-----BEGIN CERTIFICATE-----\n") {
		t.Errorf("PEM = %q", got.PEM)
	}
}

func TestLoadTruststoreWarnings(t *testing.T) {
	s := pki(t)
	trust := certs(t, s.CAFile)
	root, inter := trust[0], trust[1]
	expiredCA := newCert(t, "old-ca", true, nil, func(c *x509.Certificate) {
		c.NotBefore, c.NotAfter = time.Now().AddDate(-2, 0, 0), time.Now().AddDate(-1, 0, 0)
	})
	leaf := certs(t, s.ClientCert)[0]
	weak := certs(t, s.WeakClientCert)[0]

	var in []byte
	in = append(in, pemOf(root)...)
	in = append(in, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2}})...)
	in = append(in, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not der")})...)
	in = append(in, pemOf(root)...) // duplicate
	in = append(in, pemOf(expiredCA.cert, leaf, weak)...)

	ts, warnings, err := mtls.LoadTruststore(in)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ts.Certificates()); n != 4 {
		t.Errorf("%d certificates kept, want 4", n)
	}
	leafDN := "O=Portcullis Clients,CN=good-client"
	want := []string{
		`PEM block 2: type "PRIVATE KEY" is not CERTIFICATE; skipped`,
		"PEM block 3: not a valid X.509 certificate",
		"Certificate 4 (O=Portcullis,CN=Portcullis Test Root CA): duplicate; skipped",
		"Certificate 5 (CN=old-ca): expired on ",
		"Certificate 6 (" + leafDN + "): not a CA certificate",
		"Certificate 7 (O=Portcullis Clients,CN=weak-client): insecure signature algorithm ECDSA-SHA1",
		"Certificate 7 (O=Portcullis Clients,CN=weak-client): not a CA certificate",
		"Certificate (" + leafDN + "): its issuer (O=Portcullis,CN=Portcullis Test Intermediate CA) is not in the truststore",
		"Certificate (O=Portcullis Clients,CN=weak-client): its issuer (O=Portcullis,CN=Portcullis Test Intermediate CA) is not in the truststore",
	}
	if len(warnings) != len(want) {
		t.Fatalf("warnings:\n%s\nwant %d", strings.Join(warnings, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(warnings[i], want[i]) {
			t.Errorf("warning %d = %q, want prefix %q", i, warnings[i], want[i])
		}
	}

	// The good truststore has no warnings.
	if _, w, err := mtls.LoadTruststore(pemOf(root, inter)); err != nil || len(w) != 0 {
		t.Errorf("good truststore: warnings %q, err %v", w, err)
	}
}

func TestLoadTruststoreErrors(t *testing.T) {
	for name, in := range map[string][]byte{
		"empty":        nil,
		"not pem":      []byte("hello"),
		"only garbage": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("x")}),
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := mtls.LoadTruststore(in); !errors.Is(err, mtls.ErrEmptyTruststore) {
				t.Errorf("err = %v, want ErrEmptyTruststore", err)
			}
		})
	}
}

func TestSecurityPolicy(t *testing.T) {
	for _, tt := range []struct {
		name string
		min  uint16
	}{
		{"", tls.VersionTLS12}, {"TLS_1_0", tls.VersionTLS10}, {"TLS_1_2", tls.VersionTLS12},
		{"SecurityPolicy_TLS13_1_3_2025_09", tls.VersionTLS13}, {"SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09", tls.VersionTLS12},
		{"SecurityPolicy_TLS12_2018_EDGE", tls.VersionTLS12},
	} {
		cfg, err := mtls.SecurityPolicy(tt.name)
		if err != nil {
			t.Fatalf("%q: %v", tt.name, err)
		}
		if cfg.MinVersion != tt.min {
			t.Errorf("%q: MinVersion %x, want %x", tt.name, cfg.MinVersion, tt.min)
		}
	}
	for _, n := range mtls.SecurityPolicyNames() {
		cfg, err := mtls.SecurityPolicy(n)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range cfg.CipherSuites {
			if tls.CipherSuiteName(id) == fmt.Sprintf("0x%04X", id) {
				t.Errorf("%s: unknown suite %#x", n, id)
			}
		}
	}
	_, err := mtls.SecurityPolicy("TLS_1_3")
	if err == nil || !strings.Contains(err.Error(), `"TLS_1_3"`) || !strings.Contains(err.Error(), "TLS_1_0, TLS_1_2") {
		t.Errorf("unknown policy error = %v", err)
	}
}

// startServer serves over real TLS on loopback: the handshake requests any
// client certificate and the handler answers 403 with AWS's log line or 200.
func startServer(t *testing.T, policy string, ts *mtls.Truststore) string {
	t.Helper()
	s := pki(t)
	cfg, err := mtls.SecurityPolicy(policy)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := tls.LoadX509KeyPair(s.ServerCert, s.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Certificates = []tls.Certificate{kp}
	mtls.RequestClientCert(cfg)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res := ts.Verify(r.TLS.PeerCertificates, time.Now())
		if !res.OK {
			w.Header().Set("x-amzn-ErrorType", "ForbiddenException")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, res.LogLine())
			return
		}
		io.WriteString(w, "OK "+res.Cert.SubjectDN)
	}), ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func clientFor(t *testing.T, certFile, keyFile string, extra string, tweak func(*tls.Config)) *http.Client {
	t.Helper()
	s := pki(t)
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(mustRead(t, s.CAFile)) {
		t.Fatal("no roots")
	}
	cfg := &tls.Config{RootCAs: roots, ServerName: "api.example.test"}
	if certFile != "" {
		kp, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range certs(t, extraFiles(extra)...) {
			kp.Certificate = append(kp.Certificate, c.Raw)
		}
		cfg.Certificates = []tls.Certificate{kp}
	}
	if tweak != nil {
		tweak(cfg)
	}
	tr := &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func extraFiles(p string) []string {
	if p == "" {
		return nil
	}
	return []string{p}
}

func TestHandshakeOverLoopback(t *testing.T) {
	s := pki(t)
	ts := load(t, mustRead(t, s.CAFile))
	addr := startServer(t, "TLS_1_2", ts)
	for _, tt := range []struct {
		name, cert, key, extra string
		status                 int
		body                   string
	}{
		{"good", s.ClientCert, s.ClientKey, "", 200, "OK O=Portcullis Clients,CN=good-client"},
		{"good with intermediate", s.ClientCert, s.ClientKey, s.IntermediateCert, 200, "OK O=Portcullis Clients,CN=good-client"},
		{"wrong CA", s.WrongCAClientCert, s.WrongCAClientKey, "", 403, "Access denied. Reason: Could not find issuer for certificate"},
		{"self-signed", s.SelfSignedClientCert, s.SelfSignedClientKey, "", 403, "Access denied. Reason: self signed certificate"},
		{"weak", s.WeakClientCert, s.WeakClientKey, "", 403, "Access denied. Reason: Client cert using an insecure Signature Algorithm"},
		{"expired", s.ExpiredClientCert, s.ExpiredClientKey, "", 403, "Access denied. Reason: certificate has expired"},
		{"too deep", s.DeepClientCert, s.DeepClientKey, s.DeepChainFile, 403, "Access denied. Reason: certificate chain too long"},
		{"no certificate", "", "", "", 403, "Access denied. Reason: No client certificate presented"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := clientFor(t, tt.cert, tt.key, tt.extra, nil).Get("https://" + addr + "/prod/pets")
			if err != nil {
				t.Fatalf("handshake/request failed: %v", err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || string(body) != tt.body {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.status, tt.body)
			}
			if resp.ProtoMajor != 2 {
				t.Errorf("protocol %s, want HTTP/2", resp.Proto)
			}
		})
	}
}

func TestHandshakeHonoursSecurityPolicy(t *testing.T) {
	s := pki(t)
	ts := load(t, mustRead(t, s.CAFile))
	maxVersion := func(v uint16) func(*tls.Config) {
		return func(c *tls.Config) { c.MinVersion, c.MaxVersion = tls.VersionTLS10, v }
	}
	for _, tt := range []struct {
		policy string
		client uint16
		ok     bool
	}{
		{"TLS_1_0", tls.VersionTLS10, true},
		{"TLS_1_2", tls.VersionTLS11, false},
		{"TLS_1_2", tls.VersionTLS12, true},
		{"SecurityPolicy_TLS13_1_3_2025_09", tls.VersionTLS12, false},
		{"SecurityPolicy_TLS13_1_3_2025_09", tls.VersionTLS13, true},
	} {
		t.Run(fmt.Sprintf("%s/%x", tt.policy, tt.client), func(t *testing.T) {
			addr := startServer(t, tt.policy, ts)
			resp, err := clientFor(t, s.ClientCert, s.ClientKey, "", maxVersion(tt.client)).Get("https://" + addr + "/")
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("status %d", resp.StatusCode)
				}
			}
		})
	}
}
