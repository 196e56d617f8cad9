package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Real clients: the aws-sdk-go-v2 signer (the reference client) and curl --aws-sigv4, against
// an httptest server whose handler calls Verify.

const (
	akid      = "AKIAIOSFODNN7EXAMPLE"
	secret    = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	tempAKID  = "ASIAIOSFODNN7EXAMPLE"
	tempSecrt = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
	tempToken = "FwoGZXIvYXdzEXAMPLE//////////wEaDEXAMPLETOKEN+/="
	region    = "us-east-1"
)

var signTime = time.Date(2026, 3, 1, 10, 20, 30, 0, time.UTC)

func keys(id string) (Key, bool) {
	switch id {
	case akid:
		return Key{SecretAccessKey: secret}, true
	case tempAKID:
		return Key{SecretAccessKey: tempSecrt, SessionToken: tempToken, Expiration: signTime.Add(time.Hour)}, true
	}
	return Key{}, false
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// fromHTTP is what the gateway does: the path and query exactly as on the request line.
func fromHTTP(r *http.Request, body []byte) *Request {
	uri := r.RequestURI
	if uri == "" { // a client-side request
		uri = r.URL.RequestURI()
	}
	path, query, _ := strings.Cut(uri, "?")
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	h := r.Header.Clone()
	if r.RequestURI == "" && r.ContentLength > 0 { // net/http's server keeps Content-Length in the map
		h.Set("Content-Length", strconv.FormatInt(r.ContentLength, 10))
	}
	return &Request{Method: r.Method, RawPath: path, RawQuery: query, Header: h, Host: host, Body: body}
}

// verifier is an httptest server that verifies each request with the clock now().
func verifier(t *testing.T, now func() time.Time, lookup Lookup) (*httptest.Server, chan Result) {
	t.Helper()
	results := make(chan Result, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		res := Verify(fromHTTP(r, body), region, lookup, now())
		results <- res
		if res.Failure != OK {
			w.Header().Set("X-Amzn-Errortype", res.ErrorType)
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, res.Message)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, results
}

func sdkSign(t *testing.T, r *http.Request, body []byte, creds aws.Credentials, service string, at time.Time) {
	t.Helper()
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hexSHA(body), service, region, at); err != nil {
		t.Fatal(err)
	}
}

var longTerm = aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}
var session = aws.Credentials{AccessKeyID: tempAKID, SecretAccessKey: tempSecrt, SessionToken: tempToken}

func TestSDKClientVerifies(t *testing.T) {
	srv, results := verifier(t, func() time.Time { return signTime.Add(2 * time.Second) }, keys)
	cases := []struct {
		name, method, path string
		body               string
		header             http.Header
		creds              aws.Credentials
	}{
		{"get", "GET", "/prod/pets", "", nil, longTerm},
		{"get root", "GET", "/", "", nil, longTerm},
		{"unsorted and repeated query", "GET", "/prod/pets?b=2&a=1&a=0&c&z=%2F&sp=a+b", "", nil, longTerm},
		{"escaped path", "GET", "/prod/pets/a%20b/%C3%A9/x%2Fy", "", nil, longTerm},
		{"reserved characters", "GET", "/prod/a:b@c!$'()*,;=/", "", nil, longTerm},
		{"post json", "POST", "/prod/pets", `{"name":"rex"}`, http.Header{"Content-Type": {"application/json"}}, longTerm},
		{"put with custom headers", "PUT", "/prod/pets/1", "x", http.Header{"X-Custom": {"a   b", " c "}, "X-Amz-Meta": {"1"}}, longTerm},
		{"session token", "GET", "/prod/pets", "", nil, session},
		{"session token post", "DELETE", "/prod/pets/9?force=true", "", nil, session},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range c.header {
				req.Header[k] = v
			}
			sdkSign(t, req, []byte(c.body), c.creds, ServiceName, signTime)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			res := <-results
			if res.Failure != OK || resp.StatusCode != 200 {
				t.Fatalf("Failure %q (%s): %s", res.Failure, res.Detail, msg)
			}
			if res.AccessKeyID != c.creds.AccessKeyID || res.Service != ServiceName || res.Presigned {
				t.Errorf("result %+v", res)
			}
		})
	}
}

func TestSDKPresignedVerifies(t *testing.T) {
	for _, payload := range []string{unsignedPayload, emptySHA} {
		for _, creds := range []aws.Credentials{longTerm, session} {
			t.Run(payload[:8]+"/"+creds.AccessKeyID[:4], func(t *testing.T) {
				srv, results := verifier(t, func() time.Time { return signTime.Add(50 * time.Minute) }, keys)
				req, _ := http.NewRequest("GET", srv.URL+"/prod/pets?b=2&a=1&X-Amz-Expires=3600", nil)
				u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, payload, ServiceName, region, signTime)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := srv.Client().Get(u)
				if err != nil {
					t.Fatal(err)
				}
				msg, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if res := <-results; res.Failure != OK || !res.Presigned {
					t.Fatalf("Failure %q (%s): %s", res.Failure, res.Detail, msg)
				}
			})
		}
	}
}

// TestCurlVerifies runs the real curl. curl 7.88 signs the path as written in the URL (it does
// not encode it a second time), so only paths without escapes are used; see the report.
func TestCurlVerifies(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Fatal("curl is required for this test (CI installs it): ", err)
	}
	// curl signs with the real clock: the session key does not expire here.
	srv, results := verifier(t, time.Now, func(id string) (Key, bool) {
		k, ok := keys(id)
		k.Expiration = time.Time{}
		return k, ok
	})
	cases := []struct {
		name string
		args []string
		path string
	}{
		{"get", nil, "/prod/pets"},
		// curl 7.88 does not sort the query (8.x does), so the query is written sorted.
		{"get query", nil, "/prod/pets?a=0&a=1&b=2"},
		{"post body", []string{"-H", "Content-Type: application/json", "--data-binary", `{"name":"rex"}`}, "/prod/pets"},
		{"unsigned session token header", []string{"-H", "X-Amz-Security-Token: " + tempToken}, "/prod/pets"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			user := akid + ":" + secret
			if strings.Contains(c.name, "session") {
				user = tempAKID + ":" + tempSecrt
			}
			args := append([]string{"-sS", "-o", "/dev/null", "--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", user}, c.args...)
			out, err := exec.Command(curl, append(args, srv.URL+c.path)...).CombinedOutput()
			if err != nil {
				t.Fatalf("curl: %v: %s", err, out)
			}
			if res := <-results; res.Failure != OK {
				t.Fatalf("Failure %q (%s):\n%s", res.Failure, res.Detail, res.Message)
			}
		})
	}
}

// signed returns a Request signed by the SDK (never sent), for tampering.
func signed(t *testing.T, method, target, body string, creds aws.Credentials, service string, hdr http.Header) *Request {
	t.Helper()
	req, err := http.NewRequest(method, "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"+target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	sdkSign(t, req, []byte(body), creds, service, signTime)
	return fromHTTP(req, []byte(body))
}

func TestTamper(t *testing.T) {
	base := func(t *testing.T) *Request {
		return signed(t, "POST", "/prod/pets?b=2&a=1", `{"a":1}`, longTerm, ServiceName, http.Header{"X-Custom": {"v"}})
	}
	if res := Verify(base(t), region, keys, signTime); res.Failure != OK {
		t.Fatalf("baseline: %q %s", res.Failure, res.Detail)
	}
	cases := []struct {
		name    string
		mod     func(r *Request)
		region  string
		want    Failure
		msg     string // exact message; "" = the mismatch message built from the result
		errType string
	}{
		{name: "method", mod: func(r *Request) { r.Method = "PUT" }, want: Mismatch},
		{name: "path", mod: func(r *Request) { r.RawPath = "/prod/pets/1" }, want: Mismatch},
		{name: "query", mod: func(r *Request) { r.RawQuery = "b=2&a=2" }, want: Mismatch},
		{name: "query added", mod: func(r *Request) { r.RawQuery += "&c=3" }, want: Mismatch},
		{name: "signed header", mod: func(r *Request) { r.Header.Set("X-Custom", "w") }, want: Mismatch},
		{name: "signed header removed", mod: func(r *Request) { r.Header.Del("X-Custom") }, want: Mismatch},
		{name: "host", mod: func(r *Request) { r.Host = "evil.example" }, want: Mismatch},
		{name: "body", mod: func(r *Request) { r.Body = []byte(`{"a":2}`) }, want: Mismatch},
		{name: "date second", mod: func(r *Request) { r.Header.Set("X-Amz-Date", "20260301T102031Z") }, want: Mismatch},
		{name: "date day", mod: func(r *Request) { r.Header.Set("X-Amz-Date", "20260302T000000Z") }, want: Expired,
			msg: "Signature not yet current: 20260302T000000Z is still later than 20260301T102530Z (20260301T102030Z + 5 min.)", errType: ErrInvalidSignature},
		{name: "region", region: "us-west-2", want: BadCredential, msg: "Credential should be scoped to a valid region. ", errType: ErrInvalidSignature},
		{name: "unknown key", mod: func(r *Request) { setAuth(r, "AKIAIOSFODNN7EXAMPLE", "AKIAUNKNOWN000000000") }, want: UnknownKey,
			msg: MsgInvalidToken, errType: ErrAccessDenied},
		{name: "token on long-term key", mod: func(r *Request) { r.Header.Set("X-Amz-Security-Token", "x") }, want: BadToken,
			msg: MsgInvalidToken, errType: ErrAccessDenied},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := base(t)
			if c.mod != nil {
				c.mod(r)
			}
			reg := region
			if c.region != "" {
				reg = c.region
			}
			res := Verify(r, reg, keys, signTime)
			if res.Failure != c.want {
				t.Fatalf("Failure = %q, want %q (%s)", res.Failure, c.want, res.Detail)
			}
			msg, et := c.msg, c.errType
			if msg == "" {
				msg = MsgMismatch + "\n\nThe Canonical String for this request should have been\n'" + res.CanonicalRequest +
					"'\n\nThe String-to-Sign should have been\n'" + res.StringToSign + "'\n"
				et = ErrInvalidSignature
			}
			if res.Message != msg || res.ErrorType != et {
				t.Errorf("message %q (%s)\nwant    %q (%s)", res.Message, res.ErrorType, msg, et)
			}
			if res.Detail == "" {
				t.Error("no detail")
			}
		})
	}
}

func setAuth(r *Request, old, new string) {
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
}

// TestMismatchExactBytes pins the whole message for a request whose canonical form is known.
func TestMismatchExactBytes(t *testing.T) {
	r := signed(t, "GET", "/prod/pets/a%20b?b=2&a=1", "", longTerm, ServiceName, nil)
	r.Method = "DELETE"
	res := Verify(r, region, keys, signTime)
	creq := "DELETE\n/prod/pets/a%2520b\na=1&b=2\nhost:a1b2c3d4e5.execute-api.us-east-1.amazonaws.com\nx-amz-date:20260301T102030Z\n\nhost;x-amz-date\n" + emptySHA
	sts := "AWS4-HMAC-SHA256\n20260301T102030Z\n20260301/us-east-1/execute-api/aws4_request\n" + hexSHA([]byte(creq))
	want := "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'" +
		creq + "'\n\nThe String-to-Sign should have been\n'" + sts + "'\n"
	if res.Message != want {
		t.Errorf("message\n%q\nwant\n%q", res.Message, want)
	}
	seed := "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.\n\nThe Canonical String for this request should have been\n'" +
		creq + "'\n\nThe String-to-Sign should have been\n'" + sts + "'\n"
	if got := res.MessageFor(false); got != seed {
		t.Errorf("seed message\n%q\nwant\n%q", got, seed)
	}
	if res.MessageFor(true) != want {
		t.Error("MessageFor(true) is not Message")
	}
}

func TestWrongServiceSecretAndToken(t *testing.T) {
	cases := []struct {
		name    string
		req     func(t *testing.T) *Request
		lookup  Lookup
		now     time.Time
		want    Failure
		msg     string
		errType string
	}{
		{name: "service", req: func(t *testing.T) *Request { return signed(t, "GET", "/prod/pets", "", longTerm, "lambda", nil) },
			want: BadCredential, msg: "Credential should be scoped to correct service: 'execute-api'. ", errType: ErrInvalidSignature},
		{name: "secret", req: func(t *testing.T) *Request {
			return signed(t, "GET", "/prod/pets", "", aws.Credentials{AccessKeyID: akid, SecretAccessKey: "wrong"}, ServiceName, nil)
		}, want: Mismatch},
		{name: "session token changed", req: func(t *testing.T) *Request {
			r := signed(t, "GET", "/prod/pets", "", session, ServiceName, nil)
			r.Header.Set("X-Amz-Security-Token", tempToken+"x")
			return r
		}, want: BadToken, msg: MsgInvalidToken, errType: ErrAccessDenied},
		{name: "session token missing", req: func(t *testing.T) *Request {
			return signed(t, "GET", "/prod/pets", "", aws.Credentials{AccessKeyID: tempAKID, SecretAccessKey: tempSecrt}, ServiceName, nil)
		}, want: BadToken, msg: MsgInvalidToken, errType: ErrAccessDenied},
		{name: "session expired", req: func(t *testing.T) *Request { return signed(t, "GET", "/prod/pets", "", session, ServiceName, nil) },
			lookup: func(id string) (Key, bool) {
				k, ok := keys(id)
				k.Expiration = signTime
				return k, ok
			}, want: BadToken, msg: MsgExpiredToken, errType: ErrExpiredToken},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lookup := c.lookup
			if lookup == nil {
				lookup = keys
			}
			res := Verify(c.req(t), region, lookup, signTime)
			if res.Failure != c.want {
				t.Fatalf("Failure = %q, want %q (%s)", res.Failure, c.want, res.Detail)
			}
			if c.msg != "" && (res.Message != c.msg || res.ErrorType != c.errType) {
				t.Errorf("message %q (%s), want %q (%s)", res.Message, res.ErrorType, c.msg, c.errType)
			}
			if c.want == Mismatch && !strings.HasPrefix(res.Message, MsgMismatch+"\n\nThe Canonical String") {
				t.Errorf("message %q", res.Message)
			}
		})
	}
}

func TestExpiry(t *testing.T) {
	r := signed(t, "GET", "/prod/pets", "", longTerm, ServiceName, nil)
	cases := []struct {
		now  time.Time
		want Failure
		msg  string
	}{
		{signTime, OK, ""},
		{signTime.Add(5 * time.Minute), OK, ""},
		{signTime.Add(-5 * time.Minute), OK, ""},
		{signTime.Add(5*time.Minute + time.Second), Expired,
			"Signature expired: 20260301T102030Z is now earlier than 20260301T102031Z (20260301T102531Z - 5 min.)"},
		{signTime.Add(-5*time.Minute - time.Second), Expired,
			"Signature not yet current: 20260301T102030Z is still later than 20260301T102029Z (20260301T101529Z + 5 min.)"},
	}
	for _, c := range cases {
		res := Verify(r, region, keys, c.now)
		if res.Failure != c.want || res.Message != c.msg {
			t.Errorf("at %s: %q %q, want %q %q", c.now.Format(amzDateLayout), res.Failure, res.Message, c.want, c.msg)
		}
		if c.want == Expired && res.ErrorType != ErrInvalidSignature {
			t.Errorf("error type %q", res.ErrorType)
		}
	}
}

func presigned(t *testing.T, target string, creds aws.Credentials) *Request {
	t.Helper()
	req, _ := http.NewRequest("GET", "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"+target, nil)
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, unsignedPayload, ServiceName, region, signTime)
	if err != nil {
		t.Fatal(err)
	}
	pu, _ := url.Parse(u)
	return &Request{Method: "GET", RawPath: pu.EscapedPath(), RawQuery: pu.RawQuery, Header: http.Header{}, Host: pu.Host}
}

func TestPresignedExpiry(t *testing.T) {
	r := presigned(t, "/prod/pets?X-Amz-Expires=60", longTerm)
	for _, c := range []struct {
		now  time.Time
		want Failure
		msg  string
	}{
		{signTime.Add(60 * time.Second), OK, ""},
		{signTime.Add(61 * time.Second), Expired, "Signature expired: 20260301T102030Z is now earlier than 20260301T102031Z (20260301T102131Z - 1 min.)"},
		{signTime.Add(-5 * time.Minute), OK, ""},
		{signTime.Add(-6 * time.Minute), Expired, "Signature not yet current: 20260301T102030Z is still later than 20260301T101930Z (20260301T101430Z + 5 min.)"},
	} {
		if res := Verify(r, region, keys, c.now); res.Failure != c.want || res.Message != c.msg {
			t.Errorf("at +%s: %q %q (%s), want %q %q", c.now.Sub(signTime), res.Failure, res.Message, res.Detail, c.want, c.msg)
		}
	}
	long := presigned(t, "/prod/pets?X-Amz-Expires=90", longTerm)
	if res := Verify(long, region, keys, signTime.Add(91*time.Second)); res.Message != "Signature expired: 20260301T102030Z is now earlier than 20260301T102031Z (20260301T102201Z - 90 sec.)" {
		t.Errorf("90 s: %q", res.Message)
	}
	week := presigned(t, "/prod/pets?X-Amz-Expires=604800", longTerm)
	if res := Verify(week, region, keys, signTime.Add(6*24*time.Hour)); res.Failure != OK {
		t.Errorf("a week: %q %s", res.Failure, res.Detail)
	}
	tampered := presigned(t, "/prod/pets?X-Amz-Expires=60", longTerm)
	tampered.RawQuery = strings.Replace(tampered.RawQuery, "X-Amz-Expires=60", "X-Amz-Expires=600", 1)
	if res := Verify(tampered, region, keys, signTime.Add(2*time.Minute)); res.Failure != Mismatch {
		t.Errorf("extended X-Amz-Expires: %q", res.Failure)
	}
}

func TestMalformed(t *testing.T) {
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	const four = "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
	good := "AWS4-HMAC-SHA256 Credential=" + akid + "/20260301/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("0", 64)
	cases := []struct {
		name     string
		r        Request
		want     Failure
		errType  string
		msg      string
		seed     string // MessageFor(false), when it differs
		noDetail bool
	}{
		{name: "unsigned", r: Request{Header: hdr()}, want: Unsigned, errType: ErrMissingAuthenticationToken, msg: MsgMissingAuthenticationToken},
		{name: "other scheme", r: Request{Header: hdr("Authorization", "Xeni-API Credential=a/b, SignedHeaders=host, Signature=00", "X-Amz-Date", "x")},
			want: Unsigned, errType: ErrMissingAuthenticationToken, msg: MsgMissingAuthenticationToken},
		{name: "basic", r: Request{Header: hdr("Authorization", "Basic dXNlcjpwYXNzd29yZA==")}, want: IncompleteSignature, errType: ErrIncompleteSignature,
			msg: four + "(Hashed with SHA-256 and encoded with Base64)", seed: four + "Authorization=Basic dXNlcjpwYXNzd29yZA=="},
		{name: "both", r: Request{Header: hdr("Authorization", good), RawQuery: "X-Amz-Algorithm=AWS4-HMAC-SHA256"}, want: Mismatch, errType: ErrInvalidSignature,
			msg: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."},
		{name: "query incomplete", r: Request{RawQuery: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=", Header: hdr()}, want: IncompleteSignature, errType: ErrIncompleteSignature,
			msg: "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."},
		{name: "bad date", r: Request{Header: hdr("Authorization", good, "X-Amz-Date", "201")}, want: IncompleteSignature, errType: ErrIncompleteSignature,
			msg: "Date must be in ISO-8601 'basic format'. Got '201'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "host unsigned", r: Request{Header: hdr("Authorization", strings.Replace(good, "host;", "", 1), "X-Amz-Date", "20260301T102030Z")}, want: Mismatch, errType: ErrInvalidSignature,
			msg: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "algorithm", r: Request{Header: hdr("Authorization", strings.Replace(good, "SHA256", "SHA25", 1), "X-Amz-Date", "20260301T102030Z")}, want: BadCredential, errType: ErrIncompleteSignature,
			msg: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now). "},
		{name: "four-part credential", r: Request{Header: hdr("Authorization", strings.Replace(good, "/aws4_request", "", 1), "X-Amz-Date", "20260301T102030Z")}, want: BadCredential, errType: ErrIncompleteSignature,
			msg: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + akid + "/20260301/us-east-1/execute-api'"},
		{name: "every scope element", r: Request{Header: hdr("Authorization", strings.Replace(good, "/20260301/us-east-1/execute-api/aws4_request", "/20260302/eu-west-1/s3/aws5_request", 1), "X-Amz-Date", "20260301T102030Z")},
			want: BadCredential, errType: ErrInvalidSignature,
			msg: "Credential should be scoped to a valid region. Credential should be scoped to correct service: 'execute-api'. Credential should be scoped with a valid terminator: 'aws4_request'. Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260302' != '20260301', from '20260301T102030Z'. "},
		{name: "expires not a number", r: Request{RawQuery: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=host&X-Amz-Date=20260301T102030Z&X-Amz-Expires=soon", Header: hdr()},
			want: IncompleteSignature, errType: ErrIncompleteSignature, msg: "X-Amz-Expires should be a number"},
		{name: "expires too long", r: Request{RawQuery: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=host&X-Amz-Date=20260301T102030Z&X-Amz-Expires=604801", Header: hdr()},
			want: IncompleteSignature, errType: ErrIncompleteSignature, msg: "X-Amz-Expires must be less than a week (in seconds) that is 604800"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := Verify(&c.r, region, keys, signTime)
			if res.Failure != c.want || res.ErrorType != c.errType || res.Message != c.msg {
				t.Errorf("got  %q %s %q\nwant %q %s %q", res.Failure, res.ErrorType, res.Message, c.want, c.errType, c.msg)
			}
			seed := c.seed
			if seed == "" {
				seed = c.msg
			}
			if got := res.MessageFor(false); got != seed {
				t.Errorf("seed message %q, want %q", got, seed)
			}
			if res.Detail == "" {
				t.Error("no detail")
			}
		})
	}
}

// TestDateHeaderFallback signs with an RFC 1123 Date header and no X-Amz-Date.
func TestDateHeaderFallback(t *testing.T) {
	r := &Request{Method: "GET", RawPath: "/prod/pets", Host: "h.example", Header: http.Header{"Date": {signTime.Format(http.TimeFormat)}}}
	in := canonicalInput{method: "GET", rawPath: r.RawPath, header: r.Header, host: r.Host,
		signed: []string{"date", "host"}, signedHeaders: "date;host", payloadHash: emptySHA}
	creq, _ := appendCanonicalRequest(nil, &in)
	scope := "20260301/us-east-1/execute-api/aws4_request"
	k := signingKey(secret, "20260301", region, ServiceName)
	sig := hmacSHA256(k[:], appendStringToSign(nil, "20260301T102030Z", scope, creq))
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+akid+"/"+scope+",SignedHeaders=date;host,Signature="+hex.EncodeToString(sig[:]))
	if res := Verify(r, region, keys, signTime); res.Failure != OK {
		t.Fatalf("%q %s\n%s", res.Failure, res.Detail, res.Message)
	}
}

// TestMismatchDetails checks that the usual client mistakes are named.
func TestMismatchDetails(t *testing.T) {
	// curl before 8.x signs the path encoded once.
	r := signed(t, "GET", "/prod/a%20b", "", longTerm, ServiceName, nil)
	once := *r
	once.RawPath = "/prod/a%2520b" // a request whose once-encoded signature is what was sent
	res := Verify(&once, region, keys, signTime)
	if res.Failure != Mismatch || !strings.Contains(res.Detail, "encoded the path once") {
		t.Errorf("path once: %q %q", res.Failure, res.Detail)
	}
	b := signed(t, "POST", "/prod/pets", "", longTerm, ServiceName, nil)
	b.Body = []byte("late")
	if res := Verify(b, region, keys, signTime); !strings.Contains(res.Detail, "empty body") {
		t.Errorf("body: %q", res.Detail)
	}
}

func BenchmarkVerify(b *testing.B) {
	req, _ := http.NewRequest("GET", "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets/42", nil)
	req.Header.Set("X-Trace", "abc")
	if err := v4.NewSigner().SignHTTP(context.Background(), longTerm, req, emptySHA, ServiceName, region, signTime); err != nil {
		b.Fatal(err)
	}
	// host;x-amz-date;x-trace: three signed headers.
	r := fromHTTP(req, nil)
	b.ReportAllocs()
	for b.Loop() {
		if res := Verify(r, region, keys, signTime); res.Failure != OK {
			b.Fatal(res.Detail)
		}
	}
}
