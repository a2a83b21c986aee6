package account

import (
	"context"
	"sync"
)

// maxQueued bounds the events waiting for the sink. Past it, whoever emits
// waits: the stanza handler then stops reading, the TCP window fills and the
// server holds back (backpressure). Nothing is dropped.
const maxQueued = 1024

// evQueue is the account's one bounded, ordered event queue (architecture
// rule 3). The stanza handler, the login sequence and the send path put
// events in it; one goroutine at a time delivers them to the sink, in the
// order they were put in, with no lock held. History writes and UI work
// (the sink) therefore never run under mellium's input lock: a sink that
// takes seconds (the first message of a conversation builds that
// conversation's dedup index) holds up neither stanzas nor IQ replies.
//
// The delivering goroutine exists only while events wait: it is started by
// the first event and ends when the queue is empty, so an idle account
// holds no goroutine.
type evQueue struct {
	sink Sink

	mu       sync.Mutex
	notFull  *sync.Cond // signalled when an event leaves a full queue
	idle     *sync.Cond // broadcast when the queue is empty and nothing is delivering
	filled   *sync.Cond // broadcast when a slot is filled
	events   []queued
	draining bool
}

// queued is an event in the queue, or a slot reserved for one (see
// reserve).
type queued struct {
	e    Event
	slot *slot
}

// slot is a place in the queue reserved for an event not known yet. Its
// fields are guarded by evQueue.mu.
type slot struct {
	e      Event // nil: nothing to deliver
	filled bool
}

func newEvQueue(sink Sink) *evQueue {
	q := &evQueue{sink: sink}
	q.notFull = sync.NewCond(&q.mu)
	q.idle = sync.NewCond(&q.mu)
	q.filled = sync.NewCond(&q.mu)
	return q
}

// put appends e, waiting while the queue is full.
func (q *evQueue) put(e Event) { q.add(queued{e: e}) }

// reserve appends a slot for an event that is known only later, and
// returns it; fill gives it its event. Events put after the slot are
// delivered after the slot's, however soon they come: our message is
// reserved its place before it is written to the connection, so that a
// reply which overtakes the write's return is delivered, and stored,
// after it. Every reserved slot must be filled: until it is, the events
// behind it wait.
func (q *evQueue) reserve() *slot {
	s := &slot{}
	q.add(queued{slot: s})
	return s
}

// fill gives s its event, e (nil: none), and lets the events behind it go.
func (q *evQueue) fill(s *slot, e Event) {
	q.mu.Lock()
	s.e, s.filled = e, true
	q.filled.Broadcast()
	q.mu.Unlock()
}

// add appends it, waiting while the queue is full.
func (q *evQueue) add(it queued) {
	q.mu.Lock()
	for len(q.events) >= maxQueued {
		q.notFull.Wait()
	}
	q.events = append(q.events, it)
	start := !q.draining
	q.draining = true
	q.mu.Unlock()
	if start {
		go q.drain()
	}
}

// drain delivers events until the queue is empty.
func (q *evQueue) drain() {
	for {
		q.mu.Lock()
		if len(q.events) == 0 {
			q.draining = false
			q.events = nil // let a burst's backing array go
			q.idle.Broadcast()
			q.mu.Unlock()
			return
		}
		it := q.events[0]
		if it.slot != nil && !it.slot.filled {
			q.filled.Wait()
			q.mu.Unlock()
			continue
		}
		q.events[0] = queued{}
		q.events = q.events[1:]
		if len(q.events) == maxQueued-1 {
			q.notFull.Broadcast()
		}
		e := it.e
		if it.slot != nil {
			e = it.slot.e
		}
		q.mu.Unlock()
		if e != nil {
			q.sink(e)
		}
	}
}

// wait returns once every event put so far has been delivered, or when ctx
// ends.
func (q *evQueue) wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		q.mu.Lock()
		for q.draining {
			q.idle.Wait()
		}
		q.mu.Unlock()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Flush waits, bounded by ctx, until every event the account has emitted so
// far has reached its sink (and so the history). Events are delivered by a
// goroutine behind a queue (see Sink); call Flush before closing what the
// sink writes to.
func (a *Account) Flush(ctx context.Context) error { return a.evq.wait(ctx) }
