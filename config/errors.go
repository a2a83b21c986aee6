package config

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one mistake found in a config file.
type Problem struct {
	Line int    // 1-based line in the file; 0 when no line applies (unreadable file, no account at all)
	Key  string // the key concerned, as "account[2].jid", "ui.theme.error", "history_dir"; may be empty
	Msg  string // what is wrong, and where possible how to fix it
	Err  error  // the underlying error, when there is one (e.g. from reading the file)
}

// String formats the problem as "LINE: KEY: message", leaving out what is
// not known.
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "%d: ", p.Line)
	}
	if p.Key != "" {
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Errors is every problem found in a config file. Error prints one problem
// per line as "FILE:LINE: KEY: message", for example
//
//	/home/u/.config/parley/config.toml:7: account[2].jid: "bob@" is not a valid JID: ...
//	config.toml:3: account[1].pasword: unknown key (did you mean password?)
//
// Problems are ordered by line.
type Errors struct {
	File string    // the path of the config file, as given to Load
	List []Problem // at least one
}

// Error implements error: one problem per line, each prefixed with the file.
func (e *Errors) Error() string {
	var b strings.Builder
	for i, p := range e.List {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.File)
		b.WriteByte(':')
		if p.Line == 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap returns the underlying errors of the problems that have one, so that
// errors.Is(err, fs.ErrNotExist) tells a missing config file.
func (e *Errors) Unwrap() []error {
	var errs []error
	for _, p := range e.List {
		if p.Err != nil {
			errs = append(errs, p.Err)
		}
	}
	return errs
}

// problems collects the problems of one load.
type problems struct {
	list  []Problem
	lines lineIndex
}

// add records a problem about key, placed at the key's line (or the line of
// its nearest enclosing table when the key is absent from the file).
func (ps *problems) add(key, format string, args ...any) {
	ps.list = append(ps.list, Problem{Line: ps.lines.line(key), Key: key, Msg: fmt.Sprintf(format, args...)})
}

// sorted returns the problems ordered by line, then key, then message.
func (ps *problems) sorted() []Problem {
	sort.SliceStable(ps.list, func(i, j int) bool {
		a, b := ps.list[i], ps.list[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		return a.Msg < b.Msg
	})
	return ps.list
}

// suggest returns the known name closest to an unknown one, or "" when none
// is close enough to be a likely typo.
func suggest(name string, known []string) string {
	best, bestD := "", 0
	for _, k := range known {
		d := editDistance(strings.ToLower(name), k)
		if best == "" || d < bestD {
			best, bestD = k, d
		}
	}
	limit := 2
	if len(name) <= 4 {
		limit = 1
	}
	if best == "" || bestD > limit {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, counted in bytes
// (keys are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
