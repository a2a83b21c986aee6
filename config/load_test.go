package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
)

// writeConfig writes text to a config.toml in a new temporary directory.
func writeConfig(t *testing.T, text string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // umask may have narrowed it
		t.Fatal(err)
	}
	return path
}

// want is one expected problem: its line, key, and part of its message.
type want struct {
	line int
	key  string
	msg  string
}

// testCertPEM returns a freshly made self-signed certificate in PEM.
func testCertPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "parley test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestLoadErrors(t *testing.T) {
	acct := "[[account]]\njid = \"a@example.org\"\npassword_eval = \"echo x\"\n"
	tests := []struct {
		name string
		text string
		mode os.FileMode
		want []want
	}{
		{"unknown key with suggestion", "[[account]]\njid = \"a@example.org\"\npasword = \"x\"\n", 0o600, []want{
			{1, "account[1].password", "missing"},
			{3, "account[1].pasword", "unknown key (did you mean password?)"},
		}},
		{"unknown key without suggestion", "colour = 1\n" + acct, 0o600, []want{
			{1, "colour", "unknown key (known keys here: history_dir, download_dir, url_open_cmd, ui, keys, account)"},
		}},
		{"unknown table", acct + "[server]\nname = \"x\"\n", 0o600, []want{
			{4, "server", "unknown key"},
		}},
		{"unknown key in theme", "[ui.theme]\nbackgroud = \"red\"\n" + acct, 0o600, []want{
			{2, "ui.theme.backgroud", "did you mean background?"},
		}},
		{"wrong types", "history_dir = 3\n[ui]\nroster_width = \"wide\"\nshow_joins = \"yes\"\nstyling = 1\n" + acct + "priority = 1.5\nautoconnect = 1\n", 0o600, []want{
			{1, "history_dir", "must be a string, not an integer"},
			{3, "ui.roster_width", "must be an integer, not a string"},
			{4, "ui.show_joins", "must be a boolean (true or false), not a string"},
			{5, "ui.styling", "must be a boolean (true or false), not an integer"},
			{9, "account[1].priority", "must be an integer, not a float"},
			{10, "account[1].autoconnect", "must be a boolean (true or false), not an integer"},
		}},
		{"highlight words", "[ui]\nhighlight_words = [\"ok\", 3]\nbell = \"no\"\n" + acct, 0o600, []want{
			{2, "ui.highlight_words", "must be an array of strings, not an array"},
			{3, "ui.bell", "must be a boolean (true or false), not a string"},
		}},
		{"file keys", "download_dir = \"\"\nurl_open_cmd = [\"\"]\n" + acct, 0o600, []want{
			{1, "download_dir", "is empty"},
			{2, "url_open_cmd", "names no program"},
		}},
		{"blank highlight word", "[ui]\nhighlight_words = [\" \"]\n" + acct, 0o600, []want{
			{2, "ui.highlight_words", "a highlight word is 1 to 100 bytes"},
		}},
		{"account as a table", "[account]\njid = \"a@example.org\"\n", 0o600, []want{
			{1, "account", "must be an array of tables, not a table"},
		}},
		{"ui as a value", "ui = \"dark\"\n" + acct, 0o600, []want{
			{1, "ui", "must be a table, not a string"},
		}},
		{"bad JIDs", acct + "[[account]]\njid = \"bob@\"\npassword_eval = \"x\"\n[[account]]\njid = \"example.org\"\npassword_eval = \"x\"\n[[account]]\njid = \"c@example.org/home\"\npassword_eval = \"x\"\n", 0o600, []want{
			{5, "account[2].jid", `"bob@" is not a valid JID: `},
			{8, "account[3].jid", `"example.org" has no user part: write it as user@example.org`},
			{11, "account[4].jid", `has a resource: write jid = "c@example.org" and resource = "home"`},
		}},
		{"missing jid", "[[account]]\npassword_eval = \"x\"\n", 0o600, []want{
			{1, "account[1].jid", "missing"},
		}},
		{"no account", "[ui]\nroster_width = 20\n", 0o600, []want{
			{0, "account", "at least one account"},
		}},
		{"empty file", "", 0o600, []want{
			{0, "account", "at least one account"},
		}},
		{"password and password_eval", "[[account]]\njid = \"a@example.org\"\npassword = \"x\"\npassword_eval = \"echo x\"\n", 0o600, []want{
			{4, "account[1].password_eval", "both set"},
		}},
		{"neither password nor password_eval", "\n[[account]]\njid = \"a@example.org\"\n", 0o600, []want{
			{2, "account[1].password", "missing: set password, or password_eval"},
		}},
		{"empty password values", "[[account]]\njid = \"a@example.org\"\npassword = \"\"\n[[account]]\njid = \"b@example.org\"\npassword_eval = \"  \"\n", 0o600, []want{
			{3, "account[1].password", "is empty"},
			{6, "account[2].password_eval", "is empty"},
		}},
		{"bad tls", acct + "tls = \"none\"\n", 0o600, []want{
			{4, "account[1].tls", `"none" is not a TLS mode`},
		}},
		{"bad omemo", acct + "omemo = \"always\"\n", 0o600, []want{
			{4, "account[1].omemo", `"always" is not an OMEMO mode`},
		}},
		{"omemo not a string", acct + "omemo = true\n", 0o600, []want{
			{4, "account[1].omemo", ""},
		}},
		{"bad port", acct + "host = \"h.example.org\"\nport = 0\n[[account]]\njid = \"b@example.org\"\npassword_eval = \"x\"\nhost = \"h.example.org\"\nport = 65536\n", 0o600, []want{
			{5, "account[1].port", "0 is out of range 1..65535"},
			{10, "account[2].port", "65536 is out of range 1..65535"},
		}},
		{"port without host", acct + "port = 5222\n", 0o600, []want{
			{4, "account[1].port", "port without host"},
		}},
		{"bad host", acct + "host = \"xmpp.example.org:5222\"\n", 0o600, []want{
			{4, "account[1].host", "put the port in port = N"},
		}},
		{"bad priority", acct + "priority = 128\n", 0o600, []want{
			{4, "account[1].priority", "128 is out of range -128..127"},
		}},
		{"bad durations", acct + "keepalive = \"soon\"\n[[account]]\njid = \"b@example.org\"\npassword_eval = \"x\"\nkeepalive = \"2s\"\n", 0o600, []want{
			{4, "account[1].keepalive", `"soon" is not a duration`},
			{8, "account[2].keepalive", "2s is too short: at least 5s"},
		}},
		{"bad colours", "[ui.theme]\nerror = \"rouge\"\nstatus_bg = \"#12345\"\ninfo = \"#zzzzzz\"\n" + acct, 0o600, []want{
			{2, "ui.theme.error", `"rouge" is not a colour`},
			{3, "ui.theme.status_bg", `"#12345" is not a colour`},
			{4, "ui.theme.info", `"#zzzzzz" is not a colour`},
		}},
		{"bad ui values", "[ui]\ntime_format = \"%H:%M\"\nroster_width = 5\noccupant_width = 81\n" + acct, 0o600, []want{
			{2, "ui.time_format", "strftime"},
			{3, "ui.roster_width", "5 is out of range 10..80"},
			{4, "ui.occupant_width", "81 is out of range 10..80"},
		}},
		{"bad auto-away", "[ui]\nautoaway_minutes = -1\nautoxa_minutes = 1441\n" + acct, 0o600, []want{
			{2, "ui.autoaway_minutes", "-1 is out of range 0..1440"},
			{3, "ui.autoxa_minutes", "1441 is out of range 0..1440"},
		}},
		{"xa before away", "[ui]\nautoaway_minutes = 30\nautoxa_minutes = 10\n" + acct, 0o600, []want{
			{3, "ui.autoxa_minutes", "10 is not after autoaway_minutes = 30"},
		}},
		{"time format without layout", "[ui]\ntime_format = \"HH:MM\"\n" + acct, 0o600, []want{
			{2, "ui.time_format", "holds no Go time layout element"},
		}},
		{"bad resource and nick", acct + "resource = \"\"\nnick = \"\\u0007bell\"\n", 0o600, []want{
			{5, "account[1].nick", "is not a valid nick"},
			{4, "account[1].resource", "is not a valid resource"},
		}},
		{"duplicate JIDs", acct + "[[account]]\njid = \"A@Example.org\"\npassword_eval = \"x\"\n", 0o600, []want{
			{5, "account[2].jid", "a@example.org is already account[1] (line 1)"},
		}},
		{"ca_file unreadable", acct + "ca_file = \"missing.pem\"\n", 0o600, []want{
			{4, "account[1].ca_file", "cannot read CA file"},
		}},
		{"ca_file without certificate", acct + "ca_file = \"config.toml\"\n", 0o600, []want{
			{4, "account[1].ca_file", "holds no PEM certificate"},
		}},
		{"ca_file not a regular file", acct + "ca_file = \"/dev/zero\"\n", 0o600, []want{
			{4, "account[1].ca_file", "/dev/zero is not a regular file"},
		}},
		{"ca_file a directory", acct + "ca_file = \".\"\n", 0o600, []want{
			{4, "account[1].ca_file", "is not a regular file"},
		}},
		{"password readable by others", "[[account]]\njid = \"a@example.org\"\npassword = \"secret\"\n", 0o644, []want{
			{3, "account[1].password", "mode 0644): run chmod 600 "},
		}},
		{"password readable by group", acct + "[[account]]\njid = \"b@example.org\"\npassword = \"secret\"\n", 0o640, []want{
			{6, "account[2].password", "group or others may read it (mode 0640)"},
		}},
		{"syntax error", acct + "[ui]\ntime_format = \"15:04\n", 0o600, []want{
			{5, "ui.time_format", "TOML syntax error: strings cannot contain newlines"},
		}},
		{"syntax error duplicate key", acct + "jid = \"b@example.org\"\n", 0o600, []want{
			{4, "account[1].jid", "TOML syntax error: Key 'account.jid' has already been defined"},
		}},
		{"many problems at once", "histroy_dir = \"x\"\n[[account]]\njid = \"@\"\ntls = \"ssl\"\nport = -1\n", 0o600, []want{
			{1, "histroy_dir", "did you mean history_dir?"},
			{2, "account[1].password", "missing"},
			{3, "account[1].jid", "not a valid JID"},
			{4, "account[1].tls", "not a TLS mode"},
			{5, "account[1].port", "out of range"},
			{5, "account[1].port", "port without host"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.text, tt.mode)
			c, err := Load(path)
			if err == nil {
				t.Fatalf("Load succeeded: %+v", c)
			}
			var errs *Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error %T %v is not *Errors", err, err)
			}
			if errs.File != path {
				t.Errorf("File = %q, want %q", errs.File, path)
			}
			if len(errs.List) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(errs.List), len(tt.want), err)
			}
			for _, w := range tt.want {
				found := false
				for _, p := range errs.List {
					if p.Line == w.line && p.Key == w.key && strings.Contains(p.Msg, w.msg) {
						found = true
					}
				}
				if !found {
					t.Errorf("no problem %d %s %q in:\n%v", w.line, w.key, w.msg, err)
				}
			}
			for i, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, path+":") {
					t.Errorf("line %d of the error does not start with the file: %q", i, line)
				}
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	e := &Errors{File: "config.toml", List: []Problem{
		{Line: 3, Key: "account[1].pasword", Msg: "unknown key (did you mean password?)"},
		{Line: 0, Key: "account", Msg: "no [[account]] table"},
		{Line: 9, Msg: "TOML syntax error: x"},
	}}
	want := "config.toml:3: account[1].pasword: unknown key (did you mean password?)\n" +
		"config.toml: account: no [[account]] table\n" +
		"config.toml:9: TOML syntax error: x"
	if got := e.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
}

func TestPermissionFix(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my dir")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte("[[account]]\njid = \"a@example.org\"\npassword = \"p\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o604); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), "run chmod 600 '"+path+"'") {
		t.Fatalf("error lacks the quoted chmod fix: %v", err)
	}
	// The fix given works.
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err != nil {
		t.Fatalf("after chmod 600: %v", err)
	}
	// A file with only password_eval may be readable.
	if err := os.WriteFile(path, []byte("[[account]]\njid = \"a@example.org\"\npassword_eval = \"p\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err != nil {
		t.Fatalf("password_eval only, mode 0644: %v", err)
	}
}

func TestLoadUnreadable(t *testing.T) {
	big := writeConfig(t, "# "+strings.Repeat("x", maxConfigSize), 0o600)
	for _, tt := range []struct{ path, msg string }{
		{big, "larger than"},
		{t.TempDir(), "is a directory"},
	} {
		_, err := Load(tt.path)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("Load(%s) = %v, want %q", tt.path, err, tt.msg)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "none.toml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("errors.Is(err, fs.ErrNotExist) is false for %v", err)
	}
	var errs *Errors
	if !errors.As(err, &errs) || !strings.Contains(err.Error(), "none.toml: no such file") {
		t.Fatalf("unexpected error %v", err)
	}
}

func TestLoadDefaults(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/xdg/data")
	path := writeConfig(t, "[[account]]\njid = \"Alice@Example.org\"\npassword = \"p\"\n\n[[account]]\njid = \"bob@example.net\"\npassword_eval = \"echo p\"\nhost = \"10.0.0.1\"\ntls = \"direct\"\n[[account]]\njid = \"carol@example.net\"\npassword_eval = \"echo p\"\nhost = \"xmpp.example.net\"\n", 0o600)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != path || c.HistoryDir != "/xdg/data/parley/history" {
		t.Errorf("Path %q HistoryDir %q", c.Path, c.HistoryDir)
	}
	if !reflect.DeepEqual(c.UI, defaultUI()) {
		t.Errorf("UI = %+v, want defaults", c.UI)
	}
	if len(c.Accounts) != 3 {
		t.Fatalf("%d accounts", len(c.Accounts))
	}
	a := c.Accounts[0]
	if a.JID.String() != "alice@example.org" || a.Password != "p" || a.Host != "" || a.Port != 0 ||
		a.TLS != TLSStartTLS || a.Resource != "parley" || a.Nick != "alice" || a.Priority != 0 ||
		!a.Autoconnect || a.Keepalive != 60*time.Second || a.NoReceipts || a.Line != 1 {
		t.Errorf("account 1 = %+v", a)
	}
	if b := c.Accounts[1]; b.Host != "10.0.0.1" || b.Port != 5223 || b.TLS != TLSDirect || b.Line != 5 || b.PasswordEval != "echo p" {
		t.Errorf("account 2 = %+v", b)
	}
	if b := c.Accounts[2]; b.Host != "xmpp.example.net" || b.Port != 5222 || b.Line != 10 {
		t.Errorf("account 3 = %+v", b)
	}
}

func TestLoadValues(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), []byte(testCertPEM(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	text := `history_dir = "hist"
[ui]
time_format = "2006-01-02 15:04:05"
roster_width = 40
occupant_width = 10
xmlconsole_lines = 77
show_joins = false
styling = false
autoaway_minutes = 10
autoxa_minutes = 30
[ui.theme]
background = "Black"
error = "#ff0000"
[[account]]
jid = "a@example.org"
password_eval = "echo p"
host = "::1"
port = 15222
ca_file = "ca.pem"
resource = "desk top"
nick = "Al"
priority = -128
autoconnect = false
keepalive = "1m30s"
send_receipts = false
`
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.HistoryDir != filepath.Join(dir, "hist") {
		t.Errorf("HistoryDir %q", c.HistoryDir)
	}
	u := c.UI
	if u.TimeFormat != "2006-01-02 15:04:05" || u.RosterWidth != 40 || u.OccupantWidth != 10 || u.XMLConsole != 77 || u.ShowJoins || u.Styling ||
		u.AutoAway != 10*time.Minute || u.AutoXA != 30*time.Minute {
		t.Errorf("UI %+v", u)
	}
	if u.Theme.Background != tcell.ColorBlack || u.Theme.Error != tcell.NewHexColor(0xff0000) || u.Theme.Info != defaultTheme().Info {
		t.Errorf("Theme %+v", u.Theme)
	}
	a := c.Accounts[0]
	if a.Host != "::1" || a.Port != 15222 || a.CAFile != filepath.Join(dir, "ca.pem") || a.Resource != "desk top" ||
		a.Nick != "Al" || a.Priority != -128 || a.Autoconnect || a.Keepalive != 90*time.Second || !a.NoReceipts {
		t.Errorf("account %+v", a)
	}
}

func TestDefaultThemeParses(t *testing.T) {
	for _, c := range themeColours() {
		if _, ok := parseColour(c.def); !ok {
			t.Errorf("default colour %s = %q does not parse", c.name, c.def)
		}
	}
}

func TestXDGPaths(t *testing.T) {
	t.Setenv("HOME", "/home/u")
	tests := []struct {
		config, data       string
		wantPath, wantData string
	}{
		{"", "", "/home/u/.config/parley/config.toml", "/home/u/.local/share/parley"},
		{"/c", "/d", "/c/parley/config.toml", "/d/parley"},
		{"relative", "rel", "/home/u/.config/parley/config.toml", "/home/u/.local/share/parley"},
	}
	for _, tt := range tests {
		t.Setenv("XDG_CONFIG_HOME", tt.config)
		t.Setenv("XDG_DATA_HOME", tt.data)
		p, err := DefaultPath()
		if err != nil || p != tt.wantPath {
			t.Errorf("DefaultPath with %q = %q, %v; want %q", tt.config, p, err, tt.wantPath)
		}
		d, err := DefaultDataDir()
		if err != nil || d != tt.wantData {
			t.Errorf("DefaultDataDir with %q = %q, %v; want %q", tt.data, d, err, tt.wantData)
		}
	}
}

// FuzzParse checks that any text gives a config or an *Errors whose problems
// all have a message, and never a panic.
func FuzzParse(f *testing.F) {
	f.Add("[[account]]\njid = \"a@example.org\"\npassword = \"p\"\n")
	f.Add("[ui.theme]\nerror = \"#ff0000\"\n[[account]]\njid = \"a@b/c\"\nport = 1\n")
	f.Add("account = [{jid = \"x@y\", password_eval = \"e\"}, 3]\n")
	f.Add("ui = { theme = { info = 1 } }\n[[account]]\nkeepalive = \"1h\"\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := parse("/fuzz/config.toml", []byte(text), 0o644)
		if err == nil {
			if c == nil || len(c.Accounts) == 0 {
				t.Fatalf("no error and no account: %+v", c)
			}
			return
		}
		var errs *Errors
		if !errors.As(err, &errs) || len(errs.List) == 0 {
			t.Fatalf("error %T %v", err, err)
		}
		for _, p := range errs.List {
			if p.Msg == "" || p.Line < 0 {
				t.Fatalf("bad problem %+v", p)
			}
		}
	})
}
