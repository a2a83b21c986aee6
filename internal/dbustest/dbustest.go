// Package dbustest starts a private session bus (Debian's dbus-daemon) for a
// test, and a small notification daemon on it that records what it is sent.
package dbustest

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/dbus"
)

// StartBus starts `dbus-daemon --session` on a socket in a temporary
// directory and returns its address; the daemon is killed when the test
// ends. The test is skipped when dbus-daemon is not installed.
func StartBus(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("dbus-daemon not installed (apt-get install dbus-daemon)")
	}
	sock := filepath.Join(t.TempDir(), "bus")
	cmd := exec.Command(bin, "--session", "--nofork", "--nopidfile", "--print-address=1", "--address=unix:path="+sock)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder // its warnings (fd limits) are noise unless it fails
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("dbus-daemon printed no address: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(line)
}

// Note is one Notify call the daemon received.
type Note struct {
	App, Summary, Body string
	Hints              map[string]dbus.Variant
	Timeout            int32
}

// Notifier owns org.freedesktop.Notifications on the bus at addr and
// answers Notify calls, sending each on the returned channel (buffered;
// calls beyond its room are answered but not recorded). With silent it
// owns the name but never answers, like a hung daemon.
func Notifier(t testing.TB, addr string, silent bool) <-chan Note {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := dbus.Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RequestName(ctx, "org.freedesktop.Notifications"); err != nil {
		t.Fatal(err)
	}
	notes := make(chan Note, 16)
	done := make(chan struct{})
	t.Cleanup(func() {
		c.Close()
		<-done
	})
	go func() {
		defer close(done)
		var id uint32
		for {
			m, err := c.Receive(context.Background())
			if err != nil {
				return
			}
			if m.Type != dbus.TypeMethodCall || m.Member != "Notify" || len(m.Body) != 8 {
				continue
			}
			n := Note{}
			n.App, _ = m.Body[0].(string)
			n.Summary, _ = m.Body[3].(string)
			n.Body, _ = m.Body[4].(string)
			n.Hints, _ = m.Body[6].(map[string]dbus.Variant)
			n.Timeout, _ = m.Body[7].(int32)
			select {
			case notes <- n:
			default:
			}
			if silent {
				continue
			}
			id++
			c.Send(context.Background(), &dbus.Message{Type: dbus.TypeMethodReturn, ReplySerial: m.Serial, Destination: m.Sender, Body: []any{id}})
		}
	}()
	return notes
}
