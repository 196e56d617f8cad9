package input

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

var (
	statusLineRE  = regexp.MustCompile(`^HTTP/(\d(?:\.\d)?) (\d{3})(?: (.*))?$`)
	statusLoose   = regexp.MustCompile(`^HTTP/\d`)
	reqLineRE     = regexp.MustCompile(`^([A-Z]+) (\S+) (HTTP/\d(?:\.\d)?)$`)
	dataMarkerRE  = regexp.MustCompile(`^[{}] \[\d+ bytes data\]$`)
	connTrailerRE = regexp.MustCompile(`\* (Connection #\d+ to host .*(left intact|closed)|Closing connection.*)$`)
)

// lineReader yields lines without their terminators, counting them from 1.
type lineReader struct {
	sc *bufio.Scanner
	n  int
}

func newLineReader(r io.Reader) *lineReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	return &lineReader{sc: sc}
}

func (l *lineReader) next() (string, bool) {
	if !l.sc.Scan() {
		return "", false
	}
	l.n++
	return strings.TrimRight(l.sc.Text(), "\r"), true
}

type curlParser struct {
	source  string
	out     []Exchange
	cur     *Exchange
	tls     *TLSInfo // current connection
	tlsUsed bool     // an exchange already carries tls
	state   int      // 0 idle, 1 request headers, 2 response headers, 3 body
	body    []string
	port    string
}

const (
	stIdle = iota
	stReqHeaders
	stRespHeaders
	stBody
)

// parseCurl handles curl -v transcripts, curl -i output and raw HTTP text
// (optionally a raw request before the response). source is recorded.
func parseCurl(r io.Reader, source string) ([]Exchange, error) {
	p := &curlParser{source: source}
	lr := newLineReader(r)
	prevBlank := true
	for {
		line, ok := lr.next()
		if !ok {
			break
		}
		if err := p.line(line, prevBlank); err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", source, lr.n, err)
		}
		prevBlank = strings.TrimSpace(line) == ""
	}
	if err := lr.sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: line %d: %w", source, lr.n+1, err)
	}
	p.flush()
	p.flushTLSOnly()
	if len(p.out) == 0 {
		return nil, fmt.Errorf("%s: no request or response found", source)
	}
	return p.out, nil
}

func (p *curlParser) flush() {
	if p.cur == nil {
		return
	}
	if p.cur.Response != nil && len(p.body) > 0 {
		b := strings.Join(p.body, "\n")
		p.cur.Response.Body = capBody([]byte(strings.TrimRight(b, "\n")))
	}
	p.body = nil
	if p.cur.Request != nil {
		p.cur.Request.URL = p.url(p.cur.Request, usedTLS(p.cur.TLS))
	}
	p.cur.Entry = len(p.out)
	p.out = append(p.out, *p.cur)
	p.cur = nil
	p.state = stIdle
}

// flushTLSOnly records a connection that failed before any request was sent.
func (p *curlParser) flushTLSOnly() {
	if p.tls != nil && !p.tlsUsed && p.tls.HandshakeError != "" {
		p.out = append(p.out, Exchange{TLS: p.tls, Source: p.source, Entry: len(p.out)})
	}
	p.tlsUsed = true
}

// usedTLS reports whether the transcript shows a TLS connection ("Connected to" alone does not).
func usedTLS(t *TLSInfo) bool {
	if t == nil {
		return false
	}
	for _, l := range t.Lines {
		if strings.Contains(l, "TLS") || strings.Contains(l, "SSL") || t.ClientCertSent {
			return true
		}
	}
	return false
}

// curlInfoRE matches curl's informational "* " lines that can follow a body.
var curlInfoRE = regexp.MustCompile(`^\* (Connection #|Closing connection|TLSv1|SSLv|SSL |Received|Leftovers|old SSL|Mark bundle|HTTP/|Issue another|We are completely uploaded|transfer closed|Excess found|Failed|OpenSSL|schannel|Connected|Trying|Hostname|Host |IPv|Re-using|Found bundle|Uses proxy|Connection died|abort|Request completely sent|using HTTP|Could not resolve|upload completely|no chunk|Establish HTTP proxy tunnel|CONNECT |Proxy |Send failure|Recv failure|Empty reply|stopped the pause|Ignoring the response-body|Remove |STATE:|ALPN|[A-Za-z-]+: )`)

func (p *curlParser) url(r *Req, tls bool) string {
	if strings.Contains(r.URL, "://") {
		return r.URL
	}
	if r.Method == http.MethodConnect { // authority-form: the tunnel's target
		return "https://" + strings.TrimSuffix(r.URL, ":443")
	}
	scheme := "http"
	if tls || p.port == "443" {
		scheme = "https"
	}
	if r.Host == "" {
		return r.URL
	}
	return scheme + "://" + r.Host + r.URL
}

func (p *curlParser) newExchange() *Exchange {
	p.flush()
	p.cur = &Exchange{Source: p.source}
	if p.tls != nil {
		p.cur.TLS = p.tls
		p.tlsUsed = true
	}
	return p.cur
}

func (p *curlParser) tlsLine(s string) {
	if strings.HasPrefix(s, "Trying ") { // a new connection
		p.flushTLSOnly()
		p.tls, p.tlsUsed, p.port = nil, false, ""
		return
	}
	if strings.HasPrefix(s, "Connected to ") {
		rest := strings.TrimPrefix(s, "Connected to ")
		host, _, _ := strings.Cut(rest, " ")
		if _, port, ok := strings.Cut(rest, " port "); ok {
			p.port, _, _ = strings.Cut(port, " ")
		}
		if p.tls == nil {
			p.tls = &TLSInfo{}
			p.tlsUsed = false
		}
		p.tls.ServerName = host
		p.tls.Lines = append(p.tls.Lines, s)
		return
	}
	low := strings.ToLower(s)
	tlsish := strings.Contains(s, "TLS") || strings.Contains(s, "SSL") || strings.Contains(low, "certificate") ||
		strings.Contains(low, "alert") || strings.HasPrefix(s, "ALPN") || strings.HasPrefix(s, " subject:") ||
		strings.HasPrefix(s, " issuer:") || strings.HasPrefix(s, " start date") || strings.HasPrefix(s, " expire date") ||
		strings.HasPrefix(s, " subjectAltName")
	if !tlsish {
		return
	}
	if p.tls == nil {
		p.tls = &TLSInfo{}
		p.tlsUsed = false
	}
	p.tls.Lines = append(p.tls.Lines, s)
	if strings.Contains(s, "(OUT)") && strings.Contains(s, "TLS handshake, CERT verify (15)") {
		p.tls.ClientCertSent = true
	}
	if strings.Contains(s, "(IN)") && strings.Contains(s, "TLS handshake, Request CERT (13)") {
		p.tls.CertRequested = true
	}
	isErr := strings.Contains(s, "SSL certificate problem") || strings.Contains(low, "ssl_connect") ||
		strings.Contains(low, "ssl_read") || strings.Contains(low, "handshake failure") ||
		(strings.Contains(low, "alert") && !strings.Contains(low, "close notify"))
	if isErr && p.tls.HandshakeError == "" {
		p.tls.HandshakeError = strings.TrimSpace(s)
	}
}

func (p *curlParser) line(line string, prevBlank bool) error {
	// curl's own error line, e.g. "curl: (35) … alert certificate required"
	if strings.HasPrefix(line, "curl: (") {
		if p.tls == nil {
			p.tls = &TLSInfo{}
			p.tlsUsed = false
		}
		p.tls.Lines = append(p.tls.Lines, line)
		low := strings.ToLower(line)
		if p.tls.HandshakeError == "" && (strings.Contains(low, "ssl") || strings.Contains(low, "tls") || strings.Contains(low, "alert") || strings.Contains(low, "certificate")) {
			p.tls.HandshakeError = line
		}
		return nil
	}
	if dataMarkerRE.MatchString(line) {
		return nil
	}
	if p.state == stBody && p.cur != nil && p.cur.Response != nil {
		// Inside a body, a line that starts like a transcript line is body text unless it is
		// curl's own (a new request or response, or one of curl's informational lines).
		switch {
		case strings.HasPrefix(line, "> ") && reqLineRE.MatchString(line[2:]),
			strings.HasPrefix(line, "< ") && statusLoose.MatchString(line[2:]),
			p.source == FormatCurl && (line == "*" || curlInfoRE.MatchString(line)):
		case strings.HasPrefix(line, "> ") || strings.HasPrefix(line, "< ") || strings.HasPrefix(line, "* ") || line == ">" || line == "<":
			p.body = append(p.body, line)
			return nil
		}
	}
	switch {
	case strings.HasPrefix(line, "* ") || line == "*":
		p.tlsLine(strings.TrimPrefix(strings.TrimPrefix(line, "*"), " "))
		return nil
	case strings.HasPrefix(line, "> ") || line == ">":
		s := strings.TrimPrefix(strings.TrimPrefix(line, ">"), " ")
		if reqLineRE.MatchString(s) {
			m := reqLineRE.FindStringSubmatch(s)
			x := p.newExchange()
			x.Request = &Req{Method: m[1], URL: m[2], Proto: m[3], Headers: http.Header{}}
			p.state = stReqHeaders
			return nil
		}
		if p.cur == nil || p.cur.Request == nil {
			return fmt.Errorf("request header %q before a request line", s)
		}
		if s == "" {
			p.state = stIdle
			return nil
		}
		return addHeader(p.cur.Request.Headers, s, &p.cur.Request.Host)
	case strings.HasPrefix(line, "< ") || line == "<":
		s := strings.TrimPrefix(strings.TrimPrefix(line, "<"), " ")
		if statusLoose.MatchString(s) {
			return p.status(s)
		}
		if p.cur == nil || p.cur.Response == nil {
			return fmt.Errorf("response header %q before a status line", s)
		}
		if s == "" {
			p.state = stBody
			return nil
		}
		return addHeader(p.cur.Response.Headers, s, nil)
	}
	// unprefixed: raw HTTP / curl -i / body
	if p.state == stBody || p.state == stIdle && p.cur != nil && p.cur.Response != nil {
		if prevBlank || len(p.body) == 0 {
			if statusLineRE.MatchString(line) {
				return p.status(line)
			}
			if reqLineRE.MatchString(line) && p.source == FormatHTTP {
				return p.request(line)
			}
		}
		if m := connTrailerRE.FindStringIndex(line); m != nil {
			line = line[:m[0]]
			if line == "" {
				return nil
			}
		}
		p.body = append(p.body, line)
		return nil
	}
	switch p.state {
	case stIdle:
		if strings.TrimSpace(line) == "" {
			return nil
		}
		if statusLoose.MatchString(line) {
			return p.status(line)
		}
		if reqLineRE.MatchString(line) {
			return p.request(line)
		}
		if p.cur != nil && p.cur.Request != nil && p.cur.Response == nil {
			return nil // request body of a raw request
		}
		return fmt.Errorf("expected an HTTP status line, got %q", trunc(line))
	case stReqHeaders:
		if line == "" {
			p.state = stIdle
			return nil
		}
		return addHeader(p.cur.Request.Headers, line, &p.cur.Request.Host)
	case stRespHeaders:
		if line == "" {
			p.state = stBody
			return nil
		}
		return addHeader(p.cur.Response.Headers, line, nil)
	}
	return nil
}

func (p *curlParser) request(line string) error {
	m := reqLineRE.FindStringSubmatch(line)
	x := p.newExchange()
	x.Request = &Req{Method: m[1], URL: m[2], Proto: m[3], Headers: http.Header{}}
	p.state = stReqHeaders
	return nil
}

func (p *curlParser) status(s string) error {
	m := statusLineRE.FindStringSubmatch(strings.TrimRight(s, " "))
	if m == nil {
		return fmt.Errorf("malformed status line %q", trunc(s))
	}
	code, _ := strconv.Atoi(m[2])
	if code < 100 || code > 999 {
		return fmt.Errorf("bad status code in %q", trunc(s))
	}
	switch {
	case p.cur != nil && p.cur.Response != nil && p.cur.Response.Status >= 100 && p.cur.Response.Status < 200:
		// interim response (100 Continue): replaced by the final one
	case p.cur != nil && p.cur.Response == nil:
	default:
		p.newExchange()
	}
	p.body = nil
	p.cur.Response = &Resp{Status: code, Proto: "HTTP/" + m[1], Headers: http.Header{}}
	p.state = stRespHeaders
	return nil
}

func addHeader(h http.Header, s string, host *string) error {
	k, v, ok := strings.Cut(s, ":")
	if !ok || strings.TrimSpace(k) == "" || strings.ContainsAny(k, " \t") {
		return fmt.Errorf("malformed header line %q", trunc(s))
	}
	v = strings.TrimSpace(v)
	h.Add(k, v)
	if host != nil && strings.EqualFold(k, "host") {
		*host = v
	}
	return nil
}

func trunc(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
