package notify

import (
	"strings"

	"parley/sanitize"
)

// Limits on notification text, in characters.
const (
	MaxSummary = 64
	MaxBody    = 200
)

// Shorten returns untrusted text as one sanitized line (control characters
// and escape sequences removed, runs of white space folded to one space) of
// at most max terminal cells, cut with "…".
func Shorten(s string, width int) string {
	if len(s) > maxInput {
		s = s[:maxInput] // bounded before it is sanitized, which drops a cut rune
	}
	s = strings.Join(strings.Fields(strings.Join(sanitize.Lines(s), " ")), " ")
	return sanitize.Truncate(s, width)
}

// maxInput is how many bytes of a text Shorten looks at.
const maxInput = 4096

// markup escapes the characters the freedesktop body markup gives a
// meaning to (servers may interpret <b>, <a href> and entities).
var markup = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// OSC kinds: which notification escape sequence a terminal shows.
const (
	OSCNone = ""
	OSC777  = "777" // rxvt-unicode, foot, VTE (GNOME Terminal), Ghostty, WezTerm: ESC ] 777 ; notify ; title ; body ST
	OSC9    = "9"   // iTerm2, kitty, WezTerm, Windows Terminal: ESC ] 9 ; text ST
)

// DetectOSC guesses from the environment which notification sequence the
// terminal shows; OSCNone when it is not known to show any (an unknown OSC
// is then never written). Inside tmux or screen it is OSCNone: they do not
// pass the sequence on.
func DetectOSC(getenv func(string) string) string {
	if getenv("TMUX") != "" || strings.HasPrefix(getenv("TERM"), "screen") || strings.HasPrefix(getenv("TERM"), "tmux") {
		return OSCNone
	}
	switch getenv("TERM_PROGRAM") {
	case "iTerm.app", "WezTerm":
		return OSC9
	case "ghostty":
		return OSC777
	}
	switch {
	case getenv("KITTY_WINDOW_ID") != "", getenv("WT_SESSION") != "":
		return OSC9
	case getenv("VTE_VERSION") != "":
		return OSC777
	}
	term := getenv("TERM")
	for _, p := range []string{"rxvt", "foot"} {
		if strings.HasPrefix(term, p) {
			return OSC777
		}
	}
	return OSCNone
}

// OSC returns the escape sequence of kind for a notification, "" for
// OSCNone. summary and body must come from Shorten: they hold no control
// characters, so nothing can end the sequence early.
func OSC(kind, summary, body string) string {
	switch kind {
	case OSC777:
		return "\x1b]777;notify;" + strings.ReplaceAll(summary, ";", ",") + ";" + body + "\x1b\\"
	case OSC9:
		// No ";" in the summary: "9;4;" and the like are other commands.
		return "\x1b]9;" + strings.ReplaceAll(summary, ";", ",") + ": " + body + "\x1b\\"
	}
	return ""
}
