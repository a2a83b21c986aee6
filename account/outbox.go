package account

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"sync"
	"time"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/sm"
)

// maxOutbox bounds the messages waiting to be sent.
const maxOutbox = 1000

// sendTimeout bounds one write of a message from the outbox.
const sendTimeout = 10 * time.Second

// outbox holds our chat messages that could not be sent yet: typed while
// offline, or whose write failed. Fields are guarded by Account.mu; flushMu
// makes sure one flush at a time sends, so no message goes out twice.
type outbox struct {
	items   []outItem
	flushMu sync.Mutex

	// The outbox file (Config.Outbox, outboxfile.go): fileMu orders its
	// writes; fileFailed says the last one failed (reported once);
	// restored, that a previous run's file was read (at the first Run).
	fileMu     sync.Mutex
	fileFailed bool
	restored   bool
}

// outItem is one message waiting in the outbox.
type outItem struct {
	m Message
	// inSM: its bytes reached the stream-management queue before the write
	// failed. Stream management sends it again on resume, or hands it back
	// through Pending (resendPending sends it then), so the outbox itself
	// must not send it: it only reports it as sent.
	inSM bool
	// raw is the complete stanza as it is sent (payloads included), the
	// same bytes at every attempt and after a restart.
	raw []byte
}

// tokens is the stanza of it, to send.
func (it outItem) tokens() xml.TokenReader {
	if it.raw != nil {
		return stanzaTokens(it.raw)
	}
	return messageStanza(it.m, false)
}

// messageTokens is the stanza of one of our chat messages, as sent the first
// time and when it is sent again (same id and origin-id, so that the peer,
// the archive and our history can recognise a copy).
func (a *Account) messageTokens(m Message) xml.TokenReader {
	if m.sealed != nil {
		return stanzaTokens(m.sealed) // OMEMO: the ciphertext as first sealed (omemosend.go)
	}
	return messageStanza(m, false)
}

// outboxBusy reports whether messages are waiting: a new message must queue
// behind them to keep the order.
func (a *Account) outboxBusy() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.ob.items) > 0
}

// queueMessage puts m in the outbox, emits it with Pending set (the UI
// shows it with a pending mark; the history stores it) and returns it. If
// the account is online the outbox is flushed at once.
func (a *Account) queueMessage(m Message, inSM bool) (Message, error) {
	m.Pending = true
	raw, err := encodeStanza(a.messageTokens(m))
	if err != nil {
		return Message{}, fmt.Errorf("message to %s: %w", m.To, err)
	}
	a.mu.Lock()
	if len(a.ob.items) >= maxOutbox {
		a.mu.Unlock()
		return Message{}, fmt.Errorf("%w, and %d messages are already waiting to be sent", ErrOffline, maxOutbox)
	}
	a.ob.items = append(a.ob.items, outItem{m: m, inSM: inSM, raw: raw})
	sess := a.sess
	online := a.state == Online && sess != nil && !a.closing
	a.mu.Unlock()
	a.persistOutbox() // survives a restart or a crash (outboxfile.go)
	a.emit(MessageEvent{Base: a.base(), Msg: m})
	if online {
		go a.flushOutbox(context.Background(), sess)
	}
	return m, nil
}

// flushOutbox sends the waiting messages in order on sess, each once, and
// reports each with a DeliveryEvent{Sent}. It stops at the first failure
// (the connection is going down; the next login flushes again).
func (a *Account) flushOutbox(ctx context.Context, sess *xmpp.Session) {
	a.ob.flushMu.Lock()
	defer a.ob.flushMu.Unlock()
	for {
		a.mu.Lock()
		if len(a.ob.items) == 0 || a.sess != sess {
			a.mu.Unlock()
			return
		}
		it := a.ob.items[0]
		a.mu.Unlock()
		if !it.inSM {
			sctx, cancel := context.WithTimeout(ctx, sendTimeout)
			err := sess.Send(sctx, it.tokens())
			cancel()
			if err != nil {
				if a.sm.Queued(it.m.ID) {
					a.mu.Lock()
					if len(a.ob.items) > 0 && a.ob.items[0].m.ID == it.m.ID {
						a.ob.items[0].inSM = true
					}
					a.mu.Unlock()
				}
				return
			}
		}
		a.mu.Lock()
		if len(a.ob.items) > 0 && a.ob.items[0].m.ID == it.m.ID {
			a.ob.items = a.ob.items[1:]
		}
		a.mu.Unlock()
		a.persistOutbox()
		a.emit(DeliveryEvent{Base: a.base(), Peer: it.m.Peer(), ID: it.m.ID, Sent: true})
	}
}

// dropFromOutbox removes the message with id from the outbox and reports
// whether it was there.
func (a *Account) dropFromOutbox(id string) (outItem, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, it := range a.ob.items {
		if it.m.ID == id {
			a.ob.items = append(a.ob.items[:i:i], a.ob.items[i+1:]...)
			return it, true
		}
	}
	return outItem{}, false
}

// resendPending sends again, once, the chat messages of a stream-management
// session that could not be resumed and that the server never
// acknowledged (sm.Pending): they may or may not have reached it. They keep
// their id and origin-id, so a copy that did arrive is recognised as such
// by the peer's client, the archive and our history. Other stanzas
// (presence, IQs, chat states) are stale and dropped; a lost room message
// is reported, since the room may have been left meanwhile.
func (a *Account) resendPending(ctx context.Context, sess *xmpp.Session) {
	for _, raw := range a.sm.Pending() {
		m, ok := pendingMessage(raw, a.bare)
		if !ok {
			continue
		}
		if m.Type == "groupchat" {
			a.emit(InfoEvent{Base: a.base(), Error: true, Text: "a message to " + m.To.Bare().String() + " may not have been delivered (the connection was lost): " + clip(m.Body, maxShort)})
			continue
		}
		queued, wasQueued := a.dropFromOutbox(m.ID)
		if !wasQueued {
			queued = outItem{m: m, raw: raw} // the very bytes that were sent
		}
		sctx, cancel := context.WithTimeout(ctx, sendTimeout)
		err := sess.Send(sctx, queued.tokens())
		cancel()
		if err != nil {
			// Not sent: back to the front of the outbox (or, if the bytes
			// reached the new stream-management queue, only tracked there).
			queued.inSM = a.sm.Queued(m.ID)
			a.mu.Lock()
			a.ob.items = append([]outItem{queued}, a.ob.items...)
			a.mu.Unlock()
			a.persistOutbox()
			continue
		}
		if wasQueued {
			a.persistOutbox()
			a.emit(DeliveryEvent{Base: a.base(), Peer: queued.m.Peer(), ID: queued.m.ID, Sent: true})
		}
	}
}

// pendingMessage reads a stanza held by stream management; ok is true for a
// chat, normal or groupchat message with a body.
func pendingMessage(raw []byte, account jid.JID) (Message, bool) {
	d := xml.NewDecoder(bytes.NewReader(raw))
	var start xml.StartElement
	for {
		tok, err := d.Token()
		if err != nil {
			return Message{}, false
		}
		if se, ok := tok.(xml.StartElement); ok {
			start = se
			break
		}
	}
	if start.Name.Local != "message" || sm.StanzaID(raw) == "" {
		return Message{}, false
	}
	m, err := ParseMessage(start, d, ParseContext{Account: account, Now: time.Now()})
	if err != nil || m.Body == "" && !m.hasRef() || (m.Type != "chat" && m.Type != "normal" && m.Type != "groupchat") {
		return Message{}, false
	}
	m.Dir = Out
	return m, true
}
