// Package certgen writes a small PKI for trying and testing mutual TLS on a
// custom domain (facts §8.5): a root CA and an intermediate CA whose
// certificates together form the truststore ("You must include the complete
// chain of trust, starting from the issuing CA certificate, up to the root CA
// certificate"), a server certificate, a good client certificate
// (root → intermediate → leaf), and one bad client certificate for each reason
// API Gateway rejects a client: wrong CA, expired, self-signed, weak
// algorithm, chain too deep.
//
// Keys: the root CA is RSA-2048, every other key is ECDSA P-256, and every
// good signature is SHA-256 (SHA256-RSA or ECDSA-SHA256).
//
// The weak client certificate: Go's crypto/x509 still creates certificates
// with an RSA-1024 key and a SHA-1 signature (it only refuses to *verify*
// SHA-1 through CheckSignatureFrom / Verify). The weak leaf therefore has an
// RSA-1024 public key and is signed by the intermediate with ECDSA-SHA1, so it
// breaks both "RSA-2048 or stronger" and "SHA-256 or stronger" (facts §8.5);
// AWS logs `Access denied. Reason: Client cert using an insecure Signature
// Algorithm` for it (facts §3.3).
//
// Generate is idempotent: when every file already exists, parses, its key
// matches, the certificates that must be valid are valid at Options.Now and
// the server certificate covers Options.Hosts, nothing is rewritten.
package certgen

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Options says where to write and what the server certificate must cover.
type Options struct {
	// Dir receives the PEM files; it is created (0700) if missing.
	Dir string
	// Hosts are the server certificate's SANs: DNS names (wildcards allowed)
	// or IP addresses. Empty means localhost and 127.0.0.1.
	Hosts []string
	// Now is the reference time for validity windows; zero means time.Now().
	Now time.Time
}

// Set holds the paths of the files Generate wrote (all PEM).
type Set struct {
	// CAFile is the truststore: the root CA then the intermediate CA.
	CAFile string
	// ServerCert and ServerKey are the custom domain's certificate (issued by
	// the root) and key. Clients trust it through CAFile.
	ServerCert, ServerKey string
	// ClientCert (leaf only, issued by the intermediate) and ClientKey: accepted.
	ClientCert, ClientKey string

	// OtherCACert is an unrelated root CA.
	OtherCACert string
	// WrongCAClientCert is issued by OtherCACert: "Could not find issuer for certificate".
	WrongCAClientCert, WrongCAClientKey string
	// ExpiredClientCert is issued by the intermediate and expired a day before Now.
	ExpiredClientCert, ExpiredClientKey string
	// SelfSignedClientCert is its own issuer: "self signed certificate".
	SelfSignedClientCert, SelfSignedClientKey string
	// WeakClientCert has an RSA-1024 key and an ECDSA-SHA1 signature from the
	// intermediate: "Client cert using an insecure Signature Algorithm".
	WeakClientCert, WeakClientKey string
	// DeepClientCert is issued by the fourth of four nested intermediates
	// below the root (root → int1 → int2 → int3 → int4 → leaf: five CA
	// certificates, one more than AWS's "maximum chain length of four").
	DeepClientCert, DeepClientKey string
	// DeepChainFile holds int4, int3, int2, int1 (in the order a client sends
	// them after its leaf).
	DeepChainFile string
	// IntermediateCert is the intermediate CA alone.
	IntermediateCert string
}

// File names inside Options.Dir.
const (
	fileCA             = "truststore.pem"
	fileIntermediate   = "intermediate.pem"
	fileServerCert     = "server.crt"
	fileServerKey      = "server.key"
	fileClientCert     = "client.crt"
	fileClientKey      = "client.key"
	fileOtherCA        = "other-ca.crt"
	fileWrongCert      = "wrong-ca-client.crt"
	fileWrongKey       = "wrong-ca-client.key"
	fileExpiredCert    = "expired-client.crt"
	fileExpiredKey     = "expired-client.key"
	fileSelfSignedCert = "self-signed-client.crt"
	fileSelfSignedKey  = "self-signed-client.key"
	fileWeakCert       = "weak-client.crt"
	fileWeakKey        = "weak-client.key"
	fileDeepCert       = "deep-client.crt"
	fileDeepKey        = "deep-client.key"
	fileDeepChain      = "deep-chain.pem"
)

func (o Options) set() *Set {
	p := func(n string) string { return filepath.Join(o.Dir, n) }
	return &Set{
		CAFile: p(fileCA), IntermediateCert: p(fileIntermediate),
		ServerCert: p(fileServerCert), ServerKey: p(fileServerKey),
		ClientCert: p(fileClientCert), ClientKey: p(fileClientKey),
		OtherCACert:       p(fileOtherCA),
		WrongCAClientCert: p(fileWrongCert), WrongCAClientKey: p(fileWrongKey),
		ExpiredClientCert: p(fileExpiredCert), ExpiredClientKey: p(fileExpiredKey),
		SelfSignedClientCert: p(fileSelfSignedCert), SelfSignedClientKey: p(fileSelfSignedKey),
		WeakClientCert: p(fileWeakCert), WeakClientKey: p(fileWeakKey),
		DeepClientCert: p(fileDeepCert), DeepClientKey: p(fileDeepKey),
		DeepChainFile: p(fileDeepChain),
	}
}

func (o Options) normalized() Options {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if len(o.Hosts) == 0 {
		o.Hosts = []string{"localhost", "127.0.0.1"}
	}
	return o
}

// Generate writes the PKI under o.Dir (keys 0600, certificates 0644) unless a
// valid one is already there, and returns the file paths.
func Generate(o Options) (*Set, error) {
	if o.Dir == "" {
		return nil, errors.New("certgen: Options.Dir is empty")
	}
	o = o.normalized()
	s := o.set()
	if err := s.check(o); err == nil {
		return s, nil
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("certgen: %w", err)
	}
	if err := generate(o, s); err != nil {
		return nil, fmt.Errorf("certgen: %w", err)
	}
	return s, nil
}

// issued is a certificate with its key.
type issued struct {
	cert *x509.Certificate
	der  []byte
	key  crypto.Signer
}

type spec struct {
	cn        string
	org       string
	ca        bool
	notBefore time.Time
	notAfter  time.Time
	key       crypto.Signer
	sigAlg    x509.SignatureAlgorithm
	hosts     []string
	client    bool
}

func newSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

// issue signs sp with parent (nil parent: self-signed).
func issue(sp spec, parent *issued) (*issued, error) {
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{sp.org}, CommonName: sp.cn},
		NotBefore:             sp.notBefore,
		NotAfter:              sp.notAfter,
		BasicConstraintsValid: true,
		IsCA:                  sp.ca,
		SignatureAlgorithm:    sp.sigAlg,
	}
	switch {
	case sp.ca:
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	case sp.client:
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	default:
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	for _, h := range sp.hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	signerCert, signerKey := tmpl, sp.key
	if parent != nil {
		signerCert, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, sp.key.Public(), signerKey)
	if err != nil {
		return nil, fmt.Errorf("create certificate %q: %w", sp.cn, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate %q: %w", sp.cn, err)
	}
	return &issued{cert: c, der: der, key: sp.key}, nil
}

func ecKey() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }

func generate(o Options, s *Set) error {
	now := o.Now.UTC().Truncate(time.Second)
	caFrom, caTo := now.Add(-time.Hour), now.AddDate(10, 0, 0)
	leafFrom, leafTo := now.Add(-time.Hour), now.AddDate(1, 0, 0)

	rootKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	root, err := issue(spec{cn: "Portcullis Test Root CA", org: "Portcullis", ca: true, notBefore: caFrom, notAfter: caTo, key: rootKey, sigAlg: x509.SHA256WithRSA}, nil)
	if err != nil {
		return err
	}
	k, err := ecKey()
	if err != nil {
		return err
	}
	inter, err := issue(spec{cn: "Portcullis Test Intermediate CA", org: "Portcullis", ca: true, notBefore: caFrom, notAfter: caTo, key: k, sigAlg: x509.SHA256WithRSA}, root)
	if err != nil {
		return err
	}
	if k, err = ecKey(); err != nil {
		return err
	}
	server, err := issue(spec{cn: o.Hosts[0], org: "Portcullis", notBefore: leafFrom, notAfter: leafTo, key: k, sigAlg: x509.SHA256WithRSA, hosts: o.Hosts}, root)
	if err != nil {
		return err
	}
	leaf := func(cn string, parent *issued, from, to time.Time, sig x509.SignatureAlgorithm, key crypto.Signer) (*issued, error) {
		if key == nil {
			var err error
			if key, err = ecKey(); err != nil {
				return nil, err
			}
		}
		return issue(spec{cn: cn, org: "Portcullis Clients", notBefore: from, notAfter: to, key: key, sigAlg: sig, client: true}, parent)
	}
	client, err := leaf("good-client", inter, leafFrom, leafTo, x509.ECDSAWithSHA256, nil)
	if err != nil {
		return err
	}
	if k, err = ecKey(); err != nil {
		return err
	}
	other, err := issue(spec{cn: "Unrelated Root CA", org: "Elsewhere", ca: true, notBefore: caFrom, notAfter: caTo, key: k, sigAlg: x509.ECDSAWithSHA256}, nil)
	if err != nil {
		return err
	}
	wrong, err := leaf("wrong-ca-client", other, leafFrom, leafTo, x509.ECDSAWithSHA256, nil)
	if err != nil {
		return err
	}
	expired, err := leaf("expired-client", inter, now.AddDate(0, 0, -30), now.AddDate(0, 0, -1), x509.ECDSAWithSHA256, nil)
	if err != nil {
		return err
	}
	self, err := leaf("self-signed-client", nil, leafFrom, leafTo, x509.ECDSAWithSHA256, nil)
	if err != nil {
		return err
	}
	weakKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		return err
	}
	weak, err := leaf("weak-client", inter, leafFrom, leafTo, x509.ECDSAWithSHA1, weakKey)
	if err != nil {
		return err
	}
	parent := root
	var deepChain []*issued
	for i := 1; i <= 4; i++ {
		if k, err = ecKey(); err != nil {
			return err
		}
		// The zero SignatureAlgorithm lets Go pick SHA-256 for the parent's key type.
		ic, err := issue(spec{cn: fmt.Sprintf("Portcullis Deep Intermediate CA %d", i), org: "Portcullis", ca: true, notBefore: caFrom, notAfter: caTo, key: k}, parent)
		if err != nil {
			return err
		}
		deepChain = append([]*issued{ic}, deepChain...)
		parent = ic
	}
	deep, err := leaf("deep-client", parent, leafFrom, leafTo, x509.ECDSAWithSHA256, nil)
	if err != nil {
		return err
	}

	files := []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{s.CAFile, certsPEM(root, inter), 0o644},
		{s.IntermediateCert, certsPEM(inter), 0o644},
		{s.ServerCert, certsPEM(server), 0o644},
		{s.ClientCert, certsPEM(client), 0o644},
		{s.OtherCACert, certsPEM(other), 0o644},
		{s.WrongCAClientCert, certsPEM(wrong), 0o644},
		{s.ExpiredClientCert, certsPEM(expired), 0o644},
		{s.SelfSignedClientCert, certsPEM(self), 0o644},
		{s.WeakClientCert, certsPEM(weak), 0o644},
		{s.DeepClientCert, certsPEM(deep), 0o644},
		{s.DeepChainFile, certsPEM(deepChain...), 0o644},
	}
	for _, kf := range []struct {
		path string
		is   *issued
	}{{s.ServerKey, server}, {s.ClientKey, client}, {s.WrongCAClientKey, wrong}, {s.ExpiredClientKey, expired}, {s.SelfSignedClientKey, self}, {s.WeakClientKey, weak}, {s.DeepClientKey, deep}} {
		der, err := x509.MarshalPKCS8PrivateKey(kf.is.key)
		if err != nil {
			return fmt.Errorf("marshal key %s: %w", kf.path, err)
		}
		files = append(files, struct {
			path string
			data []byte
			mode os.FileMode
		}{kf.path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600})
	}
	for _, f := range files {
		if err := writeFile(f.path, f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}

func certsPEM(cs ...*issued) []byte {
	var b bytes.Buffer
	for _, c := range cs {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.der})
	}
	return b.Bytes()
}

// writeFile writes atomically (temp file then rename) with mode.
func writeFile(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".certgen-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name) // no-op after a successful rename
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// ReadCertificates parses every CERTIFICATE block of a PEM file.
func ReadCertificates(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no certificate", path)
	}
	return out, nil
}

// ReadKey parses a PKCS#8 "PRIVATE KEY" PEM file.
func ReadKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: no PRIVATE KEY block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s: key of type %T cannot sign", path, k)
	}
	return s, nil
}

type publicKeyEqualer interface{ Equal(crypto.PublicKey) bool }

// check reports why the files under o.Dir cannot be reused (nil: reuse them).
func (s *Set) check(o Options) error {
	pairs := []struct {
		cert, key string
		valid     bool // must be valid at o.Now (the expired one must not be)
	}{
		{s.ServerCert, s.ServerKey, true}, {s.ClientCert, s.ClientKey, true},
		{s.WrongCAClientCert, s.WrongCAClientKey, true}, {s.ExpiredClientCert, s.ExpiredClientKey, false},
		{s.SelfSignedClientCert, s.SelfSignedClientKey, true}, {s.WeakClientCert, s.WeakClientKey, true},
		{s.DeepClientCert, s.DeepClientKey, true},
	}
	for _, p := range pairs {
		cs, err := ReadCertificates(p.cert)
		if err != nil {
			return err
		}
		k, err := ReadKey(p.key)
		if err != nil {
			return err
		}
		if pk, ok := k.Public().(publicKeyEqualer); !ok || !pk.Equal(cs[0].PublicKey) {
			return fmt.Errorf("%s does not match %s", p.key, p.cert)
		}
		if validAt(cs[0], o.Now) != p.valid {
			return fmt.Errorf("%s: validity at %s is not as required", p.cert, o.Now)
		}
	}
	for _, f := range []string{s.CAFile, s.IntermediateCert, s.OtherCACert, s.DeepChainFile} {
		cs, err := ReadCertificates(f)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if !validAt(c, o.Now) {
				return fmt.Errorf("%s: %q not valid at %s", f, c.Subject, o.Now)
			}
		}
	}
	srv, err := ReadCertificates(s.ServerCert)
	if err != nil {
		return err
	}
	for _, h := range o.Hosts {
		if ip := net.ParseIP(h); ip != nil {
			if !slices.ContainsFunc(srv[0].IPAddresses, ip.Equal) {
				return fmt.Errorf("server certificate lacks IP %s", h)
			}
		} else if !slices.Contains(srv[0].DNSNames, h) {
			return fmt.Errorf("server certificate lacks DNS name %s", h)
		}
	}
	return nil
}

func validAt(c *x509.Certificate, t time.Time) bool {
	return !t.Before(c.NotBefore) && !t.After(c.NotAfter)
}
