package authorizer

import (
	"fmt"

	"github.com/portcullis/portcullis/internal/pipeline"
)

// Check is the authorizer step: Lambda TOKEN/REQUEST authorizers and Cognito user pools.
type Check struct{}

// Name implements pipeline.Check.
func (Check) Name() string { return "authorizer" }

// Check implements pipeline.Check.
func (Check) Check(r *pipeline.Request) (pipeline.Result, error) {
	m := r.Match.Method
	switch m.AuthorizationType {
	case "COGNITO_USER_POOLS", "CUSTOM":
	default:
		return pipeline.Skip("no Lambda or Cognito authorizer on this method"), nil
	}
	az := r.Stage.Deployment.Def.Authorizers[m.AuthorizerName]
	if az == nil {
		return pipeline.Result{}, fmt.Errorf("method %s %s names authorizer %q, which the definition does not define", m.HTTPMethod, r.Match.Resource.Path, m.AuthorizerName)
	}
	if m.AuthorizationType == "COGNITO_USER_POOLS" {
		return cognitoCheck(r, az, m)
	}
	return lambdaCheck(r, az)
}
