package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/lint"
)

// checkReport is `portcullis check --json` (version 1).
type checkReport struct {
	Version  int            `json:"version"`
	Findings []lint.Finding `json:"findings"`
	Errors   int            `json:"errors"`
	Warnings int            `json:"warnings"`
}

func newCheck() *cobra.Command {
	var (
		path   string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Lint a config for mistakes that cause 403s (exit 1 when errors are found)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := config.Load(path)
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			findings := lint.Check(w)
			if findings == nil {
				findings = []lint.Finding{}
			}
			nerr, nwarn := lint.Counts(findings)
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				if err := enc.Encode(checkReport{1, findings, nerr, nwarn}); err != nil {
					return err
				}
			} else {
				p := colorFor(out)
				for _, f := range findings {
					line := f.String()
					if sev := strings.ToUpper(f.Severity); strings.HasPrefix(line, sev) {
						col := p.yellow
						if f.Severity == "error" {
							col = p.red
						}
						line = col + sev + p.reset + line[len(sev):]
					}
					fmt.Fprintln(out, line)
				}
				fmt.Fprintf(out, "%s: %d error(s), %d warning(s)\n", path, nerr, nwarn)
			}
			if nerr > 0 {
				return problem("check: %d error(s) in %s", nerr, path)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "config", "portcullis.yaml", "portcullis.yaml (YAML or JSON) to check")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (version 1)")
	return cmd
}
