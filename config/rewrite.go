package config

import (
	"errors"
	"fmt"
	"parley/internal/atomicfile"
	"path/filepath"
	"reflect"
	"strings"

	"mellium.im/xmpp/jid"
)

// ErrPasswordEval is returned by SetPassword when the account's password
// comes from password_eval: the file holds no password to change.
var ErrPasswordEval = errors.New("the password comes from password_eval, not from the config file")

// SetPassword changes the password of account in the config file at path
// (after /passwd changed it on the server). Only the value of that
// account's password key changes: every other byte of the file stays as it
// was (comments, layout, line ends). The file is replaced atomically (a
// temporary file renamed over it; a symbolic link is followed) with mode
// 0600. It refuses, changing nothing, when the file no longer loads, no
// longer holds the account, takes the password from password_eval
// (ErrPasswordEval), or writes it in a form it cannot rewrite in place (a
// multi-line string, a line with other keys).
func SetPassword(path string, account jid.JID, password string) error {
	if password == "" {
		return errors.New("config: the new password is empty")
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	data, perm, err := readLimited(real, maxConfigSize)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	before, err := parse(real, data, perm)
	if err != nil {
		return fmt.Errorf("config: %s no longer loads, so parley does not rewrite it: %w", path, err)
	}
	idx := -1
	for i, a := range before.Accounts {
		if a.JID.Equal(account.Bare()) {
			idx = i
		}
	}
	switch {
	case idx < 0:
		return fmt.Errorf("config: %s no longer has the account %s", path, account)
	case before.Accounts[idx].PasswordEval != "":
		return ErrPasswordEval
	}
	text := string(data)
	key := fmt.Sprintf("account[%d].password", idx+1)
	line, ok := indexLines(text)[key]
	if !ok {
		return fmt.Errorf("config: %s: cannot find the password of %s on a line of its own; change it by hand", path, account)
	}
	if keys := keysOnLine(text, line); len(keys) != 1 {
		return fmt.Errorf("config: %s:%d: the password shares its line with other keys; change it by hand", path, line)
	}
	from, to, err := valueSpan(text, line)
	if err != nil {
		return fmt.Errorf("config: %s:%d: %v; change it by hand", path, line, err)
	}
	out := text[:from] + tomlString(password) + text[to:]
	after, err := parse(real, []byte(out), 0o600)
	if err != nil {
		return fmt.Errorf("config: rewriting %s would break it (%v); nothing changed", path, err)
	}
	want := before.Accounts[idx]
	want.Password = password
	if !reflect.DeepEqual(after.Accounts[idx], want) || len(after.Accounts) != len(before.Accounts) {
		return fmt.Errorf("config: rewriting %s would change more than the password; nothing changed", path)
	}
	return replaceFile(real, []byte(out))
}

// valueSpan returns the byte offsets of the string value of the key on
// line (1-based) of text: `key = "value"` or `key = 'value'`, spaces and
// a trailing comment allowed.
func valueSpan(text string, line int) (from, to int, err error) {
	start := 0
	for n := 1; n < line; n++ {
		i := strings.IndexByte(text[start:], '\n')
		if i < 0 {
			return 0, 0, errors.New("no such line")
		}
		start += i + 1
	}
	end := len(text)
	if i := strings.IndexByte(text[start:], '\n'); i >= 0 {
		end = start + i
	}
	l := text[start:end]
	eq := -1
	inQuote := byte(0)
	for i := 0; i < len(l); i++ { // the = after the key, which may be quoted
		c := l[i]
		switch {
		case inQuote != 0 && c == '\\' && inQuote == '"':
			i++
		case inQuote != 0 && c == inQuote:
			inQuote = 0
		case inQuote == 0 && (c == '"' || c == '\''):
			inQuote = c
		case inQuote == 0 && c == '=':
			eq = i
		}
		if eq >= 0 {
			break
		}
	}
	if eq < 0 {
		return 0, 0, errors.New("no = on the password's line")
	}
	i := eq + 1
	for i < len(l) && (l[i] == ' ' || l[i] == '\t') {
		i++
	}
	if i >= len(l) || (l[i] != '"' && l[i] != '\'') {
		return 0, 0, errors.New("the password is not a string")
	}
	q := l[i]
	if strings.HasPrefix(l[i:], strings.Repeat(string(q), 3)) {
		return 0, 0, errors.New("the password is a multi-line string")
	}
	for j := i + 1; j < len(l); j++ {
		switch {
		case q == '"' && l[j] == '\\':
			j++
		case l[j] == q:
			return start + i, start + j + 1, nil
		}
	}
	return 0, 0, errors.New("the password's string does not end on its line")
}

// replaceFile replaces the file at path with data, mode 0600: written to a
// temporary file in the same directory, synced, then renamed over path.
func replaceFile(path string, data []byte) error {
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// AddAccount appends an [[account]] table for a to the config file at path
// (after /register created it), written as the first-run setup writes one.
// The file's bytes before it stay as they were; the file is replaced
// atomically with mode 0600. It refuses, changing nothing, when the file
// no longer loads, already has a's address, or would not load with it.
func AddAccount(path string, a Account) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	data, perm, err := readLimited(real, maxConfigSize)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	before, err := parse(real, data, perm)
	if err != nil {
		return fmt.Errorf("config: %s no longer loads, so parley does not rewrite it: %w", path, err)
	}
	for _, b := range before.Accounts {
		if b.JID.Equal(a.JID.Bare()) {
			return fmt.Errorf("config: %s already has the account %s", path, a.JID)
		}
	}
	setDefaults(&a)
	text := string(data)
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	var b strings.Builder
	b.WriteString(text)
	b.WriteString("\n# Created with /register.\n")
	writeAccount(&b, a)
	after, err := parse(real, []byte(b.String()), 0o600)
	if err != nil {
		return fmt.Errorf("config: adding the account to %s would break it (%v); nothing changed", path, err)
	}
	if n := len(after.Accounts); n != len(before.Accounts)+1 || !after.Accounts[n-1].JID.Equal(a.JID) || after.Accounts[n-1].Password != a.Password {
		return fmt.Errorf("config: adding the account to %s would not read back; nothing changed", path)
	}
	return replaceFile(real, []byte(b.String()))
}
