package rostercache

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"parley/account"
)

var me = jid.MustParse("alice@example.org")

func items() []account.RosterItem {
	return []account.RosterItem{
		{JID: jid.MustParse("bob@example.org"), Name: "Bob \"B\"\n", Subscription: "both", Groups: []string{"Friends", "Wörk"}},
		{JID: jid.MustParse("carol@example.org"), Subscription: "none", Ask: true},
	}
}

// TestRoundTrip saves and loads a roster, replaces it, and reads a missing
// file as none saved.
func TestRoundTrip(t *testing.T) {
	f := New(t.TempDir()+"/cache", me)
	if _, _, err := f.Load(); err != ErrNone {
		t.Fatalf("Load of nothing: %v", err)
	}
	if err := f.Save("v1", items()); err != nil {
		t.Fatal(err)
	}
	ver, got, err := f.Load()
	if err != nil || ver != "v1" || len(got) != 2 || got[0].Name != "Bob \"B\"\n" || got[0].Groups[1] != "Wörk" || !got[1].Ask || got[1].Subscription != "none" {
		t.Fatalf("Load = %q %+v %v", ver, got, err)
	}
	if err := f.Save("v2", nil); err != nil {
		t.Fatal(err)
	}
	if ver, got, err := f.Load(); err != nil || ver != "v2" || len(got) != 0 {
		t.Fatalf("after the second save: %q %+v %v", ver, got, err)
	}
	ents, _ := os.ReadDir(t.TempDir())
	if len(ents) != 0 {
		t.Errorf("left behind: %v", ents)
	}
	if fi, err := os.Stat(f.Path()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v %v", fi.Mode(), err)
	}
}

// TestUnsavable checks that a roster the file could not hold removes the
// saved one: the next login fetches it whole.
func TestUnsavable(t *testing.T) {
	f := New(t.TempDir(), me)
	if err := f.Save("v1", items()); err != nil {
		t.Fatal(err)
	}
	bad := append(items(), account.RosterItem{JID: jid.MustParse("dave@example.org"), Subscription: "remove"})
	if err := f.Save("v2", bad); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.Load(); err != ErrNone {
		t.Errorf("Load after an unsavable roster: %v", err)
	}
}

// TestHostileFiles loads crafted files: each is refused as a whole.
func TestHostileFiles(t *testing.T) {
	hdr := `{"parley_roster":1,"account":"alice@example.org","ver":"7","items":1}` + "\n"
	bob := `{"jid":"bob@example.org","sub":"both"}` + "\n"
	for _, tc := range []struct{ name, data, want string }{
		{"empty", "", "unexpected EOF"},
		{"not json", "hello\n", "not a roster cache"},
		{"other format", `{"parley_roster":2,"account":"alice@example.org","items":0}` + "\n", "not a roster cache"},
		{"other account", `{"parley_roster":1,"account":"mallory@example.org","items":0}` + "\n", "the roster of"},
		{"too many items", `{"parley_roster":1,"account":"alice@example.org","items":999999999}` + "\n", "out of bounds"},
		{"negative count", `{"parley_roster":1,"account":"alice@example.org","items":-1}` + "\n", "out of bounds"},
		{"fewer lines", hdr, "unexpected EOF"},
		{"more lines", hdr + bob + bob, "more lines"},
		{"cut last line", hdr + strings.TrimSuffix(bob, "\n"), "unexpected EOF"},
		{"full JID", hdr + `{"jid":"bob@example.org/phone","sub":"both"}` + "\n", "bad contact JID"},
		{"bad JID", hdr + `{"jid":"@@","sub":"both"}` + "\n", "bad contact JID"},
		{"bad subscription", hdr + `{"jid":"bob@example.org","sub":"remove"}` + "\n", "bad subscription"},
		{"long line", hdr + `{"jid":"bob@example.org","sub":"both","name":"` + strings.Repeat("x", maxLine) + `"}` + "\n", "line too long"},
		{"long name", hdr + `{"jid":"bob@example.org","sub":"both","name":"` + strings.Repeat("x", maxText+1) + `"}` + "\n", "out of bounds"},
		{"empty group", hdr + `{"jid":"bob@example.org","sub":"both","groups":[""]}` + "\n", "bad group"},
		{"twice", strings.Replace(hdr, `"items":1`, `"items":2`, 1) + bob + bob, "listed twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := New(t.TempDir(), me)
			if err := os.WriteFile(f.Path(), []byte(tc.data), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, _, err := f.Load(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// FuzzRead feeds arbitrary files to the reader: a roster or an error,
// never a panic, never more than MaxItems.
func FuzzRead(f *testing.F) {
	f.Add(`{"parley_roster":1,"account":"alice@example.org","ver":"7","items":1}` + "\n" + `{"jid":"bob@example.org","sub":"both","groups":["a"]}` + "\n")
	f.Add(`{"parley_roster":1,"account":"alice@example.org","items":0}` + "\n")
	f.Fuzz(func(t *testing.T, data string) {
		_, items, err := read(bufio.NewReader(strings.NewReader(data)), "alice@example.org")
		if err == nil && len(items) > MaxItems {
			t.Errorf("%d items", len(items))
		}
	})
}

// BenchmarkSaveLoad is a 2,000-contact roster saved and loaded.
func BenchmarkSaveLoad(b *testing.B) {
	f := New(b.TempDir(), me)
	list := make([]account.RosterItem, 2000)
	for i := range list {
		list[i] = account.RosterItem{JID: jid.MustParse(fmt.Sprintf("contact%d@example.org", i)), Name: fmt.Sprintf("Contact %d", i), Subscription: "both", Groups: []string{"Group"}}
	}
	for b.Loop() {
		if err := f.Save("v", list); err != nil {
			b.Fatal(err)
		}
		if _, _, err := f.Load(); err != nil {
			b.Fatal(err)
		}
	}
}

func writeFile(path, data string) error { return os.WriteFile(path, []byte(data), 0o600) }
