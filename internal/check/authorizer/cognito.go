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

// tokenHeader reads a Cognito authorizer's token: its identity source is always a request
// header, method.request.header.NAME (facts §4.1).
func tokenHeader(r *pipeline.Request, src string) string {
	name, ok := strings.CutPrefix(strings.TrimSpace(src), "method.request.header.")
	if !ok {
		return ""
	}
	return r.HTTP.Header.Get(name)
}

// cognitoCheck verifies a Cognito user pool token (facts §4.1: the identity source header holds
// the token; failures answer 401 Unauthorized).
func cognitoCheck(r *pipeline.Request, az *apidef.Authorizer, m *apidef.Method) (pipeline.Result, error) {
	src := az.IdentitySource
	if src == "" {
		src = "method.request.header.Authorization"
	}
	token := strings.TrimSpace(tokenHeader(r, src))
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
