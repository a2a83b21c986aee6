package keystore

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.mau.fi/libsignal/ecc"
	"go.mau.fi/libsignal/state/record"
)

// PreKeyCount is how many one-time pre-keys the store keeps published.
const PreKeyCount = 100

// SignedPreKeyPeriod is how often the signed pre-key is rotated.
const SignedPreKeyPeriod = 7 * 24 * time.Hour

// SignedPreKeyKeep is how long a replaced signed pre-key is kept, for
// first messages built on it that are still on their way (archive).
const SignedPreKeyKeep = 4 * SignedPreKeyPeriod

// PreKeyGrace is how long a used one-time pre-key stays loadable after it
// was used, past the catch-up that replaces it: two senders that fetched
// the same bundle may both pick the same key, and the second one's first
// message must still decrypt after the first one's made us republish.
const PreKeyGrace = 10 * time.Minute

// maxUsedPreKeys bounds the used pre-keys kept within their grace (a peer
// spending keys fast): past it the ones used longest ago go first.
const maxUsedPreKeys = 2 * PreKeyCount // with the fresh ones, well under the 4*PreKeyCount a file may hold

// maxPreKeyID is the largest one-time pre-key id (libsignal's medium
// range); ids wrap round to 1 after it.
const maxPreKeyID = 0xFFFFFE

type signedKey struct {
	created time.Time
	priv    [32]byte
	sig     [64]byte
	id      uint32
}

type preKey struct {
	used   bool
	usedAt time.Time // when it was used (not stored: a used key loaded from the file counts from the load)
	priv   [32]byte
}

// PublicPreKey is one one-time pre-key as published.
type PublicPreKey struct {
	ID  uint32
	Pub []byte
}

// PublicBundle is what our bundle publishes.
type PublicBundle struct {
	IdentityKey    []byte
	SignedPreKeyID uint32
	SignedPreKey   []byte
	Signature      []byte
	PreKeys        []PublicPreKey
}

// The records are rebuilt from the private keys: libsignal's record
// decoder takes the first 32 bytes of the 33-byte serialized public key
// (type byte included), so its serialized records do not round-trip.
func (s *Store) signedRecord(k signedKey) *record.SignedPreKey {
	return record.NewSignedPreKey(k.id, k.created.UnixMilli(), ecc.CreateKeyPair(k.priv[:]), k.sig, s.ser.SignedPreKeyRecord)
}

func (s *Store) preRecord(id uint32, k *preKey) *record.PreKey {
	return record.NewPreKey(id, ecc.CreateKeyPair(k.priv[:]), s.ser.PreKeyRecord)
}

func decode32(s string) ([32]byte, bool) {
	var out [32]byte
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != 32 {
		return out, false
	}
	copy(out[:], b)
	return out, true
}

// safely runs a libsignal decoder, turning a panic into an error (the
// store's files are ours but may have been damaged or crafted).
func safely[T any](fn func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}()
	return fn()
}

func (s *Store) loadSigned() error {
	b, err := readFile(s.dir, fileSigned, maxFile)
	if err != nil || b == nil {
		return err
	}
	return lines(fileSigned, b, func(n int, f []string) error {
		if len(f) != 4 {
			return corrupt(fileSigned, n, "want id, time, private key, signature")
		}
		id, err1 := strconv.ParseUint(f[0], 10, 32)
		ts, err2 := strconv.ParseInt(f[1], 10, 64)
		priv, ok := decode32(f[2])
		sig, err3 := base64.StdEncoding.DecodeString(f[3])
		if err1 != nil || err2 != nil || err3 != nil || !ok || len(sig) != 64 {
			return corrupt(fileSigned, n, "bad field")
		}
		if len(s.signed) >= 64 {
			return corrupt(fileSigned, n, "too many signed pre-keys")
		}
		k := signedKey{id: uint32(id), created: time.Unix(ts, 0), priv: priv}
		copy(k.sig[:], sig)
		if !ecc.VerifySignature(s.identity.PublicKey().PublicKey(), ecc.CreateKeyPair(priv[:]).PublicKey().Serialize(), k.sig) {
			return corrupt(fileSigned, n, "signature does not match the identity key")
		}
		s.signed = append(s.signed, k)
		return nil
	})
}

func (s *Store) saveSignedLocked() error {
	var b strings.Builder
	for _, k := range s.signed {
		fmt.Fprintf(&b, "%d %d %s %s\n", k.id, k.created.Unix(), base64.StdEncoding.EncodeToString(k.priv[:]), base64.StdEncoding.EncodeToString(k.sig[:]))
	}
	return writeFile(s.dir, fileSigned, []byte(b.String()))
}

func (s *Store) newSignedLocked() error {
	var id uint32 = 1
	if n := len(s.signed); n > 0 {
		id = s.signed[n-1].id + 1
	}
	kp, err := ecc.GenerateKeyPair()
	if err != nil {
		return err
	}
	sig := ecc.CalculateSignature(s.identity.PrivateKey(), kp.PublicKey().Serialize())
	s.signed = append(s.signed, signedKey{id: id, created: s.now(), priv: kp.PrivateKey().Serialize(), sig: sig})
	return s.saveSignedLocked()
}

// RotateSignedPreKey replaces the signed pre-key when it is older than
// SignedPreKeyPeriod, and drops replaced ones older than SignedPreKeyKeep.
// It reports whether the bundle changed (and must be republished).
func (s *Store) RotateSignedPreKey() (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	cur := s.signed[len(s.signed)-1]
	if now.Sub(cur.created) < SignedPreKeyPeriod {
		return false, nil
	}
	keep := s.signed[:0]
	for _, k := range s.signed {
		if now.Sub(k.created) < SignedPreKeyKeep+SignedPreKeyPeriod {
			keep = append(keep, k)
		}
	}
	s.signed = keep
	return true, s.newSignedLocked()
}

func (s *Store) loadPreKeys() error {
	s.nextPreID = 1
	b, err := readFile(s.dir, filePreKeys, maxFile)
	if err != nil || b == nil {
		return err
	}
	return lines(filePreKeys, b, func(n int, f []string) error {
		if len(f) == 2 && f[0] == "next" {
			id, err := strconv.ParseUint(f[1], 10, 32)
			if err != nil || id == 0 || id > maxPreKeyID {
				return corrupt(filePreKeys, n, "bad next id")
			}
			s.nextPreID = uint32(id)
			return nil
		}
		if len(f) != 3 || (f[1] != "fresh" && f[1] != "used") {
			return corrupt(filePreKeys, n, "want id, fresh|used, private key")
		}
		id, err1 := strconv.ParseUint(f[0], 10, 32)
		priv, ok := decode32(f[2])
		if err1 != nil || !ok || id == 0 || id > maxPreKeyID {
			return corrupt(filePreKeys, n, "bad field")
		}
		if len(s.preKeys) >= 4*PreKeyCount {
			return corrupt(filePreKeys, n, "too many pre-keys")
		}
		k := &preKey{used: f[1] == "used", priv: priv}
		if k.used {
			k.usedAt = s.now()
		}
		s.preKeys[uint32(id)] = k
		return nil
	})
}

func (s *Store) savePreKeysLocked() error {
	ids := make([]uint32, 0, len(s.preKeys))
	for id := range s.preKeys {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var b strings.Builder
	fmt.Fprintf(&b, "next %d\n", s.nextPreID)
	for _, id := range ids {
		st := "fresh"
		if s.preKeys[id].used {
			st = "used"
		}
		fmt.Fprintf(&b, "%d %s %s\n", id, st, base64.StdEncoding.EncodeToString(s.preKeys[id].priv[:]))
	}
	return writeFile(s.dir, filePreKeys, []byte(b.String()))
}

// replenishLocked generates fresh pre-keys until PreKeyCount are fresh.
func (s *Store) replenishLocked() error {
	fresh := 0
	for _, k := range s.preKeys {
		if !k.used {
			fresh++
		}
	}
	if fresh >= PreKeyCount {
		return nil
	}
	for ; fresh < PreKeyCount; fresh++ {
		id := s.nextPreID
		for s.preKeys[id] != nil {
			id = id%maxPreKeyID + 1
		}
		kp, err := ecc.GenerateKeyPair()
		if err != nil {
			return err
		}
		s.preKeys[id] = &preKey{priv: kp.PrivateKey().Serialize()}
		s.nextPreID = id%maxPreKeyID + 1
	}
	return s.savePreKeysLocked()
}

// FinishCatchUp replaces the one-time pre-keys used since the last call
// with new ones, and deletes those used more than PreKeyGrace ago (the rest
// stay loadable: other first messages built on them may be on their way);
// call it once the archive catch-up after a login has ended, and after
// first messages were answered. It reports whether the bundle changed
// (republish it).
func (s *Store) FinishCatchUp() (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var kept []uint32
	deleted := false
	for id, k := range s.preKeys {
		switch {
		case !k.used:
		case now.Sub(k.usedAt) >= PreKeyGrace:
			delete(s.preKeys, id)
			deleted = true
		default:
			kept = append(kept, id)
		}
	}
	if len(kept) > maxUsedPreKeys {
		sort.Slice(kept, func(i, j int) bool { return s.preKeys[kept[i]].usedAt.After(s.preKeys[kept[j]].usedAt) })
		for _, id := range kept[maxUsedPreKeys:] {
			delete(s.preKeys, id)
		}
		deleted = true
	}
	fresh := 0
	for _, k := range s.preKeys {
		if !k.used {
			fresh++
		}
	}
	if fresh >= PreKeyCount {
		if deleted {
			return false, s.savePreKeysLocked()
		}
		return false, nil
	}
	return true, s.replenishLocked()
}

// Bundle returns what our bundle publishes: identity key, current signed
// pre-key and the fresh one-time pre-keys.
func (s *Store) Bundle() (*PublicBundle, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.signed[len(s.signed)-1]
	b := &PublicBundle{
		IdentityKey:    s.identity.PublicKey().Serialize(),
		SignedPreKeyID: cur.id,
		SignedPreKey:   ecc.CreateKeyPair(cur.priv[:]).PublicKey().Serialize(),
		Signature:      append([]byte(nil), cur.sig[:]...),
	}
	for id, k := range s.preKeys {
		if !k.used {
			b.PreKeys = append(b.PreKeys, PublicPreKey{ID: id, Pub: ecc.CreateKeyPair(k.priv[:]).PublicKey().Serialize()})
		}
	}
	sort.Slice(b.PreKeys, func(i, j int) bool { return b.PreKeys[i].ID < b.PreKeys[j].ID })
	return b, nil
}

// LoadPreKey implements libsignal's PreKey store; a used key stays
// loadable until FinishCatchUp.
func (s *Store) LoadPreKey(_ context.Context, id uint32) (*record.PreKey, error) {
	s.mu.Lock()
	k := s.preKeys[id]
	s.mu.Unlock()
	if k == nil {
		return nil, nil
	}
	return s.preRecord(id, k), nil
}

// StorePreKey implements libsignal's PreKey store.
func (s *Store) StorePreKey(_ context.Context, id uint32, r *record.PreKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.preKeys[id] = &preKey{priv: r.KeyPair().PrivateKey().Serialize()}
	return s.savePreKeysLocked()
}

// ContainsPreKey implements libsignal's PreKey store.
func (s *Store) ContainsPreKey(_ context.Context, id uint32) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.preKeys[id] != nil, nil
}

// RemovePreKey implements libsignal's PreKey store: the key is marked
// used, not deleted (see FinishCatchUp).
func (s *Store) RemovePreKey(_ context.Context, id uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.preKeys[id]
	if k == nil || k.used {
		return nil
	}
	k.used, k.usedAt = true, s.now()
	return s.savePreKeysLocked()
}

// LoadSignedPreKey implements libsignal's SignedPreKey store.
func (s *Store) LoadSignedPreKey(_ context.Context, id uint32) (*record.SignedPreKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.signed {
		if k.id == id {
			return s.signedRecord(k), nil
		}
	}
	return nil, nil
}

// LoadSignedPreKeys implements libsignal's SignedPreKey store.
func (s *Store) LoadSignedPreKeys(ctx context.Context) ([]*record.SignedPreKey, error) {
	s.mu.Lock()
	ids := make([]uint32, len(s.signed))
	for i, k := range s.signed {
		ids[i] = k.id
	}
	s.mu.Unlock()
	var out []*record.SignedPreKey
	for _, id := range ids {
		r, err := s.LoadSignedPreKey(ctx, id)
		if err != nil {
			return nil, err
		}
		if r != nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// StoreSignedPreKey implements libsignal's SignedPreKey store.
func (s *Store) StoreSignedPreKey(_ context.Context, id uint32, r *record.SignedPreKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := signedKey{id: id, created: s.now(), priv: r.KeyPair().PrivateKey().Serialize(), sig: r.Signature()}
	for i, old := range s.signed {
		if old.id == id {
			s.signed[i] = k
			return s.saveSignedLocked()
		}
	}
	s.signed = append(s.signed, k)
	return s.saveSignedLocked()
}

// ContainsSignedPreKey implements libsignal's SignedPreKey store.
func (s *Store) ContainsSignedPreKey(ctx context.Context, id uint32) (bool, error) {
	r, err := s.LoadSignedPreKey(ctx, id)
	return r != nil, err
}

// RemoveSignedPreKey implements libsignal's SignedPreKey store; the
// current key is never removed.
func (s *Store) RemoveSignedPreKey(_ context.Context, id uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, k := range s.signed {
		if k.id == id && i != len(s.signed)-1 {
			s.signed = append(s.signed[:i], s.signed[i+1:]...)
			return s.saveSignedLocked()
		}
	}
	return nil
}
