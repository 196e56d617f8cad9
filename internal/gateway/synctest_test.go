package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/demo"
	"github.com/portcullis/portcullis/internal/gateway"
	"github.com/portcullis/portcullis/internal/lambdatest"
	"github.com/portcullis/portcullis/internal/limits"
	"github.com/portcullis/portcullis/internal/store"
)

// handlerTransport serves HTTP requests with an in-process handler: the Lambda Invoke API
// server is the real one (lambdatest), only the socket is skipped, so that everything runs
// inside a synctest bubble whose clock the test controls.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// bubbleGateway builds the demo world's gateway inside a synctest bubble.
func bubbleGateway(t *testing.T) (http.Handler, *lambdatest.Server, *store.Memory) {
	w, err := demo.Load(t.TempDir(), "lambda.invalid")
	if err != nil {
		t.Fatal(err)
	}
	for _, api := range w.APIList {
		for _, st := range api.StageList {
			st.AccessLog = nil
		}
	}
	lam := lambdatest.NewHandler(demo.Functions())
	lim, err := limits.NewEmbedded("", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lim.Close() })
	mem := store.NewMemory(100)
	gw := gateway.New(w, gateway.Options{Decisions: mem, Limits: lim, Transport: handlerTransport{lam.Handler()}})
	return gw.Handler("default"), lam, mem
}

func get(h http.Handler, host, path string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "http://"+host+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// The Lambda authorizer's result cache: a hit within authorizerResultTtlInSeconds (300 s) does
// not invoke the function, and the entry expires after it (facts §4.1).
func TestAuthorizerCacheTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, lam, mem := bubbleGateway(t)
		const host = "authdemo01.execute-api.localhost"
		fn := "arn:aws:lambda:us-east-1:123456789012:function:demo-auth"
		call := func(want int) *httptest.ResponseRecorder {
			t.Helper()
			rec := get(h, host, "/prod/items", "Authorization", "allow")
			if rec.Code != 200 {
				t.Fatalf("status %d %s", rec.Code, rec.Body)
			}
			if got := lam.Invocations(fn); got != want {
				t.Fatalf("invocations = %d, want %d", got, want)
			}
			return rec
		}
		call(1) // miss
		time.Sleep(299 * time.Second)
		rec := call(1)                                       // hit
		d, _ := mem.Get(rec.Header()["x-amzn-RequestId"][0]) // the gateway writes AWS's header casing
		if d == nil || !strings.Contains(checkDetail(d.Checks, "authorizer"), "(cached)") {
			t.Errorf("decision does not say the policy came from the cache: %+v", d)
		}
		time.Sleep(2 * time.Second)
		call(2) // expired: invoked again
		// A different token is a different cache key.
		if rec := get(h, host, "/prod/items", "Authorization", "deny"); rec.Code != 403 || lam.Invocations(fn) != 3 {
			t.Fatalf("deny: %d, invocations %d", rec.Code, lam.Invocations(fn))
		}
	})
}

// Throttle refill and the daily quota of the demo plan (burst 2, 1 request per second, 5 a
// day, UTC days).
func TestUsagePlanThrottleAndQuotaTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, _, _ := bubbleGateway(t)
		const host = "keysdemo01.execute-api.localhost"
		status := func() int {
			return get(h, host, "/prod/quota", "x-api-key", "demo0123456789abcdef").Code
		}
		seq := []int{status(), status(), status()}
		if seq[0] != 200 || seq[1] != 200 || seq[2] != 429 {
			t.Fatalf("burst: %v, want [200 200 429]", seq)
		}
		time.Sleep(time.Second) // one token refilled
		if s := status(); s != 200 {
			t.Fatalf("after 1 s: %d", s)
		}
		for i := 0; i < 2; i++ {
			time.Sleep(time.Second)
			if s := status(); s != 200 {
				t.Fatalf("request %d: %d", 4+i, s)
			}
		}
		time.Sleep(time.Second)
		rec := get(h, host, "/prod/quota", "x-api-key", "demo0123456789abcdef")
		if rec.Code != 429 || rec.Body.String() != `{"message":"Limit Exceeded"}` || rec.Header()["x-amzn-ErrorType"][0] != "LimitExceededException" {
			t.Fatalf("6th request today: %d %s %v", rec.Code, rec.Body, rec.Header())
		}
		// The quota period is the UTC day: the next day the key works again.
		now := time.Now().UTC()
		next := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 1, 0, time.UTC)
		time.Sleep(next.Sub(now))
		if s := status(); s != 200 {
			t.Fatalf("next day: %d", s)
		}
	})
}

func checkDetail(cs []decision.Check, name string) string {
	for _, c := range cs {
		if c.Check == name {
			return c.Detail
		}
	}
	return ""
}
