package omemo

import (
	"context"
	"errors"
	"fmt"

	"go.mau.fi/libsignal/protocol"
	"go.mau.fi/libsignal/session"
	"go.mau.fi/libsignal/signalerror"

	"parley/omemo/axolotl"
	"parley/omemo/keystore"
)

// Skipped is a device a message was not encrypted to, and why.
type Skipped struct {
	Address
	Reason string
}

// Encrypt encrypts plaintext to every usable device of jids and to our
// own account's other devices. A nil plaintext makes a key transport
// element (no payload), used to complete a session after a first
// message. Several jids encrypt one message for all of them (the members
// of a room). Devices without a session (see NeedBundles), distrusted ones
// and undecided ones are skipped and reported, as is a JID with no device
// at all (Device 0). If no device of jids is reached, it returns
// ErrNoDevices.
func (m *Manager) Encrypt(plaintext []byte, jids ...string) (*axolotl.Encrypted, []Skipped, error) {
	var keyTag, iv, payload []byte
	var err error
	if plaintext == nil {
		keyTag, iv, err = axolotl.NewKeyTransport()
	} else {
		keyTag, iv, payload, err = axolotl.Seal(plaintext)
	}
	if err != nil {
		return nil, nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e := &axolotl.Encrypted{SID: m.DeviceID(), IV: iv, Payload: payload}
	var skipped []Skipped
	reached := false
	for _, a := range m.targets(jids) {
		k, why := m.encryptKeyLocked(a, keyTag)
		if why != "" {
			skipped = append(skipped, Skipped{Address: a, Reason: why})
			continue
		}
		e.Keys = append(e.Keys, k)
		if a.JID != m.own {
			reached = true
		}
	}
	for _, j := range jids {
		if j != m.own && len(m.store.ActiveDevices(j)) == 0 {
			skipped = append(skipped, Skipped{Address: Address{JID: j}, Reason: "no OMEMO devices"})
		}
	}
	if !reached {
		for _, j := range jids {
			if j == m.own {
				reached = len(e.Keys) > 0
			}
		}
	}
	if !reached {
		return nil, skipped, ErrNoDevices
	}
	return e, skipped, nil
}

func (m *Manager) encryptKeyLocked(a Address, keyTag []byte) (k axolotl.Key, why string) {
	defer func() {
		if r := recover(); r != nil { // a damaged session file
			k, why = axolotl.Key{}, fmt.Sprintf("broken session: %v", r)
		}
	}()
	if !m.HasSession(a.JID, a.Device) {
		return k, "no session"
	}
	t, err := m.applyPolicy(a.JID, a.Device)
	if err != nil {
		return k, err.Error()
	}
	if !t.Usable() {
		return k, string(t)
	}
	builder := m.builder(m.address(a.JID, a.Device))
	c := session.NewCipher(builder, m.address(a.JID, a.Device))
	msg, err := c.Encrypt(context.Background(), keyTag)
	if err != nil {
		return k, err.Error()
	}
	return axolotl.Key{RID: a.Device, PreKey: msg.Type() == protocol.PREKEY_TYPE, Data: msg.Serialize()}, ""
}

// Decrypted is a message decrypted.
type Decrypted struct {
	// JID and Device are the sender's bare JID and device.
	JID    string
	Device uint32
	// Plaintext is the message text; nil for a key transport element.
	Plaintext []byte
	// Trust is the sender device's trust; a message from a device that is
	// not Usable is shown as untrusted.
	Trust keystore.Trust
	// PreKey is set when the message started a new session: the caller
	// should answer with a key transport (Encrypt(nil, JID)) once the
	// catch-up ends, and republish the bundle after FinishCatchUp.
	PreKey bool
	// Fingerprint is the sender device's fingerprint.
	Fingerprint string
}

// Decrypt decrypts an <encrypted> element sent by from (a bare JID).
// A copy of a message decrypted before returns the same result. It never
// panics on hostile input.
func (m *Manager) Decrypt(from string, e *axolotl.Encrypted) (d *Decrypted, err error) {
	k, ok := e.KeyFor(m.DeviceID())
	if !ok {
		return nil, ErrNotForUs
	}
	if from == m.own && e.SID == m.DeviceID() {
		return nil, fmt.Errorf("%w: a message from our own device id", ErrBadMessage)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	dk := dedupKey(e.SID, k.Data)
	if prev := m.seen.get(dk); prev != nil && prev.JID == from {
		return prev, nil
	}
	keyTag, preKey, err := m.decryptKeyLocked(from, e.SID, k)
	if err != nil {
		return nil, err
	}
	d = &Decrypted{JID: from, Device: e.SID, PreKey: preKey}
	if !e.IsKeyTransport() {
		if d.Plaintext, err = axolotl.Open(keyTag, e.IV, e.Payload); err != nil {
			return nil, err
		}
		if d.Plaintext == nil {
			d.Plaintext = []byte{}
		}
	}
	if d.Trust, err = m.applyPolicy(from, e.SID); err != nil {
		return nil, err
	}
	if id, ok := m.store.Identity(from, e.SID); ok {
		d.Fingerprint = Fingerprint(id.Key)
	}
	m.seen.put(dk, d)
	return d, nil
}

func (m *Manager) decryptKeyLocked(from string, sid uint32, k axolotl.Key) (keyTag []byte, preKey bool, err error) {
	defer guard(&err)
	addr := m.address(from, sid)
	builder := m.builder(addr)
	c := session.NewCipher(builder, addr)
	ctx := context.Background()
	if k.PreKey {
		msg, err := m.parsePreKeyMessage(k.Data)
		if err != nil {
			return nil, false, err
		}
		keyTag, err = c.DecryptMessage(ctx, msg)
		if err != nil {
			return nil, true, mapErr(err)
		}
		// Authenticated: now the sender's identity key is recorded.
		_, err = m.store.RecordIdentity(from, sid, msg.IdentityKey().Serialize())
		return keyTag, true, err
	}
	msg, err := m.parseSignalMessage(k.Data)
	if err != nil {
		return nil, false, err
	}
	if !m.HasSession(from, sid) {
		return nil, false, ErrNoSession
	}
	keyTag, err = c.Decrypt(ctx, msg)
	return keyTag, false, mapErr(err)
}

func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, signalerror.ErrOldCounter):
		return ErrDuplicate
	case errors.Is(err, signalerror.ErrNoSessionForUser), errors.Is(err, signalerror.ErrUninitializedSession):
		return fmt.Errorf("%w: %v", ErrNoSession, err)
	}
	return fmt.Errorf("%w: %v", ErrBadMessage, err)
}

// parseSignalMessage decodes a SignalMessage after checking what
// libsignal does not: the ratchet key is a whole 0x05 key and the
// ciphertext is whole AES blocks.
func (m *Manager) parseSignalMessage(b []byte) (*protocol.SignalMessage, error) {
	st, err := m.ser.SignalMessage.Deserialize(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadMessage, err)
	}
	if st.Version != protocol.CurrentVersion {
		return nil, fmt.Errorf("%w: version %d", ErrBadMessage, st.Version)
	}
	if err := axolotl.CheckKey(st.RatchetKey); err != nil {
		return nil, fmt.Errorf("%w: ratchet key: %v", ErrBadMessage, err)
	}
	if n := len(st.CipherText); n == 0 || n%16 != 0 {
		return nil, fmt.Errorf("%w: ciphertext of %d bytes", ErrBadMessage, n)
	}
	msg, err := protocol.NewSignalMessageFromStruct(st, m.ser.SignalMessage)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadMessage, err)
	}
	return msg, nil
}

// parsePreKeyMessage decodes a PreKeySignalMessage with the same checks,
// on its base and identity keys and on the message it wraps.
func (m *Manager) parsePreKeyMessage(b []byte) (*protocol.PreKeySignalMessage, error) {
	st, err := m.ser.PreKeySignalMessage.Deserialize(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadMessage, err)
	}
	if st.Version != protocol.CurrentVersion {
		return nil, fmt.Errorf("%w: version %d", ErrBadMessage, st.Version)
	}
	if err := axolotl.CheckKey(st.BaseKey); err != nil {
		return nil, fmt.Errorf("%w: base key: %v", ErrBadMessage, err)
	}
	if err := axolotl.CheckKey(st.IdentityKey); err != nil {
		return nil, fmt.Errorf("%w: identity key: %v", ErrBadMessage, err)
	}
	if _, err := m.parseSignalMessage(st.Message); err != nil {
		return nil, err
	}
	msg, err := protocol.NewPreKeySignalMessageFromStruct(st, m.ser.PreKeySignalMessage, m.ser.SignalMessage)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadMessage, err)
	}
	return msg, nil
}
