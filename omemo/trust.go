package omemo

import (
	"encoding/hex"
	"fmt"
	"strings"

	"parley/omemo/keystore"
)

// Fingerprint formats an identity key as Conversations shows it: the 32
// key bytes (without the 0x05 type byte) in lower-case hex, in 8 groups of
// 8 digits separated by spaces.
func Fingerprint(key []byte) string {
	if len(key) == 33 {
		key = key[1:]
	}
	h := hex.EncodeToString(key)
	var b strings.Builder
	for i := 0; i < len(h); i += 8 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(h[i:min(i+8, len(h))])
	}
	return b.String()
}

// ParseFingerprint reads a fingerprint as a user types or pastes it:
// hex digits in any case, spaces and colons ignored, with or without the
// leading 05 type byte. It returns the 33-byte key.
func ParseFingerprint(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', ':', '\t', '-':
			return -1
		}
		return r
	}, strings.ToLower(s))
	if len(s) == 66 && strings.HasPrefix(s, "05") {
		s = s[2:]
	}
	if len(s) != 64 {
		return nil, fmt.Errorf("omemo: a fingerprint has 64 hex digits, this has %d", len(s))
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("omemo: fingerprint is not hex")
	}
	return append([]byte{5}, b...), nil
}

// Fingerprint returns our own identity key's fingerprint.
func (m *Manager) Fingerprint() string { return Fingerprint(m.store.IdentityKey()) }

// applyPolicy decides the trust of a device whose key is TrustUnknown:
// blind trust unless the account has a verified device, in which case the
// device waits (undecided). It returns the device's trust.
func (m *Manager) applyPolicy(jid string, dev uint32) (keystore.Trust, error) {
	id, ok := m.store.Identity(jid, dev)
	if !ok {
		return keystore.TrustUnknown, nil
	}
	if id.Trust != keystore.TrustUnknown {
		return id.Trust, nil
	}
	t := keystore.TrustBlind
	for _, other := range m.store.Identities(jid) {
		if other.Trust == keystore.TrustVerified {
			t = keystore.TrustUndecided
		}
	}
	return t, m.store.SetTrust(jid, dev, t)
}

// DeviceInfo is one device of an account as /omemo fingerprint shows it.
type DeviceInfo struct {
	Device      uint32
	Fingerprint string // empty when its key is not known yet
	Trust       keystore.Trust
	Active      bool
	Session     bool
}

// Devices lists jid's known devices with their trust.
func (m *Manager) Devices(jid string) []DeviceInfo {
	var out []DeviceInfo
	active := map[uint32]bool{}
	known := map[uint32]bool{}
	for _, d := range m.store.Devices(jid) {
		active[d.ID] = d.Active
		known[d.ID] = true
	}
	for _, id := range m.store.Identities(jid) {
		known[id.Device] = true
	}
	for dev := range known {
		di := DeviceInfo{Device: dev, Trust: keystore.TrustUnknown, Active: active[dev], Session: m.HasSession(jid, dev)}
		if id, ok := m.store.Identity(jid, dev); ok {
			di.Fingerprint, di.Trust = Fingerprint(id.Key), id.Trust
		}
		out = append(out, di)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Device < out[j-1].Device; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// SetTrust records the user's decision on the device of jid whose key has
// the given fingerprint (verified true: trust; false: distrust). It
// returns the device id.
func (m *Manager) SetTrust(jid, fingerprint string, verified bool) (uint32, error) {
	key, err := ParseFingerprint(fingerprint)
	if err != nil {
		return 0, err
	}
	for _, id := range m.store.Identities(jid) {
		if string(id.Key) == string(key) {
			t := keystore.TrustDistrusted
			if verified {
				t = keystore.TrustVerified
			}
			return id.Device, m.store.SetTrust(jid, id.Device, t)
		}
	}
	return 0, fmt.Errorf("omemo: %s has no device with fingerprint %s", jid, Fingerprint(key))
}
