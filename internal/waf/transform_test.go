package waf

import (
	"encoding/hex"
	"testing"
)

func TestTransformations(t *testing.T) {
	tests := []struct{ typ, in, want string }{
		{"LOWERCASE", "SeLeCt", "select"},
		{"UPPERCASE", "SeLeCt", "SELECT"},
		{"URL_DECODE", "a%20b+c%3C%zz%4", "a b c<%zz%4"},
		{"URL_DECODE_UNI", "%u003cscript%uFF1E%41", "<script>A"},
		{"HTML_ENTITY_DECODE", "&lt;a&gt; &quot;x&quot; &amp;&#65;&#x42;&#x43 &nbsp;&bogus;", "<a> \"x\" &ABC \xa0&bogus;"},
		{"COMPRESS_WHITE_SPACE", "a \t\n\r\f\v  b\xa0c", "a b c"},
		{"CMD_LINE", `C:\> "PiNg" ,  ; /x  (y) ^a'b`, "c:> ping/x(y) ab"},
		{"BASE64_DECODE", "aGVsbG8gd29ybGQ=", "hello world"},
		{"BASE64_DECODE", "aGVsbG8*garbage", "hello"},
		{"BASE64_DECODE_EXT", "aGVs.bG8g d29y\nbGQ", "hello world"},
		{"HEX_DECODE", "414243", "ABC"},
		{"HEX_DECODE", "41zz", "41zz"},
		{"JS_DECODE", `\x3cscript\u003e\101\n\q`, "<script>A\nq"},
		{"CSS_DECODE", `\3c script\3E \\`, "<script>\\"},
		{"ESCAPE_SEQ_DECODE", `a\tb\x41\101\q`, "a\tbAA\\q"},
		{"SQL_HEX_DECODE", "select 0x414243 from 0xZZ", "select ABC from 0xZZ"},
		{"NORMALIZE_PATH", "/a//b/./c/../d/", "/a/b/d/"},
		{"NORMALIZE_PATH", "/../../etc/passwd", "/etc/passwd"},
		{"NORMALIZE_PATH_WIN", `\a\..\b\c`, "/b/c"},
		{"REMOVE_NULLS", "a\x00b\x00", "ab"},
		{"REPLACE_NULLS", "a\x00b", "a b"},
		{"REPLACE_COMMENTS", "sel/*x*/ect/* tail", "sel ect "},
		{"REMOVE_COMMENTS_CHAR", "a/*b*/c--d#e", "abcde"},
		{"TRIM", " \t x y \n", "x y"},
		{"TRIM_LEFT", "  x ", "x "},
		{"TRIM_RIGHT", "  x ", "  x"},
		{"REMOVE_WHITESPACE", " a b\tc\n", "abc"},
		{"UTF8_TO_UNICODE", "aé€", "a%u00e9%u20ac"},
		{"NONE", "As Is", "As Is"},
	}
	for _, tt := range tests {
		fn, ok := transformations[tt.typ]
		if !ok {
			t.Fatalf("%s missing", tt.typ)
		}
		got := tt.in
		if fn != nil {
			got = fn(tt.in)
		}
		if got != tt.want {
			t.Errorf("%s(%q) = %q, want %q", tt.typ, tt.in, got, tt.want)
		}
	}
	if got := hex.EncodeToString([]byte(md5Sum("abc"))); got != "900150983cd24fb0d6963f7d28e17f72" {
		t.Errorf("MD5 = %s", got)
	}
	if got := hex.EncodeToString([]byte(sha256Sum("abc"))); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("SHA256 = %s", got)
	}
}

func TestTransformOrder(t *testing.T) {
	// Priority order, not array order: URL_DECODE (1) before LOWERCASE (2) before BASE64? no: order matters for decode then lowercase.
	fns, names, err := compileTransforms([]jTextTransformation{{Priority: 5, Type: "LOWERCASE"}, {Priority: 1, Type: "BASE64_DECODE"}}, "x")
	if err != nil {
		t.Fatal(err)
	}
	if names[0] != "BASE64_DECODE" || applyTransforms(fns, "SEVMTE8=") != "hello" {
		t.Errorf("order %v -> %q", names, applyTransforms(fns, "SEVMTE8="))
	}
	if _, _, err := compileTransforms([]jTextTransformation{{Priority: 1, Type: "NONE"}, {Priority: 1, Type: "LOWERCASE"}}, "x"); err == nil {
		t.Error("duplicate priority accepted")
	}
}

func FuzzTransformations(f *testing.F) {
	for _, s := range []string{"%u00", "&#x", "\\", "0x4", "/a/../..", "aGVsbG8=", "\xff\xfe", "&#99999999999;", `\u12`, "%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fn := range transformations {
			if fn != nil {
				fn(s)
			}
		}
	})
}
