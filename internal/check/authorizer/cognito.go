// Package authorizer holds the pipeline step for COGNITO_USER_POOLS and Lambda (CUSTOM)
// authorizers (DESIGN.md §2 steps 7–8; facts §4, §5.3).
package authorizer

import (
	"fmt"
	"strings"
	"time"

	"github.com/portcullis/portcullis/internal/apidef"
	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/cognito"
	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/pipeline"
)

// identityValue resolves one identity source expression (facts §4.1): method.request.header.X,
// method.request.querystring.X, stageVariables.X or context.X.
func identityValue(r *pipeline.Request, src string, ctx func(string) (string, bool)) string {
	src = strings.TrimSpace(src)
	switch {
	case strings.HasPrefix(src, "method.request.header."):
		return r.HTTP.Header.Get(strings.TrimPrefix(src, "method.request.header."))
	case strings.HasPrefix(src, "method.request.querystring."):
		return r.HTTP.URL.Query().Get(strings.TrimPrefix(src, "method.request.querystring."))
	case strings.HasPrefix(src, "stageVariables."):
		return r.Stage.Variables[strings.TrimPrefix(src, "stageVariables.")]
	case strings.HasPrefix(src, "context.") && ctx != nil:
		v, _ := ctx(src)
		return v
	}
	return ""
}

// cognitoCheck verifies a Cognito user pool token (facts §4.1: the identity source header holds
// the token; failures answer 401 Unauthorized).
func cognitoCheck(r *pipeline.Request, az *apidef.Authorizer, m *apidef.Method) (pipeline.Result, error) {
	src := az.IdentitySource
	if src == "" {
		src = "method.request.header.Authorization"
	}
	token := strings.TrimSpace(identityValue(r, src, nil))
	if token == "" {
		return pipeline.Deny(&decision.Denial{
			Cause:    cause.AuthorizerIdentityMissing,
			Reason:   fmt.Sprintf("the Cognito authorizer %s reads the token from %s, which is missing or empty", az.Name, src),
			Evidence: []string{"identitySource: " + src, src + " is missing or empty"},
		}), nil
	}
	v := cognito.Verifier{Pools: pools(r.World, az.ProviderARNs), Now: func() time.Time { return r.Now }}
	res := v.Verify(token, az.ProviderARNs, m.AuthorizationScopes)
	if !res.OK {
		return pipeline.Deny(&decision.Denial{
			Cause:    cause.CognitoTokenRejected,
			Reason:   "the Cognito token was rejected: " + res.Detail,
			Evidence: []string{"authorizer " + az.Name + " (COGNITO_USER_POOLS), providerARNs: " + strings.Join(az.ProviderARNs, ", "), res.Detail},
		}), nil
	}
	r.Authorizer = &pipeline.AuthorizerResult{Claims: res.Claims}
	sub := res.Claims["sub"]
	return pipeline.Pass(fmt.Sprintf("Cognito %s token of %s (sub %s) verified against %s", res.TokenUse, res.Claims["cognito:username"], sub, res.Pool.ARN)), nil
}

func pools(w *config.World, arns []string) []*cognito.Pool {
	var out []*cognito.Pool
	for _, a := range arns {
		if p := w.UserPools[a]; p != nil {
			out = append(out, p)
		}
	}
	return out
}
