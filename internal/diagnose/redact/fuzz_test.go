package redact_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/portcullis/portcullis/internal/diagnose/redact"
)

// FuzzHAR: HAR never panics; whenever the input is valid JSON the copy is valid JSON with the same
// structure (member paths, order and non-string values), and redacting the copy changes nothing.
func FuzzHAR(f *testing.F) {
	for _, s := range []string{
		safariHAR, `{"log":{"entries":[]}}`, `{}`, `[`, `"x"`, `{"log":{"entries":[7,{"request":{"headers":[{"name":"x-api-key","value":"0123456789abcdef0123"}]}}]}}`,
		`{"log":{"entries":[{"request":{"url":"https://x/?token=abcdefghijklmnop&a=1","cookies":[{"name":"s","value":"v"}]},"response":{"content":{"text":"eyJ7fQ==","encoding":"base64"}}}]}}`,
		`{"a":{"Authorization":"Bearer eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2ln"},"b":[true,null,1.5e3]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		_, err := redact.HAR(&out, bytes.NewReader(data))
		if !json.Valid(data) {
			return
		}
		if errors.Is(err, redact.ErrTooDeep) {
			return
		}
		if err != nil {
			t.Fatalf("valid JSON refused: %v", err)
		}
		if !json.Valid(out.Bytes()) {
			t.Fatalf("copy is not JSON:\n%q\n%q", data, out.Bytes())
		}
		if a, b := shape(t, string(data)), shape(t, out.String()); !slices.Equal(a, b) {
			t.Fatalf("structure changed:\n%v\n%v", a, b)
		}
		var again bytes.Buffer
		st2, err := redact.HAR(&again, bytes.NewReader(out.Bytes()))
		if err != nil || !bytes.Equal(again.Bytes(), out.Bytes()) || st2.Total() != 0 {
			t.Fatalf("not idempotent (%v, %v):\n%q\n%q", err, st2.Masked, out.Bytes(), again.Bytes())
		}
	})
}

// FuzzText: Text never panics, keeps every line ending, is idempotent, and a secret sent in a
// header line never survives, wherever the rest of the transcript repeats it.
func FuzzText(f *testing.F) {
	for _, s := range []string{curlTranscript, "GET / HTTP/1.1\r\nAuthorization: x\r\n", "(id) Method request headers: {x-api-key=abc, Cookie=a=b; c=d}", `{"apiKey":"k\"ey","password":["a","b"]}`, "key=value token=x", "eyJa.eyJb.", "",
		// found by fuzzing: a bare CR inside a header line or a JSON string; a name spelt with a
		// masked value's tail; a secret that repeats itself
		"AuthoriZAtion:0\r0", "\"ApiKeY\":\"\r0", `"ApiKeY":"0000000000ApiKeY":"0`, "00000000000000000000000000"} {
		f.Add([]byte(s), "Zk9vYmFyYmF6cXV4MTIzNDU2")
	}
	f.Add([]byte("00000000000000000000000000"), "0000000000000000")
	f.Add([]byte("00000000000000000000000ApikeY:"), "0000000000000000")
	f.Add([]byte("Cookie=\u00a0\xa0"), "0")
	f.Add([]byte("AuthoriZAtion:0000000000000000 0"), "0000000000000000")
	f.Fuzz(func(t *testing.T, data []byte, secret string) {
		var out bytes.Buffer
		if err := redact.Text(&out, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		if bytes.Count(out.Bytes(), []byte("\n")) != bytes.Count(data, []byte("\n")) || bytes.Count(out.Bytes(), []byte("\r")) != bytes.Count(data, []byte("\r")) {
			t.Fatalf("line endings changed:\n%q\n%q", data, out.Bytes())
		}
		var again bytes.Buffer
		if err := redact.Text(&again, bytes.NewReader(out.Bytes())); err != nil || !bytes.Equal(again.Bytes(), out.Bytes()) {
			t.Fatalf("not idempotent:\n%q\n%q\n%q", data, out.Bytes(), again.Bytes())
		}
		if len(secret) < 16 || strings.Trim(secret, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
			return
		}
		in := "> x-api-key: " + secret + "\n" + string(data)
		out.Reset()
		if err := redact.Text(&out, strings.NewReader(in)); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), secret) {
			t.Fatalf("secret %q survives in\n%q", secret, out.String())
		}
	})
}

// FuzzScrub: Scrub never panics, is idempotent and never adds or removes line breaks or quotes
// that would change how a line or a JSON string is split.
func FuzzScrub(f *testing.F) {
	for _, s := range []string{"https://u:p@h/?token=abcdefghijklmnopq#id_token=eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.", `{"secret" : "a\"b", "x": ["y"]}`, "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/x, Signature=ab", "in Authorization header: 'x'.", "API Key: k API Stage", "AKIAQX4EXAMPLE7Z2WXY", "AUthoriZAtion:0 =Signature=", "eyJ.000000eyJ0.0."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := redact.Scrub(s)
		if again := redact.Scrub(out); again != out {
			t.Fatalf("not idempotent:\n%q\n%q\n%q", s, out, again)
		}
		for _, c := range []string{"\n", "\r"} {
			if strings.Count(out, c) != strings.Count(s, c) {
				t.Fatalf("%q count changed:\n%q\n%q", c, s, out)
			}
		}
		if json.Valid([]byte(s)) && !json.Valid([]byte(out)) {
			t.Fatalf("valid JSON broken:\n%q\n%q", s, out)
		}
	})
}
