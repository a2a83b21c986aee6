package account

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
)

// Bounds of the outbox file: it is read back at start, and a damaged or
// hostile file must not exhaust memory.
const (
	maxOutboxFile  = 32 << 20 // bytes read at most
	maxOutboxEntry = 1 << 20  // one line: a stanza and its fields
)

// outboxEntry is one line of the outbox file (JSON): the complete stanza as
// it is to be sent, and what the account reports about it.
type outboxEntry struct {
	ID     string    `json:"id"`
	To     string    `json:"to"`
	Type   string    `json:"type"`
	Body   string    `json:"body"`
	Time   time.Time `json:"time"`
	Stanza string    `json:"stanza"` // the <message/>, serialized
}

// encodeStanza serializes the tokens of a stanza, as the outbox keeps it.
func encodeStanza(r xml.TokenReader) ([]byte, error) {
	var b bytes.Buffer
	e := xml.NewEncoder(&b)
	if _, err := xmlstream.Copy(e, r); err != nil {
		return nil, err
	}
	if err := e.Flush(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// stanzaTokens reads a serialized stanza back as tokens to send: the
// namespace declarations the decoder reports as attributes are dropped, the
// encoder of the session writes them from the element names.
func stanzaTokens(raw []byte) xml.TokenReader {
	return xmlstream.Map(func(t xml.Token) xml.Token {
		se, ok := t.(xml.StartElement)
		if !ok {
			return t
		}
		attrs := se.Attr[:0:0]
		for _, a := range se.Attr {
			if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
				continue
			}
			attrs = append(attrs, a)
		}
		se.Attr = attrs
		return se
	})(xml.NewDecoder(bytes.NewReader(raw)))
}

// saveOutbox writes the outbox file atomically (a temporary file in the
// same directory, synced, then renamed), mode 0600; an empty outbox
// removes the file. It is called with ob.fileMu held, not a.mu.
func saveOutbox(path string, items []outItem) error {
	if len(items) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".outbox-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename: nothing to remove
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, it := range items {
		m := it.m
		if err := enc.Encode(outboxEntry{ID: m.ID, To: m.To.String(), Type: m.Type, Body: m.Body, Time: m.Time, Stanza: string(it.raw)}); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// loadOutbox reads the outbox file at path: the messages a previous run
// left unsent, oldest first. Lines that cannot be read (damaged, overlong,
// not a message of ours) are skipped and counted in bad; at most maxOutbox
// messages and maxOutboxFile bytes are read.
func loadOutbox(path string, from jid.JID) (items []outItem, bad int, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, maxOutboxFile))
	sc.Buffer(make([]byte, 0, 64<<10), maxOutboxEntry)
	for sc.Scan() {
		if len(items) >= maxOutbox {
			bad++
			continue
		}
		var e outboxEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			bad++
			continue
		}
		it, ok := entryItem(e, from)
		if !ok {
			bad++
			continue
		}
		items = append(items, it)
	}
	if err := sc.Err(); err != nil {
		bad++ // an overlong line: the rest is not read
	}
	return items, bad, nil
}

// entryItem checks one entry: a well-formed chat or normal <message/> whose
// id, to and type are the entry's (what the window shows is what is sent),
// to a valid address.
func entryItem(e outboxEntry, from jid.JID) (outItem, bool) {
	to, err := jid.Parse(e.To)
	if err != nil || e.ID == "" || len(e.ID) > maxShort || (e.Type != "chat" && e.Type != "normal") {
		return outItem{}, false
	}
	raw := []byte(e.Stanza)
	d := xml.NewDecoder(bytes.NewReader(raw))
	tok, err := d.Token()
	se, ok := tok.(xml.StartElement)
	if err != nil || !ok || se.Name.Local != "message" || attr(se, "id") != e.ID || attr(se, "to") != e.To || attr(se, "type") != e.Type {
		return outItem{}, false
	}
	if _, err := xmlstream.Copy(xmlstream.Discard(), xmlstream.Inner(d)); err != nil {
		return outItem{}, false
	}
	m := Message{ID: e.ID, OriginID: e.ID, From: from, To: to, Type: e.Type, Body: e.Body, Time: e.Time, Dir: Out, Receipt: true, Pending: true}
	return outItem{m: m, raw: raw}, true
}

// persistOutbox writes the outbox to its file (Config.Outbox), if there is
// one. A failure is reported once per run of failures: the messages still
// wait in memory.
func (a *Account) persistOutbox() {
	if a.cfg.Outbox == "" {
		return
	}
	a.ob.fileMu.Lock()
	defer a.ob.fileMu.Unlock()
	a.mu.Lock()
	items := append([]outItem(nil), a.ob.items...)
	a.mu.Unlock()
	err := saveOutbox(a.cfg.Outbox, items)
	if err != nil && !a.ob.fileFailed {
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: "outbox: cannot save the unsent messages (they are kept until parley exits): " + err.Error()})
	}
	a.ob.fileFailed = err != nil
}

// restoreOutbox loads what a previous run left in the outbox file: it is
// sent after the next login, ahead of new messages.
func (a *Account) restoreOutbox() {
	if a.cfg.Outbox == "" {
		return
	}
	items, bad, err := loadOutbox(a.cfg.Outbox, a.bare)
	if err != nil {
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: "outbox: cannot read " + a.cfg.Outbox + ": " + err.Error()})
		return
	}
	if bad > 0 {
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: fmt.Sprintf("outbox: skipped %d damaged entries of %s", bad, a.cfg.Outbox)})
	}
	if len(items) == 0 {
		return
	}
	a.mu.Lock()
	a.ob.items = append(items, a.ob.items...)
	a.mu.Unlock()
	a.emit(InfoEvent{Base: a.base(), Text: fmt.Sprintf("%d messages from the last run wait to be sent", len(items))})
}

// Unsent returns how many messages wait in the outbox (typed offline, or
// whose write failed): /quit warns about them. They are kept in the
// outbox file (Config.Outbox) and sent after the next login.
func (a *Account) Unsent() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.ob.items)
}
