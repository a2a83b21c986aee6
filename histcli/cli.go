// Package histcli is `parley history`: it prints a conversation of the
// history files as text, folded (corrected texts, tombstones, reactions) and
// drawn by the one renderer (package render) with the UI's sanitizer.
package histcli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"parley/history"
	"parley/render"
	"parley/sanitize"
)

// Usage is the usage line of `parley history`.
const Usage = "usage: parley history [--account ACCOUNT] PEER [--since YYYY-MM-DD|RFC3339] [--grep TEXT] [--json] [--follow]"

// Run implements `parley history [--account ACCOUNT] PEER [--since DATE]
// [--grep TEXT] [--json] [--follow]`: it prints one conversation of the history directory dir as
// plain text, one line per record ("2026-11-23 14:05:09  alice@example.org:
// text", local time; continuation lines of a multi-line body are indented by
// two spaces). PEER is a bare JID, a room JID or room@service/nick; ACCOUNT
// is a JID or the start of one (MatchAccount, as -a inside parley); --account
// may be left out when only one account has a conversation with PEER. DATE is
// YYYY-MM-DD (local midnight) or RFC 3339; --grep keeps records whose body
// contains TEXT, ignoring case (a retracted message's text is never found).
// Every printed field goes through the UI's sanitizer (package sanitize):
// escape sequences whole, controls, bidi and invisible characters, excess
// combining marks. --json prints one JSON object per message instead (see
// jsonMsg in json.go: the folded view, text fields sanitized). --follow goes
// on printing the messages that arrive, like tail -f, until interrupted
// (see follow.go). The
// directory is opened read-only, so a running parley is no obstacle. The exit
// status is that of grep: 0 if something was printed, 1 if nothing, 2 on a
// usage or read error; --follow exits 0 when interrupted.
func Run(args []string, dir string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	return runFollow(ctx, args, dir, stdout, stderr, time.Local, t.C, nil)
}

type cliArgs struct {
	account, peer, grep string
	since               time.Time
	json, follow        bool
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
		case "--json", "-json":
			a.json = true
		case "--follow", "-follow", "-f":
			a.follow = true
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
	return runFollow(context.Background(), args, dir, stdout, stderr, loc, nil, nil)
}

// runFollow is Run with its clock explicit: with --follow, every value from
// tick polls the file, polled (if not nil) is called after each poll, and
// it returns when ctx is done.
func runFollow(ctx context.Context, args []string, dir string, stdout, stderr io.Writer, loc *time.Location, tick <-chan time.Time, polled func()) int {
	a, err := parseCLI(args, loc)
	if err != nil {
		fmt.Fprintf(stderr, "parley history: %v\n%s\n", err, Usage)
		return 2
	}
	s, err := history.OpenReadOnly(dir)
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
		if a.account, err = history.MatchAccount(accounts, a.account); err != nil {
			fmt.Fprintf(stderr, "parley history: --account: %v\n", err)
			return 2
		}
	}
	var match []history.Conv
	for _, c := range convs {
		if samePeer(c.Conv, a.peer) && (a.account == "" || c.Account == a.account) {
			match = append(match, c)
		}
	}
	switch {
	case len(match) == 0:
		fmt.Fprintf(stderr, "parley history: no history with %s\n", sanitize.Text(a.peer))
		return 1
	case len(match) > 1:
		var names []string
		for _, c := range match {
			names = append(names, sanitize.Text(c.Account))
		}
		fmt.Fprintf(stderr, "parley history: several accounts have history with %s: choose one with --account (%s)\n",
			sanitize.Text(a.peer), strings.Join(names, ", "))
		return 2
	}
	conv := match[0]
	w := bufio.NewWriter(stdout)
	var q quotes // a reply quotes a message printed before it, as the window does
	format := func(b []byte, r history.Record, update bool) []byte {
		if a.json {
			return appendJSON(b, conv, r, update)
		}
		return formatLine(b, conv.Conv, r, loc, &q)
	}
	var f *follower
	if a.follow {
		// What is written from here on is the follower's to print.
		f = &follower{s: s, conv: conv, a: a, out: w, format: format}
		end, err := s.End(conv.Account, conv.Conv)
		if err == nil {
			err = f.seed(end)
		}
		if err != nil {
			fmt.Fprintf(stderr, "parley history: %v\n", err)
			return 2
		}
	}
	printed := 0
	var line []byte
	err = s.Search(ctx, history.Query{Account: conv.Account, Conv: conv.Conv, Text: a.grep, Since: a.since},
		func(h history.Hit) bool {
			if off, main := h.Pos.MainOffset(); f != nil && main && off >= f.off {
				return true // the follower prints it
			}
			line = format(line[:0], h.Record, false)
			if len(line) > 0 {
				w.Write(line)
				printed++
			}
			return true
		})
	warn := func() {
		for _, warning := range s.Warnings() {
			fmt.Fprintln(stderr, sanitize.Text(warning))
		}
	}
	warn()
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err == nil && f != nil {
		err = f.follow(ctx, tick, w.Flush, func() {
			warn()
			if polled != nil {
				polled()
			}
		})
		if err == nil {
			return 0
		}
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

// formatLine renders one folded record as text, newline included:
// continuation lines (of a multi-line body, the reactions) are indented by
// two spaces; a reply starts with the quote of the message it answers
// (from q, else its fallback). It returns b unchanged for a record that is
// not a message.
func formatLine(b []byte, conv string, r history.Record, loc *time.Location, q *quotes) []byte {
	if r.Kind != "" {
		return b // a kind this version does not show
	}
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
	b = append(b, render.Name(who)...)
	b = append(b, ": "...)
	m := render.FromRecord(r)
	lines := render.Lines(m, r.Body)
	if r.ReplyID != "" && !m.Removed() {
		lines = append([]string{q.quoteFor(r)}, lines...)
		defer q.note(r, who, lines[1:])
	} else {
		defer q.note(r, who, lines)
	}
	for i, l := range lines {
		if i > 0 {
			b = append(b, "\n  "...)
		}
		b = append(b, l...)
	}
	if rs := render.ReactionsLine(m.Reactions); rs != "" {
		b = append(b, "\n  "...)
		b = append(b, rs...)
	}
	return append(b, '\n')
}

// bareOf strips a resource.
func bareOf(j string) string {
	if i := strings.IndexByte(j, '/'); i >= 0 {
		return j[:i]
	}
	return j
}

// maxQuotes bounds the messages kept for the replies that may follow.
const maxQuotes = 1 << 16

// quotes are the quote lines of the messages printed so far, by the key a
// reply names them by: in a room the room's stanza-id, else the id.
type quotes struct{ m map[string]string }

// replyKey is the key of the message a reference names by id.
func replyKey(group bool, id string) string {
	if group {
		return "s\x00" + id
	}
	return "i\x00" + id
}

// note keeps the quote line of message r (sender who, its lines).
func (q *quotes) note(r history.Record, who string, lines []string) {
	group := r.Type == "groupchat"
	id := r.ID
	if group {
		id = ""
		if strings.EqualFold(r.StanzaBy, bareOf(r.From)) {
			id = r.StanzaID
		}
	}
	if id == "" || len(lines) == 0 {
		return
	}
	if q.m == nil || len(q.m) >= maxQuotes {
		q.m = make(map[string]string)
	}
	text := strings.TrimSuffix(strings.TrimSuffix(lines[0], render.EditedMark), " ")
	if len(lines) > 1 {
		text += " …"
	}
	q.m[replyKey(group, id)] = render.QuoteLine(who, text)
}

// quoteFor is the quote line of reply r: the message it answers if it was
// printed, else the reply's fallback quote with its author.
func (q *quotes) quoteFor(r history.Record) string {
	group := r.Type == "groupchat"
	if l, ok := q.m[replyKey(group, r.ReplyID)]; ok {
		return l
	}
	who := bareOf(r.ReplyTo)
	if _, res, ok := strings.Cut(r.ReplyTo, "/"); ok && group {
		who = res
	}
	return render.QuoteLine(who, render.FallbackText(r.Quote, who != ""))
}
