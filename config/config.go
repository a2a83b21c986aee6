// Package config loads and validates parley's configuration file, knows the
// XDG paths parley uses, and runs the interactive first-run setup.
//
// The file is TOML: top-level keys, a [ui] table with a [ui.theme] table, and
// one or more [[account]] tables. config.example.toml at the repository root
// documents every key. Every problem in a file is reported at once, each with
// file, line and key (see Errors).
package config

import (
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/keymap"
)

// Config is a loaded, validated configuration. Defaults are filled in.
type Config struct {
	Path       string // file it was loaded from
	HistoryDir string // history_dir; default DefaultDataDir()/history; ~ expanded, relative to the file's directory
	// DownloadDir is download_dir, where /url save puts files; default
	// DefaultDownloadDir(); ~ expanded, relative to the file's directory.
	DownloadDir string
	// URLOpenCmd is url_open_cmd, the program (and its arguments) /url open
	// runs with the URL as its last argument, never through a shell; empty:
	// $BROWSER, else xdg-open.
	URLOpenCmd []string
	UI         UI // [ui]
	// Keys are the [keys] bindings ("Alt-x" = "next-window"), each chord
	// and action checked, applied by the UI over the defaults of package
	// keymap.
	Keys     []keymap.Binding
	Accounts []Account // [[account]], at least one, JIDs distinct
}

// Account is one [[account]] table.
type Account struct {
	JID          jid.JID       // jid: bare JID with a localpart; required
	Password     string        // password; exactly one of Password and PasswordEval is set
	PasswordEval string        // password_eval: a shell command whose first output line is the password
	Host         string        // host: explicit server endpoint; empty means DNS SRV lookup of the JID's domain
	Port         int           // port: with Host; default 5222, or 5223 when TLS is "direct"; 0 when Host is empty
	TLS          string        // tls: TLSStartTLS (default) or TLSDirect
	CAFile       string        // ca_file: extra trusted roots (PEM), ~ expanded, relative to the file's directory
	Resource     string        // resource; default "parley"
	Nick         string        // nick: default nick in rooms; default the JID's localpart
	Priority     int8          // priority of our presence; default 0
	Autoconnect  bool          // autoconnect: connect at start; default true
	Keepalive    time.Duration // keepalive: a dead connection is noticed within this time; default 60s, at least 5s
	OMEMO        string        // omemo: OMEMOAutomatic (default), OMEMOManual or OMEMOOff
	RevealOS     bool          // reveal_os: tell the operating system in software version answers; default false
	RevealIdle   bool          // reveal_idle: answer last activity queries with the idle time; default false
	NoReceipts   bool          // send_receipts = false: leave XEP-0184 receipt requests unanswered (default: answered)
	Nickname     string        // nickname: our XEP-0172 user nickname, published at login and sent with subscription requests; default none
	Line         int           // line of the account's [[account]] header in the file
}

// OMEMO modes for Account.OMEMO.
const (
	OMEMOAutomatic = "automatic" // encrypt where the contact has OMEMO devices (as Conversations)
	OMEMOManual    = "manual"    // encrypt after /omemo on in that conversation
	OMEMOOff       = "off"       // no OMEMO keys, no device list
)

// TLS modes for Account.TLS.
const (
	TLSStartTLS = "starttls" // connect in plain TCP and upgrade with STARTTLS (RFC 6120)
	TLSDirect   = "direct"   // TLS from the first byte (XEP-0368)
)

// Defaults applied by Load.
const (
	DefaultResource   = "parley"
	DefaultPort       = 5222 // port with host and tls = "starttls"
	DefaultDirectPort = 5223 // port with host and tls = "direct"
	DefaultKeepalive  = 60 * time.Second
	MinKeepalive      = 5 * time.Second
)

// UI is the [ui] table.
type UI struct {
	TimeFormat    string // time_format: Go time layout for message times; default "15:04"
	RosterWidth   int    // roster_width: roster pane width in cells, 10..80; default 28
	OccupantWidth int    // occupant_width: room occupant pane width in cells, 10..80; default 24
	XMLConsole    int    // xmlconsole_lines: stanzas an XML console window keeps, 10..100000; default 1000
	ShowJoins     bool   // show_joins: show room join/leave lines; default true
	Styling       bool   // styling: draw XEP-0393 message styling; default true
	// AutoAway and AutoXA are autoaway_minutes and autoxa_minutes: minutes
	// without a key before the accounts are set away / extended away,
	// 0..1440, 0 (the default) for never; autoxa after autoaway.
	AutoAway, AutoXA time.Duration
	Bell             bool     // bell: ring the terminal bell on a message that notifies; default true
	DesktopNotify    bool     // desktop_notify: desktop notifications (D-Bus, else OSC 777/9); default true
	HighlightWords   []string // highlight_words: words that highlight like our nick; default none
	// RosterShowOffline is roster_show_offline (default true) and
	// RosterOrder roster_order, "presence" (the default) or "name": how the
	// roster starts until Alt-h, Alt-s or /roster change it.
	RosterShowOffline bool
	RosterOrder       string
	Mouse             bool  // mouse: clicks and the wheel; default false (the terminal keeps its selection)
	Theme             Theme // [ui.theme]
	// SendChatStates is send_chat_states: send XEP-0085 chat states
	// (typing) in 1:1 and private conversations; default true.
	// SendChatStatesRooms is send_chat_states_rooms: in rooms too;
	// default false. SendReadMarkers is send_read_markers: send XEP-0333
	// displayed markers; default true.
	SendChatStates, SendChatStatesRooms, SendReadMarkers bool
}

// Theme is the [ui.theme] table. Each colour is written as a colour name
// (tcell's names: black, maroon, green, olive, navy, purple, teal, silver,
// gray, red, lime, yellow, blue, fuchsia, aqua, white, and the other W3C
// names), "default" (the terminal's own colour), or "#rrggbb". The defaults
// use the terminal's own background and foreground and the 16 basic colours,
// so they read well on dark and light terminals alike.
type Theme struct {
	// Name is the built-in theme the colours start from (ThemeDark, the
	// default, ThemeLight, ThemeMono); Explicit, that the file has a
	// [ui.theme] table, which wins over NO_COLOR (see ForEnv).
	Name     string
	Explicit bool

	Background      tcell.Color // background: all panes; default "default"
	Foreground      tcell.Color // foreground: ordinary text; default "default"
	Border          tcell.Color // border: pane borders; default "gray"
	StatusBG        tcell.Color // status_bg: status bar and window list background; default "navy"
	StatusFG        tcell.Color // status_fg: status bar text; default "white"
	Timestamp       tcell.Color // timestamp: message times; default "gray"
	OwnMessage      tcell.Color // own_message: our own nick and messages; default "teal"
	Info            tcell.Color // info: informational lines (joins, notices); default "gray"
	Error           tcell.Color // error: error lines; default "maroon"
	Highlight       tcell.Color // highlight: messages that mention us; default "olive"
	RosterGroup     tcell.Color // roster_group: roster group and account headings; default "purple"
	RosterOnline    tcell.Color // roster_online: contacts online or free for chat; default "green"
	RosterAway      tcell.Color // roster_away: contacts away or extended away; default "olive"
	RosterDND       tcell.Color // roster_dnd: contacts busy; default "maroon"
	RosterOffline   tcell.Color // roster_offline: contacts offline; default "gray"
	WindowActivity  tcell.Color // window_activity: window list entries with unread messages; default "teal"
	WindowHighlight tcell.Color // window_highlight: window list entries with mentions or private messages; default "fuchsia"
}

// DefaultPath returns the default config file, $XDG_CONFIG_HOME/parley/config.toml
// (~/.config/parley/config.toml when XDG_CONFIG_HOME is unset or relative).
func DefaultPath() (string, error) {
	dir, err := xdgDir("XDG_CONFIG_HOME", ".config")
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "parley", "config.toml"), nil
}

// DefaultDataDir returns parley's data directory, $XDG_DATA_HOME/parley
// (~/.local/share/parley when XDG_DATA_HOME is unset or relative).
func DefaultDataDir() (string, error) {
	dir, err := xdgDir("XDG_DATA_HOME", filepath.Join(".local", "share"))
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "parley"), nil
}

// DefaultCacheDir returns parley's cache directory, $XDG_CACHE_HOME/parley
// (~/.cache/parley when XDG_CACHE_HOME is unset or relative): what it can
// fetch again (the roster cache).
func DefaultCacheDir() (string, error) {
	dir, err := xdgDir("XDG_CACHE_HOME", ".cache")
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "parley"), nil
}

// xdgDir returns $env when it is an absolute path (the XDG base directory
// specification says to ignore relative ones), else $HOME/fallback.
func xdgDir(env, fallback string) (string, error) {
	if d := os.Getenv(env); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	if home == "" {
		return "", errors.New("config: no home directory ($HOME is empty)")
	}
	return filepath.Join(home, fallback), nil
}

// defaultUI returns the [ui] defaults.
func defaultUI() UI {
	return UI{
		TimeFormat:    "15:04",
		RosterWidth:   28,
		OccupantWidth: 24,
		XMLConsole:    1000,
		ShowJoins:     true,
		Styling:       true,
		Bell:          true,
		DesktopNotify: true,
		Theme:         defaultTheme(),
		// Chat states and markers (send_chat_states_rooms is false).
		SendChatStates:  true,
		SendReadMarkers: true,

		RosterShowOffline: true,
		RosterOrder:       "presence",
	}
}

// defaultTheme returns the [ui.theme] defaults: the dark theme.
func defaultTheme() Theme {
	t, _ := BuiltinTheme(ThemeDark)
	return t
}
