package main

// The hooks of in-band registration (XEP-0077): the first-run setup's
// account creation, and /passwd's and /register's config file changes.

import (
	"context"
	"errors"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/config"
	"parley/forms"
	"parley/ui"
)

// savePassword is the UI's SavePassword: the new password of an account
// goes into the config file at path, unless it comes from password_eval.
func savePassword(path string) func(jid.JID, string) (string, error) {
	return func(j jid.JID, pw string) (string, error) {
		err := config.SetPassword(path, j, pw)
		switch {
		case errors.Is(err, config.ErrPasswordEval):
			return "it comes from password_eval, so store the new one where that command reads it (parley uses it until it quits)", nil
		case err != nil:
			return "", err
		}
		return "saved in " + path, nil
	}
}

// registrar is the UI's Register: an in-band registration stream to a
// server, trusting the ca_file of a configured account on the same domain
// or host (a private server's CA).
func registrar(cfg *config.Config) ui.Registrar {
	return func(ctx context.Context, server jid.JID, host string, port int) (ui.Registration, error) {
		ac := account.Config{JID: server, Host: host, Port: port, CAFile: caFileFor(cfg, server, host)}
		r, err := account.Register(ctx, ac)
		if err != nil {
			return nil, err
		}
		return r, nil
	}
}

// caFileFor is the ca_file of a configured account on server or host, ""
// for none: /register trusts a private server's CA it already knows.
func caFileFor(cfg *config.Config, server jid.JID, host string) string {
	for _, a := range cfg.Accounts {
		if a.CAFile != "" && (a.JID.Domainpart() == server.Domainpart() || host != "" && a.Host == host) {
			return a.CAFile
		}
	}
	return ""
}

// saveAccount is the UI's SaveAccount: the account /register created goes
// into the config file.
func saveAccount(cfg *config.Config) func(jid.JID, string, string, int) (string, error) {
	return func(j jid.JID, pw, host string, port int) (string, error) {
		a := config.Account{JID: j, Password: pw, Host: host, Port: port, TLS: config.TLSStartTLS, CAFile: caFileFor(cfg, j.Domain(), host)}
		if err := config.AddAccount(cfg.Path, a); err != nil {
			return "", err
		}
		return "it was added to " + cfg.Path + " and connects at the next start of parley", nil
	}
}

// registerAccount creates an account in band for the first-run setup
// (config.Registrar): a fresh stream to a's server, its registration form
// filled in by fill, the submission.
func registerAccount(ctx context.Context, a config.Account, fill func(*forms.Form) error) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute) // the user fills the form in meanwhile
	defer cancel()
	r, err := account.Register(ctx, accountConfig(a))
	if err != nil {
		if cert, ok := account.UntrustedCertificate(err); ok {
			return &config.UntrustedCertError{Cert: cert, Err: err} // setup offers to trust it
		}
		return err
	}
	defer r.Close()
	q := r.Query
	switch {
	case q.CAPTCHA():
		return &config.WebRegistrationError{Server: a.JID.Domainpart(), URL: q.URL, Why: "its form asks for a CAPTCHA, which parley cannot show"}
	case q.WebOnly():
		why := q.Instructions
		if q.BadURL {
			why = "parley refused the address it gave: not an http, https or xmpp URL"
		}
		return &config.WebRegistrationError{Server: a.JID.Domainpart(), URL: q.URL, Why: why}
	case q.Registered:
		return errors.New("the server says this stream is registered already")
	}
	f := q.Fill()
	if err := fill(f); err != nil {
		return err
	}
	return r.Submit(ctx, f)
}
