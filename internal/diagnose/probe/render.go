package probe

import (
	"fmt"
	"io"
	"strings"
)

// WriteText renders the report for people: the target, DNS, one line per probe (what was sent
// → what came back → what it means), the reasoning, the ranked causes and the next steps.
func WriteText(w io.Writer, r *Report) error {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	t := r.Target
	p("Probe     %s %s\n", r.Method, r.URL)
	desc := t.Kind
	switch t.Kind {
	case KindExecuteAPI:
		desc = "execute-api name (default endpoint, or private DNS of a VPC endpoint)"
	case KindVPCEndpoint:
		desc = "a VPC endpoint's own DNS name (" + t.VPCEndpointID + ")"
	case KindVPCEAlias:
		desc = "Route 53 alias of VPC endpoint " + t.VPCEndpointID
	case KindCustomDomain:
		desc = "custom domain (or another front end)"
	case KindOther:
		desc = "not an API Gateway name"
	}
	line := fmt.Sprintf("Target    %s: %s", t.Host, desc)
	if t.PathStyle {
		line += ", path-style URL"
	}
	if t.APIID != "" {
		line += ", API " + t.APIID
	}
	if t.Region != "" {
		line += ", region " + t.Region
	}
	if t.Stage != "" {
		line += fmt.Sprintf(", first segment %q", t.Stage)
	}
	p("%s\n", line)
	for _, d := range r.DNS {
		var addrs []string
		for _, a := range d.Addresses {
			addrs = append(addrs, a.IP+" ("+a.Class+")")
		}
		what := strings.Join(addrs, ", ")
		if d.Error != "" {
			what = d.Error
		}
		if d.CNAME != "" {
			what = "CNAME " + d.CNAME + " → " + what
		}
		role := ""
		if d.Role == "host-header" {
			role = " (the Host header's name)"
		}
		l := fmt.Sprintf("DNS       %s%s → %s", d.Name, role, what)
		if d.Note != "" {
			l += " — " + d.Note
		}
		p("%s\n", l)
	}

	p("\nProbes (%d of at most %d requests)\n", r.Requests, r.MaxRequests)
	for i, pr := range r.Probes {
		req := reqLine(pr)
		if pr.Host != "" && !strings.EqualFold(pr.Host, hostOfURL(pr.URL)) {
			req += " (Host: " + pr.Host + ")"
		}
		for _, h := range pr.Headers {
			if h.Dummy && strings.EqualFold(h.Name, "Authorization") {
				req += " [Authorization: " + clip(h.Value, 40) + "]"
			}
			if strings.EqualFold(h.Name, "X-Apigw-Api-Id") {
				req += " [x-apigw-api-id: " + h.Value + "]"
			}
		}
		p("  %2d. %-21s %s → %s → %s\n", i+1, pr.Name, req, answer(pr), pr.Meaning)
		if d := pr.Decision; d != nil {
			s := "gateway decision: " + d.Outcome
			if d.Cause != "" {
				s += ", cause " + d.Cause
			}
			if d.Reason != "" {
				s += " — " + d.Reason
			}
			p("      %-21s %s\n", "", s)
		}
	}
	if r.Admin != nil {
		s := fmt.Sprintf("Admin API %s: %d decision record(s) read", r.Admin.Addr, r.Admin.Decisions)
		if r.Admin.Error != "" {
			s += " — " + r.Admin.Error
		}
		p("\n%s\n", s)
	}

	c := r.Conclusion
	if len(c.Reasoning) > 0 {
		p("\nReasoning\n")
		for _, l := range c.Reasoning {
			p("  - %s\n", l)
		}
	}
	p("\nConclusion  %s\n", c.Summary)
	for _, k := range c.Causes {
		p("  %d. %-36s %-6s %s\n", k.Rank, k.ID, k.Confidence, k.Title)
		for _, e := range k.Evidence {
			p("       - %s\n", e)
		}
	}
	if len(c.Next) > 0 {
		p("\nNext\n")
		for i, n := range c.Next {
			p("  %d. %s\n", i+1, n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func hostOfURL(u string) string {
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		return ""
	}
	h, _, _ := strings.Cut(rest, "/")
	return h
}
