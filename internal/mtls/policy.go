package mtls

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
)

// RequestClientCert makes cfg ask for a client certificate without verifying
// it (tls.RequestClientCert), so that the handshake succeeds with any
// certificate, or none, and the HTTP layer answers 403 with AWS's reason after
// Verify (DESIGN.md §2 step 1). Go still rejects a certificate that does not
// parse as X.509, during the handshake.
func RequestClientCert(cfg *tls.Config) {
	cfg.ClientAuth = tls.RequestClientCert
	cfg.ClientCAs = nil
	cfg.VerifyPeerCertificate = nil
}

// Cipher suite sets, by OpenSSL name in AWS's tables ("Supported security
// policies", apigateway-security-policies-list / apigateway-custom-domain-tls-version),
// restricted to what Go's crypto/tls implements. Go has no CBC-SHA384 suites
// and no AES256-SHA256; those members of AWS's lists are left out.
var (
	// ECDHE with AEAD: ECDHE-{ECDSA,RSA}-AES128-GCM-SHA256, -AES256-GCM-SHA384, -CHACHA20-POLY1305.
	suitesECDHEGCM = []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	}
	// ECDHE-{ECDSA,RSA}-AES128-SHA256.
	suitesECDHECBC256 = []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
		tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
	}
	// AES128-GCM-SHA256, AES256-GCM-SHA384, AES128-SHA256 (RSA key exchange).
	suitesRSAKx = []uint16{
		tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_RSA_WITH_AES_128_CBC_SHA256,
	}
	// The SHA-1 CBC suites TLS_1_0 adds: ECDHE-*-AES128-SHA, ECDHE-*-AES256-SHA, AES128-SHA, AES256-SHA.
	suitesLegacySHA1 = []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
		tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
		tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
		tls.TLS_RSA_WITH_AES_128_CBC_SHA,
		tls.TLS_RSA_WITH_AES_256_CBC_SHA,
	}
	suitesFIPS = []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	}
)

type policy struct {
	min    uint16
	suites []uint16 // TLS 1.0–1.2 suites; nil for TLS 1.3-only policies
	pq     bool     // hybrid post-quantum key exchange preferred
	fips   bool     // FIPS curves only
}

func concat(ss ...[]uint16) []uint16 { return slices.Concat(ss...) }

// policies maps facts §8.6's securityPolicy values to Go settings. Go cannot
// restrict TLS 1.3 cipher suites; every 1.3 suite it offers is in AWS's
// TLS 1.3 lists except CHACHA20 for the FIPS policies.
var policies = map[string]policy{
	"TLS_1_0":                                      {min: tls.VersionTLS10, suites: concat(suitesECDHEGCM, suitesECDHECBC256, suitesLegacySHA1, suitesRSAKx)},
	"TLS_1_2":                                      {min: tls.VersionTLS12, suites: concat(suitesECDHEGCM, suitesECDHECBC256, suitesRSAKx)},
	"SecurityPolicy_TLS13_1_3_2025_09":             {min: tls.VersionTLS13},
	"SecurityPolicy_TLS13_1_3_FIPS_2025_09":        {min: tls.VersionTLS13, fips: true},
	"SecurityPolicy_TLS13_1_2_2021_06":             {min: tls.VersionTLS12, suites: concat(suitesECDHEGCM, suitesECDHECBC256, suitesRSAKx)},
	"SecurityPolicy_TLS13_1_2_PQ_2025_09":          {min: tls.VersionTLS12, suites: concat(suitesECDHEGCM, suitesECDHECBC256, suitesRSAKx), pq: true},
	"SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09":      {min: tls.VersionTLS12, suites: concat(suitesECDHEGCM, suitesECDHECBC256), pq: true},
	"SecurityPolicy_TLS13_1_2_FIPS_PQ_2025_09":     {min: tls.VersionTLS12, suites: concat(suitesFIPS, []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_GCM_SHA384}), pq: true, fips: true},
	"SecurityPolicy_TLS13_1_2_FIPS_PFS_PQ_2025_09": {min: tls.VersionTLS12, suites: suitesFIPS, pq: true, fips: true},
	"SecurityPolicy_TLS13_2025_EDGE":               {min: tls.VersionTLS13},
	"SecurityPolicy_TLS12_PFS_2025_EDGE":           {min: tls.VersionTLS12, suites: concat(suitesECDHEGCM, suitesECDHECBC256)},
	"SecurityPolicy_TLS12_2018_EDGE":               {min: tls.VersionTLS12, suites: concat(suitesECDHEGCM, suitesECDHECBC256, suitesRSAKx)},
}

// SecurityPolicyNames lists the accepted securityPolicy values, sorted.
func SecurityPolicyNames() []string {
	names := make([]string, 0, len(policies))
	for n := range policies {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// SecurityPolicy returns a fresh server tls.Config carrying the minimum TLS
// version and cipher suites of an API Gateway securityPolicy (facts §8.6):
// the legacy TLS_1_0 (accepts TLS 1.0 to 1.3) and TLS_1_2 (TLS 1.2 and 1.3),
// and the 2025 SecurityPolicy_* names. "" means TLS_1_2, the default for a
// Regional custom domain. Cipher lists are AWS's, less what Go lacks; PQ
// policies prefer the X25519MLKEM768 hybrid key exchange; FIPS policies use
// only P-256/P-384 key exchange. Unknown names are an error naming the valid
// ones. NextProtos offers h2 and http/1.1 (http/1.1 only for TLS_1_0). The
// caller adds certificates and, for mutual TLS, RequestClientCert.
func SecurityPolicy(name string) (*tls.Config, error) {
	if name == "" {
		name = "TLS_1_2"
	}
	p, ok := policies[name]
	if !ok {
		return nil, fmt.Errorf("mtls: unknown securityPolicy %q; valid values: %s", name, strings.Join(SecurityPolicyNames(), ", "))
	}
	cfg := &tls.Config{MinVersion: p.min, CipherSuites: slices.Clone(p.suites), NextProtos: []string{"h2", "http/1.1"}}
	if p.min < tls.VersionTLS12 {
		// HTTP/2 forbids TLS below 1.2 (RFC 9113 §9.2); a TLS_1_0 domain
		// offers HTTP/1.1 only, so old clients are not refused at the h2 layer.
		cfg.NextProtos = []string{"http/1.1"}
	}
	switch {
	case p.fips:
		curves := []tls.CurveID{tls.CurveP256, tls.CurveP384}
		if p.pq {
			curves = append([]tls.CurveID{tls.SecP256r1MLKEM768}, curves...)
		}
		cfg.CurvePreferences = curves
	case p.pq:
		cfg.CurvePreferences = []tls.CurveID{tls.X25519MLKEM768, tls.X25519, tls.CurveP256, tls.CurveP384}
	}
	return cfg, nil
}
