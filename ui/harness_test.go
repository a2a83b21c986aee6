package ui

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/account"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fakeAccount implements Account for UI tests: it records calls and, like
// the real account, emits a MessageEvent with Dir Out for what it sends.
type fakeAccount struct {
	j     jid.JID
	state account.State
	post  func(account.Event) // set by the harness

	mu    sync.Mutex
	sent  []account.Message
	calls []string
}

func newFake(s string) *fakeAccount {
	return &fakeAccount{j: jid.MustParse(s), state: account.Online}
}

func (f *fakeAccount) JID() jid.JID { return f.j }
func (f *fakeAccount) State() account.State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state
}

func (f *fakeAccount) record(c string) {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
}

func (f *fakeAccount) SendMessage(_ context.Context, to jid.JID, typ, body string) (account.Message, error) {
	m := account.Message{From: f.j, To: to, Type: typ, Body: body, Dir: account.Out, Time: fixedNow()}
	f.mu.Lock()
	f.sent = append(f.sent, m)
	f.mu.Unlock()
	f.record("send " + to.String() + " " + body)
	if f.post != nil {
		f.post(account.MessageEvent{Base: account.Base{Account: f.j}, Msg: m})
	}
	return m, nil
}

// SetPresence records the call and, as the account does, reports our own
// presence.
func (f *fakeAccount) SetPresence(_ context.Context, show account.Show, status string) error {
	f.record(fmt.Sprintf("presence %q %q", show, status))
	if f.post != nil {
		f.post(account.OwnPresenceEvent{Base: account.Base{Account: f.j}, Show: show, Status: status})
	}
	return nil
}

func (f *fakeAccount) Subscription(_ context.Context, to jid.JID, typ string) error {
	f.record("sub " + typ + " " + to.String())
	return nil
}

func (f *fakeAccount) RosterSet(_ context.Context, it account.RosterItem) error {
	f.record(fmt.Sprintf("rosterset %s %q %q", it.JID, it.Name, it.Groups))
	return nil
}

func (f *fakeAccount) RosterRemove(_ context.Context, j jid.JID) error {
	f.record("rosterremove " + j.String())
	return nil
}

func (f *fakeAccount) callList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func fixedNow() time.Time { return time.Date(2024, 5, 1, 12, 34, 0, 0, time.UTC) }

// harness runs a UI on a simulation screen.
type harness struct {
	t     testing.TB
	u     *UI
	scr   tcell.SimulationScreen
	fakes []*fakeAccount
	done  chan error
	stop  context.CancelFunc
}

func startUI(t testing.TB, w, h int, fakes ...*fakeAccount) *harness {
	t.Helper()
	return startUIPrep(t, w, h, nil, fakes...)
}

// startUIPrep is startUI with prep run on the UI before Run starts (to set
// test hooks and the frame gap).
func startUIPrep(t testing.TB, w, h int, prep func(*UI), fakes ...*fakeAccount) *harness {
	t.Helper()
	scr := tcell.NewSimulationScreen("UTF-8")
	hs := runUI(t, scr, prep, fakes...)
	hs.scr = scr
	hs.sync(func() { scr.SetSize(w, h) })
	return hs
}

// runUI runs a UI for fakes on scr, with prep run on it before Run starts;
// the test's cleanup stops it.
func runUI(t testing.TB, scr tcell.Screen, prep func(*UI), fakes ...*fakeAccount) *harness {
	t.Helper()
	accts := make([]Account, len(fakes))
	for i, f := range fakes {
		accts[i] = f
	}
	u := New(Options{Screen: scr, Accounts: accts, RosterWidth: 26})
	u.now = fixedNow
	u.loc = time.UTC
	for _, f := range fakes {
		f.post = u.Post
	}
	if prep != nil {
		prep(u)
	}
	ctx, cancel := context.WithCancel(context.Background())
	hs := &harness{t: t, u: u, fakes: fakes, done: make(chan error, 1), stop: cancel}
	go func() { hs.done <- u.Run(ctx) }()
	t.Cleanup(hs.close)
	return hs
}

// close stops the UI and waits for Run to return.
func (h *harness) close() {
	h.stop()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		h.t.Errorf("Run did not return")
	}
}

// sync runs f on the tview goroutine and redraws.
func (h *harness) sync(f func()) {
	h.u.app.QueueUpdateDraw(f)
}

// settle applies every queued event and redraws.
func (h *harness) settle() {
	for {
		h.sync(h.u.drain)
		h.u.mu.Lock()
		n := len(h.u.queue)
		h.u.mu.Unlock()
		if n == 0 {
			return
		}
	}
}

// waitFor waits until cond, run on the tview goroutine, holds.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var ok bool
		h.u.app.QueueUpdate(func() { ok = cond() })
		if ok {
			h.sync(func() {})
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s\n%s", what, h.text())
		}
		time.Sleep(time.Millisecond)
	}
}

// post posts events for account i and applies them.
func (h *harness) post(evs ...account.Event) {
	for _, ev := range evs {
		h.u.Post(ev)
	}
	h.settle()
}

// key injects one key through the screen, as a terminal would.
func (h *harness) key(k tcell.Key, r rune, mod tcell.ModMask) {
	h.scr.InjectKey(k, r, mod)
}

// typeText injects runes.
func (h *harness) typeText(s string) {
	for _, r := range s {
		h.scr.InjectKey(tcell.KeyRune, r, tcell.ModNone)
	}
}

// input returns the input line's text (on the tview goroutine).
func (h *harness) inputIs(want string) {
	h.t.Helper()
	h.waitFor(fmt.Sprintf("input %q", want), func() bool { return h.u.input.text == want })
}

// text returns the screen as text, one line per row, trailing spaces cut.
func (h *harness) text() string {
	var b strings.Builder
	h.u.app.QueueUpdate(func() {
		w, ht := h.u.screen.Size()
		for y := 0; y < ht; y++ {
			var line strings.Builder
			for x := 0; x < w; {
				s, _, width := h.u.screen.Get(x, y)
				line.WriteString(s)
				x += max(width, 1)
			}
			b.WriteString(strings.TrimRight(line.String(), " "))
			b.WriteByte('\n')
		}
	})
	return b.String()
}

// colors returns, for the given rows, the row text and a line giving each
// cell's foreground colour as a letter, with a legend.
func (h *harness) colors(rows ...int) string {
	var b strings.Builder
	legend := map[tcell.Color]byte{}
	var order []tcell.Color
	h.u.app.QueueUpdate(func() {
		w, _ := h.scr.Size()
		for _, y := range rows {
			var line, codes strings.Builder
			for x := 0; x < w; {
				s, st, width := h.scr.Get(x, y)
				fg, _, _ := st.Decompose()
				c, ok := legend[fg]
				if !ok {
					c = byte('a' + len(order))
					legend[fg] = c
					order = append(order, fg)
				}
				line.WriteString(s)
				codes.WriteString(strings.Repeat(string(c), max(width, 1)))
				x += max(width, 1)
			}
			fmt.Fprintf(&b, "%2d text  %s\n%2d color %s\n", y, strings.TrimRight(line.String(), " "), y, codes.String())
		}
	})
	for i, c := range order {
		fmt.Fprintf(&b, "%c = %s\n", 'a'+i, colorName(c))
	}
	return b.String()
}

func colorName(c tcell.Color) string {
	if c == tcell.ColorDefault {
		return "default"
	}
	return fmt.Sprintf("#%06x", c.Hex())
}

// golden compares got with testdata/name.golden (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ui -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("screen %s differs from %s:\n--- got ---\n%s--- want ---\n%s", name, path, got, want)
	}
}

// ev helpers.

func base(f *fakeAccount) account.Base { return account.Base{Account: f.j} }

func rosterEv(f *fakeAccount, items ...account.RosterItem) account.RosterEvent {
	return account.RosterEvent{Base: base(f), Full: true, Items: items}
}

func item(j, name string, groups ...string) account.RosterItem {
	return account.RosterItem{JID: jid.MustParse(j), Name: name, Subscription: "both", Groups: groups}
}

func pres(f *fakeAccount, from string, show account.Show, status string, prio int8) account.PresenceEvent {
	return account.PresenceEvent{Base: base(f), From: jid.MustParse(from), Available: true, Show: show, Status: status, Priority: prio}
}

func msgIn(f *fakeAccount, from, body string, t time.Time) account.MessageEvent {
	return account.MessageEvent{Base: base(f), Msg: account.Message{
		From: jid.MustParse(from), To: f.j, Type: "chat", Body: body, Time: t, Dir: account.In}}
}

func jidOf(s string) jid.JID { return jid.MustParse(s) }
