package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// kind is the type of a decoded YAML/JSON value.
type kind uint8

const (
	nullKind kind = iota
	stringKind
	intKind
	floatKind
	boolKind
	mapKind
	seqKind
)

func (k kind) String() string {
	return [...]string{"null", "string", "integer", "number", "boolean", "object", "array"}[k]
}

// node is one value of the document with its source position. Mappings keep their keys in
// definition order (the order of integration responses depends on it). Aliases share the
// anchored node, so a node may be reachable from several parents.
type node struct {
	kind      kind
	line, col int
	s         string // string value; the source text for other scalars
	i         int64  // intKind values that fit in an int64
	big       bool   // intKind value that does not fit in an int64 (s holds it)
	f         float64
	b         bool
	keys      []*node // mapKind: key nodes (kind stringKind, s = key text)
	vals      []*node // mapKind: values, parallel to keys
	items     []*node // seqKind
	size      int     // expanded size (aliases counted at every use)
}

// maxExpanded bounds the size of the document after alias expansion, so that an alias bomb
// cannot make the importer (or a consumer walking a model) run away.
const maxExpanded = 2_000_000

// get returns the value for key, or nil when n is not a mapping or lacks the key.
func (n *node) get(key string) *node {
	if n == nil || n.kind != mapKind {
		return nil
	}
	for i, k := range n.keys {
		if k.s == key {
			return n.vals[i]
		}
	}
	return nil
}

// decode parses YAML (or JSON, a subset of YAML) into a node tree.
func decode(data []byte, file string) (*node, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		var se *yaml.SyntaxError
		if errors.As(err, &se) && se.Token != nil && se.Token.Position != nil {
			return nil, &Error{File: file, Line: se.Token.Position.Line, Column: se.Token.Position.Column,
				Msg: "invalid YAML/JSON: " + se.Message}
		}
		return nil, &Error{File: file, Msg: fmt.Sprintf("invalid YAML/JSON: %v", err)}
	}
	var body ast.Node
	for _, d := range f.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		if body != nil {
			l, c := pos(d.Body)
			return nil, &Error{File: file, Line: l, Column: c, Msg: "more than one YAML document"}
		}
		body = d.Body
	}
	if body == nil {
		return nil, &Error{File: file, Msg: "empty document"}
	}
	c := &converter{file: file, anchors: map[string]*node{}}
	return c.conv(body, 0)
}

func pos(n ast.Node) (int, int) {
	if n == nil {
		return 0, 0
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return 0, 0
	}
	return tk.Position.Line, tk.Position.Column
}

type converter struct {
	file    string
	anchors map[string]*node
}

const maxDepth = 256

func (c *converter) errAt(n ast.Node, format string, args ...any) error {
	l, col := pos(n)
	return &Error{File: c.file, Line: l, Column: col, Msg: fmt.Sprintf(format, args...)}
}

func (c *converter) conv(an ast.Node, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, c.errAt(an, "document nested more than %d levels deep", maxDepth)
	}
	l, col := pos(an)
	n := &node{line: l, col: col, size: 1}
	switch v := an.(type) {
	case nil:
		n.kind = nullKind
	case *ast.NullNode:
		n.kind = nullKind
		n.s = "null"
	case *ast.StringNode:
		n.kind, n.s = stringKind, v.Value
	case *ast.LiteralNode:
		n.kind = stringKind
		if v.Value != nil {
			n.s = v.Value.Value
		}
	case *ast.IntegerNode:
		n.kind, n.s = intKind, v.Token.Value
		switch x := v.Value.(type) {
		case int64:
			n.i = x
		case uint64:
			if x > math.MaxInt64 {
				n.big = true
				n.s = strconv.FormatUint(x, 10)
			} else {
				n.i = int64(x)
			}
		}
	case *ast.FloatNode:
		n.kind, n.s, n.f = floatKind, v.Token.Value, v.Value
	case *ast.InfinityNode:
		n.kind, n.s, n.f = floatKind, v.Token.Value, v.Value
	case *ast.NanNode:
		n.kind, n.s, n.f = floatKind, v.Token.Value, math.NaN()
	case *ast.BoolNode:
		n.kind, n.s, n.b = boolKind, v.Token.Value, v.Value
	case *ast.TagNode:
		return c.conv(v.Value, depth+1)
	case *ast.AnchorNode:
		target, err := c.conv(v.Value, depth+1)
		if err != nil {
			return nil, err
		}
		if v.Name != nil && v.Name.GetToken() != nil {
			c.anchors[v.Name.GetToken().Value] = target
		}
		return target, nil
	case *ast.AliasNode:
		name := ""
		if v.Value != nil && v.Value.GetToken() != nil {
			name = v.Value.GetToken().Value
		}
		target, ok := c.anchors[name]
		if !ok {
			return nil, c.errAt(an, "unknown YAML alias *%s", name)
		}
		return target, nil
	case *ast.MappingValueNode:
		n.kind = mapKind
		n.line, n.col = pos(v.Key)
		if err := c.addPair(n, v, depth); err != nil {
			return nil, err
		}
	case *ast.MappingNode:
		n.kind = mapKind
		if !v.IsFlowStyle && len(v.Values) > 0 && v.Values[0] != nil {
			// A block mapping starts at its first key (its own token is the first ':').
			n.line, n.col = pos(v.Values[0].Key)
		}
		for _, mv := range v.Values {
			if err := c.addPair(n, mv, depth); err != nil {
				return nil, err
			}
		}
	case *ast.SequenceNode:
		n.kind = seqKind
		for _, item := range v.Values {
			it, err := c.conv(item, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, it)
			n.size += it.size
		}
	default:
		return nil, c.errAt(an, "unsupported YAML construct %s", an.Type())
	}
	if n.size > maxExpanded {
		return nil, c.errAt(an, "document too large after alias expansion (more than %d values)", maxExpanded)
	}
	return n, nil
}

// addPair appends one key/value pair to the mapping m. Duplicate keys are errors; a merge
// key (<<) copies the pairs of the merged mappings that m does not define itself.
func (c *converter) addPair(m *node, mv *ast.MappingValueNode, depth int) error {
	if mv == nil {
		return nil
	}
	val, err := c.conv(mv.Value, depth+1)
	if err != nil {
		return err
	}
	key := ast.Node(mv.Key)
	for {
		switch k := key.(type) {
		case *ast.MappingKeyNode:
			key = k.Value
			continue
		case *ast.TagNode:
			key = k.Value
			continue
		case *ast.AnchorNode:
			key = k.Value
			continue
		}
		break
	}
	if _, ok := key.(*ast.MergeKeyNode); ok {
		var srcs []*node
		switch val.kind {
		case mapKind:
			srcs = []*node{val}
		case seqKind:
			srcs = val.items
		}
		for _, s := range srcs {
			if s.kind != mapKind {
				return c.errAt(mv.Value, "merge key (<<) value must be a mapping")
			}
			for i, k := range s.keys {
				if m.get(k.s) == nil {
					m.keys = append(m.keys, k)
					m.vals = append(m.vals, s.vals[i])
					m.size += s.vals[i].size
				}
			}
		}
		return nil
	}
	var text string
	switch k := key.(type) {
	case nil:
		return c.errAt(mv, "missing mapping key")
	case *ast.StringNode:
		text = k.Value
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode, *ast.AliasNode, *ast.LiteralNode:
		return c.errAt(key, "mapping keys must be scalars")
	default:
		if key.GetToken() == nil {
			return c.errAt(mv, "missing mapping key")
		}
		text = key.GetToken().Value
	}
	kl, kc := pos(key)
	if m.get(text) != nil {
		return &Error{File: c.file, Line: kl, Column: kc, Msg: fmt.Sprintf("duplicate key %q", text)}
	}
	m.keys = append(m.keys, &node{kind: stringKind, s: text, line: kl, col: kc, size: 1})
	m.vals = append(m.vals, val)
	m.size += val.size
	return nil
}

// appendJSON writes n as compact JSON, keeping mapping keys in definition order.
func (n *node) appendJSON(dst []byte) ([]byte, error) {
	switch n.kind {
	case nullKind:
		return append(dst, "null"...), nil
	case boolKind:
		return strconv.AppendBool(dst, n.b), nil
	case intKind:
		if n.big {
			return append(dst, n.s...), nil
		}
		return strconv.AppendInt(dst, n.i, 10), nil
	case floatKind:
		if math.IsInf(n.f, 0) || math.IsNaN(n.f) {
			return nil, fmt.Errorf("%s cannot be represented in JSON", n.s)
		}
		return strconv.AppendFloat(dst, n.f, 'g', -1, 64), nil
	case stringKind:
		return appendJSONString(dst, n.s), nil
	case seqKind:
		dst = append(dst, '[')
		for i, it := range n.items {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = it.appendJSON(dst); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	default: // mapKind
		dst = append(dst, '{')
		for i, k := range n.keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, k.s)
			dst = append(dst, ':')
			var err error
			if dst, err = n.vals[i].appendJSON(dst); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	}
}

func appendJSONString(dst []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // encoding a string cannot fail
	return append(dst, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}
