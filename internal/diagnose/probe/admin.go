package probe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/portcullis/portcullis/internal/admin"
	"github.com/portcullis/portcullis/internal/decision"
)

// decisionWait is how long the probe waits for the first decision record to appear: the
// gateway stores it right after writing the response.
const decisionWait = 2 * time.Second

// fetchDecisions reads the decision record of every probe request from a Portcullis admin API
// (GET /decisions/{requestId}) and, when the as-given request has one with a cause, makes that
// cause the exact answer.
func (p *prober) fetchDecisions(ctx context.Context) {
	info := &AdminInfo{Addr: p.o.Admin}
	p.rep.Admin = info
	cl := &admin.Client{Addr: p.o.Admin, HTTP: &http.Client{Timeout: p.timeout}}
	wait := decisionWait
	for i := range p.rep.Probes {
		pr := &p.rep.Probes[i]
		if pr.RequestID == "" {
			continue
		}
		d, err := fetchDecision(ctx, cl, pr.RequestID, wait)
		if errors.Is(err, admin.ErrNotFound) {
			wait = 0 // this gateway does not know our requests: don't wait again
			if info.Error == "" {
				info.Error = fmt.Sprintf("no decision recorded for request id %s: is %s the admin API of the gateway that answered?", pr.RequestID, p.o.Admin)
			}
			continue
		}
		if err != nil {
			info.Error = err.Error() // unreachable or broken: stop asking
			break
		}
		info.Decisions++
		pr.Decision = &DecisionSummary{Cause: d.Cause, Outcome: string(d.Outcome), Reason: scrub(d.Reason, p.secrets),
			Evidence: scrubAll(d.Evidence, p.secrets), Remedy: d.Remedy}
	}
	first := p.rep.Probes[0]
	if first.Name == ProbeAsGiven && first.Decision != nil && first.Decision.Cause != "" {
		p.rep.Conclusion = makeExact(p.rep.Conclusion, first, p.rep.Target)
	}
}

func scrubAll(lines, secrets []string) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		out = append(out, scrub(l, secrets))
	}
	return out
}

// fetchDecision polls for a decision record for up to wait.
func fetchDecision(ctx context.Context, cl *admin.Client, id string, wait time.Duration) (*decision.Decision, error) {
	deadline := time.Now().Add(wait)
	for {
		d, err := cl.Decision(ctx, id)
		if err == nil {
			return d, nil
		}
		if !errors.Is(err, admin.ErrNotFound) || time.Now().After(deadline) {
			return nil, fmt.Errorf("decision %s: %w", id, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("decision %s: %w", id, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// makeExact puts the decision record's cause first, marked exact; the inferred candidates
// follow, ranked after it.
func makeExact(c Conclusion, first Probe, t Target) Conclusion {
	d := first.Decision
	ev := []string{fmt.Sprintf("the gateway's decision record for %s (x-amzn-RequestId %s) names it", reqLine(first), first.RequestID)}
	if d.Reason != "" {
		ev = append(ev, d.Reason)
	}
	ev = append(ev, d.Evidence...)
	ex := cand(d.Cause, Exact, ev...)
	ex.Exact = true
	if len(d.Remedy) > 0 {
		ex.Remedy = append([]string{}, d.Remedy...)
	}
	agree := false
	groups := [][]Candidate{{ex}}
	var rest []Candidate
	for _, k := range c.Causes {
		if k.ID == d.Cause {
			agree = k.Rank == 1
			continue
		}
		rest = append(rest, k)
	}
	out := c
	out.Exact = true
	out.Causes = rank(groups...)
	// Keep the inference's order and ties for the other candidates, ranked after the exact one.
	next, last := 1, 0
	for _, k := range rest {
		if k.Rank != last {
			next, last = next+1, k.Rank
		}
		k.Rank = next
		out.Causes = append(out.Causes, k)
	}
	line := fmt.Sprintf("The gateway's decision record for the as-given request names %s", d.Cause)
	if d.Reason != "" {
		line += ": " + d.Reason
	}
	if agree {
		line += " (the inference ranked it first too)"
	} else {
		line += " (HTTP alone did not single it out)"
	}
	out.Reasoning = append(append([]string{}, c.Reasoning...), line+".")
	out.Next = nextFor(out.Causes[:1], t)
	out.Summary = summary(out)
	return out
}
