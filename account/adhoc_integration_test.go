package account

import (
	"slices"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"parley/adhoc"
	"parley/entity"
	"parley/forms"
	"parley/internal/servertest"
)

// XEP-0133 nodes both servers offer their administrators.
const (
	nodeAnnounce    = "http://jabber.org/protocol/admin#announce"
	nodeOnlineUsers = "http://jabber.org/protocol/admin#get-online-users-list" // Prosody's; XEP-0133 §4.14
)

// TestIntegrationAdhoc runs the servers' administration commands as their
// admin: the list, "Send Announcement to Online Users" through its form
// (bob, online, gets the announcement), "Get List of Online Users" to
// its result where the server has it, a session cancelled half way, and
// the commands refused to a user who is not an admin.
func TestIntegrationAdhoc(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		s := servertest.Start(t, kind, servertest.WithAdmin("admin"))
		admin := startOnline(t, testConfig(s, s.AddUser(t, "admin", "pw"), "pw", "desk"))
		bobJID := s.AddUser(t, "bob", "pw")
		bob := startOnline(t, testConfig(s, bobJID, "pw", "phone"))

		items, err := admin.Commands(ctx10(t), jid.JID{})
		if err != nil {
			t.Fatalf("the server's commands: %v", err)
		}
		nodes := make([]string, 0, len(items.Items))
		for _, it := range items.Items {
			nodes = append(nodes, it.Node)
		}
		t.Logf("%s offers %d commands: %s", kind, len(nodes), strings.Join(nodes, " "))
		item := func(node string) (entity.Item, bool) {
			i := slices.IndexFunc(items.Items, func(it entity.Item) bool { return it.Node == node })
			if i < 0 {
				return entity.Item{}, false
			}
			return items.Items[i], true
		}
		ann, ok := item(nodeAnnounce)
		if !ok {
			t.Fatalf("no announce command among %v", nodes)
		}
		to := jid.MustParse(ann.JID)

		// Stage one: the form.
		resp, err := admin.Command(ctx10(t), to, adhoc.Request{Node: ann.Node})
		if err != nil || resp.Status != adhoc.Executing || resp.Form == nil || resp.SessionID == "" {
			t.Fatalf("execute announce: %+v, %v", resp, err)
		}
		f := resp.Form.Clone()
		body := findField(f, "announcement", "body")
		if body == nil {
			t.Fatalf("announce form without a body field: %+v", f.Fields)
		}
		if probs := f.Validate(); len(probs) == 0 && body.Required {
			t.Errorf("an empty required body validates")
		}
		body.SetText("maintenance at noon\nback soon")
		if subj := findField(f, "subject"); subj != nil {
			subj.SetText("Notice")
		}
		if probs := f.Validate(); len(probs) != 0 {
			t.Fatalf("filled-in form: %v", probs)
		}
		action := resp.Default
		if action == "" || !resp.Allows(action) {
			t.Fatalf("stage default %q among %v", action, resp.Actions)
		}
		// Stage two: the submission, and the command completed.
		resp, err = admin.Command(ctx10(t), to, adhoc.Request{Node: ann.Node, SessionID: resp.SessionID, Action: action, Form: f.Submit()})
		if err != nil || resp.Status != adhoc.Completed {
			t.Fatalf("complete announce: %+v, %v", resp, err)
		}
		t.Logf("%s: announce completed, notes %v", kind, resp.Notes)
		bob.rec.wait(t, waitLong, func(e Event) bool {
			me, ok := e.(MessageEvent)
			return ok && strings.Contains(me.Msg.Body, "maintenance at noon")
		})

		// A session cancelled after its first stage.
		resp, err = admin.Command(ctx10(t), to, adhoc.Request{Node: ann.Node})
		if err != nil || resp.Status != adhoc.Executing {
			t.Fatalf("execute announce again: %+v, %v", resp, err)
		}
		resp, err = admin.Command(ctx10(t), to, adhoc.Request{Node: ann.Node, SessionID: resp.SessionID, Action: adhoc.Cancel})
		if err != nil || resp.Status != adhoc.Canceled {
			t.Errorf("cancel: %+v, %v", resp, err)
		}

		// The online users, where the server has the command.
		ou, ok := item(nodeOnlineUsers)
		if !ok {
			ou, ok = item("http://jabber.org/protocol/admin#get-online-users")
		}
		if ok {
			oto := jid.MustParse(ou.JID)
			resp, err = admin.Command(ctx10(t), oto, adhoc.Request{Node: ou.Node})
			for i := 0; err == nil && resp.Status == adhoc.Executing && i < 3; i++ {
				var sub *forms.Form
				if resp.Form != nil {
					sub = resp.Form.Clone().Submit()
				}
				resp, err = admin.Command(ctx10(t), oto, adhoc.Request{Node: ou.Node, SessionID: resp.SessionID, Action: resp.Default, Form: sub})
			}
			if err != nil || resp.Status != adhoc.Completed || resp.Form == nil {
				t.Fatalf("online users: %+v, %v", resp, err)
			}
			var all []string
			for _, fd := range resp.Form.Fields {
				all = append(all, fd.Values...)
			}
			if !slices.ContainsFunc(all, func(v string) bool { return strings.Contains(v, bobJID.String()) }) {
				t.Errorf("online users %v lack %s", all, bobJID)
			}
		} else if kind == servertest.Prosody {
			t.Errorf("Prosody's mod_admin_adhoc without %s", nodeOnlineUsers)
		}

		// Bob is no admin: the announce command is not his.
		if resp, err := bob.Command(ctx10(t), to, adhoc.Request{Node: ann.Node}); err == nil && resp.Status == adhoc.Executing {
			t.Errorf("a user who is not an admin may announce: %+v", resp)
		}
	})
}

// findField returns the first field of f with one of the vars.
func findField(f *forms.Form, vars ...string) *forms.Field {
	for _, v := range vars {
		if fd := f.Field(v); fd != nil {
			return fd
		}
	}
	return nil
}
