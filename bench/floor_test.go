package bench

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/internal/servertest"
)

// floorStanza is what the floor's sender writes steadyRate times a second:
// a message of the size TestSteady's sender sends (a 90-character body with
// ids, as Prosody delivers it).
const floorStanza = `<message xmlns="jabber:client" type="chat" id="a1b2c3d4e5f6" to="st0@localhost/parley" from="sender@localhost/bench"><body>steady message 000123 https://example.org/some/path?with=query and a few more words to read</body><request xmlns="urn:xmpp:receipts"/><origin-id xmlns="urn:xmpp:sid:0" id="a1b2c3d4e5f6"/><stanza-id xmlns="urn:xmpp:sid:0" by="st0@localhost" id="Xy7-abcDEF0123"/></message>`

// floorFloodRate is the rate at which Prosody delivered TestSideBySide's
// flood to parley without receipts and to mcabber (353-372 messages a
// second).
const floorFloodRate = 360

// TestWakeFloor measures the floor under TestSteady's figure on this
// machine: a Go process that does nothing but receive steadyRate
// stanzas a second over loopback, one at a time as the steady stream
// brings them, and (in the last cases) append each to a file, the least
// any client must do for them. The receiver is this test binary run
// again with PARLEY_FLOOR_RECV set, on one thread as parley runs
// (GOMAXPROCS=1); its CPU comes from /proc over steadyFor. The flood case
// sends floodSize stanzas at floorFloodRate instead, the floor under the
// flood's figure.
func TestWakeFloor(t *testing.T) {
	benchOnly(t)
	cert := servertest.TLSCert(t, "localhost")
	for _, c := range []struct {
		name, mode string
	}{
		{"c_tcp", "c,tcp"},
		{"tcp", "tcp"},
		{"tls", "tls"},
		{"tls_store", "tls,store"},
		{"tls_store_2threads", "tls,store,procs2"},
		{"flood_tls_store", "tls,store,flood"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			procs := "1"
			if strings.Contains(c.mode, "procs2") {
				procs = "2"
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestWakeFloorReceiver$")
			if strings.HasPrefix(c.mode, "c,") {
				cmd = exec.Command(floorC(t), ln.Addr().(*net.TCPAddr).AddrPort().String())
			}
			cmd.Env = append(os.Environ(), "PARLEY_FLOOR_RECV="+c.mode, "PARLEY_FLOOR_ADDR="+ln.Addr().String(),
				"PARLEY_FLOOR_FILE="+filepath.Join(t.TempDir(), "log"), "GOMAXPROCS="+procs)
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Wait()
			conn, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(c.mode, "tls") {
				tc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{cert}})
				if err := tc.Handshake(); err != nil {
					t.Fatal(err)
				}
				conn = tc
			}
			defer conn.Close()
			pid := cmd.Process.Pid
			send := func(rate int, d time.Duration) {
				tick := time.NewTicker(time.Second / time.Duration(rate))
				defer tick.Stop()
				for end := time.Now().Add(d); time.Now().Before(end); {
					<-tick.C
					if _, err := io.WriteString(conn, floorStanza); err != nil {
						t.Fatal(err)
					}
				}
			}
			send(steadyRate, 2*time.Second)
			before, start := cpuOf(t, pid), time.Now()
			if strings.Contains(c.mode, "flood") {
				send(floorFloodRate, time.Second*floodSize/floorFloodRate)
				report(t, "floor_"+c.name+"_cpu", cpuOf(t, pid)-before, "s")
				return
			}
			send(steadyRate, steadyFor)
			cpu := cpuOf(t, pid) - before
			report(t, "floor_"+c.name+"_cpu_per_s", cpu*1000/time.Since(start).Seconds(), "ms")
		})
	}
}

// TestWakeFloorReceiver is TestWakeFloor's receiver; it does nothing
// unless PARLEY_FLOOR_RECV says how to receive.
func TestWakeFloorReceiver(t *testing.T) {
	mode := os.Getenv("PARLEY_FLOOR_RECV")
	if mode == "" {
		t.Skip("the receiver of TestWakeFloor")
	}
	conn, err := net.Dial("tcp", os.Getenv("PARLEY_FLOOR_ADDR"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(mode, "tls") {
		conn = tls.Client(conn, &tls.Config{InsecureSkipVerify: true})
	}
	var store *bufio.Writer
	var f *os.File
	if strings.Contains(mode, "store") {
		f, err = os.Create(os.Getenv("PARLEY_FLOOR_FILE"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		store = bufio.NewWriterSize(f, 4096)
	}
	buf := make([]byte, 4096)
	for {
		n, err := conn.Read(buf)
		if store != nil && n > 0 {
			store.Write(buf[:n])
			store.WriteByte('\n')
			store.Flush() // one write(2) a message, as history does
		}
		if err != nil {
			return
		}
	}
}

// floorReceiverC is the floor's receiver in C (plain TCP): the same
// loop without Go's runtime, for the part of the floor that is the
// machine's (a wake-up, a read) and not Go's.
const floorReceiverC = `#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
	char host[64], buf[4096];
	strncpy(host, argv[1], sizeof host - 1);
	host[sizeof host - 1] = 0;
	char *colon = strrchr(host, ':');
	*colon = 0;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(colon + 1))};
	inet_pton(AF_INET, host, &a.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); return 1; }
	while (read(fd, buf, sizeof buf) > 0) {}
	return 0;
}
`

// floorC builds floorReceiverC, or skips the case without gcc.
func floorC(t *testing.T) string {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed")
	}
	dir := t.TempDir()
	src, bin := filepath.Join(dir, "recv.c"), filepath.Join(dir, "recv")
	if err := os.WriteFile(src, []byte(floorReceiverC), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gcc", "-O2", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return bin
}
