package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"parley/account"
	"parley/config"
	"parley/keymap"
	"parley/muc"
	"parley/uistate"
)

// runUIOpts is runUI with options set before New (the keys, the state
// file, the theme, the mouse are read there).
func runUIOpts(t testing.TB, scr tcell.Screen, opt func(*Options), prep func(*UI), fakes ...*fakeAccount) *harness {
	t.Helper()
	accts := make([]Account, len(fakes))
	for i, f := range fakes {
		accts[i] = f
	}
	o := Options{Screen: scr, Accounts: accts, RosterWidth: 26}
	if opt != nil {
		opt(&o)
	}
	u := New(o)
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
	if sim, ok := scr.(tcell.SimulationScreen); ok {
		hs.scr = sim
	}
	go func() { hs.done <- u.Run(ctx) }()
	t.Cleanup(hs.close)
	if hs.scr != nil {
		hs.sync(func() { hs.scr.SetSize(100, 30) })
	}
	return hs
}

// themeUI maps a config theme as main does (uiTheme there).
func themeUI(t config.Theme) Theme {
	luma := map[string]uint8{config.ThemeDark: 190, config.ThemeLight: 40}[t.Name]
	return Theme{Mono: t.Name == config.ThemeMono, NickLuma: luma,
		Background: t.Background, Foreground: t.Foreground, BarBg: t.StatusBG, BarFg: t.StatusFG,
		Time: t.Timestamp, Own: t.OwnMessage, Info: t.Info, Error: t.Error, Highlight: t.Highlight,
		Online: t.RosterOnline, Away: t.RosterAway, DND: t.RosterDND, Offline: t.RosterOffline,
		Activity: t.WindowActivity, HighMark: t.WindowHighlight, Header: t.RosterGroup}
}

// themeScreen fills a UI drawn with theme: a roster, a conversation with
// our message, an error, a highlight in a room, unread windows.
func themeScreen(t *testing.T, th Theme) *harness {
	f := newFake("me@example.org")
	rf := newRoomFake(f)
	h := runUIOpts(t, tcell.NewSimulationScreen("UTF-8"), func(o *Options) { o.Theme = th }, func(u *UI) { u.accts[0].a = rf }, f)
	fillRoster(h, f)
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	h.enter("/join dev@conf.example.org")
	h.waitFor("joined", func() bool { return h.u.curWin().room != nil && h.u.curWin().room.state == muc.Joined })
	h.post(roomChange(rf, nil), roomMsg(rf, "bob", "zed: ping", t0), roomMsg(rf, "carol", "hello all", t0))
	h.post(msgIn(f, "alice@example.org/laptop", "hi there", t0), msgIn(f, "erin@example.org/x", "unread", t0))
	h.enter("/win 3")
	h.curIs(2)
	h.sync(func() { h.u.info(h.u.curWin(), true, "an error line") })
	h.typeText("yes")
	h.inputIs("yes")
	return h
}

// TestGoldenThemes draws the built-in themes: dark and light in colour;
// mono (the theme of NO_COLOR) without any colour, every role told apart
// by attributes.
func TestGoldenThemes(t *testing.T) {
	for _, name := range []string{config.ThemeDark, config.ThemeLight, config.ThemeMono} {
		t.Run(name, func(t *testing.T) {
			ct, _ := config.BuiltinTheme(name)
			h := themeScreen(t, themeUI(ct))
			rows := []int{0, 2, 4, 6, 24, 25, 26, 27, 28}
			golden(t, "theme_"+name, h.text()+h.attrs(rows...))
			if name != config.ThemeMono {
				return
			}
			if c := h.colors(rows...); strings.Contains(c, "= #") {
				t.Errorf("mono draws colours:\n%s", c)
			}
		})
	}
	// NO_COLOR without a [ui.theme] table is mono.
	noColor, _ := config.Load(writeTestConfig(t, ""))
	if th := noColor.UI.Theme.ForEnv(func(k string) string { return map[string]string{"NO_COLOR": "1"}[k] }); !themeUI(th).Mono {
		t.Errorf("NO_COLOR: %+v", th)
	}
}

// writeTestConfig writes a config with one account and extra text.
func writeTestConfig(t *testing.T, text string) string {
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(text+"[[account]]\njid = \"me@example.org\"\npassword_eval = \"echo x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestGoldenRosterViews: offline contacts hidden (Alt-h), a group folded
// (Enter on its header), contacts by name (/roster order name).
func TestGoldenRosterViews(t *testing.T) {
	h, _ := chatSetup(t)
	h.key(tcell.KeyRune, 'h', tcell.ModAlt)
	h.waitFor("hidden", func() bool { return h.u.roster.hideOffline })
	golden(t, "roster_hidden", h.text())
	// Fold Friends from the roster: Alt-r selects Alice, Up the header.
	h.key(tcell.KeyRune, 'r', tcell.ModAlt)
	h.waitFor("roster focus", func() bool { return h.u.roster.HasFocus() })
	h.key(tcell.KeyUp, 0, 0)
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("folded", func() bool { return len(h.u.roster.folded) == 1 })
	golden(t, "roster_folded", h.text())
	h.key(tcell.KeyEnter, 0, 0) // unfold
	h.key(tcell.KeyEscape, 0, 0)
	h.waitFor("unfolded", func() bool { return len(h.u.roster.folded) == 0 && h.u.input.HasFocus() })
	h.key(tcell.KeyRune, 'h', tcell.ModAlt)
	h.enter("/roster order name")
	h.waitFor("by name", func() bool { return h.u.roster.byName && !h.u.roster.hideOffline })
	golden(t, "roster_byname", h.text())
	h.enter("/roster fold Nope")
	h.waitFor("no group", func() bool {
		return strings.Contains(h.u.curWin().buf.at(h.u.curWin().buf.len()-1).text, `no roster group "Nope"`)
	})
}

// TestRosterHiddenFollowsPresence: with offline contacts hidden, a contact
// coming online appears and one going offline goes.
func TestRosterHiddenFollowsPresence(t *testing.T) {
	f := newFake("me@example.org")
	h := runUIOpts(t, tcell.NewSimulationScreen("UTF-8"), func(o *Options) { o.RosterHideOffline = true }, nil, f)
	fillRoster(h, f)
	has := func(s string) bool { // on the tview goroutine
		r := h.u.roster
		r.sync()
		for _, row := range r.rows {
			if row.text == s {
				return true
			}
		}
		return false
	}
	var bob, alice bool
	h.sync(func() { bob, alice = has("bob@example.org"), has("Alice") })
	if bob || !alice {
		t.Fatalf("offline shown or online hidden:\n%s", h.text())
	}
	h.post(pres(f, "bob@example.org/x", account.ShowOnline, "", 0))
	h.waitFor("bob shown", func() bool { return has("bob@example.org") })
	h.post(account.PresenceEvent{Base: base(f), From: jidOf("bob@example.org/x"), Available: false})
	h.waitFor("bob hidden", func() bool { return !has("bob@example.org") })
}

// TestWindowsRestored: the windows open at quit (a 1:1, a room with our
// nick, a private conversation), their order and the current one come
// back at the next start; the room is joined once the account is online;
// the roster views come back too.
func TestWindowsRestored(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	opt := func(o *Options) { o.StateFile = state }
	f := newFake("me@example.org")
	rf := newRoomFake(f)
	h := runUIOpts(t, tcell.NewSimulationScreen("UTF-8"), opt, func(u *UI) { u.accts[0].a = rf }, f)
	fillRoster(h, f)
	h.enter("/msg bob@example.org")
	h.enter("/join dev@conf.example.org/zz")
	h.waitFor("joined", func() bool { return h.u.curWin().room != nil && h.u.curWin().room.state == muc.Joined })
	h.post(roomChange(rf, nil))
	h.enter("/query bob")
	h.waitFor("private", func() bool { return h.u.curWin().isPrivate() })
	h.enter("/msg alice@example.org")
	h.enter("/win 3")
	h.key(tcell.KeyRune, 'h', tcell.ModAlt)
	h.waitFor("window 3, offline hidden", func() bool { return h.u.cur == 2 && h.u.roster.hideOffline })
	var before []string
	h.sync(func() {
		for _, w := range h.u.wins {
			before = append(before, w.name)
		}
	})
	h.close()
	h.done <- nil // for the cleanup's close

	st, err := uistate.Load(state)
	if err != nil || len(st.Windows) != 4 || st.Current != 3 || st.Windows[1].Nick != "zed" {
		t.Fatalf("state %+v, %v", st, err)
	}
	f2 := newFake("me@example.org")
	rf2 := newRoomFake(f2)
	h2 := runUIOpts(t, tcell.NewSimulationScreen("UTF-8"), opt, func(u *UI) { u.accts[0].a = rf2 }, f2)
	h2.post(rosterEv(f2, item("alice@example.org", "Alice", "Friends"))) // names the restored windows
	var after []string
	h2.sync(func() {
		for _, w := range h2.u.wins {
			after = append(after, w.name)
		}
	})
	if strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("windows %q, want %q", after, before)
	}
	h2.waitFor("window 3 current, offline hidden", func() bool { return h2.u.cur == 2 && h2.u.roster.hideOffline })
	if rf2.callList() != nil {
		t.Errorf("calls before the account is online: %q", rf2.callList())
	}
	h2.post(account.StateEvent{Base: base(f2), State: account.Online})
	h2.waitCall(rf2, "join dev@conf.example.org zed ")
	h2.post(account.StateEvent{Base: base(f2), State: account.Online}) // a second login: the account rejoins by itself
	h2.settle()
	if n := strings.Count(strings.Join(rf2.callList(), "\n"), "join "); n != 1 {
		t.Errorf("%d joins: %q", n, rf2.callList())
	}
	if h2.u.cur != 2 {
		t.Errorf("the join moved the current window to %d", h2.u.cur+1)
	}
}

// TestConfigKeys feeds the bytes tmux sends for keys bound in the config:
// Alt-x (ESC x) to next-window, Ctrl-X w (0x18 w) to a command line, Ctrl-P
// (0x10) unbound, F5 (ESC [15~) to window 3, and of the input line's
// editing actions Ctrl-A (0x01) unbound, Ctrl-O (0x0f) beginning-of-line.
func TestConfigKeys(t *testing.T) {
	var overrides []keymap.Binding
	for k, a := range map[string]string{"Alt-x": "next-window", "Ctrl-X w": "/wins", "Ctrl-P": keymap.Unbind, "F5": "window-3", "Ctrl-O": "beginning-of-line", "Ctrl-A": keymap.Unbind} {
		c, err := keymap.Parse(k)
		if err != nil {
			t.Fatal(err)
		}
		overrides = append(overrides, keymap.Binding{Chord: c, Action: a})
	}
	h, tty := startRawUI(t, "tmux-256color", newFake("me@example.org"))
	h.sync(func() { h.u.keys, _ = keyTable(overrides) })
	f := h.fakes[0]
	fillRoster(h, f)
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	h.post(msgIn(f, "alice@example.org/laptop", "one", t0), msgIn(f, "bob@example.org/x", "two", t0))
	tty.send("\x1bx")
	h.waitFor("Alt-x: window 2", func() bool { return h.u.cur == 1 })
	tty.send("\x10") // Ctrl-P: unbound, and the input line ignores it
	tty.send("\x1b[15~")
	h.waitFor("F5: window 3", func() bool { return h.u.cur == 2 })
	tty.send("\x18")
	tty.send("w")
	h.waitFor("/wins", func() bool {
		w := h.u.curWin()
		return w.buf.len() > 0 && strings.Contains(w.buf.at(w.buf.len()-1).text, "bob")
	})
	tty.send("\x18")
	tty.send("a") // Ctrl-X then a key no chord goes on with: typed
	h.inputIs("a")
	tty.send("\x01b") // Ctrl-A unbound: nothing; b typed at the end
	h.inputIs("ab")
	tty.send("\x0fc") // Ctrl-O: the start of the line
	h.inputIs("cab")
	var helpText string
	defer func() {
		if t.Failed() {
			t.Log(helpText)
		}
	}()
	tty.send("\x05\x15/help keys\r") // Ctrl-E Ctrl-U first
	h.waitFor("help lists the bindings", func() bool {
		var all []string
		w := h.u.curWin()
		for i := range w.buf.len() {
			all = append(all, w.buf.at(i).text)
		}
		s := strings.Join(all, "\n")
		helpText = s
		return strings.Contains(s, "Alt-Right, Ctrl-N, Alt-x") && strings.Contains(s, "Ctrl-X w") && strings.Contains(s, "runs /wins") &&
			strings.Contains(s, "F3, F5") && !strings.Contains(s, "Ctrl-P") &&
			strings.Contains(s, "Home, Ctrl-O") && strings.Contains(s, "the input line:")
	})
}

// mouseScreen is a simulation screen that records whether the mouse was
// turned on.
type mouseScreen struct {
	tcell.SimulationScreen
	enabled chan struct{}
}

func (s *mouseScreen) EnableMouse(f ...tcell.MouseFlags) {
	select {
	case s.enabled <- struct{}{}:
	default:
	}
	s.SimulationScreen.EnableMouse(f...)
}

// TestMouse: with the option, a click in the window list shows that window,
// a click in the roster opens a contact or folds a group, the wheel scrolls;
// the focus stays on the input line. Without it, the terminal is never
// asked for mouse reports.
func TestMouse(t *testing.T) {
	scr := &mouseScreen{SimulationScreen: tcell.NewSimulationScreen("UTF-8"), enabled: make(chan struct{}, 1)}
	f := newFake("me@example.org")
	h := runUIOpts(t, scr, func(o *Options) { o.Mouse = true }, nil, f)
	fillRoster(h, f)
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	for i := range 60 {
		h.post(msgIn(f, "bob@example.org/x", fmt.Sprint("line ", i), t0))
	}
	select {
	case <-scr.enabled:
	default:
		t.Error("mouse = true did not turn the mouse on")
	}
	click := func(x, y int) {
		scr.InjectMouse(x, y, tcell.Button1, 0)
		scr.InjectMouse(x, y, tcell.ButtonNone, 0)
	}
	// Window list (row 27): [1:console] [2:bob@example.org]; click window 2.
	click(40, 27)
	h.curIs(1)
	// Wheel up scrolls the conversation.
	scr.InjectMouse(50, 10, tcell.WheelUp, 0)
	h.waitFor("scrolled", func() bool { return h.u.curWin().scroll == wheelRows })
	scr.InjectMouse(50, 10, tcell.WheelDown, 0)
	h.waitFor("back", func() bool { return h.u.curWin().scroll == 0 })
	// Roster: row 2 is Alice (row 1 the Friends header).
	click(5, 2)
	h.waitFor("alice window", func() bool { return h.u.curWin().peer.String() == "alice@example.org" && h.u.input.HasFocus() })
	click(5, 1)
	h.waitFor("Friends folded", func() bool { return len(h.u.roster.folded) == 1 })

	// Without the option.
	off := &mouseScreen{SimulationScreen: tcell.NewSimulationScreen("UTF-8"), enabled: make(chan struct{}, 1)}
	h2 := runUIOpts(t, off, nil, nil, newFake("me@example.org"))
	h2.settle()
	fillRoster(h2, h2.fakes[0])
	off.InjectMouse(5, 2, tcell.Button1, 0)
	off.InjectMouse(5, 2, tcell.ButtonNone, 0)
	h2.settle()
	select {
	case <-off.enabled:
		t.Error("the mouse was turned on without mouse = true")
	default:
	}
	if len(h2.u.wins) != 1 {
		t.Error("a click opened a window without mouse = true")
	}
}
