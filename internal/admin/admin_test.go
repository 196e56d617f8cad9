package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/portcullis/portcullis/internal/limits"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/metrics"
	"github.com/portcullis/portcullis/internal/store"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func mk(id string, at time.Time, status int, cause, api, stage string) *decision.Decision {
	return &decision.Decision{
		Version: decision.Version, RequestID: id, ExtendedRequestID: "ext-" + id, Time: at,
		Request: decision.Request{Method: "GET", Host: api + ".execute-api.localhost", Path: "/" + stage + "/pets", SourceIP: "127.0.0.1", Listener: "default"},
		API:     decision.API{RestAPIID: api, Stage: stage, ResourcePath: "/pets", HTTPMethod: "GET"},
		Outcome: decision.Deny, Status: status, Cause: cause, Reason: "because <" + id + ">",
		Checks: []decision.Check{{Check: "endpoint", Result: decision.Pass}},
	}
}

func dataset() []*decision.Decision {
	return []*decision.Decision{
		mk("r0", t0, 200, "", "aaaaaaaaaa", "prod"),
		mk("r1", t0.Add(1*time.Minute), 403, "waf-blocked", "aaaaaaaaaa", "prod"),
		mk("r2", t0.Add(2*time.Minute), 403, "policy-no-allow", "aaaaaaaaaa", "dev"),
		mk("r3", t0.Add(3*time.Minute), 429, "throttled", "bbbbbbbbbb", "prod"),
		mk("x y/z", t0.Add(4*time.Minute), 403, "waf-blocked", "bbbbbbbbbb", "prod"),
	}
}

type fixture struct {
	srv  *httptest.Server
	data []*decision.Decision
	m    *metrics.Metrics
}

func newFixture(t *testing.T, o Options) *fixture {
	t.Helper()
	f := &fixture{data: dataset(), m: metrics.New()}
	mem := store.NewMemory(100)
	for _, d := range f.data {
		mem.Put(d)
		f.m.Observe(d)
	}
	if o.Decisions == nil {
		o.Decisions = mem
	}
	if o.Metrics == nil {
		o.Metrics = f.m
	}
	if o.Now == nil {
		o.Now = func() time.Time { return t0.Add(5 * time.Minute) }
	}
	f.srv = httptest.NewServer(Handler(o))
	t.Cleanup(f.srv.Close)
	return f
}

func do(t *testing.T, method, url string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func TestExactResponses(t *testing.T) {
	for _, tc := range []struct {
		name         string
		opts         Options
		method, path string
		status       int
		body         string
	}{
		{"health ok", Options{}, "GET", "/healthz", 200, `{"status":"ok"}` + "\n"},
		{"health version", Options{Version: "0.1.0"}, "GET", "/healthz", 200, `{"status":"ok","version":"0.1.0"}` + "\n"},
		{"health failing", Options{Health: func() error { return errors.New("no configuration loaded") }}, "GET", "/healthz", 503,
			`{"status":"unavailable","error":"no configuration loaded"}` + "\n"},
		{"reload unsupported", Options{}, "POST", "/reload", 501, `{"reloaded":false,"error":"reload is not available in this gateway"}` + "\n"},
		{"reload ok", Options{Reload: func() (string, error) { return "portcullis.yaml", nil }}, "POST", "/reload", 200,
			`{"reloaded":true,"source":"portcullis.yaml"}` + "\n"},
		{"reload invalid config", Options{Reload: func() (string, error) {
			return "", fmt.Errorf("load: %w", errors.New("portcullis.yaml:3:5: restApis[0].id: must be 10 lowercase alphanumerics"))
		}}, "POST", "/reload", 422,
			`{"reloaded":false,"error":"load: portcullis.yaml:3:5: restApis[0].id: must be 10 lowercase alphanumerics"}` + "\n"},
		{"decision not found", Options{}, "GET", "/decisions/nope", 404, `{"error":"no decision recorded for request id nope"}` + "\n"},
		{"list bad status", Options{}, "GET", "/decisions?status=forbidden", 400,
			`{"error":"status: want an HTTP status code from 100 to 599, got \"forbidden\""}` + "\n"},
		{"list bad limit", Options{}, "GET", "/decisions?limit=1001", 400, `{"error":"limit: want an integer from 1 to 1000, got \"1001\""}` + "\n"},
		{"list zero limit", Options{}, "GET", "/decisions?limit=0", 400, `{"error":"limit: want an integer from 1 to 1000, got \"0\""}` + "\n"},
		{"list bad since", Options{}, "GET", "/decisions?since=yesterday", 400,
			`{"error":"since: want an RFC 3339 time such as 2025-03-01T12:00:00Z or a duration such as 15m, got \"yesterday\""}` + "\n"},
		{"list negative since", Options{}, "GET", "/decisions?since=-5m", 400,
			`{"error":"since: want an RFC 3339 time such as 2025-03-01T12:00:00Z or a duration such as 15m, got \"-5m\""}` + "\n"},
		{"list unknown param", Options{}, "GET", "/decisions?statsu=403", 400,
			`{"error":"unknown parameter \"statsu\" (known: status, cause, api, stage, since, limit)"}` + "\n"},
		{"list repeated param", Options{}, "GET", "/decisions?status=403&status=429", 400,
			`{"error":"status: given 2 times, want at most once"}` + "\n"},
		{"list empty", Options{}, "GET", "/decisions?cause=stage-not-found", 200, `{"version":1,"decisions":[]}` + "\n"},
		{"reload wrong method", Options{}, "GET", "/reload", 405, "Method Not Allowed\n"},
		{"unknown route", Options{}, "GET", "/nope", 404, "404 page not found\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.opts)
			status, h, body := do(t, tc.method, f.srv.URL+tc.path)
			if status != tc.status {
				t.Errorf("status = %d, want %d", status, tc.status)
			}
			if body != tc.body {
				t.Errorf("body = %q\nwant   %q", body, tc.body)
			}
			if strings.HasPrefix(tc.body, "{") && h.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type = %q", h.Get("Content-Type"))
			}
			if h.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q", h.Get("Cache-Control"))
			}
		})
	}
}

func TestNotConfigured(t *testing.T) {
	srv := httptest.NewServer(Handler(Options{}))
	defer srv.Close()
	for path, want := range map[string]string{
		"/metrics":      `{"error":"metrics are not enabled in this gateway"}` + "\n",
		"/decisions/r1": `{"error":"no decision store is configured in this gateway"}` + "\n",
		"/decisions":    `{"error":"no decision store is configured in this gateway"}` + "\n",
	} {
		status, _, body := do(t, "GET", srv.URL+path)
		if status != 501 || body != want {
			t.Errorf("GET %s = %d %q, want 501 %q", path, status, body, want)
		}
	}
}

func TestDecisionRoute(t *testing.T) {
	f := newFixture(t, Options{})
	status, _, body := do(t, "GET", f.srv.URL+"/decisions/r1")
	if status != 200 {
		t.Fatalf("status = %d, body %s", status, body)
	}
	if strings.Contains(body, `\u003c`) {
		t.Errorf("HTML characters escaped: %s", body)
	}
	var got decision.Decision
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f.data[1], &got); diff != "" {
		t.Errorf("decision (-want +got):\n%s", diff)
	}
	// Request ids are path-escaped.
	if status, _, _ := do(t, "GET", f.srv.URL+"/decisions/x%20y%2Fz"); status != 200 {
		t.Errorf("escaped id: status %d", status)
	}
}

func TestListRoute(t *testing.T) {
	f := newFixture(t, Options{})
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"x y/z", "r3", "r2", "r1", "r0"}},
		{"status=403", []string{"x y/z", "r2", "r1"}},
		{"status=403&cause=waf-blocked", []string{"x y/z", "r1"}},
		{"api=aaaaaaaaaa&stage=prod", []string{"r1", "r0"}},
		{"since=2025-03-01T12:02:00Z", []string{"x y/z", "r3", "r2"}},
		{"since=2025-03-01T13:02:00%2B01:00", []string{"x y/z", "r3", "r2"}},
		{"since=150s", []string{"x y/z", "r3"}}, // now is t0+5m
		{"limit=2", []string{"x y/z", "r3"}},
		{"status=&cause=", []string{"x y/z", "r3", "r2", "r1", "r0"}},
	} {
		status, _, body := do(t, "GET", f.srv.URL+"/decisions?"+tc.query)
		if status != 200 {
			t.Errorf("%q: status %d: %s", tc.query, status, body)
			continue
		}
		var got ListResponse
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		if got.Version != 1 {
			t.Errorf("%q: version %d", tc.query, got.Version)
		}
		ids := []string{}
		for _, d := range got.Decisions {
			ids = append(ids, d.RequestID)
		}
		if diff := cmp.Diff(tc.want, ids); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.query, diff)
		}
	}
}

func TestMetricsRoute(t *testing.T) {
	f := newFixture(t, Options{})
	f.m.SetAPIs(map[string][]string{"aaaaaaaaaa": {"prod"}})
	f.m.Observe(mk("r9", t0, 403, "waf-blocked", "aaaaaaaaaa", "prod"))
	status, h, body := do(t, "GET", f.srv.URL+"/metrics")
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Fatalf("status %d, Content-Type %q", status, h.Get("Content-Type"))
	}
	for _, line := range []string{
		`portcullis_requests_total{api="aaaaaaaaaa",cause="waf-blocked",stage="prod",status="403"} 1`,
		`portcullis_requests_total{api="-",cause="waf-blocked",stage="-",status="403"} 2`,
		`portcullis_config_reloads_total{result="success"} 0`,
	} {
		if !strings.Contains(body, line+"\n") {
			t.Errorf("metrics lack %q", line)
		}
	}
}

func TestClient(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	for _, addr := range []string{strings.TrimPrefix(f.srv.URL, "http://"), f.srv.URL + "/"} {
		c := &Client{Addr: addr}
		d, err := c.Decision(ctx, "x y/z")
		if err != nil {
			t.Fatalf("Addr %s: %v", addr, err)
		}
		if diff := cmp.Diff(f.data[4], d); diff != "" {
			t.Errorf("Decision (-want +got):\n%s", diff)
		}
	}
	c := &Client{Addr: f.srv.URL, HTTP: f.srv.Client()}
	_, err := c.Decision(ctx, "missing")
	if !errors.Is(err, ErrNotFound) || err.Error() != "no decision recorded for request id missing" {
		t.Errorf("Decision(missing) = %v; want ErrNotFound with the server's message", err)
	}
	if _, err := c.Decision(ctx, ""); err == nil {
		t.Error("Decision(\"\") = nil error")
	}
	ds, err := c.Decisions(ctx, store.Query{Status: 403, Since: t0.Add(90 * time.Second), Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*decision.Decision{f.data[4], f.data[2]}, ds); diff != "" {
		t.Errorf("Decisions (-want +got):\n%s", diff)
	}
	ds, err = c.Decisions(ctx, store.Query{})
	if err != nil || len(ds) != 5 {
		t.Errorf("Decisions(all) = %d, %v", len(ds), err)
	}

	// A non-404 error keeps the server's message.
	bare := httptest.NewServer(Handler(Options{}))
	defer bare.Close()
	_, err = (&Client{Addr: bare.URL}).Decisions(ctx, store.Query{})
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 501 || errors.Is(err, ErrNotFound) ||
		err.Error() != "admin API answered 501: no decision store is configured in this gateway" {
		t.Errorf("Decisions on a store-less gateway = %v", err)
	}
}

func TestClientUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = (&Client{Addr: addr}).Decision(context.Background(), "r1")
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	msg := err.Error()
	for _, want := range []string{"the gateway's admin API is not reachable at " + addr, "--admin HOST:PORT", "connection refused"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

func TestClientVersionMismatch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"version":2,"decisions":[]}`)
	}))
	defer srv.Close()
	_, err := (&Client{Addr: srv.URL}).Decisions(context.Background(), store.Query{})
	if err == nil || !strings.Contains(err.Error(), "version 2") {
		t.Errorf("err = %v, want a version error", err)
	}
}

func TestListenLoopbackCheck(t *testing.T) {
	for _, tc := range []struct {
		addr        string
		ok, notLoop bool
	}{
		{"127.0.0.1:4572", true, false},
		{"127.1.2.3:4572", true, false},
		{"[::1]:4572", true, false},
		{"[::ffff:127.0.0.1]:4572", true, false},
		{"localhost:4572", true, false},
		{"LocalHost:0", true, false},
		{":4572", false, true},
		{"0.0.0.0:4572", false, true},
		{"[::]:4572", false, true},
		{"192.168.1.10:4572", false, true},
		{"admin.example.com:4572", false, true},
		{"127.0.0.1", false, false},
		{"127.0.0.1:", false, false},
		{"", false, false},
	} {
		err := ListenLoopbackCheck(tc.addr)
		if (err == nil) != tc.ok {
			t.Errorf("ListenLoopbackCheck(%q) = %v, want ok=%v", tc.addr, err, tc.ok)
		}
		if errors.Is(err, ErrNotLoopback) != tc.notLoop {
			t.Errorf("ListenLoopbackCheck(%q) = %v, want ErrNotLoopback=%v", tc.addr, err, tc.notLoop)
		}
	}
	err := ListenLoopbackCheck("0.0.0.0:4572")
	want := "admin address 0.0.0.0:4572 is not a loopback IP: the admin API has no authentication and serves request decisions and config reload, so it listens on loopback only (127.0.0.1:PORT, [::1]:PORT or localhost:PORT) unless a non-loopback admin address is explicitly allowed"
	if err.Error() != want {
		t.Errorf("message = %q\nwant      %q", err.Error(), want)
	}
}

// Web pages cannot reach the admin API: DNS-rebinding host names and cross-origin browser
// requests are refused; the CLI's requests are not.
func TestBrowserGuard(t *testing.T) {
	h := Handler(Options{})
	for _, tc := range []struct {
		host   string
		header map[string]string
		want   int
	}{
		{"127.0.0.1:4572", nil, 200},
		{"localhost:4572", nil, 200},
		{"[::1]:4572", nil, 200},
		{"evil.example:4572", nil, 403},
		{"127.0.0.1:4572", map[string]string{"Origin": "http://evil.example"}, 403},
		{"127.0.0.1:4572", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
	} {
		req := httptest.NewRequest("GET", "http://x/healthz", nil)
		req.Host = tc.host
		for k, v := range tc.header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("Host %s %v: %d, want %d (%s)", tc.host, tc.header, rec.Code, tc.want, rec.Body)
		}
	}
}

// GET /usage: get-usage's shape, 400 for bad parameters, 503 when the limits store is down.
func TestUsageRoute(t *testing.T) {
	var gotPlan, gotKey string
	var down bool
	h := Handler(Options{Usage: func(_ context.Context, plan, key string, from, to time.Time) (map[string][][2]int64, error) {
		if down {
			return nil, fmt.Errorf("redis: %w", limits.ErrUnavailable)
		}
		gotPlan, gotKey = plan, key
		return map[string][][2]int64{"k1": {{3, 2}}}, nil
	}})
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func(q string) (int, string) {
		resp, err := http.Get(srv.URL + "/usage?" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get("usagePlanId=up1&keyId=k1&startDate=2026-11-26&endDate=2026-11-26")
	if code != 200 || body != `{"usagePlanId":"up1","startDate":"2026-11-26","endDate":"2026-11-26","items":{"k1":[[3,2]]}}`+"\n" || gotPlan != "up1" || gotKey != "k1" {
		t.Errorf("usage: %d %q (%s %s)", code, body, gotPlan, gotKey)
	}
	if code, _ := get("keyId=k1&startDate=2026-11-26&endDate=2026-11-26"); code != 400 {
		t.Errorf("no plan: %d", code)
	}
	if code, _ := get("usagePlanId=up1&startDate=26/11/2026&endDate=2026-11-26"); code != 400 {
		t.Errorf("bad date: %d", code)
	}
	down = true
	if code, _ := get("usagePlanId=up1&from=2026-11-26&to=2026-11-26"); code != 503 {
		t.Errorf("store down: %d", code)
	}
}
