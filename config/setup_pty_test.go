//go:build linux

package config

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY returns the master and slave ends of a new pseudo-terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestSetupTerminalNoEcho runs Setup on a real pseudo-terminal: what the
// user types is echoed, except the password.
func TestSetupTerminalNoEcho(t *testing.T) {
	master, slave := openPTY(t)
	var echo syncBuffer
	go io.Copy(&echo, master) // what the terminal shows
	echoOff := func() bool {
		tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
		return err == nil && tio.Lflag&unix.ECHO == 0
	}
	path := filepath.Join(t.TempDir(), "config.toml")
	done := make(chan error, 1)
	go func() {
		_, err := Setup(context.Background(), slave, io.Discard, path, nil)
		done <- err
	}()
	master.Write([]byte("alice@example.org\n"))
	deadline := time.Now().Add(10 * time.Second)
	for !echoOff() {
		if time.Now().After(deadline) {
			t.Fatal("echo never turned off for the password")
		}
		time.Sleep(5 * time.Millisecond)
	}
	master.Write([]byte("hunter2\n"))
	for echoOff() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	master.Write([]byte("-\n"))
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Setup did not finish")
	}
	if echoOff() {
		t.Error("echo left off after setup")
	}
	c, err := Load(path)
	if err != nil || c.Accounts[0].Password != "hunter2" {
		t.Fatalf("config %+v, %v", c, err)
	}
	time.Sleep(50 * time.Millisecond) // let the last echo arrive
	shown := echo.String()
	if !strings.Contains(shown, "alice@example.org") {
		t.Errorf("the JID was not echoed: %q", shown)
	}
	if strings.Contains(shown, "hunter2") {
		t.Errorf("the password was echoed: %q", shown)
	}
}
