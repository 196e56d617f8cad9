package mtls

import (
	"crypto/x509"
	"fmt"
	"time"
)

// Reasons API Gateway writes after `Access denied. Reason: ` in the execution
// log when it rejects a client certificate with 403 Forbidden (facts §3.3,
// from the Knowledge Center article on mutual TLS 403 errors). The first
// three are AWS's published strings; the others are [UNCONFIRMED]: AWS's
// wording is not published, so OpenSSL's verify-error strings are used, in
// keeping with AWS's "self signed certificate" (which is OpenSSL's).
const (
	ReasonNoIssuer          = "Could not find issuer for certificate"
	ReasonSelfSigned        = "self signed certificate"
	ReasonInsecureAlgorithm = "Client cert using an insecure Signature Algorithm"
	ReasonExpired           = "certificate has expired"         // [UNCONFIRMED] OpenSSL X509_V_ERR_CERT_HAS_EXPIRED
	ReasonNotYetValid       = "certificate is not yet valid"    // [UNCONFIRMED] OpenSSL X509_V_ERR_CERT_NOT_YET_VALID
	ReasonChainTooLong      = "certificate chain too long"      // [UNCONFIRMED] OpenSSL X509_V_ERR_CERT_CHAIN_TOO_LONG
	ReasonNoCertificate     = "No client certificate presented" // [UNCONFIRMED] wording is Portcullis's
)

// LogPrefix starts the execution-log line of a rejected certificate.
const LogPrefix = "Access denied. Reason: "

// MaxChainCAs is AWS's "Certificates can have a maximum chain length of four"
// (facts §8.5), read as four CA certificates (root plus up to three
// intermediates) above the client's leaf, which is not counted — as measured
// against AWS in "Understanding the API Gateway mTLS chain depth limit"
// (javierinthecloud.com, 2025).
const MaxChainCAs = 4

// maxPath bounds path building (certificates in a candidate path) and
// maxSteps the signature checks one Verify may do, so hostile input is cheap.
const (
	maxPath  = 2*MaxChainCAs + 2
	maxSteps = 256
)

// Result is the outcome of Verify.
type Result struct {
	OK bool
	// Reason is AWS's execution-log reason ("" when OK); see LogLine.
	Reason string
	// Detail names the certificate at fault, for decision evidence.
	Detail string
	// Cert describes the client's leaf certificate (nil when none was sent).
	Cert *ClientCert
	// Chain is the number of certificates in the verified path, leaf and
	// truststore anchor included (0 when no path was found).
	Chain int
}

// LogLine is the execution-log line: `Access denied. Reason: …` ("" when OK).
func (r Result) LogLine() string {
	if r.OK {
		return ""
	}
	return LogPrefix + r.Reason
}

// Verify checks a client certificate chain as the TLS handshake received it
// (leaf first; r.TLS.PeerCertificates) against the truststore, the way API
// Gateway does for a custom domain with mutual TLS (facts §8.5):
//
//  1. a path must lead from the leaf to a certificate in the truststore, by
//     name and signature; intermediates may come from the client or from the
//     truststore. A leaf that is its own issuer and not in the truststore →
//     "self signed certificate"; otherwise no path → "Could not find issuer
//     for certificate";
//  2. at most MaxChainCAs CA certificates above the leaf → else "certificate
//     chain too long";
//  3. every certificate of the path uses SHA-256+, RSA-2048+ or ECDSA-256+
//     → else "Client cert using an insecure Signature Algorithm";
//  4. every certificate of the path is within its validity window at now.
//
// Revocation is not checked ("API Gateway doesn't verify if a certificate has
// been revoked"), nor are key usages or names.
func (t *Truststore) Verify(chain []*x509.Certificate, now time.Time) Result {
	if len(chain) == 0 || chain[0] == nil {
		return Result{Reason: ReasonNoCertificate, Detail: "the client sent no certificate"}
	}
	leaf := chain[0]
	res := Result{Cert: NewClientCert(leaf)}
	var inter []*x509.Certificate
	for _, c := range chain[1:] {
		if c != nil && len(inter) < maxPath {
			inter = append(inter, c)
		}
	}
	b := builder{t: t, inter: inter}
	path := b.build([]*x509.Certificate{leaf})
	if path == nil {
		switch {
		case selfSigned(leaf):
			res.Reason = ReasonSelfSigned
			res.Detail = fmt.Sprintf("the client certificate (%s) is self-signed and is not in the truststore", res.Cert.SubjectDN)
		case b.tooLong:
			res.Reason = ReasonChainTooLong
			res.Detail = fmt.Sprintf("no path of at most %d CA certificates leads from the client certificate to the truststore", MaxChainCAs)
		default:
			res.Reason = ReasonNoIssuer
			res.Detail = fmt.Sprintf("no certificate in the truststore (or sent by the client) issued %q; the truststore must hold the issuing CA and every CA up to the root", res.Cert.IssuerDN)
		}
		return res
	}
	res.Chain = len(path)
	if cas := len(path) - 1; cas > MaxChainCAs {
		res.Reason = ReasonChainTooLong
		res.Detail = fmt.Sprintf("the chain has %d CA certificates above the client certificate; API Gateway allows %d", cas, MaxChainCAs)
		return res
	}
	for i, c := range path {
		if why := weakness(c); why != "" {
			res.Reason = ReasonInsecureAlgorithm
			res.Detail = fmt.Sprintf("%s (%s): %s", position(i), distinguishedName(c.RawSubject, c.Subject), why)
			return res
		}
	}
	for i, c := range path {
		switch {
		case now.After(c.NotAfter):
			res.Reason = ReasonExpired
			res.Detail = fmt.Sprintf("%s (%s) expired on %s", position(i), distinguishedName(c.RawSubject, c.Subject), c.NotAfter.UTC().Format(AWSTimeLayout))
			return res
		case now.Before(c.NotBefore):
			res.Reason = ReasonNotYetValid
			res.Detail = fmt.Sprintf("%s (%s) is not valid before %s", position(i), distinguishedName(c.RawSubject, c.Subject), c.NotBefore.UTC().Format(AWSTimeLayout))
			return res
		}
	}
	res.OK = true
	return res
}

func position(i int) string {
	if i == 0 {
		return "the client certificate"
	}
	return fmt.Sprintf("CA certificate %d of the chain", i)
}

// builder searches depth-first for a path to a truststore certificate,
// preferring truststore issuers over client-sent ones. A path that reaches a
// truststore certificate is extended up to a self-signed truststore root when
// one exists, so that depth and algorithms are judged on the whole chain.
type builder struct {
	t       *Truststore
	inter   []*x509.Certificate
	steps   int
	tooLong bool
}

func (b *builder) build(path []*x509.Certificate) []*x509.Certificate {
	cur := path[len(path)-1]
	anchored := b.t.contains(cur)
	if anchored && selfSigned(cur) {
		return path
	}
	if len(path) >= maxPath {
		if anchored {
			return path
		}
		b.tooLong = true
		return nil
	}
	try := func(cand *x509.Certificate) []*x509.Certificate {
		for _, p := range path {
			if p.Equal(cand) {
				return nil
			}
		}
		if b.steps >= maxSteps {
			return nil
		}
		b.steps++
		if !issuedBy(cur, cand) {
			return nil
		}
		return b.build(append(path[:len(path):len(path)], cand))
	}
	for _, cand := range b.t.certs {
		if p := try(cand); p != nil {
			return p
		}
	}
	for _, cand := range b.inter {
		if p := try(cand); p != nil {
			return p
		}
	}
	if anchored {
		// A truststore certificate whose issuer is absent: the path ends
		// here (LoadTruststore warned about the incomplete chain of trust).
		return path
	}
	return nil
}
