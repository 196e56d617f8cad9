// Package route matches a request path and method against an API's resource tree with API
// Gateway's precedence (DESIGN.md §2 step 5; facts §9 and §11 step 5). Build once per deployment
// with New; Match is pure, safe for concurrent use, and allocation-light.
//
// Behaviour reproduced:
//
//   - The path is split into segments on the raw (still percent-encoded) request path, so an
//     encoded "%2F" never splits a segment. Path parameters are URL-decoded ("%20" becomes a
//     space, "+" stays "+"); a segment whose percent-encoding is malformed is kept as written.
//   - At each level a literal child wins over a variable child ("{param}" before "{name+}"), and
//     the search backtracks when a more specific branch dead-ends: with "/a/b/c" and "/{x}/b/d",
//     "/a/b/d" matches the second resource.
//   - A literal segment matches the request segment after percent-decoding, case-sensitively
//     ("/pe%74s" is "/pets", RFC 3986 §6.2.2.2; "/Pets" is not "/pets").
//   - "{proxy+}" needs at least one non-empty segment and captures the rest of the path joined
//     with "/", decoded per segment. Empty segments (from "//") never match "{param}".
//   - Trailing slashes are ignored ("/pets/" is "/pets"); "" and "/" are the root resource.
//   - The resource is chosen by path alone; the method is then the explicit verb, else ANY. When
//     the resource has neither, Match returns the resource with a nil Method: the caller answers
//     MISSING_AUTHENTICATION_TOKEN (facts §1.1, §11 step 5).
//
// New rejects what AWS's import rejects (the messages are AWS's own, as LocalStack's
// parity-tested implementation and many user reports quote them): two variable siblings
// ("A sibling ({id}) of this resource already has a variable path part -- only one is allowed"),
// which includes a "{param}" next to a "{proxy+}"; a child under a greedy resource ("Cannot create
// a child of a resource with a greedy path variable: {proxy+}"); duplicate paths; and segments
// with characters outside those facts §9 allows ("alphanumeric characters, underscores, hyphens,
// periods, commas, colons, and curly braces").
package route

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/portcullis/portcullis/internal/apidef"
)

// ErrInvalidPath reports a resource path that is not well formed.
var ErrInvalidPath = errors.New("invalid resource path")

// ErrConflict reports resources that cannot coexist in one API (as AWS's import reports them).
var ErrConflict = errors.New("conflicting resources")

// Router is an immutable index of a deployment's resources.
type Router struct {
	root *node
}

// Match is the result of matching a path.
type Match struct {
	// Resource is the matched resource (nil when no resource matches the path).
	Resource *apidef.Resource
	// Method is the method that serves the request (the explicit verb, else ANY); nil when the
	// resource has neither.
	Method *apidef.Method
	// PathParams holds the URL-decoded path parameters ({petId} -> "a b"; {proxy+} -> "a/b").
	// It is nil when the resource path has no parameters.
	PathParams map[string]string
}

type segKind uint8

const (
	kindLiteral segKind = iota
	kindParam
	kindGreedy
)

// tmplSeg is one segment of a resource path template.
type tmplSeg struct {
	kind segKind
	text string // the literal, or the parameter name (without braces or "+")
}

type node struct {
	res      *apidef.Resource
	literals map[string]*node
	// variable is the single "{param}" or "{name+}" child (AWS allows only one per level);
	// varSeg is its segment as written, e.g. "{petId}".
	variable *node
	varSeg   string
	greedy   bool // this node is a greedy "{name+}" segment
	// tmpl is the path template of res (set on nodes that hold a resource); nParams counts its
	// variable segments.
	tmpl    []tmplSeg
	nParams int
}

// New builds a router from resources. It returns an error wrapping ErrInvalidPath or
// ErrConflict for a tree that AWS's import would refuse. Resources missing from the list whose
// paths are prefixes of listed ones are treated as existing without methods.
func New(resources []*apidef.Resource) (*Router, error) {
	root := &node{}
	for i, res := range resources {
		if res == nil {
			return nil, fmt.Errorf("resource %d is nil: %w", i, ErrInvalidPath)
		}
		tmpl, err := parsePath(res.Path)
		if err != nil {
			return nil, err
		}
		n := root
		for _, seg := range tmpl {
			n, err = n.child(seg, res.Path)
			if err != nil {
				return nil, err
			}
		}
		if n.res != nil {
			return nil, fmt.Errorf("duplicate resource path '%s': %w", res.Path, ErrConflict)
		}
		n.res = res
		n.tmpl = tmpl
		for _, s := range tmpl {
			if s.kind != kindLiteral {
				n.nParams++
			}
		}
	}
	return &Router{root: root}, nil
}

// child returns (creating if needed) the child of n for seg.
func (n *node) child(seg tmplSeg, path string) (*node, error) {
	if seg.kind == kindLiteral {
		if c := n.literals[seg.text]; c != nil {
			return c, nil
		}
		if n.literals == nil {
			n.literals = make(map[string]*node)
		}
		c := &node{}
		n.literals[seg.text] = c
		return c, nil
	}
	written := "{" + seg.text + "}"
	if seg.kind == kindGreedy {
		written = "{" + seg.text + "+}"
	}
	if n.variable != nil {
		if n.varSeg != written {
			return nil, fmt.Errorf("unable to create resource at path '%s': A sibling (%s) of this resource already has a variable path part -- only one is allowed: %w",
				path, n.varSeg, ErrConflict)
		}
		return n.variable, nil
	}
	n.variable = &node{greedy: seg.kind == kindGreedy}
	n.varSeg = written
	return n.variable, nil
}

// parsePath parses a resource path such as "/pets/{petId}" or "/{proxy+}" into segments.
func parsePath(p string) ([]tmplSeg, error) {
	if p == "/" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
		return nil, fmt.Errorf("resource path '%s' must start with '/' and not end with one: %w", p, ErrInvalidPath)
	}
	parts := strings.Split(p[1:], "/")
	out := make([]tmplSeg, 0, len(parts))
	for _, s := range parts {
		seg, err := parseSegment(s)
		if err != nil {
			return nil, fmt.Errorf("resource path '%s': %w", p, err)
		}
		out = append(out, seg)
	}
	for i, s := range out {
		if s.kind == kindGreedy && i != len(out)-1 {
			return nil, fmt.Errorf("unable to create resource at path '%s': Cannot create a child of a resource with a greedy path variable: {%s+}: %w",
				p, s.text, ErrConflict)
		}
	}
	return out, nil
}

func parseSegment(s string) (tmplSeg, error) {
	if s == "" {
		return tmplSeg{}, fmt.Errorf("empty path segment: %w", ErrInvalidPath)
	}
	if s[0] == '{' {
		if len(s) < 3 || s[len(s)-1] != '}' {
			return tmplSeg{}, fmt.Errorf("malformed path variable %q: %w", s, ErrInvalidPath)
		}
		name, kind := s[1:len(s)-1], kindParam
		if strings.HasSuffix(name, "+") {
			name, kind = name[:len(name)-1], kindGreedy
		}
		if name == "" || !validChars(name) {
			return tmplSeg{}, fmt.Errorf("malformed path variable %q: %w", s, ErrInvalidPath)
		}
		return tmplSeg{kind: kind, text: name}, nil
	}
	if !validChars(s) {
		return tmplSeg{}, fmt.Errorf("path segment %q: path segments can only contain alphanumeric characters, underscores, hyphens, periods, commas, colons, and curly braces: %w", s, ErrInvalidPath)
	}
	return tmplSeg{kind: kindLiteral, text: s}, nil
}

// validChars reports whether s uses only the characters facts §9 allows in a path segment
// (braces are handled by the caller).
func validChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '_', c == '-', c == '.', c == ',', c == ':':
		default:
			return false
		}
	}
	return true
}

// Match matches path (the raw part after the stage, e.g. "/pets/1"; "" and "/" are the root)
// and an HTTP method (case-sensitive, e.g. "GET").
func (r *Router) Match(path, method string) Match {
	if r == nil || r.root == nil {
		return Match{}
	}
	p := strings.TrimRight(path, "/")
	if p != "" && p[0] != '/' {
		p = "/" + p
	}
	n := r.root.find(p)
	if n == nil {
		return Match{}
	}
	m := Match{Resource: n.res}
	if meth := n.res.Methods[method]; meth != nil {
		m.Method = meth
	} else if meth := n.res.Methods["ANY"]; meth != nil {
		m.Method = meth
	}
	if n.nParams > 0 {
		m.PathParams = extract(n, p)
	}
	return m
}

// nextSeg splits rest ("/seg/more" or "/seg") into the first segment and what follows it.
func nextSeg(rest string) (seg, next string) {
	s := rest[1:]
	if i := strings.IndexByte(s, '/'); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// find returns the resource node matching rest ("" or "/a/b"), trying literal, then variable
// children, and backtracking when a branch dead-ends.
func (n *node) find(rest string) *node {
	if rest == "" {
		if n.res != nil {
			return n
		}
		return nil
	}
	seg, next := nextSeg(rest)
	if len(n.literals) > 0 && seg != "" {
		if c := n.literals[literalKey(seg)]; c != nil {
			if m := c.find(next); m != nil {
				return m
			}
		}
	}
	v := n.variable
	if v == nil || seg == "" {
		return nil
	}
	if v.greedy {
		if v.res != nil {
			return v
		}
		return nil
	}
	return v.find(next)
}

// literalKey is the decoded form of a raw segment for literal comparison. It allocates only
// when the segment contains a percent sign.
func literalKey(seg string) string {
	if strings.IndexByte(seg, '%') < 0 {
		return seg
	}
	return decode(seg)
}

// decode URL-decodes one path segment; "+" stays "+", and a malformed escape leaves the segment
// as written.
func decode(seg string) string {
	if strings.IndexByte(seg, '%') < 0 {
		return seg
	}
	d, err := url.PathUnescape(seg)
	if err != nil {
		return seg
	}
	return d
}

// decodeGreedy decodes each "/"-separated segment of s and joins them with "/".
func decodeGreedy(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; ; i++ {
		j := strings.IndexByte(s, '/')
		if i > 0 {
			b.WriteByte('/')
		}
		if j < 0 {
			b.WriteString(decode(s))
			break
		}
		b.WriteString(decode(s[:j]))
		s = s[j+1:]
	}
	return b.String()
}

// extract walks the matched resource's template along the request path p and collects the
// decoded parameters.
func extract(n *node, p string) map[string]string {
	params := make(map[string]string, n.nParams)
	rest := p
	for _, t := range n.tmpl {
		seg, next := nextSeg(rest)
		switch t.kind {
		case kindParam:
			params[t.text] = decode(seg)
		case kindGreedy:
			params[t.text] = decodeGreedy(rest[1:])
			return params
		}
		rest = next
	}
	return params
}
