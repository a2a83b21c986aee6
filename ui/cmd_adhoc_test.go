package ui

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/adhoc"
	"parley/entity"
	"parley/forms"
)

// cmdFake is an account whose server offers two ad-hoc commands: a
// two-stage announcement (a form, then a confirmation with Previous) and
// a command that completes at once with a result.
type cmdFake struct {
	*fakeAccount
	mu    sync.Mutex
	reqs  []adhoc.Request
	gate  chan struct{} // if set, an execute waits for it to close
	asked []string      // whose commands were listed
}

func (c *cmdFake) Commands(_ context.Context, j jid.JID) (entity.Items, error) {
	c.mu.Lock()
	c.asked = append(c.asked, j.String())
	c.mu.Unlock()
	return entity.Items{Items: []entity.Item{
		{JID: "example.org", Node: "announce", Name: "Send Announcement to Online Users"},
		{JID: "example.org", Node: "uptime", Name: "Get \x1b[31mUptime"},
	}}, nil
}

func (c *cmdFake) Command(_ context.Context, _ jid.JID, req adhoc.Request) (*adhoc.Response, error) {
	if c.gate != nil && req.Action == adhoc.Execute {
		<-c.gate
	}
	c.mu.Lock()
	c.reqs = append(c.reqs, req)
	c.mu.Unlock()
	r := &adhoc.Response{Node: req.Node, SessionID: "s1", Status: adhoc.Executing}
	switch {
	case req.Action == adhoc.Cancel:
		r.Status = adhoc.Canceled
	case req.Node == "uptime":
		r.Status = adhoc.Completed
		r.Form = &forms.Form{Type: forms.TypeResult, Fields: []forms.Field{{Var: "uptime", Label: "Uptime", Type: forms.TextSingle, Values: []string{"3 days"}}}}
	case req.Action == adhoc.Execute || req.Action == adhoc.Prev:
		r.Actions, r.Default = []string{adhoc.Next, adhoc.Complete}, adhoc.Next
		r.Notes = []adhoc.Note{{Type: adhoc.NoteInfo, Text: "Everyone online gets this."}}
		r.Form = &forms.Form{Type: forms.TypeForm, Title: "Making an Announcement", Instructions: []string{"Fill out this form to make an announcement to all active users of this service."},
			Fields: []forms.Field{
				{Var: "FORM_TYPE", Type: forms.Hidden, Values: []string{"http://jabber.org/protocol/admin"}},
				{Var: "subject", Type: forms.TextSingle, Label: "Subject"},
				{Var: "announcement", Type: forms.TextMulti, Label: "Announcement", Required: true},
			}}
	case req.Action == adhoc.Next:
		r.Actions, r.Default = []string{adhoc.Prev, adhoc.Complete}, adhoc.Complete
		r.Notes = []adhoc.Note{{Type: adhoc.NoteWarn, Text: "Send \"" + req.Form.Field("announcement").Text() + "\" to everyone?"}}
	case req.Action == adhoc.Complete:
		r.Status = adhoc.Completed
		r.Notes = []adhoc.Note{{Type: adhoc.NoteInfo, Text: "Announcement sent."}}
	}
	return r, nil
}

func (c *cmdFake) actions() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, r := range c.reqs {
		out = append(out, r.Node+":"+r.Action)
	}
	return out
}

func startCmdUI(t *testing.T) (*harness, *cmdFake) {
	f := newFake("me@example.org")
	cf := &cmdFake{fakeAccount: f}
	h := startUIPrep(t, 100, 30, func(u *UI) { u.accts[0].a = cf }, f)
	return h, cf
}

// formNote waits for the form window to show a page with the note.
func waitPage(h *harness, note string) {
	h.t.Helper()
	h.waitFor("page "+note, func() bool {
		w := h.u.curWin()
		if w.kind != winForm || w.form.busy {
			return false
		}
		for _, n := range w.form.page.notes {
			if strings.Contains(n.text, note) {
				return true
			}
		}
		return false
	})
}

// TestGoldenAdhoc runs the announcement through its stages: chosen from
// the list, its form filled in, Next, Previous, Next, Complete, Close.
func TestGoldenAdhoc(t *testing.T) {
	h, cf := startCmdUI(t)
	h.sync(func() { h.u.runCommand(h.u.curWin(), "command") })
	h.waitFor("list", func() bool { return h.u.curWin().kind == winForm })
	golden(t, "adhoc_list", h.text())
	h.key(tcell.KeyCtrlS, 0, 0)
	waitPage(h, "Everyone online")
	h.key(tcell.KeyTab, 0, 0) // to the announcement
	h.typeText("hello all")
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("typed", func() bool {
		fs := h.u.curWin().form
		return fs.edit == nil && fs.form.Field("announcement").Text() == "hello all"
	})
	golden(t, "adhoc_stage", h.text())
	h.key(tcell.KeyCtrlS, 0, 0) // Next
	waitPage(h, "to everyone?")
	golden(t, "adhoc_confirm", h.text())
	h.key(tcell.KeyEnter, 0, 0) // the first button: Previous
	waitPage(h, "Everyone online")
	h.key(tcell.KeyTab, 0, 0)
	h.typeText("bye")
	h.key(tcell.KeyEnter, 0, 0)
	h.key(tcell.KeyCtrlS, 0, 0)
	waitPage(h, "to everyone?")
	h.key(tcell.KeyCtrlS, 0, 0) // Complete
	waitPage(h, "Announcement sent")
	golden(t, "adhoc_done", h.text())
	h.key(tcell.KeyEnter, 0, 0) // Close
	h.waitFor("closed", func() bool { return h.u.curWin().kind != winForm })
	want := "announce:execute announce:next announce:prev announce:next announce:complete"
	if got := strings.Join(cf.actions(), " "); got != want {
		t.Errorf("requests %s, want %s", got, want)
	}
	if cf.reqs[3].Form.Field("announcement").Text() != "bye" || cf.reqs[1].SessionID != "s1" {
		t.Errorf("second Next sent %+v", cf.reqs[3])
	}
}

// TestAdhocCancelAndResult: Esc on a stage cancels the session at the
// server; a command that completes at once shows its result read-only;
// a node given runs without the list.
func TestAdhocCancelAndResult(t *testing.T) {
	h, cf := startCmdUI(t)
	h.sync(func() { h.u.runCommand(h.u.curWin(), "command example.org announce") })
	waitPage(h, "Everyone online")
	h.key(tcell.KeyEscape, 0, 0)
	h.waitFor("cancel sent", func() bool { return len(cf.actions()) == 2 })
	if got := strings.Join(cf.actions(), " "); got != "announce:execute announce:cancel" {
		t.Errorf("requests %s", got)
	}
	h.sync(func() { h.u.runCommand(h.u.curWin(), "command example.org uptime") })
	h.waitFor("result", func() bool {
		w := h.u.curWin()
		return w.kind == winForm && !w.form.busy && w.form.form.Field("uptime") != nil
	})
	scr := h.text()
	if !strings.Contains(scr, "3 days") || !strings.Contains(scr, "[ Close ]") || strings.Contains(scr, "[ Submit") {
		t.Errorf("result page:\n%s", scr)
	}
	h.key(tcell.KeyEscape, 0, 0) // a finished command: nothing to cancel
	h.waitFor("closed", func() bool { return h.u.curWin().kind != winForm })
	if n := len(cf.actions()); n != 3 {
		t.Errorf("%d requests after closing a finished command, want 3", n)
	}
}

// TestAdhocCancelWhileRunning: Esc while the first request is under way
// closes the window at once, and the session the answer opens is
// cancelled at the server.
func TestAdhocCancelWhileRunning(t *testing.T) {
	h, cf := startCmdUI(t)
	gate := make(chan struct{})
	cf.gate = gate
	h.sync(func() { h.u.runCommand(h.u.curWin(), "command example.org announce") })
	h.waitFor("running", func() bool { w := h.u.curWin(); return w.kind == winForm && w.form.busy })
	h.key(tcell.KeyEscape, 0, 0)
	h.waitFor("closed", func() bool { return h.u.curWin().kind != winForm })
	close(gate)
	h.waitFor("late cancel", func() bool { return len(cf.actions()) == 2 })
	if got := strings.Join(cf.actions(), " "); got != "announce:execute announce:cancel" {
		t.Errorf("requests %s", got)
	}
}

// TestAdhocContact: a contact's commands are asked of its online
// resource; the server's by default.
func TestAdhocContact(t *testing.T) {
	h, cf := startCmdUI(t)
	fillRoster(h, cf.fakeAccount)
	h.sync(func() { h.u.runCommand(h.u.curWin(), "command Alice") })
	h.waitFor("list", func() bool { return h.u.curWin().kind == winForm })
	h.key(tcell.KeyEscape, 0, 0)
	h.waitFor("closed", func() bool { return h.u.curWin().kind != winForm })
	h.sync(func() { h.u.runCommand(h.u.curWin(), "command") })
	h.waitFor("list", func() bool { return h.u.curWin().kind == winForm })
	cf.mu.Lock()
	defer cf.mu.Unlock()
	if got := strings.Join(cf.asked, " "); got != "alice@example.org/laptop " {
		t.Errorf("asked %q, want alice's laptop, then the server", got)
	}
}
