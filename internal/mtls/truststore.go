package mtls

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// Truststore is a custom domain's mutual TLS truststore: the concatenated
// `-----BEGIN CERTIFICATE-----` blocks of the file named by
// `mutualTlsAuthentication.truststoreUri` (facts §8.5). It is immutable and
// safe for concurrent use.
type Truststore struct {
	certs []*x509.Certificate
	raw   map[string]bool // DER of each certificate
}

// ErrEmptyTruststore is returned when the PEM holds no usable certificate.
var ErrEmptyTruststore = errors.New("mtls: truststore holds no valid certificate")

// LoadTruststore parses a truststore PEM, judging validity at time.Now(). See
// LoadTruststoreAt.
func LoadTruststore(pemBytes []byte) (*Truststore, []string, error) {
	return LoadTruststoreAt(pemBytes, time.Now())
}

// LoadTruststoreAt parses a truststore PEM and returns it with AWS-style
// `truststoreWarnings` (facts §8.5: "Invalid certificates produce warnings.
// Mutual TLS is still enabled, but some clients might not be able to access
// your API."). A warning is produced for a block that is not a certificate or
// does not parse (it is skipped), and for a certificate that is expired or not
// yet valid at now, uses a weak key or signature algorithm, is not a CA
// certificate, is a duplicate, or whose issuer is not in the truststore (the
// "complete chain of trust" rule). Only a truststore with no usable
// certificate at all is an error. The warning wording is Portcullis's own:
// AWS's exact strings are not published.
func LoadTruststoreAt(pemBytes []byte, now time.Time) (*Truststore, []string, error) {
	t := &Truststore{raw: map[string]bool{}}
	var warnings []string
	rest := pemBytes
	n := 0
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		n++
		if b.Type != "CERTIFICATE" {
			warnings = append(warnings, fmt.Sprintf("PEM block %d: type %q is not CERTIFICATE; skipped", n, b.Type))
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("PEM block %d: not a valid X.509 certificate (%v); skipped", n, err))
			continue
		}
		name := fmt.Sprintf("Certificate %d (%s)", n, distinguishedName(c.RawSubject, c.Subject))
		if t.raw[string(c.Raw)] {
			warnings = append(warnings, name+": duplicate; skipped")
			continue
		}
		t.raw[string(c.Raw)] = true
		t.certs = append(t.certs, c)
		switch {
		case now.After(c.NotAfter):
			warnings = append(warnings, fmt.Sprintf("%s: expired on %s", name, c.NotAfter.UTC().Format(AWSTimeLayout)))
		case now.Before(c.NotBefore):
			warnings = append(warnings, fmt.Sprintf("%s: not valid before %s", name, c.NotBefore.UTC().Format(AWSTimeLayout)))
		}
		if why := weakness(c); why != "" {
			warnings = append(warnings, name+": "+why+" (API Gateway requires SHA-256 or stronger, RSA-2048 or stronger, ECDSA-256 or stronger)")
		}
		if !isCA(c) {
			warnings = append(warnings, name+": not a CA certificate (basicConstraints CA:FALSE)")
		}
	}
	if len(t.certs) == 0 {
		if n == 0 {
			return nil, nil, fmt.Errorf("%w: no PEM CERTIFICATE block found", ErrEmptyTruststore)
		}
		return nil, warnings, ErrEmptyTruststore
	}
	for _, c := range t.certs {
		if bytes.Equal(c.RawIssuer, c.RawSubject) {
			continue
		}
		if len(t.issuersOf(c)) == 0 {
			warnings = append(warnings, fmt.Sprintf("Certificate (%s): its issuer (%s) is not in the truststore; include the complete chain of trust up to the root CA",
				distinguishedName(c.RawSubject, c.Subject), distinguishedName(c.RawIssuer, c.Issuer)))
		}
	}
	return t, warnings, nil
}

// Certificates returns the truststore's certificates in file order.
func (t *Truststore) Certificates() []*x509.Certificate {
	return append([]*x509.Certificate(nil), t.certs...)
}

// contains reports whether c itself is in the truststore.
func (t *Truststore) contains(c *x509.Certificate) bool { return t.raw[string(c.Raw)] }

// issuersOf returns the truststore certificates that issued c.
func (t *Truststore) issuersOf(c *x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	for _, p := range t.certs {
		if issuedBy(c, p) {
			out = append(out, p)
		}
	}
	return out
}

// isCA: a v3 certificate must say CA:TRUE; v1/v2 certificates (old roots)
// have no basicConstraints and are accepted as CAs, as OpenSSL does.
func isCA(c *x509.Certificate) bool {
	if c.Version < 3 {
		return true
	}
	return c.BasicConstraintsValid && c.IsCA
}

// issuedBy reports whether parent's name and key issued child. It uses
// CheckSignature, which (unlike CheckSignatureFrom) still verifies SHA-1
// signatures, so a weak certificate is chained first and then rejected for
// its algorithm, as AWS does. MD5/MD2 signatures cannot be verified by Go;
// for those a name match is enough, since the algorithm check rejects them.
func issuedBy(child, parent *x509.Certificate) bool {
	if !bytes.Equal(child.RawIssuer, parent.RawSubject) || !isCA(parent) {
		return false
	}
	switch child.SignatureAlgorithm {
	case x509.MD2WithRSA, x509.MD5WithRSA:
		return true
	}
	return parent.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature) == nil
}

// selfSigned reports whether c names itself as issuer and its own key verifies it.
func selfSigned(c *x509.Certificate) bool {
	if !bytes.Equal(c.RawIssuer, c.RawSubject) {
		return false
	}
	switch c.SignatureAlgorithm {
	case x509.MD2WithRSA, x509.MD5WithRSA:
		return true
	}
	return c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// weakness says why c breaks facts §8.5's "SHA-256 or stronger",
// "RSA-2048 or stronger", "ECDSA-256 or stronger" ("" if it does not). Key
// types other than RSA and ECDSA (DSA, Ed25519) are not on AWS's list and
// count as unsupported.
func weakness(c *x509.Certificate) string {
	switch c.SignatureAlgorithm {
	case x509.SHA256WithRSA, x509.SHA384WithRSA, x509.SHA512WithRSA,
		x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS,
		x509.ECDSAWithSHA256, x509.ECDSAWithSHA384, x509.ECDSAWithSHA512:
	default:
		return fmt.Sprintf("insecure signature algorithm %s", c.SignatureAlgorithm)
	}
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		if n := k.N.BitLen(); n < 2048 {
			return fmt.Sprintf("weak key RSA-%d", n)
		}
	case *ecdsa.PublicKey:
		if n := k.Curve.Params().BitSize; n < 256 {
			return fmt.Sprintf("weak key ECDSA-%d", n)
		}
	default:
		return fmt.Sprintf("unsupported key algorithm %s", c.PublicKeyAlgorithm)
	}
	return ""
}
