package keystore

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpen opens a store one of whose files holds arbitrary bytes: an
// error or a store, never a panic; a store that opens has a full bundle.
func FuzzOpen(f *testing.F) {
	good := f.TempDir()
	if _, err := Open(good); err != nil {
		f.Fatal(err)
	}
	names := []string{fileIdentity, fileSigned, filePreKeys, fileIdentities, fileDevices}
	files := map[string][]byte{}
	for _, n := range names {
		files[n], _ = os.ReadFile(filepath.Join(good, n))
		f.Add(uint8(len(files)-1), files[n])
	}
	f.Add(uint8(3), []byte("bob@x 5 BQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA blind 0\n"))
	f.Add(uint8(4), []byte("bob@x 5 active 0\nbob@x 6 inactive 9\n"))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		dir := t.TempDir()
		for _, n := range names[:3] {
			if err := os.WriteFile(filepath.Join(dir, n), files[n], 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, names[int(which)%len(names)]), data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(dir)
		if err != nil {
			return
		}
		b, err := s.Bundle()
		if err != nil || len(b.PreKeys) < PreKeyCount || len(b.IdentityKey) != 33 {
			t.Fatalf("opened store with a bad bundle: %v", err)
		}
	})
}
