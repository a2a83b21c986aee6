//go:build linux

package readpace

import "golang.org/x/sys/unix"

// waiting returns how many bytes the socket holds unread, and false when
// it cannot tell.
func (c *Conn) waiting() (int, bool) {
	n, err := -1, error(nil)
	cerr := c.raw.Control(func(fd uintptr) {
		n, err = unix.IoctlGetInt(int(fd), unix.TIOCINQ) // FIONREAD
	})
	if cerr != nil || err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
