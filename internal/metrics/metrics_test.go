package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/portcullis/portcullis/internal/decision"
)

func dec(api, stage string, status int, cause string, latencyMs float64, in *decision.Integration) *decision.Decision {
	return &decision.Decision{
		Version: decision.Version, RequestID: "r",
		API:    decision.API{RestAPIID: api, Stage: stage},
		Status: status, Cause: cause, LatencyMs: latencyMs, Integration: in,
	}
}

func TestObserveExposition(t *testing.T) {
	m := New()
	m.SetAPIs(map[string][]string{"a1b2c3d4e5": {"prod"}})
	m.SetConfigSource("/etc/portcullis.yaml")
	m.Observe(dec("a1b2c3d4e5", "prod", 200, "", 20, &decision.Integration{Type: "HTTP_PROXY", LatencyMs: 15}))
	m.Observe(dec("a1b2c3d4e5", "prod", 403, "waf-blocked", 0.5, nil))
	m.Observe(dec("a1b2c3d4e5", "nostage", 403, "stage-not-found", 0.5, nil))
	m.Observe(dec("zzzzzzzzzz", "prod", 403, "route-not-found", 0.5, nil))
	m.Observe(dec("", "", 403, "default-endpoint-disabled", 0.5, nil))
	m.Observe(dec("a1b2c3d4e5", "prod", 42, "Evil Label\n", 1, &decision.Integration{Type: "weird", LatencyMs: 1}))
	m.Observe(dec("a1b2c3d4e5", "prod", 200, "", 1, &decision.Integration{Type: "mock", LatencyMs: 0}))
	m.Observe(nil)
	m.Reload(true)
	m.Reload(false)
	m.Reload(false)
	var dropped uint64 = 7
	m.WatchDropped(func() uint64 { return dropped })

	want := `
# HELP portcullis_requests_total Requests handled, by API, stage, HTTP status and cause catalogue ID (empty for allowed requests).
# TYPE portcullis_requests_total counter
portcullis_requests_total{api="-",cause="default-endpoint-disabled",stage="-",status="403"} 1
portcullis_requests_total{api="-",cause="route-not-found",stage="-",status="403"} 1
portcullis_requests_total{api="a1b2c3d4e5",cause="",stage="prod",status="200"} 2
portcullis_requests_total{api="a1b2c3d4e5",cause="other",stage="prod",status="other"} 1
portcullis_requests_total{api="a1b2c3d4e5",cause="stage-not-found",stage="-",status="403"} 1
portcullis_requests_total{api="a1b2c3d4e5",cause="waf-blocked",stage="prod",status="403"} 1
# HELP portcullis_config_reloads_total Configuration reloads, by result (success or failure).
# TYPE portcullis_config_reloads_total counter
portcullis_config_reloads_total{result="failure"} 2
portcullis_config_reloads_total{result="success"} 1
# HELP portcullis_decisions_dropped_total Decision records not stored because the decision store could not keep up.
# TYPE portcullis_decisions_dropped_total counter
portcullis_decisions_dropped_total 7
# HELP portcullis_config_info The configuration being served: 1 for its source.
# TYPE portcullis_config_info gauge
portcullis_config_info{source="/etc/portcullis.yaml"} 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want),
		"portcullis_requests_total", "portcullis_config_reloads_total",
		"portcullis_decisions_dropped_total", "portcullis_config_info"); err != nil {
		t.Error(err)
	}

	// Histograms: counts per label set.
	for _, tc := range []struct {
		name   string
		labels []string
		count  uint64
	}{
		{"portcullis_request_duration_seconds", []string{"a1b2c3d4e5", "prod"}, 4},
		{"portcullis_request_duration_seconds", []string{"-", "-"}, 2},
		{"portcullis_integration_duration_seconds", []string{"HTTP_PROXY"}, 1},
		{"portcullis_integration_duration_seconds", []string{"MOCK"}, 1},
		{"portcullis_integration_duration_seconds", []string{"other"}, 1},
	} {
		got := histCount(t, m, tc.name, tc.labels)
		if got != tc.count {
			t.Errorf("%s%v count = %d, want %d", tc.name, tc.labels, got, tc.count)
		}
	}

	// The HTTP handler exposes every series.
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, line := range []string{
		`portcullis_requests_total{api="a1b2c3d4e5",cause="waf-blocked",stage="prod",status="403"} 1`,
		`portcullis_request_duration_seconds_bucket{api="a1b2c3d4e5",stage="prod",le="0.001"} 3`,
		`portcullis_request_duration_seconds_bucket{api="a1b2c3d4e5",stage="prod",le="0.025"} 4`,
		`portcullis_integration_duration_seconds_sum{type="HTTP_PROXY"} 0.015`,
		`portcullis_decisions_dropped_total 7`,
		`portcullis_config_info{source="/etc/portcullis.yaml"} 1`,
		`go_goroutines `,
	} {
		if !strings.Contains(string(body), line) {
			t.Errorf("exposition lacks %q", line)
		}
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q", ct)
	}
}

func TestConfigSourceReplaced(t *testing.T) {
	m := New()
	m.SetConfigSource("a.yaml")
	m.SetConfigSource("b.yaml")
	want := `
# HELP portcullis_config_info The configuration being served: 1 for its source.
# TYPE portcullis_config_info gauge
portcullis_config_info{source="b.yaml"} 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "portcullis_config_info"); err != nil {
		t.Error(err)
	}
}

func TestUnsetAPIsCollapse(t *testing.T) {
	m := New()
	m.Observe(dec("a1b2c3d4e5", "prod", 200, "", 1, nil))
	if got := testutil.ToFloat64(m.requests.WithLabelValues("-", "-", "200", "")); got != 1 {
		t.Errorf("before SetAPIs: {-,-} = %v, want 1", got)
	}
	if n := testutil.CollectAndCount(m.requests); n != 1 {
		t.Errorf("series = %d, want 1", n)
	}
}

func TestLabels(t *testing.T) {
	for _, tc := range []struct{ fn, in, want string }{
		{"cause", "", ""},
		{"cause", "waf-blocked", "waf-blocked"},
		{"cause", "WAF", Other},
		{"cause", strings.Repeat("a", 65), Other},
		{"cause", strings.Repeat("a", 64), strings.Repeat("a", 64)},
		{"type", "AWS_PROXY", "AWS_PROXY"},
		{"type", "http", "HTTP"},
		{"type", "", Other},
		{"type", "LAMBDA", Other},
	} {
		var got string
		if tc.fn == "cause" {
			got = CauseLabel(tc.in)
		} else {
			got = IntegrationLabel(tc.in)
		}
		if got != tc.want {
			t.Errorf("%s(%q) = %q, want %q", tc.fn, tc.in, got, tc.want)
		}
	}
	for in, want := range map[int]string{0: Other, 99: Other, 100: "100", 403: "403", 599: "599", 600: Other, -1: Other} {
		if got := StatusLabel(in); got != want {
			t.Errorf("StatusLabel(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestConcurrentObserve(t *testing.T) {
	m := New()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 100 {
				m.Observe(dec("a", "prod", 403, "waf-blocked", 1, nil))
				if i == 0 {
					m.SetAPIs(map[string][]string{"a": {"prod"}})
					m.SetConfigSource("x")
					m.Reload(true)
				}
			}
		})
	}
	wg.Wait()
	total := testutil.ToFloat64(m.requests.WithLabelValues("a", "prod", "403", "waf-blocked")) +
		testutil.ToFloat64(m.requests.WithLabelValues("-", "-", "403", "waf-blocked"))
	if total != 800 {
		t.Errorf("total = %v, want 800", total)
	}
}

// histCount returns the sample count of the histogram series name{labels…}, where labels are
// the label values in the order of the sorted label names.
func histCount(t *testing.T, m *Metrics, name string, labels []string) uint64 {
	t.Helper()
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, s := range mf.GetMetric() {
			if len(s.GetLabel()) != len(labels) {
				continue
			}
			for i, l := range s.GetLabel() {
				if l.GetValue() != labels[i] {
					continue series
				}
			}
			return s.GetHistogram().GetSampleCount()
		}
	}
	return 0
}
