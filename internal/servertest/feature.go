package servertest

import (
	"os"
	"strings"
	"testing"
)

// Feature is something a test needs that not every server has (or has
// right). Require skips the test on a server that lacks it.
type Feature string

// Features some server lacks. Each backend's lacks table says why.
const (
	// RoomLocking: a new room stays locked until its owner configures it
	// (WithRoomLocking).
	RoomLocking Feature = "room locking"
	// BanHolds: a banned (outcast) user cannot enter the room again.
	BanHolds Feature = "bans that keep the user out"
	// DowngradeRefused: the server refuses a SCRAM login whose GS2 flag
	// "y" says the client could bind the channel but saw no -PLUS
	// mechanism, where the server offers one (RFC 5802 §6).
	DowngradeRefused Feature = "refusal of a channel-binding downgrade (GS2 flag y)"
	// Moderation: a moderator can remove a room message (XEP-0425).
	Moderation Feature = "message moderation (XEP-0425)"
)

// prosodyModeration is Prosody's XEP-0425 module (Debian's
// prosody-modules), enabled on the MUC component when it is installed.
const prosodyModeration = "/usr/lib/prosody/modules/mod_muc_moderation/mod_muc_moderation.lua"

// lacks of Prosody 0.12 as configured here.
var prosodyLacks = map[Feature]string{}

// lacks of ejabberd 23.01 as packaged.
var ejabberdLacks = map[Feature]string{
	RoomLocking:      "ejabberd 23.01 never locks a new room (XEP-0045 §10.1.1): others can enter before the owner configures it",
	BanHolds:         "ejabberd 23.01 lets a banned former member enter again (role participant, affiliation outcast): an ejabberd bug",
	Moderation:       "ejabberd 23.01 has no XEP-0425 message moderation",
	DowngradeRefused: "ejabberd 23.01 accepts the GS2 flag y on a connection where it offers SCRAM-SHA-1-PLUS",
}

func (p *prosody) lacks(f Feature) string {
	if _, err := os.Stat(prosodyModeration); f == Moderation && err != nil {
		return "Prosody 0.12 moderates only with mod_muc_moderation, from the prosody-modules package, which is not installed"
	}
	return prosodyLacks[f]
}
func (e *ejabberd) lacks(f Feature) string { return ejabberdLacks[f] }

// Has reports whether the server has f.
func (s *Server) Has(f Feature) bool { return s.impl.lacks(f) == "" }

// Require skips the test when the server lacks f, naming the server and
// why.
func (s *Server) Require(t testing.TB, f Feature) {
	t.Helper()
	if why := s.impl.lacks(f); why != "" {
		t.Skipf("skipped on %s: needs %s; %s", s.Kind, f, why)
	}
}

// LogEvent is something a server does that a test can only see in the
// server's log. Logged knows what each server writes for it.
type LogEvent int

// Log events. The client-state (XEP-0352) ones need WithDebugLog.
const (
	// LogCSIInactiveRead: the server read a client's <inactive/>.
	LogCSIInactiveRead LogEvent = iota
	// LogCSIHeld: the server held a stanza back from an inactive client.
	LogCSIHeld
	// LogCSIFlushed: the server flushed what it held back.
	LogCSIFlushed
)

// prosodyMarks are the lines Prosody 0.12 logs (mod_csi_simple at debug).
var prosodyMarks = map[LogEvent]string{
	LogCSIInactiveRead: "<inactive ",
	LogCSIHeld:         "Holding buffer",
	LogCSIFlushed:      "Flushing buffer",
}

// ejabberdMarks are the lines ejabberd 23.01 logs (mod_client_state and
// the stream at debug).
var ejabberdMarks = map[LogEvent]string{
	LogCSIInactiveRead: "<inactive ",
	LogCSIHeld:         "Got availability presence stanza for",
	LogCSIFlushed:      "Flushing CSI queue of",
}

func (p *prosody) mark(ev LogEvent) string  { return prosodyMarks[ev] }
func (e *ejabberd) mark(ev LogEvent) string { return ejabberdMarks[ev] }

// Logged reports whether the current run's log shows ev. It fails the
// test when the server has no log line for ev.
func (s *Server) Logged(t testing.TB, ev LogEvent) bool {
	t.Helper()
	m := s.impl.mark(ev)
	if m == "" {
		t.Fatalf("servertest: %s logs nothing that shows event %d", s.Kind, ev)
	}
	data, _ := os.ReadFile(s.impl.logFiles(s)[0])
	return strings.Contains(string(data), m)
}
