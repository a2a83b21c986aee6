package axolotl

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
)

// KeySize is the AES-128 key size of the payload cipher.
const KeySize = 16

// TagSize is the size of the GCM authentication tag, which legacy OMEMO
// moves from the payload to the end of the encrypted key material.
const TagSize = 16

// IVSize is the nonce size parley sends.
const IVSize = 12

// ErrDecrypt is returned when a payload does not authenticate.
var ErrDecrypt = errors.New("axolotl: payload does not authenticate")

// Seal encrypts plaintext with a fresh random key and nonce. It returns
// the key material to encrypt per device (the 16-byte key followed by the
// 16-byte tag, 32 bytes), the nonce and the ciphertext without its tag.
func Seal(plaintext []byte) (keyTag, iv, payload []byte, err error) {
	key := make([]byte, KeySize)
	iv = make([]byte, IVSize)
	if _, err := rand.Read(key); err != nil {
		return nil, nil, nil, err
	}
	if _, err := rand.Read(iv); err != nil {
		return nil, nil, nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, nil, nil, err
	}
	sealed := gcm.Seal(nil, iv, plaintext, nil)
	n := len(sealed) - TagSize
	keyTag = append(key, sealed[n:]...)
	return keyTag, iv, sealed[:n:n], nil
}

// NewKeyTransport returns fresh key material for a key transport element
// (no payload): 32 random bytes, as Conversations sends.
func NewKeyTransport() (keyTag, iv []byte, err error) {
	keyTag = make([]byte, KeySize+TagSize)
	iv = make([]byte, IVSize)
	if _, err := rand.Read(keyTag); err != nil {
		return nil, nil, err
	}
	if _, err := rand.Read(iv); err != nil {
		return nil, nil, err
	}
	return keyTag, iv, nil
}

// Open decrypts a payload given the decrypted key material. keyTag is the
// 16-byte key followed by the 16-byte tag; a bare 16-byte key (the oldest
// clients, which left the tag on the payload) is accepted too. The nonce
// may be 12 or 16 bytes.
func Open(keyTag, iv, payload []byte) ([]byte, error) {
	var key, tag []byte
	switch {
	case len(keyTag) >= KeySize+TagSize:
		key, tag = keyTag[:KeySize], keyTag[KeySize:KeySize+TagSize]
	case len(keyTag) == KeySize:
		if len(payload) < TagSize {
			return nil, ErrDecrypt
		}
		key = keyTag
	default:
		return nil, ErrDecrypt
	}
	if len(iv) != 12 && len(iv) != 16 {
		return nil, ErrDecrypt
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, ErrDecrypt
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, len(iv))
	if err != nil {
		return nil, ErrDecrypt
	}
	in := make([]byte, 0, len(payload)+len(tag))
	in = append(append(in, payload...), tag...)
	out, err := gcm.Open(nil, iv, in, nil)
	if err != nil {
		return nil, ErrDecrypt
	}
	return out, nil
}
