package admin

import (
	"net"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// FuzzParseQuery: ParseQuery never panics, and what it accepts survives EncodeQuery unchanged.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"", "status=403", "status=403&cause=waf-blocked&api=a1b2c3d4e5&stage=prod&limit=10",
		"since=2025-03-01T12:00:00Z", "since=2025-03-01T12:00:00.123456789%2B05:30", "since=15m",
		"since=-1h", "limit=0", "limit=1001", "status=99", "x=1", "status=1&status=2", "%zz", "api=%00",
		"since=0000-01-01T00:00:00Z", "since=9999-12-31T23:59:59Z",
	} {
		f.Add(s)
	}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseQuery(v, now)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if q.Limit < 0 || q.Limit > 1000 || (q.Status != 0 && (q.Status < 100 || q.Status > 599)) {
			t.Fatalf("out of range: %+v", q)
		}
		q2, err := ParseQuery(EncodeQuery(q), now)
		if err != nil {
			t.Fatalf("re-parse of %v: %v", EncodeQuery(q), err)
		}
		if diff := cmp.Diff(q, q2); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

// FuzzListenLoopbackCheck: never panics, and accepts only loopback hosts.
func FuzzListenLoopbackCheck(f *testing.F) {
	for _, s := range []string{"127.0.0.1:4572", "[::1]:1", "localhost:1", ":1", "0.0.0.0:1", "[fe80::1%lo]:1", "[::1%lo]:1", "a:b:c", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		if ListenLoopbackCheck(addr) != nil {
			return
		}
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatalf("accepted malformed %q", addr)
		}
		if strings.EqualFold(host, "localhost") {
			return
		}
		ip, err := netip.ParseAddr(host)
		if err != nil || !ip.Unmap().IsLoopback() {
			t.Fatalf("accepted non-loopback %q", addr)
		}
	})
}
