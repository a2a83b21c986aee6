package e2e

import (
	"strings"
	"testing"
	"time"

	"parley/internal/servertest"
)

// keys sends tmux key names (not literal text), e.g. "M-Enter".
func (tm *tmux) keys(names ...string) {
	tm.t.Helper()
	tm.run(append([]string{"send-keys", "-t", "e2e"}, names...)...)
}

// TestFirstHour drives the real binary in tmux through what a new user hit
// in the first hour: a contact's presence and a room's occupants survive a
// resumed stream, our own presence shows, Alt-Enter as tmux sends it breaks
// the line, a contact is found by roster name, /connect while online says
// so.
func TestFirstHour(t *testing.T) { servertest.Each(t, testFirstHour) }

func testFirstHour(t *testing.T, kind servertest.Kind) {
	tmuxOrSkip(t)
	s := servertest.Start(t, kind, servertest.WithSMTimeout(time.Minute))
	s.AddUser(t, "me", "me-secret")
	peerJID := s.AddUser(t, "peer", "peer-secret")
	peer := servertest.StartPeer(t, s, peerJID, "peer-secret")
	peer.SetAutoApprove(true)
	home := t.TempDir()
	cfg := meConfig(t, s, home, `nick = "me"`)
	tm := startTmux(t, home, bin, "-c", cfg)
	tm.waitFor("online", "[me@localhost: online]")

	tm.typeLine("/roster add " + peerJID.String() + ` "Peer Person"`)
	tm.typeLine("/sub request " + peerJID.String())
	tm.waitFor("the peer online in the roster", "● Peer Person")
	room := "lounge@" + s.MUC
	tm.typeLine("/join " + room)
	tm.waitFor("joined", "you joined "+room)
	peer.JoinRoom(room, "peer")
	tm.waitFor("the peer in the room", "as me, 2 occupants")

	t.Run("resumed stream keeps presence and occupants", func(t *testing.T) {
		tm.typeLine("/reconnect")
		tm.waitFor("reconnecting", "reconnecting now (attempt 1)")
		tm.waitFor("online again", "[me@localhost: online]")
		scr := tm.capture()
		if !strings.Contains(scr, "● Peer Person") || !strings.Contains(scr, "as me, 2 occupants") || !strings.Contains(scr, "●  peer") {
			t.Errorf("after the resumed stream:\n%s", scr)
		}
		tm.typeLine("/info " + peerJID.String())
		tm.waitFor("a resource online", "resource ")
		if strings.Contains(tm.capture(), "no resource online") {
			t.Errorf("/info after the resumed stream:\n%s", tm.capture())
		}
		tm.typeLine("/win 1")
		tm.waitFor("resumed, not a fresh login", "(stream resumed)")
		tm.typeLine("/win 2")
	})

	t.Run("own presence shown", func(t *testing.T) {
		tm.typeLine("/status away busy")
		tm.waitFor("status bar", "[me@localhost: away: busy]")
		tm.waitFor("roster header", "me@localhost [away: busy]")
		peer.Wait(t, 10*time.Second, func(e servertest.PeerEvent) bool {
			return e.Kind == "presence" && e.From == room+"/me" && e.Show == "away" // in the room too
		})
	})

	t.Run("roster name and Alt-Enter", func(t *testing.T) {
		tm.run("send-keys", "-t", "e2e", "-l", "/msg Peer first line")
		tm.keys("M-Enter") // tmux sends ESC CR
		tm.run("send-keys", "-t", "e2e", "-l", "second line")
		tm.keys("Enter")
		peer.Wait(t, 10*time.Second, func(e servertest.PeerEvent) bool {
			return e.Kind == "message" && e.Body == "first line\nsecond line"
		})
		tm.typeLine("/msg nobody hi")
		tm.waitFor("no such contact", `no contact named "nobody"`)
	})

	t.Run("connect while online", func(t *testing.T) {
		tm.typeLine("/connect")
		tm.waitFor("said so", "me@localhost: already online")
	})

	tm.typeLine("/quit")
	if code := tm.exitCode(10 * time.Second); code != 0 {
		t.Errorf("parley exited with status %d", code)
	}
}
