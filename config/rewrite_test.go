package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"
)

const twoAccounts = "# my parley\r\n" +
	"history_dir = \"/tmp/h\"   # where\n" +
	"\n" +
	"[[account]]\n" +
	"jid = \"a@example.org\"\n" +
	"password = \"old \\\"a\\\"\"\n" +
	"\n" +
	"[[account]]   # the second\n" +
	"  jid = 'b@example.org'\n" +
	"  \"password\"\t=  'it\"s # x'   # not a comment in the value: 'x'\n" +
	"  nick = \"Bee\"\n"

func TestSetPassword(t *testing.T) {
	tests := []struct {
		name, acct, pw string
		old, new       string // the text replaced and its replacement
	}{
		{"basic string", "a@example.org", "n€w \"q\" \\ \t", `"old \"a\""`, `"n€w \"q\" \\ \t"`},
		{"literal string, quoted key", "b@example.org", "x'y", `'it"s # x'`, `"x'y"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, twoAccounts, 0o600)
			if err := SetPassword(path, jid.MustParse(tt.acct+"/res"), tt.pw); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(path)
			want := strings.Replace(twoAccounts, tt.old, tt.new, 1)
			if string(data) != want {
				t.Errorf("file\n%q\nwant\n%q", data, want)
			}
			c, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range c.Accounts {
				if a.JID.String() == tt.acct && a.Password != tt.pw {
					t.Errorf("password %q, want %q", a.Password, tt.pw)
				}
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v", fi.Mode())
			}
			if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
				t.Errorf("files left beside the config: %v", ents)
			}
		})
	}
}

// TestSetPasswordSymlink: a config that is a symbolic link (dotfiles)
// stays one; its target is rewritten, mode 0600.
func TestSetPasswordSymlink(t *testing.T) {
	target := writeConfig(t, twoAccounts, 0o400)
	link := filepath.Join(t.TempDir(), "config.toml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := SetPassword(link, jid.MustParse("a@example.org"), "new"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi, err)
	}
	c, err := Load(link)
	if err != nil || c.Accounts[0].Password != "new" {
		t.Fatalf("%+v %v", c, err)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
}

// TestSetPasswordRefused: what SetPassword does not rewrite stays as it
// was, byte for byte.
func TestSetPasswordRefused(t *testing.T) {
	tests := []struct {
		name, text, acct, want string
		is                     error
	}{
		{"password_eval", "[[account]]\njid = \"a@example.org\"\npassword_eval = \"pass show x\"\n", "a@example.org", "", ErrPasswordEval},
		{"multi-line", "[[account]]\njid = \"a@example.org\"\npassword = \"\"\"pw\"\"\"\n", "a@example.org", "multi-line", nil},
		{"inline", "account = [{ jid = \"a@example.org\", password = \"pw\" }]\n", "a@example.org", "change it by hand", nil},
		{"gone", "[[account]]\njid = \"a@example.org\"\npassword = \"pw\"\n", "z@example.org", "no longer has", nil},
		{"broken", "[[account]]\njid = \"a@example.org\"\npassword = \"pw\"\nbogus = 1\n", "a@example.org", "no longer loads", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.text, 0o600)
			err := SetPassword(path, jid.MustParse(tt.acct), "new")
			if err == nil || tt.is != nil && !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v", err)
			}
			if data, _ := os.ReadFile(path); string(data) != tt.text {
				t.Errorf("file changed: %q", data)
			}
		})
	}
}

// TestAddAccount: the new account is appended and loads; the bytes before
// it stay; a second time, or to a broken file, nothing changes.
func TestAddAccount(t *testing.T) {
	path := writeConfig(t, twoAccounts[:len(twoAccounts)-1], 0o600) // no final newline
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, []byte(testCertPEM(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	a := Account{JID: jid.MustParse("new@example.net"), Password: "p \"w\"", Host: "127.0.0.1", Port: 15222, TLS: TLSStartTLS, CAFile: ca}
	if err := AddAccount(path, a); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(data), twoAccounts) || !strings.Contains(string(data), "# Created with /register.") {
		t.Errorf("file:\n%s", data)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Accounts) != 3 || c.Accounts[2].JID.String() != "new@example.net" || c.Accounts[2].Password != a.Password || c.Accounts[2].Port != 15222 || c.Accounts[2].Nick != "new" {
		t.Errorf("accounts %+v", c.Accounts)
	}
	if err := AddAccount(path, a); err == nil || !strings.Contains(err.Error(), "already has") {
		t.Errorf("second time: %v", err)
	}
	if again, _ := os.ReadFile(path); string(again) != string(data) {
		t.Error("the file changed")
	}
}
