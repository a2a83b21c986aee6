package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"parley/config"
	"parley/internal/servertest"
)

// TestFirstRunSetup starts the real binary with no config file: it asks for
// the account in the terminal, logs in to check the answers, writes a
// private config file and goes on to the client, online.
func TestFirstRunSetup(t *testing.T) { servertest.Each(t, testFirstRunSetup) }

func testFirstRunSetup(t *testing.T, kind servertest.Kind) {
	tmuxOrSkip(t)
	s := servertest.Start(t, kind)
	s.AddUser(t, "me", "me-secret")
	home := t.TempDir()

	tm := startTmux(t, home, bin)
	tm.answer(setupSteps(s, s.CAFile)...)
	tm.waitFor("online", "[me@localhost: online]")
	if strings.Contains(tm.capture(), "me-secret") {
		t.Error("the password was echoed")
	}

	path := filepath.Join(home, "config", "parley", "config.toml")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("config file mode %v, want 0600", fi.Mode().Perm())
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("the written config does not load: %v", err)
	}
	if a := cfg.Accounts[0]; a.JID.String() != "me@localhost" || a.Password != "me-secret" || a.Port != s.Port || a.CAFile != s.CAFile {
		t.Errorf("written account %+v", a)
	}
	tm.typeLine("/quit")
	if code := tm.exitCode(10 * time.Second); code != 0 {
		t.Errorf("parley exited with status %d", code)
	}
}

// TestFirstRunTrustCertificate: a server whose certificate parley cannot
// verify (here the private CA of the test server, which parley is not
// told about): setup shows the certificate, the user trusts it, parley
// pins it (the pin file of /tls, 0600; no ca_file) and logs in with it.
func TestFirstRunTrustCertificate(t *testing.T) { servertest.Each(t, testFirstRunTrustCertificate) }

func testFirstRunTrustCertificate(t *testing.T, kind servertest.Kind) {
	tmuxOrSkip(t)
	s := servertest.Start(t, kind)
	s.AddUser(t, "me", "me-secret")
	home := t.TempDir()

	tm := startTmux(t, home, bin)
	tm.answer(append(setupSteps(s, ""), step{"[t]rust this certificate", "t"})...)
	tm.waitFor("online", "[me@localhost: online]")
	path := filepath.Join(home, "config", "parley", "config.toml")
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("the written config does not load: %v", err)
	}
	if a := cfg.Accounts[0]; a.CAFile != "" {
		t.Errorf("ca_file %q, want none: the certificate is pinned", a.CAFile)
	}
	pins := filepath.Join(home, "data", "parley", "tls-pins")
	if fi, err := os.Stat(pins); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("pin file: %v, %v", fi, err)
	}
	if data, _ := os.ReadFile(pins); !strings.Contains(string(data), "\nlocalhost ") {
		t.Errorf("pin file holds %q", data)
	}
	tm.typeLine("/tls trusted")
	tm.waitFor("the pin listed", "1 pinned certificate(s)")
	tm.typeLine("/quit")
	if code := tm.exitCode(10 * time.Second); code != 0 {
		t.Errorf("parley exited with status %d", code)
	}
}

// step is a question of the first-run setup and the answer typed.
type step struct{ prompt, answer string }

// setupSteps are the answers to the setup's questions for me@localhost on
// s, with caFile as the CA certificate file.
func setupSteps(s *servertest.Server, caFile string) []step {
	return []step{
		{"[c]reate a new one on a server?", "u"},
		{"Your XMPP address", "me@localhost"},
		{"Password", "me-secret"},
		{"Server host", s.Host},
		{"TLS:", ""},
		{"Port [5222]:", strconv.Itoa(s.Port)},
		{"CA certificate file", caFile},
	}
}

// answer waits for each prompt and types its answer.
func (tm *tmux) answer(steps ...step) {
	tm.t.Helper()
	for _, st := range steps {
		tm.waitFor(st.prompt, st.prompt)
		tm.typeLine(st.answer)
	}
}
