package probe

import (
	"net/http"
	"net/netip"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseHeader: a parsed -H argument is a valid header (token name, no line breaks) and
// parses again to itself.
func FuzzParseHeader(f *testing.F) {
	for _, s := range []string{"Host: a1b2c3d4e5.execute-api.localhost", "Authorization: Bearer x", "x-api-key:", ": v", "Bad Name: v",
		"X: a\r\nY: b", "X-Apigw-Api-Id:privdemo01", "K:  spaced  ", "nocolon", "\xff: v"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, value, err := ParseHeader(s)
		if err != nil {
			return
		}
		if !isToken(name) || strings.ContainsAny(value, "\r\n\x00") || value != strings.TrimSpace(value) {
			t.Fatalf("ParseHeader(%q) = %q, %q", s, name, value)
		}
		n2, v2, err := ParseHeader(name + ": " + value)
		if err != nil || n2 != name || v2 != value {
			t.Fatalf("round trip of %q: %q %q %v", s, n2, v2, err)
		}
		// Every header ParseHeader accepts is one net/http can send.
		if !validHeaderValue(value) {
			t.Fatalf("ParseHeader accepted a value net/http refuses: %q", value)
		}
	})
}

func validHeaderValue(v string) bool {
	h := http.Header{}
	h.Set("X", v)
	return h.Get("X") == v
}

// FuzzClassifyHost: the kinds are consistent with what they promise, and NewTarget's stage
// split rebuilds the path.
func FuzzClassifyHost(f *testing.F) {
	for _, s := range []string{
		"a1b2c3d4e5.execute-api.us-east-1.amazonaws.com", "a1b2c3d4e5.execute-api.localhost", "a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn",
		"vpce-0demo-1a2b3c4d.execute-api.us-east-1.vpce.amazonaws.com", "privdemo01-vpce-0demo.execute-api.us-east-1.amazonaws.com",
		"api.example.com", "127.0.0.1", "[::1]", "localhost", "x", "", ".execute-api.", "A1B2C3D4E5.EXECUTE-API.US-EAST-1.AMAZONAWS.COM.",
		"vpce-.execute-api.r.vpce.amazonaws.com", "a1b2c3d4e5-vpce-.execute-api.r.amazonaws.com",
	} {
		f.Add(s, "/prod/pets")
	}
	f.Add("h.example", "/restapis/a1b2c3d4e5/prod/_user_request_/pets")
	f.Add("h.example", "/")
	f.Add("h.example", "//x")
	f.Fuzz(func(t *testing.T, host, path string) {
		kind, id, region, vpce := ClassifyHost(host)
		switch kind {
		case KindExecuteAPI:
			if !IsAPIID(id) || vpce != "" {
				t.Fatalf("%q: execute-api with id %q vpce %q", host, id, vpce)
			}
		case KindVPCEAlias:
			if !IsAPIID(id) || !strings.HasPrefix(vpce, "vpce-") || region == "" {
				t.Fatalf("%q: alias %q %q %q", host, id, vpce, region)
			}
		case KindVPCEndpoint:
			if id != "" || !strings.HasPrefix(vpce, "vpce-") || len(vpce) <= len("vpce-") || region == "" {
				t.Fatalf("%q: vpce endpoint %q %q %q", host, id, vpce, region)
			}
		case KindCustomDomain, KindOther:
			if id != "" || vpce != "" || region != "" {
				t.Fatalf("%q: %s with %q %q %q", host, kind, id, vpce, region)
			}
		default:
			t.Fatalf("%q: kind %q", host, kind)
		}
		if _, err := netip.ParseAddr(host); err == nil && kind != KindOther {
			t.Fatalf("IP %q classified %s", host, kind)
		}
		if !strings.HasPrefix(path, "/") {
			return
		}
		tg := NewTarget(host, host, path, "")
		if !tg.PathStyle && tg.StagePath(tg.Stage, tg.Rest) != path {
			t.Fatalf("NewTarget(%q).StagePath = %q", path, tg.StagePath(tg.Stage, tg.Rest))
		}
		if tg.PathStyle && !strings.HasPrefix(tg.StagePath("s", "/r"), "/restapis/") {
			t.Fatalf("path style lost: %+v", tg)
		}
	})
}

// FuzzExtractMessage: any body gives valid UTF-8 without control characters other than
// newline and tab, and a JSON message comes back exactly.
func FuzzExtractMessage(f *testing.F) {
	for _, s := range []string{`{"message":"Forbidden"}`, `{"Message":"User is not authorized to access this resource"}`, `{"message": null}`,
		`{"message":{"x":1}}`, "HTTP content length exceeded 10485760 bytes.", "", "\x00\x01binary\xff", `{"MESSAGE":"x"}`, `{"message":"a\u0000b"}`,
		"<html>\n<body>403</body>", `{"message":"Missing Authentication Token"}` + "\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m := ExtractMessage(body)
		if !utf8.ValidString(m) {
			t.Fatalf("invalid UTF-8 %q", m)
		}
		for _, r := range m {
			if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f {
				t.Fatalf("control character in %q", m)
			}
		}
	})
}

// FuzzMask: no secret survives masking, in a header value or inside a response message.
func FuzzMask(f *testing.F) {
	for _, s := range []string{"Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "abc", "AWS4-HMAC-SHA256 Credential=AKIA/x, Signature=abcdef0123",
		"0123456789abcdefghij", "Basic dXNlcjpwYXNz", "ünïcödé-sécret-välue", ""} {
		f.Add(s, "Invalid key=value pair (missing equal-sign) in Authorization header: '"+s+"'.")
		f.Add(s, "Authorization header requires 'Credential' parameter. Authorization="+s)
	}
	f.Fuzz(func(t *testing.T, secret, msg string) {
		m := Mask(secret)
		if utf8.ValidString(secret) && !utf8.ValidString(m) {
			t.Fatalf("Mask(%q) = %q is not valid UTF-8", secret, m)
		}
		if !strings.Contains(m, "****") {
			t.Fatalf("Mask(%q) = %q", secret, m)
		}
		if len(secret) >= 5 && !strings.Contains(secret, "*") && strings.Contains(m, secret) {
			t.Fatalf("Mask(%q) = %q keeps the secret", secret, m)
		}
		secrets := secretValues(http.Header{"Authorization": {secret}}, nil)
		sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
		out := scrubMessage(msg, secrets, []string{"portcullis-probe"})
		for _, s := range secrets {
			if !strings.Contains(s, "*") && strings.Contains(out, s) {
				t.Fatalf("scrubMessage(%q) = %q keeps %q", msg, out, s)
			}
		}
		if i := strings.LastIndex(out, "Authorization="); i >= 0 {
			if rest := out[i+len("Authorization="):]; rest == secret && secret != "" && secret != "portcullis-probe" && !strings.Contains(secret, "*") {
				t.Fatalf("the echoed Authorization value %q is not masked in %q", secret, out)
			}
		}
	})
}
