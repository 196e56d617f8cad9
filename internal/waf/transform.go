package waf

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// transformFn rewrites one inspected value. Transformations are pure and never panic.
type transformFn func(string) string

// transformations maps each WAFv2 TextTransformation Type this package reproduces to its
// implementation. The semantics follow the AWS WAF Developer Guide ("Using text transformations
// in AWS WAF"), which describes the same operations as ModSecurity's t: functions; where the
// guide is silent the ModSecurity behaviour is used. Types that AWS lists but whose exact
// behaviour is not documented (CMD_LINE_WIN, CMD_LINE_UNIX, JS_DECODE_EXT) are not in this table,
// so Compile rejects them by name rather than guessing.
var transformations = map[string]transformFn{
	"NONE":                 nil,
	"LOWERCASE":            strings.ToLower,
	"UPPERCASE":            strings.ToUpper,
	"URL_DECODE":           urlDecode,
	"URL_DECODE_UNI":       urlDecodeUni,
	"HTML_ENTITY_DECODE":   htmlEntityDecode,
	"COMPRESS_WHITE_SPACE": compressWhiteSpace,
	"CMD_LINE":             cmdLine,
	"BASE64_DECODE":        base64Decode,
	"BASE64_DECODE_EXT":    base64DecodeExt,
	"HEX_DECODE":           hexDecode,
	"JS_DECODE":            jsDecode,
	"CSS_DECODE":           cssDecode,
	"ESCAPE_SEQ_DECODE":    escapeSeqDecode,
	"SQL_HEX_DECODE":       sqlHexDecode,
	"MD5":                  md5Sum,
	"SHA256":               sha256Sum,
	"NORMALIZE_PATH":       normalizePath,
	"NORMALIZE_PATH_WIN":   normalizePathWin,
	"REMOVE_NULLS":         removeNulls,
	"REPLACE_NULLS":        replaceNulls,
	"REPLACE_COMMENTS":     replaceComments,
	"REMOVE_COMMENTS_CHAR": removeCommentsChar,
	"TRIM":                 func(s string) string { return strings.Trim(s, trimSet) },
	"TRIM_LEFT":            func(s string) string { return strings.TrimLeft(s, trimSet) },
	"TRIM_RIGHT":           func(s string) string { return strings.TrimRight(s, trimSet) },
	"REMOVE_WHITESPACE":    removeWhitespace,
	"UTF8_TO_UNICODE":      utf8ToUnicode,
}

const trimSet = " \t\n\r\f\v\x00"

type jTextTransformation struct {
	Priority int64
	Type     string
}

// compileTransforms orders the transformations by Priority (AWS: lowest first; priorities must
// differ) and resolves each Type.
func compileTransforms(tts []jTextTransformation, path string) ([]transformFn, []string, error) {
	if len(tts) == 0 {
		return nil, nil, fmt.Errorf("%s.TextTransformations: at least one is required (use NONE)", path)
	}
	sorted := append([]jTextTransformation(nil), tts...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Priority < sorted[j].Priority })
	var fns []transformFn
	var names []string
	for i, tt := range sorted {
		if i > 0 && sorted[i-1].Priority == tt.Priority {
			return nil, nil, fmt.Errorf("%s.TextTransformations: priority %d is used twice", path, tt.Priority)
		}
		fn, ok := transformations[tt.Type]
		if !ok {
			return nil, nil, fmt.Errorf("%s.TextTransformations: text transformation %q is not supported", path, tt.Type)
		}
		names = append(names, tt.Type)
		if fn != nil {
			fns = append(fns, fn)
		}
	}
	return fns, names, nil
}

func applyTransforms(fns []transformFn, s string) string {
	for _, f := range fns {
		s = f(s)
	}
	return s
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func isHex(c byte) bool { _, ok := unhex(c); return ok }

// urlDecode decodes %XX escapes and '+' as a space; invalid escapes are kept as they are.
func urlDecode(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			h, _ := unhex(s[i+1])
			l, _ := unhex(s[i+2])
			b = append(b, h<<4|l)
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// unicodeLowByte maps a code point the way ModSecurity's urlDecodeUni/jsDecode do: full-width
// ASCII (U+FF01–U+FF5E) becomes its ASCII character, anything else keeps its low byte.
func unicodeLowByte(cp int) byte {
	if cp >= 0xFF01 && cp <= 0xFF5E {
		return byte(cp - 0xFF01 + 0x21)
	}
	return byte(cp)
}

// urlDecodeUni is URL_DECODE plus Microsoft %uHHHH escapes.
func urlDecodeUni(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+5 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') && isHex(s[i+2]) && isHex(s[i+3]) && isHex(s[i+4]) && isHex(s[i+5]):
			cp, _ := strconv.ParseUint(s[i+2:i+6], 16, 32)
			b = append(b, unicodeLowByte(int(cp)))
			i += 5
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			h, _ := unhex(s[i+1])
			l, _ := unhex(s[i+2])
			b = append(b, h<<4|l)
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func appendCodePoint(b []byte, cp uint64) []byte {
	if cp <= 0xFF {
		return append(b, byte(cp))
	}
	if cp > utf8.MaxRune {
		return append(b, byte(cp))
	}
	return utf8.AppendRune(b, rune(cp))
}

// htmlEntityDecode decodes &#xHHHH; &#DDDD; &quot; &amp; &lt; &gt; &nbsp; (AWS docs list these;
// the trailing semicolon is optional as in ModSecurity). &nbsp; becomes byte 160.
func htmlEntityDecode(s string) string {
	if strings.IndexByte(s, '&') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '&' {
			b = append(b, s[i])
			continue
		}
		rest := s[i+1:]
		if len(rest) > 1 && rest[0] == '#' {
			j := 1
			base := 10
			if rest[1] == 'x' || rest[1] == 'X' {
				j, base = 2, 16
			}
			k := j
			for k < len(rest) && k-j < 8 && (base == 16 && isHex(rest[k]) || base == 10 && rest[k] >= '0' && rest[k] <= '9') {
				k++
			}
			if k > j {
				cp, _ := strconv.ParseUint(rest[j:k], base, 64)
				b = appendCodePoint(b, cp)
				if k < len(rest) && rest[k] == ';' {
					k++
				}
				i += k
				continue
			}
			b = append(b, '&')
			continue
		}
		matched := false
		for _, e := range [...]struct {
			name string
			val  byte
		}{{"quot", '"'}, {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"nbsp", 160}} {
			if len(rest) >= len(e.name) && strings.EqualFold(rest[:len(e.name)], e.name) {
				b = append(b, e.val)
				n := len(e.name)
				if n < len(rest) && rest[n] == ';' {
					n++
				}
				i += n
				matched = true
				break
			}
		}
		if !matched {
			b = append(b, '&')
		}
	}
	return string(b)
}

// compressWhiteSpace replaces \f \t \n \r \v and byte 160 with a space and collapses runs of
// spaces into one (AWS docs, COMPRESS_WHITE_SPACE).
func compressWhiteSpace(s string) string {
	b := make([]byte, 0, len(s))
	prevSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ' ', '\f', '\t', '\n', '\r', '\v', 160:
			if !prevSpace {
				b = append(b, ' ')
			}
			prevSpace = true
		default:
			b = append(b, c)
			prevSpace = false
		}
	}
	return string(b)
}

// cmdLine is CMD_LINE exactly as AWS documents it: delete \ " ' ^; delete spaces before / and (;
// replace , and ; with a space; collapse multiple spaces; lowercase A-Z.
func cmdLine(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '"', '\'', '^':
			continue
		case ',', ';', ' ', '\t', '\n', '\r', '\f', '\v':
			if len(b) == 0 || b[len(b)-1] != ' ' {
				b = append(b, ' ')
			}
		case '/', '(':
			for len(b) > 0 && b[len(b)-1] == ' ' {
				b = b[:len(b)-1]
			}
			b = append(b, c)
		default:
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
		}
	}
	return string(b)
}

func isB64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}

// base64Decode decodes standard Base64; decoding stops at the first character that is not part
// of the alphabet (ModSecurity base64Decode), so a malformed tail is dropped.
func base64Decode(s string) string {
	n := 0
	for n < len(s) && isB64(s[n]) {
		n++
	}
	return decodeB64Prefix(s[:n])
}

func decodeB64Prefix(s string) string {
	if len(s)%4 == 1 {
		s = s[:len(s)-1]
	}
	out, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return ""
	}
	return string(out)
}

// base64DecodeExt is BASE64_DECODE with a forgiving decoder that ignores characters that are
// not in the alphabet (AWS docs).
func base64DecodeExt(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if isB64(s[i]) {
			b = append(b, s[i])
		} else if s[i] == '-' {
			b = append(b, '+')
		} else if s[i] == '_' {
			b = append(b, '/')
		}
	}
	return decodeB64Prefix(string(b))
}

// hexDecode decodes pairs of hex digits; a value that is not entirely hex is left unchanged.
func hexDecode(s string) string {
	if len(s)%2 != 0 {
		return s
	}
	b := make([]byte, len(s)/2)
	for i := 0; i < len(s); i += 2 {
		h, ok1 := unhex(s[i])
		l, ok2 := unhex(s[i+1])
		if !ok1 || !ok2 {
			return s
		}
		b[i/2] = h<<4 | l
	}
	return string(b)
}

// jsDecode decodes JavaScript escapes: \xHH, \uHHHH (low byte, full-width ASCII folded), \OOO,
// \a \b \f \n \r \t \v and \c for any other c.
func jsDecode(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b = append(b, c)
			continue
		}
		n := s[i+1]
		switch {
		case (n == 'u' || n == 'U') && i+5 < len(s) && isHex(s[i+2]) && isHex(s[i+3]) && isHex(s[i+4]) && isHex(s[i+5]):
			cp, _ := strconv.ParseUint(s[i+2:i+6], 16, 32)
			b = append(b, unicodeLowByte(int(cp)))
			i += 5
		case (n == 'x' || n == 'X') && i+3 < len(s) && isHex(s[i+2]) && isHex(s[i+3]):
			h, _ := unhex(s[i+2])
			l, _ := unhex(s[i+3])
			b = append(b, h<<4|l)
			i += 3
		case n >= '0' && n <= '7':
			j := i + 1
			v := 0
			for j < len(s) && j < i+4 && s[j] >= '0' && s[j] <= '7' {
				v = v*8 + int(s[j]-'0')
				j++
			}
			b = append(b, byte(v))
			i = j - 1
		default:
			b = append(b, simpleEscape(n))
			i++
		}
	}
	return string(b)
}

func simpleEscape(n byte) byte {
	switch n {
	case 'a':
		return '\a'
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'v':
		return '\v'
	}
	return n
}

// cssDecode decodes CSS 2.x escapes: \ followed by 1–6 hex digits (and one optional white
// space) becomes that character's low byte (full-width ASCII folded); \ before a newline is
// removed; \c becomes c.
func cssDecode(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			if c != '\\' {
				b = append(b, c)
			}
			continue
		}
		j := i + 1
		for j < len(s) && j < i+7 && isHex(s[j]) {
			j++
		}
		if j > i+1 {
			cp, _ := strconv.ParseUint(s[i+1:j], 16, 32)
			b = append(b, unicodeLowByte(int(cp)))
			if j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r' || s[j] == '\f') {
				j++
			}
			i = j - 1
			continue
		}
		if s[i+1] != '\n' {
			b = append(b, s[i+1])
		}
		i++
	}
	return string(b)
}

// escapeSeqDecode decodes ANSI C escapes: \a \b \f \n \r \t \v \\ \? \' \" \xHH \OOO; invalid
// escapes are kept as they are.
func escapeSeqDecode(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b = append(b, c)
			continue
		}
		n := s[i+1]
		switch {
		case strings.IndexByte("abfnrtv\\?'\"", n) >= 0:
			b = append(b, simpleEscape(n))
			i++
		case (n == 'x' || n == 'X') && i+3 < len(s) && isHex(s[i+2]) && isHex(s[i+3]):
			h, _ := unhex(s[i+2])
			l, _ := unhex(s[i+3])
			b = append(b, h<<4|l)
			i += 3
		case n >= '0' && n <= '7':
			j := i + 1
			v := 0
			for j < len(s) && j < i+4 && s[j] >= '0' && s[j] <= '7' {
				v = v*8 + int(s[j]-'0')
				j++
			}
			b = append(b, byte(v))
			i = j - 1
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// sqlHexDecode decodes SQL hex literals: 0x414243 becomes ABC (AWS docs, SQL_HEX_DECODE).
func sqlHexDecode(s string) string {
	if !strings.Contains(s, "0x") && !strings.Contains(s, "0X") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '0' && i+3 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X') && isHex(s[i+2]) && isHex(s[i+3]) {
			j := i + 2
			for j+1 < len(s) && isHex(s[j]) && isHex(s[j+1]) {
				h, _ := unhex(s[j])
				l, _ := unhex(s[j+1])
				b = append(b, h<<4|l)
				j += 2
			}
			i = j - 1
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func md5Sum(s string) string    { h := md5.Sum([]byte(s)); return string(h[:]) }
func sha256Sum(s string) string { h := sha256.Sum256([]byte(s)); return string(h[:]) }

// normalizePath removes multiple slashes, self references (/./) and back references (/../),
// keeping a trailing slash, as ModSecurity's normalizePath (AWS docs, NORMALIZE_PATH).
func normalizePath(s string) string {
	if s == "" {
		return s
	}
	abs := s[0] == '/'
	trailing := strings.HasSuffix(s, "/") || strings.HasSuffix(s, "/.") || strings.HasSuffix(s, "/..")
	parts := strings.Split(s, "/")
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		switch p {
		case "", ".":
		case "..":
			if len(out) > 0 && out[len(out)-1] != ".." {
				out = out[:len(out)-1]
			} else if !abs {
				out = append(out, "..")
			}
		default:
			out = append(out, p)
		}
	}
	r := strings.Join(out, "/")
	if abs {
		r = "/" + r
	}
	if trailing && !strings.HasSuffix(r, "/") {
		r += "/"
	}
	return r
}

// normalizePathWin converts backslashes to forward slashes, then NORMALIZE_PATH.
func normalizePathWin(s string) string { return normalizePath(strings.ReplaceAll(s, `\`, "/")) }

func removeNulls(s string) string  { return strings.ReplaceAll(s, "\x00", "") }
func replaceNulls(s string) string { return strings.ReplaceAll(s, "\x00", " ") }

// replaceComments replaces each C-style comment (/* … */), including an unterminated one at
// the end, with a single space; a lone */ is kept.
func replaceComments(s string) string {
	if !strings.Contains(s, "/*") {
		return s
	}
	var sb strings.Builder
	for {
		i := strings.Index(s, "/*")
		if i < 0 {
			sb.WriteString(s)
			break
		}
		sb.WriteString(s[:i])
		sb.WriteByte(' ')
		j := strings.Index(s[i+2:], "*/")
		if j < 0 {
			break
		}
		s = s[i+2+j+2:]
	}
	return sb.String()
}

// removeCommentsChar deletes the comment markers /*, */, -- and #.
func removeCommentsChar(s string) string {
	for _, m := range []string{"/*", "*/", "--", "#"} {
		s = strings.ReplaceAll(s, m, "")
	}
	return s
}

func removeWhitespace(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '\f', '\v', 160:
		default:
			b = append(b, s[i])
		}
	}
	return string(b)
}

// utf8ToUnicode replaces each multi-byte UTF-8 character with %uHHHH (ModSecurity utf8toUnicode).
func utf8ToUnicode(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 || r < 0x80 {
			sb.WriteByte(s[i])
			i++
			continue
		}
		fmt.Fprintf(&sb, "%%u%04x", r)
		i += size
	}
	return sb.String()
}
