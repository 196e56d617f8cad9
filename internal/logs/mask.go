package logs

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaskKeep is the number of trailing characters MaskKey leaves visible (facts §3.1).
const MaskKeep = 6

// MaskKey masks a secret as API Gateway's execution log does: one "*" per character except
// the last six, so the length is kept (facts §3.1: "Keys are masked as stars plus the last 6
// characters", e.g. **********************************bMZHBg). A value of six characters or
// fewer is all stars [UNCONFIRMED: chosen so that a short secret is never logged whole].
// Characters are counted as UTF-8 runes.
func MaskKey(v string) string {
	n := utf8.RuneCountInString(v)
	if n <= MaskKeep {
		return strings.Repeat("*", n)
	}
	// Find the byte offset of the 6th rune from the end.
	i := len(v)
	for range MaskKeep {
		_, size := utf8.DecodeLastRuneInString(v[:i])
		i -= size
	}
	return strings.Repeat("*", n-MaskKeep) + v[i:]
}

// SensitiveHeader reports whether a header's value is masked in the execution log's header
// maps: x-api-key and Authorization (facts §3.1), and the session token of temporary
// credentials (X-Amz-Security-Token), in any case.
func SensitiveHeader(name string) bool {
	return strings.EqualFold(name, "x-api-key") || strings.EqualFold(name, "authorization") ||
		strings.EqualFold(name, "x-amz-security-token")
}

// SensitiveQuery reports whether a query parameter's value is masked: the signature and the
// session token of a presigned (SigV4 query) request.
func SensitiveQuery(name string) bool {
	return strings.EqualFold(name, "X-Amz-Signature") || strings.EqualFold(name, "X-Amz-Security-Token")
}

// Pair is one key and value of a map written in the execution log.
type Pair struct{ Key, Value string }

// FormatPairs writes pairs in the given order as Java's Map.toString does, which is the form
// of every map in the execution log (facts §3.1): "{Accept=*/*, x-api-key=****…bMZHBg}",
// "{}" when empty. Values whose key mask reports true are masked with MaskKey; mask may be
// nil. Nothing is escaped.
func FormatPairs(pairs []Pair, mask func(key string) bool) string {
	n := 2
	for _, p := range pairs {
		n += len(p.Key) + len(p.Value) + 3
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteByte('{')
	for i, p := range pairs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Key)
		b.WriteByte('=')
		if mask != nil && mask(p.Key) {
			b.WriteString(MaskKey(p.Value))
		} else {
			b.WriteString(p.Value)
		}
	}
	b.WriteByte('}')
	return b.String()
}

// sortPairs orders keys case-insensitively (ties by byte order), which matches the observed
// method request headers ({Accept=…, …, x-api-key=…}, facts §3.1) and makes lines stable.
func sortPairs(p []Pair) {
	slices.SortFunc(p, func(a, b Pair) int {
		if c := cmp.Compare(strings.ToLower(a.Key), strings.ToLower(b.Key)); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
}

// FormatMap formats a single-valued map (path parameters, say) with keys sorted
// case-insensitively. See FormatPairs.
func FormatMap(m map[string]string, mask func(key string) bool) string {
	p := make([]Pair, 0, len(m))
	for k, v := range m {
		p = append(p, Pair{k, v})
	}
	sortPairs(p)
	return FormatPairs(p, mask)
}

// FormatValues formats a multi-valued map (http.Header, url.Values) with keys sorted
// case-insensitively. A key with several values shows the last one, as API Gateway's
// single-valued header and query maps do; a key with no values shows an empty value.
func FormatValues(m map[string][]string, mask func(key string) bool) string {
	p := make([]Pair, 0, len(m))
	for k, vs := range m {
		v := ""
		if len(vs) > 0 {
			v = vs[len(vs)-1]
		}
		p = append(p, Pair{k, v})
	}
	sortPairs(p)
	return FormatPairs(p, mask)
}
