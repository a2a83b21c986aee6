// Command parley is a terminal XMPP client: several accounts at once, group
// chat, searchable history in flat files, and reconnects that just work.
//
// This file only wires the packages together: config → accounts → chatlog
// (history) → ui. See README.md for use and DEVELOPERS.md for the design.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"golang.org/x/term"
	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/chatlog"
	"parley/config"
	"parley/ctl"
	"parley/dbus"
	"parley/histcli"
	"parley/history"
	"parley/notify"
	"parley/rostercache"
	"parley/tlstrust"
	"parley/ui"
)

// version is parley's release; `go build -ldflags "-X main.version=..."` sets it.
var version = "0.1.0-dev"

const usage = `parley: a terminal XMPP client

Usage:
  parley [-c FILE]        start the client (default config:
                          $XDG_CONFIG_HOME/parley/config.toml)
  parley history [--account ACCOUNT] PEER [--since DATE] [--grep TEXT] [--json] [--follow]
                          print a conversation from the history as text
                          (--json: one JSON object per message; --follow:
                          go on printing new messages as they arrive)
  parley send [-a ACCOUNT] JID|name [TEXT...]
                          send TEXT (without it: stdin) through the running
                          parley, as if typed in its window
  parley status [-a ACCOUNT] [online|chat|away|xa|dnd [TEXT...]]
                          list the running parley's accounts, or set their
                          presence
  parley --version        print the version
  parley --help           print this help

Without a config file, parley asks for an account and writes one.
Inside parley, /help lists commands and keys.
`

func main() {
	oneThread(os.Getenv) // main_procs.go
	os.Exit(profiled(os.Getenv("PARLEY_CPUPROFILE"), os.Getenv("PARLEY_MEMPROFILE"), func() int {
		return run(os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	}))
}

// run is main with its inputs and outputs explicit (getenv is os.Getenv,
// for the control socket's directory); it returns the exit status.
func run(args []string, getenv func(string) string, stdin *os.File, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("parley", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	var path string
	fset.StringVar(&path, "c", "", "config file")
	fset.StringVar(&path, "config", "", "config file")
	showVersion := fset.Bool("version", false, "print the version")
	help := fset.Bool("help", false, "print help")
	fset.BoolVar(help, "h", false, "print help")
	if err := fset.Parse(args); err != nil {
		fmt.Fprintf(stderr, "parley: %v\n\n%s", err, usage)
		return 2
	}
	switch {
	case *help:
		fmt.Fprint(stdout, usage)
		return 0
	case *showVersion:
		fmt.Fprintf(stdout, "parley %s\n", version)
		return 0
	}
	rest := fset.Args()
	if len(rest) > 0 {
		switch rest[0] {
		case "history":
			return runHistory(path, rest[1:], stdout, stderr)
		case "send": // through the control socket of the running parley
			return ctl.RunSend(socketPath(getenv, path), rest[1:], stdin, stdout, stderr)
		case "status":
			return ctl.RunStatus(socketPath(getenv, path), rest[1:], stdout, stderr)
		}
	}
	if len(rest) > 0 {
		fmt.Fprintf(stderr, "parley: unknown argument %q\n\n%s", rest[0], usage)
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGHUP, os.Interrupt)
	defer stop()
	cfg, code := loadConfig(ctx, path, stdin, stdout, stderr)
	if cfg == nil {
		return code
	}
	// A parley whose terminal just closed lets go of the history within
	// moments: the one started meanwhile waits for it.
	store, err := history.OpenWait(ctx, cfg.HistoryDir, lockWait, lockNotice, func(le *history.LockedError) {
		fmt.Fprintf(stderr, "parley: %v; waiting up to %v for it to exit…\n", le, lockWait)
	})
	if errors.Is(err, history.ErrLocked) {
		// One writer per history directory: a second parley on the same
		// data would show messages it cannot save. Say who holds it.
		fmt.Fprintf(stderr, "parley: %v\n`parley history PEER` can read the history while it runs.\n", err)
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "parley: %v\n", err)
		return 1
	}
	defer store.Close()
	return runClient(ctx, cfg, store, socketPath(getenv, path), stderr)
}

// socketPath is the control socket of the parley of config file path ("":
// the default one).
func socketPath(getenv func(string) string, path string) string {
	return ctl.SocketPath(ctl.Dir(getenv), path, path == "")
}

// Shutdown and start-up timing.
const (
	// quitClose bounds the clean logout of the accounts after /quit.
	quitClose = 3 * time.Second
	// signalClose bounds it after SIGHUP (the terminal closed) or SIGTERM
	// (the system shuts down): the accounts get this long to say goodbye,
	// then parley exits whatever they still wait for; the history is
	// saved either way. With the start and the save, parley is gone
	// within 0.3 s.
	signalClose = 150 * time.Millisecond
	// lockWait is how long a parley waits for the history directory held
	// by another one (one that is exiting); lockNotice, how long before it
	// says so.
	lockWait   = 3 * time.Second
	lockNotice = 250 * time.Millisecond
)

// The account capabilities the UI asks for (it type-asserts the optional
// ones): *account.Account must keep all of them.
var _ interface {
	ui.Account
	ui.RoomAccount     // group chat (ui/cmd_room.go)
	ui.ConnAccount     // /connect, /reconnect, /disconnect (ui/cmd_conn.go)
	ui.ActiveAccount   // client state indication (ui/idle.go)
	ui.OlderFetcher    // older archive pages on PgUp (ui/archive.go)
	ui.RegisterAccount // /passwd, /unregister (ui/cmd_register.go)
	ui.TLSAccount      // /tls and the certificate prompt (ui/tls.go)
} = (*account.Account)(nil)

// Chat states and markers (ui/chatstate_out.go, ui/markers.go).
var _ interface {
	ui.ChatStateAccount
	ui.MarkerAccount
} = (*account.Account)(nil)

// runClient starts every account and the UI, and closes the accounts cleanly
// when the UI ends.
func runClient(ctx context.Context, cfg *config.Config, store *history.Store, sock string, stderr io.Writer) int {
	accts := make([]*account.Account, len(cfg.Accounts))
	uiAccts := make([]ui.Account, len(cfg.Accounts))
	var u *ui.UI
	rec := chatlog.New(store, func(ev account.Event) { u.Post(ev) })
	cacheDir, cacheErr := config.DefaultCacheDir()
	dataDir, dataErr := config.DefaultDataDir()
	var desktop *notify.Desktop // nil: no session bus, or desktop_notify = false
	if cfg.UI.DesktopNotify {
		desktop = notify.NewDesktop(dbus.SessionAddress())
		defer desktop.Close()
	}
	notifyFile, stateFile := "", ""
	var trust *tlstrust.Store // certificate pins, shared by the accounts (package tlstrust)
	var trustErr error
	if dataErr == nil {
		trust, trustErr = tlstrust.Open(pinFile(dataDir))
		notifyFile = filepath.Join(dataDir, "notify") // /notify modes
		stateFile = filepath.Join(dataDir, "state")   // windows and roster views (uistate)
	}
	// An account came online; an acknowledgement let go of much (main_release.go).
	online, acked := make(chan struct{}, 1), make(chan struct{}, 1)
	for i, a := range cfg.Accounts {
		ac := accountConfig(a)
		ac.Anchor = rec.Anchor(ac.JID) // archive catch-up starts after what history holds
		ac.Trust = trust
		ac.Acked = signalAcked(acked)
		if cacheErr == nil {
			ac.Roster = rostercache.New(filepath.Join(cacheDir, "roster"), ac.JID) // XEP-0237: only changes at login
		}
		if dataErr == nil {
			ac.Outbox = filepath.Join(dataDir, "outbox", ac.JID.Bare().String())  // unsent messages survive a restart
			ac.OMEMODir = filepath.Join(dataDir, "omemo", ac.JID.Bare().String()) // OMEMO keys (docs/omemo-store.md)
		}
		if cacheErr == nil {
			ac.CapsCache = filepath.Join(cacheDir, "caps", ac.JID.Bare().String()) // others' XEP-0115 capabilities
		}
		accts[i] = account.New(ac, signalOnline(rec.Sink, online))
		uiAccts[i] = accts[i]
	}
	u = ui.New(ui.Options{
		Accounts:        uiAccts,
		TimeFormat:      cfg.UI.TimeFormat,
		RosterWidth:     cfg.UI.RosterWidth,
		OccupantWidth:   cfg.UI.OccupantWidth,
		XMLConsoleLines: cfg.UI.XMLConsole,
		ShowJoins:       cfg.UI.ShowJoins,
		NoStyling:       !cfg.UI.Styling,
		AutoAway:        cfg.UI.AutoAway,
		AutoXA:          cfg.UI.AutoXA,
		Theme:           uiTheme(cfg.UI.Theme.ForEnv(os.Getenv)), // NO_COLOR
		History:         store,
		Bell:            cfg.UI.Bell,
		DesktopNotify:   cfg.UI.DesktopNotify,
		Desktop:         desktop,
		OSC:             notify.DetectOSC(os.Getenv),
		HighlightWords:  cfg.UI.HighlightWords,
		NotifyFile:      notifyFile,
		ChatStates:      cfg.UI.SendChatStates,
		RoomChatStates:  cfg.UI.SendChatStatesRooms,
		ReadMarkers:     cfg.UI.SendReadMarkers,
		DownloadDir:     cfg.DownloadDir,
		URLOpenCmd:      cfg.URLOpenCmd,
		Keys:            cfg.Keys,
		StateFile:       stateFile,
		Mouse:           cfg.UI.Mouse,

		SavePassword: savePassword(cfg.Path), // /passwd (ui/cmd_register.go)
		Register:     registrar(cfg),         // /register (ui/cmd_signup.go)
		SaveAccount:  saveAccount(cfg),

		RosterHideOffline: !cfg.UI.RosterShowOffline,
		RosterByName:      cfg.UI.RosterOrder == "name",
	})
	rec.ForwardWarnings() // damaged history lines are reported in the console
	if trustErr != nil {
		u.Post(account.FileWarningEvent{Text: "certificate pins: " + trustErr.Error() + ": no pin of it is trusted and none is written until it is repaired"})
	}
	// History writes again after a failure: fetch from the archive what it lost.
	rec.OnRecovered(func(j jid.JID) {
		for i, a := range accts {
			if cfg.Accounts[i].JID.Bare().Equal(j.Bare()) {
				cctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
				_ = a.CatchUp(cctx) // offline: the next login catches up anyway
				cancel()
			}
		}
	})

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		// The garbage of logins and floods back to the system (main_release.go).
		releaseWhenIdle(runCtx, os.Getenv("GOGC") == "", online, acked)
	}()
	// `parley send` and `parley status` reach this parley through its
	// control socket while the UI runs.
	ctlCtx, stopCtl := context.WithCancel(runCtx)
	defer stopCtl()
	if srv, err := ctl.Listen(sock); err != nil {
		u.Post(account.FileWarningEvent{Text: err.Error() + ": parley send and parley status will not reach this parley"})
	} else {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Serve(ctlCtx, ctlHandler{u}); err != nil {
				u.Post(account.FileWarningEvent{Text: err.Error()})
			}
		}()
	}
	for i, a := range accts {
		if !cfg.Accounts[i].Autoconnect {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.Run(runCtx) // failures are reported to the UI as events
		}()
	}
	uiErr := u.Run(runCtx)
	stopCtl() // the socket goes with the UI

	budget := quitClose
	if ctx.Err() != nil {
		budget = signalClose // a signal: be gone at once
	}
	closeCtx, done := context.WithTimeout(context.Background(), budget)
	defer done()
	for _, a := range accts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.Close(closeCtx) // unavailable presence, then </stream:stream>
		}()
	}
	cancel()
	closed := make(chan struct{})
	go func() {
		wg.Wait()
		close(closed)
	}()
	select {
	case <-closed:
	case <-closeCtx.Done():
		// An account still waiting on its server is left to the exit:
		// what it has not stored is in the server's archive for the
		// next catch-up.
	}
	if uiErr != nil && !errors.Is(uiErr, context.Canceled) {
		fmt.Fprintf(stderr, "parley: %v\n", uiErr)
		return 1
	}
	return 0
}

// loadConfig loads the config file, or runs the first-run setup when there
// is none and stdin is a terminal. A nil config means exit with code.
func loadConfig(ctx context.Context, path string, stdin *os.File, stdout, stderr io.Writer) (*config.Config, int) {
	if path == "" {
		p, err := config.DefaultPath()
		if err != nil {
			fmt.Fprintf(stderr, "parley: %v\n", err)
			return nil, 2
		}
		path = p
	}
	cfg, err := config.Load(path)
	switch {
	case err == nil:
		return cfg, 0
	case errors.Is(err, fs.ErrNotExist) && term.IsTerminal(int(stdin.Fd())):
		cfg, err = config.SetupWith(ctx, stdin, stdout, path, config.SetupOptions{Test: testLogin, Register: registerAccount})
		if err != nil {
			fmt.Fprintf(stderr, "parley: %v\n", err)
			return nil, 1
		}
		return cfg, 0
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(stderr, "parley: no config file at %s\nStart parley in a terminal to create one, or copy config.example.toml there.\n", path)
		return nil, 2
	default:
		fmt.Fprintf(stderr, "parley: %v\n", err)
		return nil, 2
	}
}

// pinFile is the certificate pin file in the data directory (package
// tlstrust).
func pinFile(dataDir string) string { return filepath.Join(dataDir, "tls-pins") }

// testLogin logs in once with a; the first-run setup uses it. It returns nil
// once the account is online, or the reason it could not get there. The
// certificate pins apply, and an untrusted certificate's error can pin it.
func testLogin(ctx context.Context, a config.Account) error {
	ctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	result := make(chan error, 1)
	ac := accountConfig(a)
	if dir, err := config.DefaultDataDir(); err == nil {
		ac.Trust, _ = tlstrust.Open(pinFile(dir)) // a damaged file trusts nothing and refuses Pin: setup then falls back to ca_file
	}
	var acct *account.Account
	acct = account.New(ac, func(ev account.Event) {
		se, ok := ev.(account.StateEvent)
		if !ok {
			return
		}
		var err error
		switch se.State {
		case account.Online:
		case account.Reconnecting: // the first failure is the answer
			err = errors.New(se.Cause)
		case account.Failed, account.Disconnected:
			switch {
			case se.Text != "":
				err = errors.New(se.Text)
			case se.Err != nil:
				err = se.Err
			default:
				err = errors.New("disconnected")
			}
			if cert, ok := account.UntrustedCertificate(se.Err); ok {
				ue := &config.UntrustedCertError{Cert: cert, Err: err} // setup offers to trust it
				if trust := ac.Trust; trust != nil {
					ue.Pin = func() (string, error) {
						return trust.Path(), trust.Pin(ac.JID.Domainpart(), cert, true, time.Now())
					}
				}
				err = ue
			}
		default:
			return
		}
		select { // only the first answer counts; never block the account
		case result <- err:
		default:
		}
	})
	go acct.Run(ctx)
	var err error
	select {
	case err = <-result:
	case <-ctx.Done():
		err = fmt.Errorf("no answer from the server: %w", ctx.Err())
	}
	closeCtx, done := context.WithTimeout(context.Background(), 3*time.Second)
	defer done()
	acct.Close(closeCtx)
	return err
}

// runHistory is `parley history`: it reads the history directory of the
// config (or the default one) without taking the writer's lock.
func runHistory(path string, args []string, stdout, stderr io.Writer) int {
	dir, err := config.DefaultDataDir()
	if err == nil {
		dir += "/history"
	}
	if path == "" {
		path, _ = config.DefaultPath()
	}
	if cfg, lerr := config.Load(path); lerr == nil {
		dir, err = cfg.HistoryDir, nil
	} else if !errors.Is(lerr, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "parley: %v\n", lerr)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "parley: %v\n", err)
		return 2
	}
	return histcli.Run(args, dir, stdout, stderr)
}

// accountConfig maps a configured account to the account package's config.
func accountConfig(a config.Account) account.Config {
	return account.Config{
		JID:       a.JID,
		Password:  a.ResolvePassword,
		Host:      a.Host,
		Port:      a.Port,
		DirectTLS: a.TLS == config.TLSDirect,
		CAFile:    a.CAFile,
		Resource:  a.Resource,
		Priority:  a.Priority,
		Keepalive: a.Keepalive,
		Nick:      a.Nick,
		OMEMO:     account.OMEMOMode(a.OMEMO),
		Version:   version,
		RevealOS:  a.RevealOS,
		// Idle time since the last key press (ui.ActivityAccount).
		RevealIdle: a.RevealIdle,
		NoReceipts: a.NoReceipts,
		Nickname:   a.Nickname,
	}
}
