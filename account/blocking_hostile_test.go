package account

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/blocking"
	"parley/internal/fakexmpp"
)

// TestHostileBlocklist serves a block list over its bound with unusable
// items, then pushes the way a hostile contact or server might: from a
// contact, from another domain, from another resource of ours, with only
// unusable items in an unblock (which must not unblock everything), and
// too large to read. Each is refused or bounded and none ends the
// session; a message from a blocked address that the server let through
// is dropped by the account.
func TestHostileBlocklist(t *testing.T) {
	var list strings.Builder
	list.WriteString("<blocklist xmlns='urn:xmpp:blocking'><item jid='mallory@localhost'/><item jid='@@'/><item/><item jid='" + strings.Repeat("x", 5000) + "'/>")
	for i := range blocking.MaxItems + 100 {
		fmt.Fprintf(&list, "<item jid='u%d@spam.example'/>", i)
	}
	list.WriteString("</blocklist>")
	var mu sync.Mutex
	answers := map[string]string{} // id of our push → the client's answer type
	srv := fakexmpp.Start(t, fakexmpp.Options{Handle: func(c *fakexmpp.Conn, e fakexmpp.Element) bool {
		switch {
		case e.IsIQ("get", nsDiscoInfo) && (e.Attr("to") == "localhost"):
			_ = c.Result(e, "<query xmlns='"+nsDiscoInfo+"'><feature var='urn:xmpp:blocking'/></query>")
		case e.IsIQ("get", blocking.NS):
			_ = c.Result(e, list.String())
		case e.Name.Local == "iq" && strings.HasPrefix(e.Attr("id"), "push-"):
			mu.Lock()
			answers[e.Attr("id")] = e.Attr("type")
			mu.Unlock()
		default:
			return false
		}
		return true
	}})
	r, c := fakeAccount(t, srv)
	full := r.blockEvent(t, func(e BlockEvent) bool { return e.Full })
	if !full.Supported || !full.Cut || len(full.Blocked) != blocking.MaxItems {
		t.Fatalf("list at login: supported %v cut %v, %d addresses", full.Supported, full.Cut, len(full.Blocked))
	}
	r.rec.wait(t, waitLong, func(e Event) bool {
		ie, ok := e.(InfoEvent)
		return ok && strings.Contains(ie.Text, "3 unusable addresses")
	})

	push := func(id, from, payload string) {
		t.Helper()
		if from != "" {
			from = " from='" + from + "'"
		}
		if err := c.Write("<iq type='set' id='" + id + "'" + from + ">" + payload + "</iq>"); err != nil {
			t.Fatal(err)
		}
	}
	unblockAll := "<unblock xmlns='urn:xmpp:blocking'/>"
	push("push-contact", "mallory@localhost/m", unblockAll)
	push("push-domain", "evil.example", unblockAll)
	push("push-resource", "alice@localhost/other", unblockAll)
	push("push-unusable", "", "<unblock xmlns='urn:xmpp:blocking'><item jid='@@'/><item/></unblock>")
	push("push-list", "", "<blocklist xmlns='urn:xmpp:blocking'/>")
	var huge strings.Builder
	huge.WriteString("<block xmlns='urn:xmpp:blocking'>")
	for i := range 40000 {
		fmt.Fprintf(&huge, "<item jid='h%d@x'/>", i)
	}
	huge.WriteString("</block>")
	push("push-huge", "", huge.String())
	push("push-ok", "alice@localhost", "<unblock xmlns='urn:xmpp:blocking'><item jid='u0@spam.example'/></unblock>")
	r.blockEvent(t, func(e BlockEvent) bool { return len(e.Unblocked) == 1 && e.Unblocked[0].String() == "u0@spam.example" })

	want := map[string]string{"push-contact": "error", "push-domain": "error", "push-resource": "error",
		"push-unusable": "result", "push-list": "error", "push-huge": "error", "push-ok": "result"}
	deadline := time.Now().Add(waitLong)
	for {
		mu.Lock()
		n := len(answers)
		mu.Unlock()
		if n == len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	for id, typ := range want {
		if answers[id] != typ {
			t.Errorf("%s answered %q, want %q", id, answers[id], typ)
		}
	}
	mu.Unlock()
	l, _ := r.Blocked()
	if len(l) != blocking.MaxItems-1 || !r.IsBlocked(jid.MustParse("mallory@localhost/m")) {
		t.Errorf("after the pushes: %d blocked (want %d), mallory blocked %v", len(l), blocking.MaxItems-1, r.IsBlocked(jid.MustParse("mallory@localhost/m")))
	}
	for _, e := range r.rec.all() {
		if be, ok := e.(BlockEvent); ok && !be.Full && len(be.Unblocked) > 1 {
			t.Errorf("a hostile push unblocked %d addresses", len(be.Unblocked))
		}
	}

	// The server lets a blocked sender's message through (a race, or a
	// server that does not filter): the account drops it.
	for _, m := range []string{
		"<message from='mallory@localhost/x' type='chat' id='m1'><body>spam</body><composing xmlns='http://jabber.org/protocol/chatstates'/></message>",
		"<presence from='mallory@localhost/x' type='subscribe'/>",
		"<message from='u5@spam.example/r' type='chat' id='m2'><body>more spam</body></message>",
		"<message from='bob@localhost/x' type='chat' id='m3'><body>hello</body></message>",
	} {
		if err := c.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	r.message(t, "hello")
	if err := r.Flush(ctx10(t)); err != nil {
		t.Fatal(err)
	}
	for _, e := range r.rec.all() {
		switch e := e.(type) {
		case MessageEvent:
			if e.Msg.Body != "hello" {
				t.Errorf("delivered from a blocked address: %s %q", e.Msg.From, e.Msg.Body)
			}
		case ChatStateEvent:
			t.Errorf("chat state from a blocked address: %+v", e)
		case SubscriptionEvent:
			t.Errorf("subscription from a blocked address: %+v", e)
		}
	}
	if r.State() != Online {
		t.Errorf("state %v after the attacks", r.State())
	}
}
