package keystore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"go.mau.fi/libsignal/keys/identity"
	"go.mau.fi/libsignal/protocol"
	"go.mau.fi/libsignal/state/record"
)

// maxSession bounds a session file (a session with many skipped message
// keys and archived states stays well under it).
const maxSession = 1 << 20

// maxJID bounds a bare JID (RFC 7622: three parts of 1023 bytes).
const maxJID = 3071

// ErrBadJID is returned for an address that cannot be stored.
var ErrBadJID = errors.New("keystore: bad JID")

// checkJID refuses what cannot be a bare JID in a line-based file:
// empty, too long, containing space or control characters.
func checkJID(j string) error {
	if j == "" || len(j) > maxJID || strings.ContainsFunc(j, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '/' }) {
		return fmt.Errorf("%w %q", ErrBadJID, j)
	}
	return nil
}

func sessionFile(a addr) string {
	return filepath.Join(dirSessions, hex.EncodeToString([]byte(a.jid))+"."+strconv.FormatUint(uint64(a.device), 10))
}

func toAddr(a *protocol.SignalAddress) addr { return addr{jid: a.Name(), device: a.DeviceID()} }

// LoadSession implements libsignal's Session store. It decodes a fresh
// record each time (sessions by value); a missing session is a fresh
// record.
func (s *Store) LoadSession(_ context.Context, address *protocol.SignalAddress) (*record.Session, error) {
	b, err := s.sessionBytes(toAddr(address))
	if err != nil {
		return nil, err
	}
	if b == nil {
		return record.NewSession(s.ser.Session, s.ser.State), nil
	}
	return safely(func() (*record.Session, error) { return record.NewSessionFromBytes(b, s.ser.Session, s.ser.State) })
}

func (s *Store) sessionBytes(a addr) ([]byte, error) {
	if err := checkJID(a.jid); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.sessions[a]; ok {
		return b, nil
	}
	b, err := readFile(s.dir, sessionFile(a), maxSession)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		b = nil
	}
	s.cacheLocked(a, b)
	return b, nil
}

// maxCachedSessions bounds the sessions held in memory; the files hold
// them all.
const maxCachedSessions = 1024

func (s *Store) cacheLocked(a addr, b []byte) {
	if _, ok := s.sessions[a]; !ok && len(s.sessions) >= maxCachedSessions {
		for k := range s.sessions { // drop any one
			delete(s.sessions, k)
			break
		}
	}
	s.sessions[a] = b
}

// GetSubDeviceSessions implements libsignal's Session store: the device
// ids we hold a session with for jid.
func (s *Store) GetSubDeviceSessions(_ context.Context, jid string) ([]uint32, error) {
	if err := checkJID(jid); err != nil {
		return nil, err
	}
	prefix := hex.EncodeToString([]byte(jid)) + "."
	ents, err := os.ReadDir(filepath.Join(s.dir, dirSessions))
	if err != nil {
		return nil, err
	}
	var out []uint32
	for _, e := range ents {
		if id, ok := strings.CutPrefix(e.Name(), prefix); ok {
			if n, err := strconv.ParseUint(id, 10, 31); err == nil {
				out = append(out, uint32(n))
			}
		}
	}
	return out, nil
}

// StoreSession implements libsignal's Session store.
func (s *Store) StoreSession(_ context.Context, address *protocol.SignalAddress, r *record.Session) error {
	a := toAddr(address)
	if err := checkJID(a.jid); err != nil {
		return err
	}
	b := r.Serialize()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := writeFile(s.dir, sessionFile(a), b); err != nil {
		return err
	}
	s.cacheLocked(a, b)
	return nil
}

// ContainsSession implements libsignal's Session store.
func (s *Store) ContainsSession(_ context.Context, address *protocol.SignalAddress) (bool, error) {
	b, err := s.sessionBytes(toAddr(address))
	return b != nil, err
}

// DeleteSession implements libsignal's Session store.
func (s *Store) DeleteSession(_ context.Context, address *protocol.SignalAddress) error {
	a := toAddr(address)
	if err := checkJID(a.jid); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, a)
	err := os.Remove(filepath.Join(s.dir, sessionFile(a)))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// DeleteAllSessions implements libsignal's Session store.
func (s *Store) DeleteAllSessions(_ context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions = map[addr][]byte{}
	d := filepath.Join(s.dir, dirSessions)
	ents, err := os.ReadDir(d)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if err := os.Remove(filepath.Join(d, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// GetIdentityKeyPair implements libsignal's IdentityKey store.
func (s *Store) GetIdentityKeyPair() *identity.KeyPair { return s.identity }

// GetLocalRegistrationID implements libsignal's IdentityKey store: our
// device id.
func (s *Store) GetLocalRegistrationID() uint32 { return s.deviceID }

// SaveIdentity implements libsignal's IdentityKey store and does
// nothing: libsignal calls it before a first message has authenticated,
// so a forged pre-key message could replace a device's key. The caller
// records identities itself (RecordIdentity) once a message decrypted or
// a bundle's signature checked.
func (s *Store) SaveIdentity(context.Context, *protocol.SignalAddress, *identity.Key) error {
	return nil
}

// IsTrustedIdentity implements libsignal's IdentityKey store. It always
// answers true: libsignal's trust-on-first-use check is switched off and
// parley decides trust itself (Trust) before it encrypts to a device or
// shows what it decrypted.
func (s *Store) IsTrustedIdentity(context.Context, *protocol.SignalAddress, *identity.Key) (bool, error) {
	return true, nil
}
