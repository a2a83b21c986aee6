package keystore

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mau.fi/libsignal/ecc"
	"go.mau.fi/libsignal/keys/identity"
	"go.mau.fi/libsignal/serialize"
)

// File names inside the store directory.
const (
	fileIdentity   = "identity"
	fileSigned     = "signed-prekeys"
	filePreKeys    = "prekeys"
	fileIdentities = "identities"
	fileDevices    = "devices"
	dirSessions    = "sessions"
	magic          = "parley-omemo-store 1"
)

// Store is one account's OMEMO key store. Its methods are safe for
// concurrent use. Methods that change state write the affected file
// before they return.
type Store struct {
	dir string
	ser *serialize.Serializer
	now func() time.Time

	mu        sync.Mutex
	deviceID  uint32
	identity  *identity.KeyPair
	signed    []signedKey // oldest first; the last is current
	preKeys   map[uint32]*preKey
	nextPreID uint32
	remote    map[addr]*Identity
	devices   map[string]map[uint32]*DeviceState
	sessions  map[addr][]byte // cache of session files read or written
}

type addr struct {
	jid    string
	device uint32
}

// Option configures Open.
type Option func(*Store)

// WithClock sets the clock used for key rotation and device timestamps
// (tests use it to step time).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// Open opens the store in dir, creating the directory (0700) and a new
// identity (device id, identity key, signed pre-key, one-time pre-keys)
// when it holds none.
func Open(dir string, opts ...Option) (*Store, error) {
	s := &Store{
		dir:      dir,
		ser:      serialize.NewProtoBufSerializer(),
		now:      time.Now,
		preKeys:  map[uint32]*preKey{},
		remote:   map[addr]*Identity{},
		devices:  map[string]map[uint32]*DeviceState{},
		sessions: map[addr][]byte{},
	}
	for _, o := range opts {
		o(s)
	}
	if err := os.MkdirAll(filepath.Join(dir, dirSessions), 0o700); err != nil {
		return nil, err
	}
	for _, d := range []string{dir, filepath.Join(dir, dirSessions)} {
		if err := os.Chmod(d, 0o700); err != nil {
			return nil, err
		}
	}
	if err := tidy(dir); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.loadIdentity(); err != nil {
		return nil, err
	}
	if err := s.loadSigned(); err != nil {
		return nil, err
	}
	if err := s.loadPreKeys(); err != nil {
		return nil, err
	}
	if err := s.loadIdentities(); err != nil {
		return nil, err
	}
	if err := s.loadDevices(); err != nil {
		return nil, err
	}
	if len(s.signed) == 0 {
		if err := s.newSignedLocked(); err != nil {
			return nil, err
		}
	}
	if err := s.replenishLocked(); err != nil {
		return nil, err
	}
	return s, nil
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

// DeviceID returns our device id (also our Signal registration id, as
// Conversations has it).
func (s *Store) DeviceID() uint32 { return s.deviceID }

// IdentityKey returns our public identity key, serialized (33 bytes).
func (s *Store) IdentityKey() []byte { return s.identity.PublicKey().Serialize() }

func newDeviceID() (uint32, error) {
	var b [4]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			return 0, err
		}
		if id := binary.BigEndian.Uint32(b[:]) & (1<<31 - 1); id != 0 {
			return id, nil
		}
	}
}

func (s *Store) loadIdentity() error {
	b, err := readFile(s.dir, fileIdentity, 4096)
	if err != nil {
		return err
	}
	if b == nil {
		return s.newIdentityLocked()
	}
	var priv, pub []byte
	var haveMagic bool
	err = lines(fileIdentity, b, func(n int, f []string) error {
		if strings.Join(f, " ") == magic {
			haveMagic = true
			return nil
		}
		if len(f) != 2 {
			return corrupt(fileIdentity, n, "want two fields")
		}
		switch f[0] {
		case "device":
			id, err := strconv.ParseUint(f[1], 10, 31)
			if err != nil || id == 0 {
				return corrupt(fileIdentity, n, "bad device id")
			}
			s.deviceID = uint32(id)
		case "private":
			priv, err = base64.StdEncoding.DecodeString(f[1])
		case "public":
			pub, err = base64.StdEncoding.DecodeString(f[1])
		}
		if err != nil {
			return corrupt(fileIdentity, n, "bad base64")
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !haveMagic || s.deviceID == 0 || len(priv) != 32 || checkKey(pub) != nil {
		return corrupt(fileIdentity, 0, "incomplete identity")
	}
	var p [32]byte
	copy(p[:], priv)
	kp := ecc.CreateKeyPair(p[:])
	pk := kp.PublicKey().Serialize()
	if string(pk) != string(pub) {
		return corrupt(fileIdentity, 0, "public key does not match private key")
	}
	s.identity = identity.NewKeyPair(identity.NewKey(kp.PublicKey()), kp.PrivateKey())
	return nil
}

func (s *Store) newIdentityLocked() error {
	id, err := newDeviceID()
	if err != nil {
		return err
	}
	kp, err := ecc.GenerateKeyPair()
	if err != nil {
		return err
	}
	s.deviceID = id
	s.identity = identity.NewKeyPair(identity.NewKey(kp.PublicKey()), kp.PrivateKey())
	priv := kp.PrivateKey().Serialize()
	data := fmt.Sprintf("%s\ndevice %d\nprivate %s\npublic %s\n", magic, id,
		base64.StdEncoding.EncodeToString(priv[:]), base64.StdEncoding.EncodeToString(kp.PublicKey().Serialize()))
	return writeFile(s.dir, fileIdentity, []byte(data))
}

// checkKey is axolotl.CheckKey, kept local so the store does not import
// the wire format.
func checkKey(b []byte) error {
	if len(b) != 33 || b[0] != ecc.DjbType {
		return fmt.Errorf("%w: not a Curve25519 key", ErrCorrupt)
	}
	return nil
}

// decodePoint decodes a checked key; it never panics.
func decodePoint(b []byte) (ecc.ECPublicKeyable, error) {
	if err := checkKey(b); err != nil {
		return nil, err
	}
	return ecc.DecodePoint(b, 0)
}

// tidy removes the temporary files a crash mid-write left behind and
// makes every file private (0600), in dir and its sessions directory.
func tidy(dir string) error {
	for _, d := range []string{dir, filepath.Join(dir, dirSessions)} {
		ents, err := os.ReadDir(d)
		if err != nil {
			return err
		}
		for _, e := range ents {
			p := filepath.Join(d, e.Name())
			if !e.Type().IsRegular() {
				continue
			}
			if strings.HasPrefix(e.Name(), ".") && strings.Contains(e.Name(), ".tmp") {
				if err := os.Remove(p); err != nil {
					return err
				}
				continue
			}
			if fi, err := e.Info(); err == nil && fi.Mode().Perm()&0o077 != 0 {
				if err := os.Chmod(p, 0o600); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
