package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/entity"
	"parley/internal/fakexmpp"
)

// TestHostileEntityAnswers answers our entity queries the way a hostile
// contact or server might: from another address, huge, malformed, or with
// an error. Each is refused or bounded; none ends the session.
func TestHostileEntityAnswers(t *testing.T) {
	huge := strings.Repeat("A\u202e\u0085", 100000)
	answers := map[string]string{ // by the resource asked
		"spoof":     "<iq type='result' id='%s' from='mallory@localhost/m'><query xmlns='jabber:iq:version'><name>evil</name></query></iq>",
		"huge":      "<iq type='result' id='%s' from='bob@localhost/huge'><query xmlns='jabber:iq:version'><name>" + huge + "</name><version>1</version></query></iq>",
		"badtime":   "<iq type='result' id='%s' from='bob@localhost/badtime'><time xmlns='urn:xmpp:time'><tzo>+99:00</tzo><utc>now</utc></time></iq>",
		"badlast":   "<iq type='result' id='%s' from='bob@localhost/badlast'><query xmlns='jabber:iq:last' seconds='-5'/></iq>",
		"wrongns":   "<iq type='result' id='%s' from='bob@localhost/wrongns'><query xmlns='jabber:iq:roster'/></iq>",
		"empty":     "<iq type='result' id='%s' from='bob@localhost/empty'/>",
		"error":     "<iq type='error' id='%s' from='bob@localhost/error'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no \u202e thanks</text></error></iq>",
		"fine":      "<iq type='result' id='%s' from='bob@localhost/fine'><query xmlns='jabber:iq:version'><name>ok</name><version>2</version></query></iq>",
		"server":    "",
		"spoofping": "<iq type='result' id='%s' from='bob@localhost/other'/>",
	}
	srv := fakexmpp.Start(t, fakexmpp.Options{Handle: func(c *fakexmpp.Conn, e fakexmpp.Element) bool {
		if e.Name.Local != "iq" || e.Attr("type") != "get" {
			return false
		}
		to, err := jid.Parse(e.Attr("to"))
		if err != nil || to.Localpart() != "bob" {
			return false
		}
		a, ok := answers[to.Resourcepart()]
		if !ok {
			return false
		}
		_ = c.Write(fmt.Sprintf(a, e.Attr("id")))
		return true
	}})
	r, _ := fakeAccount(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	bob := func(res string) jid.JID { return jid.MustParse("bob@localhost/" + res) }

	if _, err := r.Version(ctx, bob("spoof")); !errors.Is(err, ErrSpoofed) {
		t.Errorf("spoofed answer: %v, want ErrSpoofed", err)
	}
	if _, err := r.Ping(ctx, bob("spoofping")); !errors.Is(err, ErrSpoofed) {
		t.Errorf("spoofed pong: %v, want ErrSpoofed", err)
	}
	v, err := r.Version(ctx, bob("huge"))
	if err != nil || len(v.Name) > entity.MaxText || v.Version != "1" {
		t.Errorf("huge answer: %d bytes of name, version %q, %v", len(v.Name), v.Version, err)
	}
	if _, err := r.Time(ctx, bob("badtime")); !errors.Is(err, entity.ErrMalformed) {
		t.Errorf("bad time: %v", err)
	}
	if _, err := r.LastActivity(ctx, bob("badlast")); !errors.Is(err, entity.ErrMalformed) {
		t.Errorf("bad last: %v", err)
	}
	if _, err := r.Version(ctx, bob("wrongns")); !errors.Is(err, entity.ErrMalformed) {
		t.Errorf("wrong namespace: %v", err)
	}
	if _, err := r.Version(ctx, bob("empty")); err == nil {
		t.Error("an empty answer read as a version")
	}
	if _, err := r.Version(ctx, bob("error")); err == nil || !strings.Contains(err.Error(), "service unavailable") {
		t.Errorf("error answer: %v", err)
	}
	if v, err := r.Version(ctx, bob("fine")); err != nil || v.String() != "ok 2" {
		t.Errorf("fine answer after the attacks: %+v %v", v, err)
	}
	if r.State() != Online {
		t.Errorf("state %v after the attacks", r.State())
	}
}

func TestFromAsked(t *testing.T) {
	bare, domain := jid.MustParse("alice@example.org"), jid.MustParse("example.org")
	for _, tc := range []struct {
		from, to string
		ok       bool
	}{
		{"", "", true},
		{"example.org", "", true},
		{"alice@example.org", "", true},
		{"evil.org", "", false},
		{"", "example.org", true},
		{"", "alice@example.org", true},
		{"", "bob@example.org/x", false},
		{"bob@example.org/x", "bob@example.org/x", true},
		{"BOB@example.org/x", "bob@example.org/x", true},
		{"bob@example.org/y", "bob@example.org/x", false},
		{"bob@example.org", "bob@example.org/x", false},
		{"not a jid@@", "bob@example.org", false},
	} {
		var to jid.JID
		if tc.to != "" {
			to = jid.MustParse(tc.to)
		}
		if got := fromAsked(tc.from, to, bare, domain); got != tc.ok {
			t.Errorf("from %q to %q: %v, want %v", tc.from, tc.to, got, tc.ok)
		}
	}
}
