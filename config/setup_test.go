package config

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/tlstrust"
)

func TestSetup(t *testing.T) {
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, []byte(testCertPEM(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	failOnce := func() func(context.Context, Account) error {
		n := 0
		return func(context.Context, Account) error {
			n++
			if n == 1 {
				return errors.New("not-authorized")
			}
			return nil
		}
	}
	tests := []struct {
		name    string
		input   string
		test    func(context.Context, Account) error
		wantErr error
		check   func(t *testing.T, a Account)
		output  []string // parts of what Setup printed
	}{
		{
			name:  "password and DNS",
			input: "alice@example.org\ns3cret \"quoted\" \\ \n\n",
			test:  func(context.Context, Account) error { return nil },
			check: func(t *testing.T, a Account) {
				if a.JID.String() != "alice@example.org" || a.Password != `s3cret "quoted" \ ` || a.Host != "" || a.Port != 0 || a.Nick != "alice" {
					t.Errorf("account %+v", a)
				}
			},
			output: []string{"Your XMPP address", "Password", "Login works.", "Wrote "},
		},
		{
			name:  "bad answers asked again",
			input: "bob@\nbob@example.org/res\nbob@example.org\n\npass show xmpp\nbad host:1\nxmpp.example.org\nx\ndir\n70000\n\nmissing.pem\n\n",
			check: func(t *testing.T, a Account) {
				if a.PasswordEval != "pass show xmpp" || a.Password != "" || a.Host != "xmpp.example.org" || a.TLS != TLSDirect || a.Port != 5223 {
					t.Errorf("account %+v", a)
				}
			},
			output: []string{"not a valid JID", "has a resource", "put the port in port = N", "please answer starttls or direct", `"70000" is not a port`, "cannot read CA file"},
		},
		{
			name:  "login fails, edit, works",
			input: "carol@example.org\nwrong\n\ne\n\nright\nlocalhost\n\n15222\nCAFILE\n",
			test:  failOnce(),
			check: func(t *testing.T, a Account) {
				if a.JID.String() != "carol@example.org" || a.Password != "right" || a.Host != "localhost" || a.Port != 15222 || a.TLS != TLSStartTLS || a.CAFile != caFile {
					t.Errorf("account %+v", a)
				}
			},
			output: []string{"Login failed: not-authorized", "[carol@example.org]", "Login works."},
		},
		{
			// [e]dit after a failed login: every answer is the default of
			// the next round, the password too.
			name:  "login fails, edit keeps every answer",
			input: "carol@example.org\nright\nlocalhost\ndirect\n15223\nCAFILE\ne\n\n\n\n\n\n\n",
			test:  failOnce(),
			check: func(t *testing.T, a Account) {
				if a.JID.String() != "carol@example.org" || a.Password != "right" || a.Host != "localhost" || a.Port != 15223 || a.TLS != TLSDirect || a.CAFile != caFile {
					t.Errorf("account %+v", a)
				}
			},
			output: []string{"Port [15223]:", "TLS: \"starttls\", or \"direct\" for TLS from the first byte (XEP-0368) [direct]:", "Password (empty keeps the one typed before", "[localhost]", "Login works."},
		},
		{
			// An empty password and an empty password command: said once,
			// asked again; '-' goes back to the password.
			name:  "password required",
			input: "dan@example.org\n\n\n-\nsecret\n\n",
			check: func(t *testing.T, a Account) {
				if a.Password != "secret" || a.PasswordEval != "" {
					t.Errorf("account %+v", a)
				}
			},
			output: []string{"parley needs a password command here (or '-' to type a password)"},
		},
		{
			name:  "edit keeps the password command",
			input: "eve@example.org\n\npass show xmpp\n\ne\n\n\n\n",
			test:  failOnce(),
			check: func(t *testing.T, a Account) {
				if a.PasswordEval != "pass show xmpp" || a.Password != "" {
					t.Errorf("account %+v", a)
				}
			},
			output: []string{`Password (empty keeps the password command "pass show xmpp")`},
		},
		{
			name:  "login fails, save anyway",
			input: "dave@example.org\npw\n\ns\n",
			test:  func(context.Context, Account) error { return errors.New("connection refused") },
			check: func(t *testing.T, a Account) {
				if a.Password != "pw" {
					t.Errorf("account %+v", a)
				}
			},
			output: []string{"Login failed: connection refused"},
		},
		{
			name:    "login fails, quit",
			input:   "erin@example.org\npw\n\nq\n",
			test:    func(context.Context, Account) error { return errors.New("no") },
			wantErr: ErrSetupQuit,
		},
		{
			name:    "input ends",
			input:   "frank@example.org\n",
			wantErr: io.ErrUnexpectedEOF,
		},
		{
			name:    "input ends without newline",
			input:   "frank@example.org\npw\n\ne\nfr",
			test:    func(context.Context, Account) error { return errors.New("no") },
			wantErr: io.ErrUnexpectedEOF,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "new", "parley")
			path := filepath.Join(dir, "config.toml")
			var out strings.Builder
			var tested []Account
			test := tt.test
			if test != nil {
				inner := test
				test = func(ctx context.Context, a Account) error {
					tested = append(tested, a)
					return inner(ctx, a)
				}
			}
			input := strings.ReplaceAll(tt.input, "CAFILE", caFile)
			c, err := Setup(context.Background(), strings.NewReader(input), &out, path, test)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v\noutput:\n%s", err, tt.wantErr, out.String())
				}
				if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a file was written: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Setup: %v\noutput:\n%s", err, out.String())
			}
			for _, w := range tt.output {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if len(c.Accounts) != 1 || c.Path != path {
				t.Fatalf("config %+v", c)
			}
			tt.check(t, c.Accounts[0])
			if len(tested) > 0 {
				last := tested[len(tested)-1]
				last.Line = c.Accounts[0].Line
				if !reflect.DeepEqual(last, c.Accounts[0]) {
					t.Errorf("tested account %+v differs from the saved one %+v", last, c.Accounts[0])
				}
			}
			fi, err := os.Stat(path)
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("file mode %v, %v; want 0600", fi.Mode(), err)
			}
			if di, err := os.Stat(dir); err != nil || di.Mode().Perm() != 0o700 {
				t.Errorf("directory mode %v, %v; want 0700", di.Mode(), err)
			}
			data, _ := os.ReadFile(path)
			if strings.Count(string(data), "\n#") < 10 {
				t.Errorf("the written file has few comments:\n%s", data)
			}
		})
	}
}

func TestSetupCancel(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		pw.Write([]byte("a@example.org\n"))
		cancel() // as Ctrl-C does through main's signal context
	}()
	path := filepath.Join(t.TempDir(), "config.toml")
	_, err := Setup(ctx, pr, io.Discard, path, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file was written: %v", err)
	}
}

func TestSetupKeepsExistingFile(t *testing.T) {
	path := writeConfig(t, "keep me", 0o600)
	_, err := Setup(context.Background(), strings.NewReader("a@example.org\npw\n\n"), io.Discard, path, nil)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("err = %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "keep me" {
		t.Errorf("file changed to %q", data)
	}
}

func TestRenderRoundTrip(t *testing.T) {
	tests := []Account{
		{JID: jid.MustParse("a@example.org"), Password: "\"q\" \\ \t tab ü 😀 \x01 end", TLS: TLSStartTLS, Resource: DefaultResource, Nick: "a", Autoconnect: true, Keepalive: DefaultKeepalive, OMEMO: OMEMOAutomatic},
		{JID: jid.MustParse("b@example.org"), PasswordEval: `pass show "xmpp/b" | head -1`, Host: "::1", Port: 5223, TLS: TLSDirect,
			Resource: "desk", Nick: "Bee", Priority: -5, Autoconnect: false, Keepalive: 90 * time.Second, OMEMO: OMEMOManual},
	}
	for _, a := range tests {
		path := writeConfig(t, Render(a, time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)), 0o600)
		c, err := Load(path)
		if err != nil {
			t.Fatalf("rendered file does not load: %v", err)
		}
		got := c.Accounts[0]
		got.Line = 0
		if !reflect.DeepEqual(got, a) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, a)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		60 * time.Second: "60s", 5 * time.Second: "5s", 90 * time.Second: "90s", 2 * time.Minute: "2m",
		150 * time.Second: "2m30s", 1500 * time.Millisecond: "1.5s", time.Hour: "60m",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestSetupTrustCertificate: a login refused for a certificate of an
// unknown authority shows the certificate and offers to trust it: the
// certificate is saved beside the config file (PEM, 0600) and becomes the
// account's ca_file, and the login is tried again with it.
func TestSetupTrustCertificate(t *testing.T) {
	block, _ := pem.Decode([]byte(testCertPEM(t)))
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "parley")
	path := filepath.Join(dir, "config.toml")
	var tried []Account
	test := func(_ context.Context, a Account) error {
		tried = append(tried, a)
		if a.CAFile == "" {
			return &UntrustedCertError{Cert: cert, Err: errors.New("certificate for localhost is signed by an unknown authority")}
		}
		return nil
	}
	var out strings.Builder
	c, err := Setup(context.Background(), strings.NewReader("me@localhost\npw\nlocalhost\n\n15222\n\nt\n"), &out, path, test)
	if err != nil {
		t.Fatalf("Setup: %v\n%s", err, out.String())
	}
	for _, want := range []string{"subject: CN=parley test CA", "issuer:  CN=parley test CA", "SHA-256: " + tlstrust.Fingerprint(cert), "[t]rust this certificate", "Login works."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	want := filepath.Join(dir, "localhost.pem")
	if got := c.Accounts[0].CAFile; got != want || len(tried) != 2 || tried[1].CAFile != want {
		t.Fatalf("ca_file %q, tried %+v; want %s", got, tried, want)
	}
	fi, err := os.Stat(want)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("certificate file: %v, %v", fi, err)
	}
	data, _ := os.ReadFile(want)
	if b, _ := pem.Decode(data); b == nil || !bytes.Equal(b.Bytes, cert.Raw) {
		t.Errorf("saved %q, want the server's certificate", data)
	}
	if len(tlstrust.Fingerprint(cert)) != 95 {
		t.Errorf("fingerprint %q", tlstrust.Fingerprint(cert))
	}
}

// TestSetupPinCertificate: when the login test can pin (main's does, with
// the connect-time prompt's pin store), trusting pins the certificate, no
// ca_file is written, and the login is tried again; a pin that fails falls
// back to ca_file.
func TestSetupPinCertificate(t *testing.T) {
	block, _ := pem.Decode([]byte(testCertPEM(t)))
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, fail := range []bool{false, true} {
		dir := filepath.Join(t.TempDir(), "parley")
		path := filepath.Join(dir, "config.toml")
		pinned := false
		test := func(_ context.Context, a Account) error {
			if pinned || a.CAFile != "" {
				return nil
			}
			return &UntrustedCertError{Cert: cert, Err: errors.New("certificate for localhost is self-signed"), Pin: func() (string, error) {
				if fail {
					return "", errors.New("the pin file cannot be used")
				}
				pinned = true
				return "/data/parley/tls-pins", nil
			}}
		}
		var out strings.Builder
		c, err := Setup(context.Background(), strings.NewReader("me@localhost\npw\nlocalhost\n\n15222\n\nt\n"), &out, path, test)
		if err != nil {
			t.Fatalf("Setup: %v\n%s", err, out.String())
		}
		switch {
		case !fail && (!pinned || c.Accounts[0].CAFile != "" || !strings.Contains(out.String(), "Pinned the certificate (SHA-256 "+tlstrust.Fingerprint(cert)+") in /data/parley/tls-pins")):
			t.Errorf("pin: pinned %v, ca_file %q:\n%s", pinned, c.Accounts[0].CAFile, out.String())
		case fail && (c.Accounts[0].CAFile == "" || !strings.Contains(out.String(), "saving it as ca_file instead")):
			t.Errorf("failed pin: ca_file %q:\n%s", c.Accounts[0].CAFile, out.String())
		}
		if !strings.Contains(out.String(), "Login works.") {
			t.Errorf("no second login:\n%s", out.String())
		}
	}
}
