// Package gateway is the data plane: it turns one HTTP request into one decision.Decision by
// running the pipeline checks in AWS's order (DESIGN.md §2), invoking the integration when every
// check passes, and rendering the decision as the HTTP response, the access log line, the
// execution log, the stored decision record and the metrics. All of them come from the same
// Decision value, so they cannot disagree.
//
// The compiled config (a *config.World) is swapped atomically on reload; each request loads it
// once, so in-flight requests finish on the config they started with.
package gateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/portcullis/portcullis/internal/authorizer"
	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/check/apikey"
	authcheck "github.com/portcullis/portcullis/internal/check/authorizer"
	endpointcheck "github.com/portcullis/portcullis/internal/check/endpoint"
	"github.com/portcullis/portcullis/internal/check/iam"
	routecheck "github.com/portcullis/portcullis/internal/check/route"
	"github.com/portcullis/portcullis/internal/check/throttle"
	"github.com/portcullis/portcullis/internal/check/tlscheck"
	"github.com/portcullis/portcullis/internal/check/wafcheck"
	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/integration"
	"github.com/portcullis/portcullis/internal/lambdainvoke"
	"github.com/portcullis/portcullis/internal/limits"
	"github.com/portcullis/portcullis/internal/logs"
	"github.com/portcullis/portcullis/internal/metrics"
	"github.com/portcullis/portcullis/internal/pipeline"
	"github.com/portcullis/portcullis/internal/store"
	"github.com/portcullis/portcullis/internal/waf"
)

// MaxBody is API Gateway's payload limit (facts §10): 10 MB.
const MaxBody = 10485760

// Options configure a Gateway.
type Options struct {
	// Decisions receives every decision record (nil: not kept).
	Decisions store.Decisions
	// Metrics observes every decision (nil: none).
	Metrics *metrics.Metrics
	// Limits holds throttle buckets, quota counters and usage (nil: no throttles or quotas).
	// It outlives config reloads: quotas must survive them.
	Limits limits.Store
	// WAFRates counts requests for AWS WAF rate-based rules across instances (the Redis
	// store); nil counts in this process only. When it is unreachable the gateway counts in
	// this process, logs it and counts the metric.
	WAFRates waf.RateCounter
	// DataDir holds execution logs ({DataDir}/logs/...); "" disables execution-log files.
	DataDir string
	// Debug adds X-Portcullis-Cause and X-Portcullis-Reason headers to gateway responses.
	// Off by default: decision details never reach the client unless asked for.
	Debug bool
	// Logger receives the gateway's own operational messages.
	Logger *slog.Logger
	// Transport is used for HTTP integrations and Lambda invokes (nil: a default transport).
	Transport http.RoundTripper
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Offline replays requests without calling integrations (`portcullis diagnose --config`):
	// a request that passes every check is answered 200 with an empty body and an allow
	// decision. Set Transport to one that refuses calls to keep Lambda authorizers offline too.
	Offline bool
}

// state is what one config generation needs at request time.
type state struct {
	world  *config.World
	client *integration.Client
	authz  *authorizer.Service
}

// Gateway serves the data plane.
type Gateway struct {
	opts   Options
	cur    atomic.Pointer[state]
	checks []pipeline.Check

	wafRates waf.RateCounter // rate-based WAF rules count across reloads

	lastDegradedLog atomic.Int64 // unix second of the last "limits store unavailable" log line

	sinkMu sync.Mutex
	sinks  map[string]logs.Sink // access- and execution-log sinks by path ("" = stdout), kept across reloads
}

// New returns a gateway serving w.
func New(w *config.World, o Options) *Gateway {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 256 // keep backend connections warm under concurrency (Go's default is 2)
		t.DisableCompression = true // pass Accept-Encoding and bodies through untouched
		o.Transport = t
	}
	g := &Gateway{
		opts:     o,
		wafRates: waf.NewMemoryRateCounter(),
		sinks:    map[string]logs.Sink{},
		checks: []pipeline.Check{
			tlscheck.Check{},
			sizeCheck{},
			endpointcheck.Check{},
			wafcheck.Check{},
			iam.VPCEndpointPolicy{},
			routecheck.Check{},
			iam.PreAuth{},
			iam.Authenticate{},
			authcheck.Check{},
			iam.Authorize{},
			apikey.Check{},
			throttle.Check{},
		},
	}
	if o.WAFRates != nil {
		g.wafRates = &fallbackRates{primary: o.WAFRates, fallback: g.wafRates, g: g}
	}
	g.Swap(w)
	return g
}

// fallbackRates counts WAF rate-based rules in the shared store, and in this process while the
// shared store is unreachable.
type fallbackRates struct {
	primary, fallback waf.RateCounter
	g                 *Gateway
}

func (f *fallbackRates) Add(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error) {
	n, err := f.primary.Add(ctx, key, window, now)
	if err == nil || !errors.Is(err, limits.ErrUnavailable) {
		return n, err
	}
	if sec := now.Unix(); f.g.lastDegradedLog.Swap(sec) != sec {
		f.g.opts.Logger.Error("LIMITS STORE UNAVAILABLE: WAF rate-based rules count in this instance only", "err", err)
	}
	if f.g.opts.Metrics != nil {
		f.g.opts.Metrics.LimitsUnavailable()
	}
	return f.fallback.Add(ctx, key, window, now)
}

// Swap makes w the config for new requests. The Lambda authorizer result cache starts empty
// for each config generation, as a redeployment does.
func (g *Gateway) Swap(w *config.World) {
	lc := lambdainvoke.NewClient(lambdainvoke.Options{
		Transport: g.opts.Transport,
		Endpoint:  w.LambdaEndpoint,
		Functions: w.LambdaFunctions,
		Region:    w.Region,
		Now:       g.opts.Now,
	})
	g.cur.Store(&state{
		world: w,
		client: integration.NewClient(integration.Options{
			Transport:       g.opts.Transport,
			Lambda:          lc,
			LambdaEndpoint:  w.LambdaEndpoint,
			LambdaFunctions: w.LambdaFunctions,
			Now:             g.opts.Now,
		}),
		authz: authorizer.New(authorizer.Options{Invoke: lc, Now: g.opts.Now, Region: w.Region, AccountID: w.AccountID}),
	})
}

// World returns the config new requests see.
func (g *Gateway) World() *config.World { return g.cur.Load().world }

// ReopenLogs reopens every log file (after log rotation).
func (g *Gateway) ReopenLogs() {
	g.sinkMu.Lock()
	defer g.sinkMu.Unlock()
	for path, s := range g.sinks {
		if r, ok := s.(interface{ Reopen() error }); ok {
			if err := r.Reopen(); err != nil {
				g.opts.Logger.Error("reopening log file", "path", path, "err", err)
			}
		}
	}
}

// Close closes the log sinks.
func (g *Gateway) Close() error {
	g.sinkMu.Lock()
	defer g.sinkMu.Unlock()
	var errs []error
	for path, s := range g.sinks {
		if path != "" {
			errs = append(errs, s.Close())
		}
	}
	g.sinks = map[string]logs.Sink{}
	return errors.Join(errs...)
}

func (g *Gateway) sink(path string) (logs.Sink, error) {
	g.sinkMu.Lock()
	defer g.sinkMu.Unlock()
	if s, ok := g.sinks[path]; ok {
		return s, nil
	}
	var s logs.Sink
	if path == "" {
		s = logs.Stdout()
	} else {
		var err error
		if s, err = logs.OpenFile(path); err != nil {
			return nil, err
		}
	}
	g.sinks[path] = s
	return s, nil
}

// Handler returns the data-plane handler for one listener ("default", "tls", or a VPC
// endpoint id).
func (g *Gateway) Handler(listener string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.serve(w, r, listener)
	})
}

// sizeCheck rejects bodies over 10 MB with the plain-text 413 (facts §1.1, §10).
type sizeCheck struct{}

func (sizeCheck) Name() string { return "request" }

func (sizeCheck) Check(r *pipeline.Request) (pipeline.Result, error) {
	if r.HTTP.ContentLength > MaxBody || len(r.Body) > MaxBody {
		ev := "the body exceeded 10485760 bytes while streaming"
		if r.HTTP.ContentLength > MaxBody {
			ev = "Content-Length: " + strconv.FormatInt(r.HTTP.ContentLength, 10)
		}
		return pipeline.Deny(&decision.Denial{
			Cause:    cause.RequestTooLarge,
			Reason:   "the request body is larger than 10 MB",
			Evidence: []string{ev},
		}), nil
	}
	return pipeline.Pass("Content-Length within 10485760 bytes"), nil
}

// requestID returns the client's x-amzn-RequestId when it is a UUID (AWS honours it, facts
// §2.1), else a new one; replaced reports a non-UUID client value.
func requestID(r *http.Request) (id string, replaced bool) {
	if v := r.Header.Get("x-amzn-RequestId"); v != "" {
		if _, err := uuid.Parse(v); err == nil && len(v) == 36 {
			return v, false // echoed as the client sent it
		}
		return uuid.NewString(), true
	}
	return uuid.NewString(), false
}

// extendedID returns an id shaped like AWS's x-amz-apigw-id ("N7SvJHWQDoEEXeA=").
func extendedID() string {
	var b [11]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// traceID returns an X-Ray trace id "Root=1-{8 hex epoch}-{24 hex}".
func traceID(now time.Time) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "Root=1-" + strconv.FormatInt(now.Unix(), 16) + "-" + hex.EncodeToString(b[:])
}

// sourceIP is the immediate TCP peer, or, when the config trusts the load balancer in front,
// the address that load balancer appended: the LAST X-Forwarded-For entry. Earlier entries are
// whatever the client sent and must never decide aws:SourceIp.
func sourceIP(r *http.Request, trustXFF bool) string {
	if trustXFF {
		if vs := r.Header.Values("X-Forwarded-For"); len(vs) > 0 {
			last := vs[len(vs)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if ip := strings.TrimSpace(last); net.ParseIP(ip) != nil {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func hostOnly(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return strings.ToLower(strings.TrimSuffix(h, "."))
}
