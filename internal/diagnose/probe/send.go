package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sort"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

// relevantHeaders are the response headers a probe keeps: the ones that say who answered and
// why (facts §10: x-amzn-RequestId, x-amz-apigw-id, x-amzn-ErrorType on every API Gateway
// error; CloudFront's Via/X-Cache; HTTP APIs' apigw-requestid; private APIs' Server: Server).
var relevantHeaders = []string{
	"Server", "Via", "X-Cache", "X-Amz-Cf-Id", "X-Amz-Cf-Pop",
	"X-Amzn-Requestid", "X-Amz-Apigw-Id", "Apigw-Requestid", "X-Amzn-Errortype", "X-Amzn-Waf-Action",
	"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
	"Content-Type", "Www-Authenticate", "Location", "X-Portcullis-Cause",
}

// send sends one request within the budget, records it in the report and returns a copy;
// false when the budget is spent (nothing was sent).
func (p *prober) send(ctx context.Context, s spec) (Probe, bool) {
	if p.rep.Requests >= p.max {
		return Probe{}, false
	}
	// The path goes out exactly as escaped in the URL (an encoded slash stays encoded).
	target := &url.URL{Scheme: p.u.Scheme, Host: p.u.Host, RawQuery: s.query, Path: s.path, RawPath: s.path}
	if unesc, err := url.PathUnescape(s.path); err == nil {
		target.Path = unesc
	}
	pr := Probe{Name: s.name, Why: s.why, Stage: s.stage, Method: s.method, URL: maskURL(target), Host: s.host}
	if pr.Host == "" {
		pr.Host = p.u.Host
	}
	names := make([]string, 0, len(s.header))
	for k := range s.header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range s.header[k] {
			h := Header{Name: k, Value: v, Dummy: s.dummy[k]}
			if s.fromUser[k] && IsSecretName(k) {
				h.Value, h.Masked = Mask(v), true
			}
			pr.Headers = append(pr.Headers, h)
		}
	}
	if pr.Headers == nil {
		pr.Headers = []Header{}
	}

	rctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	var remote string
	rctx = httptrace.WithClientTrace(rctx, &httptrace.ClientTrace{GotConn: func(ci httptrace.GotConnInfo) {
		if ci.Conn != nil {
			remote = ci.Conn.RemoteAddr().String()
		}
	}})
	req, err := http.NewRequestWithContext(rctx, s.method, target.String(), nil)
	if err != nil {
		pr.Error = "building the request: " + err.Error()
		p.rep.Probes = append(p.rep.Probes, pr)
		return pr, true
	}
	req.Header = s.header.Clone()
	if s.host != "" {
		req.Host = s.host
	}
	p.rep.Requests++
	start := time.Now()
	resp, err := p.client.Do(req)
	if err != nil {
		pr.LatencyMs = ms(time.Since(start))
		pr.RemoteAddr = remote
		pr.Error = describeErr(err, p.timeout)
		p.rep.Probes = append(p.rep.Probes, pr)
		return pr, true
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	_ = resp.Body.Close()
	pr.LatencyMs = ms(time.Since(start))
	pr.RemoteAddr = remote
	if len(body) > MaxBody {
		body, pr.BodyTruncated = body[:MaxBody], true
	}
	pr.BodyBytes = len(body)
	pr.Status = resp.StatusCode
	pr.ErrorType = errorType(resp.Header.Get("X-Amzn-Errortype"))
	pr.RequestID = strings.TrimSpace(resp.Header.Get("X-Amzn-Requestid"))
	pr.ExtendedRequestID = strings.TrimSpace(resp.Header.Get("X-Amz-Apigw-Id"))
	for _, k := range relevantHeaders {
		if v := resp.Header.Values(k); len(v) > 0 {
			if pr.ResponseHeaders == nil {
				pr.ResponseHeaders = map[string]string{}
			}
			pr.ResponseHeaders[k] = clip(scrub(strings.Join(v, ", "), p.secrets), 512)
		}
	}
	if s.method != http.MethodHead && resp.StatusCode >= 400 {
		pr.Message = clip(scrubMessage(ExtractMessage(body), p.secrets, p.dummies), maxMessage)
	}
	if rerr != nil && !errors.Is(rerr, io.ErrUnexpectedEOF) {
		pr.Error = "reading the body: " + describeErr(rerr, p.timeout)
	}
	p.rep.Probes = append(p.rep.Probes, pr)
	return pr, true
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// errorType returns an x-amzn-ErrorType value without the ":http://internal.amazon.com/…"
// suffix some AWS services append.
func errorType(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, ':'); i >= 0 {
		v = v[:i]
	}
	return v
}

// ExtractMessage returns the message of a response body: the "message" (or "Message", as
// ACCESS_DENIED bodies spell it, facts §1.1) string of a JSON object; "" for a JSON null
// message ({"message": null}, facts §1.1); otherwise the first non-empty line of a text body.
// Binary bodies give "". The result is valid UTF-8 without control characters.
func ExtractMessage(body []byte) string {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return ""
	}
	if b[0] == '{' {
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &m) == nil {
			raw, ok := m["message"]
			if !ok {
				raw, ok = m["Message"]
			}
			if !ok {
				for k, v := range m {
					if strings.EqualFold(k, "message") {
						raw, ok = v, true
						break
					}
				}
			}
			if ok {
				var s string
				if json.Unmarshal(raw, &s) == nil {
					return clean(s)
				}
				if string(bytes.TrimSpace(raw)) == "null" {
					return ""
				}
				return clean(string(raw))
			}
			return clean(string(b))
		}
	}
	if !utf8.Valid(b) {
		return ""
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return clean(line)
}

// clean replaces control characters (except newline and tab inside multi-line AWS messages)
// with spaces and drops invalid UTF-8.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
}

// clip shortens s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// describeErr says in plain words why a request got no response. The *url.Error wrapper is
// dropped: it repeats the URL, which may carry secrets in its query.
func describeErr(err error, timeout time.Duration) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var de *net.DNSError
	var te interface{ Timeout() bool }
	var certErr *tls.CertificateVerificationError
	var oe *net.OpError
	switch {
	case errors.As(err, &de):
		if de.IsNotFound {
			return fmt.Sprintf("DNS: no such host %s", de.Name)
		}
		return "DNS: " + de.Error()
	case errors.Is(err, syscall.ECONNREFUSED):
		if errors.As(err, &oe) && oe.Addr != nil {
			return fmt.Sprintf("connection refused: nothing listens at %s", oe.Addr)
		}
		return "connection refused"
	case errors.As(err, &certErr):
		return "TLS: the server's certificate is not trusted: " + certErr.Err.Error()
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &te) && te.Timeout():
		return fmt.Sprintf("timed out after %s", timeout)
	}
	return err.Error()
}
