// Package tlscheck is the first pipeline step: mutual TLS for custom domains (DESIGN.md §2
// step 1; facts §8.5). The TLS handshake requests a client certificate but accepts any, so that
// this step can answer 403 Forbidden and log AWS's reason (`Access denied. Reason: Could not find
// issuer for certificate`, `… self signed certificate`, `… Client cert using an insecure
// Signature Algorithm`; facts §3.3) — the same outcome a client sees from API Gateway.
//
// The truststore that applies is the one of the domain the handshake named (SNI) and, when it
// differs, the one of the domain the Host header names, since Host is what routes the request
// (the endpoint step): a mutual-TLS domain is never reached without its check, neither through
// another domain's SNI (whose handshake asked for no certificate) nor over plain HTTP.
package tlscheck

import (
	"crypto/x509"
	"fmt"
	"strings"

	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/config"
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
	sni := ""
	if cs != nil {
		sni = strings.ToLower(cs.ServerName)
	}
	var domains []*config.DomainName
	if dn := r.World.Domains[sni]; cs != nil && dn != nil && dn.Truststore != nil {
		domains = append(domains, dn)
	}
	// Host routes to a custom domain on every listener but a VPC endpoint's (endpoint step).
	if dn := r.World.Domains[r.Host]; dn != nil && dn.Truststore != nil && r.World.VPCEndpoints[r.Listener] == nil &&
		(len(domains) == 0 || domains[0] != dn) {
		domains = append(domains, dn)
	}
	if len(domains) == 0 {
		if cs == nil {
			return pipeline.Skip("plain HTTP"), nil
		}
		name := sni
		if name == "" {
			name = r.Host
		}
		return pipeline.Skip("no mutual TLS for " + name), nil
	}
	var chain []*x509.Certificate
	if cs != nil {
		chain = cs.PeerCertificates
	}
	var passed []string
	for _, dn := range domains {
		res := dn.Truststore.Verify(chain, r.Now)
		r.ClientCert = res.Cert
		if res.OK {
			passed = append(passed, "client certificate "+res.Cert.SubjectDN+" chains to the truststore of "+dn.Name)
			continue
		}
		r.Logf(res.LogLine())
		ev := []string{"custom domain " + dn.Name + " requires mutual TLS", "reason: " + res.Reason}
		switch {
		case cs == nil:
			ev = append(ev, "the request came over plain HTTP, so no client certificate could be presented; call the domain over HTTPS (the --tls-listen listener)")
		case sni != dn.Name:
			ev = append(ev, fmt.Sprintf("the TLS handshake named %q (SNI) but the Host header names %s: the truststore of %s applies, and the handshake asked for a client certificate only if %q has mutual TLS; use the same name for both",
				sni, dn.Name, dn.Name, sni))
		}
		if res.Detail != "" {
			ev = append(ev, res.Detail)
		}
		if res.Cert != nil {
			ev = append(ev, "client certificate subject: "+res.Cert.SubjectDN, "issuer: "+res.Cert.IssuerDN)
		}
		logStage(r, dn)
		return pipeline.Deny(&decision.Denial{Cause: cause.MTLSCertificateRejected,
			Reason: "the client certificate was rejected: " + res.Reason, Evidence: ev}), nil
	}
	return pipeline.Pass(strings.Join(passed, "; ")), nil
}

// logStage names the API and stage the domain's mapping selects for this request, without
// checking anything else: AWS writes the access-log line of a mutual TLS failure, with the
// $context.identity.clientCert.* variables, to that stage's log (facts §2.3: "Present only in
// access logs if mutual TLS authentication fails").
func logStage(r *pipeline.Request, dn *config.DomainName) {
	if dn.Router == nil {
		return
	}
	m := dn.Router.Route(r.RawPath, r.HTTP.Header)
	if !m.OK || m.StageFromPath {
		return
	}
	api := r.World.APIs[m.RestAPIID]
	if api == nil || api.Stages[m.Stage] == nil {
		return
	}
	name := dn.Name
	r.API, r.Stage, r.DomainName = api, api.Stages[m.Stage], &name
	if m.BasePathMatched != "" {
		bp := m.BasePathMatched
		r.BasePathMatched = &bp
	}
}
