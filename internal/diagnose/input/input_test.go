package input

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func parse(t *testing.T, in, format string) []Exchange {
	t.Helper()
	xs, err := Parse(strings.NewReader(in), format)
	if err != nil {
		t.Fatalf("Parse(%s): %v", format, err)
	}
	return xs
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"chrome", chromeHAR, "har"}, {"firefox", firefoxHAR, "har"}, {"safari", safariHAR, "har"},
		{"curl-v", curlV, "curl"}, {"curl-redirect", curlRedirectMTLS, "curl"}, {"curl-handshake", curlHandshakeFail, "curl"},
		{"curl-i", curlI, "http"}, {"raw-h2", rawH2, "http"}, {"raw-req", rawWithRequest, "http"},
		{"json", accessJSON, "accesslog"}, {"clf", accessCLF, "accesslog"}, {"csv", accessCSV, "accesslog"},
		{"exec", execLog, "execlog"}, {"exec-console", execConsole, "execlog"},
		{"empty", "  \n", ""}, {"junk", "hello world\nthis is not a log\n", ""},
	} {
		if got := Detect([]byte(tc.in)); got != tc.want {
			t.Errorf("%s: Detect = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestHARChrome(t *testing.T) {
	xs := parse(t, chromeHAR, "auto")
	// 3 entries (< 5): all kept, in order.
	if len(xs) != 3 {
		t.Fatalf("got %d exchanges", len(xs))
	}
	x := xs[1]
	if x.Source != "har" || x.Entry != 1 || x.Response.Status != 403 || x.Request.Method != "POST" {
		t.Fatalf("entry 1: %+v", x)
	}
	if x.Request.Host != "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com" || x.Request.Headers.Get(":authority") != "" {
		t.Errorf("host/pseudo headers: %q %v", x.Request.Host, x.Request.Headers)
	}
	if got := string(x.Response.Body); got != `{"Message":"User is not authorized to access this resource"}` {
		t.Errorf("base64 body: %q", got)
	}
	if x.Response.Headers.Get("X-Amzn-ErrorType") != "AccessDeniedException" || string(x.Request.Body) != `{"qty": 1}` {
		t.Errorf("headers/body: %v %q", x.Response.Headers, x.Request.Body)
	}
	if x := xs[2]; x.Response != nil || x.TLS == nil || x.TLS.HandshakeError != "net::ERR_BAD_SSL_CLIENT_AUTH_CERT" || x.TLS.ServerName != "mtls.example.com" {
		t.Errorf("failed entry: %+v %+v", x, x.TLS)
	}
}

func TestHARFirefoxKeepsFailing(t *testing.T) {
	xs := parse(t, firefoxHAR, "har")
	if len(xs) != 2 || xs[0].Entry != 1 || xs[1].Entry != 4 {
		t.Fatalf("want entries 1 and 4, got %d: %+v", len(xs), xs)
	}
	r := xs[0]
	if r.Request.URL != "https://api.example.com/v1/items?limit=5" || r.Request.Headers.Get("X-Amz-Date") != "20261126T100000Z" ||
		r.Response.Headers.Get("x-amzn-errortype") != "InvalidSignatureException" || !strings.Contains(string(r.Response.Body), "Signature expired") {
		t.Errorf("firefox entry: %+v", r)
	}
	if xs[1].Response.Headers.Get("X-Cache") != "Error from cloudfront" {
		t.Errorf("cloudfront entry: %+v", xs[1].Response)
	}
}

func TestHARSafari(t *testing.T) {
	xs := parse(t, safariHAR, "")
	if len(xs) != 1 || xs[0].Response.Status != 403 || xs[0].Request.Method != "DELETE" || xs[0].Request.Host != "x.execute-api.eu-west-1.amazonaws.com" {
		t.Fatalf("%+v", xs)
	}
}

func TestCurlVerbose(t *testing.T) {
	xs := parse(t, curlV, "")
	if len(xs) != 1 {
		t.Fatalf("got %d", len(xs))
	}
	x := xs[0]
	if x.Request.Method != "GET" || x.Request.URL != "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets" ||
		x.Request.Headers.Get("x-api-key") != "wrongkey" || x.Request.Proto != "HTTP/2" {
		t.Errorf("request: %+v", x.Request)
	}
	if x.Response.Status != 403 || x.Response.Proto != "HTTP/2" || x.Response.Headers.Get("X-Amzn-Errortype") != "ForbiddenException" ||
		string(x.Response.Body) != `{"message":"Forbidden"}` {
		t.Errorf("response: %+v body %q", x.Response, x.Response.Body)
	}
	if x.TLS == nil || x.TLS.ClientCertSent || x.TLS.HandshakeError != "" || x.TLS.ServerName != "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com" {
		t.Errorf("tls: %+v", x.TLS)
	}
}

func TestCurlRedirectAndClientCert(t *testing.T) {
	xs := parse(t, curlRedirectMTLS, "curl")
	if len(xs) != 2 {
		t.Fatalf("got %d", len(xs))
	}
	if xs[0].Response.Status != 301 || xs[0].Response.Headers.Get("Location") == "" || len(xs[0].Response.Body) != 0 {
		t.Errorf("redirect: %+v", xs[0].Response)
	}
	x := xs[1]
	if x.Entry != 1 || x.Request.URL != "https://api.example.com/v1/new" || x.Response.Status != 403 || string(x.Response.Body) != `{"message":"Forbidden"}` {
		t.Errorf("second: %+v %+v %q", x.Request, x.Response, x.Response.Body)
	}
	if x.TLS == nil || !x.TLS.ClientCertSent {
		t.Errorf("client cert not seen: %+v", x.TLS)
	}
}

func TestCurlHandshakeFailure(t *testing.T) {
	xs := parse(t, curlHandshakeFail, "")
	if len(xs) != 1 || xs[0].Request != nil || xs[0].Response != nil || xs[0].TLS == nil {
		t.Fatalf("%+v", xs)
	}
	tl := xs[0].TLS
	// curl sends an empty Certificate message when it has none: no CERT verify, nothing sent.
	if tl.ClientCertSent || !tl.CertRequested || !strings.Contains(tl.HandshakeError, "alert") || tl.ServerName != "mtls.example.com" {
		t.Errorf("%+v", tl)
	}
}

func TestRawHTTP(t *testing.T) {
	xs := parse(t, curlI, "")
	if len(xs) != 1 || xs[0].Source != "http" || xs[0].Request != nil || xs[0].Response.Status != 403 ||
		xs[0].Response.Headers.Get("x-amzn-ErrorType") != "IncompleteSignatureException" || !strings.HasPrefix(string(xs[0].Response.Body), `{"message":"Authorization header`) {
		t.Fatalf("curl -i: %+v", xs)
	}
	xs = parse(t, rawH2, "")
	if len(xs) != 1 || xs[0].Response.Proto != "HTTP/2" || xs[0].Response.Headers.Get("Apigw-Requestid") == "" || string(xs[0].Response.Body) != `{"message":"Forbidden"}` {
		t.Fatalf("h2: %+v", xs[0].Response)
	}
	xs = parse(t, rawWithRequest, "")
	if len(xs) != 1 || xs[0].Request == nil || xs[0].Request.URL != "http://api.example.com/prod/admin" || xs[0].Response.Headers.Get("Server") != "awselb/2.0" {
		t.Fatalf("raw request+response: %+v %+v", xs[0].Request, xs[0].Response)
	}
	// as curl format (curl -i), same result
	if xs := parse(t, curlI, "curl"); xs[0].Source != "curl" || xs[0].Response.Status != 403 {
		t.Fatalf("%+v", xs)
	}
}

func TestAccessLogs(t *testing.T) {
	xs := parse(t, accessJSON, "")
	if len(xs) != 3 {
		t.Fatalf("got %d", len(xs))
	}
	f := xs[0].Fields
	if f["requestId"] != "9f0e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f" || f["identity.sourceIp"] != "203.0.113.7" || f["status"] != "403" || f["identity.caller"] != "-" {
		t.Errorf("preset: %v", f)
	}
	if xs[0].Response.Status != 403 || xs[0].Request.Method != "GET" || xs[0].Request.URL != "/pets" {
		t.Errorf("preset exchange: %+v %+v", xs[0].Request, xs[0].Response)
	}
	f = xs[1].Fields
	if f["error.responseType"] != "WAF_FILTERED" || f["wafResponseCode"] != "WAF_BLOCK" || f["error.message"] != "Forbidden" || f["authorizer.error"] != "-" || f["status"] != "403" {
		t.Errorf("custom: %v", f)
	}
	if xs[1].Request.URL != "https://api.example.com/v1/pets" {
		t.Errorf("url %q", xs[1].Request.URL)
	}
	f = xs[2].Fields
	if f["error.responseType"] != "AUTHORIZER_FAILURE" || f["authorizer.error"] != "Unauthorized" || f["requestId"] == "" {
		t.Errorf("nested: %v", f)
	}
	for _, in := range []string{accessCLF, accessCSV} {
		xs := parse(t, in, "")
		f := xs[0].Fields
		if f["httpMethod"] != "GET" || f["resourcePath"] != "/pets" || f["status"] != "403" || f["requestId"] != "9f0e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f" ||
			f["extendedRequestId"] != "Vts2FFmArPEFh8g=" || f["requestTime"] != "26/Nov/2026:10:00:00 +0000" || f["protocol"] != "HTTP/1.1" || f["responseLength"] != "23" {
			t.Errorf("%q: %v", in[:20], f)
		}
	}
	if xs := parse(t, accessCLF, "accesslog"); len(xs) != 2 || xs[1].Fields["status"] != "200" {
		t.Errorf("CLF all lines kept: %d", len(xs))
	}
}

func TestExecLog(t *testing.T) {
	xs := parse(t, execLog, "")
	if len(xs) != 4 {
		t.Fatalf("got %d groups", len(xs))
	}
	f := xs[0].Fields
	if f["status"] != "403" || !strings.Contains(f["apiKey.error"], "No Usage Plan found") || f["apiId"] != "zsuvlqr7nb" || f["stage"] != "prod" || f["extendedRequestId"] != "Vts2FFmArPEFh8g=" {
		t.Errorf("api key group: %v", f)
	}
	x := xs[1]
	if x.Fields["status"] != "429" || x.Fields["throttle.limit"] != "1.00" || x.Fields["stage"] != "Prod" || x.Request == nil ||
		x.Request.Method != "POST" || x.Request.Headers.Get("x-api-key") == "" || x.Request.Host != "uwe3g5jm54.execute-api.us-east-1.amazonaws.com" {
		t.Errorf("throttle group: %v %+v", x.Fields, x.Request)
	}
	f = xs[2].Fields
	if f["authorizer.id"] != "elkw5b" || f["error.responseType"] != "AUTHORIZER_CONFIGURATION_ERROR" || !strings.Contains(f["authorizer.error"], "Could not parse policy") || f["status"] != "500" {
		t.Errorf("authorizer group: %v", f)
	}
	if f := xs[3].Fields; f["accessDenied.reason"] != "Could not find issuer for certificate" || xs[3].Response.Status != 403 {
		t.Errorf("mtls group: %v", f)
	}
	xs = parse(t, execConsole, "")
	if len(xs) != 1 || xs[0].Fields["status"] != "504" || xs[0].Fields["execution.error"] != "a timeout error" {
		t.Errorf("console: %+v", xs)
	}
}

func TestErrorsNamePositions(t *testing.T) {
	for _, tc := range []struct{ name, in, format, want string }{
		{"har-truncated", `{"log":{"entries":[{"request":{"method":"GET"}},{"request":`, "har", "entry 1"},
		{"har-bad-entry", `{"log":{"entries":[{"response":{"status":"403"}}]}}`, "har", "entry 0"},
		{"har-no-entries", `{"log":{"version":"1.2"}}`, "har", "no log.entries"},
		{"har-not-object", `[1,2]`, "har", "offset"},
		{"curl-bad-status", "> GET / HTTP/1.1\n> Host: x\n>\n< HTTP/1.1 4x3 Nope\n", "curl", "line 4"},
		{"curl-bad-header", "> GET / HTTP/1.1\n> Host x\n", "curl", "line 2"},
		{"http-bad-header", "HTTP/1.1 403 Forbidden\nContent-Type: x\nthis is not a header\n\nbody", "http", "line 3"},
		{"http-empty", "\n\n", "http", "no request or response"},
		{"access-bad-json", "{\"requestId\":\"a\",\"status\":\"403\"}\n{\"requestId\": oops}\n", "accesslog", "line 2"},
		{"access-junk", "203.0.113.7 - - [x] \"GET / HTTP/1.1\" 403 1 a b\nnonsense\n", "accesslog", "line 2"},
		{"exec-junk", "not a log\n", "execlog", "line 1"},
		{"unknown", "hello", "", "unrecognised"},
		{"bad-format", "x", "xml", "unknown format"},
	} {
		_, err := Parse(strings.NewReader(tc.in), tc.format)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want mention of %q", tc.name, err, tc.want)
		}
	}
}

// genHAR writes a HAR with n entries; every failEvery-th entry is a 403.
func genHAR(w io.Writer, n, failEvery, bodySize int) {
	body := strings.Repeat("x", bodySize)
	fmt.Fprint(w, `{"log":{"version":"1.2","creator":{"name":"bench","version":"1"},"entries":[`)
	for i := range n {
		if i > 0 {
			io.WriteString(w, ",")
		}
		st := 200
		if failEvery > 0 && i%failEvery == 0 {
			st = 403
		}
		fmt.Fprintf(w, `{"startedDateTime":"2026-11-26T10:00:00Z","time":1,"request":{"method":"GET","url":"https://a.execute-api.us-east-1.amazonaws.com/prod/%d","httpVersion":"HTTP/1.1","headers":[{"name":"Host","value":"a.execute-api.us-east-1.amazonaws.com"},{"name":"Accept","value":"*/*"}],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":0},"response":{"status":%d,"statusText":"","httpVersion":"HTTP/1.1","headers":[{"name":"Content-Type","value":"text/plain"}],"cookies":[],"content":{"size":%d,"mimeType":"text/plain","text":"%s"},"redirectURL":"","headersSize":-1,"bodySize":-1},"cache":{},"timings":{"send":0,"wait":1,"receive":0}}`, i, st, bodySize, body)
	}
	io.WriteString(w, `]}}`)
}

func TestHARLargeStreams(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	pr, pw := io.Pipe()
	go func() { genHAR(pw, 40000, 1000, 2000); pw.Close() }() // ~90 MB never held in memory
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
		}
	})
	runtime.GC()
	xs, err := Parse(pr, "")
	close(stop)
	wg.Wait()
	if err != nil || len(xs) != 40 {
		t.Fatalf("%d %v", len(xs), err)
	}
	t.Logf("peak heap while streaming ~90 MB: %d KiB", peak.Load()>>10)
	if peak.Load() > 64<<20 {
		t.Errorf("heap peaked at %d MiB: not streaming", peak.Load()>>20)
	}
}

// Random byte mutations of the browser HARs never panic (complements FuzzParseHAR,
// whose seeds are kept small so coverage-guided fuzzing stays fast).
func TestHARMutationsNoPanic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 5000 {
		s := []byte([]string{chromeHAR, firefoxHAR, safariHAR}[n%3])
		for range 1 + r.IntN(4) {
			i := r.IntN(len(s))
			switch r.IntN(3) {
			case 0:
				s[i] = byte(r.IntN(256))
			case 1:
				s = append(s[:i:i], s[i+1:]...)
			default:
				s = append(s[:i:i], append([]byte{"{}[]\",:0a"[r.IntN(9)]}, s[i:]...)...)
			}
		}
		_, _ = Parse(bytes.NewReader(s), "")
	}
}

// BenchmarkParseHAR parses a ~20 MB HAR (1 failing entry in 100). Memory is
// bounded by the decoder's buffer (about one entry) plus the kept entries.
func BenchmarkParseHAR(b *testing.B) {
	var buf bytes.Buffer
	genHAR(&buf, 10000, 100, 1800)
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		xs, err := Parse(bytes.NewReader(data), "har")
		if err != nil || len(xs) != 100 {
			b.Fatal(len(xs), err)
		}
	}
}

func FuzzParseHAR(f *testing.F) {
	for _, s := range []string{safariHAR, `{"log":{"entries":[]}}`, `{}`, `[`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Parse(bytes.NewReader(data), "har")
		_ = Detect(data)
	})
}

func FuzzParseCurl(f *testing.F) {
	for _, s := range []string{curlV, curlRedirectMTLS, curlHandshakeFail, curlI, rawH2, rawWithRequest} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Parse(bytes.NewReader(data), "curl")
		_, _ = Parse(bytes.NewReader(data), "http")
	})
}

// TestBodyLinesLikeTranscriptLines: body text that starts like "* ", "> " or "< " stays body
// text (a CSS rule in a proxy's page, a quoted request in an app's error), and a CONNECT
// request keeps its target.
func TestBodyLinesLikeTranscriptLines(t *testing.T) {
	raw := "HTTP/1.1 403 Forbidden\nContent-Type: text/plain\n\nYou asked:\n> quoted request\n< x\n* {\n"
	xs := parse(t, raw, "")
	if len(xs) != 1 || string(xs[0].Response.Body) != "You asked:\n> quoted request\n< x\n* {" {
		t.Fatalf("raw: %+v", xs)
	}
	cv := "*   Trying 127.0.0.1:3128...\n* Connected to 127.0.0.1 (127.0.0.1) port 3128 (#0)\n" +
		"> CONNECT api.example.com:443 HTTP/1.1\n> Host: api.example.com:443\n>\n" +
		"< HTTP/1.1 403 Forbidden\n< Server: squid/5.7\n<\n* {\n  margin: 0;\n}\n* Connection #0 to host 127.0.0.1 left intact\n"
	xs = parse(t, cv, "")
	if len(xs) != 1 || xs[0].Request.URL != "https://api.example.com" || string(xs[0].Response.Body) != "* {\n  margin: 0;\n}" {
		t.Fatalf("curl: %q %q", xs[0].Request.URL, xs[0].Response.Body)
	}
}

// TestAccessLogUnescapedQuotes: API Gateway writes $context values unescaped, so a message that
// quotes something makes the line invalid JSON; it is still read.
func TestAccessLogUnescapedQuotes(t *testing.T) {
	l := `{"requestId":"r-1","status":"415","errorMessage":"Unsupported Media Type","integrationError":"no template matches Content-Type "text/plain" and passthroughBehavior is NEVER","path":"/prod/x","httpMethod":"POST"}` + "\n"
	if got := Detect([]byte(l)); got != FormatAccessLog {
		t.Fatalf("detect %q", got)
	}
	xs := parse(t, l, "")
	f := xs[0].Fields
	if f["status"] != "415" || f["integration.error"] != `no template matches Content-Type "text/plain" and passthroughBehavior is NEVER` || xs[0].Request.Method != "POST" {
		t.Fatalf("%v", f)
	}
}
