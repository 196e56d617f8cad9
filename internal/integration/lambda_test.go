package integration

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
	"github.com/portcullis/portcullis/internal/apidef"
	"github.com/portcullis/portcullis/internal/lambdatest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const fnARN = "arn:aws:lambda:us-east-1:123456789012:function:pets"

func lambdaIntegration(fn string) *apidef.Integration {
	return &apidef.Integration{Type: "AWS_PROXY", HTTPMethod: "POST",
		URI: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fn + "/invocations"}
}

// echoEvent returns the raw event it received as the proxy response body.
func echoEvent(ctx context.Context, ev json.RawMessage) (events.APIGatewayProxyResponse, error) {
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(ev)}, nil
}

func TestLambdaEventGolden(t *testing.T) {
	s := lambdatest.New(map[string]any{fnARN: echoEvent})
	defer s.Close()
	c := NewClient(Options{LambdaEndpoint: s.URL()})

	r, _ := newReq(t, lambdaIntegration(fnARN), "POST", "/pets/1?tag=a&tag=b&q=x%20y", `{"name":"<rex>"}`, map[string]string{
		"Content-Type":    "application/json",
		"Accept":          "*/*",
		"User-Agent":      "curl/8.5.0",
		"X-Amzn-Trace-Id": "Root=1-65ec18de-0123456789abcdef01234567",
		"Connection":      "keep-alive",
	})
	r.In.Header.Add("X-Multi", "one")
	r.In.Header.Add("X-Multi", "two")
	apiKey := "0123456789abcdefghij"
	r.Identity = map[string]*string{"apiKey": &apiKey}
	resp := invokeOK(t, c, r)
	got := readBody(t, resp)

	// The event is what aws-lambda-go handlers decode.
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal([]byte(got), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Body != `{"name":"<rex>"}` || ev.RequestContext.Identity.APIKey != apiKey || ev.MultiValueQueryStringParameters["tag"][1] != "b" {
		t.Errorf("decoded event: %+v", ev)
	}

	var pretty bytes.Buffer
	if err := json.Indent(&pretty, []byte(got), "", "  "); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "lambda_event.golden.json")
	if *update {
		if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), pretty.String()); d != "" {
		t.Errorf("event (-golden +got):\n%s", d)
	}
}

func TestLambdaEventEmpty(t *testing.T) {
	s := lambdatest.New(map[string]any{fnARN: echoEvent})
	defer s.Close()
	c := NewClient(Options{LambdaEndpoint: s.URL()})
	r, _ := newReq(t, lambdaIntegration(fnARN), "GET", "/", "", nil)
	r.PathParams, r.StageVariables = nil, nil
	var ev map[string]any
	if err := json.Unmarshal([]byte(readBody(t, invokeOK(t, c, r))), &ev); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "stageVariables", "body"} {
		if v, ok := ev[k]; !ok || v != nil {
			t.Errorf("%s = %v (present %v), want null", k, v, ok)
		}
	}
	if ev["isBase64Encoded"] != false {
		t.Errorf("isBase64Encoded = %v", ev["isBase64Encoded"])
	}
	if _, ok := ev["requestContext"].(map[string]any)["authorizer"]; ok {
		t.Error("authorizer present without an authorizer")
	}
}

func TestLambdaProxyResponse(t *testing.T) {
	png := []byte{0x89, 'P', 'N', 'G', 0, 1, 2, 0xff}
	var gotEvent events.APIGatewayProxyRequest
	s := lambdatest.New(map[string]any{
		fnARN: func(ev events.APIGatewayProxyRequest) (map[string]any, error) {
			return map[string]any{
				"statusCode":        "201",
				"headers":           map[string]any{"X-One": "1", "X-Both": "from-headers", "WWW-Authenticate": "Basic", "X-Flag": true},
				"multiValueHeaders": map[string][]string{"X-Both": {"m1", "m2"}, "Set-Cookie": {"a=1", "b=2"}},
				"body":              `{"created":true}`,
			}, nil
		},
		"binary": func(ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			gotEvent = ev
			return events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "image/png"},
				Body: base64.StdEncoding.EncodeToString(png), IsBase64Encoded: true}, nil
		},
	})
	defer s.Close()
	c := NewClient(Options{LambdaEndpoint: s.URL()})

	// Stage variable in the function part of the URI.
	in := lambdaIntegration("arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}")
	r, lb := newReq(t, in, "POST", "/pets/1", "", nil)
	r.StageVariables["fn"] = "pets"
	resp := invokeOK(t, c, r)
	if b := readBody(t, resp); b != `{"created":true}` || resp.Status != 201 || resp.IntegrationStatus != 200 {
		t.Errorf("got %d/%d %q", resp.Status, resp.IntegrationStatus, b)
	}
	want := http.Header{
		"X-One":                            {"1"},
		"X-Both":                           {"m1", "m2"},
		"X-Flag":                           {"true"},
		"X-Amzn-Remapped-Www-Authenticate": {"Basic"},
		"Set-Cookie":                       {"a=1", "b=2"},
		"Content-Type":                     {"application/json"},
	}
	if d := cmp.Diff(want, resp.Header); d != "" {
		t.Errorf("headers (-want +got):\n%s", d)
	}
	wantURI := s.URL() + "/2015-03-31/functions/" + fnARN + "/invocations"
	if resp.URI != wantURI {
		t.Errorf("URI %q, want %q", resp.URI, wantURI)
	}
	lines := lb.all()
	wantPrefixes := []string{
		"Endpoint request URI: " + wantURI,
		"Endpoint request headers: {Accept=application/json, Content-Type=application/json, User-Agent=AmazonAPIGateway_a1b2c3d4e5, X-Amz-Invocation-Type=RequestResponse, X-Amz-Source-Arn=arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/POST/pets/{petId}, X-Amzn-Apigateway-Api-Id=a1b2c3d4e5, X-Amzn-Lambda-Integration-Tag=c0ffee00-0000-4000-8000-000000000001}",
		`Endpoint request body after transformations: {"resource":"/pets/{petId}"`,
		"Sending request to " + wantURI,
		"Received response. Status: 200, Integration latency: ",
		"Endpoint response headers: {",
		`Endpoint response body before transformations: {`,
		`Method response body after transformations: {"created":true}`,
	}
	if len(lines) != len(wantPrefixes) {
		t.Fatalf("log:\n%s", strings.Join(lines, "\n"))
	}
	for i, p := range wantPrefixes {
		if !strings.HasPrefix(lines[i], p) {
			t.Errorf("log line %d:\n got %q\nwant prefix %q", i, lines[i], p)
		}
	}
	if !strings.HasSuffix(lines[2], " [TRUNCATED]") || len(lines[2]) != 1024+len(" [TRUNCATED]") {
		t.Errorf("long event line not truncated (%d bytes)", len(lines[2]))
	}

	// Binary in and out.
	tests := []struct {
		name, accept string
		binary       []string
		wantBody     []byte
	}{
		{"decoded when Accept is binary", "image/png", []string{"image/*"}, png},
		{"decoded when Content-Type is binary", "", []string{"image/png"}, png},
		{"base64 text without binary media types", "image/png", nil, []byte(base64.StdEncoding.EncodeToString(png))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{"Content-Type": "application/octet-stream"}
			if tt.accept != "" {
				hdr["Accept"] = tt.accept
			}
			r, _ := newReq(t, lambdaIntegration("binary"), "PUT", "/pets/1", string(png), hdr)
			r.BinaryMediaTypes = append(tt.binary, "application/octet-stream")
			resp := invokeOK(t, c, r)
			if b := readBody(t, resp); b != string(tt.wantBody) {
				t.Errorf("body %q, want %q", b, tt.wantBody)
			}
			if !gotEvent.IsBase64Encoded || gotEvent.Body != base64.StdEncoding.EncodeToString(png) {
				t.Errorf("event body %q base64=%v", gotEvent.Body, gotEvent.IsBase64Encoded)
			}
		})
	}
}

func TestLambdaFailures(t *testing.T) {
	s := lambdatest.New(map[string]any{
		fnARN: func() (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{StatusCode: 200}, nil
		},
		"broken": func() (string, error) { return "", errors.New("Application error in a Lambda function") },
		"objbody": func() (map[string]any, error) {
			return map[string]any{"statusCode": 200, "body": map[string]any{"a": 1}}, nil
		},
	})
	defer s.Close()
	other := lambdatest.New(map[string]any{"elsewhere": func() (map[string]int, error) { return map[string]int{"statusCode": 204}, nil }})
	defer other.Close()
	elsewhere := "arn:aws:lambda:us-east-1:123456789012:function:elsewhere"
	c := NewClient(Options{LambdaEndpoint: s.URL(), LambdaFunctions: map[string]string{elsewhere: other.URL()}})

	// Per-function endpoint.
	r, _ := newReq(t, lambdaIntegration(elsewhere), "GET", "/", "", nil)
	if resp := invokeOK(t, c, r); resp.Status != 204 {
		t.Errorf("status %d", resp.Status)
	}
	if other.Invocations("elsewhere") != 1 {
		t.Error("per-function endpoint not used")
	}

	// A per-function endpoint that is already an invocations URL is used as is.
	full := lambdatest.New(map[string]any{"function": func() (map[string]int, error) { return map[string]int{"statusCode": 202}, nil }})
	defer full.Close()
	rieURL := full.URL() + "/2015-03-31/functions/function/invocations"
	cf := NewClient(Options{LambdaFunctions: map[string]string{elsewhere: rieURL}})
	if resp := invokeOK(t, cf, r); resp.Status != 202 || resp.URI != rieURL {
		t.Errorf("status %d, URI %q", resp.Status, resp.URI)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	unreachable := "http://" + l.Addr().String()
	l.Close()

	rid := `[0-9a-f-]{36}`
	tests := []struct {
		name      string
		fn        string
		fault     *lambdatest.Fault
		client    *Client
		timeoutMs int
		cause     string
		detail    string // regexp
		status    int
		moreLog   string
	}{
		{name: "function error", fn: "broken", cause: CauseLambdaFunctionError, status: 200,
			detail: `^Lambda execution failed with status 200 due to customer function error: Application error in a Lambda function\. Lambda request id: ` + rid + `$`},
		{name: "function error without X-Amz-Function-Error (aws-lambda-rie)", fn: fnARN, cause: CauseLambdaFunctionError, status: 200,
			fault:  &lambdatest.Fault{Raw: true, Body: []byte(`{"errorMessage":"boom","errorType":"errorString"}`)},
			detail: `^Lambda execution failed with status 200 due to customer function error: boom\. Lambda request id: ` + rid + `$`},
		{name: "function not found", fn: "arn:aws:lambda:us-east-1:123456789012:function:missing", cause: CauseLambdaInvokeFailed, status: 404,
			detail:  `^Lambda invocation failed with status: 404\. Lambda request id: ` + rid + `$`,
			moreLog: "Execution failed due to configuration error: Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing"},
		{name: "throttled", fn: fnARN, cause: CauseLambdaInvokeFailed, status: 429,
			fault:   &lambdatest.Fault{Raw: true, Status: 429, Header: http.Header{"X-Amzn-Requestid": {"11111111-2222-3333-4444-555555555555"}}, Body: []byte(`{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}`)},
			detail:  `^Lambda invocation failed with status: 429\. Lambda request id: 11111111-2222-3333-4444-555555555555$`,
			moreLog: "Execution failed due to configuration error: Rate Exceeded."},
		{name: "access denied", fn: fnARN, cause: CauseLambdaInvokeFailed, status: 403,
			fault:   &lambdatest.Fault{Raw: true, Status: 403, Body: []byte(`{"Message":"User is not authorized"}`)},
			detail:  `^Lambda invocation failed with status: 403\.`,
			moreLog: "Execution failed due to configuration error: Invalid permissions on Lambda function"},
		{name: "malformed string payload", fn: fnARN, cause: CauseLambdaMalformed, status: 200,
			fault:  &lambdatest.Fault{Raw: true, Body: []byte(`"Bad response"`)},
			detail: `^Execution failed due to configuration error: Malformed Lambda proxy response$`},
		{name: "malformed object body", fn: "objbody", cause: CauseLambdaMalformed, status: 200,
			detail: `^Execution failed due to configuration error: Malformed Lambda proxy response$`},
		{name: "timeout", fn: fnARN, timeoutMs: 50, cause: CauseTimeout,
			fault:  &lambdatest.Fault{Delay: 5 * time.Second},
			detail: `^Execution failed due to a timeout error$`},
		{name: "no endpoint", fn: fnARN, client: NewClient(Options{}), cause: CauseLambdaInvokeFailed,
			detail: `^Execution failed due to configuration error: no Lambda endpoint configured for function ` + regexp.QuoteMeta(fnARN)},
		{name: "unreachable endpoint", fn: fnARN, client: NewClient(Options{LambdaEndpoint: unreachable}), cause: CauseLambdaInvokeFailed,
			detail: `^Execution failed due to configuration error: cannot reach the Lambda Invoke API at ` + regexp.QuoteMeta(unreachable)},
		{name: "bad uri", fn: "", cause: CauseConfigError, detail: `^Execution failed due to configuration error: Invalid Lambda function URI`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fault != nil {
				s.SetFault(tt.fn, *tt.fault)
				defer s.SetFault(tt.fn, lambdatest.Fault{})
			}
			cl := c
			if tt.client != nil {
				cl = tt.client
			}
			in := lambdaIntegration(tt.fn)
			in.TimeoutInMillis = tt.timeoutMs
			r, lb := newReq(t, in, "GET", "/", "", nil)
			start := time.Now()
			resp, f := invoke(t, cl, r)
			if time.Since(start) > 3*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
			f = mustFail(t, resp, f, tt.cause, "")
			if !regexp.MustCompile(tt.detail).MatchString(f.Detail) {
				t.Errorf("detail %q does not match %s", f.Detail, tt.detail)
			}
			if f.IntegrationStatus != tt.status {
				t.Errorf("IntegrationStatus %d, want %d", f.IntegrationStatus, tt.status)
			}
			lines := lb.all()
			if !lb.has(f.Detail) {
				t.Errorf("detail not logged: %q", lines)
			}
			if tt.moreLog != "" && lines[len(lines)-1] != tt.moreLog {
				t.Errorf("last log line %q, want %q", lines[len(lines)-1], tt.moreLog)
			}
		})
	}
}

// The mutual-TLS client certificate reaches the Lambda proxy event as an object (facts §8.5).
func TestEventIdentityClientCert(t *testing.T) {
	cert := `{"clientCertPem":"-----BEGIN CERTIFICATE-----\nMII...","subjectDN":"CN=client","issuerDN":"CN=ca","serialNumber":"1","validity":{"notAfter":"Aug  5 00:28:21 2120 GMT","notBefore":"Aug 29 00:28:21 2020 GMT"}}`
	caller := "AIDAEXAMPLE"
	b, err := eventIdentity{"clientCert": &cert, "caller": &caller}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Caller     string `json:"caller"`
		ClientCert struct {
			SubjectDN string                    `json:"subjectDN"`
			Validity  struct{ NotAfter string } `json:"validity"`
		} `json:"clientCert"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	if got.Caller != caller || got.ClientCert.SubjectDN != "CN=client" || got.ClientCert.Validity.NotAfter != "Aug  5 00:28:21 2120 GMT" {
		t.Errorf("identity = %s", b)
	}
}
