package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
)

// loader holds the state of one Load.
type loader struct {
	path string // the file, as given
	dir  string // its directory, for relative paths in the file
	perm os.FileMode
	ps   *problems
}

// Load reads and validates a config file. On any problem it returns an
// *Errors listing every problem at once, each with line and key. When the
// file cannot be read the *Errors wraps the cause, so errors.Is(err,
// fs.ErrNotExist) tells that there is no config file yet (see Setup).
//
// A file that holds a password and that group or others may read is refused.
func Load(path string) (*Config, error) {
	data, perm, err := readLimited(path, maxConfigSize)
	if err != nil {
		return nil, &Errors{File: path, List: []Problem{{Msg: readError(err), Err: err}}}
	}
	return parse(path, data, perm)
}

// Size limits of the files the config reads.
const (
	maxConfigSize = 1 << 20 // config file
	maxCAFileSize = 8 << 20 // ca_file (a full system bundle is about 200 KB)
)

// readLimited reads a file of at most limit bytes and returns its permission
// bits. It refuses more, so that a path like /dev/zero cannot exhaust memory.
func readLimited(path string, limit int64) ([]byte, os.FileMode, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if fi.IsDir() {
		return nil, 0, fmt.Errorf("%s is a directory", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, 0, err
	}
	if int64(len(data)) > limit {
		return nil, 0, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return data, fi.Mode().Perm(), nil
}

// parse validates the text of a config file read from path, whose
// permission bits are perm.
func parse(path string, data []byte, perm os.FileMode) (*Config, error) {
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return nil, &Errors{File: path, List: []Problem{syntaxProblem(err, string(data))}}
	}
	l := &loader{path: path, dir: filepath.Dir(path), perm: perm, ps: &problems{lines: indexLines(string(data))}}
	dataDir, err := DefaultDataDir()
	if err != nil {
		dataDir = filepath.Join(l.dir, "data")
	}
	c := &Config{Path: path, HistoryDir: filepath.Join(dataDir, "history"), UI: defaultUI()}
	if d, err := DefaultDownloadDir(); err == nil {
		c.DownloadDir = d
	}
	decodeTable(l, "", raw, topFields(), c)
	l.crossChecks(c, raw)
	if len(l.ps.list) > 0 {
		return nil, &Errors{File: path, List: l.ps.sorted()}
	}
	return c, nil
}

// readError words a failure to read the file.
func readError(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "no such file"
	case errors.Is(err, os.ErrPermission):
		return "permission denied"
	}
	return err.Error()
}

// syntaxProblem turns a toml decode error into a problem with its line.
// toml names the last key it read without array indexes ("account.jid");
// when the scanner saw that key on the error's line, its canonical path
// ("account[2].jid") is used instead.
func syntaxProblem(err error, text string) Problem {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return Problem{Msg: "TOML: " + err.Error(), Err: err}
	}
	msg := "TOML syntax error: " + pe.Message
	if pe.Usage != "" {
		msg += " (" + strings.Join(strings.Fields(pe.Usage), " ") + ")"
	}
	key := pe.LastKey
	for _, k := range keysOnLine(text, pe.Position.Line) {
		if stripIndexes(k) == pe.LastKey {
			key = k
			break
		}
	}
	return Problem{Line: pe.Position.Line, Key: key, Msg: msg, Err: err}
}

// stripIndexes removes array indexes from a canonical key path:
// "account[2].jid" → "account.jid".
func stripIndexes(key string) string {
	var b strings.Builder
	inQuote, inIndex := false, false
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case inQuote:
			if c == '\\' && i+1 < len(key) {
				b.WriteByte(c)
				i++
				c = key[i]
			} else if c == '"' {
				inQuote = false
			}
		case inIndex:
			inIndex = c != ']'
			continue
		case c == '"':
			inQuote = true
		case c == '[':
			inIndex = true
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// crossChecks applies the rules that span tables: at least one account,
// distinct JIDs, and a private file when it holds passwords.
func (l *loader) crossChecks(c *Config, raw map[string]any) {
	if _, ok := raw["account"]; !ok {
		l.ps.list = append(l.ps.list, Problem{Key: "account", Msg: "no [[account]] table: at least one account is required"})
	}
	if u := c.UI; u.AutoAway > 0 && u.AutoXA > 0 && u.AutoXA <= u.AutoAway {
		l.ps.add("ui.autoxa_minutes", "%d is not after autoaway_minutes = %d: extended away comes after away (0 turns either off)",
			int(u.AutoXA.Minutes()), int(u.AutoAway.Minutes()))
	}
	firstPassword := ""
	for i, a := range c.Accounts {
		key := fmt.Sprintf("account[%d]", i+1)
		if a.Password != "" && firstPassword == "" {
			firstPassword = key + ".password"
		}
		if a.JID.String() == "" {
			continue
		}
		for j := range i {
			if c.Accounts[j].JID.Equal(a.JID) {
				l.ps.add(key+".jid", "%s is already account[%d] (line %d): each account may appear once", a.JID, j+1, c.Accounts[j].Line)
				break
			}
		}
	}
	if firstPassword != "" {
		if l.perm&0o077 != 0 {
			l.ps.add(firstPassword, "the file holds a password but group or others may read it (mode %04o): run chmod 600 %s", l.perm, shellQuote(l.path))
		}
	}
}

// intRange checks that v (an int64) lies in lo..hi and stores it in dst.
func (l *loader) intRange(key string, v any, lo, hi int, dst *int) bool {
	n := v.(int64)
	if n < int64(lo) || n > int64(hi) {
		l.ps.add(key, "%d is out of range %d..%d", n, lo, hi)
		return false
	}
	*dst = int(n)
	return true
}

// expandPath expands a leading ~ and makes p relative to the config file's
// directory when it is not absolute.
func (l *loader) expandPath(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, p[1:])
		}
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(l.dir, p)
	}
	return filepath.Clean(p)
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+,:@%=", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
