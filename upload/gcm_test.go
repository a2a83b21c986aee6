package upload

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// sealed is the standard library's AES-GCM of plain: the reference.
func sealed(t testing.TB, key, iv, plain []byte) []byte {
	blk, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCMWithNonceSize(blk, len(iv))
	if err != nil {
		t.Fatal(err)
	}
	return aead.Seal(nil, iv, plain, nil)
}

func random(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

var gcmSizes = []int{0, 1, 15, 16, 17, 31, 32, 1000, ghashSpan - 1, ghashSpan, ghashSpan + 1, 3*ghashSpan + 7, 200_003}

func TestEncrypterMatchesStandardGCM(t *testing.T) {
	key := random(t, KeySize)
	for _, n := range gcmSizes {
		iv := random(t, IVSize)
		plain := random(t, n)
		for _, r := range []struct {
			name string
			wrap func(io.Reader) io.Reader
		}{{"whole", func(r io.Reader) io.Reader { return r }}, {"one byte", iotest.OneByteReader}, {"half", iotest.HalfReader}} {
			enc, err := NewEncrypter(r.wrap(bytes.NewReader(plain)), key, iv)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(enc)
			if err != nil {
				t.Fatalf("%d bytes, %s: %v", n, r.name, err)
			}
			if want := sealed(t, key, iv, plain); !bytes.Equal(got, want) {
				t.Fatalf("%d bytes, %s: ciphertext differs from crypto/cipher's GCM", n, r.name)
			}
			if int64(len(got)) != EncryptedSize(int64(n)) {
				t.Fatalf("%d bytes: %d out, EncryptedSize says %d", n, len(got), EncryptedSize(int64(n)))
			}
		}
	}
}

func TestDecrypter(t *testing.T) {
	key := random(t, KeySize)
	for _, ivLen := range []int{12, 16} {
		for _, n := range gcmSizes {
			iv := random(t, ivLen)
			plain := random(t, n)
			ct := sealed(t, key, iv, plain)
			for _, wrap := range []func(io.Reader) io.Reader{func(r io.Reader) io.Reader { return r }, iotest.OneByteReader, iotest.DataErrReader} {
				dec, err := NewDecrypter(wrap(bytes.NewReader(ct)), key, iv)
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(dec)
				if err != nil || !bytes.Equal(got, plain) {
					t.Fatalf("iv %d, %d bytes: err %v, equal %t", ivLen, n, err, bytes.Equal(got, plain))
				}
			}
			// Any changed byte, the tag's included, fails the check.
			if n > 0 {
				for _, at := range []int{0, len(ct) / 2, len(ct) - 1} {
					bad := bytes.Clone(ct)
					bad[at] ^= 1
					dec, _ := NewDecrypter(bytes.NewReader(bad), key, iv)
					if _, err := io.ReadAll(dec); !errors.Is(err, ErrAuth) {
						t.Fatalf("iv %d, %d bytes, byte %d flipped: err %v, want ErrAuth", ivLen, n, at, err)
					}
				}
			}
		}
	}
	dec, _ := NewDecrypter(bytes.NewReader([]byte("short")), key, random(t, 12))
	if _, err := io.ReadAll(dec); err == nil {
		t.Fatal("a file shorter than a tag decrypted")
	}
}

// The counter wraps in its last 32 bits only (a 16-byte IV can start
// anywhere): the keystream must match GCM's across the wrap.
func TestCTR32Wrap(t *testing.T) {
	key := random(t, KeySize)
	blk, _ := aes.NewCipher(key)
	var j0 [16]byte
	copy(j0[:], random(t, 16))
	j0[12], j0[13], j0[14], j0[15] = 0xff, 0xff, 0xff, 0xfd // three blocks before the wrap
	c := newCTR32(blk, j0)
	got := make([]byte, 6*16+5)
	c.xor(got[:20])
	c.xor(got[20:])
	want := make([]byte, 0, len(got))
	cnt := j0
	for len(want) < len(got) {
		cnt[15]++ // inc32 by hand: the low 32 bits
		if cnt[15] == 0 {
			cnt[14]++
			if cnt[14] == 0 {
				cnt[13]++
				if cnt[13] == 0 {
					cnt[12]++
				}
			}
		}
		var ks [16]byte
		blk.Encrypt(ks[:], cnt[:])
		want = append(want, ks[:]...)
	}
	if !bytes.Equal(got, want[:len(got)]) {
		t.Fatal("keystream differs from GCM's inc32 across the wrap")
	}
}

func BenchmarkEncrypter(b *testing.B) {
	key, iv := random(b, KeySize), random(b, IVSize)
	src := make([]byte, 8<<20)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		enc, _ := NewEncrypter(bytes.NewReader(src), key, iv)
		if _, err := io.Copy(io.Discard, enc); err != nil {
			b.Fatal(err)
		}
	}
}
