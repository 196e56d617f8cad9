package integration

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/portcullis/portcullis/internal/apidef"
)

func TestParseProxyResponse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    *ProxyResponse
		wantErr bool
	}{
		{name: "full", in: `{"statusCode":404,"headers":{"A":"1"},"multiValueHeaders":{"B":["2","3"]},"body":"x","isBase64Encoded":false}`,
			want: &ProxyResponse{StatusCode: 404, Header: http.Header{"A": {"1"}, "B": {"2", "3"}}, Body: "x"}},
		{name: "empty object is 200", in: `{}`, want: &ProxyResponse{StatusCode: 200, Header: http.Header{}}},
		{name: "nulls", in: `{"statusCode":null,"headers":null,"multiValueHeaders":null,"body":null,"isBase64Encoded":null}`,
			want: &ProxyResponse{StatusCode: 200, Header: http.Header{}}},
		{name: "string status", in: `{"statusCode":"302"}`, want: &ProxyResponse{StatusCode: 302, Header: http.Header{}}},
		{name: "bool header", in: `{"headers":{"X-A":true}}`, want: &ProxyResponse{StatusCode: 200, Header: http.Header{"X-A": {"true"}}}},
		{name: "multi wins over single", in: `{"headers":{"x-a":"s","X-B":"b"},"multiValueHeaders":{"X-A":["m"]}}`,
			want: &ProxyResponse{StatusCode: 200, Header: http.Header{"X-A": {"m"}, "X-B": {"b"}}}},
		{name: "bad header names dropped, CRLF cleaned", in: `{"headers":{"Bad Name":"1","X-Ok":"a\r\nInjected: 1"}}`,
			want: &ProxyResponse{StatusCode: 200, Header: http.Header{"X-Ok": {"a  Injected: 1"}}}},
		{name: "base64", in: `{"body":"aGk=","isBase64Encoded":true}`, want: &ProxyResponse{StatusCode: 200, Header: http.Header{}, Body: "aGk=", IsBase64Encoded: true}},
		{name: "string payload", in: `"Bad response"`, wantErr: true},
		{name: "null payload", in: `null`, wantErr: true},
		{name: "array payload", in: `[]`, wantErr: true},
		{name: "not json", in: `hello`, wantErr: true},
		{name: "empty", in: ``, wantErr: true},
		{name: "trailing data", in: `{} {}`, wantErr: true},
		{name: "unknown field", in: `{"statusCode":200,"message":"hi"}`, wantErr: true},
		{name: "cookies is format 2.0", in: `{"statusCode":200,"cookies":["a=1"]}`, wantErr: true},
		{name: "object body", in: `{"statusCode":200,"body":{"a":1}}`, wantErr: true},
		{name: "number body", in: `{"body":1}`, wantErr: true},
		{name: "float status", in: `{"statusCode":200.5}`, wantErr: true},
		{name: "status out of range", in: `{"statusCode":1000}`, wantErr: true},
		{name: "status text", in: `{"statusCode":"OK"}`, wantErr: true},
		{name: "number header", in: `{"headers":{"Content-Length":52}}`, wantErr: true},
		{name: "multi header not array", in: `{"multiValueHeaders":{"A":"1"}}`, wantErr: true},
		{name: "string isBase64Encoded", in: `{"isBase64Encoded":"true"}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProxyResponse([]byte(tt.in))
			if tt.wantErr {
				if !errors.Is(err, ErrMalformed) {
					t.Errorf("err = %v, want ErrMalformed (got %+v)", err, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func FuzzParseProxyResponse(f *testing.F) {
	for _, s := range []string{
		`{"statusCode":200,"headers":{"A":"1"},"multiValueHeaders":{"B":["2",true]},"body":"x","isBase64Encoded":false}`,
		`{}`, `"Bad response"`, `{"statusCode":"200"}`, `{"body":{"a":1}}`, `null`, `{"headers":{"a b":"\r\n"}}`, `{"statusCode":1e3}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		pr, err := ParseProxyResponse(payload)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if pr.StatusCode < 100 || pr.StatusCode > 599 {
			t.Fatalf("status %d", pr.StatusCode)
		}
		for k, vs := range pr.Header {
			if !validHeaderName(k) {
				t.Fatalf("invalid header name %q", k)
			}
			for _, v := range vs {
				if strings.ContainsAny(v, "\r\n\x00") {
					t.Fatalf("unsafe header value %q", v)
				}
			}
		}
	})
}

func TestParseQuery(t *testing.T) {
	got := parseQuery("a=1&b=x%20y&a=2;c&d=%zz&=e&f=a+b")
	want := []kv{{"a", "1"}, {"b", "x y"}, {"a", "2"}, {"c", ""}, {"d", "%zz"}, {"", "e"}, {"f", "a b"}}
	if d := cmp.Diff(want, got, cmp.AllowUnexported(kv{})); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "a=1&b=2", "a;b=%zz", "=&=&", "a=%E2%82%AC", "a=%26&b=%3B"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		pairs := parseQuery(raw)
		if max := strings.Count(raw, "&") + strings.Count(raw, ";") + 1; len(pairs) > max {
			t.Fatalf("%d pairs from %q", len(pairs), raw)
		}
		if raw != "" && !strings.ContainsAny(raw, "%+") {
			for _, p := range pairs {
				if strings.ContainsAny(p.k+p.v, "&;") {
					t.Fatalf("separator kept in %+v from %q", p, raw)
				}
			}
		}
	})
}

func FuzzFunctionARN(f *testing.F) {
	for _, s := range []string{
		"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations",
		"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:${stageVariables.fn}/invocations",
		"", "arn:", "http://x/invocations", "arn::lambda:path/2015-03-31/functions//invocations",
	} {
		f.Add(s)
	}
	c := NewClient(Options{})
	f.Fuzz(func(t *testing.T, uri string) {
		k := &call{c: c, Request: &Request{Integration: &apidef.Integration{URI: uri}, StageVariables: map[string]string{"fn": "f"}}}
		fn, ok := k.functionARN()
		if ok && (fn == "" || strings.ContainsAny(fn, "/ ")) {
			t.Fatalf("bad function %q from %q", fn, uri)
		}
	})
}

func TestTruncateAndMask(t *testing.T) {
	long := strings.Repeat("é", 600) // 1200 bytes
	got := truncateLine(long)
	if !strings.HasSuffix(got, " [TRUNCATED]") || len(got) > 1024+len(" [TRUNCATED]") || !utf8.ValidString(got) {
		t.Errorf("truncated to %d bytes, valid=%v", len(got), utf8.ValidString(got))
	}
	if s := strings.Repeat("a", 1024); truncateLine(s) != s {
		t.Error("a 1024-byte line was truncated")
	}
	for in, want := range map[string]string{"": "", "abc": "***", "0123456789abcdefghij": "**************efghij"} {
		if got := maskSecret(in); got != want {
			t.Errorf("maskSecret(%q) = %q, want %q", in, got, want)
		}
	}
	h := http.Header{"X-Api-Key": {"0123456789abcdefghij"}, "Accept": {"a", "b"}, "Authorization": {"Bearer abcdefghijkl"}}
	if got, want := formatHeaders(h), "{Accept=a,b, Authorization=*************ghijkl, X-Api-Key=**************efghij}"; got != want {
		t.Errorf("formatHeaders = %q, want %q", got, want)
	}
}

func FuzzEndpointURI(f *testing.F) {
	for _, s := range []string{
		"http://${stageVariables.host}/items/{id}/{proxy+}?a=1", "https://x/{id}", "ftp://x", "http://[::1/", "http:///{id}", "$stageVariables.host",
	} {
		f.Add(s, "a/b c")
	}
	c := NewClient(Options{})
	f.Fuzz(func(t *testing.T, uri, param string) {
		hr, _ := http.NewRequest("GET", "http://h/", nil)
		k := newCall(c, &Request{In: hr, Integration: &apidef.Integration{URI: uri},
			StageVariables: map[string]string{"host": "example.com"}, PathParams: map[string]string{"id": param}})
		u, _, fail := k.endpointURI(map[string]string{"proxy": param})
		if fail == nil && (u.Host == "" || (u.Scheme != "http" && u.Scheme != "https")) {
			t.Fatalf("accepted %q -> %v", uri, u)
		}
	})
}

func FuzzJSONField(f *testing.F) {
	f.Add([]byte(`{"a":{"b":[1,"x",{"c":null}]}}`), "a.b.2.c")
	f.Add([]byte(`[]`), "0")
	f.Add([]byte(`nul`), "")
	f.Fuzz(func(t *testing.T, doc []byte, path string) {
		_, _ = jsonField(doc, path)
		_ = isBinary(path, []string{"*/*", "image/*"})
	})
}
