package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/adhoc"
	"parley/forms"
	"parley/internal/fakexmpp"
)

// TestHostileCommandAnswers answers ad-hoc command requests the way a
// hostile entity might: from another address, with notes and forms over
// every bound, a bad status, a flood of elements, an error. Each is
// refused or bounded; none ends the session.
func TestHostileCommandAnswers(t *testing.T) {
	note := strings.Repeat("\u009b2J\u202e\u0085", 1000) // 7 KB, a stanza of 280 KB
	var notes, fields strings.Builder
	for i := 0; i < adhoc.MaxNotes+8; i++ {
		notes.WriteString("<note type='error'>" + note + "</note>")
	}
	for i := 0; i < forms.MaxFields+50; i++ {
		fmt.Fprintf(&fields, "<field var='f%d' type='list-multi'><option><value>a</value></option></field>", i)
	}
	cmd := "<command xmlns='http://jabber.org/protocol/commands' node='n' sessionid='s' status='%s'>%s</command>"
	answers := map[string]string{ // by the resource asked
		"spoof":  "<iq type='result' id='%s' from='mallory@localhost/m'>" + fmt.Sprintf(cmd, "completed", "") + "</iq>",
		"notes":  "<iq type='result' id='%s' from='bob@localhost/notes'>" + fmt.Sprintf(cmd, "completed", notes.String()) + "</iq>",
		"form":   "<iq type='result' id='%s' from='bob@localhost/form'>" + fmt.Sprintf(cmd, "executing", "<actions execute='bogus'><next/></actions><x xmlns='jabber:x:data' type='form'>"+fields.String()+"</x>") + "</iq>",
		"status": "<iq type='result' id='%s' from='bob@localhost/status'>" + fmt.Sprintf(cmd, "exploded", "") + "</iq>",
		"flood":  "<iq type='result' id='%s' from='bob@localhost/flood'>" + fmt.Sprintf(cmd, "completed", strings.Repeat("<a/>", 70000)) + "</iq>",
		"wrong":  "<iq type='result' id='%s' from='bob@localhost/wrong'><query xmlns='jabber:iq:version'/></iq>",
		"error":  "<iq type='error' id='%s' from='bob@localhost/error'><error type='cancel'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><bad-action xmlns='http://jabber.org/protocol/commands'/></error></iq>",
		"fine":   "<iq type='result' id='%s' from='bob@localhost/fine'>" + fmt.Sprintf(cmd, "completed", "<note>done</note>") + "</iq>",
	}
	srv := fakexmpp.Start(t, fakexmpp.Options{Handle: func(c *fakexmpp.Conn, e fakexmpp.Element) bool {
		if e.Name.Local != "iq" || e.Attr("type") != "set" {
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
	run := func(res string) (*adhoc.Response, error) {
		return r.Command(ctx, jid.MustParse("bob@localhost/"+res), adhoc.Request{Node: "n"})
	}
	if _, err := run("spoof"); !errors.Is(err, ErrSpoofed) {
		t.Errorf("spoofed answer: %v, want ErrSpoofed", err)
	}
	resp, err := run("notes")
	if err != nil || len(resp.Notes) != adhoc.MaxNotes || len(resp.Notes[0].Text) > adhoc.MaxNote || !resp.Cut {
		t.Errorf("notes: %v", err)
	}
	resp, err = run("form")
	if err != nil || resp.Form == nil || len(resp.Form.Fields) != forms.MaxFields || !resp.Cut || resp.Default != adhoc.Next {
		t.Errorf("huge form: %+v, %v", resp, err)
	}
	for _, res := range []string{"status", "flood", "wrong"} {
		if _, err := run(res); err == nil {
			t.Errorf("%s: no error", res)
		}
	}
	if _, err := run("error"); err == nil || !strings.Contains(err.Error(), "forbidden") {
		t.Errorf("error answer: %v", err)
	}
	if resp, err := run("fine"); err != nil || resp.Status != adhoc.Completed || resp.Notes[0].Text != "done" {
		t.Errorf("fine answer after the attacks: %+v %v", resp, err)
	}
	if r.State() != Online {
		t.Errorf("state %v after the attacks", r.State())
	}
}
