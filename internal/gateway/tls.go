package gateway

import (
	"crypto/tls"
	"fmt"
	"strings"

	"github.com/portcullis/portcullis/internal/mtls"
)

// TLSConfig serves each custom domain's certificate by SNI with its security policy, and
// requests (without requiring) a client certificate where the domain has a truststore: the
// pipeline's tls step then answers 403 for a bad one, as API Gateway does (facts §8.5). It reads
// the current config on every handshake, so a reload takes effect for new connections.
func (gw *Gateway) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			d := gw.World().Domains[strings.ToLower(hello.ServerName)]
			if d == nil || d.Certificate == nil {
				return nil, fmt.Errorf("no custom domain %q with a certificate", hello.ServerName)
			}
			cfg, err := mtls.SecurityPolicy(d.SecurityPolicy)
			if err != nil {
				return nil, err
			}
			cfg.Certificates = []tls.Certificate{*d.Certificate}
			if d.Truststore != nil {
				mtls.RequestClientCert(cfg)
			}
			return cfg, nil
		},
	}
}
