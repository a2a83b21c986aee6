// Package uistate keeps what the UI shows across restarts: the open windows
// in their order, the current one, and how the roster is shown. It is one
// small flat file, $XDG_DATA_HOME/parley/state, of tab-separated lines:
//
//	parley-state	1
//	roster	offline	hide|show
//	roster	order	name|presence
//	fold	ACCOUNT	GROUP
//	win	chat	ACCOUNT	JID
//	win	room	ACCOUNT	ROOM	NICK
//	win	private	ACCOUNT	ROOM/NICK
//	current	N
//
// The file is written whole (a temporary file renamed over it). It is read
// as untrusted: its size and every count are bounded, lines that do not
// parse are skipped, and the UI checks each address before using it.
package uistate

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"parley/internal/atomicfile"
	"strconv"
	"strings"
)

// Bounds on what is read.
const (
	MaxFile    = 256 << 10 // bytes of the file
	MaxWindows = 500       // windows restored
	MaxFolds   = 1000      // folded groups
	maxField   = 3072      // bytes of one field (an account, a JID, a group)
	header     = "parley-state\t1"
)

// Window kinds.
const (
	Chat    = "chat"    // a 1:1 conversation
	Room    = "room"    // a group chat
	Private = "private" // a private conversation with a room occupant
)

// Window is one open window.
type Window struct {
	Kind    string // Chat, Room or Private
	Account string // the account's bare JID
	JID     string // the peer: bare for Chat and Room, ROOM/NICK for Private
	Nick    string // Room: our nick in it ("" for the default)
}

// Fold is a folded roster group of an account.
type Fold struct {
	Account, Group string
}

// State is what is kept.
type State struct {
	Windows []Window // in window-list order, after the console
	Current int      // the current window's number (1 is the console)
	// Offline is "hide" or "show" once offline contacts were hidden or
	// shown (Alt-h, /roster), "" before: the config's default holds.
	Offline string
	// Order is "name" or "presence" once the roster was ordered, "" before.
	Order string
	Folds []Fold
}

// Load reads the state file at path; a missing file is the zero State. A
// file over MaxFile is an error; anything else read is bounded.
func Load(path string) (State, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return State{}, nil
	}
	if err != nil {
		return State{}, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return State{}, err
	} else if !st.Mode().IsRegular() || st.Size() > MaxFile {
		return State{}, fmt.Errorf("%s: not a regular file of at most %d bytes", path, MaxFile)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFile+1))
	if err != nil {
		return State{}, err
	}
	if len(data) > MaxFile {
		return State{}, fmt.Errorf("%s: larger than %d bytes", path, MaxFile)
	}
	return Parse(data), nil
}

// Parse reads state from the text of a state file. It never fails: what does
// not parse is left out.
func Parse(data []byte) State {
	var s State
	if len(data) > MaxFile {
		data = data[:MaxFile]
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), MaxFile)
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			first = false
			if line != header {
				return State{} // another format, or not ours
			}
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) > 5 || !fieldsOK(f) {
			continue
		}
		switch {
		case f[0] == "roster" && len(f) == 3 && f[1] == "offline" && (f[2] == "hide" || f[2] == "show"):
			s.Offline = f[2]
		case f[0] == "roster" && len(f) == 3 && f[1] == "order" && (f[2] == "name" || f[2] == "presence"):
			s.Order = f[2]
		case f[0] == "fold" && len(f) == 3 && len(s.Folds) < MaxFolds:
			s.Folds = append(s.Folds, Fold{f[1], f[2]})
		case f[0] == "win" && len(s.Windows) < MaxWindows:
			if w, ok := parseWindow(f[1:]); ok {
				s.Windows = append(s.Windows, w)
			}
		case f[0] == "current" && len(f) == 2:
			if n, err := strconv.Atoi(f[1]); err == nil && n >= 1 && n <= MaxWindows+1 {
				s.Current = n
			}
		}
	}
	if s.Current > len(s.Windows)+1 {
		s.Current = 0
	}
	return s
}

// fieldsOK reports whether every field is non-empty and bounded.
func fieldsOK(f []string) bool {
	for _, x := range f {
		if x == "" || len(x) > maxField || strings.ContainsRune(x, '\r') {
			return false
		}
	}
	return true
}

// parseWindow parses the fields of a win line after "win".
func parseWindow(f []string) (Window, bool) {
	switch {
	case len(f) < 3:
	case len(f) == 3 && (f[0] == Chat || f[0] == Private):
		return Window{Kind: f[0], Account: f[1], JID: f[2]}, true
	case f[0] == Room && (len(f) == 3 || len(f) == 4):
		w := Window{Kind: Room, Account: f[1], JID: f[2]}
		if len(f) == 4 {
			w.Nick = f[3]
		}
		return w, true
	}
	return Window{}, false
}

// Format returns the text of the state file for s. Fields that cannot be
// stored (empty, too long, holding a tab or a line break) leave their line
// out.
func Format(s State) []byte {
	var b bytes.Buffer
	b.WriteString(header + "\n")
	line := func(f ...string) {
		for i, x := range f {
			if (x == "" && !(i == 4 && f[0] == "win")) || len(x) > maxField || strings.ContainsAny(x, "\t\r\n") {
				return
			}
		}
		if f[len(f)-1] == "" {
			f = f[:len(f)-1]
		}
		b.WriteString(strings.Join(f, "\t") + "\n")
	}
	if s.Offline == "hide" || s.Offline == "show" {
		line("roster", "offline", s.Offline)
	}
	if s.Order == "name" || s.Order == "presence" {
		line("roster", "order", s.Order)
	}
	for i, f := range s.Folds {
		if i < MaxFolds {
			line("fold", f.Account, f.Group)
		}
	}
	for i, w := range s.Windows {
		switch {
		case i >= MaxWindows:
		case w.Kind == Room:
			line("win", w.Kind, w.Account, w.JID, w.Nick)
		default:
			line("win", w.Kind, w.Account, w.JID)
		}
	}
	if s.Current > 0 {
		line("current", strconv.Itoa(s.Current))
	}
	return b.Bytes()
}

// Save writes s to path atomically: a private temporary file in the same
// directory, synced, renamed over the old one.
func Save(path string, s State) error {
	return atomicfile.Write(path, Format(s))
}
