package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/portcullis/portcullis/internal/apidef"
)

// seen is what an echo backend received.
type seen struct {
	Method, RequestURI, Host, Body string
	Header                         http.Header
}

// echoBackend answers every request with what it received as JSON, plus the response headers
// and status given.
func echoBackend(t *testing.T, status int, respHeader http.Header) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		for k, vs := range respHeader {
			w.Header()[k] = vs
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(seen{r.Method, r.RequestURI, r.Host, string(b), r.Header})
	}))
	t.Cleanup(s.Close)
	return s
}

func decodeSeen(t *testing.T, body string) seen {
	t.Helper()
	var s seen
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatalf("backend echo %q: %v", body, err)
	}
	return s
}

func hostOf(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }

func TestHTTPCustom(t *testing.T) {
	be := echoBackend(t, 201, header("X-Backend", "b1", "Content-Type", "text/plain", "Server", "nginx"))
	c := NewClient(Options{})
	in := &apidef.Integration{
		Type:       "HTTP",
		HTTPMethod: "PUT",
		URI:        "http://${stageVariables.host}/items/{id}/{rest}?fixed=1",
		RequestParameters: map[string]string{
			"integration.request.path.id":          "method.request.path.petId",
			"integration.request.querystring.q":    "method.request.querystring.search",
			"integration.request.querystring.all":  "method.request.multivaluequerystring.search",
			"integration.request.header.X-Tenant":  "'acme'",
			"integration.request.header.X-Stage":   "context.stage",
			"integration.request.header.X-Env":     "stageVariables.env",
			"integration.request.header.X-Copied":  "method.request.header.X-Client",
			"integration.request.querystring.none": "method.request.querystring.absent",
		},
		RequestTemplates: map[string]string{"application/json": `{"stage":"$context.stage","env":"$stageVariables.env"}`},
		Responses: []*apidef.IntegrationResponse{
			{SelectionPattern: "5\\d{2}", StatusCode: "502"},
			{SelectionPattern: "2\\d{2}", StatusCode: "200", ResponseParameters: map[string]string{
				"method.response.header.X-From":   "integration.response.header.X-Backend",
				"method.response.header.X-Body":   "integration.response.body.Method",
				"method.response.header.X-Absent": "integration.response.header.Nope",
			}},
		},
	}
	r, lb := newReq(t, in, "POST", "/pets/1?search=a%20b&search=c", `{"in":1}`,
		map[string]string{"Content-Type": "application/json", "X-Client": "cli", "X-Dropped": "d"})
	r.StageVariables["host"] = hostOf(be)
	r.PathParams["rest"] = "x y/z"
	resp := invokeOK(t, c, r)
	body := readBody(t, resp)
	if resp.Status != 200 || resp.IntegrationStatus != 201 {
		t.Errorf("status %d / integration %d", resp.Status, resp.IntegrationStatus)
	}
	want := header("Content-Type", "application/json", "X-From", "b1", "X-Body", "PUT")
	if d := cmp.Diff(want, resp.Header); d != "" {
		t.Errorf("method response headers (-want +got):\n%s", d)
	}
	got := decodeSeen(t, body) // passthrough: no response template
	if got.Method != "PUT" {
		t.Errorf("method %s", got.Method)
	}
	// {rest} is not greedy: its "/" (from an encoded %2F) stays encoded.
	if want := "/items/1/x%20y%2Fz?fixed=1&all=a+b%2Cc&q=c"; got.RequestURI != want {
		t.Errorf("request URI %q, want %q", got.RequestURI, want)
	}
	if got.Host != hostOf(be) {
		t.Errorf("Host %q", got.Host)
	}
	if got.Body != `{"stage":"prod","env":"test"}` {
		t.Errorf("body %q", got.Body)
	}
	for k, v := range map[string]string{"X-Tenant": "acme", "X-Stage": "prod", "X-Env": "test", "X-Copied": "cli",
		"User-Agent": "AmazonAPIGateway_a1b2c3d4e5", "X-Amzn-Apigateway-Api-Id": "a1b2c3d4e5", "Content-Type": "application/json", "X-Dropped": ""} {
		if g := got.Header.Get(k); g != v {
			t.Errorf("backend header %s = %q, want %q", k, g, v)
		}
	}
	if resp.URI != be.URL+"/items/1/x%20y%2Fz?fixed=1&all=a+b%2Cc&q=c" {
		t.Errorf("URI %q", resp.URI)
	}
	// Execution log, in AWS's order.
	wantPrefixes := []string{
		"Endpoint request URI: " + resp.URI,
		"Endpoint request headers: {",
		`Endpoint request body after transformations: {"stage":"prod","env":"test"}`,
		"Sending request to " + resp.URI,
		"Received response. Status: 201, Integration latency: ",
		"Endpoint response headers: {",
		"Endpoint response body before transformations: {",
		"Method response body after transformations: {",
	}
	lines := lb.all()
	if len(lines) != len(wantPrefixes) {
		t.Fatalf("log lines:\n%s", strings.Join(lines, "\n"))
	}
	for i, p := range wantPrefixes {
		if !strings.HasPrefix(lines[i], p) {
			t.Errorf("log line %d = %q, want prefix %q", i, lines[i], p)
		}
	}
	if !regexp.MustCompile(`^Received response\. Status: 201, Integration latency: \d+ ms$`).MatchString(lines[4]) {
		t.Errorf("latency line %q", lines[4])
	}
}

func TestHTTPCustomResponses(t *testing.T) {
	c := NewClient(Options{})
	be := echoBackend(t, 403, nil)
	in := &apidef.Integration{Type: "HTTP", HTTPMethod: "GET", URI: be.URL + "/x",
		Responses: []*apidef.IntegrationResponse{{SelectionPattern: "2\\d{2}", StatusCode: "200"}}}
	r, _ := newReq(t, in, "GET", "/pets/1", "", nil)
	resp, f := invoke(t, c, r)
	f = mustFail(t, resp, f, CauseConfigError,
		"Execution failed due to configuration error: No match for output mapping and no default output mapping configured. Endpoint Response Status Code: 403")
	if f.IntegrationStatus != 403 || f.URI != be.URL+"/x" {
		t.Errorf("failure %+v", f)
	}

	// A default with a response template replaces the body.
	in.Responses = append(in.Responses, &apidef.IntegrationResponse{StatusCode: "403",
		ResponseTemplates: map[string]string{"application/json": `{"denied":"$context.requestId"}`}})
	resp = invokeOK(t, c, r)
	if b := readBody(t, resp); resp.Status != 403 || b != `{"denied":"c0ffee00-0000-4000-8000-000000000001"}` {
		t.Errorf("got %d %q", resp.Status, b)
	}

	// passthroughBehavior NEVER with an unmapped Content-Type.
	in.PassthroughBehavior = "NEVER"
	r, _ = newReq(t, in, "POST", "/pets/1", "a=b", map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	resp, f = invoke(t, c, r)
	if f = mustFail(t, resp, f, CauseConfigError, ""); !IsUnsupportedMediaType(f) {
		t.Errorf("detail %q", f.Detail)
	}
}

func TestHTTPProxy(t *testing.T) {
	be := echoBackend(t, 401, header(
		"WWW-Authenticate", `Bearer realm="x"`, "Server", "nginx", "Content-MD5", "abc", "X-Custom", "1",
		"Set-Cookie", "a=1", "Set-Cookie", "b=2", "Content-Type", "application/json; charset=utf-8"))
	c := NewClient(Options{})
	in := &apidef.Integration{Type: "HTTP_PROXY", HTTPMethod: "ANY", URI: be.URL + "/base/{proxy}?k=v",
		RequestParameters: map[string]string{"integration.request.path.proxy": "method.request.path.proxy"}}
	r, _ := newReq(t, in, "DELETE", "/any/a/b%20c?b=2&a=1&a=3", "payload", map[string]string{
		"Authorization":    "Basic dXNlcjpwYXNz",
		"X-Forwarded-For":  "198.51.100.1",
		"Connection":       "close",
		"Expect":           "100-continue",
		"Accept":           "text/plain",
		"User-Agent":       "curl/8.5.0",
		"X-Amzn-Trace-Id":  "Root=1-5759e988-bd862e3fe1be46a994272793",
		"X-Custom-Request": "yes",
	})
	r.PathParams = map[string]string{"proxy": "a/b c"}
	r.ResourcePath = "/any/{proxy+}"
	resp := invokeOK(t, c, r)
	body := readBody(t, resp)
	if resp.Status != 401 || resp.IntegrationStatus != 401 {
		t.Errorf("status %d/%d", resp.Status, resp.IntegrationStatus)
	}
	got := decodeSeen(t, body)
	if got.Method != "DELETE" || got.RequestURI != "/base/a/b%20c?k=v&b=2&a=1&a=3" || got.Body != "payload" {
		t.Errorf("backend saw %s %s %q", got.Method, got.RequestURI, got.Body)
	}
	if got.Host != hostOf(be) {
		t.Errorf("Host %q", got.Host)
	}
	for k, v := range map[string]string{
		"Authorization":     "Basic dXNlcjpwYXNz",
		"X-Forwarded-For":   "198.51.100.1, 203.0.113.9",
		"X-Forwarded-Proto": "http",
		"X-Forwarded-Port":  "4570",
		"X-Amzn-Trace-Id":   "Root=1-5759e988-bd862e3fe1be46a994272793",
		"Accept":            "text/plain",
		"User-Agent":        "curl/8.5.0",
		"X-Custom-Request":  "yes",
		"Expect":            "",
		"Connection":        "",
	} {
		if g := got.Header.Get(k); g != v {
			t.Errorf("backend header %s = %q, want %q", k, g, v)
		}
	}
	h := resp.Header
	for k, v := range map[string]string{
		"X-Amzn-Remapped-Www-Authenticate": `Bearer realm="x"`,
		"X-Amzn-Remapped-Server":           "nginx",
		"X-Amzn-Remapped-Content-Md5":      "abc",
		"X-Amzn-Remapped-Content-Length":   h.Get("Content-Length"),
		"X-Amzn-Remapped-Date":             h.Get("X-Amzn-Remapped-Date"),
		"Www-Authenticate":                 "",
		"Server":                           "",
		"Date":                             "",
		"X-Custom":                         "1",
		"Content-Type":                     "application/json; charset=utf-8",
	} {
		if g := h.Get(k); g != v {
			t.Errorf("response header %s = %q, want %q", k, g, v)
		}
	}
	if h.Get("X-Amzn-Remapped-Date") == "" || h.Get("Content-Length") == "" {
		t.Errorf("missing remapped Date or Content-Length: %v", h)
	}
	if d := cmp.Diff([]string{"a=1", "b=2"}, h.Values("Set-Cookie")); d != "" {
		t.Errorf("Set-Cookie: %s", d)
	}
}

func TestHTTPProxySigV4Dropped(t *testing.T) {
	be := echoBackend(t, 200, nil)
	c := NewClient(Options{})
	in := &apidef.Integration{Type: "HTTP_PROXY", HTTPMethod: "GET", URI: be.URL + "/"}
	r, lb := newReq(t, in, "POST", "/", "", map[string]string{
		"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240309/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=abc",
		"X-Api-Key":     "0123456789abcdefghij",
	})
	resp := invokeOK(t, c, r)
	got := decodeSeen(t, readBody(t, resp))
	if got.Method != "GET" {
		t.Errorf("method %s: the integration's httpMethod wins over the client's", got.Method)
	}
	if a := got.Header.Get("Authorization"); a != "" {
		t.Errorf("SigV4 Authorization forwarded: %q", a)
	}
	if !regexp.MustCompile(fmt.Sprintf(`^Root=1-%08x-[0-9a-f]{24}$`, testTime.Unix())).MatchString(got.Header.Get("X-Amzn-Trace-Id")) {
		t.Errorf("trace id %q", got.Header.Get("X-Amzn-Trace-Id"))
	}
	var hdrLine string
	for _, l := range lb.all() {
		if strings.HasPrefix(l, "Endpoint request headers: ") {
			hdrLine = l
		}
	}
	if !strings.Contains(hdrLine, "X-Api-Key=**************efghij") || strings.Contains(hdrLine, "0123456789") {
		t.Errorf("x-api-key not masked: %s", hdrLine)
	}
}

func TestHTTPProxyStreamingAndTimeout(t *testing.T) {
	release := make(chan struct{})
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/stream":
			w.WriteHeader(200)
			_, _ = io.WriteString(w, "first;")
			w.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
			_, _ = io.WriteString(w, "second")
		case "/slow":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	defer be.Close()
	defer close(release) // runs before be.Close
	c := NewClient(Options{})

	// The timeout only runs until the response headers: the stream outlives it.
	in := &apidef.Integration{Type: "HTTP_PROXY", HTTPMethod: "GET", URI: be.URL + "/stream", TimeoutInMillis: 100}
	r, _ := newReq(t, in, "GET", "/", "", nil)
	resp := invokeOK(t, c, r)
	if resp.Header.Get("Content-Length") != "" {
		t.Errorf("Content-Length on a chunked response: %v", resp.Header)
	}
	buf := make([]byte, 6)
	if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "first;" {
		t.Fatalf("first chunk %q, %v", buf, err)
	}
	time.Sleep(150 * time.Millisecond) // past the integration timeout
	go func() { release <- struct{}{} }()
	rest, err := io.ReadAll(resp.Body)
	if err != nil || string(rest) != "second" {
		t.Errorf("rest %q, %v", rest, err)
	}
	resp.Body.Close()

	// No headers within TimeoutInMillis → integration-timeout.
	in = &apidef.Integration{Type: "HTTP_PROXY", HTTPMethod: "GET", URI: be.URL + "/slow", TimeoutInMillis: 50}
	r, lb := newReq(t, in, "GET", "/", "", nil)
	start := time.Now()
	resp2, f := invoke(t, c, r)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("timeout took %v", d)
	}
	f = mustFail(t, resp2, f, CauseTimeout, "Execution failed due to a timeout error")
	if f.URI != be.URL+"/slow" || !lb.has("Execution failed due to a timeout error") {
		t.Errorf("failure %+v, log %q", f, lb.all())
	}

	// Custom HTTP integrations must have the whole body within the timeout.
	in = &apidef.Integration{Type: "HTTP", HTTPMethod: "GET", URI: be.URL + "/stream", TimeoutInMillis: 80,
		Responses: []*apidef.IntegrationResponse{{StatusCode: "200"}}}
	r, _ = newReq(t, in, "GET", "/", "", nil)
	resp3, f := invoke(t, c, r)
	mustFail(t, resp3, f, CauseTimeout, "Execution failed due to a timeout error")
}

func TestHTTPFailures(t *testing.T) {
	c := NewClient(Options{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()

	tls := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "secure") }))
	tls.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are expected
	tls.StartTLS()
	defer tls.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(tls.URL, "https://"))

	tests := []struct {
		name     string
		in       apidef.Integration
		cause    string
		detail   string
		wantBody string
	}{
		{name: "connection refused", in: apidef.Integration{URI: closed + "/"}, cause: CauseFailure},
		{name: "missing stage variable", in: apidef.Integration{URI: "http://${stageVariables.nope}/x"}, cause: CauseConfigError,
			detail: "Execution failed due to configuration error: Invalid endpoint address"},
		{name: "not http", in: apidef.Integration{URI: "ftp://example.com/"}, cause: CauseConfigError,
			detail: "Execution failed due to configuration error: Invalid endpoint address"},
		{name: "unresolvable host", in: apidef.Integration{URI: "http://nonexistent.invalid/"}, cause: CauseConfigError,
			detail: "Execution failed due to configuration error: Invalid endpoint address"},
		{name: "untrusted certificate", in: apidef.Integration{URI: tls.URL + "/"}, cause: CauseConfigError,
			detail: "Execution failed due to configuration error: General SSLEngine problem"},
		{name: "insecureSkipVerification", in: apidef.Integration{URI: tls.URL + "/", InsecureSkipVerify: true}, wantBody: "secure"},
		{name: "insecureSkipVerification still checks the host name", in: apidef.Integration{URI: "https://localhost:" + port + "/", InsecureSkipVerify: true},
			cause: CauseConfigError, detail: "Execution failed due to configuration error: Host name 'localhost' does not match the certificate subject provided by the peer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Type = "HTTP_PROXY"
			in.HTTPMethod = "GET"
			r, lb := newReq(t, &in, "GET", "/", "", nil)
			resp, f := invoke(t, c, r)
			if tt.cause == "" {
				resp = mustOK(t, resp, f)
				if b := readBody(t, resp); b != tt.wantBody {
					t.Errorf("body %q", b)
				}
				return
			}
			f = mustFail(t, resp, f, tt.cause, tt.detail)
			if !lb.has(f.Detail) {
				t.Errorf("detail not logged: %q", lb.all())
			}
		})
	}
}

// Values taken from the client can never climb out of the integration URI's path: dot segments
// are escaped, and a single-segment parameter keeps an encoded "/" encoded.
func TestEndpointURINoTraversal(t *testing.T) {
	k := &call{c: NewClient(Options{}), Request: &Request{Integration: &apidef.Integration{URI: "http://backend/pets/{id}/{rest}"},
		ResourcePath: "/pets/{id}/{rest+}", PathParams: map[string]string{"id": "../admin", "rest": "a/../../b/./c"}}}
	u, _, f := k.endpointURI(nil)
	if f != nil {
		t.Fatal(f)
	}
	if got, want := u.EscapedPath(), "/pets/..%2Fadmin/a/%2E%2E/%2E%2E/b/%2E/c"; got != want {
		t.Errorf("path %q, want %q", got, want)
	}
}
