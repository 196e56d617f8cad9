package diagnose

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/portcullis/portcullis/internal/diagnose/input"
)

func analyze(t *testing.T, capture string) Finding {
	t.Helper()
	xs, err := input.Parse(strings.NewReader(capture), "")
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if len(xs) != 1 {
		t.Fatalf("%d exchanges", len(xs))
	}
	return Analyze(xs[0], Options{})
}

func rank1(f Finding) []string {
	var out []string
	for _, c := range f.Causes {
		if c.Rank == 1 {
			out = append(out, c.ID)
		}
	}
	return out
}

func text(f Finding) string {
	var b strings.Builder
	b.WriteString(f.Message)
	for _, c := range f.Causes {
		b.WriteString(strings.Join(c.Evidence, "\n"))
		b.WriteString(strings.Join(c.Against, "\n"))
	}
	if f.Request != nil {
		b.WriteString(f.Request.URL)
	}
	return b.String()
}

const apigwHeaders = "x-amzn-RequestId: 1b4f2d3c-9a8e-4f7d-8c6b-5a4e3d2c1b0a\r\nx-amz-apigw-id: Vts2FFmArPEFh8g=\r\n"

func rawResponse(status, extra, body string) string {
	return "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\n" + apigwHeaders + extra + "\r\n" + body
}

func curlCapture(method, host, path string, reqHeaders []string, status, respHeaders, body string) string {
	var b strings.Builder
	b.WriteString("*   Trying 203.0.113.10:443...\n* Connected to " + host + " (203.0.113.10) port 443 (#0)\n* SSL connection using TLSv1.3 / TLS_AES_128_GCM_SHA256\n")
	b.WriteString("> " + method + " " + path + " HTTP/1.1\n> Host: " + host + "\n> User-Agent: curl/7.88.1\n> Accept: */*\n")
	for _, h := range reqHeaders {
		b.WriteString("> " + h + "\n")
	}
	b.WriteString(">\n< HTTP/1.1 " + status + "\n< Content-Type: application/json\n")
	for _, h := range strings.Split(strings.TrimSpace(apigwHeaders+respHeaders), "\n") {
		if h = strings.TrimSpace(h); h != "" {
			b.WriteString("< " + h + "\n")
		}
	}
	b.WriteString("<\n" + body + "\n* Connection #0 to host " + host + " left intact\n")
	return b.String()
}

// TestEdgeOptimizedIsREST: CloudFront headers next to API Gateway's mean an edge-optimized API
// (facts §10), not a CloudFront error.
func TestEdgeOptimizedIsREST(t *testing.T) {
	f := analyze(t, rawResponse("403 Forbidden", "x-amzn-ErrorType: MissingAuthenticationTokenException\r\nX-Cache: Error from cloudfront\r\nVia: 1.1 0a1b2c3d4e5f.cloudfront.net (CloudFront)\r\nX-Amz-Cf-Pop: FRA56-P1\r\nX-Amz-Cf-Id: abc==\r\n", `{"message":"Missing Authentication Token"}`))
	if f.Origin != OriginREST {
		t.Fatalf("origin %s (%v)", f.Origin, f.OriginEvidence)
	}
	if !strings.Contains(strings.Join(f.OriginEvidence, " "), "edge-optimized") {
		t.Errorf("origin evidence %v", f.OriginEvidence)
	}
	if r := rank1(f); !contains(r, "route-not-found") || !contains(r, "missing-authentication-token") || len(f.ToDecide) == 0 {
		t.Errorf("rank 1 %v, toDecide %v", r, f.ToDecide)
	}
}

// TestSecretsMasked: API Gateway echoes the Authorization header in its SigV4 parse messages;
// the diagnosis never prints it, nor the API key.
func TestSecretsMasked(t *testing.T) {
	tok := "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2VjcmV0c2lnbmF0dXJl"
	f := analyze(t, curlCapture("GET", "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com", "/prod/nope?token=hunter2hunter2",
		[]string{"Authorization: " + tok, "x-api-key: k3yk3yk3yk3yk3yk3yk3y"}, "403 Forbidden",
		"x-amzn-ErrorType: IncompleteSignatureException\n",
		`{"message":"Invalid key=value pair (missing equal-sign) in Authorization header: '`+tok+`'."}`))
	all := text(f)
	for _, s := range []string{"eyJzdWIiOiIxIn0", "k3yk3yk3yk3yk3yk3yk3y", "hunter2hunter2"} {
		if strings.Contains(all, s) {
			t.Errorf("secret %q printed:\n%s", s, all)
		}
	}
	if r := rank1(f); !contains(r, "route-not-found-with-authorization") || !contains(r, "incomplete-signature") {
		t.Errorf("rank 1 %v", r)
	}
}

// TestSkew: X-Amz-Date far from the response Date points at the 5-minute window (facts §5.2).
func TestSkew(t *testing.T) {
	f := analyze(t, curlCapture("GET", "iamdemo001.execute-api.us-east-1.amazonaws.com", "/prod/whoami",
		[]string{"X-Amz-Date: 20261126T093000Z", "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261126/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
		"403 Forbidden", "Date: Thu, 26 Nov 2026 10:00:00 GMT\nx-amzn-ErrorType: InvalidSignatureException\n",
		`{"message":"Signature expired: 20261126T093000Z is now earlier than 20261126T095500Z (20261126T100000Z - 5 min.)"}`))
	if r := rank1(f); len(r) != 1 || r[0] != "signature-expired" {
		t.Fatalf("rank 1 %v", r)
	}
	if !strings.Contains(strings.Join(f.Causes[0].Evidence, "\n"), "30m0s away from the response Date") {
		t.Errorf("evidence %v", f.Causes[0].Evidence)
	}
	if f.Causes[0].Confidence != High {
		t.Errorf("confidence %s", f.Causes[0].Confidence)
	}
}

// TestCredentialScope: a signature for another service is named from the header alone.
func TestCredentialScope(t *testing.T) {
	f := analyze(t, curlCapture("GET", "iamdemo001.execute-api.us-east-1.amazonaws.com", "/prod/whoami",
		[]string{"X-Amz-Date: 20261126T100000Z", "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261126/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
		"403 Forbidden", "Date: Thu, 26 Nov 2026 10:00:00 GMT\nx-amzn-ErrorType: InvalidSignatureException\n",
		`{"message":"Credential should be scoped to correct service: 'execute-api'. "}`))
	if r := rank1(f); len(r) != 1 || r[0] != "credential-scope-mismatch" {
		t.Fatalf("rank 1 %v", r)
	}
	if !strings.Contains(strings.Join(f.Causes[0].Evidence, "\n"), "service s3 (must be execute-api)") {
		t.Errorf("evidence %v", f.Causes[0].Evidence)
	}
}

// TestCognitoToken: a 401 with a Cognito-issued, expired token.
func TestCognitoToken(t *testing.T) {
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123","token_use":"access","exp":1764150000}`))
	jwt := "eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0." + payload + ".c2ln"
	f := analyze(t, curlCapture("GET", "cognito001.execute-api.us-east-1.amazonaws.com", "/prod/profile",
		[]string{"Authorization: " + jwt}, "401 Unauthorized", "Date: Thu, 26 Nov 2026 10:00:00 GMT\nx-amzn-ErrorType: UnauthorizedException\n", `{"message":"Unauthorized"}`))
	if r := rank1(f); len(r) != 1 || r[0] != "cognito-token-rejected" {
		t.Fatalf("rank 1 %v", r)
	}
	ev := strings.Join(f.Causes[0].Evidence, "\n")
	if !strings.Contains(ev, "us-east-1_AbCdEf123") || !strings.Contains(ev, "the token expired at 2025-11-26") {
		t.Errorf("evidence %v", ev)
	}
}

// TestExecutionLog: the execution log names the usage-plan failure (facts §3.3, §6).
func TestExecutionLog(t *testing.T) {
	log := `(1b4f2d3c-9a8e-4f7d-8c6b-5a4e3d2c1b0a) Extended Request Id: Vts2FFmArPEFh8g=
(1b4f2d3c-9a8e-4f7d-8c6b-5a4e3d2c1b0a) Verifying Usage Plan for request: 1b4f2d3c-9a8e-4f7d-8c6b-5a4e3d2c1b0a. API Key: **********abcd API Stage: keysdemo01/beta
(1b4f2d3c-9a8e-4f7d-8c6b-5a4e3d2c1b0a) API Key **********abcd not authorized because method 'GET /quota' requires API Key and API Key is not associated with a Usage Plan for API Stage keysdemo01/beta: No Usage Plan found for key and API Stage
(1b4f2d3c-9a8e-4f7d-8c6b-5a4e3d2c1b0a) Method completed with status: 403
`
	f := analyze(t, log)
	if f.Origin != OriginREST || f.Status != 403 {
		t.Fatalf("origin %s status %d", f.Origin, f.Status)
	}
	if r := rank1(f); len(r) != 1 || r[0] != "api-key-not-in-usage-plan" {
		t.Fatalf("rank 1 %v: %+v", r, f.Causes)
	}
}

// TestStagesOption: known stages (from --config) decide stage-not-found.
func TestStagesOption(t *testing.T) {
	capture := rawResponse("403 Forbidden", "x-amzn-ErrorType: ForbiddenException\r\n", `{"message":"Forbidden"}`)
	capture = "GET /staging/pets HTTP/1.1\r\nHost: petsapi001.execute-api.us-east-1.amazonaws.com\r\n\r\n" + capture
	xs, err := input.Parse(strings.NewReader(capture), input.FormatHTTP)
	if err != nil || len(xs) != 1 {
		t.Fatalf("parse: %v %d", err, len(xs))
	}
	f := Analyze(xs[0], Options{Stages: []string{"prod", "dev"}})
	if r := rank1(f); len(r) != 1 || r[0] != "stage-not-found" {
		t.Fatalf("rank 1 %v", r)
	}
	if r := rank1(Analyze(xs[0], Options{StagesByAPI: map[string][]string{"petsapi001": {"prod"}}})); len(r) != 1 || r[0] != "stage-not-found" {
		t.Fatalf("by API: rank 1 %v", r)
	}
	f = Analyze(xs[0], Options{Stages: []string{"staging"}})
	for _, c := range f.Causes {
		if c.ID == "stage-not-found" {
			t.Errorf("stage-not-found listed although the stage exists: %+v", c)
		}
	}
}

// TestRanksAreConsistent: ranks start at 1, never decrease, and ties share a rank.
func checkRanks(t *testing.T, f Finding) {
	prev := 0
	for i, c := range f.Causes {
		if i == 0 && c.Rank != 1 {
			t.Fatalf("first rank %d", c.Rank)
		}
		if c.Rank < prev || (c.Rank != prev && c.Rank != i+1) {
			t.Fatalf("ranks %+v", f.Causes)
		}
		prev = c.Rank
		if c.Confidence == "" || c.Evidence == nil || c.Remedy == nil {
			t.Fatalf("incomplete candidate %+v", c)
		}
	}
}

// FuzzDiagnose: whatever the input, parsing and diagnosing never panic and ranks stay sane.
func FuzzDiagnose(f *testing.F) {
	f.Add([]byte(rawResponse("403 Forbidden", "x-amzn-ErrorType: ForbiddenException\r\n", `{"message":"Forbidden"}`)))
	f.Add([]byte(curlCapture("GET", "a1b2c3d4e5-vpce-0abc.execute-api.us-east-1.amazonaws.com", "/restapis/a1b2c3d4e5/prod/_user_request_/x/../y", []string{"Authorization: AWS4-HMAC-SHA256 Credential=x/y"}, "403 Forbidden", "x-amzn-ErrorType: AccessDeniedException\n", `{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn"}`)))
	f.Add([]byte(`{"requestId":"r1","status":"403","errorResponseType":"WAF_FILTERED","path":"/prod/x","httpMethod":"GET","domainName":"api.example.com"}`))
	f.Add([]byte("(abcdef12-3456) Method completed with status: 500\n(abcdef12-3456) Execution failed due to configuration error: Authorizer error\n"))
	f.Add([]byte("HTTP/1.1 403 Forbidden\r\nServer: CloudFront\r\nX-Cache: Error from cloudfront\r\n\r\n<HTML>Request blocked. Generated by cloudfront (CloudFront)</HTML>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		xs, err := input.Parse(bytes.NewReader(data), "")
		if err != nil {
			return
		}
		rep := Diagnose("auto", xs, Options{})
		for _, fd := range rep.Findings {
			checkRanks(t, fd)
		}
	})
}

func TestRanks(t *testing.T) {
	f := analyze(t, rawResponse("403 Forbidden", "x-amzn-ErrorType: ForbiddenException\r\n", `{"message":"Forbidden"}`))
	checkRanks(t, f)
	if len(f.Causes) < 3 || len(f.ToDecide) == 0 {
		t.Errorf("a bare Forbidden should list several tied causes and what decides: %+v", f)
	}
}
