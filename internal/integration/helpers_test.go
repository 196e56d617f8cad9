package integration

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portcullis/portcullis/internal/apidef"
)

// logBuf collects execution-log lines.
type logBuf struct {
	mu    sync.Mutex
	lines []string
}

func (l *logBuf) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
}

func (l *logBuf) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

func (l *logBuf) has(prefix string) bool {
	for _, s := range l.all() {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

var testTime = time.Date(2024, time.March, 9, 8, 7, 6, 5_000_000, time.UTC)

// newReq builds a Request for the client request method/target (target is
// "/pets/1?x=y", relative to the stage), with the usual identifiers filled.
func newReq(t *testing.T, in *apidef.Integration, method, target string, body string, hdr map[string]string) (*Request, *logBuf) {
	t.Helper()
	var rb io.Reader
	if body != "" {
		rb = strings.NewReader(body)
	}
	hr := httptest.NewRequest(method, "http://a1b2c3d4e5.execute-api.localhost:4570/prod"+target, rb)
	hr.RemoteAddr = "203.0.113.9:5555"
	for k, v := range hdr {
		hr.Header.Set(k, v)
	}
	path, _, _ := strings.Cut(target, "?")
	lb := &logBuf{}
	return &Request{
		Integration:       in,
		Method:            &apidef.Method{HTTPMethod: method, Integration: in},
		In:                hr,
		Body:              []byte(body),
		APIID:             "a1b2c3d4e5",
		AccountID:         "123456789012",
		Region:            "us-east-1",
		Stage:             "prod",
		DeploymentID:      "d1",
		ResourcePath:      "/pets/{petId}",
		ResourceID:        "abc123",
		Path:              path,
		FullPath:          "/prod" + path,
		PathParams:        map[string]string{"petId": "1"},
		StageVariables:    map[string]string{"env": "test"},
		RequestID:         "c0ffee00-0000-4000-8000-000000000001",
		ExtendedRequestID: "N7SvJHWQDoEEXeA=",
		RequestTime:       testTime,
		SourceIP:          "203.0.113.9",
		UserAgent:         "curl/8.5.0",
		DomainName:        "a1b2c3d4e5.execute-api.localhost",
		DomainPrefix:      "a1b2c3d4e5",
		Protocol:          "HTTP/1.1",
		Log:               lb.add,
	}, lb
}

func readBody(t *testing.T, resp *Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func invoke(t *testing.T, c *Client, r *Request) (*Response, *Failure) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c.Invoke(ctx, r)
}

// mustFail asserts a Failure with the cause and Detail.
func mustFail(t *testing.T, resp *Response, f *Failure, cause, detail string) *Failure {
	t.Helper()
	if resp != nil {
		resp.Body.Close()
		t.Fatalf("got response %d, want failure %s", resp.Status, cause)
	}
	if f == nil {
		t.Fatalf("no failure")
	}
	if f.Cause != cause {
		t.Errorf("cause %q, want %q (detail %q)", f.Cause, cause, f.Detail)
	}
	if detail != "" && f.Detail != detail {
		t.Errorf("detail\n got %q\nwant %q", f.Detail, detail)
	}
	return f
}

func mustOK(t *testing.T, resp *Response, f *Failure) *Response {
	t.Helper()
	if f != nil {
		t.Fatalf("failure %s: %s", f.Cause, f.Detail)
	}
	return resp
}

// header is a convenience for building expected headers.
func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func invokeOK(t *testing.T, c *Client, r *Request) *Response {
	t.Helper()
	resp, f := invoke(t, c, r)
	return mustOK(t, resp, f)
}
