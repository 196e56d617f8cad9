// Package metrics exposes the gateway's Prometheus metrics from a registry of its own (never
// the global one), fed from decision records (internal/decision): one Observe per request.
//
// Label cardinality is bounded whatever clients send: api and stage are kept only for APIs and
// stages declared with SetAPIs (everything else is "-"), status is a three-digit code string
// (or "other"), cause must look like a catalogue ID (lower-case letters, digits and '-', at most
// 64 bytes; else "other"), and integration type is one of API Gateway's five (facts file §9,
// x-amazon-apigateway-integration type; else "other").
package metrics

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/portcullis/portcullis/internal/decision"
)

// Unknown is the label value for an API or stage not declared with SetAPIs.
const Unknown = "-"

// Other is the label value for a status, cause or integration type outside the bounded set.
const Other = "other"

// Buckets are the latency histogram bounds, in seconds: API Gateway's default integration
// timeout is 29 s (facts file §10), so the last finite bucket is 30 s.
var Buckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 29, 30}

// Metrics holds the gateway's collectors and their registry. It is safe for concurrent use.
type Metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	integration  *prometheus.HistogramVec
	reloads      *prometheus.CounterVec
	configInfo   *prometheus.GaugeVec
	degraded     prometheus.Counter
	dropped      atomic.Pointer[func() uint64]
	known        atomic.Pointer[map[string]map[string]bool]
	configInfoMu sync.Mutex
}

// New returns Metrics registered on a fresh registry, with the Go runtime and process
// collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portcullis_requests_total",
			Help: "Requests handled, by API, stage, HTTP status and cause catalogue ID (empty for allowed requests).",
		}, []string{"api", "stage", "status", "cause"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "portcullis_request_duration_seconds",
			Help:    "Time from receipt of a request to the last byte of its response.",
			Buckets: Buckets,
		}, []string{"api", "stage"}),
		integration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "portcullis_integration_duration_seconds",
			Help:    "Time spent in the integration, by integration type.",
			Buckets: Buckets,
		}, []string{"type"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portcullis_config_reloads_total",
			Help: "Configuration reloads, by result (success or failure).",
		}, []string{"result"}),
		configInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "portcullis_config_info",
			Help: "The configuration being served: 1 for its source.",
		}, []string{"source"}),
	}
	m.degraded = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "portcullis_limits_unavailable_total",
		Help: "Requests for which the shared limits store (Redis) was unreachable and redisUnavailable decided.",
	})
	dropped := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "portcullis_decisions_dropped_total",
		Help: "Decision records not stored because the decision store could not keep up.",
	}, func() float64 {
		if f := m.dropped.Load(); f != nil {
			return float64((*f)())
		}
		return 0
	})
	m.reloads.WithLabelValues("success")
	m.reloads.WithLabelValues("failure")
	m.reg.MustRegister(m.requests, m.duration, m.integration, m.reloads, m.configInfo, dropped, m.degraded,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry, for tests and for adding collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// LimitsUnavailable counts one request that found the limits store unreachable.
func (m *Metrics) LimitsUnavailable() { m.degraded.Inc() }

// SetAPIs declares the APIs and stages whose ids may appear as label values: a map from REST
// API id to its stage names. Call it at start-up and after every successful reload. Until it is
// called every api and stage label is "-".
func (m *Metrics) SetAPIs(apis map[string][]string) {
	known := make(map[string]map[string]bool, len(apis))
	for id, stages := range apis {
		set := make(map[string]bool, len(stages))
		for _, s := range stages {
			set[s] = true
		}
		known[id] = set
	}
	m.known.Store(&known)
}

// SetConfigSource records the configuration being served (portcullis_config_info{source} 1),
// replacing the previous source.
func (m *Metrics) SetConfigSource(source string) {
	m.configInfoMu.Lock()
	defer m.configInfoMu.Unlock()
	m.configInfo.Reset()
	m.configInfo.WithLabelValues(source).Set(1)
}

// Reload counts one configuration reload attempt.
func (m *Metrics) Reload(ok bool) {
	result := "failure"
	if ok {
		result = "success"
	}
	m.reloads.WithLabelValues(result).Inc()
}

// WatchDropped makes portcullis_decisions_dropped_total report f() (for example a store's
// Dropped method). f must be safe for concurrent use.
func (m *Metrics) WatchDropped(f func() uint64) {
	if f == nil {
		m.dropped.Store(nil)
		return
	}
	m.dropped.Store(&f)
}

// Observe records one request. A nil d is ignored.
func (m *Metrics) Observe(d *decision.Decision) {
	if d == nil {
		return
	}
	api, stage := m.apiLabels(d.API.RestAPIID, d.API.Stage)
	m.requests.WithLabelValues(api, stage, StatusLabel(d.Status), CauseLabel(d.Cause)).Inc()
	m.duration.WithLabelValues(api, stage).Observe(d.LatencyMs / 1000)
	if in := d.Integration; in != nil {
		m.integration.WithLabelValues(IntegrationLabel(in.Type)).Observe(in.LatencyMs / 1000)
	}
}

func (m *Metrics) apiLabels(api, stage string) (string, string) {
	known := m.known.Load()
	if known == nil {
		return Unknown, Unknown
	}
	stages, ok := (*known)[api]
	if !ok {
		return Unknown, Unknown
	}
	if !stages[stage] {
		return api, Unknown
	}
	return api, stage
}

// StatusLabel renders an HTTP status as its three-digit code, or "other" outside 100–599.
func StatusLabel(status int) string {
	if status < 100 || status > 599 {
		return Other
	}
	return strconv.Itoa(status)
}

// CauseLabel returns cause when it looks like a catalogue ID, "" for no cause, else "other".
func CauseLabel(cause string) string {
	if len(cause) > 64 {
		return Other
	}
	for i := 0; i < len(cause); i++ {
		c := cause[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return Other
		}
	}
	return cause
}

// IntegrationLabel returns an API Gateway integration type (HTTP, HTTP_PROXY, AWS, AWS_PROXY,
// MOCK) unchanged, upper-cased if needed, and "other" for anything else.
func IntegrationLabel(typ string) string {
	switch t := strings.ToUpper(typ); t {
	case "HTTP", "HTTP_PROXY", "AWS", "AWS_PROXY", "MOCK":
		return t
	}
	return Other
}
