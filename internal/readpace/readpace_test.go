package readpace

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"

	"parley/internal/servertest"
)

// never is a gap no test waits out: a read that would wait for it fails
// the test by its timeout, so what ends a wait is seen without timing it.
const never = time.Hour

// pair returns the two ends of a loopback TCP connection, the client's
// paced with gap from the start.
func pair(t *testing.T, gap time.Duration) (*Conn, net.Conn) {
	t.Helper()
	p, s := unstarted(t, gap)
	p.Start()
	return p, s
}

// unstarted is pair before Start.
func unstarted(t *testing.T, gap time.Duration) (*Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	p, ok := New(c, gap).(*Conn)
	if !ok {
		t.Fatal("a TCP connection was not paced")
	}
	return p, s
}

func write(t *testing.T, c net.Conn, s string) {
	t.Helper()
	if _, err := io.WriteString(c, s); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, c net.Conn) string {
	t.Helper()
	b := make([]byte, 4096)
	n, err := c.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(b[:n])
}

// untilWaiting returns once n bytes wait in p's socket.
func untilWaiting(t *testing.T, p *Conn, n int) {
	t.Helper()
	for {
		if got, ok := p.waiting(); ok && got >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

func TestWaitingIsReadAtOnce(t *testing.T) {
	p, s := pair(t, never)
	write(t, s, "one")
	if got := read(t, p); got != "one" { // the first read is never paced
		t.Fatalf("read %q", got)
	}
	write(t, s, "two")
	untilWaiting(t, p, 3)
	if got := read(t, p); got != "two" {
		t.Fatalf("read %q", got)
	}
}

func TestWakeEndsTheWait(t *testing.T) {
	p, s := pair(t, never)
	write(t, s, "hello")
	read(t, p)
	// A request sent before the read: its reply is read at once.
	p.Wake()
	write(t, p, "ping")
	if got := read(t, s); got != "ping" {
		t.Fatalf("server read %q", got)
	}
	write(t, s, "pong")
	if got := read(t, p); got != "pong" {
		t.Fatalf("read %q", got)
	}
	// A request sent while the read waits ends the wait.
	got := make(chan string, 1)
	go func() {
		b := make([]byte, 64)
		n, _ := p.Read(b)
		got <- string(b[:n])
	}()
	time.Sleep(10 * time.Millisecond) // let the read start waiting (either way it must end)
	write(t, p, "ping")
	p.Wake()
	read(t, s)
	write(t, s, "pong")
	if g := <-got; g != "pong" {
		t.Fatalf("read %q", g)
	}
}

func TestTrickleReadInBatches(t *testing.T) {
	p, s := pair(t, 50*time.Millisecond)
	go func() {
		for i := range 20 {
			io.WriteString(s, string(rune('a'+i)))
			time.Sleep(5 * time.Millisecond)
		}
		s.Close()
	}()
	var all bytes.Buffer
	reads := 0
	b := make([]byte, 64)
	for {
		n, err := p.Read(b)
		all.Write(b[:n])
		if n > 0 {
			reads++
		}
		if err != nil {
			break
		}
	}
	if all.String() != "abcdefghijklmnopqrst" {
		t.Fatalf("read %q", all.String())
	}
	// Unpaced, the 20 writes 5 ms apart are 20 reads; paced, one or two
	// reads for each 50 ms. Only a machine that stalls the writer for a
	// whole gap at every write brings it back to 20.
	if reads >= 20 {
		t.Errorf("%d reads for 20 writes", reads)
	}
	t.Logf("%d reads for 20 writes 5 ms apart", reads)
}

// TestTLSOverPacedConn: a handshake before Start (a login), then, paced,
// a request whose reply is read at once because of Wake, and a stanza
// that was waiting.
func TestTLSOverPacedConn(t *testing.T) {
	p, s := unstarted(t, never)
	cert := servertest.TLSCert(t, "localhost")
	srv := tls.Server(s, &tls.Config{Certificates: []tls.Certificate{cert}})
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		if err := srv.Handshake(); err != nil {
			return
		}
		b := make([]byte, 64)
		n, _ := srv.Read(b)
		srv.Write(bytes.ToUpper(b[:n]))
		srv.Write([]byte("more"))
	}()
	cli := tls.Client(p, &tls.Config{InsecureSkipVerify: true})
	if err := cli.Handshake(); err != nil {
		t.Fatal(err)
	}
	p.Start()
	write(t, cli, "request")
	p.Wake()
	if got := read(t, cli); got != "REQUEST" {
		t.Fatalf("read %q", got)
	}
	<-sent // on loopback, written is in the client's socket
	if got := read(t, cli); got != "more" {
		t.Fatalf("read %q", got)
	}
}

func TestNothingPacedBeforeStart(t *testing.T) {
	p, s := unstarted(t, never)
	write(t, s, "one")
	read(t, p)
	go func() {
		time.Sleep(10 * time.Millisecond) // the second read blocks on the socket, not on the gap
		io.WriteString(s, "two")
	}()
	if got := read(t, p); got != "two" {
		t.Fatalf("read %q", got)
	}
}

func TestOnlySockets(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if c := New(a, 0); c != a {
		t.Errorf("a pipe was wrapped: %T", c)
	}
}
