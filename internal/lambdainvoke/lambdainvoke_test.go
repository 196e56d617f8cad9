package lambdainvoke

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/go-cmp/cmp"
	"github.com/portcullis/portcullis/internal/lambdatest"
)

const fnARN = "arn:aws:lambda:us-east-1:123456789012:function:auth"

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestURL(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		fn        string
		want      string
		wantEndpt string
		err       error
	}{
		{name: "lambda.endpoint", opts: Options{Endpoint: "http://127.0.0.1:3001/"}, fn: fnARN,
			want: "http://127.0.0.1:3001/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations", wantEndpt: "http://127.0.0.1:3001/"},
		{name: "escaped", opts: Options{Endpoint: "http://h"}, fn: "arn:aws:lambda:us-east-1:1:function:a b/c",
			want: "http://h/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:a%20b%2Fc/invocations", wantEndpt: "http://h"},
		{name: "per-function base URL", opts: Options{Endpoint: "http://x", Functions: map[string]string{fnARN: "http://127.0.0.1:9001"}}, fn: fnARN,
			want: "http://127.0.0.1:9001/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations", wantEndpt: "http://127.0.0.1:9001"},
		{name: "per-function invocations URL (aws-lambda-rie)", opts: Options{Functions: map[string]string{fnARN: "http://127.0.0.1:9001/2015-03-31/functions/function/invocations"}}, fn: fnARN,
			want: "http://127.0.0.1:9001/2015-03-31/functions/function/invocations", wantEndpt: "http://127.0.0.1:9001/2015-03-31/functions/function/invocations"},
		{name: "other function falls back", opts: Options{Endpoint: "http://x", Functions: map[string]string{fnARN: "http://y"}}, fn: "arn:aws:lambda:us-east-1:1:function:other",
			want: "http://x/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:other/invocations", wantEndpt: "http://x"},
		{name: "none", opts: Options{}, fn: fnARN, err: ErrNoEndpoint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewClient(tt.opts)
			got, err := c.URL(tt.fn)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			if got != tt.want {
				t.Errorf("URL %q, want %q", got, tt.want)
			}
			if e := c.Endpoint(tt.fn); e != tt.wantEndpt {
				t.Errorf("Endpoint %q, want %q", e, tt.wantEndpt)
			}
		})
	}
}

func TestIsInvocationsURL(t *testing.T) {
	for in, want := range map[string]bool{
		"http://127.0.0.1:9001/2015-03-31/functions/function/invocations": true,
		"http://h/prefix/2015-03-31/functions/arn%3Aaws%3Ax/invocations":  true,
		"http://127.0.0.1:9001":                                            false,
		"http://127.0.0.1:9001/2015-03-31/functions//invocations":          false,
		"http://127.0.0.1:9001/2015-03-31/functions/a/b/invocations":       false,
		"http://127.0.0.1:9001/2015-03-31/functions/function/invocations/": false,
		"%zz": false,
	} {
		if got := IsInvocationsURL(in); got != want {
			t.Errorf("IsInvocationsURL(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestIsErrorPayload(t *testing.T) {
	for in, want := range map[string]bool{
		`{"errorMessage":"Unauthorized","errorType":"errorString"}`:                      true,
		`{"errorType":"Error","errorMessage":"x","trace":["Error: x","at f"]}`:           true,
		`{"errorMessage":"p","errorType":"string","stackTrace":[{"path":"a","line":1}]}`: true,
		`{"errorMessage":"x","errorType":"E","requestId":"r","stackTrace":[]}`:           true,
		`{"errorMessage":"x"}`:                                   false,
		`{"errorMessage":"x","errorType":null}`:                  false,
		`{"errorMessage":1,"errorType":"E"}`:                     false,
		`{"errorMessage":"x","errorType":"E","principalId":"u"}`: false,
		`{"statusCode":200,"errorMessage":"x","errorType":"E"}`:  false,
		`null`:                                   false,
		`"errorMessage"`:                         false,
		`[{"errorMessage":"x","errorType":"E"}]`: false,
		`{"errorMessage":"x","errorType":"E"} trailing`: false,
	} {
		if got := IsErrorPayload([]byte(in)); got != want {
			t.Errorf("IsErrorPayload(%s) = %v, want %v", in, got, want)
		}
	}
}

func TestInvokeLambdatest(t *testing.T) {
	s := lambdatest.New(map[string]any{
		fnARN:    func(in map[string]string) (map[string]string, error) { return map[string]string{"echo": in["v"]}, nil },
		"broken": func() (string, error) { return "", errors.New("boom") },
	})
	defer s.Close()
	c := NewClient(Options{Endpoint: s.URL()})

	res, err := c.Invoke(ctx(t), fnARN, []byte(`{"v":"hi"}`), "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/authorizers/abc123")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || string(res.Payload) != `{"echo":"hi"}` || res.FunctionError != "" || len(res.RequestID) != 36 || res.Latency <= 0 {
		t.Errorf("result %+v payload %s", res, res.Payload)
	}

	res, err = c.Invoke(ctx(t), "arn:aws:lambda:us-east-1:123456789012:function:broken", []byte(`{}`), "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || res.FunctionError != "Unhandled" || string(res.Payload) != `{"errorMessage":"boom","errorType":"errorString"}` {
		t.Errorf("function error: %+v %s", res, res.Payload)
	}
	if msg, ok := ErrorMessage(res.Payload); !ok || msg != "boom" {
		t.Errorf("ErrorMessage = %q %v", msg, ok)
	}

	// aws-lambda-rie's shape: no header, the error object as the 200 body.
	s.SetFault(fnARN, lambdatest.Fault{Raw: true, Body: []byte(`{"errorMessage":"Unauthorized","errorType":"errorString"}`)})
	res, err = c.Invoke(ctx(t), fnARN, nil, "")
	if err != nil || res.FunctionError != FunctionErrorUnhandled {
		t.Errorf("header-less error: %+v %v", res, err)
	}
	// Non-200 statuses are results, not errors, and never function errors.
	s.SetFault(fnARN, lambdatest.Fault{Raw: true, Status: 502, Body: []byte(`{"errorMessage":"p","errorType":"string"}`)})
	res, err = c.Invoke(ctx(t), fnARN, nil, "")
	if err != nil || res.Status != 502 || res.FunctionError != "" {
		t.Errorf("502: %+v %v", res, err)
	}
	s.SetFault(fnARN, lambdatest.Fault{})

	// 404 from the Invoke API.
	res, err = c.Invoke(ctx(t), "arn:aws:lambda:us-east-1:123456789012:function:missing", nil, "")
	if err != nil || res.Status != 404 {
		t.Errorf("missing: %+v %v", res, err)
	}
}

// recorder is an Invoke API stand-in that records the requests it gets.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	body [][]byte
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, r.Clone(context.Background()))
	rc.body = append(rc.body, b)
	rc.mu.Unlock()
	w.Header().Set("x-amzn-RequestId", "11111111-2222-3333-4444-555555555555")
	_, _ = w.Write([]byte(`{"ok":true}`))
}

func (rc *recorder) last(t *testing.T) (*http.Request, []byte) {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.reqs) == 0 {
		t.Fatal("no request")
	}
	return rc.reqs[len(rc.reqs)-1], rc.body[len(rc.body)-1]
}

func TestRequestHeaders(t *testing.T) {
	rc := &recorder{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	c := NewClient(Options{Endpoint: srv.URL})
	src := "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/authorizers/abc123"
	res, err := c.Do(ctx(t), &Request{FunctionARN: fnARN, Payload: []byte(`{"a":1}`), SourceARN: src,
		Header: http.Header{"User-Agent": {"AmazonAPIGateway_a1b2c3d4e5"}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.RequestID != "11111111-2222-3333-4444-555555555555" {
		t.Errorf("RequestID %q", res.RequestID)
	}
	r, body := rc.last(t)
	got := map[string]string{"method": r.Method, "path": r.URL.EscapedPath(), "body": string(body)}
	for _, h := range []string{"Content-Type", "X-Amz-Invocation-Type", "X-Amz-Source-Arn", "User-Agent", "Authorization"} {
		got[h] = r.Header.Get(h)
	}
	want := map[string]string{
		"method": "POST", "path": "/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations",
		"body": `{"a":1}`, "Content-Type": "application/json", "X-Amz-Invocation-Type": "RequestResponse",
		"X-Amz-Source-Arn": src, "User-Agent": "AmazonAPIGateway_a1b2c3d4e5", "Authorization": "",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("request (-want +got):\n%s", d)
	}
}

func TestInvokeErrors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()

	var ie *InvokeError
	_, err = NewClient(Options{Endpoint: dead}).Invoke(ctx(t), fnARN, nil, "")
	if !errors.As(err, &ie) || ie.Endpoint != dead || !strings.HasPrefix(ie.URL, dead+"/2015-03-31/") {
		t.Errorf("unreachable: %v", err)
	}
	_, err = NewClient(Options{}).Invoke(ctx(t), fnARN, nil, "")
	if !errors.Is(err, ErrNoEndpoint) {
		t.Errorf("no endpoint: %v", err)
	}
	_, err = NewClient(Options{Endpoint: "::not a url"}).Invoke(ctx(t), fnARN, nil, "")
	if !errors.Is(err, ErrInvalidEndpoint) {
		t.Errorf("invalid endpoint: %v", err)
	}

	// A cancelled context (the caller's timeout) is an error.
	s := lambdatest.New(map[string]any{fnARN: func() (string, error) { return "x", nil }})
	defer s.Close()
	s.SetFault(fnARN, lambdatest.Fault{Delay: 5 * time.Second})
	c2, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = NewClient(Options{Endpoint: s.URL()}).Invoke(c2, fnARN, nil, "")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 3*time.Second {
		t.Errorf("timeout: %v after %v", err, time.Since(start))
	}
}

// verifySignature re-signs the received request with the same credentials and time and
// compares the Authorization headers: it proves the request was signed for service lambda in
// region and not changed after signing.
func verifySignature(t *testing.T, r *http.Request, body []byte, creds aws.Credentials, region string) {
	t.Helper()
	auth := r.Header.Get("Authorization")
	wantPrefix := "AWS4-HMAC-SHA256 Credential=" + creds.AccessKeyID + "/"
	if !strings.HasPrefix(auth, wantPrefix) || !strings.Contains(auth, "/"+region+"/lambda/aws4_request") {
		t.Fatalf("Authorization %q", auth)
	}
	signedAt, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		t.Fatal(err)
	}
	if creds.SessionToken != "" && r.Header.Get("X-Amz-Security-Token") != creds.SessionToken {
		t.Errorf("X-Amz-Security-Token %q", r.Header.Get("X-Amz-Security-Token"))
	}
	check, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	for k, vs := range r.Header {
		switch k {
		case "Authorization", "X-Amz-Date", "X-Amz-Security-Token", "Accept-Encoding", "Content-Length":
			continue
		}
		check.Header[k] = vs
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, check, hex.EncodeToString(sum[:]), "lambda", region, signedAt); err != nil {
		t.Fatal(err)
	}
	if got := check.Header.Get("Authorization"); got != auth {
		t.Errorf("signature does not verify:\n got %s\nwant %s", auth, got)
	}
}

// toServer sends every request to the test server whatever its URL host, keeping the Host.
type toServer struct{ addr string }

func (ts toServer) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.URL.Host = ts.addr
	r2.Host = r.URL.Host
	return http.DefaultTransport.RoundTrip(r2)
}

func TestSigning(t *testing.T) {
	rc := &recorder{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", SessionToken: "tok"}
	static := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil })

	t.Run("forced, region from ARN", func(t *testing.T) {
		c := NewClient(Options{Endpoint: srv.URL, ForceSign: true, Credentials: static})
		if _, err := c.Invoke(ctx(t), "arn:aws:lambda:eu-west-3:123456789012:function:f", []byte(`{"x":1}`), "arn:src"); err != nil {
			t.Fatal(err)
		}
		r, body := rc.last(t)
		verifySignature(t, r, body, creds, "eu-west-3")
	})
	t.Run("AWS host is signed with its region", func(t *testing.T) {
		c := NewClient(Options{Endpoint: "http://lambda.ap-south-1.amazonaws.com", Credentials: static,
			Transport: toServer{strings.TrimPrefix(srv.URL, "http://")}})
		if _, err := c.Invoke(ctx(t), fnARN, []byte(`{}`), ""); err != nil {
			t.Fatal(err)
		}
		r, body := rc.last(t)
		if r.Host != "lambda.ap-south-1.amazonaws.com" {
			t.Fatalf("Host %q", r.Host)
		}
		verifySignature(t, r, body, creds, "ap-south-1")
	})
	t.Run("loopback is not signed", func(t *testing.T) {
		c := NewClient(Options{Endpoint: srv.URL, Credentials: static})
		if _, err := c.Invoke(ctx(t), fnARN, nil, ""); err != nil {
			t.Fatal(err)
		}
		if r, _ := rc.last(t); r.Header.Get("Authorization") != "" {
			t.Error("signed")
		}
	})
	t.Run("default credential chain", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "secretfromenv")
		t.Setenv("AWS_SESSION_TOKEN", "")
		t.Setenv("AWS_PROFILE", "")
		t.Setenv("AWS_CONFIG_FILE", dir+"/config")
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", dir+"/credentials")
		t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
		c := NewClient(Options{Endpoint: srv.URL, ForceSign: true, Region: "us-west-2"})
		if _, err := c.Invoke(ctx(t), fnARN, []byte(`{}`), ""); err != nil {
			t.Fatal(err)
		}
		r, body := rc.last(t)
		verifySignature(t, r, body, aws.Credentials{AccessKeyID: "AKIDFROMENV", SecretAccessKey: "secretfromenv"}, "us-west-2")
	})
	t.Run("credentials failure", func(t *testing.T) {
		bad := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return aws.Credentials{}, errors.New("no creds") })
		_, err := NewClient(Options{Endpoint: srv.URL, ForceSign: true, Credentials: bad}).Invoke(ctx(t), fnARN, nil, "")
		if !errors.Is(err, ErrCredentials) {
			t.Errorf("err %v", err)
		}
	})
}

func FuzzIsErrorPayload(f *testing.F) {
	for _, s := range []string{`{"errorMessage":"x","errorType":"E"}`, `null`, `{}`, `[`, `{"errorMessage":"x","errorType":"E","trace":[]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if IsErrorPayload(b) {
			if _, ok := ErrorMessage(b); !ok {
				t.Errorf("error payload without errorMessage: %s", b)
			}
		}
	})
}

func FuzzURL(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:9001", "http://h/2015-03-31/functions/function/invocations", "%zz", ""} {
		f.Add(s, fnARN)
	}
	f.Fuzz(func(t *testing.T, endpoint, fn string) {
		c := NewClient(Options{Functions: map[string]string{fn: endpoint}})
		u, err := c.URL(fn)
		if err == nil && IsInvocationsURL(endpoint) && u != endpoint {
			t.Errorf("invocations URL %q rewritten to %q", endpoint, u)
		}
	})
}
