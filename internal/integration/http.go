package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// droppedRequestHeaders never reach an integration, proxy or not. Source: the headers
// LocalStack drops as validated against AWS (facts [LS], header_utils.py
// DROPPED_FROM_REQUEST_COMMON), plus Host (facts §10 known issues: "The Host header will not
// be forwarded to HTTP endpoints") and the remaining hop-by-hop headers of RFC 9110 §7.6.1.
var droppedRequestHeaders = map[string]bool{
	"Connection": true, "Content-Length": true, "Content-Md5": true, "Expect": true,
	"Max-Forwards": true, "Proxy-Authenticate": true, "Server": true, "Te": true,
	"Transfer-Encoding": true, "Trailer": true, "Upgrade": true, "Www-Authenticate": true,
	"Host": true, "Keep-Alive": true, "Proxy-Connection": true,
}

// RemappedResponseHeaders are the endpoint response headers API Gateway renames to
// X-Amzn-Remapped-<Name> instead of returning them (facts §10). Source: the AWS Developer
// Guide's known issues ("The following headers may be remapped to x-amzn-Remapped-HEADER
// when … sent back by your integration endpoint", archived api-gateway-known-issues.md),
// narrowed to the ones LocalStack's AWS-validated tests remap
// (REMAPPED_FROM_INTEGRATION_RESPONSE_NON_PROXY, header_utils.py). Applied to HTTP_PROXY
// responses and to the headers of Lambda proxy responses; non-proxy responses only carry
// mapped headers.
var RemappedResponseHeaders = []string{
	"Authorization", "Connection", "Content-Length", "Content-MD5", "Date", "Expect", "Host",
	"Max-Forwards", "Proxy-Authenticate", "Server", "Trailer", "Upgrade", "User-Agent",
	"WWW-Authenticate",
}

// connectionListed returns the headers a Connection header names: hop-by-hop by RFC 9110
// §7.6.1, never forwarded.
func connectionListed(h http.Header) map[string]bool {
	var out map[string]bool
	for _, v := range h.Values("Connection") {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				if out == nil {
					out = map[string]bool{}
				}
				out[http.CanonicalHeaderKey(name)] = true
			}
		}
	}
	return out
}

// remapHeaders renames the remapped headers in place. Transfer-Encoding, Keep-Alive,
// Proxy-Connection and headers a Connection header names are dropped (hop-by-hop).
func remapHeaders(h http.Header) {
	for name := range connectionListed(h) {
		h.Del(name)
	}
	h.Del("Keep-Alive")
	h.Del("Proxy-Connection")
	for _, name := range RemappedResponseHeaders {
		if vs, ok := h[http.CanonicalHeaderKey(name)]; ok {
			delete(h, http.CanonicalHeaderKey(name))
			h[http.CanonicalHeaderKey("X-Amzn-Remapped-"+name)] = vs
		}
	}
	h.Del("Transfer-Encoding")
}

// isSigV4 reports an Authorization header carrying a SigV4(a) signature, which API Gateway
// drops before the integration (facts §5.2 known issue).
func isSigV4(v string) bool {
	return strings.HasPrefix(v, "AWS4-HMAC-SHA256 ") || strings.HasPrefix(v, "AWS4-ECDSA-P256-SHA256 ")
}

// pathVar matches {name} and {name+} in an integration URI.
var pathVar = regexp.MustCompile(`\{([A-Za-z0-9._-]+)\+?\}`)

// endpointURI builds the endpoint request URI: stage variables substituted
// (${stageVariables.x}, $stageVariables.x; facts §10), then {name} replaced by the mapped
// integration.request.path.name, else the same-named method path parameter, escaped per
// segment ("/" in greedy values is kept).
func (k *call) endpointURI(pathParams map[string]string) (*url.URL, string, *Failure) {
	raw := k.render(k.Integration.URI)
	raw = pathVar.ReplaceAllStringFunc(raw, func(m string) string {
		name := pathVar.FindStringSubmatch(m)[1]
		v, ok := pathParams[name]
		if !ok {
			v = k.PathParams[name]
		}
		if !strings.Contains(k.ResourcePath, "{"+name+"+}") {
			// A single-segment value keeps an encoded "/" encoded: it must not add path segments.
			return escapeSegment(v)
		}
		segs := strings.Split(v, "/")
		for i, s := range segs {
			segs[i] = escapeSegment(s)
		}
		return strings.Join(segs, "/")
	})
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return nil, raw, &Failure{Cause: CauseConfigError, URI: raw,
			Detail: "Execution failed due to configuration error: Invalid endpoint address"}
	}
	return u, raw, nil
}

// escapeSegment escapes one path segment; "." and ".." are escaped too, so that a value taken
// from the client can never climb out of the integration URI's path at the backend.
func escapeSegment(s string) string {
	switch s {
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	return url.PathEscape(s)
}

// traceID returns the client's X-Amzn-Trace-Id when it has a Root, else a new X-Ray id.
func (k *call) traceID() string {
	if v := k.In.Header.Get("X-Amzn-Trace-Id"); strings.Contains(v, "Root=") {
		return v
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%s", k.RequestTime.Unix(), hex.EncodeToString(b[:]))
}

// forwarded returns X-Forwarded-For (the client's list with the source IP appended),
// X-Forwarded-Proto and X-Forwarded-Port. API Gateway, which only listens on HTTPS, always
// sends https/443; locally the listener's real scheme and port are sent.
func (k *call) forwarded() (xff, proto, port string) {
	xff = k.SourceIP
	if prev := strings.Join(k.In.Header.Values("X-Forwarded-For"), ", "); prev != "" {
		xff = prev + ", " + k.SourceIP
		if k.SourceIP == "" {
			xff = prev
		}
	}
	proto, port = "http", "80"
	if k.In.TLS != nil {
		proto, port = "https", "443"
	}
	if _, p, err := net.SplitHostPort(k.In.Host); err == nil && p != "" {
		port = p
	}
	return xff, proto, port
}

// http runs HTTP (custom) and HTTP_PROXY integrations.
func (k *call) http(ctx context.Context, proxy bool) (*Response, *Failure) {
	params := k.mapRequestParameters()
	u, _, f := k.endpointURI(params.path)
	if f != nil {
		return nil, f
	}
	method := k.Integration.HTTPMethod
	if method == "" || method == "ANY" {
		method = k.In.Method
	}

	// Query string: the client's, raw and in order, for HTTP_PROXY; then mapped parameters.
	q := u.RawQuery
	add := func(s string) {
		if s == "" {
			return
		}
		if q != "" {
			q += "&"
		}
		q += s
	}
	if proxy {
		add(k.In.URL.RawQuery)
	}
	for _, p := range params.query {
		add(url.QueryEscape(p.k) + "=" + url.QueryEscape(p.v))
	}
	u.RawQuery = q

	h := http.Header{}
	var body []byte
	if proxy {
		listed := connectionListed(k.In.Header)
		for name, vs := range k.In.Header {
			if droppedRequestHeaders[name] || listed[name] {
				continue
			}
			if name == "Authorization" && len(vs) > 0 && isSigV4(vs[0]) {
				continue
			}
			h[name] = append([]string(nil), vs...)
		}
		xff, proto, port := k.forwarded()
		h.Set("X-Forwarded-For", xff)
		h.Set("X-Forwarded-Proto", proto)
		h.Set("X-Forwarded-Port", port)
		body = k.Body
	} else {
		var templated bool
		body, templated, f = k.integrationRequestBody()
		if f != nil {
			f.URI = u.String()
			return nil, f
		}
		if len(body) > 0 {
			ct := k.In.Header.Get("Content-Type")
			if templated || ct == "" {
				ct = "application/json"
			}
			h.Set("Content-Type", ct)
		}
	}
	if h.Get("User-Agent") == "" {
		h.Set("User-Agent", "AmazonAPIGateway_"+k.APIID)
	}
	h.Set("X-Amzn-Apigateway-Api-Id", k.APIID)
	h.Set("X-Amzn-Trace-Id", k.traceID())
	for _, p := range params.header {
		h.Set(p.k, p.v)
	}
	uri := u.String()

	k.logf("Endpoint request URI: %s", uri)
	k.logf("Endpoint request headers: %s", formatHeaders(h))
	k.logf("Endpoint request body after transformations: %s", body)
	k.logf("Sending request to %s", uri)

	tctx, dl := startDeadline(ctx, k.Integration)
	req, err := http.NewRequestWithContext(tctx, method, uri, bytes.NewReader(body))
	if err != nil {
		dl.stop()
		dl.cancel()
		return nil, &Failure{Cause: CauseConfigError, URI: uri, Detail: "Execution failed due to configuration error: Invalid endpoint address"}
	}
	req.Header = h
	req.Host = u.Host
	req.ContentLength = int64(len(body))
	if len(body) == 0 {
		req.Body = http.NoBody
	}
	rt := k.c.transport
	if k.Integration.InsecureSkipVerify {
		rt = k.c.insecure
	}
	start := k.c.now()
	resp, err := rt.RoundTrip(req)
	if !proxy && err == nil {
		// Custom integrations buffer the whole response within the timeout.
		var b []byte
		b, err = io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
		resp.Body.Close()
		if err == nil && len(b) > maxResponseBody {
			dl.stop()
			dl.cancel()
			return nil, &Failure{Cause: CauseConfigError, URI: uri, IntegrationStatus: resp.StatusCode,
				Detail: "Execution failed due to configuration error: Endpoint response body exceeds 10485760 bytes"}
		}
		resp.Body = io.NopCloser(bytes.NewReader(b))
	}
	timedOut := dl.stop()
	if err != nil || timedOut {
		if resp != nil {
			resp.Body.Close()
		}
		dl.cancel()
		return nil, transportFailure(err, timedOut, uri)
	}
	latency := k.c.now().Sub(start).Milliseconds()
	k.logf("Received response. Status: %d, Integration latency: %d ms", resp.StatusCode, latency)
	k.logf("Endpoint response headers: %s", formatHeaders(resp.Header))

	if proxy {
		out := resp.Header.Clone()
		remapHeaders(out)
		if resp.ContentLength >= 0 {
			out.Set("Content-Length", strconv.FormatInt(resp.ContentLength, 10))
		}
		if out.Get("Content-Type") == "" {
			out.Set("Content-Type", "application/json")
		}
		return &Response{
			Status:            resp.StatusCode,
			Header:            out,
			Body:              &cancelOnClose{ReadCloser: resp.Body, cancel: dl.cancel},
			IntegrationStatus: resp.StatusCode,
			URI:               uri,
		}, nil
	}
	dl.cancel()
	b, _ := io.ReadAll(resp.Body)
	k.logf("Endpoint response body before transformations: %s", b)
	ir := k.selectResponse(strconv.Itoa(resp.StatusCode))
	if ir == nil {
		f := noMatch(resp.StatusCode)
		f.URI = uri
		return nil, f
	}
	out, f := k.methodResponse(ir, resp.StatusCode, resp.Header, b, true)
	if f != nil {
		f.URI = uri
		return nil, f
	}
	out.URI = uri
	return out, nil
}

// transportFailure classifies an error reaching an endpoint: the integration timeout →
// integration-timeout; TLS verification → integration-config-error (AWS logs "General
// SSLEngine problem" [OBS, UNCONFIRMED wording] and answers 500); an unresolvable host →
// integration-config-error "Invalid endpoint address"; any other network error →
// integration-failure.
func transportFailure(err error, timedOut bool, uri string) *Failure {
	if timedOut {
		return &Failure{Cause: CauseTimeout, URI: uri, Detail: "Execution failed due to a timeout error"}
	}
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		invalid          x509.CertificateInvalidError
		verify           *tls.CertificateVerificationError
		dns              *net.DNSError
	)
	switch {
	case errors.As(err, &hostname):
		return &Failure{Cause: CauseConfigError, URI: uri, Detail: fmt.Sprintf(
			"Execution failed due to configuration error: Host name '%s' does not match the certificate subject provided by the peer", hostname.Host)}
	case errors.As(err, &unknownAuthority), errors.As(err, &invalid), errors.As(err, &verify):
		return &Failure{Cause: CauseConfigError, URI: uri, Detail: "Execution failed due to configuration error: General SSLEngine problem"}
	case errors.As(err, &dns):
		return &Failure{Cause: CauseConfigError, URI: uri, Detail: "Execution failed due to configuration error: Invalid endpoint address"}
	}
	return &Failure{Cause: CauseFailure, URI: uri, Detail: "Execution failed due to a network error: " + err.Error()}
}

// cancelOnClose releases the request context once the streamed body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
	once   sync.Once
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.once.Do(c.cancel)
	return err
}
