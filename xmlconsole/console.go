package xmlconsole

import (
	"strconv"
	"sync"
	"time"
)

// maxBatch bounds the entries handed to emit at once.
const maxBatch = 64

// Console is an open XML console: an Inbox for the connection's tap and a
// worker goroutine that formats what arrives and hands the entries on.
type Console struct {
	inbox *Inbox
	emit  func([]Entry)
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

// Start opens a console: elements put in its Inbox are formatted (Format)
// and handed to emit in order, in batches, from the console's goroutine.
// emit may take its time: meanwhile the Inbox fills and then drops, and
// the next batch begins with an entry saying how many were dropped.
func Start(emit func([]Entry)) *Console {
	c := &Console{inbox: NewInbox(), emit: emit, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// Inbox returns the tap to set on the connection (sm.State.SetTap).
func (c *Console) Inbox() *Inbox { return c.inbox }

// Stop ends the worker without waiting for it (it may be inside emit,
// which may wait for the caller): entries not yet emitted are discarded,
// a batch being emitted may still arrive. Stop may be called more than
// once.
func (c *Console) Stop() {
	c.once.Do(func() { close(c.stop) })
}

// Done is closed when the worker has ended after Stop.
func (c *Console) Done() <-chan struct{} { return c.done }

func (c *Console) run() {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		case <-c.inbox.ready:
		}
		items, dropped := c.inbox.take()
		batch := make([]Entry, 0, min(len(items)+1, maxBatch))
		if dropped > 0 {
			batch = append(batch, Marker(time.Now(), strconv.Itoa(dropped)+" stanzas dropped: the console was behind"))
		}
		for _, r := range items {
			select {
			case <-c.stop:
				return
			default:
			}
			if r.auth {
				batch = append(batch, Marker(r.t, "connection authenticated: TLS and SASL exchange hidden"))
			} else {
				batch = append(batch, Format(r.t, r.dir, r.data, r.cut))
			}
			if len(batch) == maxBatch {
				c.emit(batch)
				batch = make([]Entry, 0, maxBatch)
			}
		}
		select {
		case <-c.stop:
			return
		default:
		}
		if len(batch) > 0 {
			c.emit(batch)
		}
	}
}
