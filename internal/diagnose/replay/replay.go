// Package replay sends a captured request through the real gateway pipeline offline
// (`portcullis diagnose --config`): the checks are the gateway's own pure evaluators, the
// integration is not called, and every outbound call (Lambda authorizers included) is refused,
// so the answer depends only on the config and the captured request.
package replay

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/diagnose/input"
	"github.com/portcullis/portcullis/internal/gateway"
	"github.com/portcullis/portcullis/internal/limits"
	"github.com/portcullis/portcullis/internal/store"
)

// ErrNoRequest means the capture has no request to replay.
var ErrNoRequest = errors.New("replay: the capture has no request (method and path) to replay")

// Result is the replay's answer.
type Result struct {
	Decision *decision.Decision
	Status   int
	// Notes say what the replay could not reproduce (a client certificate, the clock, state).
	Notes []string
}

type offline struct{}

func (offline) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("offline replay: no network calls (%s %s)", r.Method, r.URL.Host)
}

// Replay answers x's request with the world w, whose stages' access logs it turns off (the
// caller hands over a freshly loaded world). The gateway's clock is the captured response
// Date (so SigV4's 5-minute window is judged as it was), else now.
func Replay(w *config.World, x input.Exchange) (*Result, error) {
	if x.Request == nil || x.Request.Method == "" {
		return nil, ErrNoRequest
	}
	res := &Result{}
	now := time.Now()
	if x.Response != nil {
		if t, err := http.ParseTime(x.Response.Headers.Get("Date")); err == nil {
			now = t
			res.Notes = append(res.Notes, "the gateway clock is set to the captured response Date "+x.Response.Headers.Get("Date"))
		}
	}
	req, listener, err := build(w, x, res)
	if err != nil {
		return nil, err
	}
	// No log files or stdout lines from a replay: only the decision is wanted.
	for _, api := range w.APIList {
		for _, st := range api.StageList {
			st.AccessLog = nil
		}
	}
	lim, err := limits.NewEmbedded("", func() time.Time { return now })
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	defer lim.Close()
	mem := store.NewMemory(4)
	gw := gateway.New(w, gateway.Options{Decisions: mem, Limits: lim, Offline: true, Transport: offline{}, Now: func() time.Time { return now }})
	defer gw.Close()
	rec := httptest.NewRecorder()
	gw.Handler(listener).ServeHTTP(rec, req)
	res.Status = rec.Code
	id := ""
	for k, vs := range rec.Header() { // set in AWS's spelling, not Go's canonical form
		if strings.EqualFold(k, "x-amzn-RequestId") && len(vs) > 0 {
			id = vs[0]
		}
	}
	d, ok := mem.Get(id)
	if !ok {
		return nil, errors.New("replay: the gateway recorded no decision")
	}
	res.Decision = d
	return res, nil
}

// build turns the capture into an http.Request and picks the listener: a VPC endpoint's when the
// host names one of the config's endpoints.
func build(w *config.World, x input.Exchange, res *Result) (*http.Request, string, error) {
	cr := x.Request
	raw := cr.URL
	if !strings.Contains(raw, "://") {
		host := cr.Host
		if host == "" {
			host = cr.Headers.Get("Host")
		}
		if host == "" {
			host = "localhost"
		}
		raw = "https://" + host + "/" + strings.TrimPrefix(raw, "/")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, "", fmt.Errorf("replay: request URL %q: %w", raw, err)
	}
	req := httptest.NewRequest(cr.Method, u.RequestURI(), io.NopCloser(bytes.NewReader(cr.Body)))
	for k, vs := range cr.Headers {
		if strings.HasPrefix(k, ":") { // HTTP/2 pseudo-headers in HARs
			continue
		}
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Host = u.Host
	if h := cr.Headers.Get("Host"); h != "" {
		req.Host = h
	} else if a := cr.Headers.Get(":authority"); a != "" {
		req.Host = a
	}
	req.Header.Del("Host")
	req.ContentLength = int64(len(cr.Body))
	if ip := x.Fields["identity.sourceIp"]; ip != "" && ip != "-" {
		req.RemoteAddr = ip + ":443"
	} else {
		req.RemoteAddr = "203.0.113.10:443"
		res.Notes = append(res.Notes, "the client address is unknown; the replay uses 203.0.113.10 (IP conditions and WAF IP sets may differ)")
	}
	if u.Scheme == "https" {
		req.TLS = &tls.ConnectionState{Version: tls.VersionTLS12, ServerName: strings.Split(req.Host, ":")[0], HandshakeComplete: true}
		if x.TLS != nil && x.TLS.ClientCertSent {
			res.Notes = append(res.Notes, "the capture shows a client certificate, but a capture does not contain it: mutual TLS is replayed without one")
		}
	}
	listener := "default"
	host := strings.ToLower(strings.Split(req.Host, ":")[0])
	for id := range w.VPCEndpoints {
		if strings.HasPrefix(host, id+"-") || strings.Contains(host, "-"+id+".") {
			listener = id
		}
	}
	if v := x.Fields["identity.vpceId"]; v != "" && w.VPCEndpoints[v] != nil {
		listener = v
	}
	if listener != "default" {
		res.Notes = append(res.Notes, "replayed on VPC endpoint "+listener)
	}
	return req, listener, nil
}
