package history

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// CLIUsage is the usage line of `parley history`.
const CLIUsage = "usage: parley history [--account ACCOUNT] PEER [--since YYYY-MM-DD|RFC3339] [--grep TEXT]"

// RunCLI implements `parley history [--account ACCOUNT] PEER [--since DATE]
// [--grep TEXT]`: it prints one conversation of the history directory dir as
// plain text, one line per record ("2026-11-23 14:05:09  alice@example.org:
// text", local time; continuation lines of a multi-line body are indented by
// two spaces). PEER is a bare JID, a room JID or room@service/nick; ACCOUNT
// is a JID or the start of one (MatchAccount, as -a inside parley); --account
// may be left out when only one account has a conversation with PEER. DATE is
// YYYY-MM-DD (local midnight) or RFC 3339; --grep keeps records whose body
// contains TEXT, ignoring case. Control and escape characters (C0 but tab,
// DEL, C1) and bidi controls are stripped from every printed field. The
// directory is opened read-only, so a running parley is no obstacle. The exit
// status is that of grep: 0 if something was printed, 1 if nothing, 2 on a
// usage or read error.
func RunCLI(args []string, dir string, stdout, stderr io.Writer) int {
	return runCLI(args, dir, stdout, stderr, time.Local)
}

type cliArgs struct {
	account, peer, grep string
	since               time.Time
}

func parseCLI(args []string, loc *time.Location) (cliArgs, error) {
	var a cliArgs
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, val, hasVal := strings.Cut(arg, "=")
		switch name {
		case "--account", "-account", "--since", "-since", "--grep", "-grep":
			if !hasVal {
				if i+1 >= len(args) {
					return a, fmt.Errorf("%s needs a value", name)
				}
				i++
				val = args[i]
			}
			switch strings.TrimLeft(name, "-") {
			case "account":
				a.account = val
			case "grep":
				a.grep = val
			case "since":
				t, err := parseSince(val, loc)
				if err != nil {
					return a, err
				}
				a.since = t
			}
		case "-h", "--help", "-help":
			return a, fmt.Errorf("help requested")
		default:
			if strings.HasPrefix(arg, "-") {
				return a, fmt.Errorf("unknown flag %s", arg)
			}
			if a.peer != "" {
				return a, fmt.Errorf("more than one PEER: %s and %s", a.peer, arg)
			}
			a.peer = arg
		}
	}
	if a.peer == "" {
		return a, fmt.Errorf("PEER is missing")
	}
	return a, nil
}

func parseSince(v string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", v, loc); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since %q: want YYYY-MM-DD or RFC 3339 (2006-01-02T15:04:05Z)", v)
}

// samePeer compares JIDs: the bare part ignoring case, the resource exactly.
func samePeer(a, b string) bool {
	ab, ar, _ := strings.Cut(a, "/")
	bb, br, _ := strings.Cut(b, "/")
	return strings.EqualFold(ab, bb) && ar == br
}

func runCLI(args []string, dir string, stdout, stderr io.Writer, loc *time.Location) int {
	a, err := parseCLI(args, loc)
	if err != nil {
		fmt.Fprintf(stderr, "parley history: %v\n%s\n", err, CLIUsage)
		return 2
	}
	s, err := OpenReadOnly(dir)
	if err != nil {
		fmt.Fprintf(stderr, "parley history: %v\n", err)
		return 2
	}
	defer s.Close()
	convs, err := s.Conversations()
	if err != nil {
		fmt.Fprintf(stderr, "parley history: %v\n", err)
		return 2
	}
	if a.account != "" {
		// The account as -a names it inside parley: a JID or the start of one.
		var accounts []string
		for _, c := range convs {
			accounts = append(accounts, c.Account)
		}
		if a.account, err = MatchAccount(accounts, a.account); err != nil {
			fmt.Fprintf(stderr, "parley history: --account: %v\n", err)
			return 2
		}
	}
	var match []Conv
	for _, c := range convs {
		if samePeer(c.Conv, a.peer) && (a.account == "" || c.Account == a.account) {
			match = append(match, c)
		}
	}
	switch {
	case len(match) == 0:
		fmt.Fprintf(stderr, "parley history: no history with %s\n", sanitize(a.peer))
		return 1
	case len(match) > 1:
		var names []string
		for _, c := range match {
			names = append(names, sanitize(c.Account))
		}
		fmt.Fprintf(stderr, "parley history: several accounts have history with %s: choose one with --account (%s)\n",
			sanitize(a.peer), strings.Join(names, ", "))
		return 2
	}
	w := bufio.NewWriter(stdout)
	printed := 0
	var line []byte
	err = s.Search(context.Background(), Query{Account: match[0].Account, Conv: match[0].Conv, Text: a.grep, Since: a.since},
		func(h Hit) bool {
			line = formatLine(line[:0], h.Conv.Conv, h.Record, loc)
			w.Write(line)
			printed++
			return true
		})
	for _, warning := range s.Warnings() {
		fmt.Fprintln(stderr, sanitize(warning))
	}
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		fmt.Fprintf(stderr, "parley history: %v\n", err)
		return 2
	}
	if printed == 0 {
		return 1
	}
	return 0
}

// formatLine renders one record as text, newline included.
func formatLine(b []byte, conv string, r Record, loc *time.Location) []byte {
	b = r.Time.In(loc).AppendFormat(b, "2006-01-02 15:04:05")
	b = append(b, "  "...)
	who := bareOf(r.From)
	if res, ok := strings.CutPrefix(r.From, bareOf(conv)+"/"); ok && strings.Contains(conv, "/") {
		who = res // a room private chat: the occupant's nick
	}
	if r.Type == "groupchat" || r.Nick != "" {
		who = r.Nick
		if who == "" {
			who = r.From
		}
	}
	who, nick, body := sanitize(who), sanitize(r.Nick), sanitize(r.Body)
	switch r.Kind {
	case KindJoin:
		b = fmt.Appendf(b, "* %s joined", nick)
	case KindLeave:
		b = fmt.Appendf(b, "* %s left", nick)
		if body != "" {
			b = fmt.Appendf(b, " (%s)", body)
		}
	case KindNick:
		b = fmt.Appendf(b, "* %s is now known as %s", nick, body)
	case KindSubject:
		b = fmt.Appendf(b, "* %s set the subject: %s", who, body)
	case KindKick, KindBan:
		verb := "kicked"
		if r.Kind == KindBan {
			verb = "banned"
		}
		b = fmt.Appendf(b, "* %s was %s", nick, verb)
		if body != "" {
			b = fmt.Appendf(b, ": %s", body)
		}
	case KindCorrection:
		b = fmt.Appendf(b, "%s (corrected): %s", who, body)
	default:
		b = fmt.Appendf(b, "%s: %s", who, body)
	}
	return append(b, '\n')
}

// sanitize makes untrusted text safe to print on a terminal: newlines become
// a newline plus two spaces of indent; other C0 controls but tab, DEL, C1
// controls and bidi embedding/override/isolate characters are removed;
// invalid UTF-8 becomes U+FFFD.
func sanitize(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) || r == '\n' || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString("\n  ")
		case unsafeRune(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	switch {
	case r < 0x20:
		return r != '\t' && r != '\n'
	case r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}
