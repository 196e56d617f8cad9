package redact

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// MaxDepth is the deepest JSON nesting HAR accepts (encoding/json's own limit).
const MaxDepth = 10000

// ErrTooDeep is returned for JSON nested deeper than MaxDepth.
var ErrTooDeep = errors.New("JSON nested too deeply")

// maxKnownPerEntry bounds the secrets one HAR entry remembers (see known).
const maxKnownPerEntry = 256

// HAR copies a HAR 1.2 file (Chrome, Firefox and Safari exports) from src to dst with its secrets
// masked (see the package comment), and says what it masked.
//
// It streams: log.entries is read and written one entry at a time (encoding/json Decoder
// tokens), so memory is bounded by the largest single entry, not by the file. Every member is
// kept, in order, including fields HAR does not define ("_initiator", "_securityState", …);
// only string values change. In each entry:
//
//   - name/value objects (request and response headers, queryString, postData.params) are
//     masked by name as Value does; every cookies[].value is masked;
//   - every other string — URLs, redirectURL, non-secret header values, request and response
//     bodies (content.text, decoded first when its encoding is base64), initiator stacks — is
//     masked as Scrub does, and any secret the entry's headers, query or cookies held (8
//     characters or more) is masked wherever else it appears in the entry (a body quoting the
//     Authorization header, a Referer carrying a token).
//
// The copy has the same entries, methods, statuses, header names and non-secret header values,
// so input.Parse reads it as it reads the original. Entries are written one per line and the
// copy ends with a newline. Any JSON document is accepted (one without log.entries is masked
// as a whole); an error means src is not valid JSON (the error names the byte offset and the
// entry), is nested deeper than MaxDepth, or dst failed. Stats.Entries counts the entries copied.
func HAR(dst io.Writer, src io.Reader) (Stats, error) {
	var st Stats
	br := bufio.NewReaderSize(src, 64<<10)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	h := &harCopier{dec: json.NewDecoder(br), w: bufio.NewWriterSize(dst, 64<<10), m: masker{stats: &st}}
	h.dec.UseNumber()
	err := h.document()
	if err == nil {
		if _, terr := h.dec.Token(); terr != io.EOF {
			err = h.fail("after the document: %w", notEOF(terr))
		}
	}
	if err == nil {
		h.w.WriteByte('\n')
	}
	if ferr := h.w.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("redact: har: write: %w", ferr)
	}
	st.Entries = h.entries
	return st, err
}

func notEOF(err error) error {
	if err == nil {
		return errors.New("unexpected data")
	}
	return err
}

type harCopier struct {
	dec     *json.Decoder
	w       *bufio.Writer
	m       masker
	entries int
	inEntry bool // reading log.entries[entries]
	scratch []byte
}

func (h *harCopier) fail(format string, a ...any) error {
	where := fmt.Sprintf("offset %d", h.dec.InputOffset())
	if h.inEntry {
		where += fmt.Sprintf(" (entry %d)", h.entries)
	}
	return fmt.Errorf("redact: har: "+where+": "+format, a...)
}

func (h *harCopier) token() (json.Token, error) {
	t, err := h.dec.Token()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, h.fail("%w", err)
	}
	return t, nil
}

func (h *harCopier) document() error {
	t, err := h.dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return h.fail("%w", err)
	}
	if t == json.Delim('{') {
		return h.object(0)
	}
	return h.whole(t, "")
}

// object streams the members of an object whose '{' was read. Depth 0 is the document, 1 is
// "log"; log.entries is streamed, every other member is read whole and masked.
func (h *harCopier) object(depth int) error {
	h.w.WriteByte('{')
	first := true
	for h.dec.More() {
		kt, err := h.token()
		if err != nil {
			return err
		}
		key, _ := kt.(string)
		if !first {
			h.w.WriteByte(',')
		}
		first = false
		h.writeString(key)
		h.w.WriteByte(':')
		t, err := h.token()
		if err != nil {
			return err
		}
		switch {
		case depth == 0 && key == "log" && t == json.Delim('{'):
			err = h.object(1)
		case depth == 1 && key == "entries" && t == json.Delim('['):
			err = h.entryArray()
		default:
			err = h.whole(t, key)
		}
		if err != nil {
			return err
		}
	}
	if _, err := h.token(); err != nil { // '}'
		return err
	}
	return h.w.WriteByte('}')
}

func (h *harCopier) entryArray() error {
	h.w.WriteByte('[')
	for h.dec.More() {
		h.inEntry = true
		t, err := h.token()
		if err != nil {
			return err
		}
		h.inEntry = true
		n, err := h.build(t, 0)
		h.inEntry = false
		if err != nil {
			return err
		}
		if h.entries > 0 {
			h.w.WriteByte(',')
		}
		h.w.WriteByte('\n')
		h.m.known = h.m.known[:0]
		h.collect(n, false)
		h.walk(n, "", false)
		h.m.known = h.m.known[:0]
		h.encode(n)
		h.entries++
		if _, err := h.w.Write(nil); err != nil {
			return fmt.Errorf("redact: har: write: %w", err)
		}
	}
	if _, err := h.token(); err != nil { // ']'
		return err
	}
	if h.entries > 0 {
		h.w.WriteByte('\n')
	}
	return h.w.WriteByte(']')
}

// whole reads the value starting with t, masks it and writes it.
func (h *harCopier) whole(t json.Token, key string) error {
	n, err := h.build(t, 0)
	if err != nil {
		return err
	}
	h.walk(n, key, false)
	h.encode(n)
	return nil
}

// node is one JSON value of the entry being copied; objects keep their members' order.
type node struct {
	kind  byte // '{' object, '[' array, 's' string, 'n' number, 'l' true/false/null
	str   string
	keys  []string
	elems []*node
}

func (h *harCopier) build(t json.Token, depth int) (*node, error) {
	if depth > MaxDepth {
		return nil, h.fail("%w", ErrTooDeep)
	}
	switch v := t.(type) {
	case string:
		return &node{kind: 's', str: v}, nil
	case json.Number:
		return &node{kind: 'n', str: string(v)}, nil
	case bool:
		if v {
			return &node{kind: 'l', str: "true"}, nil
		}
		return &node{kind: 'l', str: "false"}, nil
	case nil:
		return &node{kind: 'l', str: "null"}, nil
	case json.Delim:
		n := &node{kind: byte(v)}
		for h.dec.More() {
			if v == '{' {
				kt, err := h.token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				n.keys = append(n.keys, k)
			}
			ct, err := h.token()
			if err != nil {
				return nil, err
			}
			c, err := h.build(ct, depth+1)
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, c)
		}
		if _, err := h.token(); err != nil { // closing delimiter
			return nil, err
		}
		return n, nil
	}
	return nil, h.fail("unexpected token %v", t)
}

// member returns the index of the string member named key, or -1.
func (n *node) member(key string) int {
	for i, k := range n.keys {
		if k == key && n.elems[i].kind == 's' {
			return i
		}
	}
	return -1
}

// collect remembers the secrets held by name/value objects and cookies anywhere in n.
func (h *harCopier) collect(n *node, inCookies bool) {
	switch n.kind {
	case '[':
		for _, c := range n.elems {
			h.collect(c, inCookies)
		}
	case '{':
		if vi := n.member("value"); vi >= 0 {
			v := n.elems[vi].str
			if inCookies {
				h.m.remember(v, ruleCookieValue, maxKnownPerEntry)
			} else if ni := n.member("name"); ni >= 0 {
				if r, ok := classify(n.elems[ni].str, false); ok {
					h.m.rememberValue(r, v, maxKnownPerEntry)
				}
			}
		}
		for i, c := range n.elems {
			h.collect(c, n.keys[i] == "cookies")
		}
	}
}

// walk masks n in place; key is the member name n is the value of (for arrays, of the array).
func (h *harCopier) walk(n *node, key string, inCookies bool) {
	switch n.kind {
	case 's':
		n.str = h.m.scrub(n.str)
	case '[':
		r, secret := classify(key, true)
		for _, c := range n.elems {
			if secret && c.kind == 's' {
				c.str = h.m.apply(r, c.str)
				continue
			}
			h.walk(c, key, key == "cookies")
		}
	case '{':
		done, text := -1, -1 // members masked here rather than by their own name
		if vi := n.member("value"); vi >= 0 {
			v := n.elems[vi]
			if inCookies {
				v.str = h.m.apply(ruleCookieValue, v.str)
				done = vi
			} else if ni := n.member("name"); ni >= 0 {
				if r, ok := classify(n.elems[ni].str, false); ok {
					v.str = h.m.replaceKnown(h.m.apply(r, v.str))
					done = vi
				}
			}
		}
		if ti := n.member("text"); ti >= 0 {
			if ei := n.member("encoding"); ei >= 0 && strings.EqualFold(n.elems[ei].str, "base64") {
				h.base64Text(n.elems[ti])
				text = ti
			}
		}
		for i, c := range n.elems {
			if i != done && i != text {
				h.member(n.keys[i], c)
			}
		}
	}
}

func (h *harCopier) member(key string, c *node) {
	if c.kind == 's' {
		if r, ok := classify(key, true); ok {
			c.str = h.m.apply(r, c.str)
			return
		}
	}
	h.walk(c, key, false)
}

// base64Text masks a base64 body (Chrome's content.text with "encoding": "base64") when it
// decodes to text; binary bodies (images, fonts) are left as they are.
func (h *harCopier) base64Text(n *node) {
	b, err := base64.StdEncoding.DecodeString(n.str)
	if err != nil {
		n.str = h.m.scrub(n.str) // not base64 after all: mask it as text
		return
	}
	if !utf8.Valid(b) {
		return
	}
	s := string(b)
	if out := h.m.scrub(s); out != s {
		n.str = base64.StdEncoding.EncodeToString([]byte(out))
	}
}

func (h *harCopier) writeString(s string) {
	h.scratch = append(h.scratch[:0], '"')
	h.scratch = appendJSONChars(h.scratch, s)
	h.scratch = append(h.scratch, '"')
	h.w.Write(h.scratch)
	if cap(h.scratch) > 1<<20 { // do not keep one huge body's buffer for the rest of the file
		h.scratch = nil
	}
}

// encode writes n compactly.
func (h *harCopier) encode(n *node) {
	switch n.kind {
	case 's':
		h.writeString(n.str)
	case 'n', 'l':
		h.w.WriteString(n.str)
	case '{', '[':
		h.w.WriteByte(n.kind)
		for i, c := range n.elems {
			if i > 0 {
				h.w.WriteByte(',')
			}
			if n.kind == '{' {
				h.writeString(n.keys[i])
				h.w.WriteByte(':')
			}
			h.encode(c)
		}
		if n.kind == '{' {
			h.w.WriteByte('}')
		} else {
			h.w.WriteByte(']')
		}
	}
}
