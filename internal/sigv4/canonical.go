package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// This file builds the SigV4 canonical request exactly as the SigV4 specification and the
// aws-sdk-go-v2 signer (aws/signer/v4, v1.48.0, the reference client) build it for a non-S3
// service such as execute-api (facts §5.2):
//
//	METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n PayloadHash

// unreserved reports the RFC 3986 unreserved characters SigV4 leaves unescaped.
func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

const upperHex = "0123456789ABCDEF"

// appendEscaped appends s with every byte outside the unreserved set percent-encoded with
// upper-case hex; '/' is kept when keepSlash is set (the path form). This is smithy-go's
// httpbinding.EscapePath and the SDK's query encoder ("%20" for a space, never "+").
func appendEscaped(dst []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (keepSlash && c == '/') {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
	}
	return dst
}

// needsEscape reports whether appendEscaped would change s.
func needsEscape(s string, keepSlash bool) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !unreserved(c) && (!keepSlash || c != '/') {
			return true
		}
	}
	return false
}

// escape is appendEscaped returning a string; it does not allocate when nothing changes.
func escape(s string, keepSlash bool) string {
	if !needsEscape(s, keepSlash) {
		return s
	}
	return string(appendEscaped(make([]byte, 0, len(s)+16), s, keepSlash))
}

// appendCanonicalURI appends the canonical URI for the escaped path as received. execute-api is
// not S3, so the path is escaped once more ("double encoding": "/a%20b" → "/a%2520b"), which is
// what aws-sdk-go-v2 signs (GetURIPath + httpbinding.EscapePath). An empty path is "/".
// normalize removes "." and ".." segments and empty segments first, as the SigV4 test suite's
// normalize-path vectors (and the JS and C SDKs) do.
func appendCanonicalURI(dst []byte, rawPath string, normalize bool) []byte {
	if normalize {
		rawPath = normalizePath(rawPath)
	}
	if rawPath == "" {
		return append(dst, '/')
	}
	return appendEscaped(dst, rawPath, true)
}

// normalizePath applies RFC 3986 dot-segment removal and collapses empty segments, keeping a
// trailing slash: "//example//" → "/example/", "/example/.." → "/".
func normalizePath(p string) string {
	if !strings.Contains(p, "//") && !strings.Contains(p, "/.") {
		return p
	}
	var segs []string
	for s := range strings.SplitSeq(p, "/") {
		switch s {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, s)
		}
	}
	out := "/" + strings.Join(segs, "/")
	if len(segs) > 0 && strings.HasSuffix(p, "/") {
		out += "/"
	}
	return out
}

// queryParam is one decoded query parameter.
type queryParam struct{ key, value string }

// parseQuery splits a raw query on '&' and decodes each name and value the way Go's url.ParseQuery
// and the SDK do ('+' is a space). A component with a malformed escape is kept as received; it
// is then escaped again, so it can never match a signature made over another string.
func parseQuery(raw string) []queryParam {
	if raw == "" {
		return nil
	}
	out := make([]queryParam, 0, strings.Count(raw, "&")+1)
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		out = append(out, queryParam{unescapeQuery(k), unescapeQuery(v)})
	}
	return out
}

func unescapeQuery(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// lookupParam returns the first value of name and whether it is present.
func lookupParam(q []queryParam, name string) (string, bool) {
	for _, p := range q {
		if p.key == name {
			return p.value, true
		}
	}
	return "", false
}

// appendCanonicalQuery appends the canonical query string: names and values escaped, pairs
// sorted by escaped name then escaped value ("the sorting occurs after encoding"), repeated names
// kept. X-Amz-Signature is left out when presigned.
func appendCanonicalQuery(dst []byte, q []queryParam, presigned bool) []byte {
	if len(q) == 0 {
		return dst
	}
	enc := make([]queryParam, 0, len(q))
	for _, p := range q {
		if presigned && p.key == "X-Amz-Signature" {
			continue
		}
		enc = append(enc, queryParam{escape(p.key, false), escape(p.value, false)})
	}
	slices.SortFunc(enc, func(a, b queryParam) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	for i, p := range enc {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, p.key...)
		dst = append(dst, '=')
		dst = append(dst, p.value...)
	}
	return dst
}

// headerValues returns the values of the header named name (any case) without allocating when
// the map uses canonical keys, as net/http's server does.
func headerValues(h http.Header, name string) []string {
	if len(name) <= 64 {
		var buf [64]byte
		b := buf[:len(name)]
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			} else if !upper && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b[i] = c
			upper = c == '-'
		}
		if v, ok := h[string(b)]; ok {
			return v
		}
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// firstHeader returns the first value of a header and whether it is present.
func firstHeader(h http.Header, name string) (string, bool) {
	v := headerValues(h, name)
	if len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// appendTrimmed appends v without leading and trailing white space and with each inner run of
// spaces folded to one (the spec's Trimall; the SDK's StripExcessSpaces + TrimSpace).
func appendTrimmed(dst []byte, v string) []byte {
	v = strings.TrimSpace(v)
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if !space {
				dst = append(dst, ' ')
			}
			space = true
			continue
		}
		space = false
		dst = append(dst, c)
	}
	return dst
}

// appendCanonicalHeaders appends "name:value\n" for each signed header, in the order given.
// host comes from host (the Host header as received, which net/http moves out of the map).
// Several values of one header are joined with ','. It returns the first signed header that the
// request does not have ("" when all are present).
func appendCanonicalHeaders(dst []byte, h http.Header, host string, signed []string) ([]byte, string) {
	missing := ""
	for _, name := range signed {
		start := len(dst)
		dst = append(dst, name...)
		lowerASCII(dst[start:])
		dst = append(dst, ':')
		if strings.EqualFold(name, "host") && host != "" {
			dst = appendTrimmed(dst, host)
		} else {
			vals := headerValues(h, name)
			if len(vals) == 0 && missing == "" {
				missing = strings.ToLower(name)
			}
			for i, v := range vals {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendTrimmed(dst, v)
			}
		}
		dst = append(dst, '\n')
	}
	return dst, missing
}

func lowerASCII(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// canonicalInput is everything the canonical request depends on.
type canonicalInput struct {
	method        string
	rawPath       string
	normalize     bool
	query         []queryParam
	presigned     bool
	header        http.Header
	host          string
	signed        []string // signed header names, in the order the client listed them
	signedHeaders string   // the SignedHeaders value as sent
	payloadHash   string
}

// appendCanonicalRequest appends the canonical request; see the file comment.
func appendCanonicalRequest(dst []byte, in *canonicalInput) ([]byte, string) {
	dst = append(dst, in.method...)
	dst = append(dst, '\n')
	dst = appendCanonicalURI(dst, in.rawPath, in.normalize)
	dst = append(dst, '\n')
	dst = appendCanonicalQuery(dst, in.query, in.presigned)
	dst = append(dst, '\n')
	dst, missing := appendCanonicalHeaders(dst, in.header, in.host, in.signed)
	dst = append(dst, '\n')
	dst = append(dst, in.signedHeaders...)
	dst = append(dst, '\n')
	dst = append(dst, in.payloadHash...)
	return dst, missing
}

// appendStringToSign appends "AWS4-HMAC-SHA256\n<amzDate>\n<scope>\n<hex(sha256(creq))>".
func appendStringToSign(dst []byte, amzDate, scope string, creq []byte) []byte {
	sum := sha256.Sum256(creq)
	dst = append(dst, Algorithm...)
	dst = append(dst, '\n')
	dst = append(dst, amzDate...)
	dst = append(dst, '\n')
	dst = append(dst, scope...)
	dst = append(dst, '\n')
	return hex.AppendEncode(dst, sum[:])
}
