package redact

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/sigv4"
)

const (
	tAKID      = "AKIAQX4EXAMPLE7Z2WXY"
	tASIA      = "ASIAZ7PLEEXAMPLE4QRS"
	tSig       = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
	tAPIKey    = "Qm9zY2hMaW5rZWRJbkRpc2NyZWV0bHkxNTbMZHBg"
	tSession   = "IQoJb3JpZ2luX2VjEJrSessionTokenBody0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH0123456789ZZtail9"
	tSigV4     = "AWS4-HMAC-SHA256 Credential=" + tAKID + "/20261126/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=" + tSig
	tSigV4Mask = "AWS4-HMAC-SHA256 Credential=AKIA************2WXY/20261126/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=****************************************************************"
)

func b64url(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// testJWT returns a JWT whose payload names a person, with the given signature.
func testJWT(sig string) (tok, header string) {
	header = b64url(`{"alg":"RS256","kid":"k-2026","typ":"JWT"}`)
	payload := b64url(`{"sub":"7d1c2f9e-person-0042","email":"alice@example.com","cognito:username":"alice","exp":1795000000,"iat":1794996400,"iss":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123","aud":"3n4b5urk1ft4fl3mg5e62d9ado","token_use":"id"}`)
	return header + "." + payload + "." + sig, header
}

const tJWTSig = "Zm9vYmFyYmF6cXV4U2lnbmF0dXJlUGFydE9mVGhlVG9rZW4xMjM0NTY3ODkwYWJjZGVmZ2hpamtsbW5vcA"

func TestSecretForms(t *testing.T) {
	for _, tc := range []struct{ name, got, want string }{
		{"secret long keeps last 6", Secret("abcdef0123456789abcdef0123456789bMZHBg"), "********************************bMZHBg"},
		{"secret 16", Secret("0123456789abcdef"), "**********abcdef"},
		{"secret 15 all stars", Secret("0123456789abcde"), "***************"},
		{"secret short", Secret("wrongkey"), "********"},
		{"secret empty", Secret(""), ""},
		{"secret runes", Secret("ééééééééééééééééé1"), strings.Repeat("*", 12) + "ééééé1"},
		{"password", Password("hunter2-correct-horse-battery"), "********"},
		{"password short", Password("x"), "********"},
		{"password empty", Password(""), ""},
		{"signature", Signature(tSig), strings.Repeat("*", 64)},
		{"akid", AccessKeyID(tAKID), "AKIA************2WXY"},
		{"akid example", AccessKeyID("AKIDEXAMPLE"), "AKID*******"},
		{"akid tiny", AccessKeyID("AKID"), "****"},
		{"credential", Credential(tAKID + "/20261126/us-east-1/execute-api/aws4_request"), "AKIA************2WXY/20261126/us-east-1/execute-api/aws4_request"},
		{"credential encoded", Credential(tASIA + "%2F20261126%2Fus-east-1%2Fexecute-api%2Faws4_request"), "ASIA************4QRS%2F20261126%2Fus-east-1%2Fexecute-api%2Faws4_request"},
		{"credential no scope", Credential(tAKID), "AKIA************2WXY"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestAuthorization(t *testing.T) {
	jwt, hdr := testJWT(tJWTSig)
	for _, tc := range []struct{ in, want string }{
		{tSigV4, tSigV4Mask},
		{"  " + tSigV4 + " ", "  " + tSigV4Mask + " "},
		{"AWS4-HMAC-SHA256 Credential=" + tAKID + "/20261126/us-east-1/execute-api/aws4_request,SignedHeaders=host,Signature=" + tSig,
			"AWS4-HMAC-SHA256 Credential=AKIA************2WXY/20261126/us-east-1/execute-api/aws4_request,SignedHeaders=host,Signature=" + strings.Repeat("*", 64)},
		{"AWS4-HMAC-SHA256 Credential=" + tAKID + "/20261126/us-east-1/execute-api/aws4_request, SignedHeaders=host", // incomplete: no Signature
			"AWS4-HMAC-SHA256 Credential=AKIA************2WXY/20261126/us-east-1/execute-api/aws4_request, SignedHeaders=host"},
		{"AWS4-HMAC-SHA256 garbage-without-equals", "AWS4-HMAC-SHA256 " + Secret("garbage-without-equals")},
		{"Bearer abcdefghijklmnopqrstuvwxyz", "Bearer ********************uvwxyz"},
		{"Bearer " + jwt, "Bearer " + JWT(jwt)},
		{"Basic dXNlcjpwYXNzd29yZA==", "Basic ********"},
		{"ApiKey 0123456789abcdefghij", "ApiKey **************efghij"},
		{"allow", "*****"},
		{"0123456789abcdefghij tail", Secret("0123456789abcdefghij tail")}, // not a scheme: masked whole
		{"SharedKeyLiteAndMore abc", Secret("SharedKeyLiteAndMore abc")},
		{jwt, JWT(jwt)},
		{"", ""},
	} {
		got := Authorization(tc.in)
		if got != tc.want {
			t.Errorf("Authorization(%.40q…):\n got %q\nwant %q", tc.in, got, tc.want)
		}
		if Authorization(got) != got {
			t.Errorf("Authorization not idempotent on %q", got)
		}
		if Value("Authorization", tc.in) != got || Value("proxy-authorization", tc.in) != got {
			t.Errorf("Value(Authorization) differs from Authorization for %q", tc.in)
		}
	}
	if !strings.HasPrefix(JWT(jwt), hdr+".") {
		t.Errorf("JWT header not kept: %q", JWT(jwt))
	}

	// The masked SigV4 header parses the same way as the original (what the diagnoser reads).
	orig, masked := sigv4.ParseAuthHeader(tSigV4), sigv4.ParseAuthHeader(tSigV4Mask)
	if !masked.IsSigV4() || masked.BadPair != "" || len(masked.Params) != len(orig.Params) {
		t.Fatalf("masked SigV4 parses as %+v, original %+v", masked, orig)
	}
	for k, v := range orig.Params {
		mv := masked.Params[k]
		switch k {
		case "SignedHeaders":
			if mv != v {
				t.Errorf("SignedHeaders changed: %q", mv)
			}
		case "Credential":
			if _, scope, _ := strings.Cut(v, "/"); !strings.HasSuffix(mv, "/"+scope) || strings.Contains(mv, tAKID) {
				t.Errorf("credential %q", mv)
			}
		case "Signature":
			if len(mv) != len(v) || strings.Trim(mv, "*") != "" {
				t.Errorf("signature %q", mv)
			}
		}
	}
	if sigv4.Incomplete(tSigV4Mask, true, false) != "" {
		t.Errorf("masked SigV4 header is reported incomplete: %q", sigv4.Incomplete(tSigV4Mask, true, false))
	}
}

func TestJWT(t *testing.T) {
	jwt, hdr := testJWT(tJWTSig)
	got := JWT(jwt)
	segs := strings.Split(got, ".")
	if len(segs) != 3 || segs[0] != hdr {
		t.Fatalf("JWT(…) = %q: want three segments and the header kept", got)
	}
	raw, err := base64.RawURLEncoding.DecodeString(segs[1])
	if err != nil {
		t.Fatalf("payload segment %q: %v", segs[1], err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatalf("payload %q: %v", raw, err)
	}
	for _, k := range []string{"sub", "email", "cognito:username"} {
		if _, ok := claims[k]; ok {
			t.Errorf("claim %q kept: %s", k, raw)
		}
	}
	if claims["exp"] != float64(1795000000) || claims["token_use"] != "id" || claims["iss"] != "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123" || claims["aud"] == nil {
		t.Errorf("kept claims: %s", raw)
	}
	if segs[2] != Secret(tJWTSig) || strings.Contains(got, tJWTSig) {
		t.Errorf("signature segment %q", segs[2])
	}
	if JWT(got) != got || Token(got) != got || Scrub(got) != got {
		t.Errorf("JWT masking not idempotent: %q %q %q", JWT(got), Token(got), Scrub(got))
	}
	// A JWT-looking value whose header is not JSON is masked whole.
	if got := JWT("eyJhbGciOi.x.y"); got != "**************" {
		t.Errorf("fake JWT: %q", got)
	}
	// Unsigned JWT (empty signature) and JWE (five segments).
	if got := JWT(hdr + "." + b64url(`{"exp":1,"sub":"bob"}`) + "."); got != hdr+"."+b64url(`{"exp":1}`)+"." {
		t.Errorf("unsigned JWT: %q", got)
	}
	jwe := hdr + ".ZW5jcnlwdGVka2V5ZW5jcnlwdGVka2V5.aXZpdml2aXZpdml2.Y2lwaGVydGV4dGNpcGhlcnRleHRjaXBoZXI.dGFndGFndGFn"
	if got := Token(jwe); !strings.HasPrefix(got, hdr+".") || strings.Contains(got, "Y2lwaGVydGV4dGNpcGhlcnRleHRjaXBoZXI") || Token(got) != got {
		t.Errorf("JWE: %q", got)
	}
}

func TestCookies(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"Cookie", "session=sess-9f8e7d6c5b4a39281706; theme=dark", "session=*******************281706; theme=****"},
		{"cookie", "a=1;b=", "a=*;b="},
		{"Set-Cookie", "session=sess-9f8e7d6c5b4a39281706; Path=/; Expires=Thu, 26 Nov 2026 10:00:00 GMT; HttpOnly; Secure",
			"session=*******************281706; Path=/; Expires=Thu, 26 Nov 2026 10:00:00 GMT; HttpOnly; Secure"},
		{"set-cookie", "lonelyvalue", "***********"},
		{"Set-Cookie", "a=0123456789abcdefXYZ; Path=/\nb=short; HttpOnly", "a=*************defXYZ; Path=/\nb=*****; HttpOnly"},
	} {
		if got := Value(tc.name, tc.in); got != tc.want {
			t.Errorf("Value(%s, %q) = %q, want %q", tc.name, tc.in, got, tc.want)
		} else if Value(tc.name, got) != got {
			t.Errorf("Value(%s) not idempotent on %q", tc.name, got)
		}
	}
}

func TestValueByName(t *testing.T) {
	const v = "0123456789abcdefghijKLMNOP"
	masked := "********************KLMNOP"
	for _, tc := range []struct {
		name   string
		secret bool
		want   string
	}{
		{"x-api-key", true, masked}, {"X-API-Key", true, masked}, {"api_key", true, masked}, {"apikey", true, masked}, {"key", true, masked},
		{"X-Amz-Security-Token", true, masked}, {"x-amz-security-token", true, masked}, {"token", true, masked}, {"access_token", true, masked},
		{"id_token", true, masked}, {"refresh_token", true, masked}, {"code", true, masked}, {"X-Auth-Token", true, masked}, {"authorizationToken", true, masked},
		{"X-Amz-Signature", true, strings.Repeat("*", len(v))}, {"signature", true, strings.Repeat("*", len(v))}, {"sig", true, strings.Repeat("*", len(v))},
		{"password", true, "********"}, {"secret", true, "********"}, {"client_secret", true, "********"}, {"aws_secret_access_key", true, "********"},
		{"X-Amz-Credential", true, "0123******************MNOP"},
		{"X-Amz-Date", false, v}, {"x-amzn-ErrorType", false, v}, {"x-amzn-RequestId", false, v}, {"Via", false, v}, {"Server", false, v},
		{"Content-Type", false, v}, {"Host", false, v}, {"limit", false, v}, {"state", false, v}, {"token_type", false, v}, {"X-Amz-Algorithm", false, v},
		{"", false, v},
	} {
		if got := Value(tc.name, v); got != tc.want {
			t.Errorf("Value(%q) = %q, want %q", tc.name, got, tc.want)
		}
		if IsSecret(tc.name) != tc.secret {
			t.Errorf("IsSecret(%q) = %v", tc.name, !tc.secret)
		}
	}
}

func TestScrub(t *testing.T) {
	jwt, _ := testJWT(tJWTSig)
	for _, tc := range []struct{ name, in, want string }{
		{"query", "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets?limit=5&api_key=" + tAPIKey + "&state=abc",
			"https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets?limit=5&api_key=" + Secret(tAPIKey) + "&state=abc"},
		{"presigned", "https://x.execute-api.us-east-1.amazonaws.com/prod/a?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + tASIA + "%2F20261126%2Fus-east-1%2Fexecute-api%2Faws4_request&X-Amz-Date=20261126T100000Z&X-Amz-Expires=300&X-Amz-Security-Token=" + tSession + "&X-Amz-SignedHeaders=host&X-Amz-Signature=" + tSig,
			"https://x.execute-api.us-east-1.amazonaws.com/prod/a?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA************4QRS%2F20261126%2Fus-east-1%2Fexecute-api%2Faws4_request&X-Amz-Date=20261126T100000Z&X-Amz-Expires=300&X-Amz-Security-Token=" + Secret(tSession) + "&X-Amz-SignedHeaders=host&X-Amz-Signature=" + strings.Repeat("*", 64)},
		{"fragment", "https://app.example.com/cb#access_token=" + tAPIKey + "&token_type=Bearer&expires_in=3600",
			"https://app.example.com/cb#access_token=" + Secret(tAPIKey) + "&token_type=Bearer&expires_in=3600"},
		{"userinfo", "https://alice:hunter2-horse@proxy.example.com:8080/x", "https://alice:********@proxy.example.com:8080/x"},
		{"form", "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&client_secret=cs-7Yh3kQ9pLm2Xz8Vt&redirect_uri=https%3A%2F%2Fapp",
			"grant_type=authorization_code&code=" + Secret("SplxlOBeZQQYbYS6WxSbIA") + "&client_secret=********&redirect_uri=https%3A%2F%2Fapp"},
		{"json", `{"username":"alice","password":"p\"a\\ss","apiKey":"` + tAPIKey + `","code":"InvalidParameter","key":"k1","nested":{"refresh_token" : "` + tSession + `"}}`,
			`{"username":"alice","password":"********","apiKey":"` + Secret(tAPIKey) + `","code":"InvalidParameter","key":"k1","nested":{"refresh_token" : "` + Secret(tSession) + `"}}`},
		{"json array", `{"multiValueHeaders":{"Authorization":["Bearer abcdefghijklmnopqrstuvwxyz", "Basic Zm9vOmJhcg=="]}}`,
			`{"multiValueHeaders":{"Authorization":["Bearer ********************uvwxyz", "Basic ********"]}}`},
		{"json truncated", `{"id_token":"` + tSession[:40], `{"id_token":"` + Secret(tSession[:40])},
		{"exec map", "(9f0e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f) Method request headers: {Accept=*/*, Authorization=" + tSigV4 + ", Host=x.execute-api.us-east-1.amazonaws.com, x-api-key=" + tAPIKey + ", X-Amz-Security-Token=" + tSession + "}",
			"(9f0e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f) Method request headers: {Accept=*/*, Authorization=" + tSigV4Mask + ", Host=x.execute-api.us-east-1.amazonaws.com, x-api-key=" + Secret(tAPIKey) + ", X-Amz-Security-Token=" + Secret(tSession) + "}"},
		{"exec already masked", "(id) Method request headers: {Accept=*/*, x-api-key=**********************************bMZHBg} [TRUNCATED]",
			"(id) Method request headers: {Accept=*/*, x-api-key=**********************************bMZHBg} [TRUNCATED]"},
		{"exec api key", "(id) Verifying Usage Plan for request: id. API Key: " + tAPIKey + " API Stage: zsuvlqr7nb/prod",
			"(id) Verifying Usage Plan for request: id. API Key: " + Secret(tAPIKey) + " API Stage: zsuvlqr7nb/prod"},
		{"exec no api key", "(id) Verifying Usage Plan for request: id. API Key:  API Stage: oo8kadh853/Test",
			"(id) Verifying Usage Plan for request: id. API Key:  API Stage: oo8kadh853/Test"},
		{"authorizer body", `(id) Endpoint request body after transformations: {"type":"TOKEN","authorizationToken":"allow","methodArn":"arn:aws:execute-api:us-west-2:919586034543:oo8kadh853/Test/GET/user_info"}`,
			`(id) Endpoint request body after transformations: {"type":"TOKEN","authorizationToken":"*****","methodArn":"arn:aws:execute-api:us-west-2:919586034543:oo8kadh853/Test/GET/user_info"}`},
		{"incomplete signature", `{"message":"Authorization header requires 'Credential' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=Bearer ` + jwt + `"}`,
			`{"message":"Authorization header requires 'Credential' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=Bearer ` + JWT(jwt) + `"}`},
		{"missing equal-sign", "Invalid key=value pair (missing equal-sign) in Authorization header: 'ApiKey 0123456789abcdefghij'.",
			"Invalid key=value pair (missing equal-sign) in Authorization header: 'ApiKey **************efghij'."},
		{"header line", "> Authorization: " + tSigV4, "> Authorization: " + tSigV4Mask},
		{"yaml token", "  sessionToken: " + tSession, "  sessionToken: " + Secret(tSession)},
		{"jwt anywhere", "see " + jwt + ", ok", "see " + JWT(jwt) + ", ok"},
		{"akid anywhere", "aws_access_key_id = " + tAKID + "\n", "aws_access_key_id = AKIA************2WXY\n"},
		{"logfmt", "level=info token=" + tAPIKey + " msg=ok", "level=info token=" + Secret(tAPIKey) + " msg=ok"},
		// Left alone: prose and AWS messages.
		{"prose key", "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): 'kzbOp3Rh7aNqKBjCq/Mz6bBhR3B0dyKzmXu4qfKkGbM='.", ""},
		{"signature expired", "Signature expired: 20261126T100000Z is now earlier than 20261126T101500Z (20261126T102000Z - 5 min.)", ""},
		{"credential scope", "Credential should be scoped to a valid region. ", ""},
		{"times", "date: Thu, 26 Nov 2026 10:00:00 GMT", ""},
		{"base64 body", "eyJNZXNzYWdlIjoiVXNlciBpcyBub3QgYXV0aG9yaXplZCB0byBhY2Nlc3MgdGhpcyByZXNvdXJjZSJ9", ""},
		{"url", "https://d111111abcdef8.cloudfront.net/img.png?w=10&h=20#top", ""},
		{"key in prose", "the key=value form and code=red alert", ""},
		{"token type", `{"token_type":"Bearer","expires_in":3600}`, ""},
	} {
		want := tc.want
		if want == "" {
			want = tc.in
		}
		got := Scrub(tc.in)
		if got != want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, want)
		}
		if again := Scrub(got); again != got {
			t.Errorf("%s: not idempotent:\n %q\n %q", tc.name, got, again)
		}
	}
}

// Every message, current message and execution-log line of the cause catalogue — what the
// diagnoser reads in bodies and logs — survives Scrub unchanged; the one that quotes the
// Authorization header has just that value masked.
func TestScrubKeepsCatalogueMessages(t *testing.T) {
	for _, e := range cause.All() {
		for _, s := range append([]string{e.Message, e.MessageCurrent}, e.ExecLog...) {
			if strings.Contains(s, "{authorization}") {
				filled := cause.Fill(s, "authorization", "Bearer "+tAPIKey)
				want := strings.ReplaceAll(s, "{authorization}", "Bearer "+Secret(tAPIKey))
				if got := Scrub(filled); got != want {
					t.Errorf("%s: got %q, want %q", e.ID, got, want)
				}
				continue
			}
			if got := Scrub(s); got != s {
				t.Errorf("%s: Scrub changed %q to %q", e.ID, s, got)
			}
		}
	}
}

func TestStatsString(t *testing.T) {
	var s Stats
	if s.String() != "masked 0 values" || s.Total() != 0 {
		t.Errorf("empty: %q", s.String())
	}
	s.add(KindCookie)
	if s.String() != "masked 1 value (1 cookie)" {
		t.Errorf("one: %q", s.String())
	}
	for range 4 {
		s.add(KindAuthorization)
	}
	for range 3 {
		s.add(KindAPIKey)
	}
	for range 4 {
		s.add(KindCookie)
	}
	if got := s.String(); got != "masked 12 values (4 Authorization, 3 API key, 5 cookie)" || s.Total() != 12 {
		t.Errorf("got %q", got)
	}
	var m masker
	m.stats = &Stats{}
	if m.apply(ruleAPIKey, Secret(tAPIKey)); m.stats.Total() != 0 {
		t.Errorf("re-masking an already masked value counted: %v", m.stats.Masked)
	}
}

func TestAppendJSONChars(t *testing.T) {
	for _, s := range []string{"plain", `q"b\s`, "ctl\x00\x01\n\r\t\x1f", "<html>&amp;", "é€😀", "bad\xffutf8", "\u2028\u2029"} {
		enc := `"` + string(appendJSONChars(nil, s)) + `"`
		var back string
		if err := json.Unmarshal([]byte(enc), &back); err != nil {
			t.Errorf("%q: %s: %v", s, enc, err)
			continue
		}
		want := strings.ToValidUTF8(s, "\ufffd")
		if back != want {
			t.Errorf("%q round-tripped to %q", s, back)
		}
		if strings.Contains(s, "<") && !strings.Contains(enc, "<") {
			t.Errorf("HTML escaped: %s", enc)
		}
	}
}
