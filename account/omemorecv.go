package account

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/omemo"
	"parley/omemo/axolotl"
)

// omemoOpen decrypts the <encrypted/> element a message carried, in the
// event queue's goroutine, before anything reads the body: live messages,
// carbons and archive results alike, each once (a copy decrypted earlier in
// this run gives the same text; one decrypted in an earlier run is
// dropped, history has it). ok false: nothing to deliver (a key
// transport, a copy already stored, our own message sent from this
// device). A message that cannot be decrypted is delivered as one line
// saying why and naming the device.
func (a *Account) omemoOpen(m Message) (Message, bool) {
	raw, cut := m.omemoRaw, m.omemoCut
	m.omemoRaw, m.omemoCut = nil, false
	sender := m.From.Bare()
	if m.Dir == Out {
		sender = a.bare
	}
	mgr := a.om.mgr
	group := m.Type == "groupchat"
	roomWhy := ""
	if group && m.Dir == In && mgr != nil {
		sender, roomWhy = a.roomSender(m) // the occupant's real JID (omemoroom.go)
	}
	fail := func(text string) (Message, bool) {
		m.Body, m.Encrypted, m.Undecryptable = text, true, true
		return m, true
	}
	switch {
	case m.Type == "error":
		return m, true
	case mgr == nil:
		return fail("(an OMEMO encrypted message; OMEMO is off for this account)")
	case cut:
		return fail(fmt.Sprintf("could not decrypt a message from %s: its OMEMO element is over %d KiB", sender, axolotl.MaxEncryptedBytes>>10))
	case roomWhy != "":
		return fail(fmt.Sprintf("could not decrypt a message from %s in %s: %s", m.Nick, m.From.Bare(), roomWhy))
	case !group && !a.isContact(sender):
		return fail(fmt.Sprintf("not decrypted: %s is not in your roster, and parley accepts OMEMO sessions only from contacts", sender))
	}
	e, err := axolotl.ParseEncryptedBytes(raw)
	if err != nil {
		return fail(fmt.Sprintf("could not decrypt a message from %s: %v", sender, err))
	}
	if m.Dir == Out && e.SID == mgr.DeviceID() {
		if text, ok := a.takeRoomSent(m.OriginID, m.ID); group && ok {
			m.Body, m.Encrypted = clipBody(text), true // the room's reflection of what we sent
			return m, true
		}
		return m, false // our own, from this device: history has its text
	}
	d, err := mgr.Decrypt(sender.String(), e)
	switch {
	case errors.Is(err, omemo.ErrDuplicate):
		return m, false // decrypted in an earlier run: history has it
	case errors.Is(err, omemo.ErrNotForUs):
		if m.Dir == Out {
			return m, false // ours from another device that did not know this one yet
		}
		return fail(fmt.Sprintf("could not decrypt from %s's device %d: not encrypted for this device (%d) — ask %s to send again", sender, e.SID, mgr.DeviceID(), sender.Localpart()))
	case errors.Is(err, omemo.ErrNoSession):
		return fail(fmt.Sprintf("could not decrypt from %s's device %d: no session — ask %s to send again", sender, e.SID, sender.Localpart()))
	case err != nil:
		return fail(fmt.Sprintf("could not decrypt from %s's device %d: %v", sender, e.SID, err))
	}
	if d.PreKey && m.Dir == In {
		a.oweKeyTransport(sender)
	}
	if !slices.Contains(mgr.Store().ActiveDevices(sender.String()), e.SID) {
		a.unknownDevice(sender, e.SID)
	}
	if d.Plaintext == nil {
		return m, false // a key transport: nothing to show
	}
	m.Body = clipBody(string(d.Plaintext))
	m.Encrypted = true
	m.Untrusted = !d.Trust.Usable()
	return m, true
}

// clipBody bounds decrypted text as the parser bounds a body.
func clipBody(s string) string {
	if !utf8.ValidString(s) {
		s = string([]rune(s)) // invalid bytes become U+FFFD
	}
	if len(s) <= MaxBody {
		return s
	}
	cut := MaxBody
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + TruncatedMarker
}

// oweKeyTransport notes that sender started a session with a pre-key
// message: after the archive catch-up (at once if it has ended) a key
// transport answers it, unless a message to them went out meanwhile.
func (a *Account) oweKeyTransport(sender jid.JID) {
	a.om.mu.Lock()
	if a.om.answer == nil {
		a.om.answer = map[string]bool{}
	}
	if len(a.om.answer) < maxOMEMOPeers {
		a.om.answer[sender.String()] = true
	}
	caughtUp := a.om.caughtUp
	a.om.mu.Unlock()
	if sess, err := a.online(); err == nil && caughtUp == sess {
		go a.answerKeyTransports(sess)
	}
}

// omemoCaughtUp runs in the event queue's goroutine once the archive
// catch-up of sess has been delivered (and so decrypted): the one-time
// pre-keys that first messages used are deleted and replaced (they were
// kept so that every copy of those messages decrypts), the bundle is
// republished if that changed it, and the key transports owed are sent.
func (a *Account) omemoCaughtUp(sess *xmpp.Session) {
	mgr := a.om.mgr
	if mgr == nil {
		return
	}
	changed, err := mgr.Store().FinishCatchUp()
	if err != nil {
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: "OMEMO: used pre-keys not replaced: " + err.Error()})
	}
	a.om.mu.Lock()
	a.om.caughtUp = sess
	a.om.mu.Unlock()
	go func() {
		if changed {
			ctx, cancel := context.WithTimeout(context.Background(), iqTimeout)
			if err := a.publishBundle(ctx, sess); err != nil {
				a.emitInfoUnlessDone(ctx, "OMEMO: bundle not republished: "+err.Error())
			}
			cancel()
		}
		a.answerKeyTransports(sess)
	}()
}

// answerKeyTransports sends the key transports owed.
func (a *Account) answerKeyTransports(sess *xmpp.Session) {
	a.om.mu.Lock()
	owed := a.om.answer
	a.om.answer = nil
	a.om.mu.Unlock()
	for peer := range owed {
		j, err := jid.Parse(peer)
		if err != nil {
			continue
		}
		if err := a.keyTransport(context.Background(), sess, j); err != nil && !errors.Is(err, omemo.ErrNoDevices) {
			a.emitInfoUnlessDone(context.Background(), "OMEMO: session with "+peer+" not completed: "+err.Error())
		}
	}
	if changed, err := a.om.mgr.Store().FinishCatchUp(); err == nil && changed {
		ctx, cancel := context.WithTimeout(context.Background(), iqTimeout)
		defer cancel()
		_ = a.publishBundle(ctx, sess)
	}
}

// unknownDevice refetches the device list of sender, once per device and
// session, when a message came from a device not in the list we hold (a
// new device whose notification we missed: contacts whose presence we do
// not receive send us none), so that our answers reach it too.
func (a *Account) unknownDevice(sender jid.JID, dev uint32) {
	sess, err := a.online()
	if err != nil {
		return
	}
	key := sender.String() + "/" + strconv.FormatUint(uint64(dev), 10)
	a.om.mu.Lock()
	if a.om.refetched == nil || a.om.refetchedOf != sess {
		a.om.refetched, a.om.refetchedOf = map[string]bool{}, sess
	}
	done := a.om.refetched[key] || len(a.om.refetched) >= maxOMEMOPeers
	a.om.refetched[key] = true
	a.om.mu.Unlock()
	if done {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), iqTimeout)
		defer cancel()
		if _, err := a.fetchDeviceList(ctx, sess, sender); err == nil {
			a.emit(OMEMOEvent{Base: a.base(), Peer: sender})
		}
	}()
}
