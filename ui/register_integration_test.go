package ui

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/config"
	"parley/internal/servertest"
)

// TestIntegrationPasswdUnregister runs /passwd and /unregister in a UI on
// a real account: the new password is asked twice and never drawn, the
// server takes it, the config file's password is rewritten (0600, every
// other byte kept) and a fresh login works with it and not with the old
// one; /unregister asks for the address, a wrong one deletes nothing, the
// right one deletes the account (then logins fail).
func TestIntegrationPasswdUnregister(t *testing.T) {
	servertest.Each(t, testIntegrationPasswdUnregister)
}

func testIntegrationPasswdUnregister(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind, servertest.WithRegistration())
	alice := s.AddUser(t, "alice", "old-pw")
	text := "# mine\n[[account]]\njid = \"alice@" + s.Domain + "\"   # me\npassword = \"old-pw\" # keep private\nnick = \"Al\"\n"
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}

	var u *UI
	online := make(chan struct{}, 8)
	cfg := account.Config{JID: alice, Password: func(context.Context) (string, error) { return "old-pw", nil },
		Host: s.Host, Port: s.Port, CAFile: s.CAFile, Resource: "parley"}
	acct := account.New(cfg, func(e account.Event) {
		if se, ok := e.(account.StateEvent); ok && se.State == account.Online {
			online <- struct{}{}
		}
		u.Post(e)
	})
	scr := tcell.NewSimulationScreen("UTF-8")
	u = New(Options{Screen: scr, Accounts: []Account{acct}, RosterWidth: 26,
		SavePassword: func(j jid.JID, pw string) (string, error) {
			return "saved in the file", config.SetPassword(path, j, pw)
		}})
	u.loc = time.UTC
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, u: u, scr: scr, done: make(chan error, 1), stop: cancel}
	go func() { h.done <- u.Run(ctx) }()
	go acct.Run(ctx)
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer ccancel()
		acct.Close(cctx)
		h.close()
	})
	h.sync(func() { scr.SetSize(120, 20) })
	select {
	case <-online:
	case <-time.After(30 * time.Second):
		t.Fatal("account not online")
	}
	h.waitScreen("online")

	h.typeText("draft") // it waits below the questions
	h.inputIs("draft")
	h.sync(func() { h.u.runCommand(h.u.curWin(), "passwd") })
	h.waitScreen("New password for alice@" + s.Domain)
	h.typeText("n3w sécret")
	h.waitScreen("**********")
	if strings.Contains(h.text(), "n3w") {
		t.Fatalf("the password is drawn:\n%s", h.text())
	}
	h.key(tcell.KeyEnter, 0, 0)
	h.waitScreen("The new password again")
	h.typeText("n3w sécret")
	h.key(tcell.KeyEnter, 0, 0)
	h.waitScreen("changed on the server; saved in the file")
	h.inputIs("draft")
	h.waitFor("no password in the input history", func() bool {
		for _, l := range h.u.input.hist {
			if strings.Contains(l, "n3w") {
				return false
			}
		}
		return true
	})
	data, _ := os.ReadFile(path)
	if want := strings.Replace(text, `"old-pw"`, `"n3w sécret"`, 1); string(data) != want {
		t.Errorf("config\n%q\nwant\n%q", data, want)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v", fi.Mode())
	}
	c, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := loginCheck(t, s, alice, c.Accounts[0].Password); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
	if err := loginCheck(t, s, alice, "old-pw"); err == nil {
		t.Error("login with the old password works")
	}

	// A typing slip: the second entry differs, nothing changes.
	h.sync(func() { h.u.runCommand(h.u.curWin(), "passwd") })
	h.waitScreen("New password for")
	h.enter("a")
	h.waitScreen("The new password again")
	h.enter("b")
	h.waitScreen("the two passwords differ: nothing changed")

	h.sync(func() { h.u.runCommand(h.u.curWin(), "unregister") })
	h.waitScreen("Type alice@" + s.Domain + " to delete it")
	h.enter("alice@" + s.Domain + "x")
	h.waitScreen("not confirmed: nothing deleted")
	h.sync(func() { h.u.runCommand(h.u.curWin(), "unregister") })
	h.waitScreen("Type alice@" + s.Domain + " to delete it")
	h.enter("alice@" + s.Domain)
	h.waitScreen("was deleted from the server and is offline")
	if err := loginCheck(t, s, alice, c.Accounts[0].Password); err == nil {
		t.Error("login after /unregister works")
	}
}

// loginCheck logs in once as j with pass and reports why it could not.
func loginCheck(t *testing.T, s *servertest.Server, j jid.JID, pass string) error {
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
		return &loginErr{se.Text}
	case <-ctx.Done():
		return ctx.Err()
	}
}

type loginErr struct{ text string }

func (e *loginErr) Error() string { return e.text }

// TestIntegrationRegisterCommand: /register SERVER HOST:PORT opens the
// server's registration form in a form window (the password drawn
// masked); submitting creates the account (a login then works); the same
// name again is refused in the window, in words; a server that creates
// accounts only on a web page is said so with the address.
func TestIntegrationRegisterCommand(t *testing.T) { servertest.Each(t, testIntegrationRegisterCommand) }

func testIntegrationRegisterCommand(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind, servertest.WithRegistration())
	web := servertest.Start(t, kind, servertest.WithRegistrationURL("https://example.org/signup"))
	var asked []string
	h := startUIPrep(t, 110, 30, func(u *UI) {
		u.opts.Register = func(ctx context.Context, server jid.JID, host string, port int) (Registration, error) {
			asked = append(asked, server.String()+" "+host+":"+strconv.Itoa(port))
			ca := s.CAFile
			if port == web.Port {
				ca = web.CAFile
			}
			r, err := account.Register(ctx, account.Config{JID: server, Host: host, Port: port, CAFile: ca})
			if err != nil {
				return nil, err
			}
			return r, nil
		}
	}, newFake("me@example.org"))

	open := func() {
		t.Helper()
		h.run("register " + s.Domain + " " + s.Addr())
		h.waitFor("the form window", func() bool { return h.u.curWin().kind == winForm })
		h.screenHas("Username")
	}
	open()
	h.typeText("signup") // a letter on a text field starts editing it
	h.key(tcell.KeyEnter, 0, 0)
	h.key(tcell.KeyTab, 0, 0)
	h.typeText("pw9 x")
	h.key(tcell.KeyEnter, 0, 0)
	if strings.Contains(h.text(), "pw9") {
		t.Fatalf("the password is drawn:\n%s", h.text())
	}
	h.key(tcell.KeyCtrlS, 0, 0)
	h.screenHas("the account signup@" + s.Domain + " was created")
	if err := loginCheck(t, s, jid.MustParse("signup@"+s.Domain), "pw9 x"); err != nil {
		t.Errorf("login as the new account: %v", err)
	}
	h.key(tcell.KeyEscape, 0, 0)
	h.waitFor("the window closed", func() bool { return h.u.curWin().kind != winForm })

	open()
	h.typeText("signup")
	h.key(tcell.KeyEnter, 0, 0)
	h.key(tcell.KeyTab, 0, 0)
	h.typeText("other")
	h.key(tcell.KeyEnter, 0, 0)
	h.key(tcell.KeyCtrlS, 0, 0)
	h.screenHas("that username is taken")
	h.key(tcell.KeyEscape, 0, 0)
	h.waitFor("the window closed", func() bool { return h.u.curWin().kind != winForm })

	h.run("register " + web.Domain + " " + web.Addr())
	h.screenHas("creates accounts only on a web page: https://example.org/signup")
	if len(asked) != 3 || asked[0] != s.Domain+" "+s.Addr() {
		t.Errorf("asked %q", asked)
	}
	h.run("register not@a.server")
	h.screenHas("is not a server's domain")
}
