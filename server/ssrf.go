package server

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"time"
)

// checkSSRF refuses URLs whose host is, or resolves to, a loopback,
// private, link-local, unspecified or multicast address, as Label Studio's
// validate_url_for_ssrf does when SSRF_PROTECTION_ENABLED is on.
func checkSSRF(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("parse url: %w", err)
	}
	host := u.Hostname()
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return fmt.Errorf("SSRF protection: cannot resolve %q: %w", host, err)
		}
		addrs = ips
	}
	for _, a := range addrs {
		a = a.Unmap()
		if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
			a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast() || cgnat.Contains(a) {
			return fmt.Errorf("SSRF protection: %s points at a local or private address (%s)", host, a)
		}
	}
	return nil
}

// cgnat is the shared address space (RFC 6598), private in practice.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")
