package ctxvars

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/portcullis/portcullis/internal/ctxtemplate"
)

func ptr[T any](v T) *T { return &v }

// full returns a Vars with every field set to a distinct value.
func full() *Vars {
	return &Vars{
		RequestID:            "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
		ExtendedRequestID:    "Vts2FFmArPEFh8g=",
		AWSEndpointRequestID: "aws-endpoint-1",
		APIID:                "a1b2c3d4e5",
		AccountID:            "123456789012",
		DeploymentID:         "d1",
		Stage:                "prod",
		DomainName:           "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
		Path:                 "/prod/pets/1",
		ResourcePath:         "/pets/{petId}",
		ResourceID:           "k0w8mc",
		HTTPMethod:           "GET",
		Protocol:             "HTTP/2.0",
		RequestTime:          time.Date(2024, time.March, 5, 7, 8, 9, 123_000_000, time.FixedZone("CET", 3600)),

		SourceIP:                      "203.0.113.7",
		UserAgent:                     "curl/8.5.0",
		Caller:                        "AIDAEXAMPLE",
		User:                          "AIDAUSER",
		UserArn:                       "arn:aws:iam::123456789012:user/alice",
		IdentityAccountID:             "210987654321",
		AccessKey:                     "AKIAEXAMPLE",
		APIKey:                        "0123456789abcdefghij",
		APIKeyID:                      "k1",
		VpcID:                         "vpc-0def",
		VpceID:                        "vpce-0abc",
		PrincipalOrgID:                "o-abc123",
		CognitoAuthenticationProvider: "cognito-idp.us-east-1.amazonaws.com/us-east-1_x",
		CognitoAuthenticationType:     "authenticated",
		CognitoIdentityID:             "us-east-1:identity",
		CognitoIdentityPoolID:         "us-east-1:pool",
		ClientCert: &ClientCert{
			PEM:          "-----BEGIN CERTIFICATE-----",
			SubjectDN:    "C=US,CN=client",
			IssuerDN:     "C=US,CN=ca",
			SerialNumber: "1",
			NotBefore:    "Aug 29 00:28:21 2020 GMT",
			NotAfter:     "Aug  5 00:28:21 2120 GMT",
		},

		Authorizer: map[string]string{"principalId": "user|a1", "tenant_id": "t9", "status": "from-context"},
		Claims:     map[string]string{"email": "a@example.test", "sub": "s-1"},

		AuthorizerError:              "authorizer boom",
		AuthorizerStatus:             200,
		AuthorizerLatency:            Some(12 * time.Millisecond),
		AuthorizerIntegrationLatency: Some(10*time.Millisecond + 900*time.Microsecond),
		AuthorizerIntegrationStatus:  202,
		AuthorizerRequestID:          "auth-req-1",
		AuthorizeError:               "authorize boom",
		AuthorizeStatus:              403,
		AuthorizeLatency:             Some(time.Duration(0)),
		AuthenticateError:            "authenticate boom",
		AuthenticateStatus:           401,
		AuthenticateLatency:          Some(3 * time.Millisecond),

		ErrorMessage:      ptr(`User is not "authorized" <&>` + "\n"),
		ErrorResponseType: "ACCESS_DENIED",
		ErrorValidation:   "[instance value (\"x\") not found in enum]",

		IntegrationError:                "timeout",
		IntegrationStatus:               200,
		IntegrationBackendStatus:        418,
		IntegrationLatency:              Some(328 * time.Millisecond),
		IntegrationRequestID:            "lambda-req-1",
		IntegrationResponseTransferMode: "BUFFERED",
		IntegrationTimeToAllHeaders:     Some(40 * time.Millisecond),
		IntegrationTimeToFirstContent:   Some(41 * time.Millisecond),

		Status:          403,
		ResponseLength:  Some(int64(0)),
		ResponseLatency: Some(1500 * time.Millisecond),

		WAFResponseCode: "WAF_BLOCK",
		WebACLArn:       "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/main/1111",
		WAFError:        "waf boom",
		WAFStatus:       200,
		WAFLatency:      Some(2 * time.Millisecond),

		CustomDomainBasePathMatched:      "v1/orders",
		CustomDomainRoutingRuleIDMatched: "rr-1",
		TLSVersion:                       "TLSv1.3",
		CipherSuite:                      "TLS_AES_128_GCM_SHA256",
		XrayTraceID:                      "Root=1-6962324d-273b8749616a929c8bd4fd14",
		IsCanaryRequest:                  Some(false),

		StageVariables: map[string]string{"backend": "127.0.0.1:9000", "a.b": "dotted"},
	}
}

func TestLookupFull(t *testing.T) {
	v := full()
	tests := []struct {
		name string
		want string
	}{
		{"context.requestId", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"},
		{"context.extendedRequestId", "Vts2FFmArPEFh8g="},
		{"context.awsEndpointRequestId", "aws-endpoint-1"},
		{"context.apiId", "a1b2c3d4e5"},
		{"context.accountId", "123456789012"},
		{"context.deploymentId", "d1"},
		{"context.stage", "prod"},
		{"context.domainName", "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"},
		{"context.domainPrefix", "a1b2c3d4e5"},
		{"context.path", "/prod/pets/1"},
		{"context.resourcePath", "/pets/{petId}"},
		{"context.resourceId", "k0w8mc"},
		{"context.httpMethod", "GET"},
		{"context.protocol", "HTTP/1.1"},
		{"context.requestTime", "05/Mar/2024:06:08:09 +0000"},
		{"context.requestTimeEpoch", "1709618889123"},
		{"context.identity.sourceIp", "203.0.113.7"},
		{"context.identity.userAgent", "curl/8.5.0"},
		{"context.identity.caller", "AIDAEXAMPLE"},
		{"context.identity.user", "AIDAUSER"},
		{"context.identity.userArn", "arn:aws:iam::123456789012:user/alice"},
		{"context.identity.accountId", "210987654321"},
		{"context.identity.accessKey", "AKIAEXAMPLE"},
		{"context.identity.apiKey", "0123456789abcdefghij"},
		{"context.identity.apiKeyId", "k1"},
		{"context.identity.vpcId", "vpc-0def"},
		{"context.identity.vpceId", "vpce-0abc"},
		{"context.identity.principalOrgId", "o-abc123"},
		{"context.identity.cognitoAuthenticationProvider", "cognito-idp.us-east-1.amazonaws.com/us-east-1_x"},
		{"context.identity.cognitoAuthenticationType", "authenticated"},
		{"context.identity.cognitoIdentityId", "us-east-1:identity"},
		{"context.identity.cognitoIdentityPoolId", "us-east-1:pool"},
		{"context.identity.clientCert.clientCertPem", "-----BEGIN CERTIFICATE-----"},
		{"context.identity.clientCert.subjectDN", "C=US,CN=client"},
		{"context.identity.clientCert.issuerDN", "C=US,CN=ca"},
		{"context.identity.clientCert.serialNumber", "1"},
		{"context.identity.clientCert.validity.notBefore", "Aug 29 00:28:21 2020 GMT"},
		{"context.identity.clientCert.validity.notAfter", "Aug  5 00:28:21 2120 GMT"},
		{"context.authorizer.principalId", "user|a1"},
		{"context.authorizer.tenant_id", "t9"},
		{"context.authorizer.claims.email", "a@example.test"},
		{"context.authorizer.claims.sub", "s-1"},
		{"context.authorizer.error", "authorizer boom"},
		{"context.authorizer.status", "200"}, // the access-log variable wins over the context key
		{"context.authorizer.latency", "12"},
		{"context.authorizer.integrationLatency", "10"},
		{"context.authorizer.integrationStatus", "202"},
		{"context.authorizer.requestId", "auth-req-1"},
		{"context.authorize.error", "authorize boom"},
		{"context.authorize.status", "403"},
		{"context.authorize.latency", "0"},
		{"context.authenticate.error", "authenticate boom"},
		{"context.authenticate.status", "401"},
		{"context.authenticate.latency", "3"},
		{"context.error.message", "User is not \"authorized\" <&>\n"},
		{"context.error.messageString", `"User is not \"authorized\" <&>\n"`},
		{"context.error.responseType", "ACCESS_DENIED"},
		{"context.error.validationErrorString", `[instance value ("x") not found in enum]`},
		{"context.integration.error", "timeout"},
		{"context.integrationErrorMessage", "timeout"},
		{"context.integration.integrationStatus", "200"},
		{"context.integrationStatus", "200"},
		{"context.integration.status", "418"},
		{"context.integration.latency", "328"},
		{"context.integrationLatency", "328"},
		{"context.integration.requestId", "lambda-req-1"},
		{"context.integration.responseTransferMode", "BUFFERED"},
		{"context.integration.timeToAllHeaders", "40"},
		{"context.integration.timeToFirstContent", "41"},
		{"context.status", "403"},
		{"context.responseLength", "0"},
		{"context.responseLatency", "1500"},
		{"context.wafResponseCode", "WAF_BLOCK"},
		{"context.webaclArn", "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/main/1111"},
		{"context.waf.error", "waf boom"},
		{"context.waf.status", "200"},
		{"context.waf.latency", "2"},
		{"context.customDomain.basePathMatched", "v1/orders"},
		{"context.customDomain.routingRuleIdMatched", "rr-1"},
		{"context.tlsVersion", "TLSv1.3"},
		{"context.cipherSuite", "TLS_AES_128_GCM_SHA256"},
		{"context.xrayTraceId", "Root=1-6962324d-273b8749616a929c8bd4fd14"},
		{"context.isCanaryRequest", "false"},
		{"stageVariables.backend", "127.0.0.1:9000"},
		{"stageVariables.a.b", "dotted"},
	}
	for _, tt := range tests {
		got, ok := v.Lookup(tt.name)
		if !ok || got != tt.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q, true", tt.name, got, ok, tt.want)
		}
	}
}

func TestLookupUnset(t *testing.T) {
	v := full()
	v.StageVariables = nil
	unset := []string{
		"context.authorizer.claims",       // "returns null" (facts §2.3)
		"context.authorizer.claims.",      // no claim name
		"context.authorizer.nope",         // absent context key
		"context.authorizer.claims.nope",  // absent claim
		"context.responseOverride.status", // no mapping templates yet
		"context.responseOverride.header.x",
		"context.requestOverride.header.x",
		"context.requestOverride.path.x",
		"context.requestOverride.querystring.x",
		"context.unknownThing",
		"context",
		"",
		"stageVariables.backend",
		"input.body",
	}
	for _, name := range unset {
		if got, ok := v.Lookup(name); ok {
			t.Errorf("Lookup(%q) = %q, true; want unset", name, got)
		}
	}
}

// TestZeroVars checks that a Vars about which nothing is known reports every variable unset
// (so access logs print "-"), except messageString, which renders null.
func TestZeroVars(t *testing.T) {
	var v Vars
	for _, name := range staticNames {
		got, ok := v.Lookup(name)
		if name == "context.error.messageString" {
			if !ok || got != "null" {
				t.Errorf("Lookup(%q) = %q, %v; want null, true", name, got, ok)
			}
			continue
		}
		if ok {
			t.Errorf("Lookup(%q) on zero Vars = %q, true; want unset", name, got)
		}
	}
}

// TestEveryStaticNameResolves keeps staticNames and Lookup's switch in step.
func TestEveryStaticNameResolves(t *testing.T) {
	v := full()
	for _, name := range staticNames {
		switch name {
		case "context.authorizer.claims", "context.responseOverride.status":
			continue // unset by definition
		}
		if _, ok := v.Lookup(name); !ok {
			t.Errorf("Lookup(%q) on a full Vars is unset; the switch and staticNames disagree", name)
		}
	}
}

// TestFactsListKnown is facts §2.3, parsed by hand: every variable AWS documents must be known.
// "property", "header_name" and the like are written with a concrete example name.
func TestFactsListKnown(t *testing.T) {
	facts := []string{
		// General: request and API identity.
		"$context.accountId", "$context.apiId", "$context.awsEndpointRequestId", "$context.deploymentId",
		"$context.extendedRequestId", "$context.requestId",
		// Authorizer output.
		"$context.authorizer.claims.email", "$context.authorizer.principalId", "$context.authorizer.tenant_id",
		// Host and path.
		"$context.domainName", "$context.domainPrefix", "$context.path", "$context.resourcePath", "$context.resourceId",
		// Errors.
		"$context.error.message", "$context.error.messageString", "$context.error.responseType",
		"$context.error.validationErrorString",
		// Request line and timing.
		"$context.httpMethod", "$context.protocol", "$context.requestTime", "$context.requestTimeEpoch", "$context.stage",
		// Caller identity.
		"$context.identity.accountId", "$context.identity.apiKey", "$context.identity.apiKeyId", "$context.identity.caller",
		"$context.identity.cognitoAuthenticationProvider", "$context.identity.cognitoAuthenticationType",
		"$context.identity.cognitoIdentityId", "$context.identity.cognitoIdentityPoolId", "$context.identity.principalOrgId",
		"$context.identity.sourceIp", "$context.identity.user", "$context.identity.userAgent", "$context.identity.userArn",
		"$context.identity.vpcId", "$context.identity.vpceId",
		// Mutual TLS.
		"$context.identity.clientCert.clientCertPem", "$context.identity.clientCert.subjectDN",
		"$context.identity.clientCert.issuerDN", "$context.identity.clientCert.serialNumber",
		"$context.identity.clientCert.validity.notBefore", "$context.identity.clientCert.validity.notAfter",
		"$context.isCanaryRequest",
		// Overrides.
		"$context.requestOverride.header.x_h", "$context.requestOverride.path.p", "$context.requestOverride.querystring.q",
		"$context.responseOverride.header.x_h", "$context.responseOverride.status",
		// WAF.
		"$context.wafResponseCode", "$context.webaclArn",
		// Access-log only: authorization and authorizer.
		"$context.authorize.error", "$context.authorize.latency", "$context.authorize.status",
		"$context.authorizer.error", "$context.authorizer.integrationLatency", "$context.authorizer.integrationStatus",
		"$context.authorizer.latency", "$context.authorizer.requestId", "$context.authorizer.status",
		"$context.authenticate.error", "$context.authenticate.latency", "$context.authenticate.status",
		// Custom domains.
		"$context.customDomain.basePathMatched", "$context.customDomain.routingRuleIdMatched",
		// Integration.
		"$context.integration.error", "$context.integration.integrationStatus", "$context.integration.latency",
		"$context.integration.requestId", "$context.integration.status", "$context.integrationErrorMessage",
		"$context.integrationLatency", "$context.integrationStatus", "$context.integration.responseTransferMode",
		"$context.integration.timeToAllHeaders", "$context.integration.timeToFirstContent",
		// Response.
		"$context.responseLatency", "$context.responseLength", "$context.status",
		// TLS, WAF, X-Ray.
		"$context.tlsVersion", "$context.cipherSuite", "$context.waf.error", "$context.waf.latency", "$context.waf.status",
		"$context.xrayTraceId",
		// Stage variables.
		"$stageVariables.backend",
	}
	for _, ref := range facts {
		// Go through the real template compiler so the names are exactly what Lookup receives.
		names := ctxtemplate.Compile(ref).Names()
		if len(names) != 1 {
			t.Fatalf("template %q parsed to %v", ref, names)
		}
		if !Known(names[0]) {
			t.Errorf("facts §2.3 variable %s is not Known", ref)
		}
	}
	for _, bad := range []string{"context.requestid", "context.identity.sourceIP", "context.foo", "stageVariables.", "context.authorizer."} {
		if Known(bad) {
			t.Errorf("Known(%q) = true; names are case-sensitive and must be complete", bad)
		}
	}
	if got := StaticNames(); !slices.Equal(got, staticNames) || &got[0] == &staticNames[0] {
		t.Error("StaticNames must return a copy of the list")
	}
}

func TestProtocol(t *testing.T) {
	for in, want := range map[string]string{"HTTP/2.0": "HTTP/1.1", "HTTP/2": "HTTP/1.1", "HTTP/3.0": "HTTP/1.1", "HTTP/1.1": "HTTP/1.1", "HTTP/1.0": "HTTP/1.0"} {
		v := Vars{Protocol: in}
		if got, _ := v.Lookup("context.protocol"); got != want {
			t.Errorf("protocol %q logged as %q; want %q", in, got, want)
		}
	}
}

func TestDomainPrefixExplicit(t *testing.T) {
	v := Vars{DomainName: "api.example.test", DomainPrefix: "custom"}
	if got, _ := v.Lookup("context.domainPrefix"); got != "custom" {
		t.Errorf("domainPrefix = %q", got)
	}
	v.DomainPrefix = ""
	if got, _ := v.Lookup("context.domainPrefix"); got != "api" {
		t.Errorf("derived domainPrefix = %q", got)
	}
}

func TestMessageStringEmpty(t *testing.T) {
	v := Vars{ErrorMessage: ptr("")}
	if got, ok := v.Lookup("context.error.message"); !ok || got != "" {
		t.Errorf("message = %q, %v", got, ok)
	}
	if got, _ := v.Lookup("context.error.messageString"); got != `""` {
		t.Errorf("messageString = %q", got)
	}
}

func TestStatusOutsideCache(t *testing.T) {
	for _, n := range []int{-1, 599, 600, 1234} {
		v := Vars{Status: n}
		got, ok := v.Lookup("context.status")
		if want := itoa(n); !ok || got != want {
			t.Errorf("status %d = %q, %v", n, got, ok)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestRenderGatewayResponse renders AWS's documented gateway-response template through the
// real ctxtemplate engine (facts §1.2).
func TestRenderGatewayResponse(t *testing.T) {
	v := full()
	v.ErrorMessage = ptr("Forbidden")
	v.StageVariables = map[string]string{"a": "A"}
	tpl := ctxtemplate.Compile("{\n \"message\": $context.error.messageString,\n \"type\": \"$context.error.responseType\",\n \"stage\": \"$context.stage\",\n \"resourcePath\": \"$context.resourcePath\",\n \"stageVariables.a\": \"$stageVariables.a\",\n \"statusCode\": \"'404'\"\n}")
	got := tpl.Render(v.Lookup, "")
	want := "{\n \"message\": \"Forbidden\",\n \"type\": \"ACCESS_DENIED\",\n \"stage\": \"prod\",\n \"resourcePath\": \"/pets/{petId}\",\n \"stageVariables.a\": \"A\",\n \"statusCode\": \"'404'\"\n}"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("render (-want +got):\n%s", diff)
	}
}

func TestAppendJSONString(t *testing.T) {
	tests := map[string]string{
		"":                   `""`,
		"Forbidden":          `"Forbidden"`,
		`a"b\c`:              `"a\"b\\c"`,
		"<&>":                `"<&>"`,
		"\n\r\t\b\f\x00\x1f": `"\n\r\t\b\f\u0000\u001f"`,
		"é\u2028\u2029":      `"é\u2028\u2029"`,
		"bad\xffutf8":        `"bad\ufffdutf8"`,
	}
	for in, want := range tests {
		if got := string(AppendJSONString(nil, in)); got != want {
			t.Errorf("AppendJSONString(%q) = %s; want %s", in, got, want)
		}
	}
}

// FuzzAppendJSONString checks the quoting against encoding/json with HTML escaping off.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "Forbidden", `"\`, "<script>&", "\x00\x7f\u2028", "\xff\xfe", "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		want := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if got := AppendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("AppendJSONString(%q) = %s; encoding/json gives %s", s, got, want)
		}
	})
}

// FuzzLookup checks that no name panics and that unknown names are never resolved.
func FuzzLookup(f *testing.F) {
	for _, n := range staticNames {
		f.Add(n)
	}
	f.Add("stageVariables.backend")
	f.Add("context.authorizer.claims.email")
	f.Fuzz(func(t *testing.T, name string) {
		v := full()
		if _, ok := v.Lookup(name); ok && !Known(name) {
			t.Errorf("Lookup resolved %q, which Known rejects", name)
		}
	})
}

func BenchmarkLookup(b *testing.B) {
	v := full()
	names := []string{"context.requestId", "context.status", "context.identity.sourceIp", "stageVariables.backend", "context.authorizer.principalId"}
	b.ReportAllocs()
	for b.Loop() {
		for _, n := range names {
			v.Lookup(n)
		}
	}
}

func TestClfTimeMatchesLayout(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2024, time.March, 5, 7, 8, 9, 0, time.UTC),
		time.Date(1999, time.December, 31, 23, 59, 59, 999, time.FixedZone("X", -5*3600-30*60)),
		time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, time.December, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, time.January, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-5, time.June, 1, 0, 0, 0, 0, time.UTC),
	} {
		if got, want := clfTime(tm), tm.UTC().Format(RequestTimeLayout); got != want {
			t.Errorf("clfTime(%v) = %q; want %q", tm, got, want)
		}
	}
}

func FuzzClfTime(f *testing.F) {
	f.Add(int64(1709618889), int64(0))
	f.Add(int64(-62135596800), int64(5))
	f.Fuzz(func(t *testing.T, sec, nsec int64) {
		tm := time.Unix(sec%(400*365*86400*30), nsec)
		if got, want := clfTime(tm), tm.UTC().Format(RequestTimeLayout); got != want {
			t.Errorf("clfTime(%v) = %q; want %q", tm, got, want)
		}
	})
}
