package uistate

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	s := State{
		Windows: []Window{
			{Kind: Chat, Account: "me@example.org", JID: "alice@example.org"},
			{Kind: Room, Account: "me@example.org", JID: "dev@conf.example.org", Nick: "zed"},
			{Kind: Room, Account: "me@example.org", JID: "ops@conf.example.org"},
			{Kind: Private, Account: "me@example.org", JID: "dev@conf.example.org/bob"},
		},
		Current: 3,
		Offline: "hide",
		Order:   "name",
		Folds:   []Fold{{"me@example.org", "Work"}, {"me@example.org", "with space"}},
	}
	path := filepath.Join(t.TempDir(), "sub", "state")
	if err := Save(path, s); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Errorf("loaded %+v\nsaved  %+v", got, s)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v", fi.Mode(), err)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".state-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if s, err := Load(filepath.Join(t.TempDir(), "none")); err != nil || !reflect.DeepEqual(s, State{}) {
		t.Errorf("missing file: %+v, %v", s, err)
	}
}

// TestCrafted: a file that is not ours, too large, or full of junk loads to
// what parses, bounded.
func TestCrafted(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, []byte(header+"\n"+strings.Repeat("x", MaxFile)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); err == nil {
		t.Error("an oversized file loads")
	}
	if _, err := Load(dir); err == nil {
		t.Error("a directory loads")
	}
	var b strings.Builder
	b.WriteString(header + "\n")
	for range MaxWindows + 100 {
		b.WriteString("win\tchat\tme@x\tbob@x\n")
	}
	b.WriteString("win\tchat\tme@x\n")         // too few fields
	b.WriteString("win\tweird\tme@x\tbob@x\n") // unknown kind
	b.WriteString("win\tchat\t\tbob@x\n")      // empty field
	b.WriteString("win\tchat\tme@x\t" + strings.Repeat("a", maxField+1) + "\n")
	b.WriteString("current\t99999\n")
	b.WriteString("roster\tsomething\n")
	b.WriteString("roster\toffline\tmaybe\n")
	s := Parse([]byte(b.String()))
	if len(s.Windows) != MaxWindows || s.Current != 0 || s.Offline != "" || s.Order != "" {
		t.Errorf("%d windows, current %d, %q %q", len(s.Windows), s.Current, s.Offline, s.Order)
	}
	if s := Parse([]byte("win\tchat\tme@x\tbob@x\n")); len(s.Windows) != 0 {
		t.Error("a file without the header is read")
	}
	// Fields that cannot be stored are left out when writing.
	out := Format(State{Windows: []Window{{Kind: Chat, Account: "me@x", JID: "a\tb"}, {Kind: Chat, Account: "me@x", JID: "ok@x"}}})
	if got := Parse(out); len(got.Windows) != 1 || got.Windows[0].JID != "ok@x" {
		t.Errorf("%q → %+v", out, got)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(header + "\nwin\tchat\tme@x\tbob@x\ncurrent\t2\nfold\tme@x\tWork\nroster\toffline\thide\n"))
	f.Add([]byte(header + "\nwin\troom\tme@x\tr@c\tnick\n\n\t\t\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := Parse(data)
		if len(s.Windows) > MaxWindows || len(s.Folds) > MaxFolds || s.Current > len(s.Windows)+1 {
			t.Fatalf("unbounded: %d windows, %d folds, current %d", len(s.Windows), len(s.Folds), s.Current)
		}
		if again := Parse(Format(s)); !reflect.DeepEqual(again, s) {
			t.Fatalf("format round trip:\n%+v\n%+v", s, again)
		}
	})
}
