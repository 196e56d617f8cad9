package iampolicy

import (
	"strings"
	"unicode/utf8"
)

// Globs are kept in an internal form in which '*' matches any run of characters (including
// '/' and ':'), '?' matches exactly one character, and a backslash makes the next byte literal.
// IAM has no escape character of its own: a literal '*', '?' or '$' is written ${*}, ${?},
// ${$} (IAM User Guide, "Policy variables"), and text substituted for a policy variable is
// always literal. compileText produces this form; escapeGlob protects substituted text.

// globMatch reports whether s matches the internal-form pattern p. fold makes ASCII letters
// compare case-insensitively (IAM actions); otherwise the match is case-sensitive (ARNs).
// It runs in O(len(p)·len(s)) at worst, allocates nothing and never recurses.
func globMatch(p, s string, fold bool) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p) {
			switch c := p[pi]; c {
			case '*':
				starP, starS = pi, si
				pi++
				continue
			case '?':
				_, n := utf8.DecodeRuneInString(s[si:])
				si += n
				pi++
				continue
			default:
				lit, w := c, 1
				if c == '\\' && pi+1 < len(p) {
					lit, w = p[pi+1], 2
				}
				if byteEq(lit, s[si], fold) {
					pi += w
					si++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starS:])
		starS += n
		si = starS
		pi = starP + 1
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

func byteEq(a, b byte, fold bool) bool {
	if a == b {
		return true
	}
	if !fold {
		return false
	}
	if 'A' <= a && a <= 'Z' {
		a += 'a' - 'A'
	}
	if 'A' <= b && b <= 'Z' {
		b += 'a' - 'A'
	}
	return a == b
}

// escapeGlob returns s with the glob metacharacters made literal.
func escapeGlob(s string) string {
	if !strings.ContainsAny(s, `*?\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 4)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '*' || c == '?' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unescapeGlob turns an internal-form glob back into literal text (for exact comparisons).
func unescapeGlob(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// text is a policy string compiled once: either a constant (in internal glob form) or a
// template with policy variables to substitute per request.
//
// Reproduces IAM policy variables (IAM User Guide, "IAM policy elements: Variables and tags";
// facts §5.4 for the keys API Gateway provides): ${key} is replaced by the request's value of
// that single-valued key; ${key, 'default'} supplies a default; ${*}, ${?} and ${$} are literal
// '*', '?' and '$'. Variables are only recognised when the policy's Version is 2012-10-17;
// otherwise "${…}" is literal text. A variable whose key is absent (and has no default) makes
// the element fail to match.
type text struct {
	raw   string // as written in the policy
	glob  string // internal form when there are no variables
	plain string // glob without escapes: the literal text when there are no variables
	pre   int    // length of glob's leading run of plain literal bytes
	parts []textPart
}

type textPart struct {
	lit   string // internal glob form
	plain string // literal text
	key   string // lower-cased condition key; "" for a literal part
	def   string // default value (literal text)
	hasD  bool
}

func compileText(raw string, vars bool) text {
	t := text{raw: raw}
	if !vars || !strings.Contains(raw, "${") {
		t.glob = escapeBackslash(raw)
		t.plain = raw
		t.pre = literalPrefix(t.glob)
		return t
	}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.parts = append(t.parts, textPart{lit: lit.String(), plain: unescapeGlob(lit.String())})
			lit.Reset()
		}
	}
	hasVar := false
	s := raw
	for s != "" {
		i := strings.Index(s, "${")
		if i < 0 {
			lit.WriteString(escapeBackslash(s))
			break
		}
		lit.WriteString(escapeBackslash(s[:i]))
		rest := s[i+2:]
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			lit.WriteString(escapeBackslash(s[i:]))
			break
		}
		body := rest[:j]
		s = rest[j+1:]
		switch body {
		case "*":
			lit.WriteString(`\*`)
			continue
		case "?":
			lit.WriteString(`\?`)
			continue
		case "$":
			lit.WriteString("$")
			continue
		}
		name, def, hasDef := body, "", false
		if k, d, ok := strings.Cut(body, ","); ok {
			d = strings.TrimSpace(d)
			if len(d) >= 2 && d[0] == '\'' && d[len(d)-1] == '\'' {
				name, def, hasDef = k, d[1:len(d)-1], true
			}
		}
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			lit.WriteString(escapeBackslash("${" + body + "}"))
			continue
		}
		flush()
		hasVar = true
		t.parts = append(t.parts, textPart{key: name, def: def, hasD: hasDef})
	}
	if !hasVar {
		t.glob = lit.String()
		t.plain = unescapeGlob(t.glob)
		t.pre = literalPrefix(t.glob)
		t.parts = nil
		return t
	}
	flush()
	return t
}

func escapeBackslash(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return strings.ReplaceAll(s, `\`, `\\`)
}

// resolve returns the internal-form glob for this request; ok is false when a variable has no
// value. Constant texts cost nothing.
func (t *text) resolve(ev *evalCtx) (string, bool) {
	if t.parts == nil {
		return t.glob, true
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.key == "" {
			b.WriteString(p.lit)
			continue
		}
		v, ok := ev.single(p.key)
		if !ok {
			if !p.hasD {
				return "", false
			}
			v = p.def
		}
		b.WriteString(escapeGlob(v))
	}
	return b.String(), true
}

// literal returns the text for this request with no glob meaning (for StringEquals and the
// like); ok is false when a variable has no value.
func (t *text) literal(ev *evalCtx) (string, bool) {
	if t.parts == nil {
		return t.plain, true
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.key == "" {
			b.WriteString(p.plain)
			continue
		}
		v, ok := ev.single(p.key)
		if !ok {
			if !p.hasD {
				return "", false
			}
			v = p.def
		}
		b.WriteString(v)
	}
	return b.String(), true
}

// literalPrefix returns the length of p's leading bytes that are neither wildcards nor escapes.
func literalPrefix(p string) int {
	if i := strings.IndexAny(p, `*?\`); i >= 0 {
		return i
	}
	return len(p)
}

// match reports whether s matches the text as a case-sensitive glob for this request. Constant
// texts compare their literal prefix first, which settles most ARN mismatches cheaply.
func (t *text) match(ev *evalCtx, s string) bool {
	if t.parts == nil {
		if !strings.HasPrefix(s, t.glob[:t.pre]) {
			return false
		}
		return globMatch(t.glob[t.pre:], s[t.pre:], false)
	}
	p, ok := t.resolve(ev)
	return ok && globMatch(p, s, false)
}
