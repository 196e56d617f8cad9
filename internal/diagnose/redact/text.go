package redact

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// MaxLine is the longest line Text copies (the input parsers' limit too).
const MaxLine = 64 << 20

// maxKnownText bounds the secrets a transcript remembers (see known).
const maxKnownText = 256

// curlH2RE is curl 8's HTTP/2 request header line: "* [HTTP/2] [1] [authorization: Bearer …]".
var curlH2RE = regexp.MustCompile(`^(\* \[HTTP/[23]\] \[\d+\] \[)([^:\]\s]+|:[a-z]+): ([^\r]*)\]$`)

// Text copies a curl -v / curl -i transcript, raw HTTP, access-log or execution-log lines from
// src to dst with their secrets masked, line by line (bounded memory: one line, at most
// MaxLine bytes). Header lines with a secret name ("> Authorization: …", "x-api-key: …",
// "* [HTTP/2] [1] [x-api-key: …]") are masked as Value does; every other line is masked as Scrub
// does, which covers JSON access-log lines (apiKey, authorizationToken…), execution-log maps
// ("Method request headers: {…, x-api-key=…}", facts §3.1) and query strings in URLs. A
// secret seen in a header is also masked wherever it appears later (a response body quoting
// the Authorization header). Line endings are kept byte for byte.
func Text(dst io.Writer, src io.Reader) error {
	_, err := TextStats(dst, src)
	return err
}

// TextStats is Text, also saying what it masked.
func TextStats(dst io.Writer, src io.Reader) (Stats, error) {
	var st Stats
	m := masker{stats: &st}
	br := bufio.NewReaderSize(src, 64<<10)
	w := bufio.NewWriterSize(dst, 64<<10)
	var long []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(long)+len(chunk) > MaxLine {
				return st, fmt.Errorf("redact: text: line %d: longer than %d bytes", st.Lines+1, MaxLine)
			}
			long = append(long, chunk...)
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return st, fmt.Errorf("redact: text: line %d: %w", st.Lines+1, err)
		}
		line := chunk
		if long != nil {
			long = append(long, chunk...)
			if len(long) > MaxLine {
				return st, fmt.Errorf("redact: text: line %d: longer than %d bytes", st.Lines+1, MaxLine)
			}
			line = long
		}
		if len(line) > 0 {
			st.Lines++
			body := bytes.TrimRight(line, "\r\n")
			w.WriteString(m.line(string(body)))
			w.Write(line[len(body):])
		}
		if len(long) > 1<<20 {
			long = nil // do not keep one huge line's buffer
		} else if long != nil {
			long = long[:0]
		}
		if err != nil { // io.EOF
			break
		}
		if _, werr := w.Write(nil); werr != nil {
			return st, fmt.Errorf("redact: text: write: %w", werr)
		}
	}
	if err := w.Flush(); err != nil {
		return st, fmt.Errorf("redact: text: write: %w", err)
	}
	return st, nil
}

// line masks one line of a transcript or log.
func (m *masker) line(l string) string {
	if strings.HasPrefix(l, "* [HTTP/") {
		if sm := curlH2RE.FindStringSubmatch(l); sm != nil {
			return sm[1] + m.replaceKnown(sm[2]) + ": " + m.header(sm[2], sm[3]) + "]"
		}
	}
	if name, value, ok := headerLine(l); ok {
		// Generic names (key, code, credential) count only on curl's marked header lines.
		if r, ok := classify(name, false); ok && (r.colon || strings.HasPrefix(l, "> ") || strings.HasPrefix(l, "< ")) {
			out := m.replaceKnown(m.apply(r, value))
			m.rotateKnown()
			m.rememberValue(r, value, maxKnownText)
			return m.replaceKnown(l[:len(l)-len(value)]) + out
		}
	}
	return m.scrub(l)
}

// headerLine splits "Name: value" (HTTP token name, optionally after curl's "> " or "< ")
// into the name and the value after the blanks that follow the colon. A line holding a bare
// CR is not a header line.
func headerLine(l string) (name, value string, ok bool) {
	if strings.HasPrefix(l, "> ") || strings.HasPrefix(l, "< ") {
		l = l[2:]
	}
	i := 0
	for i < len(l) && isTokenChar(l[i]) {
		i++
	}
	if i == 0 || i == len(l) || l[i] != ':' || strings.IndexByte(l, '\r') >= 0 {
		return "", "", false
	}
	return l[:i], strings.TrimLeft(l[i+1:], " \t"), true
}

// isTokenChar: an HTTP header-name character (RFC 9110 tchar).
func isTokenChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// header masks a header value by name, remembering a secret.
func (m *masker) header(name, v string) string {
	r, ok := classify(name, false)
	if !ok {
		return m.scrub(v)
	}
	out := m.replaceKnown(m.apply(r, v))
	m.rotateKnown()
	m.rememberValue(r, v, maxKnownText)
	return out
}

// rotateKnown keeps the most recent secrets once the list is full, so a long log keeps masking
// the secrets of its latest requests.
func (m *masker) rotateKnown() {
	if len(m.known) >= maxKnownText {
		m.known = append(m.known[:0], m.known[maxKnownText/2:]...)
	}
}
