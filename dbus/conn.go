package dbus

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Bus names and paths of the bus itself.
const (
	busName      = "org.freedesktop.DBus"
	busPath      = ObjectPath("/org/freedesktop/DBus")
	busInterface = "org.freedesktop.DBus"
)

// maxSkipped bounds the messages (signals, stray replies) Call reads past
// while it waits for its reply.
const maxSkipped = 256

// Conn is a connection to a bus, after authentication and Hello. Its methods
// may be called from several goroutines; calls are served one at a time.
type Conn struct {
	mu     sync.Mutex
	c      net.Conn
	r      *bufio.Reader
	serial uint32
	name   string // our unique name, from Hello
}

// Error is an error reply from the bus or from the called peer.
type Error struct {
	Name    string // e.g. org.freedesktop.DBus.Error.ServiceUnknown
	Message string // the first string of the body, if any
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "dbus: " + e.Name
	}
	return "dbus: " + e.Name + ": " + e.Message
}

// SessionAddress returns the session bus address from
// DBUS_SESSION_BUS_ADDRESS, or "" when there is none.
func SessionAddress() string { return os.Getenv("DBUS_SESSION_BUS_ADDRESS") }

// Dial connects to the bus at addr (a D-Bus address string), authenticates
// with EXTERNAL as the current user and says Hello. ctx bounds all of it.
func Dial(ctx context.Context, addr string) (*Conn, error) {
	eps, err := parseAddress(addr)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	var nc net.Conn
	for _, ep := range eps {
		if nc, err = d.DialContext(ctx, "unix", ep.path); err == nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	c := &Conn{c: nc, r: bufio.NewReaderSize(nc, 4096)}
	stop := c.deadline(ctx)
	defer stop()
	if err := c.auth(); err != nil {
		nc.Close()
		return nil, err
	}
	reply, err := c.call(&Message{Type: TypeMethodCall, Path: busPath, Interface: busInterface, Member: "Hello", Destination: busName})
	if err != nil {
		nc.Close()
		return nil, err
	}
	if len(reply.Body) == 1 {
		c.name, _ = reply.Body[0].(string)
	}
	return c, nil
}

// deadline makes the socket follow ctx until the returned stop is called.
func (c *Conn) deadline(ctx context.Context) (stop func()) {
	if dl, ok := ctx.Deadline(); ok {
		c.c.SetDeadline(dl)
	}
	done := context.AfterFunc(ctx, func() { c.c.SetDeadline(time.Unix(1, 0)) })
	return func() {
		done()
		c.c.SetDeadline(time.Time{})
	}
}

// auth runs the SASL EXTERNAL exchange.
func (c *Conn) auth() error {
	uid := hex.EncodeToString([]byte(strconv.Itoa(os.Getuid())))
	if _, err := c.c.Write([]byte("\x00AUTH EXTERNAL " + uid + "\r\n")); err != nil {
		return err
	}
	line, err := c.readLine()
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "OK ") {
		return errors.New("dbus: authentication refused: " + quoteShort(line))
	}
	_, err = c.c.Write([]byte("BEGIN\r\n"))
	return err
}

// readLine reads one line of the auth protocol, at most 512 bytes.
func (c *Conn) readLine() (string, error) {
	var b []byte
	for len(b) < 512 {
		ch, err := c.r.ReadByte()
		if err != nil {
			return "", err
		}
		if ch == '\n' {
			return strings.TrimSuffix(string(b), "\r"), nil
		}
		b = append(b, ch)
	}
	return "", errors.New("dbus: auth line too long")
}

// Name returns the connection's unique name on the bus.
func (c *Conn) Name() string { return c.name }

// Close closes the connection.
func (c *Conn) Close() error { return c.c.Close() }

// Call sends the method call m and returns its reply; an error reply is an
// *Error. ctx bounds the whole exchange.
func (c *Conn) Call(ctx context.Context, m *Message) (*Message, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	stop := c.deadline(ctx)
	defer stop()
	m.Type = TypeMethodCall
	return c.call(m)
}

func (c *Conn) call(m *Message) (*Message, error) {
	serial, err := c.send(m)
	if err != nil {
		return nil, err
	}
	for range maxSkipped {
		r, err := readMessage(c.r)
		if err != nil {
			return nil, err
		}
		if r.ReplySerial != serial || r.Type != TypeMethodReturn && r.Type != TypeError {
			continue // a signal or a call to us: not what we wait for
		}
		if r.Type == TypeError {
			e := &Error{Name: r.ErrorName}
			if len(r.Body) > 0 {
				e.Message, _ = r.Body[0].(string)
			}
			return nil, e
		}
		return r, nil
	}
	return nil, fmt.Errorf("dbus: no reply to %s after %d messages", m.Member, maxSkipped)
}

// send writes m with the next serial and returns that serial.
func (c *Conn) send(m *Message) (uint32, error) {
	c.serial++
	m.Serial = c.serial
	b, err := m.marshal()
	if err != nil {
		return 0, err
	}
	_, err = c.c.Write(b)
	return m.Serial, err
}

// Send writes m (a reply or a signal) without waiting for anything.
func (c *Conn) Send(ctx context.Context, m *Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	stop := c.deadline(ctx)
	defer stop()
	_, err := c.send(m)
	return err
}

// Receive reads the next message sent to us. It is for a connection that
// serves calls (tests' notification daemon); do not mix it with Call from
// another goroutine.
func (c *Conn) Receive(ctx context.Context) (*Message, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	stop := c.deadline(ctx)
	defer stop()
	return readMessage(c.r)
}

// RequestName asks the bus for a well-known name, failing unless we become
// its primary owner.
func (c *Conn) RequestName(ctx context.Context, name string) error {
	r, err := c.Call(ctx, &Message{Path: busPath, Interface: busInterface, Member: "RequestName", Destination: busName, Body: []any{name, uint32(4)}}) // 4: do not queue
	if err != nil {
		return err
	}
	if len(r.Body) != 1 || r.Body[0] != uint32(1) {
		return fmt.Errorf("dbus: name %s not granted (%v)", name, r.Body)
	}
	return nil
}
