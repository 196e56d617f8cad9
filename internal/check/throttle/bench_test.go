package throttle_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"testing/fstest"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/gateway"
	"github.com/portcullis/portcullis/internal/limits"
)

// benchWorld: one keyed MOCK GET /q, one key in a plan with a quota and throttles (and an
// account throttle) so large that no request is ever refused: every request pays the full
// usage-plan path and is admitted.
var benchWorld = fstest.MapFS{
	"portcullis.yaml": {Data: []byte(`accountId: "123456789012"
region: us-east-1
accountThrottle: {rateLimit: 1000000000, burstLimit: 1000000000}
restApis:
  - id: benchapi01
    name: bench
    definition: api.yaml
    stages: [{stageName: prod}]
apiKeys: [{id: k1, name: bench, value: "bench0123456789abcdefgh"}]
usagePlans:
  - id: up1
    name: bench
    apiStages: [{apiId: benchapi01, stage: prod, throttle: {"/q/GET": {rateLimit: 1000000000, burstLimit: 1000000000}}}]
    throttle: {rateLimit: 1000000000, burstLimit: 1000000000}
    quota: {limit: 1000000000000, period: DAY}
    apiKeyIds: [k1]
`)},
	"api.yaml": {Data: []byte(`openapi: 3.0.1
info: {title: bench, version: "1"}
paths:
  /q:
    get:
      security: [{api_key: []}]
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200", responseTemplates: {application/json: '{"ok":true}'}}}
components:
  securitySchemes:
    api_key: {type: apiKey, name: x-api-key, in: header}
`)},
}

// BenchmarkUsagePlan measures a keyed MOCK request through the gateway handler with no limits
// store (the throttle step skips: the cost of a gateway without plans), the embedded store
// (SQLite under a temp dir) and the Redis store (a real redis-server on loopback). Compare the
// cases as ratios.
func BenchmarkUsagePlan(b *testing.B) {
	w, err := config.LoadFS(benchWorld, "portcullis.yaml", config.Options{BaseDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, st limits.Store) {
		gw := gateway.New(w, gateway.Options{Limits: st})
		defer gw.Close()
		h := gw.Handler("default")
		req := httptest.NewRequest(http.MethodGet, "http://benchapi01.execute-api.localhost/prod/q", nil)
		req.RemoteAddr = "192.0.2.1:1234"
		req.Header.Set("x-api-key", "bench0123456789abcdefgh")
		b.ReportAllocs()
		for b.Loop() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	}
	b.Run("no-limits-store", func(b *testing.B) { run(b, nil) })
	b.Run("embedded", func(b *testing.B) {
		st, err := limits.NewEmbedded(filepath.Join(b.TempDir(), "limits.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		run(b, st)
	})
	b.Run("redis", func(b *testing.B) {
		addr := startRedis(b)
		c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond,
			ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond, MaxRetries: -1})
		defer c.Close()
		run(b, limits.NewRedis(c))
	})
}

// startRedis runs redis-server on a free loopback port without persistence until b ends. A
// missing redis-server fails the benchmark (CI installs it).
func startRedis(b *testing.B) string {
	b.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		b.Fatalf("redis-server is not installed (apt-get install -y redis-server): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		b.Fatalf("start redis-server: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	b.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
	for deadline := time.Now().Add(10 * time.Second); !ping(addr); {
		if time.Now().After(deadline) {
			b.Fatalf("redis-server on %s did not answer within 10 s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return addr
}

func ping(addr string) bool {
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
