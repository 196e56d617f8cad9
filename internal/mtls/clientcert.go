package mtls

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"slices"
	"time"
)

// ClientCert is the client certificate as API Gateway passes it on in
// `$context.identity.clientCert.*` and in `requestContext.identity.clientCert`
// of the authorizer and proxy events (facts §2.3, §4.2, §8.5).
//
// Formats, taken from the sample events AWS publishes (aws-lambda-go's
// events/testdata, e.g. apigw-custom-auth-request-type-request.json):
//   - SubjectDN / IssuerDN: the RDNs in certificate (DER) order, joined by ","
//     with no spaces, RFC 4514 escaping, e.g.
//     `C=US,ST=Washington,L=Seattle,O=Amazon Web Services,OU=Security,CN=My Client`;
//   - SerialNumber: decimal (the sample shows "1"; AWS's placeholder example
//     "a1:a1:…" is not a real capture) — [UNCONFIRMED] for large serials;
//   - validity dates: OpenSSL's format, "Aug  5 00:28:21 2120 GMT" (day padded
//     with a space), exposed by NotBeforeString / NotAfterString.
type ClientCert struct {
	PEM          string
	SubjectDN    string
	IssuerDN     string
	SerialNumber string
	NotBefore    time.Time
	NotAfter     time.Time
}

// AWSTimeLayout is the layout of clientCert.validity.notBefore / notAfter.
const AWSTimeLayout = "Jan _2 15:04:05 2006 GMT"

// NotBeforeString is clientCert.validity.notBefore.
func (c *ClientCert) NotBeforeString() string { return c.NotBefore.UTC().Format(AWSTimeLayout) }

// NotAfterString is clientCert.validity.notAfter.
func (c *ClientCert) NotAfterString() string { return c.NotAfter.UTC().Format(AWSTimeLayout) }

// NewClientCert describes c in AWS's formats.
func NewClientCert(c *x509.Certificate) *ClientCert {
	return &ClientCert{
		PEM:          string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})),
		SubjectDN:    distinguishedName(c.RawSubject, c.Subject),
		IssuerDN:     distinguishedName(c.RawIssuer, c.Issuer),
		SerialNumber: c.SerialNumber.String(),
		NotBefore:    c.NotBefore.UTC(),
		NotAfter:     c.NotAfter.UTC(),
	}
}

// distinguishedName renders the RDN sequence in its encoded order.
// pkix.RDNSequence.String prints in reverse (RFC 2253 order) with RFC 4514
// escaping, so it is given the sequence reversed.
func distinguishedName(raw []byte, fallback pkix.Name) string {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(raw, &seq); err != nil || len(rest) != 0 {
		seq = fallback.ToRDNSequence()
	}
	rev := slices.Clone(seq)
	slices.Reverse(rev)
	return rev.String()
}
