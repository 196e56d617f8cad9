// Package tlscheck is the first pipeline step: mutual TLS for custom domains (DESIGN.md §2
// step 1; facts §8.5). The TLS handshake requests a client certificate but accepts any, so that
// this step can answer 403 Forbidden and log AWS's reason (`Access denied. Reason: Could not find
// issuer for certificate`, `… self signed certificate`, `… Client cert using an insecure
// Signature Algorithm`; facts §3.3) — the same outcome a client sees from API Gateway.
package tlscheck

import (
	"strings"

	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/pipeline"
)

// Check verifies the client certificate against the domain's truststore.
type Check struct{}

// Name implements pipeline.Check.
func (Check) Name() string { return "tls" }

// Check implements pipeline.Check.
func (Check) Check(r *pipeline.Request) (pipeline.Result, error) {
	cs := r.HTTP.TLS
	if cs == nil {
		return pipeline.Skip("plain HTTP"), nil
	}
	name := strings.ToLower(cs.ServerName)
	if name == "" {
		name = r.Host
	}
	dn := r.World.Domains[name]
	if dn == nil || dn.Truststore == nil {
		return pipeline.Skip("no mutual TLS for " + name), nil
	}
	res := dn.Truststore.Verify(cs.PeerCertificates, r.Now)
	r.ClientCert = res.Cert
	if res.OK {
		return pipeline.Pass("client certificate " + res.Cert.SubjectDN + " chains to the truststore of " + dn.Name), nil
	}
	r.Logf(res.LogLine())
	ev := []string{"custom domain " + dn.Name + " requires mutual TLS", "reason: " + res.Reason}
	if res.Detail != "" {
		ev = append(ev, res.Detail)
	}
	if res.Cert != nil {
		ev = append(ev, "client certificate subject: "+res.Cert.SubjectDN, "issuer: "+res.Cert.IssuerDN)
	}
	return pipeline.Deny(&decision.Denial{Cause: cause.MTLSCertificateRejected,
		Reason: "the client certificate was rejected: " + res.Reason, Evidence: ev}), nil
}
