package config

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"
	"mellium.im/xmpp/jid"

	"parley/tlstrust"
)

// ErrSetupQuit is returned by Setup when the user chooses to quit.
var ErrSetupQuit = errors.New("config: setup quit without writing a config file")

// Setup asks on out/in for JID, then either a password or a password command
// (and optionally host, TLS mode, port and CA file), calls test (which logs in once;
// main passes a function that connects with the account package; nil skips
// the test) and on success writes a config file at path with mode 0600
// (parent directories 0700), then returns the loaded config. On test failure
// it shows the error and lets the user edit the details and try again, save
// anyway, or quit (ErrSetupQuit). The password does not echo when in is a
// terminal; with a pipe it is read as a plain line. Setup never replaces an
// existing file. End of input before the file is written is an error.
func Setup(ctx context.Context, in io.Reader, out io.Writer, path string, test func(context.Context, Account) error) (*Config, error) {
	return SetupWith(ctx, in, out, path, SetupOptions{Test: test})
}

// SetupWith is Setup with its hooks in opts. With opts.Register it first
// asks whether to use an existing account or to create one: then it asks
// for a server (and its host, TLS mode, port and CA file as for a login),
// shows the server's registration form field by field (passwords without
// echo, typed twice), registers, and goes on as Setup does with the new
// account (the login test, then the file). A server that creates accounts
// only on a web page says so with the address; the user can then type an
// account made there.
func SetupWith(ctx context.Context, in io.Reader, out io.Writer, path string, opts SetupOptions) (*Config, error) {
	test := opts.Test
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("config: %s already exists: setup does not replace it", path)
	}
	p := &prompter{ctx: ctx, in: in, r: bufio.NewReader(in), out: out}
	fmt.Fprintf(out, "parley: there is no config file at %s yet; let's write one.\n", path)
	var a Account
	retest := false // the details stay: only ca_file changed, or the account was just created
	if opts.Register != nil {
		choice, err := p.choose("[u]se an existing account, or [c]reate a new one on a server?", "u", "c")
		if err != nil {
			return nil, err
		}
		if choice == "c" {
			err := p.createAccount(&a, opts.Register, path)
			switch {
			case err == nil:
				retest = true
			case errors.Is(err, errUseExisting):
				a.JID = jid.JID{} // the server's domain: the endpoint answers stay as defaults
			default:
				return nil, err
			}
		}
	}
	for {
		if !retest {
			if err := p.askAccount(&a); err != nil {
				return nil, err
			}
		}
		retest = false
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if test == nil {
			break
		}
		fmt.Fprintf(out, "Logging in as %s ...\n", a.JID)
		err := test(ctx, a)
		if err == nil {
			fmt.Fprintln(out, "Login works.")
			break
		}
		fmt.Fprintf(out, "Login failed: %v\n", err)
		question, options := "[e]dit the details and try again, [s]ave anyway, or [q]uit?", []string{"e", "s", "q"}
		var untrusted *UntrustedCertError
		if errors.As(err, &untrusted) && untrusted.Cert != nil {
			showCert(out, untrusted.Cert)
			question, options = "[t]rust this certificate and try again, [e]dit the details, [s]ave anyway, or [q]uit?", []string{"t", "e", "s", "q"}
		}
		choice, err := p.choose(question, options...)
		if err != nil {
			return nil, err
		}
		switch choice {
		case "t":
			if untrusted.Pin != nil {
				file, err := untrusted.Pin()
				if err == nil {
					fmt.Fprintf(out, "Pinned the certificate (SHA-256 %s) in %s; /tls trusted lists it.\n", tlstrust.Fingerprint(untrusted.Cert), file)
					retest = true
					continue
				}
				fmt.Fprintf(out, "Could not pin the certificate (%v); saving it as ca_file instead.\n", err)
			}
			file := certPath(path, a)
			if err := saveCert(file, untrusted.Cert); err != nil {
				return nil, fmt.Errorf("config: saving the certificate: %w", err)
			}
			fmt.Fprintf(out, "Saved the certificate to %s (ca_file).\n", file)
			a.CAFile = file
			retest = true
			continue
		case "q":
			return nil, ErrSetupQuit
		case "e":
			continue
		}
		break // save anyway
	}
	if err := writeNew(path, []byte(Render(a, time.Now()))); err != nil {
		return nil, fmt.Errorf("config: writing %s: %w", path, err)
	}
	fmt.Fprintf(out, "Wrote %s (readable only by you). Every key is described in config.example.toml.\n", path)
	return Load(path)
}

// prompter asks questions on out and reads answers from in. Each read gives
// up when ctx ends (Ctrl-C), leaving a reading goroutine blocked on in: setup
// is over by then and in is not read again.
type prompter struct {
	ctx context.Context
	in  io.Reader
	r   *bufio.Reader
	out io.Writer
}

// askAccount asks for the account details; a holds the previous answers,
// offered as defaults, and receives the new ones.
func (p *prompter) askAccount(a *Account) error {
	for {
		s, err := p.ask("Your XMPP address (JID), like alice@example.org", a.JID.String())
		if err != nil {
			return err
		}
		j, msg := parseAccountJID(s)
		if msg == "" {
			a.JID = j
			break
		}
		fmt.Fprintln(p.out, "  "+msg)
	}
	if err := p.askCredential(a); err != nil {
		return err
	}
	if err := p.askEndpoint(a); err != nil {
		return err
	}
	setDefaults(a)
	return nil
}

// setDefaults gives a the defaults of the keys setup does not ask for.
func setDefaults(a *Account) {
	a.Resource, a.Nick, a.Autoconnect, a.Keepalive, a.OMEMO = DefaultResource, a.JID.Localpart(), true, DefaultKeepalive, OMEMOAutomatic
}

// askCredential asks for the password, or for a password command. The
// answers of a round before are kept on an empty answer.
func (p *prompter) askCredential(a *Account) error {
	for {
		q := "Password (leave empty to use a password command instead)"
		switch {
		case a.Password != "":
			q = "Password (empty keeps the one typed before; '-' for a password command instead)"
		case a.PasswordEval != "":
			q = "Password (empty keeps the password command " + strconv.Quote(a.PasswordEval) + ")"
		}
		pw, err := p.secret(q)
		if err != nil {
			return err
		}
		switch {
		case pw == "" && (a.Password != "" || a.PasswordEval != ""):
			return nil // kept
		case pw == "" || pw == "-" && a.Password != "":
			a.Password = ""
		default:
			a.Password, a.PasswordEval = pw, ""
			return nil
		}
		for {
			cmd, err := p.ask("Password command; its first output line is the password (e.g. pass show xmpp); '-' to type a password instead", a.PasswordEval)
			if err != nil {
				return err
			}
			if cmd == "-" {
				a.PasswordEval = ""
				break // back to the password
			}
			if cmd != "" {
				a.PasswordEval = cmd
				return nil
			}
			fmt.Fprintln(p.out, "  parley needs a password command here (or '-' to type a password)")
		}
	}
}

// askEndpoint asks for host, TLS mode and port; the answers of a round
// before are the defaults.
func (p *prompter) askEndpoint(a *Account) error {
	for {
		h, err := p.ask("Server host, empty to find it by DNS from the JID's domain ('-' for none)", a.Host)
		if err != nil {
			return err
		}
		if h == "-" {
			h = ""
		}
		if h == "" {
			a.Host, a.Port, a.TLS = "", 0, TLSStartTLS
			return nil
		}
		if msg := checkHost(h); msg != "" {
			fmt.Fprintln(p.out, "  "+msg)
			continue
		}
		a.Host = h
		break
	}
	options := []string{TLSStartTLS, TLSDirect}
	if a.TLS == TLSDirect {
		options = []string{TLSDirect, TLSStartTLS} // the first is the default
	}
	tls, err := p.choose("TLS: \"starttls\", or \"direct\" for TLS from the first byte (XEP-0368)", options...)
	if err != nil {
		return err
	}
	def := DefaultPort
	if tls == TLSDirect {
		def = DefaultDirectPort
	}
	if a.Port != 0 && !(a.TLS != tls && (a.Port == DefaultPort || a.Port == DefaultDirectPort)) {
		def = a.Port // typed before (a standard port follows the TLS mode)
	}
	a.TLS = tls
	for {
		s, err := p.ask("Port", strconv.Itoa(def))
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(s)
		if err == nil && n >= 1 && n <= 65535 {
			a.Port = n
			break
		}
		fmt.Fprintf(p.out, "  %q is not a port (1..65535)\n", s)
	}
	for {
		s, err := p.ask("CA certificate file (PEM) for a server with a private CA, empty for none ('-' for none)", a.CAFile)
		if err != nil {
			return err
		}
		if s == "" || s == "-" {
			a.CAFile = ""
			return nil
		}
		path, err := absPath(s)
		if err == nil {
			if msg := checkCAFile(path); msg != "" {
				err = errors.New(msg)
			}
		}
		if err == nil {
			a.CAFile = path
			return nil
		}
		fmt.Fprintf(p.out, "  %v\n", err)
	}
}

// absPath expands a leading ~ and makes p absolute against the working
// directory, for paths typed during setup.
func absPath(p string) (string, error) {
	if p == "~" || strings.HasPrefix(p, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		p = filepath.Join(home, p[1:])
	}
	return filepath.Abs(p)
}

// ask shows question (and def, taken on an empty answer) and returns the
// trimmed answer.
func (p *prompter) ask(question, def string) (string, error) {
	if def != "" {
		fmt.Fprintf(p.out, "%s [%s]: ", question, def)
	} else {
		fmt.Fprintf(p.out, "%s: ", question)
	}
	line, err := p.line()
	if err != nil {
		return "", err
	}
	if line = strings.TrimSpace(line); line == "" {
		return def, nil
	}
	return line, nil
}

// choose asks until the answer is one of options (or a unique prefix of
// one); an empty answer takes the first option.
func (p *prompter) choose(question string, options ...string) (string, error) {
	for {
		s, err := p.ask(question, options[0])
		if err != nil {
			return "", err
		}
		s = strings.ToLower(s)
		var match []string
		for _, o := range options {
			if strings.HasPrefix(o, s) {
				match = append(match, o)
			}
		}
		if len(match) == 1 {
			return match[0], nil
		}
		fmt.Fprintf(p.out, "  please answer %s\n", strings.Join(options, " or "))
	}
}

// secret reads a line without echo when in is a terminal. The answer is not
// trimmed: spaces may belong to the password.
func (p *prompter) secret(question string) (string, error) {
	fmt.Fprintf(p.out, "%s: ", question)
	f, ok := p.in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) || p.r.Buffered() > 0 {
		return p.line()
	}
	fd := int(f.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		return "", fmt.Errorf("config: reading password: %w", err)
	}
	s, err := p.await(func() (string, error) {
		b, err := term.ReadPassword(fd)
		return string(b), err
	})
	fmt.Fprintln(p.out)
	if err != nil {
		term.Restore(fd, state) // echo back on, also when ctx ended mid-read
		return "", fmt.Errorf("config: reading password: %w", err)
	}
	return s, nil
}

// line reads one line without its line end. End of input is an error.
func (p *prompter) line() (string, error) {
	return p.await(func() (string, error) {
		s, err := p.r.ReadString('\n')
		if err != nil && (s == "" || !errors.Is(err, io.EOF)) {
			if errors.Is(err, io.EOF) {
				return "", fmt.Errorf("config: setup: input ended before the config was written: %w", io.ErrUnexpectedEOF)
			}
			return "", err
		}
		return strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r"), nil
	})
}

// await runs read in a goroutine and returns its result, or ctx's error
// when ctx ends first.
func (p *prompter) await(read func() (string, error)) (string, error) {
	type result struct {
		s   string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		s, err := read()
		ch <- result{s, err}
	}()
	select {
	case r := <-ch:
		return r.s, r.err
	case <-p.ctx.Done():
		fmt.Fprintln(p.out)
		return "", p.ctx.Err()
	}
}
