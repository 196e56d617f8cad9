package certgen

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func mustGenerate(t *testing.T, o Options) *Set {
	t.Helper()
	s, err := Generate(o)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return s
}

func one(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	cs, err := ReadCertificates(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 {
		t.Fatalf("%s: %d certificates, want 1", path, len(cs))
	}
	return cs[0]
}

func TestGenerateWritesParsableFiles(t *testing.T) {
	dir := t.TempDir()
	s := mustGenerate(t, Options{Dir: dir, Hosts: []string{"api.example.test", "*.execute-api.localhost", "localhost", "127.0.0.1"}, Now: testNow})

	trust, err := ReadCertificates(s.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(trust) != 2 {
		t.Fatalf("truststore has %d certificates, want root and intermediate", len(trust))
	}
	root, inter := trust[0], trust[1]
	if !root.IsCA || !inter.IsCA {
		t.Fatal("truststore certificates must be CAs")
	}
	if _, ok := root.PublicKey.(*rsa.PublicKey); !ok || root.SignatureAlgorithm != x509.SHA256WithRSA {
		t.Errorf("root: %T %v, want RSA SHA256-RSA", root.PublicKey, root.SignatureAlgorithm)
	}
	if k, ok := inter.PublicKey.(*rsa.PublicKey); ok {
		t.Errorf("intermediate key is RSA-%d, want ECDSA", k.N.BitLen())
	}
	if !bytes.Equal(one(t, s.IntermediateCert).Raw, inter.Raw) {
		t.Error("IntermediateCert differs from the truststore's intermediate")
	}

	roots := x509.NewCertPool()
	roots.AddCert(root)
	inters := x509.NewCertPool()
	inters.AddCert(inter)

	srv := one(t, s.ServerCert)
	if diff := cmp.Diff([]string{"api.example.test", "*.execute-api.localhost", "localhost"}, srv.DNSNames); diff != "" {
		t.Errorf("server DNS names (-want +got):\n%s", diff)
	}
	if len(srv.IPAddresses) != 1 || srv.IPAddresses[0].String() != "127.0.0.1" {
		t.Errorf("server IPs = %v", srv.IPAddresses)
	}
	if _, err := srv.Verify(x509.VerifyOptions{Roots: roots, DNSName: "api.example.test", CurrentTime: testNow}); err != nil {
		t.Errorf("server certificate does not verify: %v", err)
	}

	client := one(t, s.ClientCert)
	if _, err := client.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, CurrentTime: testNow, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("good client does not verify: %v", err)
	}
	if k, ok := client.PublicKey.(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() || client.SignatureAlgorithm != x509.ECDSAWithSHA256 {
		t.Errorf("good client: %T %v, want ECDSA P-256 ECDSA-SHA256", client.PublicKey, client.SignatureAlgorithm)
	}

	other := one(t, s.OtherCACert)
	if wrong := one(t, s.WrongCAClientCert); wrong.CheckSignatureFrom(other) != nil {
		t.Error("wrong-CA client is not issued by OtherCACert")
	}
	if exp := one(t, s.ExpiredClientCert); !testNow.After(exp.NotAfter) || exp.CheckSignatureFrom(inter) != nil {
		t.Errorf("expired client: notAfter %s, want before %s and issued by the intermediate", exp.NotAfter, testNow)
	}
	if self := one(t, s.SelfSignedClientCert); !bytes.Equal(self.RawIssuer, self.RawSubject) || self.CheckSignature(self.SignatureAlgorithm, self.RawTBSCertificate, self.Signature) != nil {
		t.Error("self-signed client is not self-signed")
	}
	weak := one(t, s.WeakClientCert)
	if k, ok := weak.PublicKey.(*rsa.PublicKey); !ok || k.N.BitLen() != 1024 {
		t.Errorf("weak client key: %T, want RSA-1024", weak.PublicKey)
	}
	if weak.SignatureAlgorithm != x509.ECDSAWithSHA1 {
		t.Errorf("weak client signature = %v, want ECDSA-SHA1", weak.SignatureAlgorithm)
	}
	if err := inter.CheckSignature(weak.SignatureAlgorithm, weak.RawTBSCertificate, weak.Signature); err != nil {
		t.Errorf("weak client not signed by the intermediate: %v", err)
	}

	deepChain, err := ReadCertificates(s.DeepChainFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(deepChain) != 4 {
		t.Fatalf("deep chain has %d certificates, want 4", len(deepChain))
	}
	child := one(t, s.DeepClientCert)
	for i, c := range append(deepChain, root) {
		if err := c.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature); err != nil {
			t.Fatalf("deep chain link %d (%s) did not sign %s: %v", i, c.Subject, child.Subject, err)
		}
		child = c
	}

	for _, p := range [][2]string{{s.ServerCert, s.ServerKey}, {s.ClientCert, s.ClientKey}, {s.WrongCAClientCert, s.WrongCAClientKey}, {s.ExpiredClientCert, s.ExpiredClientKey}, {s.SelfSignedClientCert, s.SelfSignedClientKey}, {s.WeakClientCert, s.WeakClientKey}, {s.DeepClientCert, s.DeepClientKey}} {
		k, err := ReadKey(p[1])
		if err != nil {
			t.Fatal(err)
		}
		if !k.Public().(publicKeyEqualer).Equal(one(t, p[0]).PublicKey) {
			t.Errorf("%s does not match %s", p[1], p[0])
		}
		fi, err := os.Stat(p[1])
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", p[1], fi.Mode().Perm())
		}
	}
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = string(b)
	}
	return m
}

func TestGenerateIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, Hosts: []string{"api.example.test"}, Now: testNow}
	mustGenerate(t, o)
	before := snapshot(t, dir)
	if len(before) != 18 {
		t.Errorf("%d files written, want 18", len(before))
	}

	// Same options, a day later: nothing is rewritten.
	o.Now = testNow.Add(24 * time.Hour)
	mustGenerate(t, o)
	if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
		t.Errorf("second Generate rewrote files (-before +after):\n%s", diff)
	}

	// A host the server certificate lacks: regenerate.
	o.Hosts = []string{"api.example.test", "other.example.test"}
	s := mustGenerate(t, o)
	if got := one(t, s.ServerCert).DNSNames; !cmp.Equal(got, o.Hosts) {
		t.Errorf("server DNS names after host change = %v", got)
	}
	if before[fileClientCert] == snapshot(t, dir)[fileClientCert] {
		t.Error("client certificate kept after regeneration")
	}

	// Past the leaves' expiry: regenerate.
	after := snapshot(t, dir)
	o.Now = testNow.AddDate(2, 0, 0)
	s = mustGenerate(t, o)
	if after[fileClientCert] == snapshot(t, dir)[fileClientCert] {
		t.Error("client certificate not regenerated after it expired")
	}
	if c := one(t, s.ClientCert); !o.Now.Before(c.NotAfter) {
		t.Errorf("regenerated client expires %s, before %s", c.NotAfter, o.Now)
	}

	// A corrupted key file: regenerate.
	if err := os.WriteFile(s.ClientKey, []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustGenerate(t, o)
	if _, err := ReadKey(s.ClientKey); err != nil {
		t.Errorf("corrupted key not regenerated: %v", err)
	}
}

func TestGenerateDefaultsAndErrors(t *testing.T) {
	if _, err := Generate(Options{}); err == nil {
		t.Error("Generate with no Dir succeeded")
	}
	dir := filepath.Join(t.TempDir(), "nested", "certs")
	s := mustGenerate(t, Options{Dir: dir})
	srv := one(t, s.ServerCert)
	if !cmp.Equal(srv.DNSNames, []string{"localhost"}) || len(srv.IPAddresses) != 1 {
		t.Errorf("default hosts: DNS %v IP %v", srv.DNSNames, srv.IPAddresses)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v, want 0700", fi.Mode().Perm())
	}
}
