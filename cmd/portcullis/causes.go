package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/portcullis/portcullis/internal/cause"
)

func newCauses() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "causes",
		Short: "Print the cause catalogue",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(struct {
					Version int           `json:"version"`
					Causes  []cause.Entry `json:"causes"`
				}{1, cause.All()})
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEED\tSTATUS\tX-AMZN-ERRORTYPE\tMESSAGE")
			for _, e := range cause.All() {
				seed := "-"
				if e.SeedRow > 0 {
					seed = fmt.Sprint(e.SeedRow)
				}
				msg := e.Message
				if e.NullMessage {
					msg = "null"
				}
				if len(msg) > 70 {
					msg = msg[:67] + "..."
				}
				et := e.ErrorType
				if et == "" {
					et = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", e.ID, seed, e.Status, et, msg)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (version 1)")
	return cmd
}
