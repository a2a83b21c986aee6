package keystore

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Trust is a trust decision about one device's identity key.
type Trust string

// Trust states.
const (
	// TrustUnknown: the key was just seen; no policy has been applied.
	TrustUnknown Trust = "unknown"
	// TrustBlind: trusted without verification (blind trust before
	// verification).
	TrustBlind Trust = "blind"
	// TrustVerified: the user compared the fingerprint.
	TrustVerified Trust = "verified"
	// TrustUndecided: a new device of a contact with a verified device;
	// not used until the user decides.
	TrustUndecided Trust = "undecided"
	// TrustDistrusted: the user refused the device; never encrypted to.
	TrustDistrusted Trust = "distrusted"
)

func (t Trust) valid() bool {
	switch t {
	case TrustUnknown, TrustBlind, TrustVerified, TrustUndecided, TrustDistrusted:
		return true
	}
	return false
}

// Usable reports whether messages may be encrypted to and shown from a
// device with this trust.
func (t Trust) Usable() bool { return t == TrustBlind || t == TrustVerified }

// Identity is a remote device's identity key and our trust in it.
type Identity struct {
	JID    string
	Device uint32
	Key    []byte
	Trust  Trust
	// Seen is when the key was first recorded.
	Seen time.Time
}

// DeviceState is one device of a contact's (or our own) device list.
type DeviceState struct {
	ID uint32
	// Active is false once the device left the published list; it is
	// kept so its old messages still decrypt and its trust is remembered.
	Active bool
	// Seen is the last time the device was in a list we received.
	Seen time.Time
}

// maxRemote bounds the identities and devices files' entries (and so the
// memory and disk a stream of strangers' devices can take); with bare JIDs
// of at most 3071 bytes the files stay under maxRemoteFile.
const maxRemote = 20000

// maxRemoteFile bounds the identities and devices files.
const maxRemoteFile = 64 << 20

func (s *Store) loadIdentities() error {
	b, err := readFile(s.dir, fileIdentities, maxRemoteFile)
	if err != nil || b == nil {
		return err
	}
	return lines(fileIdentities, b, func(n int, f []string) error {
		if len(f) != 5 {
			return corrupt(fileIdentities, n, "want jid, device, key, trust, time")
		}
		dev, err1 := strconv.ParseUint(f[1], 10, 31)
		key, err2 := base64.StdEncoding.DecodeString(f[2])
		ts, err3 := strconv.ParseInt(f[4], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || dev == 0 || checkJID(f[0]) != nil || checkKey(key) != nil || !Trust(f[3]).valid() {
			return corrupt(fileIdentities, n, "bad field")
		}
		if len(s.remote) >= maxRemote {
			return corrupt(fileIdentities, n, "too many entries")
		}
		a := addr{jid: f[0], device: uint32(dev)}
		s.remote[a] = &Identity{JID: a.jid, Device: a.device, Key: key, Trust: Trust(f[3]), Seen: time.Unix(ts, 0)}
		return nil
	})
}

func (s *Store) saveIdentitiesLocked() error {
	ids := make([]*Identity, 0, len(s.remote))
	for _, id := range s.remote {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if ids[i].JID != ids[j].JID {
			return ids[i].JID < ids[j].JID
		}
		return ids[i].Device < ids[j].Device
	})
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "%s %d %s %s %d\n", id.JID, id.Device, base64.StdEncoding.EncodeToString(id.Key), id.Trust, id.Seen.Unix())
	}
	return writeFile(s.dir, fileIdentities, []byte(b.String()))
}

// RecordIdentity records the identity key of jid's device. A new device
// gets TrustUnknown (the caller's policy decides); a known device whose
// key changed gets TrustUnknown if it was blindly trusted, else
// TrustUndecided. It returns the stored identity.
func (s *Store) RecordIdentity(jid string, device uint32, key []byte) (Identity, error) {
	if err := checkJID(jid); err != nil {
		return Identity{}, err
	}
	if err := checkKey(key); err != nil {
		return Identity{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := addr{jid: jid, device: device}
	if id := s.remote[a]; id != nil && bytes.Equal(id.Key, key) {
		return *id, nil
	}
	if len(s.remote) >= maxRemote {
		return Identity{}, fmt.Errorf("keystore: more than %d identities", maxRemote)
	}
	t := TrustUnknown
	if old := s.remote[a]; old != nil && old.Trust != TrustBlind && old.Trust != TrustUnknown {
		// A verified, refused or pending device changed its key: the
		// user decides again; it is never blindly trusted.
		t = TrustUndecided
	}
	id := &Identity{JID: jid, Device: device, Key: append([]byte(nil), key...), Trust: t, Seen: s.now()}
	s.remote[a] = id
	return *id, s.saveIdentitiesLocked()
}

// Identity returns what we know of jid's device.
func (s *Store) Identity(jid string, device uint32) (Identity, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.remote[addr{jid: jid, device: device}]
	if id == nil {
		return Identity{}, false
	}
	return *id, true
}

// Identities returns every identity known for jid, by device id.
func (s *Store) Identities(jid string) []Identity {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Identity
	for a, id := range s.remote {
		if a.jid == jid {
			out = append(out, *id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Device < out[j].Device })
	return out
}

// SetTrust records a trust decision for a device whose key is known.
func (s *Store) SetTrust(jid string, device uint32, t Trust) error {
	if !t.valid() {
		return fmt.Errorf("keystore: bad trust %q", t)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.remote[addr{jid: jid, device: device}]
	if id == nil {
		return fmt.Errorf("keystore: no identity for %s device %d", jid, device)
	}
	if id.Trust == t {
		return nil
	}
	id.Trust = t
	return s.saveIdentitiesLocked()
}

func (s *Store) loadDevices() error {
	b, err := readFile(s.dir, fileDevices, maxRemoteFile)
	if err != nil || b == nil {
		return err
	}
	count := 0
	return lines(fileDevices, b, func(n int, f []string) error {
		if len(f) != 4 || (f[2] != "active" && f[2] != "inactive") {
			return corrupt(fileDevices, n, "want jid, device, active|inactive, time")
		}
		dev, err1 := strconv.ParseUint(f[1], 10, 31)
		ts, err2 := strconv.ParseInt(f[3], 10, 64)
		if err1 != nil || err2 != nil || dev == 0 || checkJID(f[0]) != nil {
			return corrupt(fileDevices, n, "bad field")
		}
		if count++; count > maxRemote {
			return corrupt(fileDevices, n, "too many entries")
		}
		m := s.devices[f[0]]
		if m == nil {
			m = map[uint32]*DeviceState{}
			s.devices[f[0]] = m
		}
		m[uint32(dev)] = &DeviceState{ID: uint32(dev), Active: f[2] == "active", Seen: time.Unix(ts, 0)}
		return nil
	})
}

func (s *Store) saveDevicesLocked() error {
	jids := make([]string, 0, len(s.devices))
	for j := range s.devices {
		jids = append(jids, j)
	}
	sort.Strings(jids)
	var b strings.Builder
	for _, j := range jids {
		for _, d := range sortedDevices(s.devices[j]) {
			st := "inactive"
			if d.Active {
				st = "active"
			}
			fmt.Fprintf(&b, "%s %d %s %d\n", j, d.ID, st, d.Seen.Unix())
		}
	}
	return writeFile(s.dir, fileDevices, []byte(b.String()))
}

func sortedDevices(m map[uint32]*DeviceState) []DeviceState {
	out := make([]DeviceState, 0, len(m))
	for _, d := range m {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// SetDeviceList records the device list jid published: the devices in
// ids become active, the others we knew become inactive (kept).
func (s *Store) SetDeviceList(jid string, ids []uint32) error {
	if err := checkJID(jid); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.devices[jid]
	if m == nil {
		total := 0
		for _, other := range s.devices {
			total += len(other)
		}
		if total+len(ids) > maxRemote {
			return fmt.Errorf("keystore: more than %d devices known", maxRemote)
		}
		m = map[uint32]*DeviceState{}
		s.devices[jid] = m
	}
	for _, d := range m {
		d.Active = false
	}
	now := s.now()
	for _, id := range ids {
		if id == 0 || id >= 1<<31 {
			continue
		}
		d := m[id]
		if d == nil {
			if len(m) >= 4*200 {
				continue
			}
			d = &DeviceState{ID: id}
			m[id] = d
		}
		d.Active, d.Seen = true, now
	}
	return s.saveDevicesLocked()
}

// Devices returns the devices known for jid (active and inactive), by id.
func (s *Store) Devices(jid string) []DeviceState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedDevices(s.devices[jid])
}

// ActiveDevices returns the ids of jid's devices in its last list.
func (s *Store) ActiveDevices(jid string) []uint32 {
	var out []uint32
	for _, d := range s.Devices(jid) {
		if d.Active {
			out = append(out, d.ID)
		}
	}
	return out
}
