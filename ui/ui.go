// Package ui is parley's terminal user interface: a roster pane, one window
// per conversation (window 1 is the console), a window list, a status bar and
// an input line, on tview and tcell.
//
// Accounts feed the UI through Post, from any goroutine. Only the tview
// goroutine touches widgets and UI state: Post appends to a queue, and one
// queued update at a time drains the queue and redraws, so a burst of events
// costs one redraw. Every string that came from the network is sanitized once,
// when its event is applied, and drawn cell by cell without going through a
// tag parser.
package ui

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/keymap"
	"parley/notify"
)

// Account is what the UI needs of an account (implemented by
// *account.Account). Methods may block on the network: the UI calls them from
// goroutines of its own, never from the tview goroutine.
type Account interface {
	JID() jid.JID
	State() account.State
	// SendMessage sends a message. The account also emits a MessageEvent
	// with Dir Out for it: the UI displays that, not the return value.
	SendMessage(ctx context.Context, to jid.JID, typ, body string) (account.Message, error)
	SetPresence(ctx context.Context, show account.Show, status string) error
	// Subscription sends a subscription stanza of type subscribe,
	// subscribed, unsubscribe or unsubscribed.
	Subscription(ctx context.Context, to jid.JID, typ string) error
	RosterSet(ctx context.Context, item account.RosterItem) error
	RosterRemove(ctx context.Context, j jid.JID) error
}

// Options configures a UI.
type Options struct {
	// Screen is the terminal; nil means the real one. Tests pass a
	// tcell.NewSimulationScreen.
	Screen tcell.Screen
	// Accounts are the accounts shown, in configuration order.
	Accounts []Account
	// TimeFormat is a Go time layout for message times; "" means "15:04".
	TimeFormat string
	// RosterWidth is the width of the roster pane in cells (0: 28; negative:
	// no roster pane).
	RosterWidth int
	// OccupantWidth is the width of the occupant pane of room windows (0: 20).
	OccupantWidth int
	// XMLConsoleLines bounds the stanzas an XML console window keeps (0:
	// 1000).
	XMLConsoleLines int
	// ShowJoins shows join and leave lines in room windows.
	ShowJoins bool
	// NoStyling draws message bodies plain, without XEP-0393 styling
	// (config [ui] styling = false).
	NoStyling bool
	// Theme holds the colours; the zero Theme means DefaultTheme().
	Theme Theme
	// AutoAway is how long without a key sets the accounts away (0: never);
	// AutoXA likewise extended away. The next key restores the presence.
	AutoAway, AutoXA time.Duration
	// Notifications (ui/alert.go): Bell rings the terminal bell and
	// DesktopNotify sends a desktop notification (through Desktop, else the
	// OSC sequence of kind OSC, see package notify) for a message that
	// notifies; HighlightWords highlight like our nick; NotifyFile keeps the
	// /notify modes ("" means /notify cannot be set).
	Bell           bool
	DesktopNotify  bool
	Desktop        *notify.Desktop
	OSC            string
	HighlightWords []string
	NotifyFile     string
	// ChatStates sends XEP-0085 chat states from 1:1 and private windows
	// (composing, paused, active, gone: ui/chatstate_out.go), and with
	// RoomChatStates from room windows too. ReadMarkers sends XEP-0333
	// displayed markers (ui/markers.go).
	ChatStates, RoomChatStates, ReadMarkers bool
	// DownloadDir is where /url save puts files ("" : only to a PATH
	// given); URLOpenCmd the program /url open runs (nil: $BROWSER, else
	// xdg-open). See files.go and links.go.
	DownloadDir string
	URLOpenCmd  []string
	// Keys are the config's [keys] bindings, applied over the defaults of
	// package keymap.
	Keys []keymap.Binding
	// StateFile keeps the open windows and the roster views across
	// restarts (package uistate); "" keeps nothing.
	StateFile string
	// RosterHideOffline and RosterByName are the config's defaults for the
	// roster views (roster_show_offline, roster_order) until they are
	// toggled; what was toggled is kept in StateFile.
	RosterHideOffline, RosterByName bool
	// Mouse turns on mouse reporting: clicks in the window list and the
	// roster, the wheel in the conversation and the occupant pane
	// (mouse.go). Off, the terminal keeps its own selection.
	Mouse bool
	// SavePassword puts the password /passwd set for account (bare JID) in
	// the config file and returns a note for the user ("" or why it did
	// not need to, as with password_eval); nil: /passwd changes only the
	// server's. It may wait on the disk: the UI calls it off the tview
	// goroutine.
	SavePassword func(account jid.JID, password string) (note string, err error)
	// Register opens an in-band registration for /register (ui/cmd_signup.go);
	// nil: /register says it cannot.
	Register Registrar
	// SaveAccount adds the account /register created (its address and
	// password, the host and port it was created through, "" and 0 for
	// DNS) to the config file and returns a note for the user; nil: parley
	// says what to add by hand. It may wait on the disk: the UI calls it
	// off the tview goroutine.
	SaveAccount func(j jid.JID, password, host string, port int) (note string, err error)
	// History is the message store windows load from (ui/history.go);
	// nil means no history: windows start empty and /search is unavailable.
	History History
}

// Limits on what the UI keeps.
const (
	maxEntries = 10000    // lines kept per window without history (histEntries: page.go)
	maxBody    = 16 << 10 // bytes of one message body shown
	maxDrain   = 1000     // events applied per redraw, so keys interleave with floods
	// Frame pacing of event-driven redraws (pump). An event after a quiet
	// spell is drawn at once, the next one defaultFrame later at the
	// earliest; while events keep coming (each less than streamFrame after
	// the pump was ready for it), redraws are streamFrame apart: a trickle of
	// tens of messages a second costs ten frames a second, not one per
	// message (every frame redraws and diffs the whole screen). Keys do
	// not wait for this: tview draws after each key on its own.
	defaultFrame = 16 * time.Millisecond
	streamFrame  = 100 * time.Millisecond
	// backgroundFrame paces a stream whose frames change nothing but the
	// bars (messages to windows not shown: a count in the window bar):
	// four frames a second, each of which costs tcell a scan of the whole
	// screen, for a change that needs no animation. The first frame that
	// changes anything else returns to streamFrame.
	backgroundFrame = 250 * time.Millisecond
	// A stream that has gone on for floodAfter without a quiet spell (a
	// flood: more lines a second than anyone reads) is drawn floodFrame
	// apart even in the window shown. Each frame costs tcell a scan of
	// every cell of the screen, cache-cold between frames, and the scroll
	// re-sends the conversation pane; drawing a flood 4 rather than 10
	// times a second took TestSteady (no keys) from 23-25 to 22-23 ms of
	// CPU a second. Keys are still drawn at once, and the first quiet
	// spell returns to the short gap.
	floodAfter = 2 * time.Second
	floodFrame = 250 * time.Millisecond
)

// UI is the terminal user interface. Create it with New, feed it with Post,
// run it with Run.
type UI struct {
	app    *tview.Application
	screen tcell.Screen
	opts   Options
	theme  Theme
	now    func() time.Time // clock for the status bar; tests fix it
	idle   idleState        // key presses for client state indication (idle.go)
	away   awayState        // auto-away (autoaway.go)
	loc    *time.Location   // zone for message times; tests use UTC

	// Event queue, shared with posting goroutines.
	mu      sync.Mutex
	queue   []account.Event
	backlog bool // the last drain left events for the next frame
	// barsOnly: the last frame shown changed no cell outside the bars (set
	// at each Show on the tview goroutine, read by pump).
	barsOnly atomic.Bool
	row      rowScreen // the bars' row painter (draw.go), tview goroutine only
	closed   bool
	wake     chan struct{}

	frameGap time.Duration // minimum time between two event-driven redraws; 0: no pacing (tests)
	draws    atomic.Int64  // redraws done (test and benchmark hook)
	applied  atomic.Int64  // events applied (test and benchmark hook)
	onDraw   func()        // test hook, called after each draw on the tview goroutine

	ctx context.Context // for account calls; cancelled when Run returns

	// State below is owned by the tview goroutine.
	accts      []*acctState
	wins       []*window
	cur        int // index in wins of the current window
	prev       int // index of the window shown before, for /close
	nickColors map[string]tcell.Color
	comp       completion
	cmds       []command
	keys       []keyBinding
	seq        uint64       // presence sequence, newest resource wins ties
	rm         roomUI       // group chat: occupant pane, bookmarks, invitation (ui/room.go)
	blk        blockUI      // blocking: the lists shown, the request the block key acts on (ui/cmd_block.go)
	lay        layoutState  // pane sizes for the terminal size (ui/layout.go)
	alerts     alertState   // bell, title, desktop notifications (ui/alert.go)
	pending    keymap.Chord // the keys of a chord pressed so far: Ctrl-X of Ctrl-X Ctrl-E (keys.go)
	quitWarned bool         // /quit said that messages are unsent (sendlane.go)
	files      fileState    // uploads and /url save downloads (files.go)
	linkSeq    uint64       // numbers the links drawn, for OSC 8 ids (links.go)
	find       *finder      // the quick finder while it is open (finder.go)
	certs      certPrompts  // certificate prompts waiting for an answer (tlsprompt.go)

	states chatStatesUI // chat state timers (chatstate.go, chatstate_out.go)
	marks  markUI       // chat markers (markers.go)

	root   *tview.Flex
	body   *tview.Flex
	roster *rosterView
	title  *titleBar
	convo  *convoView
	winbar *winBar
	status *statusBar
	input  *inputLine

	// The selection mode and the references (select.go, refs.go).
	act      *pendingAct       // an action on the selected message waiting for Enter
	building map[string]*entry // the lines of a page of history being built, by key
}

// New builds a UI for the given options. Nothing is drawn before Run.
func New(o Options) *UI {
	u := &UI{
		opts:       o,
		theme:      o.Theme,
		now:        time.Now,
		loc:        time.Local,
		wake:       make(chan struct{}, 1),
		frameGap:   defaultFrame,
		ctx:        context.Background(),
		nickColors: make(map[string]tcell.Color),
	}
	if u.theme == (Theme{}) {
		u.theme = DefaultTheme()
	}
	if u.opts.TimeFormat == "" {
		u.opts.TimeFormat = "15:04"
	}
	if u.opts.RosterWidth == 0 {
		u.opts.RosterWidth = 28
	}
	if u.opts.OccupantWidth == 0 {
		u.opts.OccupantWidth = 20
	}
	for _, a := range o.Accounts {
		u.accts = append(u.accts, newAcctState(a))
	}
	u.wins = []*window{newWindow(winConsole, nil, jid.JID{}, "console")}
	u.cmds = commandTable()
	var keyProblems []string
	u.keys, keyProblems = keyTable(o.Keys)
	u.build()
	for _, p := range keyProblems {
		u.info(u.console(), true, p)
	}
	u.roster.hideOffline, u.roster.byName = o.RosterHideOffline, o.RosterByName
	u.loadState() // windows and roster views of the last quit (state.go)
	u.alerts.gap = alertGap
	if o.NotifyFile != "" {
		var err error
		if u.alerts.modes, err = notify.LoadModes(o.NotifyFile); err != nil {
			u.info(u.console(), true, "notify modes: "+err.Error())
		}
	}
	return u
}

// build creates the widgets and the layout.
func (u *UI) build() {
	u.app = tview.NewApplication()
	u.roster = newRosterView(u)
	u.title = &titleBar{Box: tview.NewBox(), u: u}
	u.convo = &convoView{Box: tview.NewBox(), u: u}
	u.winbar = &winBar{Box: tview.NewBox(), u: u}
	u.status = &statusBar{Box: tview.NewBox(), u: u}
	u.input = newInputLine(u)

	right := tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(u.title, 1, 0, false).
		AddItem(u.newConvoSplit(), 0, 1, false). // the conversation and a room's occupants
		AddItem(u.winbar, 1, 0, false).
		AddItem(u.status, 1, 0, false).
		AddItem(u.input, 1, 0, true)
	u.body = right
	u.root = tview.NewFlex().SetDirection(tview.FlexColumn)
	if u.opts.RosterWidth > 0 {
		u.root.AddItem(u.roster, u.opts.RosterWidth, 0, false)
		u.lay.roster = u.opts.RosterWidth
	}
	u.lay.title, u.lay.winbar = 1, 1
	u.root.AddItem(right, 0, 1, true)
	u.app.SetRoot(u.root, true).SetFocus(u.input)
	u.app.SetInputCapture(u.captureKey)
	u.app.SetBeforeDrawFunc(func(s tcell.Screen) bool {
		u.updateTitle()    // ui/alert.go
		return u.layout(s) // panes follow the terminal's size (layout.go)
	})
	u.app.SetAfterDrawFunc(func(s tcell.Screen) {
		u.formCursor(s)     // a form field's editing cursor (form_draw.go)
		u.drawFinder(s)     // the quick finder over the widgets (finder.go)
		u.drawCertPrompt(s) // a certificate prompt over everything (tlsprompt.go)
		u.draws.Add(1)
		u.checkDisplayed() // a message in view may be marked displayed (markers.go)
		if u.onDraw != nil {
			u.onDraw()
		}
	})
	u.app.EnablePaste(true)
	if u.opts.Mouse {
		u.app.EnableMouse(true) // never without the option: the terminal keeps its selection
		u.app.SetMouseCapture(u.captureMouse)
	}
}

// Post queues an account event for the UI. It is safe to call from any
// goroutine and never blocks; events posted in a burst are applied together
// and cost one redraw.
func (u *UI) Post(ev account.Event) {
	u.mu.Lock()
	if u.closed {
		u.mu.Unlock()
		return
	}
	u.queue = append(u.queue, ev)
	u.mu.Unlock()
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

// Run shows the UI and handles keys and events until /quit or until ctx is
// done. The caller closes the accounts afterwards.
func (u *UI) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	u.ctx = ctx
	screen := u.opts.Screen
	if screen == nil {
		s, err := tcell.NewScreen()
		if err != nil {
			return err
		}
		screen = s
	}
	u.screen = screen
	fs := newFrameScreen(focusScreen{screen, u}) // only changed cells reach the terminal (frame.go); focus events (alert.go)
	fs.onShow = func(by uint16) { u.barsOnly.Store(by&^(1<<paneBars) == 0) }
	u.app.SetScreen(fs)
	u.startIdle() // client state indication (idle.go)
	u.startAway() // auto-away (autoaway.go)
	screen.EnablePaste()
	screen.EnableFocus()
	if u.opts.Mouse {
		screen.EnableMouse() // tview does not for a screen it was given (mouse.go)
	}

	stop := make(chan struct{})
	pumpDone := make(chan struct{})
	go func() {
		defer close(pumpDone)
		u.pump(stop)
	}()
	runDone := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			u.app.Stop()
		case <-runDone:
		}
	}()
	err := u.app.Run()
	close(runDone)
	u.saveState() // the loop has ended: this goroutine owns the state now
	u.mu.Lock()
	u.closed = true
	u.queue = nil
	u.mu.Unlock()
	close(stop)
	<-pumpDone
	return err
}

// quit ends Run. Called on the tview goroutine.
func (u *UI) quit() {
	go u.app.Stop()
}

// pump turns wake-ups into queued drain-and-draw updates, one at a time,
// paced as defaultFrame, streamFrame and floodFrame say.
func (u *UI) pump(stop <-chan struct{}) {
	var ready time.Time       // when the pump last began to wait for a wake-up
	var streamSince time.Time // when the stream in progress began; zero after a quiet spell
	for {
		select {
		case <-u.wake:
		case <-stop:
			return
		}
		// Events keep coming when this one came soon after the last frame.
		stream := !ready.IsZero() && time.Since(ready) < streamFrame
		switch {
		case !stream:
			streamSince = time.Time{}
		case streamSince.IsZero():
			streamSince = ready
		}
		done := make(chan struct{})
		// QueueUpdateDraw blocks until the tview loop ran it; if the loop
		// stops first it never returns, so it gets its own goroutine.
		go func() {
			u.app.QueueUpdateDraw(u.drain)
			close(done)
		}()
		select {
		case <-done:
		case <-stop:
			return
		}
		if u.frameGap > 0 {
			gap := u.frameGap
			u.mu.Lock()
			backlog := u.backlog
			u.mu.Unlock()
			if stream && !backlog {
				// A backlog (more than maxDrain events: a burst, an
				// archive catch-up) is drained at the short gap.
				gap = max(gap, streamFrame)
				if time.Since(streamSince) >= floodAfter {
					gap = max(gap, floodFrame)
				}
				if u.barsOnly.Load() {
					gap = max(gap, backgroundFrame) // the last frame changed only the bars
				}
			}
			t := time.NewTimer(gap)
			select {
			case <-t.C:
			case <-stop:
				t.Stop()
				return
			}
		}
		ready = time.Now()
	}
}

// drain applies queued events (at most maxDrain; the rest wait for the next
// frame). Runs on the tview goroutine, followed by one draw.
func (u *UI) drain() {
	u.mu.Lock()
	batch := u.queue
	u.backlog = len(batch) > maxDrain
	if len(batch) > maxDrain {
		rest := make([]account.Event, len(batch)-maxDrain)
		copy(rest, batch[maxDrain:])
		u.queue = rest
		batch = batch[:maxDrain]
		select {
		case u.wake <- struct{}{}:
		default:
		}
	} else {
		u.queue = nil
	}
	u.mu.Unlock()
	for _, ev := range batch {
		u.apply(ev)
	}
	u.applied.Add(int64(len(batch)))
}

// async runs f, which may block on the network, off the tview goroutine.
// Its error, or its non-empty result, becomes a line in win.
func (u *UI) async(win *window, f func(ctx context.Context) (string, error)) {
	ctx := u.ctx
	go func() {
		msg, err := f(ctx)
		switch {
		case err != nil:
			u.Post(uiNote{win: win, text: err.Error(), err: true})
		case msg != "":
			u.Post(uiNote{win: win, text: msg})
		}
	}()
}

// uiNote is an event the UI posts to itself: a line for a window, from a
// goroutine that finished an account call.
type uiNote struct {
	account.Base
	win  *window
	text string
	err  bool
}
