package ctl

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"syscall"
	"time"
)

// ErrNotRunning is returned by Do when no parley listens on the socket.
var ErrNotRunning = errors.New("no running parley")

// Do sends req (its V set to Version) to the parley listening at path and
// returns its reply. A reply that is not OK is returned as an error too.
func Do(ctx context.Context, path string, req Request) (Reply, error) {
	req.V = Version
	if err := req.check(); err != nil {
		return Reply{}, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
		return Reply{}, fmt.Errorf("%w (nothing listens on %s): start parley first", ErrNotRunning, path)
	}
	if err != nil {
		return Reply{}, err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	} else {
		c.SetDeadline(time.Now().Add(readTimeout + callTimeout + 5*time.Second))
	}
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
	defer stop()
	if _, err := c.Write(encodeLine(req)); err != nil {
		return Reply{}, err
	}
	line, err := readLine(bufio.NewReader(c), MaxReply)
	if err != nil {
		return Reply{}, fmt.Errorf("no answer from parley: %w", err)
	}
	var rep Reply
	if err := json.Unmarshal(line, &rep); err != nil {
		return Reply{}, fmt.Errorf("bad answer from parley: %v", err)
	}
	if !rep.OK {
		return rep, errors.New(rep.Error)
	}
	return rep, nil
}
