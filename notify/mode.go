package notify

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"parley/internal/atomicfile"
	"sort"
	"strings"
)

// Mode says which messages of a conversation notify.
type Mode uint8

// Modes, as /notify names them.
const (
	Default  Mode = iota // not set: rooms Mentions, 1:1 and private conversations On
	On                   // every message from someone else
	Mentions             // messages that mention us (or a highlight word)
	Off                  // none
)

// String returns the mode's name ("on", "mentions", "off", "default").
func (m Mode) String() string {
	switch m {
	case On:
		return "on"
	case Mentions:
		return "mentions"
	case Off:
		return "off"
	}
	return "default"
}

// ParseMode parses a mode name.
func ParseMode(s string) (Mode, error) {
	for _, m := range []Mode{On, Mentions, Off, Default} {
		if strings.EqualFold(s, m.String()) {
			return m, nil
		}
	}
	return Default, fmt.Errorf("unknown notify mode %q (on, off, mentions or default)", s)
}

// Wants reports whether a message notifies under mode m: room is whether it
// came in a room (not 1:1, not private with an occupant), mention whether it
// names us or a highlight word.
func (m Mode) Wants(room, mention bool) bool {
	switch m {
	case Off:
		return false
	case On:
		return true
	case Mentions:
		return mention
	}
	return mention || !room
}

// Limits on the modes file.
const (
	maxModesFile = 1 << 20
	maxModes     = 10000
	maxKeyLen    = 3072 // an account and a full JID
)

// Modes are the per-conversation modes of all accounts, kept in a flat
// file: one "account<TAB>conversation<TAB>mode" line each. A Modes is used
// by one goroutine.
type Modes struct {
	path string
	m    map[string]Mode
}

// LoadModes reads the modes file at path; a missing file is no modes. Lines
// that do not parse are skipped (the file is ours but untrusted); a file
// larger than its bound is an error.
func LoadModes(path string) (*Modes, error) {
	ms := &Modes{path: path, m: make(map[string]Mode)}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return ms, nil
	}
	if err != nil {
		return ms, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > maxModesFile {
		return ms, fmt.Errorf("%s: larger than %d bytes", path, maxModesFile)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 4096), maxKeyLen+64)
	for sc.Scan() && len(ms.m) < maxModes {
		acct, rest, ok1 := strings.Cut(sc.Text(), "\t")
		conv, name, ok2 := strings.Cut(rest, "\t")
		if !ok1 || !ok2 || acct == "" || conv == "" {
			continue
		}
		if m, err := ParseMode(name); err == nil && m != Default {
			ms.m[key(acct, conv)] = m
		}
	}
	return ms, sc.Err()
}

func key(acct, conv string) string { return acct + "\t" + conv }

// Get returns the mode of conversation conv of account acct.
func (ms *Modes) Get(acct, conv string) Mode {
	if ms == nil {
		return Default
	}
	return ms.m[key(acct, conv)]
}

// Set sets the mode of a conversation (Default removes it) and writes the
// file (a temporary file renamed over it, mode 0600).
func (ms *Modes) Set(acct, conv string, m Mode) error {
	if strings.ContainsAny(acct+conv, "\t\n\r") || len(acct)+len(conv) > maxKeyLen {
		return errors.New("notify: conversation name not storable")
	}
	k := key(acct, conv)
	old, had := ms.m[k]
	if m == Default {
		delete(ms.m, k)
	} else {
		if !had && len(ms.m) >= maxModes {
			return fmt.Errorf("notify: more than %d conversations with a mode", maxModes)
		}
		ms.m[k] = m
	}
	if err := ms.write(); err != nil {
		if had {
			ms.m[k] = old
		} else {
			delete(ms.m, k)
		}
		return err
	}
	return nil
}

func (ms *Modes) write() error {
	keys := make([]string, 0, len(ms.m))
	for k := range ms.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	for _, k := range keys {
		b.WriteString(k + "\t" + ms.m[k].String() + "\n")
	}
	return atomicfile.Write(ms.path, b.Bytes())
}
