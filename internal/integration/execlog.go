package integration

import (
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"
)

// maxLogLine is API Gateway's limit for one execution-log event (facts §3.1, known issues:
// "API Gateway currently limits log events to 1024 bytes").
const maxLogLine = 1024

// truncateLine cuts a line at 1024 bytes (on a UTF-8 boundary) and marks it " [TRUNCATED]".
func truncateLine(s string) string {
	if len(s) <= maxLogLine {
		return s
	}
	cut := maxLogLine
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + " [TRUNCATED]"
}

func logLine(log func(string), line string) {
	if log != nil {
		log(truncateLine(line))
	}
}

// maskSecret masks a secret as AWS does in execution logs: stars, then the last 6 characters
// (facts §3.1). Values of 6 characters or fewer are all stars.
func maskSecret(v string) string {
	if len(v) <= 6 {
		return strings.Repeat("*", len(v))
	}
	return strings.Repeat("*", len(v)-6) + v[len(v)-6:]
}

// isSecretHeader reports whether a header's value is masked in logs.
func isSecretHeader(name string) bool {
	return strings.EqualFold(name, "Authorization") || strings.EqualFold(name, "X-Api-Key")
}

// formatHeaders renders headers as API Gateway's log does: {Name=value, Name2=v1,v2}, here in
// sorted order, with Authorization and x-api-key values masked.
func formatHeaders(h http.Header) string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		v := strings.Join(h[k], ",")
		if isSecretHeader(k) {
			v = maskSecret(v)
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	b.WriteByte('}')
	return b.String()
}
