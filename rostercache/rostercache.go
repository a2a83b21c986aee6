// Package rostercache keeps an account's roster and its version
// (XEP-0237) in a flat file between logins, so that a login asks the
// server only for what changed. It implements account.RosterStore.
//
// The file is DIR/<name>.jsonl (name: history.EncodeName of the account),
// JSON lines like the history: a header, then one contact per line.
//
//	{"parley_roster":1,"account":"alice@example.org","ver":"42","items":2}
//	{"jid":"bob@example.org","name":"Bob","sub":"both","groups":["Friends"]}
//	{"jid":"carol@example.org","sub":"none","ask":true}
//
// A save writes a temporary file and renames it over the old one, so the
// file always holds one consistent snapshot. The file is untrusted on
// reading: lines, items, names and groups are bounded, every JID is
// parsed, and anything that does not fit makes the whole file unusable,
// which costs one full roster fetch, never a wrong roster.
package rostercache

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"unicode/utf8"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/history"
)

// Bounds on what a file may hold; they match what the account keeps from
// the server.
const (
	MaxItems  = 1 << 17   // contacts
	maxLine   = 256 << 10 // a contact with 64 groups of 1 KiB, escaped
	maxText   = 1 << 10   // bytes of a name, a group, the version
	maxGroups = 64
	format    = 1
)

// File is the roster cache of one account.
type File struct {
	path    string
	account string
}

// New returns the cache of account (its bare JID) in dir, which Save
// creates when missing.
func New(dir string, acct jid.JID) *File {
	bare := acct.Bare().String()
	return &File{path: filepath.Join(dir, history.EncodeName(bare)+".jsonl"), account: bare}
}

// Path is the file's path.
func (f *File) Path() string { return f.path }

type header struct {
	Format  int    `json:"parley_roster"`
	Account string `json:"account"`
	Ver     string `json:"ver"`
	Items   int    `json:"items"`
}

type line struct {
	JID    string   `json:"jid"`
	Name   string   `json:"name,omitempty"`
	Sub    string   `json:"sub"`
	Ask    bool     `json:"ask,omitempty"`
	Groups []string `json:"groups,omitempty"`
}

// ErrNone means no roster is saved.
var ErrNone = errors.New("rostercache: no saved roster")

// Load returns the saved roster and its version.
func (f *File) Load() (string, []account.RosterItem, error) {
	fh, err := os.Open(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil, ErrNone
	}
	if err != nil {
		return "", nil, err
	}
	defer fh.Close()
	ver, items, err := read(bufio.NewReaderSize(fh, 64<<10), f.account)
	if err != nil {
		return "", nil, fmt.Errorf("rostercache: %s: %w", f.path, err)
	}
	return ver, items, nil
}

// read parses a cache file of acct.
func read(r *bufio.Reader, acct string) (string, []account.RosterItem, error) {
	raw, err := readLine(r)
	if err != nil {
		return "", nil, err
	}
	var h header
	if err := json.Unmarshal(raw, &h); err != nil || h.Format != format {
		return "", nil, errors.New("not a roster cache")
	}
	if h.Account != acct {
		return "", nil, fmt.Errorf("the roster of %q, not %q", clip(h.Account), acct)
	}
	if h.Items < 0 || h.Items > MaxItems || len(h.Ver) > maxText {
		return "", nil, errors.New("header out of bounds")
	}
	items := make([]account.RosterItem, 0, min(h.Items, 4096))
	seen := make(map[string]bool, min(h.Items, 4096))
	for range h.Items {
		raw, err := readLine(r)
		if err != nil {
			return "", nil, err
		}
		it, err := parseItem(raw)
		if err != nil {
			return "", nil, err
		}
		if seen[it.JID.String()] {
			return "", nil, fmt.Errorf("%s listed twice", it.JID)
		}
		seen[it.JID.String()] = true
		items = append(items, it)
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return "", nil, errors.New("more lines than the header says")
	}
	return h.Ver, items, nil
}

// readLine returns the next line without its newline; a line longer than
// maxLine, or a last line without one (a cut file), is an error.
func readLine(r *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(out)+len(chunk) > maxLine {
			return nil, errors.New("line too long")
		}
		out = append(out, chunk...)
		switch {
		case err == nil:
			return out[:len(out)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			return nil, io.ErrUnexpectedEOF
		default:
			return nil, err
		}
	}
}

// parseItem checks one contact line.
func parseItem(raw []byte) (account.RosterItem, error) {
	var l line
	if err := json.Unmarshal(raw, &l); err != nil {
		return account.RosterItem{}, errors.New("malformed contact line")
	}
	j, err := jid.Parse(l.JID)
	if err != nil || !j.Equal(j.Bare()) {
		return account.RosterItem{}, fmt.Errorf("bad contact JID %q", clip(l.JID))
	}
	switch l.Sub {
	case "none", "to", "from", "both":
	default:
		return account.RosterItem{}, fmt.Errorf("bad subscription %q", clip(l.Sub))
	}
	if len(l.Name) > maxText || len(l.Groups) > maxGroups || !utf8.ValidString(l.Name) {
		return account.RosterItem{}, errors.New("contact line out of bounds")
	}
	for _, g := range l.Groups {
		if g == "" || len(g) > maxText || !utf8.ValidString(g) {
			return account.RosterItem{}, errors.New("bad group")
		}
	}
	return account.RosterItem{JID: j, Name: l.Name, Subscription: l.Sub, Ask: l.Ask, Groups: l.Groups}, nil
}

// Save replaces the file with items at version ver. Items that would not
// load again (removals, more than MaxItems, texts over the bounds) make
// the saved roster unusable rather than wrong: the file is removed.
func (f *File) Save(ver string, items []account.RosterItem) error {
	err := f.write(ver, items)
	if errors.Is(err, errUnsavable) {
		if err := os.Remove(f.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	return err
}

// errUnsavable is a roster that would not load again.
var errUnsavable = errors.New("roster out of the cache's bounds")

// write writes the snapshot to a temporary file and renames it over the
// file.
func (f *File) write(ver string, items []account.RosterItem) error {
	if len(items) > MaxItems || len(ver) > maxText {
		return errUnsavable
	}
	if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.path), ".roster-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename: nothing there
	defer tmp.Close()
	w := bufio.NewWriterSize(tmp, 64<<10)
	hdr, _ := json.Marshal(header{Format: format, Account: f.account, Ver: ver, Items: len(items)})
	w.Write(hdr)
	w.WriteByte('\n')
	for _, it := range items {
		b, _ := json.Marshal(line{JID: it.JID.String(), Name: it.Name, Sub: it.Subscription, Ask: it.Ask, Groups: it.Groups})
		if len(b) >= maxLine {
			return errUnsavable
		}
		if _, err := parseItem(b); err != nil {
			return errUnsavable
		}
		w.Write(b)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.path)
}

// clip bounds a text from the file for an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
