package ui

import (
	"slices"
	"testing"

	"github.com/gdamore/tcell/v2"

	"parley/forms"
	"parley/internal/servertest"
)

// TestIntegrationAdhocUI runs the server's announcement command from the
// UI as the server's admin: /command lists the commands in a form window,
// Esc leaves it; /command DOMAIN NODE runs the announcement, its form is
// filled in with keys and completed, and the finished page closes.
func TestIntegrationAdhocUI(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		s := servertest.Start(t, kind, servertest.WithAdmin("admin"))
		admin := s.AddUser(t, "admin", "pw")
		h := startLive(t, s, admin, openStore(t))
		h.sync(func() { h.u.runCommand(h.u.curWin(), "command") })
		h.waitLong("the list", func() bool { return h.u.curWin().kind == winForm })
		h.waitScreen("Commands of " + s.Domain)
		if kind == servertest.Prosody {
			h.waitScreen("Send Announcement to Online Users")
		}
		h.key(tcell.KeyEscape, 0, 0)
		h.waitFor("list closed", func() bool { return h.u.curWin().kind != winForm })

		h.sync(func() { h.u.runCommand(h.u.curWin(), "command "+s.Domain+" http://jabber.org/protocol/admin#announce") })
		var body int
		h.waitLong("the announce form", func() bool {
			w := h.u.curWin()
			if w.kind != winForm || w.form.busy {
				return false
			}
			body = slices.IndexFunc(w.form.form.Fields, func(fd forms.Field) bool { return fd.Var == "announcement" || fd.Var == "body" })
			return body >= 0
		})
		h.sync(func() { h.u.curWin().form.selectField(body) })
		h.key(tcell.KeyEnter, 0, 0)
		h.typeText("maintenance at noon")
		h.key(tcell.KeyEnter, 0, 0)
		h.waitFor("typed", func() bool {
			fs := h.u.curWin().form
			return fs.edit == nil && fs.form.Fields[body].Text() == "maintenance at noon"
		})
		h.key(tcell.KeyCtrlS, 0, 0)
		h.waitLong("completed", func() bool {
			w := h.u.curWin()
			return w.kind == winForm && !w.form.busy && len(w.form.page.actions) == 1 && w.form.page.actions[0].name == formClose
		})
		if kind == servertest.Prosody {
			h.waitScreen("Announcement sent")
		}
		h.key(tcell.KeyEnter, 0, 0)
		h.waitFor("closed", func() bool { return h.u.curWin().kind != winForm })
	})
}
