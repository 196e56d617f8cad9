package lambdatest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

type greeting struct {
	Name string `json:"name"`
}

func post(t *testing.T, s *Server, fn, body string) (*http.Response, string) {
	t.Helper()
	u := s.URL() + "/2015-03-31/functions/" + url.PathEscape(fn) + "/invocations"
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Invocation-Type", "RequestResponse")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestInvoke(t *testing.T) {
	const arn = "arn:aws:lambda:eu-west-1:111122223333:function:hello"
	s := New(map[string]any{
		arn: func(g greeting) (map[string]string, error) {
			return map[string]string{"hello": g.Name}, nil
		},
		"fails": func() error { return errors.New("boom") },
		"panics": func() (string, error) {
			panic("kaboom")
		},
		"ctx": func(ctx context.Context) (string, error) {
			lc, _ := lambdacontext.FromContext(ctx)
			return lc.InvokedFunctionArn, nil
		},
	})
	defer s.Close()

	tests := []struct {
		name, fn, body string
		status         int
		wantBody       string
		funcErr        string
		errType        string
	}{
		{"by arn", arn, `{"name":"ann"}`, 200, `{"hello":"ann"}`, "", ""},
		{"by name", "hello", `{"name":"bob"}`, 200, `{"hello":"bob"}`, "", ""},
		{"by other arn with same name", "arn:aws:lambda:us-east-1:123456789012:function:hello", `{}`, 200, `{"hello":""}`, "", ""},
		{"handler error", "fails", `{}`, 200, `{"errorMessage":"boom","errorType":"errorString"}`, "Unhandled", ""},
		{"panic", "panics", `{}`, 200, `{"errorMessage":"kaboom","errorType":"string"}`, "Unhandled", ""},
		{"context", "ctx", `{}`, 200, `"arn:aws:lambda:us-east-1:123456789012:function:ctx"`, "", ""},
		{"unknown by name", "nope", `{}`, 404, `{"Type":"User","message":"Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"}`, "", "ResourceNotFoundException"},
		{"unknown by arn", "arn:aws:lambda:us-west-2:999:function:x", `{}`, 404, `{"Type":"User","message":"Function not found: arn:aws:lambda:us-west-2:999:function:x"}`, "", "ResourceNotFoundException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := post(t, s, tt.fn, tt.body)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if body != tt.wantBody {
				t.Errorf("body %s, want %s", body, tt.wantBody)
			}
			if got := resp.Header.Get("X-Amz-Function-Error"); got != tt.funcErr {
				t.Errorf("X-Amz-Function-Error %q, want %q", got, tt.funcErr)
			}
			if got := resp.Header.Get("X-Amzn-ErrorType"); got != tt.errType {
				t.Errorf("x-amzn-ErrorType %q, want %q", got, tt.errType)
			}
			if resp.Header.Get("X-Amzn-Requestid") == "" {
				t.Error("no x-amzn-RequestId")
			}
			if tt.status == 200 && resp.Header.Get("X-Amz-Executed-Version") != "$LATEST" {
				t.Errorf("X-Amz-Executed-Version %q", resp.Header.Get("X-Amz-Executed-Version"))
			}
		})
	}
	if n := s.Invocations("hello"); n != 3 {
		t.Errorf("Invocations(hello) = %d, want 3", n)
	}
	if n := s.Invocations(arn); n != 3 {
		t.Errorf("Invocations(arn) = %d, want 3", n)
	}
	if n := s.Invocations("nope"); n != 0 {
		t.Errorf("Invocations(nope) = %d", n)
	}
}

func TestFaults(t *testing.T) {
	s := New(map[string]any{"f": func() (string, error) { return "ok", nil }})
	defer s.Close()

	s.SetFault("f", Fault{Raw: true, Status: 429, Header: http.Header{"X-Amzn-Errortype": {"TooManyRequestsException"}}, Body: []byte(`{"message":"Rate Exceeded."}`)})
	resp, body := post(t, s, "f", `{}`)
	if resp.StatusCode != 429 || body != `{"message":"Rate Exceeded."}` || resp.Header.Get("X-Amzn-ErrorType") != "TooManyRequestsException" {
		t.Errorf("raw fault: %d %s %v", resp.StatusCode, body, resp.Header)
	}

	s.SetFault("f", Fault{Delay: 50 * time.Millisecond})
	start := time.Now()
	resp, body = post(t, s, "f", `{}`)
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("delay not applied: %v", d)
	}
	if resp.StatusCode != 200 || body != `"ok"` {
		t.Errorf("delayed: %d %s", resp.StatusCode, body)
	}

	// A delayed invocation whose caller gives up does not block Close.
	s.SetFault("f", Fault{Delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/2015-03-31/functions/f/invocations", strings.NewReader("{}"))
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Error("expected a timeout")
	}

	s.SetFault("f", Fault{})
	if _, body = post(t, s, "f", `{}`); body != `"ok"` {
		t.Errorf("after clearing: %s", body)
	}
	if n := s.Invocations("f"); n != 4 {
		t.Errorf("Invocations = %d, want 4", n)
	}
}
