package histcli

import (
	"context"
	"io"
	"strings"
	"time"

	"parley/history"
)

// Following (--follow): after the history, the conversation's main file is
// read again every pollEvery from where the last reading stopped (see
// history.Store.End and Appended). A new message is printed as it comes; a
// correction, reaction, retraction or moderation of a message among the
// last maxRecent records read prints that message again in its new state
// (in JSON marked "update"). A retraction's erase replaces the file
// atomically with one whose lines keep their offsets, so the follower goes
// on where it was.

const (
	pollEvery = 250 * time.Millisecond
	maxRecent = 4096           // records kept for folding new references into
	seedBytes = int64(1 << 20) // of the main file read back to fill them at the start
)

// follower prints what is appended to one conversation.
type follower struct {
	s      *history.Store
	conv   history.Conv
	a      cliArgs
	out    io.Writer
	format func(b []byte, r history.Record, update bool) []byte
	off    int64
	recent []history.Record // the last records read, references included, oldest first
	line   []byte
}

// seed fills recent with the last records of the file (from about
// seedBytes before end on), for references to messages printed before the
// follow began, and starts the follow after them.
func (f *follower) seed(end int64) error {
	next, err := f.s.Appended(f.conv.Account, f.conv.Conv, max(0, end-seedBytes), func(r history.Record) bool {
		f.keep(r)
		return true
	})
	f.off = max(next, end)
	return err
}

// keep adds r to recent, dropping the oldest past maxRecent.
func (f *follower) keep(r history.Record) {
	if len(f.recent) >= maxRecent {
		n := copy(f.recent, f.recent[maxRecent/4:])
		clear(f.recent[n:])
		f.recent = f.recent[:n]
	}
	f.recent = append(f.recent, r)
}

// poll prints what was appended since the last poll.
func (f *follower) poll() error {
	next, err := f.s.Appended(f.conv.Account, f.conv.Conv, f.off, func(r history.Record) bool {
		f.keep(r)
		if !r.IsRef() {
			if f.a.matches(r) {
				f.print(r, false)
			}
			return true
		}
		if r.Kind == history.KindMarker {
			return true // a marker changes nothing shown
		}
		if t, ok := f.target(); ok {
			f.print(t, true)
		}
		return true
	})
	f.off = next
	return err
}

// target returns the message the reference just kept (the last of
// recent) changed, folded, when it passes the filters before or after.
func (f *follower) target() (history.Record, bool) {
	after := history.Fold(f.recent)
	before := history.Fold(f.recent[:len(f.recent)-1])
	for i := len(after) - 1; i >= 0 && i < len(before); i-- {
		if !sameFold(after[i], before[i]) {
			return after[i], f.a.matches(before[i]) || f.a.matches(after[i])
		}
	}
	return history.Record{}, false
}

// sameFold reports whether two folded records of one message show alike.
func sameFold(a, b history.Record) bool {
	if a.Body != b.Body || a.Folded.Edited != b.Folded.Edited || a.Folded.Removed() != b.Folded.Removed() ||
		len(a.Folded.Reactions) != len(b.Folded.Reactions) {
		return false
	}
	for i := range a.Folded.Reactions {
		if a.Folded.Reactions[i] != b.Folded.Reactions[i] {
			return false
		}
	}
	return true
}

func (f *follower) print(r history.Record, update bool) {
	f.line = f.format(f.line[:0], r, update)
	f.out.Write(f.line)
}

// matches reports whether a message passes --since and --grep.
func (a cliArgs) matches(r history.Record) bool {
	if !a.since.IsZero() && r.Time.Before(a.since) {
		return false
	}
	return a.grep == "" || strings.Contains(strings.ToLower(r.Body), strings.ToLower(a.grep))
}

// follow polls until ctx is done or writing fails; flush is called after
// every poll that printed something, and polled (a test hook) after every
// poll.
func (f *follower) follow(ctx context.Context, tick <-chan time.Time, flush func() error, polled func()) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
		}
		err := f.poll()
		if ferr := flush(); ferr != nil {
			return ferr // the reader went away (a closed pipe)
		}
		if polled != nil {
			polled()
		}
		if err != nil {
			return err
		}
	}
}
