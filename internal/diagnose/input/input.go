// Package input parses what a user captured around a failing request — HAR
// files, curl -v / curl -i transcripts, raw HTTP responses, API Gateway
// access-log lines and execution-log lines — into a common Exchange form for
// the troubleshooter (issue 8, DESIGN.md §1 "Diagnosis output").
//
// Choices:
//   - HAR: streamed entry by entry (encoding/json Decoder.Token), so memory is
//     bounded by the largest single entry plus the kept entries, not by the
//     file size. Kept entries are those whose response status is >= 400 or
//     which failed without a response (status 0 with a browser _error such as
//     net::ERR_BAD_SSL_CLIENT_AUTH_CERT). When the whole log has fewer than 5
//     entries every entry is kept (a tiny HAR was captured on purpose). Kept
//     bodies are capped at MaxBody bytes.
//   - Access and execution logs: every line / request id is returned; the
//     caller decides which ones failed (Fields["status"]).
package input

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Formats returned by Detect and accepted by Parse.
const (
	FormatHAR       = "har"
	FormatCurl      = "curl"
	FormatHTTP      = "http"
	FormatAccessLog = "accesslog"
	FormatExecLog   = "execlog"
)

// MaxBody caps every body kept in an Exchange (longer bodies are truncated).
const MaxBody = 1 << 20

// Req is the captured request.
type Req struct {
	Method  string
	URL     string
	Host    string
	Proto   string
	Headers http.Header
	Body    []byte
}

// Resp is the captured response.
type Resp struct {
	Status  int
	Proto   string
	Headers http.Header
	Body    []byte
}

// TLSInfo holds what a curl -v transcript (or a browser error) says about TLS.
type TLSInfo struct {
	// ClientCertSent: the client sent a certificate ("(OUT), TLS handshake, CERT verify (15)";
	// curl prints "(OUT) … Certificate (11)" even for the empty certificate list it sends when
	// it has none).
	ClientCertSent bool
	// CertRequested: the server asked for a client certificate ("(IN) … Request CERT (13)").
	CertRequested  bool
	HandshakeError string // "SSL certificate problem…", alert lines, curl: (35)…
	ServerName     string // host curl connected to
	Lines          []string
}

// Exchange is one request/response the user captured.
type Exchange struct {
	Request  *Req // nil when the input has no request
	Response *Resp
	TLS      *TLSInfo
	Source   string // har | curl | http | accesslog | execlog
	Entry    int    // index in the input (HAR entry, transcript exchange, log line or request group)
	Fields   map[string]string
}

// detectPrefix is how much of a reader Parse looks at to detect the format.
const detectPrefix = 64 << 10

// Parse reads r in the given format ("" or "auto" detects it).
func Parse(r io.Reader, format string) ([]Exchange, error) {
	br := bufio.NewReaderSize(r, detectPrefix)
	if format == "" || format == "auto" {
		head, err := br.Peek(detectPrefix)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
		format = Detect(head)
		if format == "" {
			return nil, errors.New("input: unrecognised format (want a HAR file, a curl -v/-i transcript, a raw HTTP response, access-log or execution-log lines)")
		}
	}
	switch format {
	case FormatHAR:
		return parseHAR(br)
	case FormatCurl:
		return parseCurl(br, FormatCurl)
	case FormatHTTP:
		return parseCurl(br, FormatHTTP)
	case FormatAccessLog:
		return parseAccessLog(br)
	case FormatExecLog:
		return parseExecLog(br)
	}
	return nil, fmt.Errorf("input: unknown format %q", format)
}

// Detect guesses the format of data (a prefix is enough); "" when unknown.
func Detect(data []byte) string {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	t = bytes.TrimPrefix(t, []byte("\xef\xbb\xbf"))
	if len(t) == 0 {
		return ""
	}
	if t[0] == '{' {
		head := t[:min(len(t), 8192)]
		if bytes.Contains(head, []byte(`"log"`)) && (bytes.Contains(head, []byte(`"entries"`)) || bytes.Contains(head, []byte(`"creator"`)) || bytes.Contains(head, []byte(`"version"`))) {
			return FormatHAR
		}
	}
	lines := strings.Split(string(t[:min(len(t), 16384)]), "\n")
	if len(lines) > 200 {
		lines = lines[:200]
	}
	curlish, exec, access := 0, 0, 0
	for _, l := range lines {
		l = strings.TrimRight(l, "\r")
		switch {
		case strings.HasPrefix(l, "> ") && reqLineRE.MatchString(l[2:]),
			strings.HasPrefix(l, "< ") && statusLineRE.MatchString(l[2:]),
			strings.HasPrefix(l, "* ") && (strings.Contains(l, "Trying ") || strings.Contains(l, "Connected to") || strings.Contains(l, "TLS")):
			curlish++
		}
		if _, _, ok := execLine(l); ok {
			exec++
		}
		if accessLine(l) {
			access++
		}
	}
	if curlish > 0 {
		return FormatCurl
	}
	first := ""
	for _, l := range lines {
		if s := strings.TrimSpace(l); s != "" {
			first = s
			break
		}
	}
	if statusLineRE.MatchString(first) || reqLineRE.MatchString(first) {
		return FormatHTTP
	}
	if exec > 0 && exec >= access {
		return FormatExecLog
	}
	if access > 0 {
		return FormatAccessLog
	}
	return ""
}

func capBody(b []byte) []byte {
	if len(b) > MaxBody {
		return b[:MaxBody]
	}
	return b
}
