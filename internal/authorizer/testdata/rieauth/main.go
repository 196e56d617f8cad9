// Command rieauth is a TOKEN Lambda authorizer written the way a user deploys one (with
// aws-lambda-go), for the aws-lambda-rie test of internal/authorizer: token "allow" is
// allowed on the method ARN, "deny" denied, "unauthorized" fails with exactly "Unauthorized"
// (API Gateway's 401), "panic" panics and anything else fails with another error (500).
package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func policy(principal, effect, resource string) events.APIGatewayCustomAuthorizerResponse {
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: principal,
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version: "2012-10-17",
			Statement: []events.IAMPolicyStatement{{
				Action:   []string{"execute-api:Invoke"},
				Effect:   effect,
				Resource: []string{resource},
			}},
		},
		Context: map[string]any{"stringKey": "value", "numberKey": 1, "booleanKey": true},
	}
}

func handle(_ context.Context, ev events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	switch ev.AuthorizationToken {
	case "allow":
		return policy("user-allow", "Allow", ev.MethodArn), nil
	case "deny":
		return policy("user-deny", "Deny", ev.MethodArn), nil
	case "unauthorized":
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
	case "panic":
		panic("authorizer panicked")
	}
	return events.APIGatewayCustomAuthorizerResponse{}, errors.New("invalid token")
}

func main() { lambda.Start(handle) }
