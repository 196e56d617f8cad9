// Package pending stands in for the pipeline steps that later issues implement (AWS WAF;
// DESIGN.md §2 step 3): it fails closed, so a configured protection is never silently ignored.
package pending

import (
	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/pipeline"
)

// FailClosed denies with gateway-internal-error because what is not evaluated by this version
// of Portcullis: the gateway never serves a request whose protection it cannot evaluate.
func FailClosed(what string) pipeline.Result {
	return pipeline.Deny(&decision.Denial{
		Cause:    cause.GatewayInternalError,
		Reason:   what + " is not evaluated by this version of Portcullis; the gateway fails closed rather than serve the request unchecked",
		Evidence: []string{what},
		Remedy:   []string{"Remove the requirement from the definition to try the API locally, or upgrade Portcullis."},
	})
}

// WAF stands in for the AWS WAF step (DESIGN.md §2 step 3): it skips stages without a web ACL
// and fails closed for stages that have one, so a web ACL is never silently ignored.
type WAF struct{}

// Name implements pipeline.Check.
func (WAF) Name() string { return "waf" }

// Check implements pipeline.Check.
func (WAF) Check(r *pipeline.Request) (pipeline.Result, error) {
	if r.Stage.WebACLArn == "" {
		return pipeline.Skip("no web ACL is associated with stage " + r.Stage.Name), nil
	}
	return FailClosed("the stage's AWS WAF web ACL " + r.Stage.WebACLArn), nil
}
