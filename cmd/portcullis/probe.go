package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/portcullis/portcullis/internal/diagnose/probe"
)

// newProbeCmd is `portcullis probe URL [-H 'K: V']… [--json]` (DESIGN.md §1): a small, bounded,
// read-only set of requests that separates the causes sharing a 403 response, plus DNS checks
// (package probe documents what is sent and why). Exit codes: 0 the probe ran, whatever it
// found; 1 no request completed (connection refused, DNS, TLS, timeout); 2 usage errors (a bad
// URL or header, a method other than GET, HEAD or OPTIONS).
func newProbeCmd() *cobra.Command {
	var (
		headers   []string
		method    string
		asJSON    bool
		adminAddr string
		timeout   time.Duration
		maxReq    int
		cacert    string
	)
	cmd := &cobra.Command{
		Use:   "probe URL",
		Short: "Probe a live endpoint with a few read-only requests (and DNS) to tell apart the causes of a 403",
		Long: `Sends a small, bounded set of read-only requests to URL — as given, with a fake SigV4 and a
non-SigV4 Authorization header, the stage root, common stage names, the path without the stage,
an OPTIONS preflight, the API named with x-apigw-api-id — resolves the host, and explains which
cause of the catalogue fits. Only the credentials given with -H are ever sent, and only on the
request as given and its same-path variants.

-H 'Host: NAME' sets the Host the gateway sees while connecting to the URL's host (as curl
does): e.g. a VPC endpoint's address with the API's name. Names under .localhost resolve to
this machine. With --admin ADDR (the admin API of 'portcullis serve') the cause is read from
the gateway's decision records and marked exact.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h := http.Header{}
			for _, s := range headers {
				k, v, err := probe.ParseHeader(s)
				if err != nil {
					return usageErr("-H: %v", err)
				}
				h.Add(k, v)
			}
			if maxReq < 1 || maxReq > probe.HardMaxRequests {
				return usageErr("--max-requests %d: want 1 to %d", maxReq, probe.HardMaxRequests)
			}
			if timeout <= 0 {
				return usageErr("--timeout %s: want a positive duration", timeout)
			}
			o := probe.Options{URL: args[0], Headers: h, Method: method, Timeout: timeout, MaxRequests: maxReq, Admin: adminAddr}
			if cacert != "" {
				pem, err := os.ReadFile(cacert)
				if err != nil {
					return usageErr("--cacert: %v", err)
				}
				pool := x509.NewCertPool()
				if !pool.AppendCertsFromPEM(pem) {
					return usageErr("--cacert %s: no PEM certificate in it", cacert)
				}
				o.TLSConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
			}
			// Every request and DNS lookup has its own timeout; this bounds the whole run
			// (requests, two lookups, and the decision records read from --admin).
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Duration(maxReq+6)*timeout)
			defer cancel()
			rep, err := probe.Run(ctx, o)
			var ue *probe.UsageError
			if errors.As(err, &ue) {
				return usageErr("%v", err)
			}
			if rep == nil {
				return problem("probe: %v", err)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				if werr := enc.Encode(rep); werr != nil {
					return werr
				}
			} else if werr := probe.WriteText(out, rep); werr != nil {
				return werr
			}
			if err != nil {
				return problem("probe: %v", err)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&headers, "header", "H", nil, "header 'Name: value' for the request as given (repeatable); 'Host: NAME' sets the Host the gateway sees")
	fl.StringVarP(&method, "request", "X", http.MethodGet, "method: GET, HEAD or OPTIONS (the probe is read-only)")
	fl.BoolVar(&asJSON, "json", false, "print the report as JSON (version 1)")
	fl.StringVar(&adminAddr, "admin", "", "admin API of a Portcullis gateway (e.g. 127.0.0.1:4572): read each probe's decision record for the exact cause")
	fl.DurationVar(&timeout, "timeout", probe.DefaultTimeout, "timeout of each request")
	fl.IntVar(&maxReq, "max-requests", probe.DefaultMaxRequests, fmt.Sprintf("most requests sent to the endpoint (1 to %d)", probe.HardMaxRequests))
	fl.StringVar(&cacert, "cacert", "", "PEM file of CA certificates to trust for https:// URLs (e.g. a local gateway's generated CA)")
	return cmd
}
