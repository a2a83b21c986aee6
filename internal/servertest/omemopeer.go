package servertest

import (
	_ "embed"
	"strconv"
	"testing"

	"mellium.im/xmpp/jid"
)

//go:embed omemo_peer.py
var omemoPeerScript []byte

// OMEMOPeer is an independent OMEMO implementation to talk to:
// python-omemo with its oldmemo backend (legacy OMEMO,
// eu.siacs.conversations.axolotl) over slixmpp. On start it publishes its
// bundle and adds its device to its account's device list (PEP, access
// model open); it trusts every new device blindly. Its events are those of
// Peer with these kinds: "online" (ID: its device id, Body: its
// fingerprint), "omemo" (a decrypted message: From bare JID, ID sender
// device, Body plaintext, Type "key-exchange" when there was no payload),
// "plain" (an unencrypted body), "sent", "distrusted", "published",
// "fetched" and "uploaded" (files, see Fetch and SendFile), "error". The
// "omemo" and "plain" events carry the whole stanza as Raw.
//
// Fetch (Peer's) downloads an https or aesgcm:// URL into a path,
// decrypting the latter with python3-cryptography's AES-GCM and checking
// its tag (an error event and no file on a mismatch).
type OMEMOPeer struct {
	*Peer
	// DeviceID is the peer's OMEMO device id.
	DeviceID uint32
	// Fingerprint is the peer's identity key as python-omemo formats it.
	Fingerprint string
}

// StartOMEMOPeer starts an OMEMO peer for j (bare) on s and waits until
// its device is published. Several peers of one JID are several devices
// of that account. The test is skipped when python3-omemo,
// python3-oldmemo, python3-xmlschema or python3-cryptography is missing (failed under CI=true).
func StartOMEMOPeer(t testing.TB, s *Server, j jid.JID, pass string) *OMEMOPeer {
	t.Helper()
	p := startPython(t, s, "OMEMO peer", "python3-omemo/python3-oldmemo/python3-xmlschema/python3-cryptography",
		"import slixmpp, omemo, oldmemo, oldmemo.etree, xmlschema, cryptography", "omemo_peer.py", omemoPeerScript, j, pass)
	var err error
	ev := p.Wait(t, peerOnlineTimeout, func(e PeerEvent) bool { return e.Kind == "online" || e.Kind == "error" })
	if ev.Kind != "online" {
		t.Fatalf("servertest: OMEMO peer %s: %s\n%s", j, ev, p.dump())
	}
	if p.JID, err = jid.Parse(ev.From); err != nil {
		t.Fatalf("servertest: OMEMO peer bound JID %q: %v", ev.From, err)
	}
	id, err := strconv.ParseUint(ev.ID, 10, 32)
	if err != nil {
		t.Fatalf("servertest: OMEMO peer device id %q: %v", ev.ID, err)
	}
	return &OMEMOPeer{Peer: p, DeviceID: uint32(id), Fingerprint: ev.Body}
}

// SendEncrypted has the peer encrypt body to every device of to (bare
// JID), fetching its device list and bundles first, and send it.
func (p *OMEMOPeer) SendEncrypted(to, body string) {
	p.send(map[string]any{"op": "send", "to": to, "body": body})
}

// JoinOMEMORoom has the peer join room (bare) as nick and waits until it
// is in. It learns occupants' real JIDs from the room's presences.
func (p *OMEMOPeer) JoinOMEMORoom(t testing.TB, room, nick string) {
	t.Helper()
	p.send(map[string]any{"op": "join-room", "room": room, "nick": nick})
	if ev := p.Wait(t, peerOnlineTimeout, func(e PeerEvent) bool { return e.Kind == "joined" || e.Kind == "error" }); ev.Kind != "joined" {
		t.Fatalf("servertest: OMEMO peer join %s: %s", room, ev)
	}
}

// SendRoom has the peer encrypt body to every member of room (its owner,
// admin and member lists) and send it there ("sent" lists the members in
// Body). A message it decrypts in a room is an "omemo" event with From
// the sender's real JID and Nick.
func (p *OMEMOPeer) SendRoom(room, body string) {
	p.send(map[string]any{"op": "send-room", "room": room, "body": body})
}

// Distrust has the peer refuse device of jid.
func (p *OMEMOPeer) Distrust(jid string, device uint32) {
	p.send(map[string]any{"op": "distrust", "jid": jid, "device": device})
}

// PublishDevices has the peer publish its account's device list as ids,
// as another client of the account removing stale devices would; it
// waits for the publication.
func (p *OMEMOPeer) PublishDevices(t testing.TB, ids ...uint32) {
	t.Helper()
	p.send(map[string]any{"op": "publish-devices", "devices": ids})
	if ev := p.Wait(t, peerOnlineTimeout, func(e PeerEvent) bool { return e.Kind == "published" || e.Kind == "error" }); ev.Kind != "published" {
		t.Fatalf("servertest: OMEMO peer publish devices: %s", ev)
	}
}

// SendFile has the peer encrypt the file at path as XEP-0454 says (fresh
// 12-byte IV and 32-byte key, the tag appended), upload it to service
// (XEP-0363, an https slot) and send its aesgcm:// link to `to` (bare
// JID) in an OMEMO message; it emits "uploaded" with the link as Body.
func (p *OMEMOPeer) SendFile(service, to, path string) {
	p.send(map[string]any{"op": "upload", "service": service, "to": to, "path": path})
}
