package keystore

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenPersists(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "acct")
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	if len(b.PreKeys) != PreKeyCount || len(b.IdentityKey) != 33 || len(b.Signature) != 64 {
		t.Fatalf("bundle %d pre-keys", len(b.PreKeys))
	}
	for _, p := range []string{dir, filepath.Join(dir, dirSessions)} {
		fi, _ := os.Stat(p)
		if fi.Mode().Perm() != 0o700 {
			t.Errorf("%s mode %v", p, fi.Mode())
		}
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		fi, _ := e.Info()
		if fi.Mode().IsRegular() && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", e.Name(), fi.Mode())
		}
	}
	if err := s.SetDeviceList("bob@example.org", []uint32{5, 6}); err != nil {
		t.Fatal(err)
	}
	key := append([]byte{5}, make([]byte, 32)...)
	if _, err := s.RecordIdentity("bob@example.org", 5, key); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTrust("bob@example.org", 5, TrustVerified); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := s2.Bundle()
	if s2.DeviceID() != s.DeviceID() || string(b2.IdentityKey) != string(b.IdentityKey) || b2.SignedPreKeyID != b.SignedPreKeyID || len(b2.PreKeys) != PreKeyCount || string(b2.PreKeys[0].Pub) != string(b.PreKeys[0].Pub) {
		t.Fatal("reopened store differs")
	}
	if id, ok := s2.Identity("bob@example.org", 5); !ok || id.Trust != TrustVerified {
		t.Fatalf("identity %+v %v", id, ok)
	}
	if got := s2.ActiveDevices("bob@example.org"); len(got) != 2 {
		t.Fatalf("devices %v", got)
	}
	s2.SetDeviceList("bob@example.org", []uint32{6})
	if got := s2.Devices("bob@example.org"); len(got) != 2 || got[0].Active || !got[1].Active {
		t.Fatalf("devices after removal %+v", got)
	}
}

func TestPreKeyKeptUntilCatchUp(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	s, err := Open(t.TempDir(), WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Bundle()
	id := b.PreKeys[3].ID
	if err := s.RemovePreKey(ctx, id); err != nil {
		t.Fatal(err)
	}
	if r, err := s.LoadPreKey(ctx, id); err != nil || r == nil {
		t.Fatalf("used pre-key gone before catch-up: %v", err)
	}
	if b, _ := s.Bundle(); len(b.PreKeys) != PreKeyCount-1 {
		t.Fatalf("used key still published: %d", len(b.PreKeys))
	}
	changed, err := s.FinishCatchUp()
	if err != nil || !changed {
		t.Fatalf("FinishCatchUp %v %v", changed, err)
	}
	if b, _ := s.Bundle(); len(b.PreKeys) != PreKeyCount {
		t.Fatalf("not replenished: %d", len(b.PreKeys))
	}
	// Within its grace the used key still decrypts a second sender's first
	// message built on the same bundle.
	now = now.Add(PreKeyGrace - time.Second)
	if changed, _ := s.FinishCatchUp(); changed {
		t.Fatal("second FinishCatchUp changed the bundle")
	}
	if r, _ := s.LoadPreKey(ctx, id); r == nil {
		t.Fatal("used pre-key gone within its grace")
	}
	now = now.Add(time.Second)
	if changed, err := s.FinishCatchUp(); changed || err != nil {
		t.Fatalf("FinishCatchUp after the grace: %v %v", changed, err)
	}
	if r, _ := s.LoadPreKey(ctx, id); r != nil {
		t.Fatal("used pre-key kept past its grace")
	}
}

// TestUsedPreKeysBounded spends many keys at once: FinishCatchUp keeps at
// most maxUsedPreKeys of them, the most recently used.
func TestUsedPreKeysBounded(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	s, err := Open(t.TempDir(), WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	var last uint32
	for round := 0; round < 4; round++ {
		b, _ := s.Bundle()
		for _, k := range b.PreKeys {
			now = now.Add(time.Millisecond)
			if err := s.RemovePreKey(ctx, k.ID); err != nil {
				t.Fatal(err)
			}
			last = k.ID
		}
		if _, err := s.FinishCatchUp(); err != nil {
			t.Fatal(err)
		}
	}
	used := 0
	s.mu.Lock()
	for _, k := range s.preKeys {
		if k.used {
			used++
		}
	}
	s.mu.Unlock()
	if used != maxUsedPreKeys {
		t.Fatalf("%d used pre-keys kept, want %d", used, maxUsedPreKeys)
	}
	if r, _ := s.LoadPreKey(ctx, last); r == nil {
		t.Fatal("the key used last was not kept")
	}
	if s2, err := Open(s.dir); err != nil || len(s2.preKeys) != maxUsedPreKeys+PreKeyCount {
		t.Fatalf("reopened: %v", err)
	}
}

func TestSignedPreKeyRotation(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s, err := Open(t.TempDir(), WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	b0, _ := s.Bundle()
	if rotated, _ := s.RotateSignedPreKey(); rotated {
		t.Fatal("rotated a fresh key")
	}
	now = now.Add(SignedPreKeyPeriod + time.Hour)
	if rotated, err := s.RotateSignedPreKey(); !rotated || err != nil {
		t.Fatalf("not rotated: %v", err)
	}
	b1, _ := s.Bundle()
	if b1.SignedPreKeyID == b0.SignedPreKeyID {
		t.Fatal("same id")
	}
	ctx := context.Background()
	if r, _ := s.LoadSignedPreKey(ctx, b0.SignedPreKeyID); r == nil {
		t.Fatal("previous signed pre-key dropped at once")
	}
	for i := 0; i < 6; i++ {
		now = now.Add(SignedPreKeyPeriod + time.Hour)
		s.RotateSignedPreKey()
	}
	if r, _ := s.LoadSignedPreKey(ctx, b0.SignedPreKeyID); r != nil {
		t.Fatal("old signed pre-key kept forever")
	}
	if ks, _ := s.LoadSignedPreKeys(ctx); len(ks) > 6 {
		t.Fatalf("%d signed pre-keys kept", len(ks))
	}
}

// TestCorruptFiles opens stores whose files were damaged or crafted: each
// is an error, never a panic.
func TestCorruptFiles(t *testing.T) {
	good := t.TempDir()
	if _, err := Open(good); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string { b, _ := os.ReadFile(filepath.Join(good, name)); return string(b) }
	for _, tc := range []struct{ file, content string }{
		{fileIdentity, "garbage"},
		{fileIdentity, magic + "\ndevice 5\nprivate AAAA\npublic AAAA\n"},
		{fileIdentity, read(fileIdentity)[:len(read(fileIdentity))/2]},
		{fileSigned, "1 2 !!!\n"},
		{fileSigned, "1 2 AAAA AAAA\n"},
		{fileSigned, "1 2 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= " + strings.Repeat("A", 86) + "==\n"},
		{filePreKeys, "next 1\n1 fresh CgA=\n"},
		{filePreKeys, "next 0\n"},
		{filePreKeys, "1 eaten AAAA\n"},
		{fileIdentities, "bob@x 5 AAAA blind 0\n"},
		{fileIdentities, "bob@x 5 BQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA gullible 0\n"},
		{fileDevices, "bob@x 0 active 0\n"},
		{fileDevices, "bob@x 5 maybe 0\n"},
	} {
		dir := t.TempDir()
		for _, n := range []string{fileIdentity, fileSigned, filePreKeys} {
			os.WriteFile(filepath.Join(dir, n), []byte(read(n)), 0o600)
		}
		os.WriteFile(filepath.Join(dir, tc.file), []byte(tc.content), 0o600)
		if _, err := Open(dir); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s %q: %v", tc.file, tc.content, err)
		}
	}
}

func TestBadJID(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range []string{"", "a b@c", "a\n@c", "../x"} {
		if err := s.SetDeviceList(j, []uint32{1}); err == nil {
			t.Errorf("%q accepted", j)
		}
	}
}

func TestKeyChangeTrust(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	k1 := append([]byte{5}, make([]byte, 32)...)
	k2 := append([]byte{5}, bytes.Repeat([]byte{1}, 32)...)
	for _, tc := range []struct{ before, after Trust }{
		{TrustBlind, TrustUnknown}, {TrustVerified, TrustUndecided}, {TrustDistrusted, TrustUndecided}, {TrustUndecided, TrustUndecided},
	} {
		s.RecordIdentity("bob@x", 7, k1)
		s.SetTrust("bob@x", 7, tc.before)
		id, err := s.RecordIdentity("bob@x", 7, k2)
		if err != nil || id.Trust != tc.after {
			t.Errorf("%s then key change: %s %v", tc.before, id.Trust, err)
		}
		s.RecordIdentity("bob@x", 7, k1)
	}
	// The same key again changes nothing.
	s.SetTrust("bob@x", 7, TrustVerified)
	if id, _ := s.RecordIdentity("bob@x", 7, k1); id.Trust != TrustVerified {
		t.Fatalf("same key reset trust to %s", id.Trust)
	}
}

func TestTidy(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, ".prekeys.tmp123")
	os.WriteFile(stale, []byte("half"), 0o600)
	os.Chmod(filepath.Join(dir, fileIdentity), 0o644)
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatal("stale temporary file kept")
	}
	if fi, _ := os.Stat(filepath.Join(dir, fileIdentity)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("identity mode %v", fi.Mode())
	}
}
