// Package ctxtemplate compiles and renders the "simple variable substitution" templates that
// API Gateway uses where no VTL engine runs: access-log formats (facts §2), gateway-response
// body templates (facts §1.2) and static MOCK response templates. A template is literal text with
// references such as $context.requestId, $context.error.messageString, ${context.stage} and
// $stageVariables.name. Templates are compiled once; rendering appends to a caller's buffer and
// does not allocate beyond it.
package ctxtemplate

import "strings"

// Template is a compiled template.
type Template struct {
	src  string
	segs []segment
}

type segment struct {
	lit  string
	name string // "context.requestId" or "stageVariables.x"; "" for a literal
	raw  string // the reference as written, used when a variable is unknown and kept verbatim
}

// Lookup resolves a variable name such as "context.requestId" or "stageVariables.backend".
type Lookup func(name string) (string, bool)

// Compile parses a template. It never fails: anything that is not a variable reference is
// literal text, as in API Gateway.
func Compile(src string) *Template {
	t := &Template{src: src}
	lit := strings.Builder{}
	flush := func() {
		if lit.Len() > 0 {
			t.segs = append(t.segs, segment{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(src); {
		if src[i] != '$' {
			lit.WriteByte(src[i])
			i++
			continue
		}
		name, n := parseRef(src[i:])
		if n == 0 {
			lit.WriteByte('$')
			i++
			continue
		}
		flush()
		t.segs = append(t.segs, segment{name: name, raw: src[i : i+n]})
		i += n
	}
	flush()
	return t
}

// parseRef parses "$root.a.b", "${root.a.b}" or "$root.a['b:c']" at the start of s and returns
// the name ("root.a.b:c") and the number of bytes consumed (0 when s does not start with a
// reference).
func parseRef(s string) (string, int) {
	braced := len(s) > 1 && s[1] == '{'
	i := 1
	if braced {
		i = 2
	}
	// root identifier
	j := i
	for j < len(s) && isIdentStart(s[j], j == i) {
		j++
	}
	if j == i {
		return "", 0
	}
	root := s[i:j]
	if root != "context" && root != "stageVariables" {
		return "", 0
	}
	i = j
	parts := 0
	name := root
	for i+1 < len(s) {
		if s[i] == '.' && isIdent(s[i+1]) {
			k := i + 1
			for k < len(s) && isIdent(s[k]) {
				k++
			}
			name += s[i:k]
			i = k
			parts++
			continue
		}
		// VTL's map access, as AWS documents it for claims: $context.authorizer.claims['cognito:username'].
		if s[i] == '[' && (s[i+1] == '\'' || s[i+1] == '"') && parts > 0 {
			q := s[i+1]
			end := strings.IndexByte(s[i+2:], q)
			if end < 0 || i+2+end+1 >= len(s) || s[i+2+end+1] != ']' {
				break
			}
			name += "." + s[i+2:i+2+end]
			i = i + 2 + end + 2
			parts++
			continue
		}
		break
	}
	if parts == 0 {
		return "", 0
	}
	if braced {
		if i >= len(s) || s[i] != '}' {
			return "", 0
		}
		return name, i + 1
	}
	return name, i
}

func isIdentStart(c byte, first bool) bool {
	if first {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	return isIdent(c)
}

func isIdent(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// Source returns the template text as written.
func (t *Template) Source() string { return t.src }

// Names returns the variable names the template references, in order (with repeats).
func (t *Template) Names() []string {
	var out []string
	for _, s := range t.segs {
		if s.name != "" {
			out = append(out, s.name)
		}
	}
	return out
}

// References reports whether the template references the variable name.
func (t *Template) References(name string) bool {
	for _, s := range t.segs {
		if s.name == name {
			return true
		}
	}
	return false
}

// Append renders the template onto dst. A variable the lookup does not know is written as
// missing (access logs use "-"; gateway responses use "").
func (t *Template) Append(dst []byte, lookup Lookup, missing string) []byte {
	for _, s := range t.segs {
		if s.name == "" {
			dst = append(dst, s.lit...)
			continue
		}
		if v, ok := lookup(s.name); ok {
			dst = append(dst, v...)
		} else {
			dst = append(dst, missing...)
		}
	}
	return dst
}

// Render renders the template to a string.
func (t *Template) Render(lookup Lookup, missing string) string {
	return string(t.Append(make([]byte, 0, len(t.src)+32), lookup, missing))
}
