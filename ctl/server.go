package ctl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// Handler is what the control socket asks of the running parley (the UI
// implements it; main wires the two). Its methods are called from the
// server's goroutines and may block until ctx is done.
type Handler interface {
	// Send sends text to to (a JID or a roster name) from account (as -a
	// names it: a JID or the start of one; "" for the account that has
	// to in its roster, or the only one), through the same ordered path
	// as a typed message. pending reports a message kept in the outbox
	// because the account is offline.
	Send(ctx context.Context, account, to, text string) (pending bool, err error)
	// SetStatus sets the presence show (online, chat, away, xa, dnd) and
	// text of account, or of every account when account is "".
	SetStatus(ctx context.Context, account, show, text string) error
	// Accounts lists the accounts (account "": every one).
	Accounts(ctx context.Context, account string) ([]Account, error)
}

// Timing and bounds of the server.
const (
	readTimeout = 10 * time.Second // for the request line to arrive
	callTimeout = 30 * time.Second // for the handler's answer
	maxConns    = 16               // connections served at once; more are answered "busy"
)

// ErrRunning is returned by Listen when another parley answers on the socket.
var ErrRunning = errors.New("another parley is listening on the control socket")

// Server is a listening control socket.
type Server struct {
	l    *net.UnixListener
	path string
	uid  int
	sem  chan struct{}
	wg   sync.WaitGroup
}

// Listen creates the control socket at path: its directory is made (0700)
// and checked (ours, a directory, not a symlink, private), a stale socket
// that nobody answers on is removed, the socket is made 0600. A socket
// another parley answers on gives ErrRunning.
func Listen(path string) (*Server, error) {
	if err := privateDir(dirOf(path)); err != nil {
		return nil, err
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != os.ModeSocket {
			return nil, fmt.Errorf("control socket: %s exists and is not a socket", path)
		}
		c, err := net.DialTimeout("unix", path, time.Second)
		if err == nil {
			c.Close()
			return nil, fmt.Errorf("%w (%s)", ErrRunning, path)
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("control socket: %w", err)
		}
		if err := os.Remove(path); err != nil { // left by a parley that died
			return nil, fmt.Errorf("control socket: %w", err)
		}
	}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, fmt.Errorf("control socket: %w", err)
	}
	return &Server{l: l, path: path, uid: os.Getuid(), sem: make(chan struct{}, maxConns)}, nil
}

// Path is the socket's path.
func (s *Server) Path() string { return s.path }

// Serve answers requests with h until ctx is done or the listener is
// closed, then closes the listener (removing the socket) and waits for the
// connections being served.
func (s *Server) Serve(ctx context.Context, h Handler) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-ctx.Done()
		s.l.Close()
	}()
	defer s.wg.Wait()
	for {
		c, err := s.l.AcceptUnix()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("control socket: %w", err)
		}
		select {
		case s.sem <- struct{}{}:
		default:
			c.SetWriteDeadline(time.Now().Add(time.Second))
			c.Write(encodeLine(Reply{Error: "busy: too many connections"}))
			c.Close()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() { <-s.sem }()
			defer c.Close()
			if uid, err := peerUID(c); err != nil || uid != s.uid {
				c.SetWriteDeadline(time.Now().Add(time.Second))
				c.Write(encodeLine(Reply{Error: "refused: not the user running parley"}))
				return
			}
			c.SetReadDeadline(time.Now().Add(readTimeout))
			c.SetWriteDeadline(time.Now().Add(readTimeout + callTimeout))
			serveConn(ctx, c, h)
		}()
	}
}

// Close stops listening and removes the socket.
func (s *Server) Close() error { return s.l.Close() }

// serveConn reads one request from rw, runs it and writes one reply.
func serveConn(ctx context.Context, rw io.ReadWriter, h Handler) {
	line, err := readLine(bufio.NewReaderSize(rw, 4096), MaxRequest)
	var rep Reply
	if err == nil {
		var req Request
		if req, err = ParseRequest(line); err == nil {
			cctx, cancel := context.WithTimeout(ctx, callTimeout)
			rep, err = run(cctx, req, h)
			cancel()
		}
	}
	if err != nil {
		rep = Reply{Error: err.Error()}
	}
	rw.Write(encodeLine(rep))
}

// run runs a checked request.
func run(ctx context.Context, req Request, h Handler) (Reply, error) {
	switch req.Op {
	case OpSend:
		pending, err := h.Send(ctx, req.Account, req.To, req.Text)
		if err != nil {
			return Reply{}, err
		}
		note := "sent"
		if pending {
			note = "offline: kept in the outbox, sent after the next login"
		}
		return Reply{OK: true, Pending: pending, Note: note}, nil
	case OpStatus:
		if err := h.SetStatus(ctx, req.Account, req.Show, req.Text); err != nil {
			return Reply{}, err
		}
		return Reply{OK: true, Note: "status " + req.Show}, nil
	case OpAccounts:
		as, err := h.Accounts(ctx, req.Account)
		if err != nil {
			return Reply{}, err
		}
		return Reply{OK: true, Accounts: as}, nil
	}
	return Reply{}, fmt.Errorf("unknown operation %q", req.Op)
}

// errTooLong is a line past its bound.
var errTooLong = errors.New("request too long")

// readLine reads one line of at most max bytes (newline included) and
// returns it without its newline; nothing past the bound is held.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) > max {
			return nil, errTooLong
		}
		line = append(line, chunk...)
		switch {
		case err == nil:
			return line[:len(line)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(line) > 0:
			return nil, errors.New("request not ended by a newline")
		default:
			return nil, err
		}
	}
}
