package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/portcullis/portcullis/internal/demo"
	"github.com/portcullis/portcullis/internal/gateway"
	"github.com/portcullis/portcullis/internal/store"
)

// BenchmarkDecision measures the routing + decision path without network or integration I/O:
// endpoint resolution, route matching and the gateway response for a denial, plus a MOCK
// integration, with decision records kept in the in-memory ring. Compare the cases against each
// other (ratios), not against absolute times.
func BenchmarkDecision(b *testing.B) {
	w, err := demo.Load(b.TempDir(), "127.0.0.1:9")
	if err != nil {
		b.Fatal(err)
	}
	for _, api := range w.APIList {
		for _, st := range api.StageList {
			st.AccessLog = nil
		}
	}
	gw := gateway.New(w, gateway.Options{Decisions: store.NewMemory(4096)})
	h := gw.Handler("default")
	cases := []struct{ name, host, path string }{
		{"stage-not-found", "a1b2c3d4e5.execute-api.localhost", "/nostage/pets"},
		{"route-not-found", "a1b2c3d4e5.execute-api.localhost", "/prod/nope/deeper"},
		{"mock-200", "a1b2c3d4e5.execute-api.localhost", "/prod/pets"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "http://"+c.host+c.path, nil)
			req.RemoteAddr = "192.0.2.1:1234"
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
			}
		})
	}
}
