package account

import (
	"sync"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
)

// Sending receipts (XEP-0184) off the stanza handler, in batches.
//
// The handler only notes that a receipt is owed (queueReceipt); a timer
// writes the owed receipts together, through one session writer and one
// flush: one TLS record and one system call for all the receipts of a
// burst, instead of one each, and the handler never waits for the
// session's writer (which a slow link can hold). The first receipt after a
// quiet spell goes out at once; within receiptPace of the last batch the
// next waits for the timer, so a flood costs at most one write of receipts
// per receiptPace. Receipts are best effort (XEP-0184 promises nothing): a
// batch for a session that ended is dropped, and beyond maxOwedReceipts
// waiting (a writer stuck for long) the newest are not answered. One batch
// is written at a time: while one waits for the session's writer, the next
// waits for it.

const (
	// receiptPace is the least time between two writes of receipts.
	receiptPace = 100 * time.Millisecond
	// maxOwedReceipts bounds the receipts waiting to be written.
	maxOwedReceipts = 512
)

// owedReceipt is one receipt to write: message id, from whom.
type owedReceipt struct {
	to jid.JID
	id string
}

// receiptOut holds the receipts waiting to be written.
type receiptOut struct {
	mu    sync.Mutex
	owed  []owedReceipt
	armed bool      // a timer will write them
	busy  bool      // a batch is being written (the session's writer may be held by a slow link)
	last  time.Time // when the last batch was written
}

// queueReceipt notes that message id from to is to be answered, and has
// the batch written now or at the pace.
func (a *Account) queueReceipt(to jid.JID, id string) {
	r := &a.rcpt
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.owed) >= maxOwedReceipts {
		return
	}
	r.owed = append(r.owed, owedReceipt{to: to, id: id})
	if r.armed {
		return
	}
	r.armed = true
	time.AfterFunc(max(0, time.Until(r.last.Add(receiptPace))), a.writeReceipts)
}

// writeReceipts writes the owed receipts on the current session.
func (a *Account) writeReceipts() {
	r := &a.rcpt
	r.mu.Lock()
	if r.busy { // the last batch is still being written: this one waits its turn
		time.AfterFunc(receiptPace, a.writeReceipts)
		r.mu.Unlock()
		return
	}
	batch := r.owed
	r.owed, r.armed, r.last, r.busy = nil, false, time.Now(), true
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.busy = false
		r.mu.Unlock()
	}()
	a.mu.Lock()
	sess := a.sess
	a.mu.Unlock()
	if sess == nil || len(batch) == 0 {
		return
	}
	w := sess.TokenWriter()
	defer w.Close()
	for _, o := range batch {
		if _, err := xmlstream.Copy(w, receiptStanza(o.to, o.id)); err != nil {
			return // the session is closing: the rest are dropped
		}
	}
	_ = w.Flush()
}
