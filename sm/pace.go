package sm

import (
	"strconv"
	"time"
)

// Pacing of acknowledgements.
//
// Both ends of a stream-management session ask with <r/> and answer with
// <a h='…'/>. Asking after every stanza, and answering every request at
// once, costs a round of two nonzas per stanza in a flood: a message comes
// in, we answer its receipt request (a stanza), ask for an acknowledgement
// of that receipt, the server answers and asks about its next message, we
// answer... Prosody then spends more on acknowledgements than on the
// messages, and routes half as many a second as to a client without stream
// management (measured: bench TestSideBySide beside mcabber).
//
// So requests and answers are paced: the first after a quiet spell goes out
// at once, as before, and within ackPace of the last one the next waits
// for a timer. An answer sent late carries the count at the time it is
// written, which acknowledges everything received meanwhile; a request
// sent late asks about every stanza written meanwhile. A flood thus costs
// at most one request and one answer each way per ackPace, and a stanza
// written alone is still acknowledged within one round trip.
//
// Nonzas are written straight to the connection, under its write lock and
// only between two top-level elements (bytes written by mellium end at
// element boundaries unless a stanza was larger than its buffer; then the
// timer tries again shortly).

const (
	// ackPace is the least time between two of our requests, and between
	// two of our answers.
	ackPace = 100 * time.Millisecond
	// boundaryRetry is how soon a paced nonza is tried again when the
	// outbound stream was in the middle of an element.
	boundaryRetry = 5 * time.Millisecond
)

// pacing is the pacing state of a State, guarded by State.mu.
type pacing struct {
	lastReq, lastAns   time.Time // when our last <r/> and <a/> were written
	owe                bool      // the server asked and is waiting for an <a/>
	reqArmed, ansArmed bool      // a timer will write the request, the answer
}

// answerBytes is <a h='h'/>.
func answerBytes(h uint32) []byte {
	b := append([]byte(`<a xmlns='`+NS+`' h='`), strconv.FormatUint(uint64(h), 10)...)
	return append(b, `'/>`...)
}

// requested handles the server's <r/> on the current connection: it is
// answered now, or by a timer within ackPace of the previous answer.
func (st *State) requested() {
	st.mu.Lock()
	c := st.cur
	if c == nil {
		st.mu.Unlock()
		return
	}
	st.pace.owe = true
	wait := time.Until(st.pace.lastAns.Add(ackPace))
	if wait > 0 {
		st.armAnswerLocked(wait)
		st.mu.Unlock()
		return
	}
	st.mu.Unlock()
	c.writeAnswer()
}

// armAnswerLocked has a timer write the owed answer after wait.
func (st *State) armAnswerLocked(wait time.Duration) {
	st.armLocked(&st.pace.ansArmed, wait, (*conn).writeAnswer)
}

// armLocked runs write on the connection current when wait has passed
// (one that replaced the connection of the moment owes the answer then),
// unless *armed says a timer already will; *armed (guarded by st.mu) is
// cleared when it fires.
func (st *State) armLocked(armed *bool, wait time.Duration, write func(*conn)) {
	if *armed {
		return
	}
	*armed = true
	time.AfterFunc(wait, func() {
		st.mu.Lock()
		*armed = false
		c := st.cur
		st.mu.Unlock()
		if c != nil {
			write(c)
		}
	})
}

// writeAnswer writes the owed <a/> on c with the count received so far,
// if c is still the current connection.
func (c *conn) writeAnswer() {
	st := c.st
	c.wmu.Lock()
	defer c.wmu.Unlock()
	st.mu.Lock()
	if !st.pace.owe || st.cur != c || c.gaveUp.Load() {
		st.mu.Unlock()
		return
	}
	if !c.out.atBoundary() {
		st.armAnswerLocked(boundaryRetry)
		st.mu.Unlock()
		return
	}
	h := st.inH
	st.pace.owe = false
	st.pace.lastAns = time.Now()
	st.mu.Unlock()
	// A failed write shows on the next read or write of the session.
	_, _ = c.Conn.Write(answerBytes(h))
}

// takeRequest reports whether an <r/> should follow the current write on c
// (called with c.wmu held, at an element boundary), and records it as
// sent. Within ackPace of the previous request it arms a timer instead.
func (st *State) takeRequest(c *conn) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !c.outOn || st.cur != c || !st.enabled || st.reqOut || st.outH == st.acked {
		return false
	}
	if wait := time.Until(st.pace.lastReq.Add(ackPace)); wait > 0 {
		st.armRequestLocked(wait)
		return false
	}
	st.reqOut = true
	st.reqAt = st.outH
	st.stats.Requests++
	st.pace.lastReq = time.Now()
	return true
}

// armRequestLocked has a timer ask after wait.
func (st *State) armRequestLocked(wait time.Duration) {
	st.armLocked(&st.pace.reqArmed, wait, (*conn).writeRequest)
}

// writeRequest writes <r/> on c if stanzas wait for an acknowledgement and
// none is asked for (after an answer, or from the pacing timer).
func (c *conn) writeRequest() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.gaveUp.Load() {
		return
	}
	if !c.out.atBoundary() {
		c.st.mu.Lock()
		c.st.armRequestLocked(boundaryRetry)
		c.st.mu.Unlock()
		return
	}
	if c.st.takeRequest(c) {
		_, _ = c.Conn.Write(ackRequest)
	}
}
