package redact_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/portcullis/portcullis/internal/diagnose/input"
	"github.com/portcullis/portcullis/internal/diagnose/redact"
)

func redactText(t *testing.T, in string) (string, redact.Stats) {
	t.Helper()
	var out bytes.Buffer
	st, err := redact.TextStats(&out, strings.NewReader(in))
	if err != nil {
		t.Fatalf("TextStats: %v", err)
	}
	var out2 bytes.Buffer
	if err := redact.Text(&out2, strings.NewReader(in)); err != nil || out2.String() != out.String() {
		t.Fatalf("Text differs from TextStats: %v", err)
	}
	return out.String(), st
}

var curlTranscript = `*   Trying 3.3.3.3:443...
* Connected to a1b2c3d4e5.execute-api.us-east-1.amazonaws.com (3.3.3.3) port 443
* TLSv1.3 (OUT), TLS handshake, Client hello (1):
* SSL connection using TLSv1.3 / TLS_AES_128_GCM_SHA256 / X25519 / RSASSA-PSS
* using HTTP/2
* [HTTP/2] [1] OPENED stream for https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets?api_key=` + sAPIKey + `&limit=5
* [HTTP/2] [1] [:method: GET]
* [HTTP/2] [1] [:path: /prod/pets?api_key=` + sAPIKey + `&limit=5]
* [HTTP/2] [1] [authorization: Bearer ` + sOpaque + `]
* [HTTP/2] [1] [x-api-key: ` + sAPIKey + `]
> GET /prod/pets?api_key=` + sAPIKey + `&limit=5 HTTP/2
> Host: a1b2c3d4e5.execute-api.us-east-1.amazonaws.com
> User-Agent: curl/8.5.0
> Accept: */*
> Authorization: Bearer ` + sOpaque + `
> x-api-key: ` + sAPIKey + `
> Cookie: session=` + sCookie + `; theme=dark
>
{ [5 bytes data]
< HTTP/2 403 
< date: Thu, 26 Nov 2026 10:00:00 GMT
< content-type: application/json
< x-amzn-requestid: 9f0e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f
< x-amzn-errortype: IncompleteSignatureException
< x-amz-apigw-id: Vts2FFmArPEFh8g=
< set-cookie: session=` + sCookie + `; Path=/; HttpOnly
<
{ [23 bytes data]
{"message":"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=Bearer ` + sOpaque + `", "echo":"` + sOpaque + `"}* Connection #0 to host a1b2c3d4e5.execute-api.us-east-1.amazonaws.com left intact
`

func TestTextCurl(t *testing.T) {
	out, st := redactText(t, curlTranscript)
	noLeak(t, "output", out, allSecrets()...)
	if strings.Count(out, "\n") != strings.Count(curlTranscript, "\n") || st.Lines != strings.Count(curlTranscript, "\n") {
		t.Errorf("line count changed: %d -> %d (stats %d)", strings.Count(curlTranscript, "\n"), strings.Count(out, "\n"), st.Lines)
	}
	for _, want := range []string{
		"> Authorization: Bearer " + redact.Secret(sOpaque) + "\n",
		"> x-api-key: " + redact.Secret(sAPIKey) + "\n",
		"> Cookie: session=" + redact.Secret(sCookie) + "; theme=****\n",
		"< set-cookie: session=" + redact.Secret(sCookie) + "; Path=/; HttpOnly\n",
		"* [HTTP/2] [1] [authorization: Bearer " + redact.Secret(sOpaque) + "]\n",
		"* [HTTP/2] [1] [x-api-key: " + redact.Secret(sAPIKey) + "]\n",
		"* [HTTP/2] [1] [:path: /prod/pets?api_key=" + redact.Secret(sAPIKey) + "&limit=5]\n",
		"> GET /prod/pets?api_key=" + redact.Secret(sAPIKey) + "&limit=5 HTTP/2\n",
		"Authorization=Bearer " + redact.Secret(sOpaque) + `", "echo":"` + redact.Secret(sOpaque) + `"}`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// Lines without secrets are unchanged.
	outLines := strings.Split(out, "\n")
	for i, l := range strings.Split(curlTranscript, "\n") {
		if !strings.Contains(l, sAPIKey) && !strings.Contains(l, sOpaque) && !strings.Contains(l, sCookie) && outLines[i] != l {
			t.Errorf("line %d changed: %q -> %q", i+1, l, outLines[i])
		}
	}
	want := map[redact.Kind]int{redact.KindAPIKey: 5, redact.KindAuthorization: 3, redact.KindCookie: 2, redact.KindToken: 1}
	for k, n := range want {
		if st.Masked[k] != n {
			t.Errorf("masked %v, want %v", st.Masked, want)
			break
		}
	}
	// input.Parse reads the copy as the original.
	o, err := input.Parse(strings.NewReader(curlTranscript), "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := input.Parse(strings.NewReader(out), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(o) != 1 || len(r) != 1 || o[0].Source != r[0].Source || r[0].Response.Status != 403 || r[0].Request.Method != "GET" {
		t.Fatalf("parse: %+v / %+v", o, r)
	}
	sameHeaders(t, "request", o[0].Request.Headers, r[0].Request.Headers)
	sameHeaders(t, "response", o[0].Response.Headers, r[0].Response.Headers)
	sameDiagnosis(t, input.FormatCurl, o, r)
	if r[0].Request.URL != redact.URL(o[0].Request.URL) || r[0].TLS == nil || r[0].TLS.ServerName != o[0].TLS.ServerName {
		t.Errorf("url/tls: %q %+v", r[0].Request.URL, r[0].TLS)
	}
	again, st2 := redactText(t, out)
	if again != out || st2.Total() != 0 {
		t.Errorf("not idempotent (%v)", st2.Masked)
	}
}

func TestTextLogs(t *testing.T) {
	in := strings.Join([]string{
		`{ "requestId":"9f0e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f", "ip": "203.0.113.7", "apiKey":"` + sAPIKey + `", "apiKeyId":"k1abcd", "status":"403" }`,
		`2026-11-26T10:00:01.000Z	{"requestId":"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee","status":403,"identity.apiKey":"` + sAPIKey + `","errorMessage":"Forbidden"}`,
		`(1c2d3e4f-0000-1111-2222-333344445555) Method request headers: {Accept=*/*, Authorization=` + sSigV4Temp + `, Host=uwe3g5jm54.execute-api.us-east-1.amazonaws.com, X-Amz-Security-Token=` + sSession + `, x-api-key=**********************************bMZHBg} [TRUNCATED]`,
		`(1c2d3e4f-0000-1111-2222-333344445555) Method request query string: {token=` + sRefresh + `, page=2}`,
		`(77777777-8888-9999-aaaa-bbbbbbbbbbbb) Endpoint request body after transformations: {"type":"TOKEN","authorizationToken":"Bearer ` + sJWT + `","methodArn":"arn:aws:execute-api:us-west-2:919586034543:oo8kadh853/Test/GET/user_info"}`,
		`(77777777-8888-9999-aaaa-bbbbbbbbbbbb) Incoming identity: ******************************I1BUdE`,
		`(deadbeef-0000-1111-2222-333344445555) Access denied. Reason: Could not find issuer for certificate`,
		`(deadbeef-0000-1111-2222-333344445555) Method completed with status: 403`,
	}, "\r\n") // CRLF kept
	out, st := redactText(t, in)
	noLeak(t, "output", out, allSecrets()...)
	noJWTLeak(t, out)
	ol, il := strings.Split(out, "\r\n"), strings.Split(in, "\r\n")
	if len(ol) != len(il) || strings.HasSuffix(out, "\n") {
		t.Fatalf("lines/CRLF not kept:\n%s", out)
	}
	for _, i := range []int{5, 6, 7} {
		if ol[i] != il[i] {
			t.Errorf("line %d changed: %q", i+1, ol[i])
		}
	}
	if !strings.Contains(ol[0], `"apiKeyId":"k1abcd"`) || !strings.Contains(ol[2], "x-api-key=**********************************bMZHBg} [TRUNCATED]") ||
		!strings.Contains(ol[3], "page=2}") || !strings.Contains(ol[2], "Credential=ASIA************4QRS/20261126/us-east-1/execute-api/aws4_request, SignedHeaders=") {
		t.Errorf("non-secret parts changed:\n%s", out)
	}
	if st.Total() != 7 || st.Lines != 8 {
		t.Errorf("stats %+v", st)
	}
	// The logs still parse the same way.
	for _, format := range []string{input.FormatAccessLog, input.FormatExecLog} {
		var src []string
		for _, l := range il {
			if (format == input.FormatExecLog) == strings.HasPrefix(l, "(") {
				src = append(src, l)
			}
		}
		o, err1 := input.Parse(strings.NewReader(strings.Join(src, "\n")), format)
		var b bytes.Buffer
		if err := redact.Text(&b, strings.NewReader(strings.Join(src, "\n"))); err != nil {
			t.Fatal(err)
		}
		r, err2 := input.Parse(&b, format)
		if err1 != nil || err2 != nil || len(o) != len(r) {
			t.Fatalf("%s: %v %v %d %d", format, err1, err2, len(o), len(r))
		}
		for i := range o {
			if o[i].Fields["status"] != r[i].Fields["status"] || o[i].Fields["requestId"] != r[i].Fields["requestId"] {
				t.Errorf("%s %d: %v vs %v", format, i, o[i].Fields, r[i].Fields)
			}
		}
	}
}

func TestTextRawHTTPAndEdges(t *testing.T) {
	in := "GET /prod/admin?access_token=" + sOpaque + " HTTP/1.1\r\nHost: api.example.com\r\nAuthorization: " + sSigV4 + "\r\nX-Amz-Date: 20261126T100000Z\r\n\r\nHTTP/1.1 403 Forbidden\r\nServer: awselb/2.0\r\n\r\nno newline at the end"
	out, _ := redactText(t, in)
	noLeak(t, "output", out, allSecrets()...)
	if !strings.HasSuffix(out, "\r\n\r\nno newline at the end") || !strings.Contains(out, "\r\nX-Amz-Date: 20261126T100000Z\r\n") || !strings.Contains(out, "\r\nServer: awselb/2.0\r\n") {
		t.Errorf("copy:\n%q", out)
	}
	xs, err := input.Parse(strings.NewReader(out), "")
	if err != nil || len(xs) != 1 || xs[0].Response.Status != 403 || xs[0].Request.Headers.Get("Authorization") != redact.Authorization(sSigV4) {
		t.Errorf("parse: %v %+v", err, xs)
	}
	// Generic names mask on curl's header lines only; prose and YAML-ish lines stay.
	for in, want := range map[string]string{
		"> key: 0123456789abcdefghij\n": "> key: **************efghij\n",
		"key: value\n":                  "key: value\n",
		"Code: AccessDenied\n":          "Code: AccessDenied\n",
		"Signature: " + sSig + "\n":     "Signature: " + strings.Repeat("*", 64) + "\n",
	} {
		if out, _ := redactText(t, in); out != want {
			t.Errorf("%q: got %q, want %q", in, out, want)
		}
	}
	if out, _ := redactText(t, ""); out != "" {
		t.Errorf("empty input gave %q", out)
	}
	// A line longer than MaxLine is refused, naming the line.
	err = redact.Text(io.Discard, io.MultiReader(strings.NewReader("ok\n"), &repeatReader{b: 'x', n: redact.MaxLine + 1}))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("long line: %v", err)
	}
	// A long line under the limit is masked as a whole.
	long := strings.Repeat("a", 200<<10) + " x-api-key=" + sAPIKey + "\n"
	out, _ = redactText(t, "Host: h\n"+long)
	if strings.Contains(out, sAPIKey) || len(out) != len("Host: h\n"+long) {
		t.Errorf("long line not masked (len %d)", len(out))
	}
	if err := redact.Text(failWriter{}, strings.NewReader(curlTranscript)); err == nil {
		t.Errorf("write error not reported")
	}
}

// repeatReader yields n copies of b.
type repeatReader struct {
	b byte
	n int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n)
	for i := range k {
		p[i] = r.b
	}
	r.n -= k
	return k, nil
}
