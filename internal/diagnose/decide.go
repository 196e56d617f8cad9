package diagnose

import (
	"github.com/portcullis/portcullis/internal/diagnose/redact"
	"strconv"
	"strings"

	"github.com/portcullis/portcullis/internal/cause"
)

// separators say, per cause, what extra input confirms it against the causes that share its
// response. They become the finding's toDecide when candidates tie or are close.
var separators = map[string]string{
	cause.StageNotFound:                  "list the stages: aws apigateway get-stages --rest-api-id API_ID (the first path segment must be one of them)",
	cause.PrivateAPIWrongEndpoint:        "check the endpoint type: aws apigateway get-rest-api --rest-api-id API_ID --query endpointConfiguration (PRIVATE needs the VPC endpoint's DNS name with x-apigw-api-id, or private DNS)",
	cause.DefaultEndpointDisabled:        "check aws apigateway get-rest-api --rest-api-id API_ID --query disableExecuteApiEndpoint (true: call the custom domain instead)",
	cause.PublicAPIViaPrivateDNS:         "resolve the host from the client (dig API_ID.execute-api.REGION.amazonaws.com): private addresses mean a VPC endpoint with private DNS",
	cause.APIKeyMissing:                  "send the same request with the x-api-key header: a method with apiKeyRequired then answers differently",
	cause.InvalidAPIKey:                  "the execution log for this request id says which: \"Invalid API Key identifier specified\" (unknown key) or \"…not associated with a Usage Plan for API Stage…\"",
	cause.APIKeyDisabled:                 "check the key: aws apigateway get-api-keys --name-query NAME --include-values (enabled: false)",
	cause.APIKeyNotInUsagePlan:           "check the key's plans: aws apigateway get-usage-plans --key-id KEY_ID (one must list API_ID:STAGE in apiStages)",
	cause.WAFBlocked:                     "the access log's $context.error.responseType (WAF_FILTERED) or $context.waf.status, or the web ACL's sampled requests: aws wafv2 get-sampled-requests",
	cause.CustomDomainNoMapping:          "list the mappings: aws apigateway get-base-path-mappings --domain-name DOMAIN",
	cause.MTLSCertificateRejected:        "a curl -v transcript of the TLS handshake (client certificate sent or not), or the execution log's \"Access denied. Reason: …\" line",
	cause.RouteNotFound:                  "send the request again with a dummy SigV4 Authorization header (portcullis probe URL does this): an AWS_IAM method then answers \"The security token included in the request is invalid.\", a missing route still answers Missing Authentication Token",
	cause.MissingAuthenticationToken:     "check the method's authorizationType: aws apigateway get-method --rest-api-id API_ID --resource-id RES_ID --http-method VERB (AWS_IAM needs a SigV4 signature)",
	cause.ResourceNotDeployed:            "compare the stage's deployment with the current resources: aws apigateway get-stage --rest-api-id API_ID --stage-name STAGE (deploymentId) and get-resources; redeploy if the route is new",
	cause.CustomDomainStageInPath:        "drop the stage segment from the path and send it again",
	cause.RouteNotFoundWithAuthorization: "send the request without the Authorization header, and with a dummy SigV4 one (portcullis probe URL): a missing route answers Missing Authentication Token both times",
	cause.IncompleteSignature:            "check the method's authorizationType: an AWS_IAM method needs a complete SigV4 signature (Credential, SignedHeaders, Signature and X-Amz-Date)",
	cause.PolicyNoAllow:                  "look at the resource policy: aws apigateway get-rest-api --rest-api-id API_ID --query policy, and the caller's IAM policies (aws iam simulate-principal-policy)",
	cause.VPCEPolicyDeny:                 "was the request sent through a VPC endpoint? the access log's $context.identity.vpceId, and the endpoint's policy: aws ec2 describe-vpc-endpoints --vpc-endpoint-ids VPCE_ID",
	cause.AuthorizerIdentityMissing:      "the authorizer's identitySource: aws apigateway get-authorizers --rest-api-id API_ID; then send that header",
	cause.AuthorizerUnauthorized:         "the authorizer function's logs for this request, or the access log's $context.authorizer.status",
	cause.CognitoTokenRejected:           "decode the token (header and payload) and compare iss, token_use, exp and scope with the authorizer's providerARNs and the method's authorizationScopes",
	"backend-403":                        "the execution log for this request id: \"Endpoint response body before transformations\" shows what the backend answered; a WAF block never reaches the integration",
	"backend-error":                      "the execution log for this request id shows the endpoint request and response",
	cause.SignatureExpired:               "compare the client's clock with the response Date header",
	cause.CredentialScopeMismatch:        "the Credential scope must be ACCESS_KEY/YYYYMMDD/REGION/execute-api/aws4_request",
	cause.LambdaInvokeFailed:             "the execution log for this request id (Lambda invocation failed / Invalid permissions on Lambda function)",
	cause.IntegrationConfigError:         "the execution log for this request id (Execution failed due to configuration error: …)",
	cause.LambdaMalformedResponse:        "the execution log: \"Malformed Lambda proxy response\" vs \"Lambda execution failed with status 200 due to customer function error\"",
	cause.LambdaFunctionError:            "the execution log: \"Lambda execution failed with status 200 due to customer function error\"",
}

// toDecide returns what would separate the top candidates, when the top is not alone and clear.
func toDecide(r *ranker, cs []Candidate) []string {
	if len(cs) < 2 {
		return nil
	}
	if cs[0].Confidence == High {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	top := cs[0].Rank
	for _, c := range cs {
		if c.Rank > top && len(out) > 0 && (len(cs) < 2 || cs[1].Rank == top) {
			break // a tie at the top: only the tied causes need separating
		}
		if c.Rank > 2 {
			break
		}
		s, ok := separators[c.ID]
		if !ok || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, r.concrete([]string{s})[0])
	}
	if len(out) == 0 {
		out = append(out, "the execution log lines for this request id (CloudWatch log group API-Gateway-Execution-Logs_API_ID/STAGE) name the failing step")
	}
	return out
}

// maskValue masks a secret as API Gateway's execution log masks API keys (redact.Token: stars
// and the last six characters; JWTs keep only non-identifying claims).
func maskValue(s string) string { return redact.Token(strings.TrimSpace(s)) }

func itoa(n int) string { return strconv.Itoa(n) }
