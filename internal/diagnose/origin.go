package diagnose

import (
	"regexp"
	"strings"

	"github.com/portcullis/portcullis/internal/cause"
)

// Origin detection: "consider the source of the error" (seed, facts §10 response headers, §11
// item 11). API Gateway's own headers win over CloudFront's, because edge-optimized APIs answer
// through CloudFront and carry both.

var (
	s3ErrorRE   = regexp.MustCompile(`(?s)<Error>\s*<Code>([A-Za-z]+)</Code>`)
	proxyBodyRE = regexp.MustCompile(`(?i)zscaler|blue ?coat|symantec web|forcepoint|websense|fortiguard|fortinet|palo alto|netskope|squid|mcafee web gateway|barracuda|sophos|cisco umbrella|policy_denied|access denied \(|web page blocked|this site is blocked|url filtering|content filter`)
	webServerRE = regexp.MustCompile(`(?i)^(nginx|apache|microsoft-iis|kestrel|gunicorn|uvicorn|werkzeug|jetty|tomcat|envoy|caddy|openresty|lighttpd|express|cowboy|hypercorn|puma|unicorn|waitress|litespeed)`)
)

// restMessages are API Gateway's default messages (not the "{detail}" ones).
var restMessages = func() []string {
	var out []string
	for _, e := range cause.All() {
		for _, m := range []string{e.Message, e.MessageCurrent} {
			if m != "" && !strings.HasPrefix(m, "{") {
				out = append(out, m)
			}
		}
	}
	return out
}()

// knownRESTMessage reports whether msg is one of API Gateway's default messages.
func knownRESTMessage(msg string) bool {
	for _, m := range restMessages {
		if cause.MessageMatches(m, msg) {
			return true
		}
	}
	return strings.HasPrefix(msg, "Credential should be scoped") || strings.HasPrefix(msg, "Date in Credential scope") ||
		strings.HasPrefix(msg, "Authorization header requires") || strings.HasPrefix(msg, "Invalid key=value pair")
}

// detectOrigin decides which system produced the response, with the evidence.
func detectOrigin(v *view) (string, []string) {
	h := v.hdr
	var ev []string
	add := func(s string) { ev = append(ev, s) }
	cloudfront := false
	if xc := h.Get("X-Cache"); strings.Contains(strings.ToLower(xc), "cloudfront") {
		cloudfront = true
		add("X-Cache: " + xc)
	}
	if via := h.Get("Via"); strings.Contains(strings.ToLower(via), "cloudfront") {
		cloudfront = true
		add("Via: " + via)
	}
	if id := h.Get("X-Amz-Cf-Id"); id != "" {
		cloudfront = true
		add("X-Amz-Cf-Id is present (CloudFront)")
	}
	if strings.EqualFold(h.Get("Server"), "CloudFront") {
		cloudfront = true
		add("Server: CloudFront")
	}

	if be := v.field("browserError"); be != "" && v.status <= 0 {
		return OriginBrowser, []string{"the browser recorded no response, only the error " + be}
	}
	if v.fromLog && v.status >= 400 && v.field("error.responseType") == "" && v.field("error.message") == "" {
		_, hasRT := v.fields["error.responseType"]
		_, hasMsg := v.fields["error.message"]
		if hasRT || hasMsg {
			e := []string{"the access log shows status " + itoa(v.status) + " with no $context.error.responseType or $context.error.message: API Gateway did not produce the error, the integration did"}
			if is := v.field("integration.status"); is != "" {
				e = append(e, "$context.integration.status = "+is)
			}
			return OriginBackend, e
		}
	}
	if v.fromLog {
		return OriginREST, []string{"the input is an API Gateway " + map[bool]string{true: "access-log", false: "execution-log"}[v.x.Source == "accesslog"] + " line"}
	}
	if id := h.Get("apigw-requestid"); id != "" && h.Get("x-amz-apigw-id") == "" {
		return OriginHTTPAPI, append([]string{"apigw-requestid: " + id + " (HTTP APIs send this header; REST APIs send x-amzn-RequestId and x-amz-apigw-id)"}, ev...)
	}
	apigwID := h.Get("x-amz-apigw-id")
	reqID := h.Get("x-amzn-RequestId")
	if v.hostKind == hostLambdaURL || (reqID != "" && apigwID == "" && strings.Contains(v.message, "Function URL")) {
		e := []string{}
		if v.hostKind == hostLambdaURL {
			e = append(e, "the host "+v.host+" is a Lambda function URL")
		}
		if reqID != "" {
			e = append(e, "x-amzn-RequestId without x-amz-apigw-id")
		}
		if strings.Contains(v.message, "Function URL") {
			e = append(e, "the body is the Lambda function URL message "+quote(v.message, 80))
		}
		return OriginLambdaURL, e
	}
	if v.errorType != "" || apigwID != "" || (reqID != "" && v.hasMessage && knownRESTMessage(v.message)) {
		var e []string
		if apigwID != "" {
			e = append(e, "x-amz-apigw-id: "+apigwID)
		}
		if reqID != "" {
			e = append(e, "x-amzn-RequestId: "+reqID)
		}
		if v.errorType != "" {
			e = append(e, "x-amzn-ErrorType: "+v.errorType)
		}
		if cloudfront {
			e = append(e, "CloudFront headers too: an edge-optimized API (or a CloudFront distribution in front of the API) passed API Gateway's response through")
		}
		if v.errorType == "" && v.status >= 400 && !(v.hasMessage && knownRESTMessage(v.message)) {
			e = append(e, "no x-amzn-ErrorType header and not one of API Gateway's messages: the integration (backend) answered and API Gateway passed the response through")
			return OriginBackend, e
		}
		return OriginREST, e
	}
	if strings.EqualFold(h.Get("Server"), "AmazonS3") || (h.Get("x-amz-request-id") != "" && s3ErrorRE.MatchString(v.body)) || (s3ErrorRE.MatchString(v.body) && strings.Contains(v.body, "<HostId>")) {
		e := []string{}
		if s := h.Get("Server"); s != "" {
			e = append(e, "Server: "+s)
		}
		if m := s3ErrorRE.FindStringSubmatch(v.body); m != nil {
			e = append(e, "S3 XML error body with <Code>"+m[1]+"</Code>")
		}
		if cloudfront {
			e = append(e, "through CloudFront (an S3 origin)")
		}
		return OriginS3, e
	}
	if cloudfront || strings.Contains(v.body, "Generated by cloudfront (CloudFront)") {
		if strings.Contains(v.body, "Generated by cloudfront (CloudFront)") {
			ev = append(ev, "the body is CloudFront's error page (\"Generated by cloudfront (CloudFront)\")")
		}
		return OriginCloudFront, ev
	}
	if s := h.Get("Server"); strings.HasPrefix(strings.ToLower(s), "awselb") {
		return OriginALB, []string{"Server: " + s + " (Application Load Balancer)"}
	}
	if e := proxyEvidence(v); len(e) > 0 {
		return OriginProxy, e
	}
	if s := h.Get("Server"); webServerRE.MatchString(s) || h.Get("X-Powered-By") != "" {
		e := []string{}
		if s != "" {
			e = append(e, "Server: "+s+" (a web or application server answered, with none of AWS's headers)")
		}
		if p := h.Get("X-Powered-By"); p != "" {
			e = append(e, "X-Powered-By: "+p)
		}
		return OriginBackend, e
	}
	if v.hasMessage && knownRESTMessage(v.message) && !v.nullMessage {
		return OriginREST, []string{"the body is one of API Gateway's messages (" + quote(v.message, 80) + "), but the response headers were not captured"}
	}
	if v.nullMessage {
		return OriginREST, []string{`the body {"message": null} is API Gateway's authorizer/5xx body, but the response headers were not captured`}
	}
	return OriginUnknown, nil
}

// proxyEvidence looks for a forward proxy (or a security appliance) that answered itself.
func proxyEvidence(v *view) []string {
	h := v.hdr
	var e []string
	if s := h.Get("Server"); strings.Contains(strings.ToLower(s), "squid") || strings.Contains(strings.ToLower(s), "proxy") {
		e = append(e, "Server: "+s)
	}
	if s := h.Get("X-Squid-Error"); s != "" {
		e = append(e, "X-Squid-Error: "+s)
	}
	if s := h.Get("Via"); s != "" {
		e = append(e, "Via: "+s+" (a proxy handled the request)")
	}
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "proxy-") || strings.HasPrefix(strings.ToLower(k), "x-zscaler") || strings.HasPrefix(strings.ToLower(k), "x-bluecoat") {
			e = append(e, k+" header (set by a proxy)")
		}
	}
	if v.status == 407 {
		e = append(e, "407 Proxy Authentication Required")
	}
	if m := proxyBodyRE.FindString(v.body); m != "" && (len(e) > 0 || strings.Contains(strings.ToLower(v.body), "<html")) {
		e = append(e, "the body is a block page mentioning "+quote(m, 40))
	}
	return e
}

func quote(s string, n int) string {
	if len(s) > n {
		s = s[:n] + "…"
	}
	return `"` + s + `"`
}
