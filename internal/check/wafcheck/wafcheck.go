// Package wafcheck is the AWS WAF step of the pipeline (DESIGN.md §2 step 3; facts §1
// WAF_FILTERED, §11 step 3): the stage's web ACL is evaluated with WAFv2's semantics
// (internal/waf). A Block answers 403 {"message":"Forbidden"} (ForbiddenException) unless the
// rule has a custom response, which wins over any gateway response ("AWS WAF custom responses
// take precedence over custom gateway responses").
package wafcheck

import (
	"fmt"

	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/pipeline"
	"github.com/portcullis/portcullis/internal/waf"
)

// Check evaluates the stage's web ACL.
type Check struct{}

// Name implements pipeline.Check.
func (Check) Name() string { return "waf" }

// Check implements pipeline.Check.
func (Check) Check(r *pipeline.Request) (pipeline.Result, error) {
	arn := r.Stage.WebACLArn
	if arn == "" {
		return pipeline.Skip("no web ACL is associated with stage " + r.Stage.Name), nil
	}
	acl := r.World.WebACLs[arn]
	if acl == nil {
		return pipeline.Result{}, fmt.Errorf("stage %s names web ACL %s, which is not compiled", r.Stage.Name, arn)
	}
	req := &waf.Request{Method: r.HTTP.Method, URIPath: r.HTTP.URL.EscapedPath(), RawQuery: r.HTTP.URL.RawQuery,
		Header: r.HTTP.Header, Body: r.Body, SourceIP: r.SourceIP, Now: r.Now}
	res, err := acl.Evaluate(r.HTTP.Context(), req, r.WAFRates)
	if err != nil {
		return pipeline.Result{}, fmt.Errorf("web ACL %s: %w", arn, err)
	}
	r.WAF = &res
	r.WAFRequest = req
	for _, h := range res.InsertedHeaders {
		r.HTTP.Header.Set(h[0], h[1]) // CustomRequestHandling: sent on to the integration
	}
	if !res.Blocked() {
		return pipeline.Pass(fmt.Sprintf("web ACL %s allowed the request (%s)", acl.Name(), res.TerminatingRuleID)), nil
	}
	ev := []string{"web ACL " + acl.Name() + " (" + arn + ")", "terminating rule: " + res.TerminatingRuleID + " (" + res.TerminatingRuleType + ")", "action: " + res.Action}
	if m := res.Match; m != nil {
		ev = append(ev, "matched "+m.Statement+" at "+m.StatementPath)
		if m.FieldToMatch != "" {
			ev = append(ev, fmt.Sprintf("field %s, transformed value %q", m.FieldToMatch, m.Value))
		}
		if m.Pattern != "" {
			ev = append(ev, "pattern: "+m.Pattern)
		}
	}
	if len(res.Labels) > 0 {
		ev = append(ev, fmt.Sprintf("labels: %v", res.Labels))
	}
	reason := "AWS WAF rule " + res.TerminatingRuleID + " blocked the request"
	if res.TerminatingRuleID == "Default_Action" {
		reason = "no rule of web ACL " + acl.Name() + " allowed the request and its default action is Block"
	}
	return pipeline.Deny(&decision.Denial{Cause: cause.WAFBlocked, Reason: reason, Evidence: ev}), nil
}
