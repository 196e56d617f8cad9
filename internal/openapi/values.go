package openapi

import (
	"net/url"
	"strconv"
	"strings"
)

// Typed accessors: each checks the kind of a value and reports a positioned *Error.

func (im *importer) wantMap(n *node, field string) error {
	if n.kind != mapKind {
		return im.errf(n, field, "must be an object, not %s", n.kind)
	}
	return nil
}

// str returns a string value.
func (im *importer) str(n *node, field string) (string, error) {
	if n.kind != stringKind {
		return "", im.errf(n, field, "must be a string, not %s", n.kind)
	}
	return n.s, nil
}

// text returns a scalar written either as a string or as a number (status codes, versions).
func (im *importer) text(n *node, field string) (string, error) {
	switch n.kind {
	case stringKind, intKind, floatKind:
		return n.s, nil
	}
	return "", im.errf(n, field, "must be a string or a number, not %s", n.kind)
}

func (im *importer) boolean(n *node, field string) (bool, error) {
	if n.kind != boolKind {
		return false, im.errf(n, field, "must be a boolean, not %s", n.kind)
	}
	return n.b, nil
}

// integer returns an integer in [lo, hi].
func (im *importer) integer(n *node, field string, lo, hi int64) (int, error) {
	if n.kind != intKind || n.big {
		return 0, im.errf(n, field, "must be an integer, not %s", n.kind)
	}
	if n.i < lo || n.i > hi {
		return 0, im.errf(n, field, "%d is out of range (want %d..%d)", n.i, lo, hi)
	}
	return int(n.i), nil
}

func (im *importer) strList(n *node, field string) ([]string, error) {
	if n.kind != seqKind {
		return nil, im.errf(n, field, "must be an array of strings, not %s", n.kind)
	}
	var out []string
	for i, it := range n.items {
		s, err := im.str(it, field+idx(i))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// strMap returns a string-to-string object; nil when it is empty.
func (im *importer) strMap(n *node, field string) (map[string]string, error) {
	if err := im.wantMap(n, field); err != nil {
		return nil, err
	}
	if len(n.keys) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(n.keys))
	for i, k := range n.keys {
		s, err := im.str(n.vals[i], field+"."+k.s)
		if err != nil {
			return nil, err
		}
		out[k.s] = s
	}
	return out, nil
}

// checkFields rejects keys of the object n that are neither in known nor in ignored.
// Vendor extensions other than x-amazon-apigateway-* are always allowed.
func (im *importer) checkFields(n *node, field string, known, ignored []string) error {
	for _, k := range n.keys {
		if contains(known, k.s) || contains(ignored, k.s) {
			continue
		}
		if strings.HasPrefix(k.s, "x-") && !strings.HasPrefix(k.s, "x-amazon-apigateway-") {
			continue
		}
		return im.errf(k, field+"."+k.s, "unknown field (want one of %s)", strings.Join(known, ", "))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// oneOf upper-cases a case-insensitive enumeration value and checks it is one of want.
func (im *importer) oneOf(n *node, field string, want ...string) (string, error) {
	s, err := im.str(n, field)
	if err != nil {
		return "", err
	}
	u := strings.ToUpper(s)
	if !contains(want, u) {
		return "", im.errf(n, field, "unknown value %q (want %s)", s, strings.Join(want, ", "))
	}
	return u, nil
}

func idx(i int) string {
	return "[" + strconv.Itoa(i) + "]"
}

// resolve follows a local "$ref" ("#/components/parameters/p") until it reaches a value that is
// not a reference. It returns the value and its field path for errors.
func (im *importer) resolve(n *node, field string) (*node, string, error) {
	for hops := 0; n.kind == mapKind && n.get("$ref") != nil; hops++ {
		if hops == 16 {
			return nil, "", im.errf(n, field, "$ref chain longer than 16 references (a cycle?)")
		}
		refNode := n.get("$ref")
		ref, err := im.str(refNode, field+".$ref")
		if err != nil {
			return nil, "", err
		}
		target, tfield, ok := im.lookupRef(ref)
		if !ok {
			if !strings.HasPrefix(ref, "#/") {
				return nil, "", im.errf(refNode, field+".$ref", "external reference %q is not supported (API Gateway imports a single file)", ref)
			}
			return nil, "", im.errf(refNode, field+".$ref", "reference %q does not resolve", ref)
		}
		n, field = target, tfield
	}
	return n, field, nil
}

// lookupRef resolves a local JSON pointer ("#/a/b~1c").
func (im *importer) lookupRef(ref string) (*node, string, bool) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, "", false
	}
	n := im.root
	var parts []string
	for _, p := range strings.Split(ref[2:], "/") {
		if u, err := url.PathUnescape(p); err == nil {
			p = u
		}
		p = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
		parts = append(parts, p)
		switch n.kind {
		case mapKind:
			n = n.get(p)
		case seqKind:
			i, ok := atoi(p)
			if !ok || i >= len(n.items) {
				return nil, "", false
			}
			n = n.items[i]
		default:
			return nil, "", false
		}
		if n == nil {
			return nil, "", false
		}
	}
	return n, strings.Join(parts, "."), true
}

func atoi(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	v := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// refName returns the model name of a schema reference ("#/components/schemas/Pet" → "Pet",
// "#/definitions/Pet" → "Pet"), or "" when n is not such a reference.
func (im *importer) refName(n *node) string {
	if n == nil {
		return ""
	}
	r := n.get("$ref")
	if r == nil || r.kind != stringKind {
		return ""
	}
	prefix := "#/components/schemas/"
	if im.swagger {
		prefix = "#/definitions/"
	}
	if !strings.HasPrefix(r.s, prefix) {
		return ""
	}
	name := strings.ReplaceAll(strings.ReplaceAll(r.s[len(prefix):], "~1", "/"), "~0", "~")
	return name
}
