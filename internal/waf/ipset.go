package waf

import (
	"fmt"
	"net/netip"
	"sort"
)

// ipSet is a compiled WAFv2 IP set: its CIDRs merged into sorted, disjoint ranges searched in
// O(log n). AWS accepts any CIDR from /0 to /32 (IPv4) or /128 (IPv6); a bare address is
// rejected by AWS and here.
type ipSet struct {
	arn      string
	prefixes []netip.Prefix
	ranges   []ipRange
}

type ipRange struct{ lo, hi netip.Addr }

func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr()
	if a.Is4() {
		b := a.As4()
		for i := p.Bits(); i < 32; i++ {
			b[i/8] |= 1 << (7 - i%8)
		}
		return netip.AddrFrom4(b)
	}
	b := a.As16()
	for i := p.Bits(); i < 128; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	return netip.AddrFrom16(b)
}

func newIPSet(arn, version string, addrs []string, path string) (*ipSet, error) {
	if version != "IPV4" && version != "IPV6" {
		return nil, fmt.Errorf("%s.IPAddressVersion: must be IPV4 or IPV6, not %q", path, version)
	}
	s := &ipSet{arn: arn}
	for i, a := range addrs {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			return nil, fmt.Errorf("%s.Addresses[%d]: %w", path, i, err)
		}
		if p.Addr().Is4() != (version == "IPV4") || p.Addr().Is4In6() {
			return nil, fmt.Errorf("%s.Addresses[%d]: %s is not an %s CIDR", path, i, a, version)
		}
		s.prefixes = append(s.prefixes, p.Masked())
		s.ranges = append(s.ranges, ipRange{p.Masked().Addr(), lastAddr(p)})
	}
	sort.Slice(s.ranges, func(i, j int) bool { return s.ranges[i].lo.Less(s.ranges[j].lo) })
	merged := s.ranges[:0]
	for _, r := range s.ranges {
		if n := len(merged); n > 0 && !merged[n-1].hi.Less(r.lo) {
			if merged[n-1].hi.Less(r.hi) {
				merged[n-1].hi = r.hi
			}
			continue
		}
		merged = append(merged, r)
	}
	s.ranges = merged
	return s, nil
}

// contains reports whether ip is in the set and, if so, the first CIDR of the set that holds it.
func (s *ipSet) contains(ip netip.Addr) (string, bool) {
	i := sort.Search(len(s.ranges), func(i int) bool { return ip.Less(s.ranges[i].lo) }) - 1
	if i < 0 || s.ranges[i].hi.Less(ip) || s.ranges[i].lo.Is4() != ip.Is4() {
		return "", false
	}
	for _, p := range s.prefixes {
		if p.Contains(ip) {
			return p.String(), true
		}
	}
	return "", false
}
