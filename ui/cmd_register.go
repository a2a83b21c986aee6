package ui

import (
	"context"
	"errors"
	"strings"

	"parley/account"
)

// RegisterAccount changes an account's password on its server or deletes
// the account there (in-band registration, XEP-0077; account.Account). The
// methods wait on the network: the UI calls them off the tview goroutine.
type RegisterAccount interface {
	ChangePassword(ctx context.Context, password string) error
	Unregister(ctx context.Context) error
}

// registerCommands are the rows of /passwd and /unregister.
func registerCommands() []command {
	return []command{
		{name: "passwd", usage: "[-a ACCOUNT]", help: "change the account's password on the server (XEP-0077): the new one is asked twice, not shown; the config file's password is rewritten too (the rest of the file untouched); with password_eval only the server's changes and parley says so; reconnects use the new one", acct: true, run: cmdPasswd},
		signupCommands()[0], // ui/cmd_signup.go
		{name: "unregister", usage: "[-a ACCOUNT]", help: "delete the account from the server (XEP-0077) once you type its address to confirm, then log it out; its config entry and history stay", acct: true, run: cmdUnregister},
	}
}

// registerAcct returns the online account of c that can do it.
func (u *UI) registerAcct(c *call) (*acctState, RegisterAccount, error) {
	a, err := u.pickAcct(c)
	if err != nil {
		return nil, nil, err
	}
	ra, ok := a.a.(RegisterAccount)
	if !ok {
		return nil, nil, errors.New("account " + a.name + " cannot do that")
	}
	if a.state != account.Online {
		return nil, nil, errors.New("account " + a.name + " is not online: /connect it first")
	}
	return a, ra, nil
}

func cmdPasswd(u *UI, c *call) error {
	a, ra, err := u.registerAcct(c)
	if err != nil {
		return err
	}
	w := c.win
	cancelled := func() { u.info(w, false, "password change cancelled: nothing changed") }
	u.askLine("New password for "+a.name+" (Esc cancels): ", true, func(first string) {
		if first == "" {
			cancelled()
			return
		}
		u.askLine("The new password again: ", true, func(again string) {
			if again != first {
				u.info(w, true, "the two passwords differ: nothing changed")
				return
			}
			u.info(w, false, "changing the password of "+a.name+" …")
			go u.changePassword(w, a, ra, first)
		}, cancelled)
	}, cancelled)
	return nil
}

// changePassword changes it on the server, then in the config file, off
// the tview goroutine, and says how it went in w.
func (u *UI) changePassword(w *window, a *acctState, ra RegisterAccount, password string) {
	ctx, cancel := context.WithTimeout(u.ctx, requestTimeout)
	defer cancel()
	err := ra.ChangePassword(ctx, password)
	note, saveErr := "", error(nil)
	if err == nil && u.opts.SavePassword != nil {
		note, saveErr = u.opts.SavePassword(a.jid, password)
	}
	u.postFunc(func() {
		w := u.openOr(w)
		switch {
		case err != nil:
			u.info(w, true, a.name+": "+err.Error())
		case saveErr != nil:
			u.info(w, true, "the password of "+a.name+" changed on the server, but the config file was not rewritten: "+saveErr.Error()+"; put the new password there by hand")
		case note != "":
			u.info(w, false, "the password of "+a.name+" changed on the server; "+note)
		default:
			u.info(w, false, "the password of "+a.name+" changed on the server")
		}
	})
}

func cmdUnregister(u *UI, c *call) error {
	a, ra, err := u.registerAcct(c)
	if err != nil {
		return err
	}
	w := c.win
	want := a.jid.String()
	u.info(w, true, "this deletes the account "+a.name+" from its server, with its contacts and whatever the server keeps of it; it cannot be undone")
	u.askLine("Type "+a.name+" to delete it (Esc cancels): ", false, func(typed string) {
		if strings.TrimSpace(typed) != want {
			u.info(w, false, "not confirmed: nothing deleted")
			return
		}
		u.info(w, false, "deleting "+a.name+" from the server …")
		go func() {
			ctx, cancel := context.WithTimeout(u.ctx, requestTimeout)
			defer cancel()
			err := ra.Unregister(ctx)
			u.postFunc(func() {
				w := u.openOr(w)
				if err != nil {
					u.info(w, true, a.name+": "+err.Error())
					return
				}
				u.info(w, false, a.name+" was deleted from the server and is offline; remove its [[account]] from the config file")
			})
		}()
	}, func() { u.info(w, false, "not confirmed: nothing deleted") })
	return nil
}

// openOr returns w, or the console when w was closed meanwhile: where the
// answer of a request goes.
func (u *UI) openOr(w *window) *window {
	if u.isOpen(w) {
		return w
	}
	return u.console()
}
