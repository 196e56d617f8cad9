package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Resolver resolves host names. *net.Resolver implements it; tests inject their own.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// CNAMEResolver is implemented by resolvers that can also report a name's canonical name
// (*net.Resolver does); the report then shows the CNAME.
type CNAMEResolver interface {
	LookupCNAME(ctx context.Context, host string) (string, error)
}

// SystemResolver is the default resolver: localhost and every name under .localhost resolve
// to the loopback addresses without a query (RFC 6761 §6.3, as curl and browsers do, so the
// demo's {apiId}.execute-api.localhost names work with no hosts file); other names go to
// net.DefaultResolver.
type SystemResolver struct{}

// LookupIPAddr implements Resolver.
func (SystemResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	if isLocalhostName(host) {
		return []net.IPAddr{{IP: net.IPv4(127, 0, 0, 1)}, {IP: net.IPv6loopback}}, nil
	}
	return net.DefaultResolver.LookupIPAddr(ctx, host)
}

// LookupCNAME implements CNAMEResolver.
func (SystemResolver) LookupCNAME(ctx context.Context, host string) (string, error) {
	if isLocalhostName(host) {
		return host, nil
	}
	return net.DefaultResolver.LookupCNAME(ctx, host)
}

func isLocalhostName(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}

// Address classes.
const (
	ClassLoopback    = "loopback"
	ClassPrivate     = "private"    // RFC 1918, IPv6 ULA fc00::/7
	ClassShared      = "shared"     // RFC 6598 carrier-grade NAT 100.64.0.0/10
	ClassLinkLocal   = "link-local" // 169.254.0.0/16, fe80::/10
	ClassPublic      = "public"
	ClassUnspecified = "unspecified"
)

var sharedPrefix = netip.MustParsePrefix("100.64.0.0/10")

// ClassifyAddr names the class of an IP address.
func ClassifyAddr(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case !a.IsValid() || a.IsUnspecified():
		return ClassUnspecified
	case a.IsLoopback():
		return ClassLoopback
	case a.IsPrivate():
		return ClassPrivate
	case a.Is4() && sharedPrefix.Contains(a):
		return ClassShared
	case a.IsLinkLocalUnicast():
		return ClassLinkLocal
	}
	return ClassPublic
}

// Address is one resolved address.
type Address struct {
	IP    string `json:"ip"`
	Class string `json:"class"`
}

// DNSResult is the resolution of one name.
type DNSResult struct {
	Name string `json:"name"`
	// Role is "url" (the URL's host: the probe connects there) or "host-header" (the name in a
	// -H 'Host: …' header: what this machine would resolve the API's own name to).
	Role      string    `json:"role"`
	CNAME     string    `json:"cname,omitempty"`
	Addresses []Address `json:"addresses"`
	Error     string    `json:"error,omitempty"`
	// Summary is one of the Class* constants when every address has it, else "mixed"; "" when
	// the name did not resolve.
	Summary string `json:"summary,omitempty"`
	Note    string `json:"note,omitempty"`
}

// lookup resolves name with r.
func lookup(ctx context.Context, r Resolver, name, role string) DNSResult {
	res := DNSResult{Name: name, Role: role, Addresses: []Address{}}
	if a, err := netip.ParseAddr(strings.Trim(name, "[]")); err == nil {
		res.Addresses = append(res.Addresses, Address{IP: a.String(), Class: ClassifyAddr(a)})
		res.Summary = res.Addresses[0].Class
		res.Note = "an IP address: no DNS lookup"
		return res
	}
	addrs, err := r.LookupIPAddr(ctx, name)
	if err != nil {
		res.Error = describeDNSError(err)
		return res
	}
	if c, ok := r.(CNAMEResolver); ok {
		if cn, err := c.LookupCNAME(ctx, name); err == nil {
			cn = strings.TrimSuffix(cn, ".")
			if cn != "" && !strings.EqualFold(cn, strings.TrimSuffix(name, ".")) {
				res.CNAME = cn
			}
		}
	}
	seen := map[string]bool{}
	for _, ia := range addrs {
		a, ok := netip.AddrFromSlice(ia.IP)
		if !ok {
			continue
		}
		a = a.Unmap()
		if seen[a.String()] {
			continue
		}
		seen[a.String()] = true
		res.Addresses = append(res.Addresses, Address{IP: a.String(), Class: ClassifyAddr(a)})
	}
	for i, a := range res.Addresses {
		switch {
		case i == 0:
			res.Summary = a.Class
		case a.Class != res.Summary:
			res.Summary = "mixed"
		}
	}
	return res
}

func describeDNSError(err error) string {
	var de *net.DNSError
	if errors.As(err, &de) && de.IsNotFound {
		return fmt.Sprintf("no such host (%s)", de.Name)
	}
	return err.Error()
}

// privateOnly reports whether the result resolved to private (or shared/link-local) addresses
// only: the signature of private DNS on an interface VPC endpoint for execute-api names.
func (d DNSResult) privateOnly() bool {
	if len(d.Addresses) == 0 {
		return false
	}
	for _, a := range d.Addresses {
		if a.Class != ClassPrivate && a.Class != ClassShared && a.Class != ClassLinkLocal {
			return false
		}
	}
	return true
}

func (d DNSResult) loopbackOnly() bool {
	return len(d.Addresses) > 0 && d.Summary == ClassLoopback
}

// dialer connects through the probe's Resolver so that the report's DNS answers are the
// addresses the probe actually used.
type dialer struct {
	resolver Resolver
	net      net.Dialer
}

func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return d.net.DialContext(ctx, network, addr)
	}
	ips, err := d.resolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	if len(ips) == 0 {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}}
	}
	// IPv4 first: a loopback listener on 127.0.0.1 is the common local case.
	ordered := make([]net.IPAddr, 0, len(ips))
	for _, ip := range ips {
		if ip.IP.To4() != nil {
			ordered = append(ordered, ip)
		}
	}
	for _, ip := range ips {
		if ip.IP.To4() == nil {
			ordered = append(ordered, ip)
		}
	}
	var first error
	for _, ip := range ordered {
		c, err := d.net.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}
