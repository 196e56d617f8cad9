package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/diagnose"
	"github.com/portcullis/portcullis/internal/diagnose/input"
	"github.com/portcullis/portcullis/internal/diagnose/redact"
	"github.com/portcullis/portcullis/internal/diagnose/replay"
)

// maxInput bounds what diagnose reads from stdin (files are streamed; HAR parsing is bounded by
// its largest entry).
const maxInput = 1 << 30

func newDiagnose() *cobra.Command {
	var (
		format, cfgPath, redactPath string
		asJSON                      bool
	)
	cmd := &cobra.Command{
		Use:   "diagnose [FILE|-]",
		Short: "Explain a 403 (or 401/429/5xx) from a HAR file, curl -v output, a raw response, access or execution log lines",
		Long: `diagnose reads what you captured around a failing request — a HAR file exported from a
browser, a curl -v or curl -i transcript, a raw HTTP response, API Gateway access-log lines or
execution-log lines copied from CloudWatch (auto-detected, or --format) — decides which system
answered (API Gateway REST or HTTP API, CloudFront, an ALB, S3, a Lambda function URL, a proxy or
the backend), and ranks the causes with the evidence for and against each, the remedy, and what
extra input would separate causes that answer the same bytes.

With --config the captured request is also replayed offline through the gateway's own pipeline
for an exact answer (no network calls: integrations and Lambda authorizers are not invoked).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var r io.Reader = io.LimitReader(cmd.InOrStdin(), maxInput)
			name, path := "stdin", ""
			if len(args) == 1 && args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return usageErr("diagnose: %v", err)
				}
				defer f.Close()
				r, name, path = f, args[0], args[0]
			}
			if redactPath != "" && path == "" {
				// The input is read twice (redacted copy, diagnosis): spool stdin to a private file.
				tmp, err := os.CreateTemp("", "portcullis-diagnose-*")
				if err != nil {
					return err
				}
				defer os.Remove(tmp.Name())
				defer tmp.Close()
				if _, err := io.Copy(tmp, r); err != nil {
					return err
				}
				if _, err := tmp.Seek(0, io.SeekStart); err != nil {
					return err
				}
				r, path = tmp, tmp.Name()
			}
			switch format {
			case "", "auto", input.FormatHAR, input.FormatCurl, input.FormatHTTP, input.FormatAccessLog, input.FormatExecLog:
			default:
				return usageErr("diagnose: --format %q: want auto, har, curl, http, accesslog or execlog", format)
			}
			var world *config.World
			if cfgPath != "" {
				w, err := config.Load(cfgPath)
				if err != nil {
					return &exitError{code: 2, err: err}
				}
				world = w
			}
			// Detect on a prefix, then parse the whole stream.
			br := newPeekReader(r)
			if format == "" || format == "auto" {
				format = input.Detect(br.head)
				if format == "" {
					return usageErr("diagnose: %s: unrecognised input (want a HAR file, a curl -v/-i transcript, a raw HTTP response, access-log or execution-log lines); use --format", name)
				}
			}
			if redactPath != "" {
				st, err := writeRedacted(path, redactPath, format)
				if err != nil {
					return usageErr("diagnose: --redact: %v", err)
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s: %s\n", redactPath, st)
			}
			xs, err := input.Parse(br, format)
			if err != nil {
				return usageErr("diagnose: %s: %v", name, err)
			}
			opt := diagnose.Options{}
			if world != nil {
				opt.StagesByAPI = map[string][]string{}
				for _, api := range world.APIList {
					for _, st := range api.StageList {
						opt.StagesByAPI[api.ID] = append(opt.StagesByAPI[api.ID], st.Name)
					}
				}
			}
			rep := diagnose.Diagnose(format, failing(xs), opt)
			if world != nil {
				replayAll(world, xs, &rep)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(rep)
			}
			printDiagnosis(out, name, rep, colorFor(out))
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "auto", "input format: auto, har, curl, http, accesslog, execlog")
	cmd.Flags().StringVar(&cfgPath, "config", "", "portcullis.yaml: replay the captured requests offline through the pipeline for an exact answer")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (version 1)")
	cmd.Flags().StringVar(&redactPath, "redact", "", "also write a sanitised copy of the input to this file (Authorization, cookies, API keys, security tokens, signatures and tokens masked) that is safe to share")
	return cmd
}

// writeRedacted writes a sanitised copy of the file at src to dst (never over src).
func writeRedacted(src, dst, format string) (redact.Stats, error) {
	if a, b := filepath.Clean(src), filepath.Clean(dst); a == b {
		return redact.Stats{}, fmt.Errorf("%s is the input; write the copy to another file", dst)
	}
	in, err := os.Open(src)
	if err != nil {
		return redact.Stats{}, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return redact.Stats{}, err
	}
	var st redact.Stats
	if format == input.FormatHAR {
		st, err = redact.HAR(out, in)
	} else {
		st, err = redact.TextStats(out, in)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
	}
	return st, err
}

// failing keeps the exchanges that failed (status >= 400, or no response at all); when none
// failed, all are kept so the user sees why each one is fine.
func failing(xs []input.Exchange) []input.Exchange {
	var out []input.Exchange
	for _, x := range xs {
		if x.Response == nil || x.Response.Status == 0 || x.Response.Status >= 400 {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return xs
	}
	return out
}

// replayAll replays each finding's request and puts the exact cause first.
func replayAll(w *config.World, xs []input.Exchange, rep *diagnose.Report) {
	byEntry := map[int]input.Exchange{}
	for _, x := range xs {
		byEntry[x.Entry] = x
	}
	for i := range rep.Findings {
		f := &rep.Findings[i]
		x, ok := byEntry[f.Entry]
		if !ok {
			continue
		}
		res, err := replay.Replay(w, x)
		if err != nil {
			if !errors.Is(err, replay.ErrNoRequest) {
				f.ToDecide = append(f.ToDecide, "replay failed: "+err.Error())
			}
			continue
		}
		diagnose.ApplyReplay(f, res.Decision, res.Status, res.Notes)
	}
}

// peekReader keeps the first bytes for format detection and replays them.
type peekReader struct {
	head []byte
	r    io.Reader
}

func newPeekReader(r io.Reader) *peekReader {
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(r, head)
	head = head[:n]
	return &peekReader{head: head, r: io.MultiReader(bytes.NewReader(head), r)}
}

func (p *peekReader) Read(b []byte) (int, error) { return p.r.Read(b) }

// palette is ANSI colour, or nothing.
type palette struct{ bold, dim, red, yellow, green, reset string }

// colorFor colours output on a terminal unless NO_COLOR is set (https://no-color.org).
func colorFor(w io.Writer) palette {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return palette{}
	}
	f, ok := w.(*os.File)
	if !ok {
		return palette{}
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return palette{}
	}
	return palette{bold: "\x1b[1m", dim: "\x1b[2m", red: "\x1b[31m", yellow: "\x1b[33m", green: "\x1b[32m", reset: "\x1b[0m"}
}

func printDiagnosis(w io.Writer, name string, rep diagnose.Report, p palette) {
	fmt.Fprintf(w, "%s%s%s: %s, %d exchange(s) to explain\n", p.bold, name, p.reset, rep.Input.Format, len(rep.Findings))
	for _, f := range rep.Findings {
		fmt.Fprintln(w)
		req := ""
		if f.Request != nil {
			req = strings.TrimSpace(f.Request.Method + " " + f.Request.URL)
		}
		status := fmt.Sprint(f.Status)
		if f.Status == 0 {
			status = "no status"
		}
		fmt.Fprintf(w, "%s#%d %s%s → %s%s%s", p.bold, f.Entry, req, p.reset, p.red, status, p.reset)
		if f.ErrorType != "" {
			fmt.Fprintf(w, " %s", f.ErrorType)
		}
		if f.Message != "" {
			fmt.Fprintf(w, " %q", trunc(f.Message, 120))
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "  origin: %s%s%s", p.bold, f.Origin, p.reset)
		if len(f.OriginEvidence) > 0 {
			fmt.Fprintf(w, " %s(%s)%s", p.dim, strings.Join(f.OriginEvidence, "; "), p.reset)
		}
		fmt.Fprintln(w)
		if d := f.Decision; d != nil {
			fmt.Fprintf(w, "  %sreplayed with --config:%s %d %s — %s\n", p.green, p.reset, d.Status, orDash(d.Cause), d.Reason)
		}
		for _, c := range f.Causes {
			col := p.yellow
			if c.Rank == 1 {
				col = p.red
			}
			fmt.Fprintf(w, "  %s%d. %s%s  %s[%s]%s %s\n", col, c.Rank, c.ID, p.reset, p.dim, c.Confidence, p.reset, c.Title)
			for _, e := range c.Evidence {
				fmt.Fprintf(w, "       + %s\n", e)
			}
			for _, e := range c.Against {
				fmt.Fprintf(w, "       - %s\n", e)
			}
			if c.Rank == 1 {
				for _, r := range c.Remedy {
					fmt.Fprintf(w, "       %s→%s %s\n", p.green, p.reset, r)
				}
			}
		}
		if len(f.ToDecide) > 0 {
			fmt.Fprintf(w, "  %sto decide:%s\n", p.bold, p.reset)
			for _, t := range f.ToDecide {
				fmt.Fprintf(w, "    ? %s\n", t)
			}
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
