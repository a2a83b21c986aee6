package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/internal/servertest"
)

// TestCertificatePrompt drives the real binary in tmux: an account whose
// server certificate does not verify (no ca_file for the test CA) stops
// with the prompt; letters typed do nothing; Right Right Enter trusts
// always: the pin is written (0600) and the account goes online; /tls
// show says it is pinned; after a restart it logs in without asking; /tls
// revoke removes the pin.
func TestCertificatePrompt(t *testing.T) { servertest.Each(t, testCertificatePrompt) }

func testCertificatePrompt(t *testing.T, kind servertest.Kind) {
	tmuxOrSkip(t)
	s := servertest.Start(t, kind)
	s.AddUser(t, "me", "me-secret")
	home := t.TempDir()
	cfg := filepath.Join(home, "parley.toml")
	writeConfig(t, cfg, fmt.Sprintf(`history_dir = %q
[[account]]
jid = "me@localhost"
password = "me-secret"
host = %q
port = %d
`, filepath.Join(home, "history"), s.Host, s.Port))
	pins := filepath.Join(home, "data", "parley", "tls-pins")

	tm := startTmux(t, home, bin, "-c", cfg)
	tm.waitFor("the prompt", "certificate not trusted")
	tm.waitFor("the reason", "issuer:  CN=parley servertest CA")
	tm.keys("a", "y")
	tm.keys("Right", "Right")
	tm.waitFor("always chosen", "[>Trust always<]")
	if _, err := os.Stat(pins); err == nil {
		t.Fatal("a pin was written before Enter")
	}
	tm.keys("Enter")
	tm.waitFor("online", "[me@localhost: online]")
	st, err := os.Stat(pins)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("pin file: %v, %v; want mode 0600", st, err)
	}
	data, _ := os.ReadFile(pins)
	var fp string
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 3 && f[0] == "localhost" {
			fp = f[1]
		}
	}
	if len(fp) != 95 {
		t.Fatalf("pin file holds %q", data)
	}
	tm.typeLine("/tls show")
	tm.waitFor("/tls show", "trust:   pinned (/tls trusted)")
	tm.typeLine("/quit")
	if code := tm.exitCode(10 * time.Second); code != 0 {
		t.Errorf("parley exited with status %d", code)
	}

	tm = startTmux(t, home, bin, "-c", cfg)
	tm.waitFor("online with the pin", "[me@localhost: online]")
	if strings.Contains(tm.capture(), "certificate not trusted") {
		t.Error("asked again about a pinned certificate")
	}
	tm.typeLine("/tls revoke " + fp[:23])
	tm.waitFor("revoked", "revoked the pin of localhost")
	if data, _ := os.ReadFile(pins); strings.Contains(string(data), fp) {
		t.Errorf("revoked pin still in the file: %q", data)
	}
	tm.typeLine("/quit")
	if code := tm.exitCode(10 * time.Second); code != 0 {
		t.Errorf("parley exited with status %d", code)
	}
}
