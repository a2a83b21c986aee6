package dbus

import (
	"errors"
	"net/url"
	"strings"
)

// endpoint is one unix socket address of a bus address string.
type endpoint struct {
	path     string // file system path, or "@name" for a Linux abstract socket
	abstract bool
}

// parseAddress returns the unix socket endpoints of a D-Bus server address
// ("unix:path=/run/user/1000/bus;unix:abstract=/tmp/x,guid=..."), in order.
// Other transports are skipped; an address without any unix endpoint is an
// error.
func parseAddress(addr string) ([]endpoint, error) {
	var eps []endpoint
	for _, part := range strings.Split(addr, ";") {
		transport, rest, ok := strings.Cut(part, ":")
		if !ok || transport != "unix" {
			continue
		}
		for _, kv := range strings.Split(rest, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			val, err := url.PathUnescape(v)
			if err != nil || val == "" {
				continue
			}
			switch k {
			case "path":
				eps = append(eps, endpoint{path: val})
			case "abstract":
				eps = append(eps, endpoint{path: "@" + val, abstract: true})
			}
		}
	}
	if len(eps) == 0 {
		return nil, errors.New("dbus: no unix socket in bus address " + quoteShort(addr))
	}
	return eps, nil
}

// quoteShort quotes s for an error message, cut to 80 bytes.
func quoteShort(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return "\"" + strings.ToValidUTF8(s, "?") + "\""
}
