package ui

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"parley/history"
	"parley/uistate"
)

// BenchmarkRestoreWindows measures the start of the UI (New) with 0 and
// 20 windows kept at the last quit (18 conversations, 2 rooms), each with
// 2,000 messages of history, of which the window's tail is loaded.
func BenchmarkRestoreWindows(b *testing.B) {
	for _, n := range []int{0, 20} {
		b.Run(fmt.Sprint(n, "windows"), func(b *testing.B) {
			dir := b.TempDir()
			store, err := history.Open(filepath.Join(dir, "history"))
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			var st uistate.State
			for i := range n {
				w := uistate.Window{Kind: uistate.Chat, Account: "me@example.org", JID: fmt.Sprintf("peer%02d@example.org", i)}
				if i >= 18 {
					w = uistate.Window{Kind: uistate.Room, Account: "me@example.org", JID: fmt.Sprintf("room%02d@conf.example.org", i), Nick: "me"}
				}
				st.Windows = append(st.Windows, w)
				for j := range 2000 {
					r := history.Record{Time: t0.Add(time.Duration(j) * time.Minute), Dir: history.In, From: w.JID + "/x",
						Type: "chat", Body: fmt.Sprintf("message %d of a conversation kept across restarts", j), ID: fmt.Sprint(i, "-", j)}
					if w.Kind == uistate.Room {
						r.Type = "groupchat"
					}
					if _, err := store.Append(w.Account, w.JID, r); err != nil {
						b.Fatal(err)
					}
				}
			}
			st.Current = n + 1
			state := filepath.Join(dir, "state")
			if err := uistate.Save(state, st); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				u := New(Options{Accounts: []Account{newFake("me@example.org")}, History: store, StateFile: state})
				if len(u.wins) != n+1 {
					b.Fatalf("%d windows", len(u.wins))
				}
			}
		})
	}
}
