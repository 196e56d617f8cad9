package diagnose

import (
	"fmt"
	"regexp"
	"strings"
)

// Causes of origins other than an API Gateway REST API (DESIGN.md §1 "Diagnosis output"). They
// are not in the gateway's catalogue because the gateway never emits them.
type otherCause struct {
	title  string
	remedy []string
}

var otherCauses = map[string]otherCause{
	"cloudfront-waf-blocked": {"AWS WAF on the CloudFront distribution blocked the request", []string{
		"Find the terminating rule in the web ACL's sampled requests or WAF logs: aws wafv2 get-sampled-requests --scope CLOUDFRONT --region us-east-1 …",
		"The web ACL is attached to the distribution, not to the API stage: aws cloudfront get-distribution-config --id DIST_ID --query DistributionConfig.WebACLId."}},
	"cloudfront-geo-restriction": {"CloudFront geographic restriction", []string{
		"The distribution blocks the viewer's country: aws cloudfront get-distribution-config --id DIST_ID --query DistributionConfig.Restrictions."}},
	"cloudfront-signed-url-required": {"CloudFront requires a signed URL or signed cookies", []string{
		"The cache behavior has trusted key groups: send a valid signed URL (Key-Pair-Id, Signature, Expires/Policy) or signed cookies."}},
	"cloudfront-cname-mismatch": {"The host is not an alternate domain name (CNAME) of the distribution", []string{
		"Add the host to the distribution's Aliases with a matching certificate, or call the distribution by a configured name."}},
	"cloudfront-method-not-allowed": {"The distribution does not allow this HTTP method", []string{
		"Set the cache behavior's AllowedMethods to include it (GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE)."}},
	"cloudfront-403": {"CloudFront answered 403 itself", []string{
		"Look up the request in the distribution's standard logs by X-Amz-Cf-Id (x-edge-result-type and x-edge-detailed-result-type say why).",
		"If the origin is API Gateway, note that CloudFront forwards its own Host unless an origin request policy says otherwise: a REST API behind a custom CloudFront distribution needs the execute-api host (or a custom domain) and the stage in the origin path."}},
	"s3-access-denied": {"Amazon S3 denied the request", []string{
		"Check the bucket policy, the object ACL/ownership, Block Public Access and (behind CloudFront) the origin access control: aws s3api get-bucket-policy --bucket BUCKET.",
		"A missing object also answers AccessDenied when the caller lacks s3:ListBucket."}},
	"s3-error": {"Amazon S3 returned an error", []string{"Read the <Code> and <Message> of the XML error."}},
	"alb-waf-blocked": {"AWS WAF on the Application Load Balancer blocked the request (or a listener rule answered 403)", []string{
		"Check the web ACL associated with the load balancer: aws wafv2 get-web-acl-for-resource --resource-arn ALB_ARN.",
		"Or a listener rule with a fixed-response 403: aws elbv2 describe-rules --listener-arn LISTENER_ARN."}},
	"alb-403": {"The Application Load Balancer answered itself", []string{"Check the listener rules and the load balancer's access logs (elb_status_code vs target_status_code)."}},
	"apigateway-http-forbidden": {"An HTTP API (API Gateway v2) denied the request", []string{
		"HTTP APIs answer 403 Forbidden for IAM authorization failures, JWT authorizer scope mismatches and a disabled default endpoint; check the route's authorizer: aws apigatewayv2 get-routes --api-id API_ID.",
		"Turn on access logging with $context.authorizer.error and $context.error.message."}},
	"apigateway-http-unauthorized": {"An HTTP API's authorizer rejected the request", []string{
		"For a JWT authorizer check the token's issuer and audience against the authorizer's configuration: aws apigatewayv2 get-authorizer --api-id API_ID --authorizer-id ID."}},
	"apigateway-http-not-found": {"No route of the HTTP API matches", []string{
		"HTTP APIs answer 404 {\"message\":\"Not Found\"} for a missing route or stage: aws apigatewayv2 get-routes --api-id API_ID."}},
	"lambda-url-forbidden": {"The Lambda function URL refused the request", []string{
		"With AuthType AWS_IAM sign the request for service lambda and allow lambda:InvokeFunctionUrl in the caller's or the function's resource policy: aws lambda get-policy --function-name FUNCTION.",
		"With AuthType NONE the function's resource policy still needs a statement allowing lambda:InvokeFunctionUrl for Principal *."}},
	"proxy-blocked": {"A forward proxy or security appliance between the client and AWS blocked the request", []string{
		"The request never reached AWS: ask the network team to allow the host, or call it from a network without the proxy (compare with curl --noproxy '*').",
		"Check HTTPS_PROXY/HTTP_PROXY/NO_PROXY in the client's environment."}},
	"backend-403": {"The integration answered 403", nil}, // remedies from the catalogue entry
	"backend-error": {"The integration answered with an error status", []string{
		"API Gateway passed the backend's response through: look at the backend's logs for this request (the execution log shows the endpoint request and response)."}},
	"unknown-origin": {"The response does not say which system produced it", []string{
		"Capture the full response headers (curl -v, or a HAR export) so the origin can be identified."}},
}

var cloudfrontBlockedRE = regexp.MustCompile(`(?i)request blocked`)

// rankOther lists the causes for an origin that is not an API Gateway REST API.
func rankOther(v *view, origin string) *ranker {
	r := newRanker(v)
	add := func(id string, score int, why string) {
		c := r.add(id, score, why)
		if oc, ok := otherCauses[id]; ok {
			if c.title == "" {
				c.title = oc.title
			}
			if oc.remedy != nil {
				c.remedy = oc.remedy
			}
		}
	}
	body := v.body
	switch origin {
	case OriginCloudFront:
		switch {
		case strings.Contains(body, "configured to block access from your country"):
			add("cloudfront-geo-restriction", base+strong, "the page says the distribution is configured to block access from your country")
		case strings.Contains(body, "Key-Pair-Id") || strings.Contains(body, "MissingKey") || strings.Contains(v.message, "Key-Pair-Id"):
			add("cloudfront-signed-url-required", base+strong, "the error mentions Key-Pair-Id: the distribution serves only signed URLs/cookies")
		case strings.Contains(body, "not configured to allow the HTTP request method"):
			add("cloudfront-method-not-allowed", base+strong, "the page says the distribution is not configured to allow this HTTP method")
		case strings.Contains(strings.ToLower(body), "bad request") && strings.Contains(body, "could not be satisfied"):
			add("cloudfront-cname-mismatch", base+hint, "CloudFront's \"Bad request\" page: usually the Host is not one of the distribution's alternate domain names")
			add("cloudfront-403", base, "")
		case cloudfrontBlockedRE.MatchString(body):
			add("cloudfront-waf-blocked", base+hint+weak, "CloudFront's \"Request blocked\" page: a web ACL on the distribution blocked the request")
			add("cloudfront-403", base, "")
		default:
			add("cloudfront-403", base, fmt.Sprintf("CloudFront answered %d without API Gateway's headers", v.status))
			add("cloudfront-waf-blocked", base-weak, "")
		}
	case OriginS3:
		if m := s3ErrorRE.FindStringSubmatch(body); m != nil && m[1] != "AccessDenied" {
			add("s3-error", base+hint, "S3 error code "+m[1])
		}
		add("s3-access-denied", base+hint/2, "S3 answered AccessDenied")
	case OriginALB:
		if v.status == 403 {
			add("alb-waf-blocked", base+hint, "a 403 page from the load balancer itself (WAF on an ALB answers this)")
		}
		add("alb-403", base, "")
	case OriginHTTPAPI:
		switch {
		case v.status == 401:
			add("apigateway-http-unauthorized", base+strong, "HTTP APIs answer 401 Unauthorized when a JWT or Lambda authorizer rejects the request")
		case v.status == 404:
			add("apigateway-http-not-found", base+strong, "HTTP APIs answer 404 for a route or stage that does not exist")
		default:
			add("apigateway-http-forbidden", base+strong, fmt.Sprintf("an HTTP API answered %d %s", v.status, quote(v.message, 60)))
		}
	case OriginLambdaURL:
		add("lambda-url-forbidden", base+strong, fmt.Sprintf("the Lambda function URL answered %d %s", v.status, quote(v.message, 100)))
	case OriginProxy:
		add("proxy-blocked", base+strong, "a proxy answered instead of AWS")
	case OriginBackend:
		if v.status == 403 {
			add("backend-403", base+strong, "status 403 without x-amzn-ErrorType, with API Gateway's request id headers")
		} else {
			add("backend-error", base+strong, fmt.Sprintf("status %d without x-amzn-ErrorType, with API Gateway's request id headers", v.status))
		}
		// An AWS WAF Block action with a custom response is not a gateway response either: it
		// has no x-amzn-ErrorType (facts §1.2: custom responses win over gateway responses).
		w := r.add("waf-blocked", base+strong, "AWS WAF custom responses (Block with CustomResponse) also come without x-amzn-ErrorType")
		for _, s := range wafSignals(v) {
			w.pro(hint, s)
		}
		if xr := remapped(v); xr != "" {
			r.c[r.order[0]].pro(0, "the backend's headers were remapped by API Gateway: "+xr)
		}
	default:
		add("unknown-origin", base, "")
	}
	return r
}

func remapped(v *view) string {
	var out []string
	for k := range v.hdr {
		if strings.HasPrefix(strings.ToLower(k), "x-amzn-remapped-") {
			out = append(out, k)
		}
	}
	return strings.Join(out, ", ")
}
