package sigv4

import (
	"strings"
	"testing"
)

func TestIncomplete(t *testing.T) {
	const four = "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
	tests := []struct {
		name    string
		value   string
		hasDate bool
		hashed  bool
		want    string
	}{
		{"seed row 11", "allow", false, false, four + "Authorization=allow"},
		{"basic with padding", "Basic dXNlcjpwYXNzd29yZA==", false, false, four + "Authorization=Basic dXNlcjpwYXNzd29yZA=="},
		{"basic hashed", "Basic dXNlcjpwYXNzd29yZA==", false, true, four + "(Hashed with SHA-256 and encoded with Base64)"},
		{"missing equal sign", "ApiKey abc", false, false, "Invalid key=value pair (missing equal-sign) in Authorization header: 'ApiKey abc'."},
		{"missing equal sign hashed", "ApiKey abc", false, true, "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '" + HashedValue("ApiKey abc") + "'."},
		{"complete other algorithm", "Xeni-API Credential=a/b, SignedHeaders=host, Signature=00", true, false, ""},
		{"complete but no date", "Xeni-API Credential=a/b, SignedHeaders=host, Signature=00", false, false, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=Xeni-API Credential=a/b, SignedHeaders=host, Signature=00"},
		{"only signature missing", "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host", true, false, "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Incomplete(tt.value, tt.hasDate, tt.hashed); got != tt.want {
				t.Errorf("Incomplete(%q)\n got %q\nwant %q", tt.value, got, tt.want)
			}
		})
	}
}

func TestParseAuthHeader(t *testing.T) {
	h := ParseAuthHeader("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
	if !h.IsSigV4() || h.BadPair != "" {
		t.Fatalf("parse: %+v", h)
	}
	if got := h.Params["SignedHeaders"]; got != "host;x-amz-date" {
		t.Errorf("SignedHeaders = %q", got)
	}
	if got := h.Params["Credential"]; !strings.HasPrefix(got, "AKIDEXAMPLE/") {
		t.Errorf("Credential = %q", got)
	}
}

func FuzzIncomplete(f *testing.F) {
	for _, s := range []string{"allow", "Basic x==", "ApiKey a", "AWS4-HMAC-SHA256 Credential=a, SignedHeaders=b, Signature=c", ",,,", "=", " "} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, v string, hasDate bool) {
		msg := Incomplete(v, hasDate, false)
		h := ParseAuthHeader(v)
		if h.BadPair == "" && msg != "" && !strings.HasSuffix(msg, "Authorization="+v) {
			t.Fatalf("message does not quote the value: %q", msg)
		}
		if msg == "" && (!hasDate || h.BadPair != "") {
			t.Fatalf("no message for incomplete header %q", v)
		}
	})
}

func FuzzParseAuthHeader(f *testing.F) {
	for _, s := range []string{
		"AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
		"AWS4-HMAC-SHA256 Credential=a,SignedHeaders=b,Signature=c", "AWS4-HMAC-SHA256  Signature=c ,  Credential = a", "Basic x==", "a=b=c", "\x00=\xff", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h := ParseAuthHeader(v)
		if strings.Contains(h.Algorithm, " ") {
			t.Fatalf("algorithm %q contains a space", h.Algorithm)
		}
		for k, val := range h.Params {
			if k != strings.TrimSpace(k) || val != strings.TrimSpace(val) {
				t.Fatalf("untrimmed pair %q=%q", k, val)
			}
			if !strings.Contains(v, k) || !strings.Contains(v, val) {
				t.Fatalf("pair %q=%q not in %q", k, val, v)
			}
		}
		if h.BadPair != "" && strings.Contains(h.BadPair, "=") {
			t.Fatalf("bad pair %q has '='", h.BadPair)
		}
	})
}
