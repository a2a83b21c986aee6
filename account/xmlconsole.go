package account

import (
	"context"
	"encoding/xml"
	"io"
	"sync"

	"parley/xmlconsole"
)

// XMLConsoleEvent carries stanzas of the account's connection, formatted
// for the XML console (package xmlconsole: redacted, sanitized,
// pretty-printed), while a console is open (OpenXMLConsole). Entries that
// did not fit while the receiver was behind were dropped; an entry says
// how many.
type XMLConsoleEvent struct {
	Base
	Entries []xmlconsole.Entry
}

// xcState is the account's XML console.
type xcState struct {
	mu  sync.Mutex
	con *xmlconsole.Console // nil while closed
}

// OpenXMLConsole starts showing the account's stanzas in and out as
// XMLConsoleEvents, from this connection on (what a connection carries
// before it authenticates is never shown). Opening an open console does
// nothing. Until it is open, nothing is captured.
func (a *Account) OpenXMLConsole() {
	a.xc.mu.Lock()
	defer a.xc.mu.Unlock()
	if a.xc.con != nil {
		return
	}
	a.xc.con = xmlconsole.Start(func(es []xmlconsole.Entry) {
		a.emit(XMLConsoleEvent{Base: a.base(), Entries: es})
	})
	a.sm.SetTap(a.xc.con.Inbox())
}

// CloseXMLConsole stops the XML console: nothing more is captured.
func (a *Account) CloseXMLConsole() {
	a.xc.mu.Lock()
	con := a.xc.con
	a.xc.con = nil
	a.xc.mu.Unlock()
	if con != nil {
		a.sm.SetTap(nil)
		con.Stop()
	}
}

// SendRaw sends raw XML typed in the XML console: exactly one stanza
// (xmlconsole.Check says why not), written by the session's writer like
// every stanza, so stream management counts it. The reply, if any, shows
// in the console; mellium routes it like any stanza it did not ask for.
func (a *Account) SendRaw(ctx context.Context, raw string) error {
	toks, err := xmlconsole.Check(raw)
	if err != nil {
		return err
	}
	sess, err := a.online()
	if err != nil {
		return err
	}
	return sess.Send(ctx, &tokenList{toks: toks})
}

// tokenList reads a list of tokens.
type tokenList struct {
	toks []xml.Token
}

// Token implements xml.TokenReader.
func (l *tokenList) Token() (xml.Token, error) {
	if len(l.toks) == 0 {
		return nil, io.EOF
	}
	t := l.toks[0]
	l.toks = l.toks[1:]
	return t, nil
}
