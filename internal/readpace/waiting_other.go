//go:build !linux

package readpace

// waiting cannot tell here: New leaves the connection unpaced.
func (c *Conn) waiting() (int, bool) { return 0, false }
