// Package admin serves the gateway's admin API (DESIGN.md §1): health, Prometheus metrics,
// configuration reload and the decision records behind `portcullis explain`. It listens on its
// own address, loopback by default (ListenLoopbackCheck), never on the data port, and has no
// authentication. Client is the CLI's side of the same API.
//
// Routes:
//
//	GET  /healthz                 200 {"status":"ok"} | 503 {"status":"unavailable","error":"…"}
//	GET  /metrics                 Prometheus exposition
//	POST /reload                  200 {"reloaded":true,"source":"…"} | 422 {"reloaded":false,"error":"…"} | 501
//	GET  /decisions/{requestId}   200 the decision record | 404 {"error":"no decision recorded for request id …"}
//	GET  /decisions?status=&cause=&api=&stage=&since=&limit=
//	                              200 {"version":1,"decisions":[…]} newest first | 400 {"error":"…"}
//
// Every JSON body is one line ending in "\n"; errors are {"error":"…"}.
package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/limits"
	"github.com/portcullis/portcullis/internal/metrics"
	"github.com/portcullis/portcullis/internal/store"
)

// ListVersion is the version of the GET /decisions response.
const ListVersion = 1

// Options configures Handler. Every field is optional.
type Options struct {
	// Decisions answers /decisions; nil makes those routes answer 501.
	Decisions store.Decisions
	// Metrics answers /metrics; nil makes it answer 501.
	Metrics *metrics.Metrics
	// Reload rebuilds the configuration and returns its source; its error message is sent as
	// is (config errors read "file:line:col: field: msg"). nil makes POST /reload answer 501.
	// The handler does not count reloads: Reload (shared with any other reload trigger)
	// should call Metrics.Reload itself.
	Reload func() (source string, err error)
	// Health reports whether the gateway can serve; nil means always healthy.
	Health func() error
	// Version, when set, is reported by /healthz.
	Version string
	// Now is the clock for relative `since` values; default time.Now.
	Now func() time.Time
	// Usage answers GET /usage (daily [used, remaining] per key of a usage plan, UTC dates,
	// inclusive); nil makes it answer 501.
	Usage func(ctx context.Context, plan, keyID string, from, to time.Time) (map[string][][2]int64, error)
}

// UsageResponse is the body of GET /usage, shaped like `aws apigateway get-usage` output.
type UsageResponse struct {
	UsagePlanID string                `json:"usagePlanId"`
	StartDate   string                `json:"startDate"`
	EndDate     string                `json:"endDate"`
	Items       map[string][][2]int64 `json:"items"`
}

// ListResponse is the body of GET /decisions.
type ListResponse struct {
	Version   int                  `json:"version"`
	Decisions []*decision.Decision `json:"decisions"`
}

type errorBody struct {
	Error string `json:"error"`
}

type healthBody struct {
	Status  string `json:"status"`
	Version string `json:"version,omitempty"`
	Error   string `json:"error,omitempty"`
}

type reloadBody struct {
	Reloaded bool   `json:"reloaded"`
	Source   string `json:"source,omitempty"`
	Error    string `json:"error,omitempty"`
}

// Handler returns the admin API.
func Handler(o Options) http.Handler {
	if o.Now == nil {
		o.Now = time.Now
	}
	mux := http.NewServeMux()
	// Go's profiler, as Caddy and Prometheus expose it on their admin listeners (loopback only).
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	// GET /usage?usagePlanId=up1&keyId=k1&startDate=2026-11-01&endDate=2026-11-30 (from/to are
	// accepted for startDate/endDate): `aws apigateway get-usage`.
	mux.HandleFunc("GET /usage", func(w http.ResponseWriter, r *http.Request) {
		if o.Usage == nil {
			writeJSON(w, http.StatusNotImplemented, errorBody{"usage reporting is not configured"})
			return
		}
		q := r.URL.Query()
		plan := q.Get("usagePlanId")
		if plan == "" {
			writeJSON(w, http.StatusBadRequest, errorBody{"usagePlanId is required (as for aws apigateway get-usage --usage-plan-id)"})
			return
		}
		day := func(names ...string) (time.Time, string, error) {
			for _, n := range names {
				if v := q.Get(n); v != "" {
					t, err := time.Parse("2006-01-02", v)
					if err != nil {
						return time.Time{}, v, fmt.Errorf("%s must be a date such as 2026-11-26, got %q", n, v)
					}
					return t, v, nil
				}
			}
			return time.Time{}, "", fmt.Errorf("%s is required (YYYY-MM-DD)", names[0])
		}
		from, fs, err := day("startDate", "from")
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
			return
		}
		to, ts, err := day("endDate", "to")
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
			return
		}
		items, err := o.Usage(r.Context(), plan, q.Get("keyId"), from, to)
		if errors.Is(err, limits.ErrUnavailable) {
			writeJSON(w, http.StatusServiceUnavailable, errorBody{err.Error()})
			return
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
			return
		}
		if items == nil {
			items = map[string][][2]int64{}
		}
		writeJSON(w, http.StatusOK, UsageResponse{UsagePlanID: plan, StartDate: fs, EndDate: ts, Items: items})
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if o.Health != nil {
			if err := o.Health(); err != nil {
				writeJSON(w, http.StatusServiceUnavailable, healthBody{Status: "unavailable", Version: o.Version, Error: err.Error()})
				return
			}
		}
		writeJSON(w, http.StatusOK, healthBody{Status: "ok", Version: o.Version})
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if o.Metrics == nil {
			writeJSON(w, http.StatusNotImplemented, errorBody{"metrics are not enabled in this gateway"})
			return
		}
		o.Metrics.Handler().ServeHTTP(w, r)
	})
	mux.HandleFunc("POST /reload", func(w http.ResponseWriter, r *http.Request) {
		if o.Reload == nil {
			writeJSON(w, http.StatusNotImplemented, reloadBody{Error: "reload is not available in this gateway"})
			return
		}
		source, err := o.Reload()
		if err != nil {
			writeJSON(w, http.StatusUnprocessableEntity, reloadBody{Error: err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, reloadBody{Reloaded: true, Source: source})
	})
	mux.HandleFunc("GET /decisions/{requestId}", func(w http.ResponseWriter, r *http.Request) {
		if o.Decisions == nil {
			writeJSON(w, http.StatusNotImplemented, errorBody{"no decision store is configured in this gateway"})
			return
		}
		id := r.PathValue("requestId")
		d, ok := o.Decisions.Get(id)
		if !ok {
			writeJSON(w, http.StatusNotFound, errorBody{"no decision recorded for request id " + id})
			return
		}
		writeJSON(w, http.StatusOK, d)
	})
	mux.HandleFunc("GET /decisions", func(w http.ResponseWriter, r *http.Request) {
		if o.Decisions == nil {
			writeJSON(w, http.StatusNotImplemented, errorBody{"no decision store is configured in this gateway"})
			return
		}
		q, err := ParseQuery(r.URL.Query(), o.Now())
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
			return
		}
		ds := o.Decisions.List(q)
		if ds == nil {
			ds = []*decision.Decision{}
		}
		writeJSON(w, http.StatusOK, ListResponse{Version: ListVersion, Decisions: ds})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if msg := browserGuard(r); msg != "" {
			writeJSON(w, http.StatusForbidden, errorBody{msg})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// browserGuard keeps web pages away from the admin API: a request whose Host is a name other
// than localhost (DNS rebinding) or that a browser marks as cross-origin is refused. The CLI,
// curl and Prometheus send neither.
func browserGuard(r *http.Request) string {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host != "" && !strings.EqualFold(host, "localhost") && net.ParseIP(host) == nil {
		return "the admin API answers only requests addressed to an IP address or localhost, not " + strconv.Quote(r.Host)
	}
	if r.Header.Get("Origin") != "" || r.Header.Get("Sec-Fetch-Site") == "cross-site" || r.Header.Get("Sec-Fetch-Site") == "same-site" {
		return "the admin API does not answer cross-origin browser requests"
	}
	return ""
}

// writeJSON sends v as one line of JSON (HTML characters not escaped).
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		enc.Encode(errorBody{"encode response: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
