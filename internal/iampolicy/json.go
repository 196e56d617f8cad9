package iampolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// maxDepth bounds nesting in a policy document. Real IAM policies nest at most five levels
// (policy → Statement array → statement → Condition → operator → key → value array).
const maxDepth = 16

// jsonKind is the kind of a decoded JSON value.
type jsonKind uint8

const (
	jsonString jsonKind = iota + 1
	jsonNumber
	jsonBool
	jsonNull
	jsonObject
	jsonArray
)

func (k jsonKind) String() string {
	switch k {
	case jsonString:
		return "a string"
	case jsonNumber:
		return "a number"
	case jsonBool:
		return "a boolean"
	case jsonNull:
		return "null"
	case jsonObject:
		return "an object"
	case jsonArray:
		return "an array"
	}
	return "nothing"
}

// jnode is a JSON value with the byte offset where it starts, so that every compile error
// can name its line and column. Objects keep their members in document order.
type jnode struct {
	kind    jsonKind
	off     int
	str     string // string value, number literal, or "true"/"false"
	members []jmember
	elems   []*jnode
}

type jmember struct {
	key    string
	keyOff int
	val    *jnode
}

// get returns the member named key (exact match) or nil.
func (n *jnode) get(key string) *jmember {
	for i := range n.members {
		if n.members[i].key == key {
			return &n.members[i]
		}
	}
	return nil
}

// decodeTree decodes doc into a tree, rejecting duplicate object keys (which encoding/json
// would silently resolve to the last one) and trailing data. Errors are *ParseError.
func decodeTree(doc []byte) (*jnode, error) {
	d := &treeDecoder{doc: doc, dec: json.NewDecoder(bytes.NewReader(doc))}
	d.dec.UseNumber()
	root, err := d.value("", 0)
	if err != nil {
		return nil, err
	}
	off := d.next()
	if _, err := d.dec.Token(); err != io.EOF {
		return nil, newParseError(doc, off, "", "unexpected data after the policy document")
	}
	return root, nil
}

type treeDecoder struct {
	doc []byte
	dec *json.Decoder
}

// next returns the offset of the next token: the decoder's offset after the previous token,
// advanced past whitespace and the separators ':' and ','.
func (d *treeDecoder) next() int {
	off := int(d.dec.InputOffset())
	for off < len(d.doc) {
		switch d.doc[off] {
		case ' ', '\t', '\r', '\n', ':', ',':
			off++
			continue
		}
		break
	}
	return off
}

func (d *treeDecoder) token(path string) (json.Token, int, error) {
	off := d.next()
	tok, err := d.dec.Token()
	if err != nil {
		return nil, off, d.syntaxError(err, off, path)
	}
	return tok, off, nil
}

func (d *treeDecoder) syntaxError(err error, off int, path string) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// With Decoder.Token, Offset is the offending byte, or the start of a bad literal.
		return newParseError(d.doc, int(se.Offset), path, "invalid JSON: "+se.Error())
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return newParseError(d.doc, len(d.doc), path, "invalid JSON: unexpected end of document")
	}
	return newParseError(d.doc, off, path, "invalid JSON: "+err.Error())
}

func (d *treeDecoder) value(path string, depth int) (*jnode, error) {
	tok, off, err := d.token(path)
	if err != nil {
		return nil, err
	}
	return d.fromToken(tok, off, path, depth)
}

func (d *treeDecoder) fromToken(tok json.Token, off int, path string, depth int) (*jnode, error) {
	switch t := tok.(type) {
	case string:
		return &jnode{kind: jsonString, off: off, str: t}, nil
	case json.Number:
		return &jnode{kind: jsonNumber, off: off, str: string(t)}, nil
	case bool:
		s := "false"
		if t {
			s = "true"
		}
		return &jnode{kind: jsonBool, off: off, str: s}, nil
	case nil:
		return &jnode{kind: jsonNull, off: off}, nil
	case json.Delim:
		if depth >= maxDepth {
			return nil, newParseError(d.doc, off, path, fmt.Sprintf("nested more than %d levels deep", maxDepth))
		}
		switch t {
		case '{':
			n := &jnode{kind: jsonObject, off: off}
			for d.dec.More() {
				ktok, koff, err := d.token(path)
				if err != nil {
					return nil, err
				}
				key, ok := ktok.(string)
				if !ok {
					return nil, newParseError(d.doc, koff, path, "invalid JSON: object key is not a string")
				}
				if n.get(key) != nil {
					return nil, newParseError(d.doc, koff, path, fmt.Sprintf("duplicate key %q", key))
				}
				v, err := d.value(joinPath(path, key), depth+1)
				if err != nil {
					return nil, err
				}
				n.members = append(n.members, jmember{key: key, keyOff: koff, val: v})
			}
			if _, _, err := d.token(path); err != nil { // '}'
				return nil, err
			}
			return n, nil
		case '[':
			n := &jnode{kind: jsonArray, off: off}
			for d.dec.More() {
				v, err := d.value(fmt.Sprintf("%s[%d]", path, len(n.elems)), depth+1)
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, v)
			}
			if _, _, err := d.token(path); err != nil { // ']'
				return nil, err
			}
			return n, nil
		}
	}
	return nil, newParseError(d.doc, off, path, "invalid JSON: unexpected token")
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// position converts a byte offset in doc to a 1-based line and a 1-based column counted in
// characters (runes).
func position(doc []byte, off int) (line, col int) {
	if off > len(doc) {
		off = len(doc)
	}
	if off < 0 {
		off = 0
	}
	line = 1 + bytes.Count(doc[:off], []byte{'\n'})
	start := bytes.LastIndexByte(doc[:off], '\n') + 1
	col = 1 + utf8.RuneCount(doc[start:off])
	return line, col
}
