// Package jidcache keeps the addresses a session parsed recently, so that a
// flood of messages from the same few contacts or the same room does not
// parse (and normalise: PRECIS, IDNA) the same from and to attributes for
// every stanza.
//
// A Cache is bounded: it holds at most 2×Size addresses of at most MaxKey
// bytes each, in two generations. A hit in the older generation moves the
// address to the current one; when the current one fills it becomes the
// older one and the previous older one is dropped. A stream of distinct
// addresses (an attack or a huge room) costs one map insert each and never
// more memory than the bound.
package jidcache

import (
	"sync"

	"mellium.im/xmpp/jid"
)

const (
	// Size is the number of addresses in one generation.
	Size = 512
	// MaxKey is the longest address text cached; longer ones are parsed
	// every time (no real contact or room has one).
	MaxKey = 256
)

// Cache maps address texts to parsed JIDs. The zero value is ready to use
// and safe for concurrent use.
type Cache struct {
	mu       sync.Mutex
	cur, old map[string]jid.JID
}

// Parse returns jid.Parse(s), from the cache when s was parsed recently.
// Errors are not cached. A nil Cache parses every time.
func (c *Cache) Parse(s string) (jid.JID, error) {
	if c == nil || len(s) > MaxKey {
		return jid.Parse(s)
	}
	c.mu.Lock()
	if j, ok := c.cur[s]; ok {
		c.mu.Unlock()
		return j, nil
	}
	if j, ok := c.old[s]; ok {
		c.putLocked(s, j)
		c.mu.Unlock()
		return j, nil
	}
	c.mu.Unlock()
	j, err := jid.Parse(s)
	if err != nil {
		return j, err
	}
	c.mu.Lock()
	c.putLocked(s, j)
	c.mu.Unlock()
	return j, nil
}

// Len returns the number of addresses held (both generations).
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.old)
}

func (c *Cache) putLocked(s string, j jid.JID) {
	if c.cur == nil {
		c.cur = make(map[string]jid.JID, 16)
	}
	if len(c.cur) >= Size {
		c.old, c.cur = c.cur, make(map[string]jid.JID, 16)
	}
	c.cur[s] = j
}
