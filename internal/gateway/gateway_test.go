package gateway_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/gateway"
	"github.com/portcullis/portcullis/internal/store"
)

func demoServer(t *testing.T) (*httptest.Server, *store.Memory, *gateway.Gateway) {
	t.Helper()
	w := worldFor(t, "", "demo")
	mem := store.NewMemory(100)
	gw := gateway.New(w, gateway.Options{Decisions: mem})
	srv := httptest.NewServer(gw.Handler("default"))
	t.Cleanup(srv.Close)
	return srv, mem, gw
}

func do(t *testing.T, srv *httptest.Server, method, host, path string, body io.Reader, contentLength int64) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	if contentLength != 0 {
		req.ContentLength = contentLength
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// The 10 MB payload limit answers 413 with AWS's plain-text body (facts §1.1, §10), both when
// Content-Length announces it and when a chunked body grows past it.
func TestRequestTooLarge(t *testing.T) {
	srv, mem, _ := demoServer(t)
	const host = "a1b2c3d4e5.execute-api.localhost"
	big := bytes.Repeat([]byte("x"), gateway.MaxBody+1)
	for _, tc := range []struct {
		name string
		body io.Reader
		cl   int64
	}{
		{"content-length", bytes.NewReader(big), int64(len(big))},
		{"chunked", io.MultiReader(bytes.NewReader(big)), -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, srv, http.MethodPost, host, "/prod/echo/upload", tc.body, tc.cl)
			if resp.StatusCode != 413 || body != "HTTP content length exceeded 10485760 bytes." {
				t.Fatalf("got %d %q", resp.StatusCode, body)
			}
			d, ok := mem.Get(resp.Header.Get("x-amzn-RequestId"))
			if !ok || d.Cause != "request-too-large" {
				t.Fatalf("decision = %+v", d)
			}
		})
	}
	// Exactly the limit is accepted.
	resp, _ := do(t, srv, http.MethodPost, host, "/prod/echo/upload", bytes.NewReader(big[:gateway.MaxBody]), gateway.MaxBody)
	if resp.StatusCode != 200 {
		t.Fatalf("10485760 bytes: status %d", resp.StatusCode)
	}
}

// A reload (Swap) affects new requests only: a request in flight finishes on the config it
// started with.
func TestSwapKeepsInFlightOnOldWorld(t *testing.T) {
	srv, _, gw := demoServer(t)
	const host = "a1b2c3d4e5.execute-api.localhost"
	old := gw.World()

	done := make(chan string, 1)
	go func() {
		// /prod/slow times out after 1 s on the old world: 504 proves it ran on the old config
		// even though the new world no longer has the API.
		resp, _ := do(t, srv, http.MethodGet, host, "/prod/slow", nil, 0)
		done <- resp.Header.Get("x-amzn-ErrorType") + " " + http.StatusText(resp.StatusCode)
	}()
	time.Sleep(200 * time.Millisecond)
	empty := &config.World{Source: "empty", AccountID: old.AccountID, Region: old.Region, APIs: map[string]*config.RestAPI{}}
	gw.Swap(empty)

	resp, body := do(t, srv, http.MethodGet, host, "/prod/pets", nil, 0)
	if resp.StatusCode != 403 || !strings.Contains(body, "Forbidden") {
		t.Errorf("new request after swap = %d %s, want 403 Forbidden", resp.StatusCode, body)
	}
	select {
	case got := <-done:
		if got != "InternalServerErrorException Gateway Timeout" {
			t.Errorf("in-flight request = %q, want the old world's 504", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("in-flight request did not finish")
	}
}

// Decision details reach the client only with the debug option.
func TestDebugHeaders(t *testing.T) {
	srv, _, _ := demoServer(t)
	resp, _ := do(t, srv, http.MethodGet, "a1b2c3d4e5.execute-api.localhost", "/prod/nope", nil, 0)
	if v := resp.Header.Get("X-Portcullis-Cause"); v != "" {
		t.Errorf("cause leaked without debug: %q", v)
	}
	w := worldFor(t, "", "demo")
	dbg := httptest.NewServer(gateway.New(w, gateway.Options{Debug: true}).Handler("default"))
	defer dbg.Close()
	resp, _ = do(t, dbg, http.MethodGet, "a1b2c3d4e5.execute-api.localhost", "/prod/nope", nil, 0)
	if v := resp.Header.Get("X-Portcullis-Cause"); v != "route-not-found" {
		t.Errorf("debug cause header = %q", v)
	}
}

// Malformed requests never panic or 500 the gateway. Raw request lines: Go's client would refuse
// to send most of these.
func TestMalformedRequests(t *testing.T) {
	srv, _, _ := demoServer(t)
	addr := strings.TrimPrefix(srv.URL, "http://")
	raw := func(target, host string) int {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, host)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("%s %s: %v", host, target, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, p := range []string{"/prod/%zz", "/prod/pets/%", "//", "/prod//pets", "/restapis/", "/restapis/a1b2c3d4e5",
		"/restapis/a1b2c3d4e5/prod/_user_request_", "/prod/pets/" + strings.Repeat("a/", 2000), "/prod/pets/%00", "/prod/echo/%2F%2F"} {
		if code := raw(p, "a1b2c3d4e5.execute-api.localhost"); code >= 500 {
			t.Errorf("%s: status %d", p, code)
		}
	}
	for _, h := range []string{"a1b2c3d4e5.execute-api.", ".execute-api.localhost", "A1B2C3D4E5.EXECUTE-API.LOCALHOST:1", "[::1]:80", "a1b2c3d4e5.execute-api.localhost."} {
		if code := raw("/prod/pets", h); code >= 500 {
			t.Errorf("host %q: status %d", h, code)
		}
	}
}
