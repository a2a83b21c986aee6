package config

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"mellium.im/xmpp/jid"

	"parley/forms"
	"parley/register"
	"parley/sanitize"
)

// Registrar creates an account in band (XEP-0077); main passes one built
// on package account. It connects to the server of a (a.JID is the bare
// domain; Host, Port, TLS and CAFile as typed), asks for the registration
// form, calls fill to have the user fill it in, and submits it. A server
// that registers only on a web page gives a *WebRegistrationError, an
// untrusted certificate an *UntrustedCertError; an error of fill is
// returned as it is.
type Registrar func(ctx context.Context, a Account, fill func(*forms.Form) error) error

// WebRegistrationError is a server that creates accounts only on a web
// page (an out-of-band URL, XEP-0077 §5), or asks for what parley cannot
// show (a CAPTCHA). URL is checked (register.CleanURL) or empty.
type WebRegistrationError struct {
	Server string
	URL    string
	Why    string // the server's instructions, or what parley cannot do
}

func (e *WebRegistrationError) Error() string {
	msg := e.Server + " creates accounts only on a web page"
	if e.URL != "" {
		msg += ": " + sanitize.Text(e.URL)
	}
	if e.Why != "" {
		msg += " (" + sanitize.Truncate(sanitize.Text(e.Why), 300) + ")"
	}
	return msg
}

// SetupOptions are the hooks of SetupWith.
type SetupOptions struct {
	// Test logs in once with the account (nil: no test); see Setup.
	Test func(context.Context, Account) error
	// Register, when set, offers to create the account on a server
	// first (nil: only an existing account is asked for).
	Register Registrar
}

// errUseExisting: the user gave up creating an account and will type an
// existing one.
var errUseExisting = errors.New("use an existing account")

// createAccount asks for a server, its endpoint, then the server's
// registration form, and registers; on success a holds the new account.
func (p *prompter) createAccount(a *Account, reg Registrar, path string) error {
	for {
		for {
			s, err := p.ask("Server to create the account on (its domain, like example.org)", a.JID.Domainpart())
			if err != nil {
				return err
			}
			d, err := jid.New("", s, "")
			if err == nil && !strings.ContainsAny(s, "@/ ") {
				a.JID = d
				break
			}
			fmt.Fprintf(p.out, "  %q is not a server's domain\n", s)
		}
		if err := p.askEndpoint(a); err != nil {
			return err
		}
		for {
			fmt.Fprintf(p.out, "Asking %s for its registration form ...\n", a.JID.Domainpart())
			var filled *forms.Form
			var fillErr error
			err := reg(p.ctx, *a, func(f *forms.Form) error {
				if fillErr = p.fillForm(f); fillErr == nil {
					filled = f
				}
				return fillErr
			})
			switch {
			case fillErr != nil:
				return fillErr
			case err == nil:
				return p.created(a, filled)
			case p.ctx.Err() != nil:
				return p.ctx.Err()
			}
			var untrusted *UntrustedCertError
			var web *WebRegistrationError
			question, options := "[t]ry again, [o]ther server, [u]se an existing account, or [q]uit?", []string{"t", "o", "u", "q"}
			switch {
			case errors.As(err, &untrusted) && untrusted.Cert != nil:
				fmt.Fprintf(p.out, "Cannot connect: %v\n", err)
				showCert(p.out, untrusted.Cert)
				question = "[t]rust this certificate and try again, [o]ther server, [u]se an existing account, or [q]uit?"
			case errors.As(err, &web):
				fmt.Fprintf(p.out, "%v\n", web)
				fmt.Fprintln(p.out, "Create the account there, then answer u and type its address.")
				question, options = "[u]se an existing account, [o]ther server, or [q]uit?", []string{"u", "o", "q"}
			default:
				fmt.Fprintf(p.out, "Registration failed: %v\n", err)
			}
			choice, cerr := p.choose(question, options...)
			if cerr != nil {
				return cerr
			}
			switch choice {
			case "q":
				return ErrSetupQuit
			case "u":
				return errUseExisting
			case "o":
			case "t":
				if untrusted != nil && untrusted.Cert != nil {
					file := certPath(path, *a)
					if err := saveCert(file, untrusted.Cert); err != nil {
						return fmt.Errorf("config: saving the certificate: %w", err)
					}
					fmt.Fprintf(p.out, "Saved the certificate to %s (ca_file).\n", file)
					a.CAFile = file
				}
				continue
			}
			break // other server
		}
	}
}

// created takes the new account's address and password from the filled
// form.
func (p *prompter) created(a *Account, f *forms.Form) error {
	user, pw := register.Credentials(f)
	j, err := jid.New(user, a.JID.Domainpart(), "")
	if err != nil || user == "" || pw == "" {
		return fmt.Errorf("config: the server's form has no username and password parley can log in with (%q)", user)
	}
	a.JID, a.Password, a.PasswordEval = j, pw, ""
	setDefaults(a)
	fmt.Fprintf(p.out, "Created %s.\n", j)
	return nil
}

// maxLabel bounds a label from the server, in cells.
const maxLabel = 80

// fillForm asks for each field of a registration form on the terminal,
// then again for those Validate finds wrong. Everything of the form is
// from the server: sanitized before it is printed.
func (p *prompter) fillForm(f *forms.Form) error {
	if f.Title != "" {
		fmt.Fprintln(p.out, sanitize.Truncate(sanitize.Text(f.Title), maxLabel))
	}
	for _, in := range f.Instructions {
		for _, l := range sanitize.Lines(in) {
			fmt.Fprintln(p.out, "  "+sanitize.Truncate(l, 4*maxLabel))
		}
	}
	ask := make([]int, len(f.Fields))
	for i := range ask {
		ask[i] = i
	}
	for len(ask) > 0 {
		for _, i := range ask {
			if err := p.askField(&f.Fields[i]); err != nil {
				return err
			}
		}
		ask = ask[:0]
		for _, pr := range f.Validate() {
			fmt.Fprintf(p.out, "  %s: %s\n", fieldLabel(&f.Fields[pr.Index]), pr.Text)
			ask = append(ask, pr.Index)
		}
	}
	return nil
}

// fieldLabel is how a field is named in questions.
func fieldLabel(fd *forms.Field) string {
	l := fd.Label
	if l == "" {
		l = fd.Var
	}
	return sanitize.Truncate(sanitize.Text(l), maxLabel)
}

// askField asks for one field's value.
func (p *prompter) askField(fd *forms.Field) error {
	if fd.Type == forms.Hidden {
		return nil
	}
	if fd.Type == forms.Fixed {
		for _, v := range fd.Values {
			fmt.Fprintln(p.out, "  "+sanitize.Truncate(sanitize.Text(v), 4*maxLabel))
		}
		return nil
	}
	label := fieldLabel(fd)
	if fd.Required {
		label += " (required)"
	}
	if fd.Desc != "" {
		fmt.Fprintln(p.out, "  "+sanitize.Truncate(sanitize.Text(fd.Desc), 4*maxLabel))
	}
	switch fd.Type {
	case forms.TextPrivate:
		for {
			pw, err := p.secret(label)
			if err != nil {
				return err
			}
			if pw != "" && fd.Var == "password" {
				again, err := p.secret("The same password again")
				if err != nil {
					return err
				}
				if again != pw {
					fmt.Fprintln(p.out, "  the two differ; once more")
					continue
				}
			}
			fd.SetText(pw)
			return nil
		}
	case forms.Boolean:
		options := []string{"no", "yes"}
		if fd.Bool() {
			options = []string{"yes", "no"}
		}
		s, err := p.choose(label+" (yes or no)", options...)
		if err != nil {
			return err
		}
		fd.SetBool(s == "yes")
		return nil
	case forms.ListSingle, forms.ListMulti:
		return p.askList(fd, label)
	}
	s, err := p.ask(label, strings.ReplaceAll(fd.Text(), "\n", ", "))
	if err != nil {
		return err
	}
	if fd.Multi() {
		s = strings.Join(strings.Split(s, ","), "\n")
	}
	fd.SetText(s)
	return nil
}

// askList shows the options of a list field, numbered, and takes numbers
// (several, separated by commas, for list-multi).
func (p *prompter) askList(fd *forms.Field, label string) error {
	for i, o := range fd.Options {
		name := o.Label
		if name == "" {
			name = o.Value
		}
		fmt.Fprintf(p.out, "  %d. %s\n", i+1, sanitize.Truncate(sanitize.Text(name), maxLabel))
	}
	def := ""
	for i, o := range fd.Options {
		if fd.Selected(o.Value) {
			def += map[bool]string{true: ",", false: ""}[def != ""] + strconv.Itoa(i+1)
		}
	}
	for {
		s, err := p.ask(label+" (number"+map[bool]string{true: "s, separated by commas", false: ""}[fd.Multi()]+")", def)
		if err != nil {
			return err
		}
		var values []string
		ok := true
		for _, part := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(part))
			if part == "" && s == "" {
				break
			}
			if err != nil || n < 1 || n > len(fd.Options) {
				ok = false
				break
			}
			values = append(values, fd.Options[n-1].Value)
		}
		if ok && (fd.Multi() || len(values) <= 1) {
			fd.Values = values
			return nil
		}
		fmt.Fprintf(p.out, "  answer with a number from 1 to %d\n", len(fd.Options))
	}
}
