package gatewayresponse

import (
	"bytes"
	"encoding/json"
	"github.com/portcullis/portcullis/internal/ctxvars"
	"net/http"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis/portcullis/internal/apidef"
)

func ptr(s string) *string { return &s }

func TestTypes(t *testing.T) {
	want := []Type{Default4XX, Default5XX, ResourceNotFound, Unauthorized, InvalidAPIKey, AccessDenied,
		AuthorizerFailure, AuthorizerConfigurationError, InvalidSignature, ExpiredToken,
		MissingAuthenticationToken, IntegrationFailure, IntegrationTimeout, APIConfigurationError,
		UnsupportedMediaType, BadRequestParameters, BadRequestBody, RequestTooLarge, Throttled,
		QuotaExceeded, WAFFiltered}
	var got []Type
	for _, s := range Types() {
		got = append(got, s.Type)
		l, ok := Lookup(s.Type)
		if !ok || l != s {
			t.Errorf("Lookup(%s) = %v, %v", s.Type, l, ok)
		}
		switch {
		case s.Type == Default4XX || s.Type == Default5XX:
			if s.FallsBackTo != "" {
				t.Errorf("%s falls back to %s", s.Type, s.FallsBackTo)
			}
		case s.Status >= 500 && s.FallsBackTo != Default5XX, s.Status < 500 && s.FallsBackTo != Default4XX:
			t.Errorf("%s (status %d) falls back to %q", s.Type, s.Status, s.FallsBackTo)
		}
		if s.Description == "" {
			t.Errorf("%s has no description", s.Type)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Types() order (-want +got):\n%s", diff)
	}
	if _, ok := Lookup("NOPE"); ok {
		t.Error("Lookup(NOPE) ok")
	}
	// Types returns a copy.
	Types()[0].Status = 999
	if s, _ := Lookup(Default4XX); s.Status != 400 || Types()[0].Status != 400 {
		t.Error("Types() exposes internal state")
	}
}

// TestRenderDefaults: every type's default response, byte for byte (facts §1.1).
func TestRenderDefaults(t *testing.T) {
	tests := []struct {
		typ       Type
		msg       *string
		errorType string
		status    int
		ctype     string
		body      string
		length    int // 0 = not separately known; len(body) is still checked
	}{
		{Default4XX, ptr("Bad Request"), "BadRequestException", 400, "application/json", `{"message":"Bad Request"}`, 0},
		{Default5XX, ptr("Internal server error"), "InternalServerErrorException", 500, "application/json", `{"message": "Internal server error"}`, 36},
		{ResourceNotFound, ptr("Not Found"), "ResourceNotFoundException", 404, "application/json", `{"message":"Not Found"}`, 0},
		{Unauthorized, ptr("Unauthorized"), "UnauthorizedException", 401, "application/json", `{"message":"Unauthorized"}`, 26},
		{InvalidAPIKey, ptr("Forbidden"), "ForbiddenException", 403, "application/json", `{"message":"Forbidden"}`, 23},
		{AccessDenied, ptr("User is not authorized to access this resource with an explicit deny"), "AccessDeniedException", 403, "application/json",
			`{"Message":"User is not authorized to access this resource with an explicit deny"}`, 0},
		{AuthorizerFailure, nil, "AuthorizerFailureException", 500, "application/json", `{"message": null}`, 17},
		{AuthorizerConfigurationError, nil, "AuthorizerConfigurationException", 500, "application/json", `{"message": null}`, 17},
		{InvalidSignature, ptr("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."),
			"InvalidSignatureException", 403, "application/json",
			`{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."}`, 0},
		{ExpiredToken, ptr("Signature expired: 20240101T000000Z is now earlier than 20240101T000600Z (20240101T001100Z - 5 min.)"),
			"InvalidSignatureException", 403, "application/json",
			`{"message":"Signature expired: 20240101T000000Z is now earlier than 20240101T000600Z (20240101T001100Z - 5 min.)"}`, 0},
		{MissingAuthenticationToken, ptr("Missing Authentication Token"), "MissingAuthenticationTokenException", 403, "application/json",
			`{"message":"Missing Authentication Token"}`, 42},
		{IntegrationFailure, ptr("Internal server error"), "InternalServerErrorException", 504, "application/json", `{"message": "Internal server error"}`, 36},
		{IntegrationTimeout, ptr("Endpoint request timed out"), "InternalServerErrorException", 504, "application/json", `{"message": "Endpoint request timed out"}`, 41},
		{APIConfigurationError, ptr("Internal server error"), "InternalServerErrorException", 500, "application/json", `{"message": "Internal server error"}`, 36},
		{UnsupportedMediaType, ptr("Unsupported Media Type"), "BadRequestException", 415, "application/json", `{"message":"Unsupported Media Type"}`, 0},
		{BadRequestParameters, ptr("Missing required request parameters: [x-header-param, issuer, qs1]"), "BadRequestException", 400, "application/json",
			`{"message":"Missing required request parameters: [x-header-param, issuer, qs1]"}`, 0},
		{BadRequestBody, ptr("Invalid request body"), "BadRequestException", 400, "application/json", `{"message":"Invalid request body"}`, 0},
		{RequestTooLarge, ptr("ignored"), "", 413, "text/plain", "HTTP content length exceeded 10485760 bytes.", 44},
		{Throttled, ptr("Too Many Requests"), "TooManyRequestsException", 429, "application/json", `{"message":"Too Many Requests"}`, 0},
		{QuotaExceeded, ptr("Limit Exceeded"), "LimitExceededException", 429, "application/json", `{"message":"Limit Exceeded"}`, 0},
		{WAFFiltered, ptr("Forbidden"), "ForbiddenException", 403, "application/json", `{"message":"Forbidden"}`, 23},
	}
	if len(tests) != len(Types()) {
		t.Fatalf("table covers %d types, want %d", len(tests), len(Types()))
	}
	for _, tt := range tests {
		t.Run(string(tt.typ), func(t *testing.T) {
			got := Render(Input{Type: tt.typ, Message: tt.msg, ErrorType: tt.errorType})
			want := Response{Status: tt.status, Header: http.Header{
				"Content-Type":   {tt.ctype},
				"Content-Length": {strconv.Itoa(len(tt.body))},
			}, Body: []byte(tt.body)}
			if tt.errorType != "" {
				want.Header.Set("x-amzn-ErrorType", tt.errorType)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Render (-want +got):\n%s", diff)
			}
			if tt.length != 0 && len(got.Body) != tt.length {
				t.Errorf("body is %d bytes, want %d", len(got.Body), tt.length)
			}
		})
	}
}

func TestRenderMessageEscaping(t *testing.T) {
	tests := []struct {
		typ  Type
		msg  *string
		body string
	}{
		{MissingAuthenticationToken, nil, `{"message":null}`},
		{AccessDenied, nil, `{"Message":null}`},
		{AccessDenied, ptr(`User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:a1b2c3d4e5/prod/GET/pets with an explicit deny`),
			`{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:a1b2c3d4e5/prod/GET/pets with an explicit deny"}`},
		{Default4XX, ptr("<a&b>"), `{"message":"<a&b>"}`}, // no HTML escaping
		{Default4XX, ptr("q\"\\\n\t\r\b\f\x01\x7f"), `{"message":"q\"\\\n\t\r\b\f\u0001` + "\x7f" + `"}`},
		{Default4XX, ptr("bad \xff utf8 \u2028"), `{"message":"bad \ufffd utf8 \u2028"}`},
		{Default5XX, ptr("é"), `{"message": "é"}`},
	}
	for _, tt := range tests {
		got := Render(Input{Type: tt.typ, Message: tt.msg})
		if string(got.Body) != tt.body {
			t.Errorf("Render(%s, %v) body = %s, want %s", tt.typ, tt.msg, got.Body, tt.body)
		}
	}
}

func TestRenderUnknownType(t *testing.T) {
	got := Render(Input{Type: "SOMETHING_NEW", Message: ptr("x")})
	if got.Status != 500 || string(got.Body) != `{"message": "x"}` {
		t.Errorf("unknown type rendered %d %s", got.Status, got.Body)
	}
}

// params is a request's method.request.* parameters.
func params(m map[string]string) func(loc, name string) (string, bool) {
	return func(loc, name string) (string, bool) {
		v, ok := m[loc+"."+name]
		return v, ok
	}
}

func vars(m map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

// The doc example of facts §1.2, as imported (method.request.* form).
var docCustom = map[string]*apidef.GatewayResponse{
	"MISSING_AUTHENTICATION_TOKEN": {
		StatusCode: "404",
		ResponseParameters: map[string]string{
			"gatewayresponse.header.x-request-path":              "method.request.path.petId",
			"gatewayresponse.header.x-request-query":             "method.request.querystring.q",
			"gatewayresponse.header.x-request-header":            "method.request.header.Accept",
			"gatewayresponse.header.x-old-form":                  "method.input.params.petId",
			"gatewayresponse.header.Access-Control-Allow-Origin": "'a.b.c'",
			"gatewayresponse.header.x-stage":                     "stageVariables.a",
			"gatewayresponse.header.x-request-id":                "context.requestId",
			"gatewayresponse.header.x-missing":                   "method.request.header.Nope",
			"gatewayresponse.header.x-missing-var":               "stageVariables.nope",
			"gatewayresponse.header.x-bad":                       "method.request.body.x",
			"gatewayresponse.querystring.q":                      "'ignored'",
		},
		ResponseTemplates: map[string]string{
			"application/json": "{\n \"message\": $context.error.messageString,\n \"type\": \"$context.error.responseType\",\n \"stage\": \"$context.stage\",\n \"resourcePath\": \"$context.resourcePath\",\n \"stageVariables.a\": \"$stageVariables.a\",\n \"requestId\": \"${context.requestId}\",\n \"unknown\": \"$context.nope\",\n \"statusCode\": \"'404'\"\n}",
		},
	},
}

func TestRenderCustomised(t *testing.T) {
	in := Input{
		Type:      MissingAuthenticationToken,
		Message:   ptr(`Missing "Authentication" Token`),
		ErrorType: "MissingAuthenticationTokenException",
		Custom:    docCustom,
		Vars: vars(map[string]string{
			"context.stage":        "prod",
			"context.resourcePath": "/pets/{petId}",
			"context.requestId":    "c0ffee00-0000-4000-8000-000000000001",
			"stageVariables.a":     "alpha",
		}),
		Param: params(map[string]string{
			"path.petId":     "42",
			"querystring.q":  "dogs",
			"header.Accept":  "application/json",
			"header.Unknown": "x",
		}),
		Accept: "application/json",
	}
	got := Render(in)
	body := "{\n \"message\": \"Missing \\\"Authentication\\\" Token\",\n \"type\": \"MISSING_AUTHENTICATION_TOKEN\",\n \"stage\": \"prod\",\n \"resourcePath\": \"/pets/{petId}\",\n \"stageVariables.a\": \"alpha\",\n \"requestId\": \"c0ffee00-0000-4000-8000-000000000001\",\n \"unknown\": \"\",\n \"statusCode\": \"'404'\"\n}"
	want := Response{
		Status: 404,
		Header: http.Header{
			"Content-Type":                {"application/json"},
			"Content-Length":              {strconv.Itoa(len(body))},
			"X-Request-Path":              {"42"},
			"X-Request-Query":             {"dogs"},
			"X-Request-Header":            {"application/json"},
			"X-Old-Form":                  {"42"},
			"Access-Control-Allow-Origin": {"a.b.c"},
			"X-Stage":                     {"alpha"},
			"X-Request-Id":                {"c0ffee00-0000-4000-8000-000000000001"},
			"X-Amzn-Errortype":            {"MissingAuthenticationTokenException"},
		},
		Body: []byte(body),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Render (-want +got):\n%s", diff)
	}
	if !json.Valid(got.Body) {
		t.Errorf("body is not JSON: %s", got.Body)
	}
	// Without Param or Vars, request-derived headers are omitted and variables render empty.
	bare := Render(Input{Type: MissingAuthenticationToken, Custom: docCustom})
	if bare.Header.Get("X-Request-Path") != "" || bare.Header.Get("Access-Control-Allow-Origin") != "a.b.c" {
		t.Errorf("bare headers = %v", bare.Header)
	}
	if !bytes.Contains(bare.Body, []byte(`"message": null,`)) || !bytes.Contains(bare.Body, []byte(`"stage": "",`)) {
		t.Errorf("bare body = %s", bare.Body)
	}
}

func TestRenderFallback(t *testing.T) {
	custom := map[string]*apidef.GatewayResponse{
		"DEFAULT_4XX": {
			StatusCode:         "418",
			ResponseParameters: map[string]string{"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
			ResponseTemplates:  map[string]string{"application/json": `{"error":$context.error.messageString,"type":"$context.error.responseType"}`},
		},
		"DEFAULT_5XX": {
			ResponseParameters: map[string]string{"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
		},
		"THROTTLED": {
			ResponseTemplates: map[string]string{"application/json": `{"message": "slow down", "code": "429"}`},
		},
		"ACCESS_DENIED": {StatusCode: "4x3"}, // invalid status: the default applies
	}
	tests := []struct {
		typ    Type
		msg    *string
		status int
		body   string
		acao   string
	}{
		// DEFAULT_4XX fallback with its status override.
		{WAFFiltered, ptr("Forbidden"), 418, `{"error":"Forbidden","type":"WAF_FILTERED"}`, "*"},
		{Unauthorized, ptr("Unauthorized"), 418, `{"error":"Unauthorized","type":"UNAUTHORIZED"}`, "*"},
		// The type's own entry wins; it sets no statusCode, so the type's default applies.
		{Throttled, ptr("Too Many Requests"), 429, `{"message": "slow down", "code": "429"}`, ""},
		// Own entry without templates: the default template with its quirks.
		{AccessDenied, ptr("User is not authorized to access this resource"), 403, `{"Message":"User is not authorized to access this resource"}`, ""},
		// DEFAULT_5XX without templates or status: defaults, plus its headers.
		{IntegrationTimeout, ptr("Endpoint request timed out"), 504, `{"message": "Endpoint request timed out"}`, "*"},
		{AuthorizerConfigurationError, nil, 500, `{"message": null}`, "*"},
		// REQUEST_TOO_LARGE is never customised, even through DEFAULT_4XX.
		{RequestTooLarge, nil, 413, RequestTooLargeBody, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ), func(t *testing.T) {
			got := Render(Input{Type: tt.typ, Message: tt.msg, ErrorType: "SomeException", Custom: custom})
			if got.Status != tt.status || string(got.Body) != tt.body {
				t.Errorf("got %d %s, want %d %s", got.Status, got.Body, tt.status, tt.body)
			}
			if a := got.Header.Get("Access-Control-Allow-Origin"); a != tt.acao {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", a, tt.acao)
			}
			// x-amzn-ErrorType is sent even when customised (facts §1.1 surprise 6).
			if e := got.Header.Get("x-amzn-ErrorType"); e != "SomeException" {
				t.Errorf("x-amzn-ErrorType = %q", e)
			}
			if cl := got.Header.Get("Content-Length"); cl != strconv.Itoa(len(tt.body)) {
				t.Errorf("Content-Length = %s, want %d", cl, len(tt.body))
			}
		})
	}
}

func TestRenderAcceptSelection(t *testing.T) {
	custom := map[string]*apidef.GatewayResponse{
		"UNAUTHORIZED": {ResponseTemplates: map[string]string{
			"application/json": `{"m":$context.error.messageString}`,
			"application/xml":  `<m>$context.error.message</m>`,
			"text/html":        `<p>$context.error.message</p>`,
		}},
		"INVALID_API_KEY": {ResponseTemplates: map[string]string{
			"text/plain": `plain $context.error.message`,
			"text/csv":   `csv,$context.error.message`,
		}},
		"THROTTLED": {ResponseTemplates: map[string]string{"application/json": ""}},
	}
	tests := []struct {
		typ    Type
		accept string
		ctype  string
		body   string
	}{
		{Unauthorized, "application/xml", "application/xml", `<m>Unauthorized</m>`},
		{Unauthorized, "Application/XML;q=0.9, text/html", "application/xml", `<m>Unauthorized</m>`},
		{Unauthorized, "text/html,application/xml", "text/html", `<p>Unauthorized</p>`}, // only the first is honoured
		{Unauthorized, "application/xml;q=0.1", "application/xml", `<m>Unauthorized</m>`},
		{Unauthorized, "image/png, application/xml", "application/json", `{"m":"Unauthorized"}`},
		{Unauthorized, "", "application/json", `{"m":"Unauthorized"}`},
		{Unauthorized, "*/*", "application/json", `{"m":"Unauthorized"}`},
		{InvalidAPIKey, "", "text/csv", `csv,Unauthorized`}, // no application/json: first sorted key
		{InvalidAPIKey, "text/plain", "text/plain", `plain Unauthorized`},
		{Throttled, "", "application/json", ``},
	}
	for _, tt := range tests {
		got := Render(Input{Type: tt.typ, Message: ptr("Unauthorized"), Custom: custom, Accept: tt.accept})
		if ct := got.Header.Get("Content-Type"); ct != tt.ctype || string(got.Body) != tt.body {
			t.Errorf("Render(%s, Accept %q) = %s %q, want %s %q", tt.typ, tt.accept, ct, got.Body, tt.ctype, tt.body)
		}
		if got.Body == nil {
			t.Errorf("Render(%s, Accept %q) body is nil", tt.typ, tt.accept)
		}
	}
}

func TestRenderValidationErrorString(t *testing.T) {
	custom := map[string]*apidef.GatewayResponse{
		"BAD_REQUEST_BODY": {ResponseTemplates: map[string]string{
			"application/json": `{"message":$context.error.messageString,"detail":"$context.error.validationErrorString"}`,
		}},
	}
	got := Render(Input{Type: BadRequestBody, Message: ptr("Invalid request body"), Custom: custom,
		Vars: vars(map[string]string{"context.error.validationErrorString": "[object has missing required properties ([\\\"name\\\"])]"})})
	want := `{"message":"Invalid request body","detail":"[object has missing required properties ([\"name\"])]"}`
	if string(got.Body) != want {
		t.Errorf("body = %s, want %s", got.Body, want)
	}
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "<>&", "\x00\x1f\x7f", "\u2028\u2029", "\xff\xfe", "é ✓ 😀", "a\"b\\c", "\xed\xa0\x80"} {
		if got, want := string(ctxvars.AppendJSONString(nil, s)), stdJSON(t, s); got != want {
			t.Errorf("AppendJSONString(%q) = %s, want %s", s, got, want)
		}
	}
}

func stdJSON(t testing.TB, s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// FuzzRender: any template text, message and Accept header render without panicking; the
// default body is always valid JSON whose messageString matches encoding/json.
func FuzzRender(f *testing.F) {
	f.Add(`{"message":$context.error.messageString}`, "Forbidden", "application/json")
	f.Add(`$context.error.message ${context.requestId} $stageVariables.a $$ ${context.`, "<&>\n", "text/html;q=1")
	f.Add("", "\xff", "")
	f.Add(`${stageVariables.a}${context.error.responseType}$`, "\u2028", ",,;")
	f.Fuzz(func(t *testing.T, tmpl, msg, accept string) {
		custom := map[string]*apidef.GatewayResponse{
			"DEFAULT_4XX": {
				StatusCode:         "400",
				ResponseParameters: map[string]string{"gatewayresponse.header.X-T": "context.error.message"},
				ResponseTemplates:  map[string]string{"application/json": tmpl, accept: tmpl + tmpl},
			},
		}
		in := Input{Type: InvalidAPIKey, Message: &msg, ErrorType: "ForbiddenException", Custom: custom, Accept: accept,
			Vars: vars(map[string]string{"context.requestId": "r", "stageVariables.a": "a"})}
		got := Render(in)
		if got.Status != 400 || got.Header.Get("Content-Length") != strconv.Itoa(len(got.Body)) {
			t.Fatalf("status %d, Content-Length %s for %d bytes", got.Status, got.Header.Get("Content-Length"), len(got.Body))
		}
		def := Render(Input{Type: InvalidAPIKey, Message: &msg})
		if !json.Valid(def.Body) {
			t.Fatalf("default body is not JSON: %q", def.Body)
		}
		if want := `{"message":` + stdJSON(t, msg) + `}`; string(def.Body) != want {
			t.Fatalf("default body = %s, want %s", def.Body, want)
		}
	})
}

// A cause's own status (502 for a malformed Lambda proxy response) applies whether or not the
// type is customised, unless the customisation sets a statusCode; the body keeps the type's
// 5xx form.
func TestStatusOverride(t *testing.T) {
	msg := "Internal server error"
	base := Input{Type: APIConfigurationError, Message: &msg, ErrorType: "InternalServerErrorException", Status: 502}
	r := Render(base)
	if r.Status != 502 || string(r.Body) != `{"message": "Internal server error"}` {
		t.Errorf("default: %d %s", r.Status, r.Body)
	}
	withHeader := base
	withHeader.Custom = map[string]*apidef.GatewayResponse{"DEFAULT_5XX": {ResponseParameters: map[string]string{"gatewayresponse.header.x-a": "'b'"}}}
	r = Render(withHeader)
	if r.Status != 502 || r.Header.Get("x-a") != "b" {
		t.Errorf("customised without statusCode: %d %v", r.Status, r.Header)
	}
	withStatus := base
	withStatus.Custom = map[string]*apidef.GatewayResponse{"API_CONFIGURATION_ERROR": {StatusCode: "503"}}
	if r = Render(withStatus); r.Status != 503 {
		t.Errorf("customised statusCode: %d", r.Status)
	}
}
