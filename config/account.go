package config

import (
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
	"unicode"

	"mellium.im/xmpp/jid"
)

// maxNickname bounds the nickname key (vcard.MaxNick: what others keep).
const maxNickname = 256

// accountFields are the keys of [[account]].
func accountFields() []field[Account] {
	return []field[Account]{
		{name: "jid", kind: kString, set: func(l *loader, key string, a *Account, v any) {
			j, msg := parseAccountJID(v.(string))
			if msg != "" {
				l.ps.add(key, "%s", msg)
				return
			}
			a.JID = j
		}},
		{name: "password", kind: kString, set: func(l *loader, key string, a *Account, v any) {
			if v.(string) == "" {
				l.ps.add(key, "is empty")
				return
			}
			a.Password = v.(string)
		}},
		{name: "password_eval", kind: kString, set: func(l *loader, key string, a *Account, v any) {
			if strings.TrimSpace(v.(string)) == "" {
				l.ps.add(key, "is empty")
				return
			}
			a.PasswordEval = v.(string)
		}},
		{name: "host", kind: kString, set: func(l *loader, key string, a *Account, v any) {
			if msg := checkHost(v.(string)); msg != "" {
				l.ps.add(key, "%s", msg)
				return
			}
			a.Host = v.(string)
		}},
		{name: "port", kind: kInteger, set: func(l *loader, key string, a *Account, v any) {
			l.intRange(key, v, 1, 65535, &a.Port)
		}},
		{name: "tls", kind: kString, set: func(l *loader, key string, a *Account, v any) {
			switch s := v.(string); s {
			case TLSStartTLS, TLSDirect:
				a.TLS = s
			default:
				l.ps.add(key, "%q is not a TLS mode: use %q (default) or %q (XEP-0368); connections without TLS are not possible", s, TLSStartTLS, TLSDirect)
			}
		}},
		{name: "ca_file", kind: kString, set: func(l *loader, key string, a *Account, v any) {
			p := l.expandPath(v.(string))
			if msg := checkCAFile(p); msg != "" {
				l.ps.add(key, "%s", msg)
				return
			}
			a.CAFile = p
		}},
		{name: "resource", kind: kString, set: func(l *loader, key string, a *Account, v any) {
			if _, err := jid.New("user", "example.net", v.(string)); err != nil || v.(string) == "" {
				l.ps.add(key, "%q is not a valid resource: %s", v.(string), errText(err, "it is empty"))
				return
			}
			a.Resource = v.(string)
		}},
		{name: "nick", kind: kString, set: func(l *loader, key string, a *Account, v any) {
			s := v.(string)
			if _, err := jid.New("room", "example.net", s); err != nil || strings.TrimSpace(s) == "" || strings.IndexFunc(s, unicode.IsControl) >= 0 {
				l.ps.add(key, "%q is not a valid nick: %s", s, errText(err, "it is empty or holds control characters"))
				return
			}
			a.Nick = s
		}},
		{name: "priority", kind: kInteger, set: func(l *loader, key string, a *Account, v any) {
			var p int
			if l.intRange(key, v, -128, 127, &p) {
				a.Priority = int8(p)
			}
		}},
		{name: "autoconnect", kind: kBoolean, set: func(_ *loader, _ string, a *Account, v any) {
			a.Autoconnect = v.(bool)
		}},
		{name: "omemo", kind: kString, set: func(l *loader, key string, a *Account, v any) {
			switch s := v.(string); s {
			case OMEMOAutomatic, OMEMOManual, OMEMOOff:
				a.OMEMO = s
			default:
				l.ps.add(key, "%q is not an OMEMO mode: use %q (default: encrypt where the contact has OMEMO), %q (after /omemo on) or %q", s, OMEMOAutomatic, OMEMOManual, OMEMOOff)
			}
		}},
		{name: "nickname", kind: kString, set: func(l *loader, key string, a *Account, v any) {
			s := strings.TrimSpace(v.(string))
			if s == "" || len(s) > maxNickname || strings.IndexFunc(s, unicode.IsControl) >= 0 {
				l.ps.add(key, "%q is not a nickname: it must be 1 to %d bytes without control characters", v.(string), maxNickname)
				return
			}
			a.Nickname = s
		}},
		{name: "reveal_os", kind: kBoolean, set: func(_ *loader, _ string, a *Account, v any) {
			a.RevealOS = v.(bool)
		}},
		{name: "reveal_idle", kind: kBoolean, set: func(_ *loader, _ string, a *Account, v any) {
			a.RevealIdle = v.(bool)
		}},
		{name: "send_receipts", kind: kBoolean, set: func(_ *loader, _ string, a *Account, v any) {
			a.NoReceipts = !v.(bool)
		}},
		{name: "keepalive", kind: kString, set: func(l *loader, key string, a *Account, v any) {
			d, err := time.ParseDuration(v.(string))
			switch {
			case err != nil:
				l.ps.add(key, "%q is not a duration: write it like \"60s\" or \"2m\"", v.(string))
			case d < MinKeepalive:
				l.ps.add(key, "%s is too short: at least %s", d, MinKeepalive)
			default:
				a.Keepalive = d
			}
		}},
	}
}

// account decodes one [[account]] table, fills defaults and checks the rules
// that span keys. key is its canonical path, "account[2]".
func (l *loader) account(key string, m map[string]any) Account {
	a := Account{
		TLS:         TLSStartTLS,
		Resource:    DefaultResource,
		Autoconnect: true,
		Keepalive:   DefaultKeepalive,
		OMEMO:       OMEMOAutomatic,
		Line:        l.ps.lines.line(key),
	}
	decodeTable(l, key, m, accountFields(), &a)
	_, hasJID := m["jid"]
	_, hasPass := m["password"]
	_, hasEval := m["password_eval"]
	_, hasHost := m["host"]
	_, hasPort := m["port"]
	if !hasJID {
		l.ps.add(joinKey(key, "jid"), "missing: every account needs its address, e.g. jid = \"alice@example.org\"")
	}
	switch {
	case hasPass && hasEval:
		l.ps.add(joinKey(key, "password_eval"), "password and password_eval are both set: keep one")
	case !hasPass && !hasEval:
		l.ps.add(joinKey(key, "password"), "missing: set password, or password_eval to a command that prints it")
	}
	if hasPort && !hasHost {
		l.ps.add(joinKey(key, "port"), "port without host: set host too, or leave both out to find the server by DNS")
	}
	if a.Host != "" && !hasPort {
		a.Port = DefaultPort
		if a.TLS == TLSDirect {
			a.Port = DefaultDirectPort
		}
	}
	if a.Nick == "" && !a.JID.Equal(jid.JID{}) {
		a.Nick = a.JID.Localpart()
	}
	return a
}

// parseAccountJID parses an account address: a bare JID with a localpart.
func parseAccountJID(s string) (jid.JID, string) {
	j, err := jid.Parse(s)
	switch {
	case err != nil:
		return jid.JID{}, fmt.Sprintf("%q is not a valid JID: %v", s, err)
	case j.Localpart() == "":
		return jid.JID{}, fmt.Sprintf("%q has no user part: write it as user@%s", s, j.Domainpart())
	case j.Resourcepart() != "":
		return jid.JID{}, fmt.Sprintf("%q has a resource: write jid = %q and resource = %q", s, j.Bare().String(), j.Resourcepart())
	}
	return j, ""
}

// checkHost returns why s is not a host name or IP address, or "".
func checkHost(s string) string {
	if s == "" {
		return "is empty (leave host and port out to find the server by DNS)"
	}
	if net.ParseIP(s) != nil {
		return ""
	}
	if strings.Contains(s, ":") {
		return fmt.Sprintf("%q is not a host name: put the port in port = N", s)
	}
	if len(s) > 253 {
		return "host name longer than 253 characters"
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 {
			return fmt.Sprintf("%q is not a host name", s)
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r > unicode.MaxASCII && unicode.IsLetter(r)) {
				return fmt.Sprintf("%q is not a host name (%q is not allowed)", s, r)
			}
		}
	}
	return ""
}

// checkCAFile returns why path is not a readable PEM file holding at least
// one certificate, or "".
func checkCAFile(path string) string {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Sprintf("%s is not a regular file", path)
	}
	data, _, err := readLimited(path, maxCAFileSize)
	if err != nil {
		return fmt.Sprintf("cannot read CA file: %v", err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(data) {
		return fmt.Sprintf("%s holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)", path)
	}
	return ""
}

// errText returns err's text, or alt when err is nil.
func errText(err error, alt string) string {
	if err != nil {
		return err.Error()
	}
	return alt
}
