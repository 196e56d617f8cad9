// Package mtls reproduces API Gateway's mutual TLS client-certificate check
// for a custom domain (facts §8.5) and its TLS security policies (facts §8.6).
//
// # Wiring into the TLS listener
//
// API Gateway fails a bad client certificate with HTTP 403 and an execution
// log line `Access denied. Reason: …` (facts §3.3), so the handshake itself
// must accept any certificate and the HTTP layer decides (DESIGN.md §2 step 1):
//
//	cfg, _ := mtls.SecurityPolicy(domain.SecurityPolicy) // MinVersion, CipherSuites
//	cfg.Certificates = …                                  // or GetCertificate by SNI
//	mtls.RequestClientCert(cfg)                           // ClientAuth = tls.RequestClientCert
//	…
//	res := truststore.Verify(r.TLS.PeerCertificates, now)
//	if !res.OK { deny("mtls-certificate-rejected", res.LogLine()) }
//	// res.Cert feeds $context.identity.clientCert.* and the authorizer event.
//
// With several domains on one listener use GetConfigForClient and call
// RequestClientCert only on the configs of domains that have a truststore.
//
// Verification is pure: Verify takes the time and does no I/O; a Truststore
// is immutable after LoadTruststore and safe for concurrent use.
package mtls
