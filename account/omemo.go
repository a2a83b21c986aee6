package account

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/omemo"
	"parley/omemo/axolotl"
	"parley/omemo/keystore"
)

// OMEMO (legacy, eu.siacs.conversations.axolotl) in the account: the key
// store and session manager (package omemo) opened in New, our bundle and
// device list published after each fresh login, contacts' device lists
// from +notify events and fetches, messages sealed in the send path
// (omemosend.go) and opened behind the event queue (omemorecv.go). Nothing
// of it runs in the stanza handler: the handler parses and hands tasks to
// the event queue's goroutine (omemoTask), which also decrypts, in order.

const nsOMEMO = axolotl.NS

// OMEMOMode says when a conversation is encrypted (config key omemo).
type OMEMOMode string

// OMEMO modes.
const (
	// OMEMOAutomatic: on in a conversation where the contact has OMEMO
	// devices, as Conversations does; /omemo off turns it off there.
	OMEMOAutomatic OMEMOMode = "automatic"
	// OMEMOManual: off until /omemo on in that conversation.
	OMEMOManual OMEMOMode = "manual"
	// OMEMOOff: no OMEMO at all (no keys, no device list).
	OMEMOOff OMEMOMode = "off"
)

// ErrOMEMODisabled is returned by the OMEMO methods of an account without
// OMEMO (omemo = "off", or its key store could not be opened).
var ErrOMEMODisabled = errors.New("OMEMO is not enabled for this account")

// maxOMEMOPeers bounds the per-conversation state (explicit on/off, lists
// fetched, answers owed).
const maxOMEMOPeers = 4096

// omemoState is the account's OMEMO state. mgr is set once in New; the
// maps are guarded by mu.
type omemoState struct {
	mgr  *omemo.Manager // nil: OMEMO off
	mode OMEMOMode

	mu        sync.Mutex
	conv      map[string]bool          // /omemo on|off per bare JID
	fetched   map[string]*xmpp.Session // device lists fetched on that session
	answer    map[string]bool          // sent us a pre-key message: a key transport is owed
	caughtUp  *xmpp.Session            // the session whose archive catch-up ended
	published *xmpp.Session            // the session our bundle and device were published on
	// refetched: the devices a message came from that were not in their
	// account's list, for which the list was fetched again on refetchedOf.
	refetched   map[string]bool
	refetchedOf *xmpp.Session
	// roomSent: the text of our encrypted room messages by id, until the
	// room reflects them (omemoroom.go).
	roomSent map[string]string
}

// omemoTask is work handed from the stanza handler (or a login goroutine)
// to the event queue's goroutine: it runs there, in order with the
// messages around it, and is not delivered to the sink.
type omemoTask struct {
	Base
	run func()
}

// OMEMOEvent says that something of the OMEMO state of the conversation
// with Peer changed (its device list, a trust decision, /omemo on|off):
// the receiver asks OMEMOStatus again. Peer is the account itself for our
// own devices.
type OMEMOEvent struct {
	Base
	Peer jid.JID
}

// openOMEMO opens the key store (Config.OMEMODir) and the session manager.
func (a *Account) openOMEMO() {
	a.om.mode = a.cfg.OMEMO
	if a.om.mode == "" {
		a.om.mode = OMEMOAutomatic
	}
	if a.cfg.OMEMODir == "" || a.om.mode == OMEMOOff {
		return
	}
	st, err := keystore.Open(a.cfg.OMEMODir)
	if err != nil {
		a.bootWarn = append(a.bootWarn, "OMEMO is off for this account: its key store cannot be opened: "+err.Error())
		return
	}
	a.om.mgr = omemo.New(st, a.bare.String())
}

// pipeline is the event queue's sink: events from blocked addresses are
// dropped (blocking.go), OMEMO tasks run, encrypted
// messages are opened, then the events go on to sink.
func (a *Account) pipeline(sink Sink) Sink {
	return func(e Event) {
		if a.blockedEvent(e) { // from a blocked address: neither stored nor shown (blocking.go)
			return
		}
		switch ev := e.(type) {
		case omemoTask:
			ev.run()
			return
		case MessageEvent:
			if ev.Msg.omemoRaw != nil || ev.Msg.omemoCut {
				m, ok := a.omemoOpen(ev.Msg)
				if !ok {
					return
				}
				ev.Msg = m
				e = ev
			}
		}
		sink(e)
	}
}

// task hands fn to the event queue's goroutine.
func (a *Account) task(fn func()) { a.sink(omemoTask{Base: a.base(), run: fn}) }

// isContact reports whether bare is in the roster or is the account.
func (a *Account) isContact(bare jid.JID) bool {
	if bare.Equal(a.bare) {
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.contacts.has(bare.String())
}

// omemoLogin publishes our bundle and adds our device to our device list,
// after a fresh login; it also reads our own list (our other devices get
// a copy of what we send). It runs in a goroutine of its own.
func (a *Account) omemoLogin(ctx context.Context, sess *xmpp.Session) {
	mgr := a.om.mgr
	if mgr == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 2*iqTimeout)
	defer cancel()
	if _, err := mgr.Store().RotateSignedPreKey(); err != nil {
		a.emitInfoUnlessDone(ctx, "OMEMO: signed pre-key not rotated: "+err.Error())
	}
	if err := a.publishBundle(ctx, sess); err != nil {
		a.emitInfoUnlessDone(ctx, "OMEMO: bundle not published, contacts cannot start sessions with this device: "+err.Error())
		return
	}
	own, err := a.fetchDeviceList(ctx, sess, a.bare)
	if err != nil {
		a.emitInfoUnlessDone(ctx, "OMEMO: own device list not read: "+err.Error())
		return
	}
	if err := a.publishOwnList(ctx, sess, own); err != nil {
		a.emitInfoUnlessDone(ctx, "OMEMO: device not added to the device list: "+err.Error())
		return
	}
	a.om.mu.Lock()
	a.om.published = sess
	a.om.mu.Unlock()
}

// publishBundle publishes our bundle (open access).
func (a *Account) publishBundle(ctx context.Context, sess *xmpp.Session) error {
	b, err := a.om.mgr.Bundle()
	if err != nil {
		return err
	}
	return pepPublish(ctx, sess, axolotl.NodeBundlePrefix+strconv.FormatUint(uint64(a.om.mgr.DeviceID()), 10), axolotl.ItemCurrent, b.TokenReader)
}

// publishOwnList adds our device to the list the server holds (nil:
// none) and publishes it if that changed it; other devices are never
// removed.
func (a *Account) publishOwnList(ctx context.Context, sess *xmpp.Session, published *axolotl.DeviceList) error {
	list, changed := a.om.mgr.OwnDeviceList(published)
	if !changed {
		return nil
	}
	if err := pepPublish(ctx, sess, axolotl.NodeDeviceList, axolotl.ItemCurrent, list.TokenReader); err != nil {
		return err
	}
	return a.om.mgr.SetDeviceList(a.bare.String(), list)
}

// fetchDeviceList fetches and records the device list of j (nil when j
// has none), and notes it fetched on sess.
func (a *Account) fetchDeviceList(ctx context.Context, sess *xmpp.Session, j jid.JID) (*axolotl.DeviceList, error) {
	var list *axolotl.DeviceList
	_, err := pepFetch(ctx, sess, j.Bare(), axolotl.NodeDeviceList, func(se xml.StartElement, r xml.TokenReader) error {
		l, err := axolotl.ParseDeviceList(se, r)
		list = l
		return err
	})
	if err != nil {
		return nil, err
	}
	rec := list
	if rec == nil {
		rec = &axolotl.DeviceList{}
	}
	if err := a.om.mgr.SetDeviceList(j.Bare().String(), rec); err != nil {
		return nil, err
	}
	a.om.mu.Lock()
	if a.om.fetched == nil {
		a.om.fetched = map[string]*xmpp.Session{}
	}
	if len(a.om.fetched) < maxOMEMOPeers {
		a.om.fetched[j.Bare().String()] = sess
	}
	a.om.mu.Unlock()
	return list, nil
}

// fetchedOn reports whether j's device list was fetched on sess.
func (a *Account) fetchedOn(j jid.JID, sess *xmpp.Session) bool {
	a.om.mu.Lock()
	defer a.om.mu.Unlock()
	return a.om.fetched[j.Bare().String()] == sess
}

// deviceListEvent handles a device-list notification from from (in the
// stanza handler): from a contact or ourselves it is recorded by the
// event queue's goroutine; a stranger's is ignored (it would fill the
// store without bound). Our own list without our device gets it back.
func (h *handler) deviceListEvent(from jid.JID, list *axolotl.DeviceList) {
	a := h.a
	if a.om.mgr == nil || !a.isContact(from.Bare()) {
		return
	}
	bare := from.Bare()
	a.task(func() {
		if err := a.om.mgr.SetDeviceList(bare.String(), list); err != nil {
			a.emit(InfoEvent{Base: a.base(), Error: true, Text: "OMEMO: device list of " + bare.String() + " not recorded: " + err.Error()})
			return
		}
		if bare.Equal(a.bare) && !list.Has(a.om.mgr.DeviceID()) {
			if sess, err := a.online(); err == nil {
				go func() {
					ctx, cancel := context.WithTimeout(context.Background(), iqTimeout)
					defer cancel()
					if err := a.publishOwnList(ctx, sess, list); err != nil {
						a.emitInfoUnlessDone(ctx, "OMEMO: device not added back to the device list: "+err.Error())
					}
				}()
			}
		}
		a.emit(OMEMOEvent{Base: a.base(), Peer: bare})
	})
}

// OMEMOStatus is what a conversation's title says of OMEMO.
type OMEMOStatus struct {
	Available bool // the account has OMEMO
	On        bool // messages to the contact are encrypted
	Devices   int  // the contact's active devices
	Trusted   bool // every active device of the contact is trusted (blind or verified)
	Undecided int  // devices waiting for a trust decision
	// Room: peer is a room; Members counts its members other than us (their
	// devices are in Devices); Refusal says why the room does not
	// qualify for OMEMO, empty when it does (omemoroom.go).
	Room    bool
	Members int
	Refusal string
}

// OMEMOStatus returns the OMEMO state of the conversation with peer.
func (a *Account) OMEMOStatus(peer jid.JID) OMEMOStatus {
	if a.om.mgr == nil {
		return OMEMOStatus{}
	}
	if a.isRoom(peer) {
		return a.roomOMEMOStatus(peer.Bare())
	}
	return a.contactOMEMOStatus(peer)
}

// contactOMEMOStatus is OMEMOStatus for a contact (or a room member).
func (a *Account) contactOMEMOStatus(peer jid.JID) OMEMOStatus {
	mgr := a.om.mgr
	st := OMEMOStatus{Available: true, On: a.omemoOn(peer), Trusted: true}
	for _, d := range mgr.Devices(peer.Bare().String()) {
		if !d.Active {
			continue
		}
		st.Devices++
		switch {
		case d.Trust == keystore.TrustUndecided:
			st.Undecided++
			st.Trusted = false
		case !d.Trust.Usable():
			st.Trusted = false
		}
	}
	if st.Devices == 0 {
		st.Trusted = false
	}
	return st
}

// omemoOn reports whether messages to peer are encrypted: the user's
// /omemo on|off for it, else the mode (automatic: when it has devices).
func (a *Account) omemoOn(peer jid.JID) bool {
	mgr := a.om.mgr
	if mgr == nil {
		return false
	}
	key := peer.Bare().String()
	a.om.mu.Lock()
	on, set := a.om.conv[key]
	a.om.mu.Unlock()
	if set || a.isRoom(peer) {
		return on // a room is encrypted only after /omemo on there
	}
	return a.om.mode == OMEMOAutomatic && len(mgr.Store().ActiveDevices(key)) > 0
}

// SetOMEMO turns OMEMO on or off for the conversation with peer (/omemo
// on|off). Turning it on fetches peer's device list when online, so that
// the title can say at once whether the contact has OMEMO.
func (a *Account) SetOMEMO(ctx context.Context, peer jid.JID, on bool) error {
	if a.om.mgr == nil {
		return ErrOMEMODisabled
	}
	if peer.Domainpart() == "" {
		return errors.New("OMEMO: no conversation")
	}
	if a.isRoom(peer) {
		return a.setRoomOMEMO(ctx, peer.Bare(), on) // omemoroom.go
	}
	key := peer.Bare().String()
	if err := a.setConv(peer, on); err != nil {
		return err
	}
	if on {
		if sess, err := a.online(); err == nil && !a.fetchedOn(peer, sess) {
			ctx, cancel := reqCtx(ctx)
			defer cancel()
			if _, err := a.fetchDeviceList(ctx, sess, peer); err != nil {
				a.emitInfoUnlessDone(ctx, "OMEMO: device list of "+key+" not fetched: "+err.Error())
			}
		}
	}
	a.emit(OMEMOEvent{Base: a.base(), Peer: peer.Bare()})
	return nil
}

// setConv records /omemo on|off for peer.
func (a *Account) setConv(peer jid.JID, on bool) error {
	key := peer.Bare().String()
	a.om.mu.Lock()
	defer a.om.mu.Unlock()
	if a.om.conv == nil {
		a.om.conv = map[string]bool{}
	}
	if _, ok := a.om.conv[key]; !ok && len(a.om.conv) >= maxOMEMOPeers {
		return fmt.Errorf("OMEMO: over %d conversations set", maxOMEMOPeers)
	}
	a.om.conv[key] = on
	return nil
}

// OMEMOFingerprint returns our device id and fingerprint.
func (a *Account) OMEMOFingerprint() (uint32, string, error) {
	if a.om.mgr == nil {
		return 0, "", ErrOMEMODisabled
	}
	return a.om.mgr.DeviceID(), a.om.mgr.Fingerprint(), nil
}

// OMEMODevices returns the devices of j (the account's own when j is the
// account) with their fingerprints and trust, fetching j's device list
// first when online and not fetched on this session.
func (a *Account) OMEMODevices(ctx context.Context, j jid.JID) ([]omemo.DeviceInfo, error) {
	if a.om.mgr == nil {
		return nil, ErrOMEMODisabled
	}
	if sess, err := a.online(); err == nil && !a.fetchedOn(j, sess) {
		ctx, cancel := reqCtx(ctx)
		defer cancel()
		if _, err := a.fetchDeviceList(ctx, sess, j); err != nil {
			return nil, fmt.Errorf("OMEMO: device list of %s: %w", j.Bare(), err)
		}
	}
	return a.om.mgr.Devices(j.Bare().String()), nil
}

// OMEMOTrust records the user's decision on the device of j whose
// fingerprint is fp (/omemo trust, /omemo untrust) and returns its id.
func (a *Account) OMEMOTrust(j jid.JID, fp string, trust bool) (uint32, error) {
	if a.om.mgr == nil {
		return 0, ErrOMEMODisabled
	}
	dev, err := a.om.mgr.SetTrust(j.Bare().String(), fp, trust)
	if err == nil {
		a.emit(OMEMOEvent{Base: a.base(), Peer: j.Bare()})
	}
	return dev, err
}

// OMEMOClearDeviceList publishes a device list with only this device
// (/omemo clear-device-list): our stale devices leave it; our other live
// clients add themselves back when they next connect.
func (a *Account) OMEMOClearDeviceList(ctx context.Context) error {
	if a.om.mgr == nil {
		return ErrOMEMODisabled
	}
	sess, err := a.online()
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(ctx)
	defer cancel()
	list := a.om.mgr.ClearedDeviceList()
	if err := pepPublish(ctx, sess, axolotl.NodeDeviceList, axolotl.ItemCurrent, list.TokenReader); err != nil {
		return err
	}
	if err := a.om.mgr.SetDeviceList(a.bare.String(), list); err != nil {
		return err
	}
	a.emit(OMEMOEvent{Base: a.base(), Peer: a.bare})
	return nil
}
