package muc

import (
	"context"
	"encoding/xml"
	"net"
	"sync"
	"testing"
	"time"

	"mellium.im/sasl"
	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/internal/servertest"
)

const waitFor = 15 * time.Second

// client is a real mellium session fed into Rooms by a handler, the way
// the account package will do it: the handler parses, applies and queues;
// requests run in the test goroutine.
type client struct {
	s     *xmpp.Session
	jid   jid.JID
	mu    sync.Mutex
	rooms map[string]*Room
	ch    chan Change
	msgs  chan Message
}

func dialClient(t testing.TB, srv *servertest.Server, user, pass string) *client {
	t.Helper()
	j := jid.MustParse(user + "@" + srv.Domain + "/test")
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	conn, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	s, err := xmpp.NewClientSession(ctx, j, conn,
		xmpp.StartTLS(srv.TLSConfig(t)),
		xmpp.SASL("", pass, sasl.ScramSha256, sasl.ScramSha1),
		xmpp.BindResource())
	if err != nil {
		conn.Close()
		t.Fatalf("session for %s: %v", user, err)
	}
	c := &client{s: s, jid: s.LocalAddr(), rooms: map[string]*Room{},
		ch: make(chan Change, 20000), msgs: make(chan Message, 1000)}
	ctxP, cancelP := context.WithTimeout(context.Background(), waitFor)
	defer cancelP()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Serve(xmpp.HandlerFunc(c.handle)) // ends with the connection
	}()
	// Initial presence: without it the server keeps messages to our bare
	// JID (invitations) offline.
	if err := s.Send(ctxP, encode(presenceOut{})); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		conn.Close()
		<-done
	})
	return c
}

// handle never waits for anything and never returns an error.
func (c *client) handle(r xmlstream.TokenReadEncoder, start *xml.StartElement) error {
	switch start.Name.Local {
	case "presence":
		p, err := ParsePresence(*start, r)
		if err != nil {
			return nil
		}
		c.mu.Lock()
		room := c.rooms[p.From.Bare().String()]
		var out []Change
		if room != nil {
			out = room.HandlePresence(p)
		}
		c.mu.Unlock()
		for _, ch := range out {
			c.ch <- ch
		}
	case "message":
		m, err := ParseMessage(*start, r)
		if err != nil {
			return nil
		}
		if m.IsSubject() {
			c.mu.Lock()
			room := c.rooms[m.From.Bare().String()]
			var out []Change
			if room != nil {
				out = room.HandleSubject(m.From, m.Subject)
			}
			c.mu.Unlock()
			for _, ch := range out {
				c.ch <- ch
			}
		}
		c.msgs <- m
	}
	return nil
}

func (c *client) ctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	t.Cleanup(cancel)
	return ctx
}

// join sends the join presence and returns the room, not waiting.
func (c *client) join(t testing.TB, room jid.JID, nick, password string) *Room {
	t.Helper()
	c.mu.Lock()
	r := c.rooms[room.String()]
	if r == nil {
		r = NewRoom(room, nick)
		c.rooms[room.String()] = r
	}
	r.StartJoin(nick)
	c.mu.Unlock()
	p, err := JoinPresence(room, nick, password, History{MaxStanzas: 5}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.s.Send(c.ctx(t), p); err != nil {
		t.Fatal(err)
	}
	return r
}

// joined joins and waits for SelfJoined.
func (c *client) joined(t testing.TB, room jid.JID, nick, password string) SelfJoined {
	t.Helper()
	c.join(t, room, nick, password)
	return wait(t, c, func(SelfJoined) bool { return true })
}

func (c *client) send(t testing.TB, r xml.TokenReader, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.s.Send(c.ctx(t), r); err != nil {
		t.Fatal(err)
	}
}

// with runs f on room under the lock the handler uses.
func (c *client) with(room jid.JID, f func(r *Room)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(c.rooms[room.String()])
}

// wait returns the first change of type T that match accepts, dropping
// others.
func wait[T Change](t testing.TB, c *client, match func(T) bool) T {
	t.Helper()
	timer := time.NewTimer(waitFor)
	defer timer.Stop()
	var seen []string
	for {
		select {
		case ch := <-c.ch:
			if x, ok := ch.(T); ok && match(x) {
				return x
			}
			seen = append(seen, describe(ch))
		case <-timer.C:
			var zero T
			t.Fatalf("%s: no %T; saw %q", c.jid, zero, seen)
			return zero
		}
	}
}

// waitMsg returns the first message that match accepts.
func waitMsg(t testing.TB, c *client, match func(Message) bool) Message {
	t.Helper()
	timer := time.NewTimer(waitFor)
	defer timer.Stop()
	for {
		select {
		case m := <-c.msgs:
			if match(m) {
				return m
			}
		case <-timer.C:
			t.Fatalf("%s: message not received", c.jid)
			return Message{}
		}
	}
}
