// Package pending stands in for the pipeline steps that later issues implement (Lambda and
// Cognito authorizers, AWS WAF; DESIGN.md §2 steps 3, 7–8). It answers exactly where the answer
// does not depend on the missing evaluators — a missing authorizer identity source — and
// otherwise fails closed: a method that requires authorization is never served unauthorized.
package pending

import (
	"fmt"
	"strings"

	"github.com/portcullis/portcullis/internal/apidef"
	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/pipeline"
)

// Check is the stand-in for steps 6–9.
type Check struct{}

// Name implements pipeline.Check.
func (Check) Name() string { return "auth" }

func failClosed(what string) pipeline.Result {
	return pipeline.Deny(&decision.Denial{
		Cause:    cause.GatewayInternalError,
		Reason:   what + " is not evaluated by this version of Portcullis; the gateway fails closed rather than serve the request unchecked",
		Evidence: []string{what},
		Remedy:   []string{"Remove the requirement from the definition to try the API locally, or upgrade Portcullis."},
	})
}

// Check implements pipeline.Check.
func (Check) Check(r *pipeline.Request) (pipeline.Result, error) {
	m := r.Match.Method
	switch m.AuthorizationType {
	case "", "NONE", "AWS_IAM": // decided by the iam checks
	case "CUSTOM", "COGNITO_USER_POOLS":
		az := r.Stage.Deployment.Def.Authorizers[m.AuthorizerName]
		if az == nil {
			return pipeline.Result{}, fmt.Errorf("method %s %s names authorizer %q, which the definition does not define", m.HTTPMethod, r.Match.Resource.Path, m.AuthorizerName)
		}
		if missing := missingIdentity(r, az); missing != "" {
			return pipeline.Deny(&decision.Denial{
				Cause:    cause.AuthorizerIdentityMissing,
				Reason:   fmt.Sprintf("the identity source %s of authorizer %s is missing or empty, so API Gateway answers 401 without calling it", missing, az.Name),
				Evidence: []string{"identitySource: " + az.IdentitySource, missing + " is missing or empty"},
			}), nil
		}
		return failClosed(fmt.Sprintf("the %s authorizer %s", strings.ToLower(az.Type), az.Name)), nil
	default:
		return pipeline.Result{}, fmt.Errorf("unknown authorizationType %q", m.AuthorizationType)
	}
	return pipeline.Skip("no Lambda or Cognito authorizer on this method"), nil
}

// missingIdentity returns the first identity source expression with no value (TOKEN and
// COGNITO_USER_POOLS: the one header; REQUEST: every header and query string source, when the
// authorizer caches — facts §4.1).
func missingIdentity(r *pipeline.Request, az *apidef.Authorizer) string {
	if az.Type == "REQUEST" && az.ResultTTLInSeconds != nil && *az.ResultTTLInSeconds == 0 && az.IdentitySource == "" {
		return ""
	}
	for _, src := range strings.Split(az.IdentitySource, ",") {
		src = strings.TrimSpace(src)
		switch {
		case strings.HasPrefix(src, "method.request.header."):
			if strings.TrimSpace(r.HTTP.Header.Get(strings.TrimPrefix(src, "method.request.header."))) == "" {
				return src
			}
		case strings.HasPrefix(src, "method.request.querystring."):
			if r.HTTP.URL.Query().Get(strings.TrimPrefix(src, "method.request.querystring.")) == "" {
				return src
			}
		case strings.HasPrefix(src, "stageVariables."):
			if r.Stage.Variables[strings.TrimPrefix(src, "stageVariables.")] == "" {
				return src
			}
		}
	}
	return ""
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
	return failClosed("the stage's AWS WAF web ACL " + r.Stage.WebACLArn), nil
}
