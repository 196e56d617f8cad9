package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/portcullis/portcullis/internal/admin"
	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/decision"
)

func newExplain() *cobra.Command {
	var adminAddr string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "explain REQUEST_ID",
		Short: "Explain the decision for one request (cause, evidence, checks, remedy)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 10*time.Second)
			defer cancel()
			c := &admin.Client{Addr: adminAddr}
			d, err := c.Decision(ctx, strings.TrimSpace(args[0]))
			if errors.Is(err, admin.ErrNotFound) {
				return problem("%v", err)
			}
			if err != nil {
				return usageErr("%v", err)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(d)
			}
			writeDecision(out, d)
			return nil
		},
	}
	cmd.Flags().StringVar(&adminAddr, "admin", "127.0.0.1:4572", "address of the gateway's admin API")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the decision record as JSON (version 1)")
	return cmd
}

// writeDecision renders a decision for people.
func writeDecision(w io.Writer, d *decision.Decision) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("Request   %s  (x-amz-apigw-id %s)\n", d.RequestID, d.ExtendedRequestID)
	p("Time      %s\n", d.Time.Format(time.RFC3339Nano))
	q := d.Request.Path
	if d.Request.Query != "" {
		q += "?" + d.Request.Query
	}
	p("Received  %s %s  Host: %s  from %s (%s listener)\n", d.Request.Method, q, d.Request.Host, d.Request.SourceIP, d.Request.Listener)
	if d.API.RestAPIID != "" {
		s := "API       " + d.API.RestAPIID
		if d.API.Stage != "" {
			s += "  stage " + d.API.Stage
		}
		if d.API.DeploymentID != "" {
			s += "  deployment " + d.API.DeploymentID
		}
		if d.API.ResourcePath != "" {
			s += "  " + d.API.HTTPMethod + " " + d.API.ResourcePath
		}
		p("%s\n", s)
	}
	outcome := string(d.Outcome)
	p("Outcome   %s, HTTP %d", outcome, d.Status)
	if d.ErrorType != "" {
		p(", x-amzn-ErrorType: %s", d.ErrorType)
	}
	p("\n")
	if d.Cause != "" {
		title := ""
		if e, ok := cause.Lookup(d.Cause); ok {
			title = " — " + e.Title
			if e.SeedRow > 0 {
				title += fmt.Sprintf(" (seed row %d)", e.SeedRow)
			}
		}
		p("Cause     %s%s\n", d.Cause, title)
	}
	if d.Message != "" {
		p("Message   %s\n", d.Message)
	}
	if d.Reason != "" {
		p("Why       %s\n", d.Reason)
	}
	if len(d.Evidence) > 0 {
		p("\nEvidence\n")
		for _, e := range d.Evidence {
			p("  - %s\n", e)
		}
	}
	if len(d.Checks) > 0 {
		p("\nChecks (in API Gateway's order)\n")
		for _, c := range d.Checks {
			line := fmt.Sprintf("  %-16s %-5s", c.Check, c.Result)
			if c.Detail != "" {
				line += "  " + c.Detail
			}
			p("%s\n", line)
		}
	}
	if d.Integration != nil {
		in := d.Integration
		p("\nIntegration %s %s -> %d in %.1f ms", in.Type, in.URI, in.Status, in.LatencyMs)
		if in.Error != "" {
			p(" (%s)", in.Error)
		}
		p("\n")
	}
	if len(d.Remedy) > 0 {
		p("\nFix\n")
		for i, r := range d.Remedy {
			p("  %d. %s\n", i+1, r)
		}
	}
	if len(d.ExecutionLog) > 0 {
		p("\nExecution log\n")
		for _, l := range d.ExecutionLog {
			p("  (%s) %s\n", d.RequestID, l)
		}
	}
}
