//go:build !linux

package ctl

import (
	"errors"
	"net"
)

// peerUID is not known on this system: every connection is refused (use
// parley's control socket on Linux).
func peerUID(c *net.UnixConn) (int, error) {
	return -1, errors.New("peer credentials are not supported on this system")
}
