package omemo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"sync"

	"go.mau.fi/libsignal/ecc"
	"go.mau.fi/libsignal/keys/identity"
	"go.mau.fi/libsignal/keys/prekey"
	"go.mau.fi/libsignal/protocol"
	"go.mau.fi/libsignal/serialize"
	"go.mau.fi/libsignal/session"
	"go.mau.fi/libsignal/util/optional"

	"parley/omemo/axolotl"
	"parley/omemo/keystore"
)

// Errors of the manager.
var (
	// ErrNotForUs: the message has no key for our device.
	ErrNotForUs = errors.New("omemo: message not encrypted for this device")
	// ErrNoSession: a normal message from a device we have no session with.
	ErrNoSession = errors.New("omemo: no session")
	// ErrDuplicate: the message was decrypted before (its message key is
	// spent); the caller already has its text.
	ErrDuplicate = errors.New("omemo: message already decrypted")
	// ErrNoDevices: no usable device to encrypt to.
	ErrNoDevices = errors.New("omemo: no trusted device to encrypt to")
	// ErrBadMessage: the Signal message is malformed or does not
	// authenticate.
	ErrBadMessage = errors.New("omemo: bad message")
)

// Manager is one account's OMEMO session manager. It is safe for
// concurrent use; calls are serialized.
type Manager struct {
	store *keystore.Store
	own   string
	ser   *serialize.Serializer

	mu   sync.Mutex
	seen *dedup
}

// New returns a manager for the account whose bare JID is own.
func New(store *keystore.Store, own string) *Manager {
	quiet()
	return &Manager{store: store, own: own, ser: serialize.NewProtoBufSerializer(), seen: newDedup()}
}

// Store returns the manager's key store.
func (m *Manager) Store() *keystore.Store { return m.store }

// DeviceID returns our device id.
func (m *Manager) DeviceID() uint32 { return m.store.DeviceID() }

// Bundle returns our bundle as published.
func (m *Manager) Bundle() (*axolotl.Bundle, error) {
	b, err := m.store.Bundle()
	if err != nil {
		return nil, err
	}
	out := &axolotl.Bundle{SignedPreKeyID: b.SignedPreKeyID, SignedPreKey: b.SignedPreKey, Signature: b.Signature, IdentityKey: b.IdentityKey}
	for _, pk := range b.PreKeys {
		out.PreKeys = append(out.PreKeys, axolotl.PreKey{ID: pk.ID, Pub: pk.Pub})
	}
	return out, nil
}

// OwnDeviceList returns the device list to publish given the one the
// server holds (nil if none): ours is added, no other device is ever
// removed. changed says whether it differs from published.
func (m *Manager) OwnDeviceList(published *axolotl.DeviceList) (list *axolotl.DeviceList, changed bool) {
	list = &axolotl.DeviceList{}
	if published != nil {
		list.Devices = append(list.Devices, published.Devices...)
	}
	if !list.Has(m.DeviceID()) {
		list.Devices = append(list.Devices, axolotl.Device{ID: m.DeviceID()})
		changed = true
	}
	return list, changed
}

// ClearedDeviceList returns the device list /omemo clear-device-list
// publishes: our device alone (the user's other clients add themselves
// back when they next connect).
func (m *Manager) ClearedDeviceList() *axolotl.DeviceList {
	return &axolotl.DeviceList{Devices: []axolotl.Device{{ID: m.DeviceID()}}}
}

// SetDeviceList records the device list jid published.
func (m *Manager) SetDeviceList(jid string, l *axolotl.DeviceList) error {
	return m.store.SetDeviceList(jid, l.IDs())
}

func (m *Manager) address(jid string, dev uint32) *protocol.SignalAddress {
	return protocol.NewSignalAddress(jid, dev)
}

func (m *Manager) builder(a *protocol.SignalAddress) *session.Builder {
	return session.NewBuilder(m.store, m.store, m.store, m.store, a, m.ser)
}

// HasSession reports whether we hold a session with jid's device.
func (m *Manager) HasSession(jid string, dev uint32) bool {
	ok, err := m.store.ContainsSession(context.Background(), m.address(jid, dev))
	return ok && err == nil
}

// Address names one device of one account.
type Address struct {
	JID    string
	Device uint32
}

// targets returns the active devices of jids (our own account's other
// devices included, our device excluded).
func (m *Manager) targets(jids []string) []Address {
	var out []Address
	seen := map[string]bool{}
	for _, j := range append(append([]string{}, jids...), m.own) {
		if seen[j] {
			continue
		}
		seen[j] = true
		for _, d := range m.store.ActiveDevices(j) {
			if j == m.own && d == m.DeviceID() {
				continue
			}
			out = append(out, Address{JID: j, Device: d})
		}
	}
	return out
}

// NeedBundles returns the devices of jids (and of our account) to which a
// message could be encrypted but no session exists yet: fetch their
// bundles and pass them to BuildSession. Distrusted and undecided
// devices are left out.
func (m *Manager) NeedBundles(jids ...string) []Address {
	var out []Address
	for _, a := range m.targets(jids) {
		if m.HasSession(a.JID, a.Device) {
			continue
		}
		if id, ok := m.store.Identity(a.JID, a.Device); ok && (id.Trust == keystore.TrustDistrusted || id.Trust == keystore.TrustUndecided) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// BuildSession starts a session with jid's device from its bundle, with
// a one-time pre-key chosen at random. The bundle's signature is checked;
// the device's identity key is recorded and the trust policy applied.
func (m *Manager) BuildSession(jid string, dev uint32, b *axolotl.Bundle) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.buildSessionLocked(jid, dev, b)
}

func (m *Manager) buildSessionLocked(jid string, dev uint32, b *axolotl.Bundle) (err error) {
	defer guard(&err)
	if len(b.PreKeys) == 0 || len(b.Signature) != 64 {
		return fmt.Errorf("%w: incomplete bundle", ErrBadMessage)
	}
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(b.PreKeys))))
	if err != nil {
		return err
	}
	pk := b.PreKeys[n.Int64()]
	ik, err := point(b.IdentityKey)
	if err != nil {
		return err
	}
	spk, err := point(b.SignedPreKey)
	if err != nil {
		return err
	}
	opk, err := point(pk.Pub)
	if err != nil {
		return err
	}
	var sig [64]byte
	copy(sig[:], b.Signature)
	bundle := prekey.NewBundle(dev, dev, optional.NewOptionalUint32(pk.ID), b.SignedPreKeyID, opk, spk, sig, identity.NewKey(ik))
	if _, err := m.store.RecordIdentity(jid, dev, b.IdentityKey); err != nil {
		return err
	}
	builder := m.builder(m.address(jid, dev))
	if err := builder.ProcessBundle(context.Background(), bundle); err != nil {
		return fmt.Errorf("omemo: session with %s device %d: %w", jid, dev, err)
	}
	_, err = m.applyPolicy(jid, dev)
	return err
}

// point decodes a checked key; the check comes first because
// ecc.DecodePoint panics on an empty slice and zero-pads a short one.
func point(b []byte) (ecc.ECPublicKeyable, error) {
	if err := axolotl.CheckKey(b); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadMessage, err)
	}
	return ecc.DecodePoint(b, 0)
}

// guard turns a panic in libsignal into an error.
func guard(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: %v", ErrBadMessage, r)
	}
}
