package e2e

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/config"
	"parley/internal/servertest"
)

// TestRegisterSetupPasswdUnregister is the life of an account made by
// parley: the first-run setup creates it in band (the server's form asked
// in the terminal, the password not echoed), logs in and writes the
// config; /passwd changes the password on the server and in the config
// (0600, every other line as it was), after which a fresh login works
// with the new password and fails with the old; /unregister deletes the
// account, after which logins fail.
func TestRegisterSetupPasswdUnregister(t *testing.T) {
	servertest.Each(t, testRegisterSetupPasswdUnregister)
}

func testRegisterSetupPasswdUnregister(t *testing.T, kind servertest.Kind) {
	tmuxOrSkip(t)
	s := servertest.Start(t, kind, servertest.WithRegistration())
	home := t.TempDir()
	tm := startTmux(t, home, bin)
	tm.answer(createSteps(s)...)
	tm.answer(step{"Username", "fresh"}, step{"Password", "first-secret"}, step{"The same password again", "first-secret"})
	tm.waitFor("created", "Created fresh@localhost.")
	tm.waitFor("online", "[fresh@localhost: online]")
	if strings.Contains(tm.capture(), "first-secret") {
		t.Error("the password was echoed")
	}
	me := jid.MustParse("fresh@localhost")
	path := filepath.Join(home, "config", "parley", "config.toml")
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil || cfg.Accounts[0].JID.String() != me.String() || cfg.Accounts[0].Password != "first-secret" {
		t.Fatalf("written config %+v, %v", cfg, err)
	}

	tm.typeLine("/passwd")
	tm.waitFor("the question", "New password for fresh@localhost")
	tm.typeLine("second-secret")
	tm.waitFor("the second question", "The new password again")
	tm.typeLine("second-secret")
	tm.waitFor("the change", "changed on the server; saved in")
	if strings.Contains(tm.capture(), "second-secret") {
		t.Error("the new password was drawn")
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(string(before), `password = "first-secret"`, `password = "second-secret"`, 1); string(after) != want {
		t.Errorf("config after /passwd:\n%s\nwant:\n%s", after, want)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v", fi.Mode())
	}
	if err := login(t, s, me, "second-secret"); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
	if err := login(t, s, me, "first-secret"); err == nil {
		t.Error("login with the old password works")
	}

	tm.typeLine("/unregister")
	tm.waitFor("the confirmation", "Type fresh@localhost to delete it")
	tm.typeLine("fresh@localhost")
	tm.waitFor("the removal", "was deleted from the server")
	if err := login(t, s, me, "second-secret"); err == nil {
		t.Error("login after /unregister works")
	}
	tm.typeLine("/quit")
	if code := tm.exitCode(10 * time.Second); code != 0 {
		t.Errorf("parley exited with status %d", code)
	}
}

// TestRegisterWebOnly: a server that creates accounts only on a web page
// is reported with the page's address, and setup goes on with an existing
// account.
func TestRegisterWebOnly(t *testing.T) { servertest.Each(t, testRegisterWebOnly) }

func testRegisterWebOnly(t *testing.T, kind servertest.Kind) {
	tmuxOrSkip(t)
	s := servertest.Start(t, kind, servertest.WithRegistrationURL("https://example.org/signup"))
	s.AddUser(t, "me", "me-secret")
	home := t.TempDir()
	tm := startTmux(t, home, bin)
	tm.answer(createSteps(s)...)
	tm.waitFor("the page", "localhost creates accounts only on a web page: https://example.org/signup")
	tm.answer(step{"[u]se an existing account, [o]ther server, or [q]uit?", "u"}, step{"Your XMPP address", "me@localhost"}, step{"Password", "me-secret"})
	tm.answer(step{"Server host", ""}, step{"TLS:", ""}, step{"Port", ""}, step{"CA certificate file", ""}) // the answers given before
	tm.waitFor("online", "[me@localhost: online]")
	tm.typeLine("/quit")
	if code := tm.exitCode(10 * time.Second); code != 0 {
		t.Errorf("parley exited with status %d", code)
	}
}

// createSteps choose to create an account on s.
func createSteps(s *servertest.Server) []step {
	return []step{
		{"[c]reate a new one on a server?", "c"},
		{"Server to create the account on", s.Domain},
		{"Server host", s.Host},
		{"TLS:", ""},
		{"Port [5222]:", strconv.Itoa(s.Port)},
		{"CA certificate file", s.CAFile},
	}
}

// login logs in once as j with pass and says why it could not.
func login(t *testing.T, s *servertest.Server, j jid.JID, pass string) error {
	t.Helper()
	res := make(chan account.StateEvent, 8)
	a := account.New(account.Config{JID: j, Password: func(context.Context) (string, error) { return pass, nil },
		Host: s.Host, Port: s.Port, CAFile: s.CAFile, Resource: "check"}, func(e account.Event) {
		if se, ok := e.(account.StateEvent); ok && se.State != account.Connecting {
			select {
			case res <- se:
			default:
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go a.Run(ctx)
	defer a.Close(ctx)
	select {
	case se := <-res:
		if se.State == account.Online {
			return nil
		}
		return errors.New(se.Text)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestRegisterCommand runs /register in the real binary: the server's form
// opens in a form window, the new account is created, added to the config
// file (the bytes before it untouched, 0600) and logs in.
func TestRegisterCommand(t *testing.T) { servertest.Each(t, testRegisterCommand) }

func testRegisterCommand(t *testing.T, kind servertest.Kind) {
	tmuxOrSkip(t)
	s := servertest.Start(t, kind, servertest.WithRegistration())
	s.AddUser(t, "me", "me-secret")
	home := t.TempDir()
	cfgPath := meConfig(t, s, home, "")
	before, _ := os.ReadFile(cfgPath)
	tm := startTmux(t, home, bin, "-c", cfgPath)
	tm.waitFor("online", "[me@localhost: online]")
	tm.typeLine("/register localhost " + s.Addr()) // the CA of me@localhost is trusted
	tm.waitFor("the form", "Username")
	tm.run("send-keys", "-t", "e2e", "-l", "third")
	tm.run("send-keys", "-t", "e2e", "Enter", "Tab")
	tm.run("send-keys", "-t", "e2e", "-l", "third-pw")
	tm.run("send-keys", "-t", "e2e", "Enter", "C-s")
	tm.waitFor("created", "the account third@localhost was created")
	tm.waitFor("saved", "connects at the next start")
	if strings.Contains(tm.capture(), "third-pw") {
		t.Error("the password was drawn")
	}
	after, _ := os.ReadFile(cfgPath)
	if !strings.HasPrefix(string(after), string(before)) {
		t.Errorf("the config's first bytes changed:\n%s", after)
	}
	c, err := config.Load(cfgPath)
	if err != nil || len(c.Accounts) != 2 || c.Accounts[1].JID.String() != "third@localhost" || c.Accounts[1].CAFile != s.CAFile {
		t.Fatalf("config %+v, %v", c, err)
	}
	if err := login(t, s, c.Accounts[1].JID, c.Accounts[1].Password); err != nil || c.Accounts[1].Password != "third-pw" {
		t.Errorf("login as the new account: %v", err)
	}
	tm.typeLine("/quit")
	if code := tm.exitCode(10 * time.Second); code != 0 {
		t.Errorf("parley exited with status %d", code)
	}
}
