package main

// End-to-end tests of issue #5's acceptance criteria with real processes: API keys, usage-plan
// quotas and throttles shared by three `portcullis serve` processes through one real
// redis-server (Debian package; a missing redis-server fails the tests, CI installs it),
// Redis dying and coming back under fail-open and fail-closed, and quota usage surviving a
// restart with the embedded store. Every listener is on 127.0.0.1 with port 0 (redis-server
// on a port found free the same way).

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	limAPI      = "lim1t5test" // 10 lowercase alphanumerics
	limHost     = limAPI + ".execute-api.localhost"
	limOKBody   = `{"ok":true}`
	quotaBody   = `{"message":"Limit Exceeded"}`
	throttleBdy = `{"message":"Too Many Requests"}`
	forbidBody  = `{"message":"Forbidden"}`

	keyQuota = "quota0123456789abcdefgh" // plan upquota: 100 a day, generous throttle
	keyBurst = "burst0123456789abcdefgh" // plan upburst: rate 0.01/s, burst 20, no quota
	keyFresh = "fresh0123456789abcdefgh" // plan upfresh: 3 a day (5 in the embedded test)
	keyProbe = "probe0123456789abcdefgh" // plan upprobe: generous throttle, no quota
)

// limitsDefinition is an OpenAPI 3.0 export with one MOCK GET /q that requires an API key.
const limitsDefinition = `openapi: 3.0.1
info: {title: limits, version: "1"}
paths:
  /q:
    get:
      security:
        - api_key: []
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200", responseTemplates: {application/json: '{"ok":true}'}}}
components:
  securitySchemes:
    api_key: {type: apiKey, name: x-api-key, in: header}
`

// limitsConfig is one API with stage prod, four keys and one usage plan per key. %s are the
// redisUnavailable line (or nothing) and the fresh key's daily quota.
const limitsConfig = `accountId: "123456789012"
region: us-east-1
%s
restApis:
  - id: ` + limAPI + `
    name: limits
    definition: api.yaml
    stages:
      - stageName: prod
apiKeys:
  - {id: kquota, name: quota, value: "` + keyQuota + `"}
  - {id: kburst, name: burst, value: "` + keyBurst + `"}
  - {id: kfresh, name: fresh, value: "` + keyFresh + `"}
  - {id: kprobe, name: probe, value: "` + keyProbe + `"}
usagePlans:
  - id: upquota
    name: quota100
    apiStages: [{apiId: ` + limAPI + `, stage: prod}]
    throttle: {rateLimit: 10000, burstLimit: 5000}
    quota: {limit: 100, period: DAY}
    apiKeyIds: [kquota]
  - id: upburst
    name: burst20
    apiStages: [{apiId: ` + limAPI + `, stage: prod}]
    throttle: {rateLimit: 0.01, burstLimit: 20}
    apiKeyIds: [kburst]
  - id: upfresh
    name: fresh
    apiStages: [{apiId: ` + limAPI + `, stage: prod}]
    throttle: {rateLimit: 10000, burstLimit: 5000}
    quota: {limit: %d, period: DAY}
    apiKeyIds: [kfresh]
  - id: upprobe
    name: probe
    apiStages: [{apiId: ` + limAPI + `, stage: prod}]
    throttle: {rateLimit: 10000, burstLimit: 5000}
    apiKeyIds: [kprobe]
`

// writeLimitsConfig writes dir/api.yaml and dir/portcullis.yaml and returns the config path.
func writeLimitsConfig(t *testing.T, dir, redisUnavailable string, freshQuota int) string {
	t.Helper()
	writeFile(t, filepath.Join(dir, "api.yaml"), limitsDefinition)
	line := ""
	if redisUnavailable != "" {
		line = "redisUnavailable: " + redisUnavailable
	}
	cfg := filepath.Join(dir, "portcullis.yaml")
	writeFile(t, cfg, fmt.Sprintf(limitsConfig, line, freshQuota))
	return cfg
}

// redisProc is a real redis-server on a loopback port, without persistence, started by the
// test (and only ever stopped by it, by its own process handle).
type redisProc struct {
	t    *testing.T
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

func startRedisProc(t *testing.T) *redisProc {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatalf("redis-server is not installed (apt-get install -y redis-server; CI installs it): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &redisProc{t: t, port: l.Addr().(*net.TCPAddr).Port}
	_ = l.Close()
	r.start()
	t.Cleanup(r.kill)
	return r
}

func (r *redisProc) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }
func (r *redisProc) url() string  { return "redis://" + r.addr() }

// patientURL lets exact-count tests survive a loaded machine: with the default 200 ms timeouts
// a slow Redis reply counts as an outage (fail-open), which those tests are not about.
func (r *redisProc) patientURL() string {
	return r.url() + "?dial_timeout=5s&read_timeout=5s&write_timeout=5s"
}

// start runs redis-server on r.port and waits until it answers PING.
func (r *redisProc) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no")
	out := &syncBuffer{}
	r.cmd.Stdout, r.cmd.Stderr = out, out
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	r.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(r.cmd, r.done)
	deadline := time.Now().Add(10 * time.Second)
	for !redisPing(r.addr()) {
		select {
		case <-r.done:
			r.t.Fatalf("redis-server on %s exited at start:\n%s", r.addr(), out.String())
		default:
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server on %s did not answer PING within 10 s:\n%s", r.addr(), out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill ends the redis-server this test started (SIGKILL: Redis dies, it does not shut down).
func (r *redisProc) kill() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	<-r.done
	r.cmd = nil
}

// redisPing speaks RESP: PING answers +PONG.
func redisPing(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := io.WriteString(c, "PING\r\n"); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && line == "+PONG\r\n"
}

// limClient talks to the gateways without proxies, keeping enough connections warm.
var limClient = &http.Client{
	Timeout:   15 * time.Second,
	Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64, DisableCompression: true},
}

type limResp struct {
	status    int
	body      string
	errorType string
}

// getQ sends GET /prod/q to s with the given x-api-key ("" = none).
func getQ(s *server, key string) (limResp, error) {
	req, err := http.NewRequest(http.MethodGet, s.url("/prod/q"), nil)
	if err != nil {
		return limResp{}, err
	}
	req.Host = limHost
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	resp, err := limClient.Do(req)
	if err != nil {
		return limResp{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return limResp{}, err
	}
	return limResp{resp.StatusCode, string(b), resp.Header.Get("x-amzn-ErrorType")}, nil
}

func mustGetQ(t *testing.T, s *server, key string) limResp {
	t.Helper()
	r, err := getQ(s, key)
	if err != nil {
		t.Fatalf("GET /prod/q on %s: %v", s.addr, err)
	}
	return r
}

// wantResp checks one response against status, body and x-amzn-ErrorType ("" = absent).
func wantResp(t *testing.T, what string, r limResp, status int, body, errorType string) {
	t.Helper()
	if r.status != status || r.body != body || r.errorType != errorType {
		t.Errorf("%s: %d %q (x-amzn-ErrorType %q), want %d %q (%q)", what, r.status, r.body, r.errorType, status, body, errorType)
	}
}

// curlQ checks, with the real curl, the exact bytes of one more rejected request (status line,
// the x-amzn-ErrorType header line as sent, the body) and, with `portcullis explain --json`,
// that its decision names cause and has evidence containing each of evidence.
func curlQ(t *testing.T, s *server, key, statusLine, errorType, body, cause string, evidence ...string) {
	t.Helper()
	r := curl(t, "-H", "Host: "+limHost, "-H", "x-api-key: "+key, s.url("/prod/q"))
	if r.statusLine != statusLine || !r.hasHeaderLine("x-amzn-ErrorType: "+errorType) || r.body != body {
		t.Errorf("curl GET /prod/q:\n%s\nwant %s, x-amzn-ErrorType: %s and %s", r.raw, statusLine, errorType, body)
	}
	var d struct {
		Cause    string   `json:"cause"`
		Evidence []string `json:"evidence"`
	}
	js := explain(t, s, requestID(t, r), "--json")
	if err := json.Unmarshal([]byte(js), &d); err != nil {
		t.Fatalf("explain --json: %v\n%s", err, js)
	}
	ev := strings.Join(d.Evidence, "\n")
	if d.Cause != cause || !containsAll(ev, evidence) {
		t.Errorf("explain: cause %q, evidence\n%s\nwant cause %s and evidence containing %q", d.Cause, ev, cause, evidence)
	}
}

// fanOut sends n requests with key, request i to instance i%len(ss), from workers goroutines
// (workers <= 0: all n at once, released together), and returns the responses in order.
func fanOut(t *testing.T, ss []*server, key string, n, workers int) []limResp {
	t.Helper()
	out := make([]limResp, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	if workers <= 0 {
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				out[i], errs[i] = getQ(ss[i%len(ss)], key)
			}()
		}
		close(start)
	} else {
		idx := make(chan int)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range idx {
					out[i], errs[i] = getQ(ss[i%len(ss)], key)
				}
			}()
		}
		for i := range n {
			idx <- i
		}
		close(idx)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("request %d to %s: %v", i, ss[i%len(ss)].addr, err)
		}
	}
	return out
}

// startInstances runs n `serve --config cfg --redis url` processes, each with its own --data.
func startInstances(t *testing.T, n int, cfg, redisURL string) []*server {
	t.Helper()
	ss := make([]*server, n)
	for i := range ss {
		ss[i] = startServe(t, "--config", cfg, "--redis", redisURL)
	}
	return ss
}

// avoidMidnight waits out the UTC midnight when it is near: DAY quotas reset then.
func avoidMidnight(t *testing.T, margin time.Duration) {
	now := time.Now().UTC()
	next := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	if d := next.Sub(now); d < margin {
		t.Logf("waiting %v for the UTC day to change", d+time.Second)
		time.Sleep(d + time.Second)
	}
}

// usage asks s's admin API for plan/key's usage today (UTC).
func usage(t *testing.T, s *server, plan, key string) [][2]int64 {
	t.Helper()
	day := time.Now().UTC().Format(time.DateOnly)
	u := fmt.Sprintf("http://%s/usage?usagePlanId=%s&keyId=%s&startDate=%s&endDate=%s", s.admin, plan, key, day, day)
	resp, err := limClient.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var ur struct {
		UsagePlanID string                `json:"usagePlanId"`
		StartDate   string                `json:"startDate"`
		EndDate     string                `json:"endDate"`
		Items       map[string][][2]int64 `json:"items"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &ur) != nil || ur.UsagePlanID != plan || ur.StartDate != day || ur.EndDate != day {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	return ur.Items[key]
}

var unavailableMetric = regexp.MustCompile(`(?m)^portcullis_limits_unavailable_total (\S+)$`)

// unavailable reads portcullis_limits_unavailable_total from s's /metrics.
func unavailable(t *testing.T, s *server) float64 {
	t.Helper()
	m := unavailableMetric.FindStringSubmatch(metricsText(t, s))
	if m == nil {
		t.Fatalf("/metrics of %s has no portcullis_limits_unavailable_total", s.admin)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatalf("portcullis_limits_unavailable_total %q: %v", m[1], err)
	}
	return v
}

func count(rs []limResp) map[int]int {
	c := map[int]int{}
	for _, r := range rs {
		c[r.status]++
	}
	return c
}

// TestRedisQuotaAcrossInstances: three gateways share one Redis; a quota of 100 a day admits
// exactly 100 of 150 requests spread across them, and each instance reports the usage.
func TestRedisQuotaAcrossInstances(t *testing.T) {
	avoidMidnight(t, 20*time.Second)
	rd := startRedisProc(t)
	cfg := writeLimitsConfig(t, t.TempDir(), "", 3)
	ss := startInstances(t, 3, cfg, rd.patientURL())

	rs := fanOut(t, ss, keyQuota, 150, 10)
	perInstance := make([]map[int]int, len(ss))
	for i, r := range rs {
		if perInstance[i%3] == nil {
			perInstance[i%3] = map[int]int{}
		}
		perInstance[i%3][r.status]++
		switch r.status {
		case 200:
			wantResp(t, fmt.Sprintf("request %d", i), r, 200, limOKBody, "")
		case 429:
			wantResp(t, fmt.Sprintf("request %d", i), r, 429, quotaBody, "LimitExceededException")
		}
	}
	c := count(rs)
	t.Logf("150 requests across 3 instances: %v (per instance: %v)", c, perInstance)
	if c[200] != 100 || c[429] != 50 || len(c) != 2 {
		t.Fatalf("statuses %v, want exactly 100 × 200 and 50 × 429", c)
	}
	curlQ(t, ss[1], keyQuota, "HTTP/1.1 429 Too Many Requests", "LimitExceededException", quotaBody, "quota-exceeded", "used 100 of 100")

	for i, s := range ss {
		if got := usage(t, s, "upquota", "kquota"); len(got) != 1 || got[0] != [2]int64{100, 0} {
			t.Errorf("instance %d: GET /usage for kquota today = %v, want [[100 0]]", i, got)
		}
	}
}

// TestRedisBurstAcrossInstances: a plan with burst 20 and a rate of one request per 100 s
// admits 20 ± 2 of 60 simultaneous requests spread across three instances.
func TestRedisBurstAcrossInstances(t *testing.T) {
	rd := startRedisProc(t)
	cfg := writeLimitsConfig(t, t.TempDir(), "", 3)
	ss := startInstances(t, 3, cfg, rd.patientURL())

	rs := fanOut(t, ss, keyBurst, 60, 0)
	for i, r := range rs {
		switch r.status {
		case 200:
			wantResp(t, fmt.Sprintf("request %d", i), r, 200, limOKBody, "")
		case 429:
			wantResp(t, fmt.Sprintf("request %d", i), r, 429, throttleBdy, "TooManyRequestsException")
		}
	}
	c := count(rs)
	t.Logf("60 simultaneous requests across 3 instances: %v", c)
	if c[200] < 18 || c[200] > 22 || c[200]+c[429] != 60 {
		t.Fatalf("statuses %v, want 20 ± 2 × 200 and the rest 429", c)
	}
	curlQ(t, ss[2], keyBurst, "HTTP/1.1 429 Too Many Requests", "TooManyRequestsException", throttleBdy, "throttled", "refused by: usage plan upburst for key kburst")
}

// waitCounted sends probe-key requests to s until one is served with Redis reachable again
// (portcullis_limits_unavailable_total does not move), for up to 15 s.
func waitCounted(t *testing.T, s *server) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		before := unavailable(t, s)
		r := mustGetQ(t, s, keyProbe)
		if r.status == 200 && unavailable(t, s) == before {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still finds Redis unavailable 15 s after it came back (last: %d %s)", s.addr, r.status, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRedisDies: with Redis killed, authentication is still enforced, fail-open serves
// (and counts the outage in /metrics), fail-closed answers 429; when Redis comes back on the
// same port, counting resumes.
func TestRedisDies(t *testing.T) {
	avoidMidnight(t, 30*time.Second)
	rd := startRedisProc(t)
	dir := t.TempDir()
	cfg := writeLimitsConfig(t, dir, "", 3) // default redisUnavailable: fail-open
	closedDir := t.TempDir()
	closedCfg := writeLimitsConfig(t, closedDir, "fail-closed", 3)
	ss := startInstances(t, 3, cfg, rd.url())
	closed := startServe(t, "--config", closedCfg, "--redis", rd.url())
	all := append(append([]*server{}, ss...), closed)

	for i, s := range all {
		wantResp(t, fmt.Sprintf("instance %d, Redis up", i), mustGetQ(t, s, keyProbe), 200, limOKBody, "")
		if v := unavailable(t, s); v != 0 {
			t.Errorf("instance %d: portcullis_limits_unavailable_total %v with Redis up", i, v)
		}
	}

	rd.kill()

	// (a) Authentication and authorization are never skipped.
	for i, s := range all {
		wantResp(t, fmt.Sprintf("instance %d, Redis down, no key", i), mustGetQ(t, s, ""), 403, forbidBody, "ForbiddenException")
		wantResp(t, fmt.Sprintf("instance %d, Redis down, unknown key", i), mustGetQ(t, s, "nosuchkey0123456789abcd"), 403, forbidBody, "ForbiddenException")
	}

	// (b) fail-open serves with the key and says so; fail-closed refuses.
	for i, s := range ss {
		for j := range 3 {
			wantResp(t, fmt.Sprintf("instance %d, Redis down, with key (%d)", i, j), mustGetQ(t, s, keyQuota), 200, limOKBody, "")
		}
		if v := unavailable(t, s); v < 3 {
			t.Errorf("instance %d (fail-open): portcullis_limits_unavailable_total %v, want ≥ 3", i, v)
		} else {
			t.Logf("instance %d (fail-open): portcullis_limits_unavailable_total %v", i, v)
		}
		if !strings.Contains(s.stderr.String(), "LIMITS STORE UNAVAILABLE: applying redisUnavailable=fail-open") {
			t.Errorf("instance %d: no loud log line about the unavailable store:\n%s", i, s.stderr.String())
		}
	}
	wantResp(t, "fail-closed instance, Redis down, with key", mustGetQ(t, closed, keyQuota), 429, throttleBdy, "TooManyRequestsException")
	curlQ(t, closed, keyQuota, "HTTP/1.1 429 Too Many Requests", "TooManyRequestsException", throttleBdy, "throttled", "(redisUnavailable: fail-closed)")
	if v := unavailable(t, closed); v < 2 {
		t.Errorf("fail-closed instance: portcullis_limits_unavailable_total %v, want ≥ 2", v)
	}
	if !strings.Contains(closed.stderr.String(), "LIMITS STORE UNAVAILABLE: applying redisUnavailable=fail-closed") {
		t.Errorf("fail-closed instance: no loud log line:\n%s", closed.stderr.String())
	}

	// (c) Redis returns on the same port (empty: no persistence); counting resumes.
	rd.start()
	back := time.Now()
	for _, s := range all {
		waitCounted(t, s)
	}
	t.Logf("all four instances count again %v after redis-server answered PING", time.Since(back).Round(time.Millisecond))
	before := make([]float64, len(ss))
	for i, s := range ss {
		before[i] = unavailable(t, s)
	}
	var got []int
	for i := range 6 {
		r := mustGetQ(t, ss[i%3], keyFresh)
		got = append(got, r.status)
		if i < 3 {
			wantResp(t, fmt.Sprintf("fresh key, request %d after Redis returned", i), r, 200, limOKBody, "")
		} else {
			wantResp(t, fmt.Sprintf("fresh key, request %d after Redis returned", i), r, 429, quotaBody, "LimitExceededException")
		}
	}
	t.Logf("fresh key (quota 3) after Redis returned, round-robin: %v", got)
	for i, s := range ss {
		if v := unavailable(t, s); v != before[i] {
			t.Errorf("instance %d: portcullis_limits_unavailable_total moved from %v to %v after Redis returned", i, before[i], v)
		}
	}
	if u := usage(t, ss[0], "upfresh", "kfresh"); len(u) != 1 || u[0] != [2]int64{3, 0} {
		t.Errorf("GET /usage for kfresh today = %v, want [[3 0]]", u)
	}
}

// TestEmbeddedQuotaSurvivesRestart: with no --redis, quota usage is kept under --data; after
// SIGTERM and a restart with the same --data only the rest of the quota is admitted.
func TestEmbeddedQuotaSurvivesRestart(t *testing.T) {
	avoidMidnight(t, 20*time.Second)
	dir := t.TempDir()
	cfg := writeLimitsConfig(t, dir, "", 5)
	data := filepath.Join(dir, "data")

	s := startServe(t, "--config", cfg, "--data", data)
	for i := range 3 {
		wantResp(t, fmt.Sprintf("first run, request %d", i), mustGetQ(t, s, keyFresh), 200, limOKBody, "")
	}
	s.signal(syscall.SIGTERM)
	if code := s.waitExit(10 * time.Second); code != 0 {
		t.Fatalf("first run: exit code %d after SIGTERM, want 0", code)
	}

	s = startServe(t, "--config", cfg, "--data", data)
	var got []int
	for i := range 4 {
		r := mustGetQ(t, s, keyFresh)
		got = append(got, r.status)
		if i < 2 {
			wantResp(t, fmt.Sprintf("after restart, request %d", i), r, 200, limOKBody, "")
		} else {
			wantResp(t, fmt.Sprintf("after restart, request %d", i), r, 429, quotaBody, "LimitExceededException")
		}
	}
	t.Logf("quota 5: 3 × 200 before the restart; after it: %v", got)
	curlQ(t, s, keyFresh, "HTTP/1.1 429 Too Many Requests", "LimitExceededException", quotaBody, "quota-exceeded", "used 5 of 5")
	if u := usage(t, s, "upfresh", "kfresh"); len(u) != 1 || u[0] != [2]int64{5, 0} {
		t.Errorf("GET /usage for kfresh today after the restart = %v, want [[5 0]]", u)
	}
}
