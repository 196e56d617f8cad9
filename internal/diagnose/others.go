package diagnose

import (
	"fmt"
	"github.com/portcullis/portcullis/internal/cause"
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
	"alb-fixed-response": {"A listener rule's fixed-response action answered", []string{
		"Find the rule: aws elbv2 describe-rules --listener-arn LISTENER_ARN (an action of type fixed-response with this status); the access log shows actions_executed fixed-response."}},
	"s3-request-expired": {"The S3 presigned URL has expired", []string{
		"Generate a new presigned URL (X-Amz-Expires counts from X-Amz-Date; URLs signed with temporary credentials also end when the session does)."}},
	"s3-signature-mismatch": {"The S3 signature does not match", []string{
		"Sign for service s3 in the bucket's region with the secret that belongs to the access key; compare the StringToSign in the error with the client's."}},
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
	"cors-blocked": {"The browser blocked the call (CORS): the response or the preflight lacked Access-Control-Allow-Origin", []string{
		"Enable CORS on the resource: an OPTIONS method (MOCK integration) answering Access-Control-Allow-Origin, -Methods and -Headers, and Access-Control-Allow-Origin on the method's responses; then deploy: aws apigateway create-deployment --rest-api-id API_ID --stage-name STAGE.",
		"Add Access-Control-Allow-Origin to the DEFAULT_4XX and DEFAULT_5XX gateway responses (aws apigateway put-gateway-response --response-type DEFAULT_4XX --response-parameters …): otherwise every 403 reaches the page as a CORS error and hides its real cause.",
		"A preflight to a resource without an OPTIONS method gets 403 Missing Authentication Token; run the same call with curl -v to see the real status."}},
	"dns-not-resolved": {"The host name did not resolve", []string{
		"A private API's execute-api name resolves only inside a VPC whose interface endpoint has private DNS on; from elsewhere use the endpoint's own DNS name with x-apigw-api-id, or the Route 53 alias API_ID-VPCE_ID.execute-api.REGION.amazonaws.com.",
		"Check the spelling of the API id and region in the host."}},
	"browser-network-error": {"The browser could not complete the request", []string{
		"Repeat the call with curl -v to see the connection, TLS and HTTP exchange; the HAR has no response to diagnose."}},
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
		code := ""
		if m := s3ErrorRE.FindStringSubmatch(body); m != nil {
			code = m[1]
		}
		switch {
		case strings.Contains(body, "Request has expired") || code == "ExpiredToken" && strings.Contains(body, "X-Amz-Expires"):
			add("s3-request-expired", base+strong, "S3 says \"Request has expired\": the presigned URL is past X-Amz-Expires")
		case code == "SignatureDoesNotMatch":
			add("s3-signature-mismatch", base+strong, "S3 error code SignatureDoesNotMatch")
		case code != "" && code != "AccessDenied":
			add("s3-error", base+hint, "S3 error code "+code)
		}
		why := "S3 answered AccessDenied"
		if code == "" {
			why = "S3 answered " + itoa(v.status)
		}
		add("s3-access-denied", base+hint/2, why)
	case OriginALB:
		switch {
		case v.status == 403 && strings.Contains(body, "<center><h1>403 Forbidden</h1></center>"):
			add("alb-waf-blocked", base+hint, "the load balancer's own 403 page (AWS WAF on an ALB answers with it)")
		case strings.TrimSpace(body) != "":
			add("alb-fixed-response", base+hint, "a body that is not the load balancer's own error page: a fixed-response action of a listener rule")
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
		if v.restHeaders() {
			w := r.add("waf-blocked", base+strong, "AWS WAF custom responses (Block with CustomResponse) also come without x-amzn-ErrorType")
			for _, s := range wafSignals(v) {
				w.pro(hint, s)
			}
		}
		if xr := remapped(v); xr != "" {
			r.c[r.order[0]].pro(0, "the backend's headers were remapped by API Gateway: "+xr)
		}
	case OriginBrowser:
		be := v.field("browserError")
		switch {
		case strings.Contains(be, "NAME_NOT_RESOLVED"):
			add("dns-not-resolved", base+strong, "the browser says "+be)
		case strings.Contains(be, "SSL_CLIENT_AUTH") || strings.Contains(be, "CLIENT_CERT"):
			add(cause.MTLSCertificateRejected, base+strong, "the browser says "+be+": the server asked for a client certificate it did not get or accept")
		case strings.Contains(be, "ERR_FAILED") || strings.Contains(strings.ToUpper(be), "CORS"):
			c := r.add("cors-blocked", base+hint, "the browser says "+be+" with no status: for a fetch()/XHR this is how a CORS failure is recorded")
			c.title, c.remedy = otherCauses["cors-blocked"].title, otherCauses["cors-blocked"].remedy
			if o := v.reqHdr.Get("Origin"); o != "" {
				c.pro(hint, "the request carried Origin: "+o+" (a cross-origin call)")
			}
			add("browser-network-error", base, "")
		default:
			add("browser-network-error", base+hint, "the browser says "+be)
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
