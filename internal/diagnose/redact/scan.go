package redact

import (
	"encoding/json"
	"github.com/portcullis/portcullis/internal/ctxvars"
	"net/url"
	"strings"
	"unicode/utf8"
)

// known is a secret value seen in a structured place (a header, a query parameter, a cookie)
// that is masked wherever else it appears in the same HAR entry or later in a transcript: an
// IncompleteSignatureException message quotes the Authorization header, a body or a Referer
// may echo a token.
type known struct {
	orig, masked string
	kind         Kind
}

// minKnown is the shortest value replaced as a known secret: shorter values ("1", "true") would
// mangle unrelated text.
const minKnown = 8

// masker applies the rules and counts what changed.
type masker struct {
	stats *Stats
	known []known
}

// apply masks v with r and counts it when it changed.
func (m *masker) apply(r rule, v string) string {
	out := r.mask(v)
	if out != v {
		m.stats.add(r.kind)
	}
	return out
}

// remember records a secret for replacement elsewhere (see known), as it is and query-escaped,
// each form masked by r.
func (m *masker) remember(orig string, r rule, limit int) {
	if len(orig) < minKnown || len(m.known) >= limit {
		return
	}
	for _, k := range m.known {
		if k.orig == orig {
			return
		}
	}
	if masked := r.mask(orig); masked != orig {
		m.known = append(m.known, known{orig, masked, r.kind})
	}
	if e := url.QueryEscape(orig); e != orig && len(m.known) < limit {
		if masked := r.mask(e); masked != e {
			m.known = append(m.known, known{e, masked, r.kind})
		}
	}
}

// rememberValue remembers a header's secret value and, for "Scheme token" Authorization values,
// the token alone, which bodies and logs quote without the scheme.
func (m *masker) rememberValue(r rule, v string, limit int) {
	m.remember(v, r, limit)
	if r.kind != KindAuthorization {
		return
	}
	t := strings.Trim(v, " \t")
	if i := strings.IndexAny(t, " \t"); i > 0 && !strings.HasPrefix(strings.ToUpper(t), "AWS4-") && !hasSigV4Param(t[i:]) {
		tok := strings.Trim(t[i:], " \t")
		if strings.EqualFold(t[:i], "Basic") {
			m.remember(tok, rule{kind: KindPassword, mask: Password}, limit)
		} else {
			m.remember(tok, rule{kind: KindToken, mask: Token}, limit)
		}
	}
}

// scrub masks the secrets of free text (see Scrub).
func (m *masker) scrub(s string) string {
	s = m.replaceKnown(s)
	s = m.scanPairs(s)
	s = m.scanJWT(s)
	s = m.scanAccessKeyIDs(s)
	s = m.scanUserinfo(s)
	return s
}

func (m *masker) replaceKnown(s string) string {
	for _, k := range m.known {
		if !strings.Contains(s, k.orig) {
			continue
		}
		m.stats.add(k.kind)
		// A mask keeps the secret's last characters, which with the text after an occurrence
		// can spell the secret again when it repeats ("0000…"): replace until none is left,
		// with plain stars after a few rounds (each round adds stars, so this ends).
		for n := 0; strings.Contains(s, k.orig); n++ {
			rep := k.masked
			if n >= 3 {
				rep = starRun(utf8.RuneCountInString(k.orig))
			}
			s = strings.ReplaceAll(s, k.orig, rep)
		}
	}
	return s
}

func isNameChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

// Value terminators in free text.
const (
	endPlain  = "&#,;}]) \t\r\n\"'<>\\" // query strings, log maps, form bodies
	endRich   = ",}]\r\n\"'\\"          // Authorization and Cookie after "=": values hold spaces and ";"
	endColonR = "}]\r\n\"'\\"           // Authorization and Cookie after ":": a whole header value
	endColon  = " \t,;}]\r\n\"'\\"      // other values after ":"
)

// builder accumulates s with replaced spans, allocating only once something is replaced.
type builder struct {
	s     string
	b     strings.Builder
	last  int // s[:last] is written
	floor int // end of the last value looked at: names are looked for after it
	used  bool
}

func (b *builder) replace(from, to int, with string) {
	if !b.used {
		b.used = true
		b.b.Grow(len(b.s) + 16)
	}
	b.b.WriteString(b.s[b.last:from])
	b.b.WriteString(with)
	b.last = to
}

func (b *builder) String() string {
	if !b.used {
		return b.s
	}
	b.b.WriteString(b.s[b.last:])
	return b.b.String()
}

// scanPairs masks "name=value", "Name: value" and "\"name\": \"value\"" occurrences with a secret
// name, plus the quoted value of "… in Authorization header: '…'." (facts §5.5).
func (m *masker) scanPairs(s string) string {
	if !strings.ContainsAny(s, "=:") {
		return s
	}
	b := builder{s: s}
	for i := 0; i < len(s); {
		p := i
		for p < len(s) && s[p] != '=' && s[p] != ':' {
			p++
		}
		if p == len(s) {
			break
		}
		i = p + 1
		if end, ok := m.pairAt(&b, p); ok {
			i = end
			b.floor = end
		}
	}
	return b.String()
}

// pairAt looks at the separator s[p] and, when it ends a secret name, replaces the value and
// returns the index just past it.
func (m *masker) pairAt(b *builder, p int) (int, bool) {
	s := b.s
	sep := s[p]
	if sep == ':' && strings.HasSuffix(s[:p], "Authorization header") && strings.HasPrefix(s[p:], ": '") {
		vs := p + 3
		return m.replaceSpan(b, vs, vs+indexAnyOrLen(s[vs:], "'\"\\\r\n"), ruleAuthorization)
	}
	if sep == ':' && strings.HasSuffix(s[:p], "API Key") && strings.HasPrefix(s[p:], ": ") {
		// execution log "API Key: ****…bMZHBg API Stage: …" (facts §3.1); already masked by AWS.
		vs := p + 2
		return m.replaceSpan(b, vs, vs+indexAnyOrLen(s[vs:], endColon), ruleAPIKey)
	}
	// JSON member: "name" : "value" (or an array of strings).
	k := p - 1
	if sep == ':' {
		for k >= b.floor && isSpace(s[k]) {
			k--
		}
	}
	if sep == ':' && k > b.floor && s[k] == '"' {
		q := k - 1
		for q >= b.floor && k-q <= 64 && s[q] != '"' && s[q] != '\\' && s[q] >= 0x20 {
			q--
		}
		if q < b.floor || s[q] != '"' {
			return 0, false
		}
		r, ok := classify(s[q+1:k], true)
		if !ok {
			return 0, false
		}
		return m.jsonValue(b, p+1, r)
	}
	// Plain name=value or Name: value.
	q := p
	for q > b.floor && isNameChar(s[q-1]) {
		q--
	}
	if q == p {
		return 0, false
	}
	r, ok := classify(s[q:p], false)
	if !ok {
		return 0, false
	}
	if sep == '=' {
		if r.strong && !strongBoundary(s, q) {
			return 0, false
		}
		end := endPlain
		if r.kind == KindAuthorization || r.kind == KindCookie {
			end = endRich
		}
		vs := p + 1
		ve := vs + indexAnyOrLen(s[vs:], end)
		return m.replaceSpan(b, vs, ve, r)
	}
	if !r.colon || strings.HasPrefix(s[p:], "://") {
		return 0, false
	}
	if q > 0 && !isSpace(s[q-1]) && !strings.ContainsRune("[{(,;\"'\n\r", rune(s[q-1])) {
		return 0, false
	}
	vs := p + 1
	for vs < len(s) && isSpace(s[vs]) {
		vs++
	}
	end := endColon
	if r.kind == KindAuthorization || r.kind == KindCookie {
		end = endColonR
	}
	ve := vs + indexAnyOrLen(s[vs:], end)
	return m.replaceSpan(b, vs, ve, r)
}

func indexAnyOrLen(s, chars string) int {
	if i := strings.IndexAny(s, chars); i >= 0 {
		return i
	}
	return len(s)
}

// strongBoundary: the name at q follows the start, a URL or map separator, a quote, or a comma
// and blanks (", x-api-key=" in an execution-log map).
func strongBoundary(s string, q int) bool {
	if q == 0 {
		return true
	}
	switch s[q-1] {
	case '?', '&', '#', ';', '{', '(', '[', ',', '"', '\'', '\n', '\r':
		return true
	case ' ', '\t':
		k := q - 1
		for k > 0 && isSpace(s[k-1]) {
			k--
		}
		return k > 0 && s[k-1] == ','
	}
	return false
}

func (m *masker) replaceSpan(b *builder, vs, ve int, r rule) (int, bool) {
	if ve <= vs {
		return vs, true
	}
	v := b.s[vs:ve]
	if out := m.apply(r, v); out != v {
		b.replace(vs, ve, out)
	}
	return ve, true
}

// jsonValue masks the JSON string (or array of strings) starting after optional blanks at i.
func (m *masker) jsonValue(b *builder, i int, r rule) (int, bool) {
	s := b.s
	for i < len(s) && (isSpace(s[i]) || s[i] == '\r' || s[i] == '\n') {
		i++
	}
	if i >= len(s) {
		return i, true
	}
	if s[i] == '"' {
		return m.jsonString(b, i, r), true
	}
	if s[i] != '[' {
		return i, true
	}
	i++
	for {
		for i < len(s) && (isSpace(s[i]) || s[i] == '\r' || s[i] == '\n' || s[i] == ',') {
			i++
		}
		if i >= len(s) || s[i] != '"' {
			return i, true
		}
		i = m.jsonString(b, i, r)
	}
}

// jsonString masks the JSON string literal at s[i] == '"' and returns the index past it. An
// unterminated literal (a truncated body) runs to the end of s or of the line.
func (m *masker) jsonString(b *builder, i int, r rule) int {
	s := b.s
	e := i + 1
	for e < len(s) && s[e] != '"' && s[e] != '\r' && s[e] != '\n' {
		if s[e] == '\\' && e+1 < len(s) && s[e+1] != '\r' && s[e+1] != '\n' {
			e++
		}
		e++
	}
	closed := e < len(s) && s[e] == '"'
	e = min(e, len(s))
	raw := s[i+1 : e]
	val := raw
	if strings.IndexByte(raw, '\\') >= 0 {
		var u string
		if err := json.Unmarshal([]byte(`"`+raw+`"`), &u); err == nil {
			val = u
		}
	}
	out := m.apply(r, val)
	if out != val {
		b.replace(i+1, e, string(appendJSONChars(nil, out)))
	}
	if closed {
		e++
	}
	return e
}

// scanJWT masks JWT-looking strings: three to five dot-separated base64url segments (unpadded,
// as RFC 7515 has them), the first starting "eyJ", not inside a longer base64url run nor in the
// kept tail of a mask.
func (m *masker) scanJWT(s string) string {
	if !strings.Contains(s, "eyJ") {
		return s
	}
	b := builder{s: s}
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "eyJ")
		if j < 0 {
			break
		}
		st := i + j
		i = st + 3
		if st > 0 && (isB64URL(s[st-1]) || s[st-1] == '.' || s[st-1] == '*') { // '*': the kept tail of a mask
			continue
		}
		e, segs := st, 0
		for {
			k := e
			for k < len(s) && (isB64URL(s[k]) || segs > 0 && s[k] == '*') {
				k++
			}
			if k == e && segs != 2 { // only the signature may be empty
				break
			}
			segs++
			e = k
			if segs == 5 || e >= len(s) || s[e] != '.' {
				break
			}
			if segs < 3 || e+1 < len(s) && (isB64URL(s[e+1]) || s[e+1] == '*') {
				e++
				continue
			}
			break
		}
		if segs < 3 {
			continue
		}
		tok := s[st:e]
		if out := m.apply(ruleToken, tok); out != tok {
			b.replace(st, st+len(tok), out)
		}
		i = st + len(tok)
	}
	return b.String()
}

func isUpperDigit(c byte) bool { return 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' }

// scanAccessKeyIDs masks AWS access key IDs (AKIA… long-term, ASIA… temporary: four letters and
// sixteen upper-case letters or digits) wherever they appear.
func (m *masker) scanAccessKeyIDs(s string) string {
	if !strings.Contains(s, "KIA") && !strings.Contains(s, "SIA") {
		return s
	}
	b := builder{s: s}
	for i := 0; i+20 <= len(s); {
		j := strings.IndexByte(s[i:], 'A')
		if j < 0 {
			break
		}
		st := i + j
		i = st + 1
		if st+20 > len(s) || !(s[st+1:st+4] == "KIA" || s[st+1:st+4] == "SIA") {
			continue
		}
		if st > 0 && (isUpperDigit(s[st-1]) || s[st-1] == '*') || st+20 < len(s) && isUpperDigit(s[st+20]) {
			continue
		}
		ok := true
		for k := st + 4; k < st+20; k++ {
			if !isUpperDigit(s[k]) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		id := s[st : st+20]
		if out := m.apply(ruleCredential, id); out != id {
			b.replace(st, st+20, out)
		}
		i = st + 20
	}
	return b.String()
}

// scanUserinfo masks the password of "scheme://user:password@host".
func (m *masker) scanUserinfo(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	b := builder{s: s}
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "://")
		if j < 0 {
			break
		}
		st := i + j + 3
		i = st
		end := st + indexAnyOrLen(s[st:], "/?#@ \t\r\n\"'<>\\")
		if end >= len(s) || s[end] != '@' {
			continue
		}
		c := strings.IndexByte(s[st:end], ':')
		if c < 0 {
			continue
		}
		vs := st + c + 1
		m.replaceSpan(&b, vs, end, rulePassword)
		i = end + 1
	}
	return b.String()
}

// appendJSONChars appends s escaped for the inside of a JSON string, without HTML escaping (the
// copy keeps bodies readable); invalid UTF-8 becomes U+FFFD as encoding/json does. It is
// ctxvars.AppendJSONString without the quotes.
func appendJSONChars(dst []byte, s string) []byte {
	n := len(dst)
	dst = ctxvars.AppendJSONString(dst, s)
	copy(dst[n:], dst[n+1:len(dst)-1])
	return dst[:len(dst)-2]
}
