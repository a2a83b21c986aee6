// Package tlstrust is certificate trust on first use (profanity's /tls,
// poezio's TOFU): the pins of server certificates the user trusted although
// they do not verify against the system's authorities (a self-signed
// certificate, a private CA, an expired one), and the check that applies
// them at every TLS handshake (Verifier).
//
// A pin is the SHA-256 fingerprint of the server's leaf certificate (its
// DER bytes), written as admins publish it (`prosodyctl cert fingerprint`,
// `openssl x509 -noout -fingerprint -sha256`): that is what a user can
// compare by eye, and a pin of the whole certificate also pins its names,
// validity and issuer. An SPKI pin would survive a renewal that keeps the
// key, but most renewals (certbot's default) make a new key anyway, and
// nobody publishes SPKI hashes for XMPP servers. A renewed certificate is
// therefore a changed one: parley asks again, naming both fingerprints.
//
// Pins are kept per server (the domain the certificate is for, which is
// the account's domain): two accounts on one server share them. They live
// in one flat file, written atomically and readable by its owner only (see
// Store); a damaged file is an error naming the file and the line, and
// then nothing in it is trusted.
package tlstrust

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"parley/sanitize"
)

// Limits on the pin file (it is read from disk: untrusted).
const (
	MaxFile   = 1 << 20 // bytes of the whole file
	MaxPins   = 4096    // pins in it
	maxLine   = 2048    // bytes of one line
	maxServer = 1023    // bytes of a server name (RFC 7622 domainpart)
	maxNote   = 256     // bytes of a pin's note (the certificate's subject)
)

// Pin is one trusted certificate of a server.
type Pin struct {
	Server      string    // the domain the certificate was trusted for, lower case
	Fingerprint string    // SHA-256 of the leaf certificate, as Fingerprint writes it
	Added       time.Time // when it was pinned (UTC, seconds)
	Note        string    // the certificate's subject when it was pinned, sanitized
}

// Fingerprint is the SHA-256 fingerprint of a certificate as servers'
// admins publish it: hex bytes in upper case, colon separated.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return formatFingerprint(sum[:])
}

func formatFingerprint(sum []byte) string {
	var b strings.Builder
	b.Grow(3*len(sum) - 1)
	for i, x := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", x)
	}
	return b.String()
}

// fingerprintHex returns s (colons, spaces and case as the user wrote them)
// as lower-case hex digits, or an error when it holds anything else or
// more than a SHA-256.
func fingerprintHex(s string) (string, error) {
	s = strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(strings.TrimSpace(s)))
	if s == "" {
		return "", errors.New("no fingerprint")
	}
	if len(s) > 2*sha256.Size {
		return "", errors.New("longer than a SHA-256 fingerprint")
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return "", errors.New("not hexadecimal (a SHA-256 fingerprint is 32 bytes, such as AB:CD:...)")
		}
	}
	return s, nil
}

// ParseFingerprint parses a whole SHA-256 fingerprint, with or without
// colons, in any case, and returns it as Fingerprint writes it.
func ParseFingerprint(s string) (string, error) {
	h, err := fingerprintHex(s)
	if err != nil {
		return "", fmt.Errorf("fingerprint %q: %w", clip(s, 100), err)
	}
	if len(h) != 2*sha256.Size {
		return "", fmt.Errorf("fingerprint %q: a SHA-256 fingerprint has 32 bytes", clip(s, 100))
	}
	raw, _ := hex.DecodeString(h)
	return formatFingerprint(raw), nil
}

// normServer is the form servers are compared and kept in.
func normServer(s string) string { return strings.ToLower(strings.TrimSuffix(s, ".")) }

// checkServer reports what is wrong with a server name in the file.
func checkServer(s string) error {
	switch {
	case s == "":
		return errors.New("no server")
	case len(s) > maxServer:
		return errors.New("server name too long")
	case !utf8.ValidString(s):
		return errors.New("server name is not UTF-8")
	case s != normServer(s):
		return errors.New("server name is not in lower case")
	}
	for _, r := range s {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) || strings.ContainsRune("@/\\#", r) {
			return fmt.Errorf("server name holds %q", r)
		}
	}
	return nil
}

// noteOf is what a pin notes about its certificate: the subject, sanitized
// and bounded, so that it reads back as written.
func noteOf(c *x509.Certificate) string {
	n := strings.Join(strings.Fields(sanitize.Text(c.Subject.String())), " ")
	return clip(n, maxNote)
}

// clip cuts s to at most n bytes, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// header starts every pin file parley writes.
const header = "# parley certificate pins: SERVER SHA-256-FINGERPRINT ADDED [NOTE]\n" +
	"# written by parley (/tls); a line per trusted certificate. /tls revoke removes one.\n"

// parse reads a pin file. A bad line is an error naming file and line, and
// then no pin of the file is returned.
func parse(name string, data []byte) ([]Pin, error) {
	if len(data) > MaxFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, MaxFile)
	}
	var pins []Pin
	seen := make(map[[2]string]bool)
	for n := 1; len(data) > 0; n++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		p, ok, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		if !ok {
			continue
		}
		k := [2]string{p.Server, p.Fingerprint}
		if seen[k] {
			return nil, fmt.Errorf("%s:%d: %s is pinned twice for %s", name, n, p.Fingerprint, p.Server)
		}
		seen[k] = true
		if len(pins) == MaxPins {
			return nil, fmt.Errorf("%s:%d: more than %d pins", name, n, MaxPins)
		}
		pins = append(pins, p)
	}
	return pins, nil
}

// parseLine parses one line; ok is false for a blank line or a comment.
func parseLine(line []byte) (Pin, bool, error) {
	if len(line) > maxLine {
		return Pin{}, false, fmt.Errorf("line longer than %d bytes", maxLine)
	}
	if !utf8.Valid(line) {
		return Pin{}, false, errors.New("not UTF-8")
	}
	s := strings.TrimSuffix(string(line), "\r")
	for _, r := range s {
		if r != '\t' && unicode.IsControl(r) {
			return Pin{}, false, fmt.Errorf("control character %q", r)
		}
	}
	t := strings.TrimSpace(s)
	if t == "" || strings.HasPrefix(t, "#") {
		return Pin{}, false, nil
	}
	f := strings.Fields(t)
	if len(f) < 3 {
		return Pin{}, false, errors.New("want SERVER FINGERPRINT ADDED [NOTE]")
	}
	var p Pin
	if err := checkServer(f[0]); err != nil {
		return Pin{}, false, err
	}
	p.Server = f[0]
	fp, err := ParseFingerprint(f[1])
	if err != nil {
		return Pin{}, false, err
	}
	if fp != f[1] {
		return Pin{}, false, fmt.Errorf("fingerprint %q is not written as AB:CD:... in upper case", clip(f[1], 100))
	}
	p.Fingerprint = fp
	if p.Added, err = time.Parse(time.RFC3339, f[2]); err != nil || p.Added.Format(time.RFC3339) != f[2] || p.Added.Location() != time.UTC {
		return Pin{}, false, fmt.Errorf("added %q is not a UTC time such as 2026-01-02T15:04:05Z", clip(f[2], 100))
	}
	if len(f) > 3 {
		p.Note = strings.Join(f[3:], " ")
		if len(p.Note) > maxNote {
			return Pin{}, false, fmt.Errorf("note longer than %d bytes", maxNote)
		}
		if sanitize.Text(p.Note) != p.Note {
			return Pin{}, false, errors.New("note holds characters that are not drawn")
		}
	}
	return p, true, nil
}

// format writes pins as parse reads them.
func format(pins []Pin) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	for _, p := range pins {
		b.WriteString(p.Server)
		b.WriteByte(' ')
		b.WriteString(p.Fingerprint)
		b.WriteByte(' ')
		b.WriteString(p.Added.UTC().Format(time.RFC3339))
		if p.Note != "" {
			b.WriteByte(' ')
			b.WriteString(p.Note)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}
