package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/portcullis/portcullis/internal/certgen"
)

func newCerts() *cobra.Command {
	var dir string
	var hosts []string
	cmd := &cobra.Command{
		Use:   "certs",
		Short: "Make a local CA, a server certificate and client certificates (good and bad) for trying custom domains and mutual TLS",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			set, err := certgen.Generate(certgen.Options{Dir: dir, Hosts: hosts})
			if err != nil {
				return usageErr("%v", err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "truststore (root + intermediate CA): %s\n", set.CAFile)
			fmt.Fprintf(out, "server certificate and key:          %s %s\n", set.ServerCert, set.ServerKey)
			fmt.Fprintf(out, "client certificate and key:          %s %s\n", set.ClientCert, set.ClientKey)
			fmt.Fprintf(out, "rejected by mutual TLS: wrong CA %s, expired %s, self-signed %s, weak %s, too deep %s (+ %s)\n",
				set.WrongCAClientCert, set.ExpiredClientCert, set.SelfSignedClientCert, set.WeakClientCert, set.DeepClientCert, set.DeepChainFile)
			fmt.Fprintf(out, "\nIn portcullis.yaml:\n  domainNames:\n    - domainName: %s\n      certificate: {certFile: %s, keyFile: %s}\n      mutualTlsAuthentication: {truststoreUri: \"file:%s\"}\n",
				hosts[0], set.ServerCert, set.ServerKey, set.CAFile)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "certs", "directory for the PEM files (kept if already valid)")
	cmd.Flags().StringSliceVar(&hosts, "host", []string{"api.example.test", "localhost", "127.0.0.1"}, "server certificate names (repeat the flag)")
	return cmd
}
