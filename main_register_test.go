package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"parley/config"
)

// TestSavePasswordNotes: /passwd's config side says where the password
// went: into the file, or nowhere for password_eval (the user must update
// the store), or why not.
func TestSavePasswordNotes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	text := "[[account]]\njid = \"a@example.org\"\npassword = \"old\"\n\n[[account]]\njid = \"b@example.org\"\npassword_eval = \"pass show b\"\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	save := savePassword(path)
	if note, err := save(jid.MustParse("a@example.org"), "new"); err != nil || !strings.Contains(note, "saved in "+path) {
		t.Errorf("a: %q, %v", note, err)
	}
	if note, err := save(jid.MustParse("b@example.org"), "new"); err != nil || !strings.Contains(note, "password_eval") {
		t.Errorf("b: %q, %v", note, err)
	}
	if _, err := save(jid.MustParse("c@example.org"), "new"); err == nil {
		t.Error("an account not in the file: no error")
	}
	c, err := config.Load(path)
	if err != nil || c.Accounts[0].Password != "new" || c.Accounts[1].PasswordEval != "pass show b" {
		t.Fatalf("%+v %v", c, err)
	}

	// /register's account goes after the others, with the CA of the
	// account on the same server.
	cfg := &config.Config{Path: path, Accounts: c.Accounts}
	if note, err := saveAccount(cfg)(jid.MustParse("n@example.org"), "pw", "127.0.0.1", 5222); err != nil || !strings.Contains(note, "next start") {
		t.Fatalf("%q %v", note, err)
	}
	if c, err := config.Load(path); err != nil || len(c.Accounts) != 3 || c.Accounts[2].Host != "127.0.0.1" {
		t.Fatalf("%+v %v", c, err)
	}
}
