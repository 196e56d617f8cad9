package probe

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// IsSecretName reports whether a header or query parameter name carries a credential:
// Authorization, Proxy-Authorization, Cookie, x-api-key, X-Amz-Security-Token, SigV4 query
// parameters, and any name containing token, secret, password, session, credential,
// signature, auth or key.
func IsSecretName(name string) bool {
	n := strings.ToLower(name)
	if n == "x-apigw-api-id" {
		return false
	}
	for _, s := range []string{"auth", "cookie", "key", "token", "secret", "password", "passwd", "session", "credential", "signature"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// Mask hides a secret value: "****" plus its last four characters when it is at least 12
// characters long (so that two secrets can be told apart), and the leading authentication
// scheme word ("Bearer", "Basic", "AWS4-HMAC-SHA256") when there is one. Never the whole value.
func Mask(v string) string {
	scheme := ""
	if s, rest, ok := strings.Cut(v, " "); ok && rest != "" && isSchemeWord(s) {
		scheme, v = s+" ", strings.TrimLeft(rest, " ")
	}
	if len(v) < 12 {
		return scheme + "****"
	}
	tail := v[len(v)-4:]
	// Never cut a UTF-8 sequence in half (keeps the report valid UTF-8 JSON).
	for len(tail) > 0 && tail[0]&0xC0 == 0x80 {
		tail = tail[1:]
	}
	return scheme + "****" + tail
}

func isSchemeWord(s string) bool {
	if s == "" || len(s) > 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// maskURL masks the values of secret query parameters (presigned SigV4 URLs, api keys in the
// query) and any userinfo.
func maskURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User("****")
	}
	if c.RawQuery != "" {
		parts := strings.Split(c.RawQuery, "&")
		for i, p := range parts {
			k, v, ok := strings.Cut(p, "=")
			name, err := url.QueryUnescape(k)
			if err != nil {
				name = k
			}
			if ok && IsSecretName(name) {
				dv, err := url.QueryUnescape(v)
				if err != nil {
					dv = v
				}
				parts[i] = k + "=" + strings.ReplaceAll(url.QueryEscape(Mask(dv)), "%2A", "*")
			}
		}
		c.RawQuery = strings.Join(parts, "&")
	}
	return c.String()
}

// secretValues collects the values of the user's secret headers and query parameters, longest
// first, for scrubbing from response messages (an IncompleteSignatureException message quotes
// the Authorization header).
func secretValues(h http.Header, q url.Values) []string {
	var out []string
	add := func(name string, vals []string) {
		if !IsSecretName(name) {
			return
		}
		for _, v := range vals {
			v = strings.TrimSpace(v)
			if len(v) >= 4 {
				out = append(out, v)
				if _, rest, ok := strings.Cut(v, " "); ok && len(strings.TrimSpace(rest)) >= 4 {
					out = append(out, strings.TrimSpace(rest)) // the token after "Bearer "
				}
			}
		}
	}
	for k, v := range h {
		add(k, v)
	}
	for k, v := range q {
		add(k, v)
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// scrub replaces every secret value inside s by its mask.
func scrub(s string, secrets []string) string {
	for _, v := range secrets {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Mask(v))
		}
	}
	return s
}

// ErrBadHeader is matched (errors.Is) by ParseHeader's errors.
var ErrBadHeader = errors.New("bad header")

// ParseHeader parses one curl-style -H argument, "Name: value". The name must be an HTTP token;
// the value may be empty ("Name:"). Values may not contain CR, LF or NUL.
func ParseHeader(s string) (name, value string, err error) {
	name, value, ok := strings.Cut(s, ":")
	if !ok {
		return "", "", fmt.Errorf("%w %q: want 'Name: value'", ErrBadHeader, s)
	}
	name = strings.TrimSpace(name)
	if name == "" || !isToken(name) {
		return "", "", fmt.Errorf("%w %q: %q is not a header name", ErrBadHeader, s, name)
	}
	value = strings.TrimSpace(value)
	if strings.ContainsAny(value, "\r\n\x00") {
		return "", "", fmt.Errorf("%w %q: the value contains a line break or NUL", ErrBadHeader, name)
	}
	return name, value, nil
}

// isToken reports whether s is an RFC 9110 token.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return s != ""
}

// scrubMessage removes the user's secrets from a response message. Besides the exact values it
// masks whatever follows "Authorization=" (AWS's IncompleteSignatureException message quotes
// the header, which may be shorter than scrub's minimum), unless it is one of the probe's own
// dummy values.
func scrubMessage(msg string, secrets, dummies []string) string {
	msg = scrub(msg, secrets)
	const marker = "Authorization="
	i := strings.LastIndex(msg, marker)
	if i < 0 {
		return msg
	}
	val := msg[i+len(marker):]
	for _, d := range dummies {
		if val == d {
			return msg
		}
	}
	if val == "" || strings.HasPrefix(val, "****") || strings.Contains(val, " ****") {
		return msg
	}
	return msg[:i+len(marker)] + Mask(val)
}
