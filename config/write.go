package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Render returns the text of a commented config file holding one account.
// Keys at their defaults are written as comments, so the file shows what can
// be set. The text loads back into the same account (see Load).
func Render(a Account, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# parley configuration, written by the first-run setup on %s.\n", now.Format("2006-01-02"))
	b.WriteString(`# Every key is described in config.example.toml in parley's source tree.
# Keys left out (or commented out) take their defaults.

# Where message history is kept (default ~/.local/share/parley/history).
# history_dir = "~/.local/share/parley/history"

# [ui]
# time_format = "15:04"   # Go time layout of message times
# roster_width = 28
# show_joins = true       # show room join/leave lines
# styling = true          # draw *bold*, _italic_, ~strike~ (XEP-0393)

`)
	writeAccount(&b, a)
	return b.String()
}

// writeAccount writes the [[account]] table of a, commented as Render
// does.
func writeAccount(b *strings.Builder, a Account) {
	b.WriteString("[[account]]\n# Your address.\n")
	fmt.Fprintf(b, "jid = %s\n", tomlString(a.JID.String()))
	if a.PasswordEval != "" {
		b.WriteString("# A command whose first output line is the password.\n")
		fmt.Fprintf(b, "password_eval = %s\n", tomlString(a.PasswordEval))
	} else {
		b.WriteString("# The password. Keep this file private (chmod 600); or use\n")
		b.WriteString("# password_eval = \"command\" to have a command print it.\n")
		fmt.Fprintf(b, "password = %s\n", tomlString(a.Password))
	}
	if a.Host != "" {
		b.WriteString("# The server to connect to (without host and port parley looks up\n")
		b.WriteString("# the DNS SRV records of the JID's domain).\n")
		fmt.Fprintf(b, "host = %s\nport = %d\n", tomlString(a.Host), a.Port)
	} else {
		b.WriteString("# The server is found by DNS SRV lookup of the JID's domain; to connect\n")
		b.WriteString("# somewhere else set both:\n")
		b.WriteString("# host = \"xmpp.example.org\"\n# port = 5222\n")
	}
	b.WriteString("# \"starttls\" (default) or \"direct\" (TLS from the first byte, XEP-0368).\n")
	writeKey(b, "tls", tomlString(a.TLS), a.TLS == TLSStartTLS)
	b.WriteString("# Extra trusted CA certificates (PEM), for a server with a private CA.\n")
	if a.CAFile != "" {
		fmt.Fprintf(b, "ca_file = %s\n", tomlString(a.CAFile))
	} else {
		b.WriteString("# ca_file = \"~/.config/parley/my-ca.pem\"\n")
	}
	b.WriteString("# Resource of our connection, nick in rooms (default the JID's user part),\n")
	b.WriteString("# presence priority, connect at start, dead-connection detection time.\n")
	writeKey(b, "resource", tomlString(a.Resource), a.Resource == DefaultResource)
	writeKey(b, "nick", tomlString(a.Nick), a.Nick == a.JID.Localpart())
	writeKey(b, "priority", strconv.Itoa(int(a.Priority)), a.Priority == 0)
	writeKey(b, "autoconnect", strconv.FormatBool(a.Autoconnect), a.Autoconnect)
	writeKey(b, "keepalive", tomlString(formatDuration(a.Keepalive)), a.Keepalive == DefaultKeepalive)
	b.WriteString("# OMEMO encryption: automatic, manual (after /omemo on) or off.\n")
	writeKey(b, "omemo", tomlString(a.OMEMO), a.OMEMO == OMEMOAutomatic || a.OMEMO == "")
}

// writeKey writes key = value, commented out when it is the default.
func writeKey(b *strings.Builder, key, value string, isDefault bool) {
	if isDefault {
		b.WriteString("# ")
	}
	fmt.Fprintf(b, "%s = %s\n", key, value)
}

// formatDuration writes d the short way: "60s", "2m", "2m30s".
func formatDuration(d time.Duration) string {
	switch {
	case d%time.Minute == 0 && d >= 2*time.Minute:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0 && d < 2*time.Minute:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// writeNew writes data to a new file at path with mode 0600, creating its
// directory with mode 0700. It never replaces an existing file.
func writeNew(path string, data []byte) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Sync()
}
