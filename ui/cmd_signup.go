package ui

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync/atomic"

	"mellium.im/xmpp/jid"

	"parley/forms"
	"parley/register"
	"parley/sanitize"
)

// Registration is an open in-band registration with a server
// (account.Registration, XEP-0077): the server's answer, the submission
// of its form, the end of the stream. Submit waits on the network.
type Registration interface {
	Answer() *register.Query
	Submit(ctx context.Context, f *forms.Form) error
	Close() error
}

// Registrar opens an in-band registration with server (a bare domain), at
// host and port when host is not "" (else by DNS). It waits on the
// network: the UI calls it off the tview goroutine.
type Registrar func(ctx context.Context, server jid.JID, host string, port int) (Registration, error)

// signupCommands is the row of /register.
func signupCommands() []command {
	return []command{
		{name: "register", usage: "SERVER [HOST[:PORT]]", help: "create an account on SERVER (in-band registration, XEP-0077): its registration form opens in a form window (Tab moves, a letter edits, Ctrl-S submits, Esc cancels); a server that creates accounts only on a web page says so with the address; HOST[:PORT] connects there instead of finding the server by DNS. The new account is added to the config file (the rest of it untouched) and connects at the next start", min: 1, max: 2, run: cmdRegister},
	}
}

func cmdRegister(u *UI, c *call) error {
	if u.opts.Register == nil {
		return errors.New("this parley cannot create accounts")
	}
	server, err := jid.Parse(c.args[0])
	if err != nil || server.Localpart() != "" || server.Resourcepart() != "" {
		return errorf("%q is not a server's domain (like example.org)", c.args[0])
	}
	host, port := "", 0
	if len(c.args) > 1 {
		h, p, err := net.SplitHostPort(c.args[1])
		if err != nil { // no port
			h, p = c.args[1], "5222"
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 || h == "" || strings.ContainsAny(h, " /") {
			return errorf("%q is not HOST or HOST:PORT", c.args[1])
		}
		host, port = h, n
	}
	w := c.win
	name := sanitize.Text(server.String())
	u.info(w, false, "asking "+name+" for its registration form …")
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, requestTimeout)
		defer cancel()
		reg, err := u.opts.Register(ctx, server, host, port)
		u.postFunc(func() {
			w := u.openOr(w)
			if err != nil {
				u.info(w, true, name+": "+sanitize.Text(err.Error()))
				return
			}
			u.showSignup(w, name, server, reg, host, port)
		})
	}()
	return nil
}

// showSignup opens the registration form, or says why there is none.
func (u *UI) showSignup(w *window, name string, server jid.JID, reg Registration, host string, port int) {
	q := reg.Answer()
	switch {
	case q.CAPTCHA() || q.WebOnly() || q.Registered:
		go reg.Close()
		line := name + " creates accounts only on a web page"
		switch {
		case q.URL != "":
			line += ": " + sanitize.Text(q.URL)
		case q.BadURL:
			line += " (parley refused the address it gave: not an http, https or xmpp URL)"
		}
		if q.CAPTCHA() {
			line += " (its form asks for a CAPTCHA, which parley cannot show)"
		} else if q.Instructions != "" {
			line += " (" + sanitize.Truncate(sanitize.Text(q.Instructions), 300) + ")"
		}
		u.info(w, true, line)
		return
	}
	var closed atomic.Bool // submitted: the stream is closed (the submit runs off the tview goroutine)
	page := &formPage{title: "register on " + server.String(), form: q.Fill()}
	u.openFormPage(nil, page, func(ctx context.Context, _ string, f *forms.Form) (*formPage, error) {
		if err := reg.Submit(ctx, f); err != nil {
			return nil, err
		}
		closed.Store(true)
		_ = reg.Close()
		user, pw := register.Credentials(f)
		me := user + "@" + server.String()
		notes := []formNote{{kind: "info", text: "the account " + me + " was created"}}
		j, jerr := jid.New(user, server.Domainpart(), "")
		switch {
		case u.opts.SaveAccount == nil || jerr != nil || pw == "":
			notes = append(notes, formNote{kind: "info", text: "to use it, add to the config file an [[account]] with jid = \"" + me + "\" and its password (or password_eval), then start parley again"})
		default:
			if note, err := u.opts.SaveAccount(j, pw, host, port); err != nil {
				notes = append(notes, formNote{kind: "warn", text: "it was not added to the config file: " + err.Error() + "; add an [[account]] with jid = \"" + me + "\" by hand"})
			} else {
				notes = append(notes, formNote{kind: "info", text: note})
			}
		}
		return &formPage{title: "registered on " + server.String(), notes: notes}, nil
	}, func() {
		if !closed.Load() {
			go reg.Close()
		}
	})
}
