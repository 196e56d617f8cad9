package admin

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// ErrNotLoopback is matched (errors.Is) by the error ListenLoopbackCheck returns for an address
// that is not loopback-only.
var ErrNotLoopback = errors.New("admin address is not a loopback address")

// NotLoopbackError reports an admin listen address that other hosts could reach.
type NotLoopbackError struct {
	Addr string // as given
	Why  string // "listens on every interface", "is not a loopback IP", "is a host name"
}

func (e *NotLoopbackError) Error() string {
	return fmt.Sprintf("admin address %s %s: the admin API has no authentication and serves request decisions and config reload, so it listens on loopback only (127.0.0.1:PORT, [::1]:PORT or localhost:PORT) unless a non-loopback admin address is explicitly allowed", e.Addr, e.Why)
}

// Is makes errors.Is(err, ErrNotLoopback) true.
func (e *NotLoopbackError) Is(target error) bool { return target == ErrNotLoopback }

// ListenLoopbackCheck returns nil when addr (host:port, as for net.Listen) can only be reached
// from this machine: "localhost" or a loopback IP (127.0.0.0/8, ::1). An empty host (":4572"),
// an unspecified or other IP, and any other host name are refused with a *NotLoopbackError
// (a host name cannot be checked without resolving it); a malformed addr with another error.
// The admin API is never exposed by default (DESIGN.md §1); the CLI decides the flag that skips
// this check.
func ListenLoopbackCheck(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("admin address %q: want HOST:PORT such as 127.0.0.1:4572: %w", addr, err)
	}
	if port == "" {
		return fmt.Errorf("admin address %q: missing port", addr)
	}
	switch {
	case host == "":
		return &NotLoopbackError{Addr: addr, Why: "listens on every interface"}
	case strings.EqualFold(host, "localhost"):
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return &NotLoopbackError{Addr: addr, Why: "is a host name, not localhost or a loopback IP"}
	}
	if ip.Unmap().IsLoopback() {
		return nil
	}
	return &NotLoopbackError{Addr: addr, Why: "is not a loopback IP"}
}
