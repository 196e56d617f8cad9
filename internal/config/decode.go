package config

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Limits that keep hostile input (alias bombs, deep nesting) from exhausting the process.
const (
	maxDecodeSteps = 200_000
	maxDepth       = 256
)

// pos is a 1-based line and column.
type pos struct{ line, col int }

// positions maps a field path to the position of its value node and of its key (for map
// entries and struct fields), so that validation errors can point at the right place.
type positions struct {
	val map[string]pos
	key map[string]pos
}

// at returns the position of path's value, else of the nearest enclosing path that has one.
func (p *positions) at(path string) pos {
	for {
		if q, ok := p.val[path]; ok {
			return q
		}
		if path == "" {
			return pos{}
		}
		path = parentPath(path)
	}
}

// keyAt returns the position of path's key when it has one, else at(path).
func (p *positions) keyAt(path string) pos {
	if q, ok := p.key[path]; ok {
		return q
	}
	return p.at(path)
}

// parentPath strips the last element of a field path: `a.b[2]` -> `a.b`, `a["x"]` -> `a`.
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		// Find the '[' that opens the last element, skipping a quoted key.
		if strings.HasSuffix(path, `"]`) {
			for i := len(path) - 3; i >= 1; i-- {
				if path[i] == '"' && path[i-1] == '[' && !escapedQuote(path, i) {
					return path[:i-1]
				}
			}
			return ""
		}
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
		return ""
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

func escapedQuote(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// childPath appends a field name.
func childPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// indexPath appends a sequence index.
func indexPath(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// keyPath appends a map key: `.key` for identifiers, `["*/*"]` otherwise.
func keyPath(path, key string) string {
	ident := key != ""
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			ident = false
			break
		}
	}
	if ident {
		return childPath(path, key)
	}
	return path + "[" + strconv.Quote(key) + "]"
}

// nodeDecoder is implemented by types that decode themselves from a node (WAFv2 objects).
type nodeDecoder interface {
	decodeNode(d *decoder, n ast.Node, path string) error
}

var (
	rawMessageType  = reflect.TypeFor[json.RawMessage]()
	nodeDecoderType = reflect.TypeFor[nodeDecoder]()
)

// decoder turns a goccy/go-yaml AST into typed values strictly: unknown fields, duplicate keys
// and type mismatches are *Error values with the node's line and column and the field path.
type decoder struct {
	file    string
	pos     positions
	anchors map[string]ast.Node
	steps   int
	depth   int
}

func newDecoder(file string) *decoder {
	return &decoder{
		file:    file,
		pos:     positions{val: map[string]pos{}, key: map[string]pos{}},
		anchors: map[string]ast.Node{},
	}
}

func tokPos(tk *token.Token) pos {
	if tk == nil || tk.Position == nil {
		return pos{}
	}
	return pos{tk.Position.Line, tk.Position.Column}
}

// nodePos is where a node starts: a mapping's first key (the parser's token for a block
// mapping is its first ':'), else the node's token.
func nodePos(n ast.Node) pos {
	switch m := n.(type) {
	case nil:
		return pos{}
	case *ast.MappingNode:
		if len(m.Values) > 0 && m.Values[0].Key != nil && !m.IsFlowStyle {
			return nodePos(m.Values[0].Key)
		}
	case *ast.MappingValueNode:
		if m.Key != nil {
			return nodePos(m.Key)
		}
	}
	if tk := n.GetToken(); tk != nil {
		return tokPos(tk)
	}
	return pos{}
}

func (d *decoder) errAt(p pos, path, format string, args ...any) *Error {
	return &Error{File: d.file, Line: p.line, Column: p.col, Field: path, Msg: fmt.Sprintf(format, args...)}
}

// parseYAML parses data (YAML or JSON) into the single document's body node (nil when empty).
func parseYAML(data []byte, file string) (ast.Node, error) {
	f, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey()) // duplicates are reported with their field path by the decoder
	if err != nil {
		e := &Error{File: file, Msg: err.Error(), Err: err}
		if ye, ok := err.(interface {
			GetToken() *token.Token
			GetMessage() string
		}); ok {
			p := tokPos(ye.GetToken())
			e.Line, e.Column, e.Msg = p.line, p.col, ye.GetMessage()
		}
		return nil, e
	}
	var docs []*ast.DocumentNode
	for _, doc := range f.Docs {
		if doc != nil && doc.Body != nil {
			docs = append(docs, doc)
		}
	}
	switch len(docs) {
	case 0:
		return nil, nil
	case 1:
		return docs[0].Body, nil
	}
	p := tokPos(docs[1].Start)
	if p.line == 0 {
		p = nodePos(docs[1].Body)
	}
	return nil, &Error{File: file, Line: p.line, Column: p.col, Msg: "a configuration file holds one YAML document, found several"}
}

// resolve strips anchors, tags and comments and follows aliases.
func (d *decoder) resolve(n ast.Node, path string) (ast.Node, error) {
	for i := 0; ; i++ {
		if i > maxDepth {
			return nil, d.errAt(nodePos(n), path, "too many nested anchors, aliases or tags")
		}
		switch v := n.(type) {
		case *ast.AnchorNode:
			if name, ok := v.Name.(*ast.StringNode); ok && v.Value != nil {
				d.anchors[name.Value] = v.Value
			}
			n = v.Value
		case *ast.AliasNode:
			name := ""
			if v.Value != nil {
				name = v.Value.GetToken().Value
			}
			target, ok := d.anchors[name]
			if !ok {
				return nil, d.errAt(nodePos(n), path, "unknown alias *%s", name)
			}
			n = target
		case *ast.TagNode:
			n = v.Value
		case *ast.CommentGroupNode:
			return nil, nil
		default:
			return n, nil
		}
		if n == nil {
			return nil, nil
		}
	}
}

func kind(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a sequence"
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	case *ast.IntegerNode:
		return "an integer"
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a number"
	case *ast.BoolNode:
		return "a boolean"
	case *ast.NullNode:
		return "null"
	}
	return "an unsupported YAML node"
}

// mapEntries returns the key/value pairs of a mapping node ("" ok=false if n is not a mapping).
func mapEntries(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch m := n.(type) {
	case *ast.MappingNode:
		return m.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{m}, true
	}
	return nil, false
}

// mapKey returns the string form of a mapping key.
func (d *decoder) mapKey(mv *ast.MappingValueNode, path string) (string, error) {
	k := ast.Node(mv.Key)
	if k == nil {
		return "", d.errAt(nodePos(mv), path, "mapping entry without a key")
	}
	if mv.Key.IsMergeKey() {
		return "", d.errAt(nodePos(k), path, "merge keys (<<) are not supported")
	}
	k, err := d.resolve(k, path)
	if err != nil {
		return "", err
	}
	switch v := k.(type) {
	case *ast.StringNode:
		return v.Value, nil
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return v.GetToken().Value, nil
	}
	return "", d.errAt(nodePos(mv.Key), path, "mapping keys must be strings, got %s", kind(k))
}

// decode decodes node n into v (addressable) at field path.
func (d *decoder) decode(n ast.Node, v reflect.Value, path string) error {
	d.steps++
	if d.steps > maxDecodeSteps {
		return d.errAt(nodePos(n), path, "document too large (alias expansion?)")
	}
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxDepth {
		return d.errAt(nodePos(n), path, "nesting too deep")
	}
	n, err := d.resolve(n, path)
	if err != nil {
		return err
	}
	if n == nil {
		return nil
	}
	if _, ok := d.pos.val[path]; !ok {
		d.pos.val[path] = nodePos(n)
	}
	if _, isNull := n.(*ast.NullNode); isNull {
		v.Set(reflect.Zero(v.Type()))
		return nil
	}
	if v.Addr().Type().Implements(nodeDecoderType) {
		return v.Addr().Interface().(nodeDecoder).decodeNode(d, n, path)
	}
	t := v.Type()
	if t == rawMessageType {
		raw, err := d.rawJSON(n, path)
		if err != nil {
			return err
		}
		v.SetBytes(raw)
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		nv := reflect.New(t.Elem())
		if err := d.decode(n, nv.Elem(), path); err != nil {
			return err
		}
		v.Set(nv)
		return nil
	case reflect.Struct:
		return d.decodeStruct(n, v, path)
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			return d.errAt(nodePos(n), path, "expected a sequence, got %s", kind(n))
		}
		s := reflect.MakeSlice(t, len(seq.Values), len(seq.Values))
		for i, item := range seq.Values {
			if err := d.decode(item, s.Index(i), indexPath(path, i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Map:
		entries, ok := mapEntries(n)
		if !ok {
			return d.errAt(nodePos(n), path, "expected a mapping, got %s", kind(n))
		}
		m := reflect.MakeMapWithSize(t, len(entries))
		for _, mv := range entries {
			key, err := d.mapKey(mv, path)
			if err != nil {
				return err
			}
			kp := keyPath(path, key)
			if m.MapIndex(reflect.ValueOf(key)).IsValid() {
				return d.errAt(nodePos(mv.Key), kp, "duplicate key %q", key)
			}
			d.pos.key[kp] = nodePos(mv.Key)
			ev := reflect.New(t.Elem()).Elem()
			if err := d.decode(mv.Value, ev, kp); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(key).Convert(t.Key()), ev)
		}
		v.Set(m)
		return nil
	case reflect.String:
		switch s := n.(type) {
		case *ast.StringNode:
			v.SetString(s.Value)
		case *ast.LiteralNode:
			if s.Value == nil {
				v.SetString("")
			} else {
				v.SetString(s.Value.Value)
			}
		case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
			// An unquoted scalar where a string is expected keeps its text as written
			// (accountId: 012345678901 stays "012345678901").
			v.SetString(s.GetToken().Value)
		default:
			return d.errAt(nodePos(n), path, "expected a string, got %s", kind(n))
		}
		return nil
	case reflect.Bool:
		b, ok := n.(*ast.BoolNode)
		if !ok {
			return d.errAt(nodePos(n), path, "expected a boolean, got %s", kind(n))
		}
		v.SetBool(b.Value)
		return nil
	case reflect.Int, reflect.Int64, reflect.Int32:
		i, ok := n.(*ast.IntegerNode)
		if s, isStr := n.(*ast.StringNode); isStr && looksInteger(s) {
			return d.errAt(nodePos(n), path, "integer %s out of range", s.Value)
		}
		if !ok {
			return d.errAt(nodePos(n), path, "expected an integer, got %s", kind(n))
		}
		var x int64
		switch iv := i.Value.(type) {
		case int64:
			x = iv
		case uint64:
			if iv > math.MaxInt64 {
				return d.errAt(nodePos(n), path, "integer %s out of range", i.GetToken().Value)
			}
			x = int64(iv)
		}
		if v.OverflowInt(x) {
			return d.errAt(nodePos(n), path, "integer %s out of range", i.GetToken().Value)
		}
		v.SetInt(x)
		return nil
	case reflect.Float64:
		switch f := n.(type) {
		case *ast.FloatNode:
			v.SetFloat(f.Value)
		case *ast.IntegerNode:
			switch iv := f.Value.(type) {
			case int64:
				v.SetFloat(float64(iv))
			case uint64:
				v.SetFloat(float64(iv))
			}
		default:
			return d.errAt(nodePos(n), path, "expected a number, got %s", kind(n))
		}
		return nil
	case reflect.Interface:
		g, err := d.generic(n, path)
		if err != nil {
			return err
		}
		if g != nil {
			v.Set(reflect.ValueOf(g))
		}
		return nil
	}
	return d.errAt(nodePos(n), path, "internal error: cannot decode into %s", t)
}

// fieldIndex caches the `json` tag name -> field index of each struct type.
func fieldIndex(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		m[name] = i
	}
	return m
}

func (d *decoder) decodeStruct(n ast.Node, v reflect.Value, path string) error {
	entries, ok := mapEntries(n)
	if !ok {
		return d.errAt(nodePos(n), path, "expected a mapping, got %s", kind(n))
	}
	fields := fieldIndex(v.Type())
	seen := make(map[string]bool, len(entries))
	for _, mv := range entries {
		key, err := d.mapKey(mv, path)
		if err != nil {
			return err
		}
		fp := childPath(path, key)
		kp := nodePos(mv.Key)
		i, ok := fields[key]
		if !ok {
			return d.errAt(kp, fp, "unknown field %q%s", key, suggest(key, fields))
		}
		if seen[key] {
			return d.errAt(kp, fp, "duplicate key %q", key)
		}
		seen[key] = true
		d.pos.key[fp] = kp
		if mv.Value == nil {
			continue
		}
		if err := d.decode(mv.Value, v.Field(i), fp); err != nil {
			return err
		}
	}
	return nil
}

// suggest returns ` (did you mean "x"?)` for a near miss in case only (the usual mistake when
// copying PascalCase CLI output into camelCase sections, or the reverse).
func suggest(key string, fields map[string]int) string {
	for name := range fields {
		if strings.EqualFold(name, key) {
			return fmt.Sprintf(" (did you mean %q?)", name)
		}
	}
	return ""
}

// generic converts a node into JSON-compatible Go values.
func (d *decoder) generic(n ast.Node, path string) (any, error) {
	d.steps++
	if d.steps > maxDecodeSteps {
		return nil, d.errAt(nodePos(n), path, "document too large (alias expansion?)")
	}
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxDepth {
		return nil, d.errAt(nodePos(n), path, "nesting too deep")
	}
	n, err := d.resolve(n, path)
	if err != nil || n == nil {
		return nil, err
	}
	if _, ok := d.pos.val[path]; !ok {
		d.pos.val[path] = nodePos(n)
	}
	switch v := n.(type) {
	case *ast.NullNode:
		return nil, nil
	case *ast.StringNode:
		return v.Value, nil
	case *ast.LiteralNode:
		if v.Value == nil {
			return "", nil
		}
		return v.Value.Value, nil
	case *ast.BoolNode:
		return v.Value, nil
	case *ast.IntegerNode:
		return v.Value, nil
	case *ast.FloatNode:
		if math.IsInf(v.Value, 0) || math.IsNaN(v.Value) {
			return nil, d.errAt(nodePos(n), path, "%s is not representable in JSON", v.GetToken().Value)
		}
		return v.Value, nil
	case *ast.SequenceNode:
		out := make([]any, len(v.Values))
		for i, item := range v.Values {
			g, err := d.generic(item, indexPath(path, i))
			if err != nil {
				return nil, err
			}
			out[i] = g
		}
		return out, nil
	case *ast.MappingNode, *ast.MappingValueNode:
		entries, _ := mapEntries(n)
		out := make(map[string]any, len(entries))
		for _, mv := range entries {
			key, err := d.mapKey(mv, path)
			if err != nil {
				return nil, err
			}
			kp := keyPath(path, key)
			if _, dup := out[key]; dup {
				return nil, d.errAt(nodePos(mv.Key), kp, "duplicate key %q", key)
			}
			d.pos.key[kp] = nodePos(mv.Key)
			g, err := d.generic(mv.Value, kp)
			if err != nil {
				return nil, err
			}
			out[key] = g
		}
		return out, nil
	}
	return nil, d.errAt(nodePos(n), path, "%s is not representable in JSON", kind(n))
}

// rawJSON converts a node to compact JSON. A string holding a JSON object or array is taken as
// that JSON, because `aws apigateway get-rest-api` prints the resource policy as a string.
func (d *decoder) rawJSON(n ast.Node, path string) (json.RawMessage, error) {
	g, err := d.generic(n, path)
	if err != nil {
		return nil, err
	}
	if s, ok := g.(string); ok {
		t := strings.TrimSpace(s)
		if strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
			var x any
			if err := json.Unmarshal([]byte(t), &x); err != nil {
				return nil, d.errAt(nodePos(n), path, "invalid JSON in string: %v", err)
			}
			g = x
		}
	}
	b, err := json.Marshal(g)
	if err != nil {
		return nil, d.errAt(nodePos(n), path, "cannot convert to JSON: %v", err)
	}
	return b, nil
}

// looksInteger reports whether an unquoted string scalar is a run of digits (the parser keeps
// integers too large for 64 bits as strings).
func looksInteger(s *ast.StringNode) bool {
	tk := s.GetToken()
	if tk == nil || tk.Type == token.SingleQuoteType || tk.Type == token.DoubleQuoteType {
		return false
	}
	v := strings.TrimPrefix(s.Value, "-")
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}
