package ui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/omemo"
)

// omemoFake is a fake account with OMEMO whose conversation state the
// test sets.
type omemoFake struct {
	*fakeAccount
	mu sync.Mutex
	st account.OMEMOStatus
}

func (f *omemoFake) OMEMOStatus(jid.JID) account.OMEMOStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st
}

func (f *omemoFake) set(st account.OMEMOStatus) {
	f.mu.Lock()
	f.st = st
	f.mu.Unlock()
}

func (f *omemoFake) SetOMEMO(context.Context, jid.JID, bool) error { return nil }
func (f *omemoFake) OMEMOFingerprint() (uint32, string, error) {
	return 1, "05" + strings.Repeat("ab", 32), nil
}
func (f *omemoFake) OMEMODevices(context.Context, jid.JID) ([]omemo.DeviceInfo, error) {
	return nil, nil
}
func (f *omemoFake) OMEMOTrust(jid.JID, string, bool) (uint32, error) {
	return 0, errors.New("no such device")
}
func (f *omemoFake) OMEMOClearDeviceList(context.Context) error { return nil }

// TestGoldenOMEMOMarks: each line says how it came ([E], [E untrusted],
// [E failed], [plain] for a plain message in an encrypted conversation)
// and the title says OMEMO's state: trusted, undecided devices, off.
func TestGoldenOMEMOMarks(t *testing.T) {
	f := newFake("me@example.org")
	of := &omemoFake{fakeAccount: f, st: account.OMEMOStatus{Available: true, On: true, Devices: 2, Trusted: true}}
	h := startUIPrep(t, 100, 16, func(u *UI) { u.accts[0].a = of }, f)
	fillRoster(h, f)
	h.sync(func() { h.u.runCommand(h.u.curWin(), "msg alice@example.org") })
	h.waitScreen("[OMEMO on: trusted]")
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	enc := func(body string, dt time.Duration, edit func(*account.Message)) account.MessageEvent {
		ev := msgIn(f, "alice@example.org/laptop", body, t0.Add(dt))
		ev.Msg.Encrypted = true
		if edit != nil {
			edit(&ev.Msg)
		}
		return ev
	}
	h.post(
		enc("encrypted and trusted", 0, nil),
		enc("from a new phone", time.Minute, func(m *account.Message) { m.Untrusted = true }),
		enc("could not decrypt from alice@example.org's device 12345: no session — ask alice to send again", 2*time.Minute,
			func(m *account.Message) { m.Undecryptable = true }),
		msgIn(f, "alice@example.org/laptop", "sent in the clear", t0.Add(3*time.Minute)),
	)
	h.waitFor("four lines", func() bool { return h.u.curWin().buf.len() == 4 })
	golden(t, "omemo_marks", h.text())

	for _, tc := range []struct {
		st    account.OMEMOStatus
		title string
	}{
		{account.OMEMOStatus{Available: true, On: true, Devices: 3, Undecided: 1}, "[OMEMO on: 1 undecided]"},
		{account.OMEMOStatus{Available: true, On: true, Devices: 2}, "[OMEMO on: untrusted]"},
		{account.OMEMOStatus{Available: true, On: true}, "[OMEMO on: no device]"},
		{account.OMEMOStatus{Available: true}, "[OMEMO off]"},
	} {
		of.set(tc.st)
		h.post(account.OMEMOEvent{Base: base(f), Peer: jidOf("alice@example.org")})
		h.waitScreen(tc.title)
	}
	golden(t, "omemo_off", h.text())
}
