package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/sanitize"
	"parley/xmlconsole"
)

// winXML is the kind of an account's XML console window, numbered apart
// from the other lists of kinds.
const winXML winKind = 112

// defaultXMLLines is the number of stanzas an XML console keeps when
// Options.XMLConsoleLines is 0.
const defaultXMLLines = 1000

// maxXMLBytes bounds the text an XML console window keeps; past it the
// oldest stanzas go.
const maxXMLBytes = 16 << 20

// xmlTimeLayout is the time of a console entry: stanzas come in bursts.
const xmlTimeLayout = "15:04:05"

// XMLConsoleAccount shows its connection's raw stanzas (account.Account):
// OpenXMLConsole starts the XMLConsoleEvents, CloseXMLConsole stops them,
// SendRaw sends one stanza typed as XML (it waits on the network: the UI
// calls it from the account's send lane).
type XMLConsoleAccount interface {
	OpenXMLConsole()
	CloseXMLConsole()
	SendRaw(ctx context.Context, raw string) error
}

// xmlState is the state of an XML console window: every entry kept (up to
// the bound) and the filter that chooses those drawn.
type xmlState struct {
	xa      XMLConsoleAccount
	all     []*entry // every stanza kept, oldest first: at most max, maxXMLBytes
	bytes   int      // of their text
	max     int
	filter  string // lower case; "" shows all
	display string // the filter sanitized, for the title
}

// xmlConsoleCommands are the rows of the XML console.
func xmlConsoleCommands() []command {
	return []command{
		{name: "xmlconsole", usage: "[-a ACCOUNT]", help: "open the XML console of the account: its raw stanzas in and out, indented and coloured (passwords and the SASL exchange are never shown); type one stanza (<message/>, <presence/> or <iq/>) in it to send it as it is; /filter narrows it; /close closes it and stops capturing", acct: true, run: cmdXMLConsole},
		{name: "filter", usage: "[TEXT]", help: "in an XML console: show only the stanzas containing TEXT (ignoring case); without TEXT, all of them", max: 1, rest: true, run: cmdFilter},
	}
}

// cmdXMLConsole is /xmlconsole [-a ACCOUNT].
func cmdXMLConsole(u *UI, c *call) error {
	a, err := u.pickAcct(c)
	if err != nil {
		return err
	}
	xa, ok := a.a.(XMLConsoleAccount)
	if !ok {
		return errors.New("account " + a.name + " has no XML console")
	}
	for _, w := range u.wins {
		if w.kind == winXML && w.acct == a {
			u.showWin(w)
			return nil
		}
	}
	w := newWindow(winXML, a, jid.JID{}, "xml:"+a.name)
	limit := u.opts.XMLConsoleLines
	if limit <= 0 {
		limit = defaultXMLLines
	}
	w.buf = newRing(limit + 100) // and info lines
	w.buf.days = false
	w.xml = &xmlState{xa: xa, max: limit}
	u.wins = append(u.wins, w)
	u.showWin(w)
	u.info(w, false, "XML console of "+a.name+": stanzas from now on (up to "+strconv.Itoa(limit)+"), passwords and the SASL exchange hidden; type a stanza to send it, /filter TEXT narrows, /close stops")
	xa.OpenXMLConsole()
	return nil
}

// closeXML stops the console of w if it is one (closeWin).
func closeXML(w *window) {
	if w.xml != nil {
		w.xml.xa.CloseXMLConsole()
	}
}

// cmdFilter is /filter [TEXT] in an XML console window.
func cmdFilter(u *UI, c *call) error {
	w := c.win
	if w.kind != winXML || w.xml == nil {
		return errors.New("/filter works in an XML console window (/xmlconsole)")
	}
	x := w.xml
	x.filter, x.display = "", ""
	if len(c.args) > 0 {
		x.filter = strings.ToLower(strings.TrimSpace(c.args[0]))
		x.display = sanitize.Truncate(sanitize.Text(c.args[0]), 30)
	}
	w.buf.clear()
	w.scroll = 0
	n := 0
	for _, e := range x.all {
		if x.matches(e) {
			w.buf.push(e)
			n++
		}
	}
	if x.filter == "" {
		u.info(w, false, "filter cleared: "+strconv.Itoa(n)+" stanzas")
	} else {
		u.info(w, false, "filter \""+x.display+"\": "+strconv.Itoa(n)+" of "+strconv.Itoa(len(x.all))+" stanzas")
	}
	return nil
}

// matches reports whether the filter shows e (marker lines always show).
func (x *xmlState) matches(e *entry) bool {
	return x.filter == "" || e.kind == lineInfo || strings.Contains(strings.ToLower(e.text[e.bodyStart:]), x.filter)
}

// applyXML adds the entries of an XMLConsoleEvent to the account's
// console window, if one is open.
func (u *UI) applyXML(a *acctState, ev account.XMLConsoleEvent) {
	var w *window
	for _, x := range u.wins {
		if x.kind == winXML && x.acct == a {
			w = x
			break
		}
	}
	if w == nil || w.xml == nil {
		return
	}
	x := w.xml
	for i := range ev.Entries {
		e := u.xmlEntry(&ev.Entries[i])
		x.all = append(x.all, e)
		x.bytes += len(e.text)
		for len(x.all) > x.max {
			x.drop(w, false) // the ring drops its oldest by itself
		}
		for x.bytes > maxXMLBytes && len(x.all) > 1 {
			x.drop(w, true)
		}
		if x.matches(e) {
			u.add(w, e, false)
		}
	}
}

// drop forgets the oldest stanza of w; shown, it takes it off the screen
// with the info lines before it.
func (x *xmlState) drop(w *window, shown bool) {
	old := x.all[0]
	x.all[0] = nil
	x.all = x.all[1:]
	x.bytes -= len(old.text)
	if !shown {
		return
	}
	r := w.buf
	at := -1
	for i := 0; i < r.len() && at < 0; i++ {
		if r.at(i) == old {
			at = i
		}
	}
	if at < 0 {
		return
	}
	keep := make([]*entry, 0, r.len()-at-1)
	for i := at + 1; i < r.len(); i++ {
		keep = append(keep, r.at(i))
	}
	r.clear()
	for _, e := range keep {
		r.push(e)
	}
}

// sendXML sends text typed in an XML console window as a raw stanza,
// through the account's send lane; it is checked first, here, so that a
// malformed one is refused at once.
func (u *UI) sendXML(w *window, text string) error {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	if _, err := xmlconsole.Check(text); err != nil {
		return errors.New("not sent: " + err.Error())
	}
	xa := w.xml.xa
	u.asyncSend(w.acct, w, func(ctx context.Context) (string, error) {
		if err := xa.SendRaw(ctx, text); err != nil {
			return "", errors.New("not sent: " + err.Error())
		}
		return "", nil
	})
	return nil
}

// secretXML reports raw XML typed in an XML console window that carries
// a secret (a password: xmlconsole's redaction rules), which the input
// history does not keep.
func (u *UI) secretXML(text string) bool {
	if u.curWin().kind != winXML || !strings.Contains(text, "<") {
		return false
	}
	return xmlconsole.Format(time.Time{}, xmlconsole.Out, []byte(text), false).Hidden > 0
}

// xmlEntry composes the line of a console entry: "TIME in  XML" or "TIME
// out XML", the XML's lines below its first, coloured by kind.
func (u *UI) xmlEntry(x *xmlconsole.Entry) *entry {
	t := x.Time.In(u.loc)
	var b strings.Builder
	b.WriteString(t.Format(xmlTimeLayout))
	b.WriteByte(' ')
	e := &entry{t: t, key: t, kind: lineMsg}
	e.nickStart = b.Len()
	dir := tint{kind: tintIn}
	switch {
	case x.Marker:
		b.WriteString("-!- ")
		e.kind = lineInfo
	case x.Dir == xmlconsole.Out:
		b.WriteString("out ")
		dir.kind = tintOut
	default:
		b.WriteString("in  ")
	}
	e.nickEnd = e.nickStart // the direction is coloured by its tint
	e.bodyStart = b.Len()
	if !x.Marker {
		dir.start, dir.end = e.nickStart, e.nickStart+3
		e.tints = append(e.tints, dir)
	}
	for _, s := range x.Spans {
		e.tints = append(e.tints, tint{start: e.bodyStart + s.Start, end: e.bodyStart + s.End, kind: tintKind(s.Kind)})
	}
	b.WriteString(x.Text)
	e.text = b.String()
	return e
}

// tint colours bytes [start, end) of an entry's text (XML console).
type tint struct {
	start, end int
	kind       tintKind
}

// tintKind is what a tint colours: an xmlconsole.Kind, or a direction.
type tintKind uint8

const (
	tintIn  tintKind = 100 + iota // "in": a stanza from the server
	tintOut                       // "out": ours
)

// tinted returns st for the tint k, in this theme.
func (t Theme) tinted(st tcell.Style, k tintKind) tcell.Style {
	if t.Mono {
		switch xmlconsole.Kind(k) {
		case xmlconsole.Name:
			return st.Bold(true)
		case xmlconsole.Hidden, xmlconsole.Note:
			return st.Underline(true)
		}
		if k == tintIn || k == tintOut {
			return st.Bold(true)
		}
		return st
	}
	switch k {
	case tintIn:
		return st.Foreground(t.Online).Bold(true)
	case tintOut:
		return st.Foreground(t.Own).Bold(true)
	}
	switch xmlconsole.Kind(k) {
	case xmlconsole.Punct:
		return st.Foreground(t.Time)
	case xmlconsole.Name:
		return st.Foreground(t.Activity)
	case xmlconsole.AttrName:
		return st.Foreground(t.Away)
	case xmlconsole.AttrValue:
		return st.Foreground(t.Header)
	case xmlconsole.Hidden:
		return st.Foreground(t.Error)
	case xmlconsole.Note:
		return st.Foreground(t.Info)
	}
	return st
}

// tintAt advances *k past the tints of e that end at or before pos and
// returns the style at pos.
func (t Theme) tintAt(st tcell.Style, tints []tint, pos int, k *int) tcell.Style {
	for *k < len(tints) && tints[*k].end <= pos {
		*k++
	}
	if *k < len(tints) && tints[*k].start <= pos {
		return t.tinted(st, tints[*k].kind)
	}
	return st
}

// xmlTitle is the title bar text of an XML console window.
func xmlTitle(w *window) string {
	s := "XML console of " + w.acct.name
	if w.xml != nil && w.xml.display != "" {
		s += ", filter \"" + w.xml.display + "\" (/filter clears)"
	}
	return s + ": type a stanza to send it"
}
