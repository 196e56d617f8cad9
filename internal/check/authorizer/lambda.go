package authorizer

import (
	"fmt"
	"strings"

	"github.com/portcullis/portcullis/internal/apidef"
	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/check/pending"
	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/pipeline"
)

// lambdaCheck: a missing identity source answers 401 without invoking (facts §4.4); the
// invocation itself is not wired yet, so the gateway fails closed.
func lambdaCheck(r *pipeline.Request, az *apidef.Authorizer) (pipeline.Result, error) {
	if missing := missingIdentity(r, az); missing != "" {
		return pipeline.Deny(&decision.Denial{
			Cause:    cause.AuthorizerIdentityMissing,
			Reason:   fmt.Sprintf("the identity source %s of authorizer %s is missing or empty, so API Gateway answers 401 without calling it", missing, az.Name),
			Evidence: []string{"identitySource: " + az.IdentitySource, missing + " is missing or empty"},
		}), nil
	}
	return pending.FailClosed(fmt.Sprintf("the %s authorizer %s", strings.ToLower(az.Type), az.Name)), nil
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
		if src != "" && strings.TrimSpace(identityValue(r, src, nil)) == "" {
			return src
		}
	}
	return ""
}
