package probe

import (
	"context"
	"net"
	"net/netip"
	"testing"
)

func TestClassifyAddr(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1": ClassLoopback, "::1": ClassLoopback, "::ffff:127.0.0.1": ClassLoopback,
		"10.0.12.34": ClassPrivate, "172.16.0.1": ClassPrivate, "192.168.1.1": ClassPrivate, "fd00::1": ClassPrivate,
		"100.64.0.1": ClassShared, "169.254.1.1": ClassLinkLocal, "fe80::1": ClassLinkLocal,
		"52.94.1.1": ClassPublic, "2600:1f18::1": ClassPublic, "0.0.0.0": ClassUnspecified,
	} {
		if got := ClassifyAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("ClassifyAddr(%s) = %s, want %s", addr, got, want)
		}
	}
}

// cnameResolver is a resolver that also reports canonical names.
type cnameResolver struct {
	ips   map[string][]string
	cname map[string]string
}

func (r cnameResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	ips, ok := r.ips[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []net.IPAddr
	for _, s := range ips {
		out = append(out, net.IPAddr{IP: net.ParseIP(s)})
	}
	return out, nil
}

func (r cnameResolver) LookupCNAME(_ context.Context, host string) (string, error) {
	if c, ok := r.cname[host]; ok {
		return c + ".", nil
	}
	return host + ".", nil
}

func TestLookup(t *testing.T) {
	r := cnameResolver{
		ips: map[string][]string{
			"api.example.com": {"52.94.1.1", "52.94.1.1", "10.1.1.1"},
			"abcdefghij.execute-api.eu-west-1.amazonaws.com": {"10.0.1.5", "10.0.2.5"},
		},
		cname: map[string]string{"api.example.com": "d-abc123.execute-api.eu-west-1.amazonaws.com"},
	}
	ctx := context.Background()
	d := lookup(ctx, r, "api.example.com", "url")
	if d.CNAME != "d-abc123.execute-api.eu-west-1.amazonaws.com" || len(d.Addresses) != 2 || d.Summary != "mixed" || d.privateOnly() {
		t.Errorf("custom domain: %+v", d)
	}
	d = lookup(ctx, r, "abcdefghij.execute-api.eu-west-1.amazonaws.com", "url")
	if d.CNAME != "" || d.Summary != ClassPrivate || !d.privateOnly() {
		t.Errorf("private DNS: %+v", d)
	}
	if n := dnsNote(d); n == "" || n == "private addresses" {
		t.Errorf("note for an execute-api name on private addresses: %q", n)
	}
	d = lookup(ctx, r, "missing.example.com", "url")
	if d.Error != "no such host (missing.example.com)" || len(d.Addresses) != 0 || d.Summary != "" {
		t.Errorf("NXDOMAIN: %+v", d)
	}
	d = lookup(ctx, r, "[::1]", "url")
	if d.Summary != ClassLoopback || d.Error != "" {
		t.Errorf("IP literal: %+v", d)
	}
}

// TestSystemResolverLocalhost: names under .localhost are loopback without asking DNS
// (RFC 6761), which is what makes the demo's {apiId}.execute-api.localhost names work.
func TestSystemResolverLocalhost(t *testing.T) {
	for _, h := range []string{"localhost", "a1b2c3d4e5.execute-api.localhost", "API.Demo.LOCALHOST."} {
		ips, err := SystemResolver{}.LookupIPAddr(context.Background(), h)
		if err != nil || len(ips) != 2 || !ips[0].IP.IsLoopback() || !ips[1].IP.IsLoopback() || ips[0].IP.To4() == nil {
			t.Errorf("%s: %v %v", h, ips, err)
		}
	}
	if isLocalhostName("localhost.example.com") || isLocalhostName("notlocalhost") {
		t.Error("a name that only contains localhost is not under .localhost")
	}
}
