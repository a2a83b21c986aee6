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
	events   []Event
	draining bool
}

func newEvQueue(sink Sink) *evQueue {
	q := &evQueue{sink: sink}
	q.notFull = sync.NewCond(&q.mu)
	q.idle = sync.NewCond(&q.mu)
	return q
}

// put appends e, waiting while the queue is full.
func (q *evQueue) put(e Event) {
	q.mu.Lock()
	for len(q.events) >= maxQueued {
		q.notFull.Wait()
	}
	q.events = append(q.events, e)
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
		e := q.events[0]
		q.events[0] = nil
		q.events = q.events[1:]
		if len(q.events) == maxQueued-1 {
			q.notFull.Broadcast()
		}
		q.mu.Unlock()
		q.sink(e)
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
