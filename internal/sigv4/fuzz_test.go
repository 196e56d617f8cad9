package sigv4

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

var failures = map[Failure]string{
	OK: "", Unsigned: ErrMissingAuthenticationToken, IncompleteSignature: ErrIncompleteSignature, BadCredential: "",
	UnknownKey: ErrAccessDenied, BadToken: "", Expired: ErrInvalidSignature, Mismatch: ErrInvalidSignature,
}

// FuzzVerify: arbitrary Authorization headers, dates, paths and queries never panic and always
// give a known outcome with a message and an error type.
func FuzzVerify(f *testing.F) {
	good := "AWS4-HMAC-SHA256 Credential=" + akid + "/20260301/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("a", 64)
	f.Add(good, "20260301T102030Z", "/prod/pets", "a=1&b=2", "GET", []byte(nil))
	f.Add("allow", "", "/", "", "GET", []byte(nil))
	f.Add("", "", "/", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="+akid+"%2F20260301%2Fus-east-1%2Fexecute-api%2Faws4_request&X-Amz-Date=20260301T102030Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00", "GET", []byte(nil))
	f.Add("AWS4-HMAC-SHA256 Credential=////, SignedHeaders=;;, Signature=", "Sun, 01 Mar 2026 10:20:30 GMT", "/%zz/./..//", "%&=&==", "POST", []byte("body"))
	f.Add("AWS4-X Credential=a/b/c/d/e, SignedHeaders=host, Signature=0", "99999999T999999Z", "", "X-Amz-Expires=-1", "", []byte{0xff})
	f.Fuzz(func(t *testing.T, auth, date, path, query, method string, body []byte) {
		h := http.Header{}
		if auth != "" {
			h.Set("Authorization", auth)
		}
		if date != "" {
			h.Set("X-Amz-Date", date)
			h.Set("Date", date)
		}
		r := &Request{Method: method, RawPath: path, RawQuery: query, Header: h, Host: "h", Body: body}
		res := Verify(r, region, keys, signTime)
		errType, known := failures[res.Failure]
		if !known {
			t.Fatalf("unknown failure %q", res.Failure)
		}
		if res.Failure == OK {
			return
		}
		if res.Message == "" || res.ErrorType == "" || res.Detail == "" {
			t.Fatalf("failure %q without message, type or detail: %+v", res.Failure, res)
		}
		if errType != "" && res.ErrorType != errType {
			t.Fatalf("failure %q with error type %q", res.Failure, res.ErrorType)
		}
	})
}

// FuzzSDKRoundTrip: a request signed by aws-sdk-go-v2 with any path and query always verifies.
func FuzzSDKRoundTrip(f *testing.F) {
	for _, s := range [][2]string{{"/prod/pets", "b=2&a=1"}, {"/prod/a b/é", "x=a+b&x=%2F&y"}, {"//./..", "%zz=1&;=2"}, {"", ""}, {"/a?b#c", "~=~&*=*"}} {
		f.Add(s[0], s[1], true)
	}
	f.Fuzz(func(t *testing.T, path, query string, header bool) {
		u := &url.URL{Scheme: "https", Host: "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com", Path: path, RawQuery: query}
		if path != "" && path[0] != '/' {
			u.Path = "/" + path
		}
		req, err := http.NewRequest("GET", u.String(), nil)
		if err != nil {
			t.Skip()
		}
		now := time.Date(2026, 3, 1, 10, 20, 30, 0, time.UTC)
		var r *Request
		if header {
			if err := v4.NewSigner().SignHTTP(context.Background(), longTerm, req, emptySHA, ServiceName, region, now); err != nil {
				t.Fatal(err)
			}
			r = fromHTTP(req, nil)
		} else {
			signedURL, _, err := v4.NewSigner().PresignHTTP(context.Background(), longTerm, req, unsignedPayload, ServiceName, region, now)
			if err != nil {
				t.Fatal(err)
			}
			pu, err := url.Parse(signedURL)
			if err != nil {
				t.Fatal(err)
			}
			r = &Request{Method: "GET", RawPath: pu.EscapedPath(), RawQuery: pu.RawQuery, Header: http.Header{}, Host: pu.Host}
		}
		if res := Verify(r, region, keys, now); res.Failure != OK {
			t.Fatalf("path %q query %q: %q %s\n%s", r.RawPath, r.RawQuery, res.Failure, res.Detail, res.Message)
		}
	})
}
