package upload

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"io"
)

// AES-256-GCM over a stream, as XEP-0454 uses it: the whole file is one GCM
// message (no additional data), the 16-byte tag appended. Go's cipher.AEAD
// seals only whole messages held in memory; this file streams instead, so
// that memory stays flat in the file size. The keystream is AES-CTR from the
// first counter block after J0; the tag's GHASH is accumulated a chunk at a
// time with the standard library's own GHASH (the tag it computes for an
// empty message whose additional data is the chunk), the chunks joined by
// multiplications in GF(2^128).

// Sizes of XEP-0454 key material.
const (
	KeySize   = 32 // AES-256
	IVSize    = 12 // the IV parley generates; decryption also takes 16
	TagSize   = 16
	ghashSpan = 64 << 10 // ciphertext bytes hashed per standard-library call (a multiple of 16)
)

// ErrAuth is returned when a decrypted file's tag does not match: the file
// was altered or the key is wrong. Nothing of it should be kept.
var ErrAuth = errors.New("the file does not match its key (altered, or a wrong key)")

// block128 is an element of GF(2^128) in GCM's bit order: hi holds bytes
// 0-7 big-endian, lo bytes 8-15.
type block128 struct{ hi, lo uint64 }

func load128(b []byte) block128 {
	return block128{binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])}
}

func (x block128) store(b []byte) {
	binary.BigEndian.PutUint64(b, x.hi)
	binary.BigEndian.PutUint64(b[8:], x.lo)
}

func (x block128) xor(y block128) block128 { return block128{x.hi ^ y.hi, x.lo ^ y.lo} }

// mul multiplies in GF(2^128) as GCM defines it (NIST SP 800-38D, 6.3),
// bit by bit: it runs a few times per 64 KiB, never per block.
func (x block128) mul(y block128) block128 {
	var z block128
	v := y
	for i := 0; i < 128; i++ {
		var bit uint64
		if i < 64 {
			bit = x.hi >> (63 - i) & 1
		} else {
			bit = x.lo >> (127 - i) & 1
		}
		if bit == 1 {
			z = z.xor(v)
		}
		carry := v.lo & 1
		v.lo = v.lo>>1 | v.hi<<63
		v.hi >>= 1
		if carry == 1 {
			v.hi ^= 0xe1 << 56
		}
	}
	return z
}

// pow returns x to the n.
func (x block128) pow(n uint64) block128 {
	r := block128{hi: 1 << 63} // the multiplicative identity in GCM's bit order
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			r = r.mul(x)
		}
		x = x.mul(x)
	}
	return r
}

// gcmStream is the state of one GCM message being encrypted or decrypted.
type gcmStream struct {
	block   cipher.Block
	aead    cipher.AEAD // with the zero nonce: its tags give GHASH of additional data
	h       block128    // the hash key E(K, 0)
	adMask  block128    // E(K, 0^96 || 1): the mask of aead's tags
	tagMask [TagSize]byte
	ctr     ctr32

	w       block128 // GHASH so far, times h (see fold)
	pending []byte   // ciphertext not hashed yet, less than ghashSpan
	total   uint64   // ciphertext bytes so far
	hSpan   block128 // h^(ghashSpan/16)
	lSpan   block128 // the length block of a full span, times h
}

func newGCMStream(key, iv []byte) (*gcmStream, error) {
	if len(key) != KeySize {
		return nil, errors.New("aesgcm: the key is not 32 bytes")
	}
	if len(iv) != 12 && len(iv) != 16 {
		return nil, errors.New("aesgcm: the IV is neither 12 nor 16 bytes")
	}
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(blk)
	if err != nil {
		return nil, err
	}
	g := &gcmStream{block: blk, aead: aead, pending: make([]byte, 0, ghashSpan)}
	var b [16]byte
	blk.Encrypt(b[:], b[:])
	g.h = load128(b[:])
	b = [16]byte{15: 1}
	blk.Encrypt(b[:], b[:])
	g.adMask = load128(b[:])
	var j0 [16]byte
	if len(iv) == 12 {
		copy(j0[:], iv)
		j0[15] = 1
	} else { // J0 = GHASH(IV || 0^64 || [128]64)
		y := load128(iv).mul(g.h)
		y = y.xor(block128{lo: 128}).mul(g.h)
		y.store(j0[:])
	}
	blk.Encrypt(g.tagMask[:], j0[:])
	g.ctr = newCTR32(blk, j0)
	g.hSpan = g.h.pow(ghashSpan / 16)
	g.lSpan = block128{hi: ghashSpan * 8}.mul(g.h)
	return g, nil
}

// hash adds ciphertext to the tag's GHASH.
func (g *gcmStream) hash(c []byte) {
	g.total += uint64(len(c))
	for len(c) > 0 {
		n := min(len(c), ghashSpan-len(g.pending))
		g.pending = append(g.pending, c[:n]...)
		c = c[n:]
		if len(g.pending) == ghashSpan {
			g.fold(g.pending, g.hSpan, g.lSpan)
			g.pending = g.pending[:0]
		}
	}
}

// fold joins the GHASH of chunk d (whose blocks number log_h(hk); lk is
// its length block times h) to the running one. With W the GHASH so far
// times h: W' = W·h^k ⊕ G(d), where G(d) = tag ⊕ mask ⊕ L(d)·h is the GHASH
// of d times h, read from the standard library's tag for d as additional
// data.
func (g *gcmStream) fold(d []byte, hk, lk block128) {
	var nonce [12]byte
	tag := g.aead.Seal(nil, nonce[:], nil, d)
	gd := load128(tag).xor(g.adMask).xor(lk)
	g.w = g.w.mul(hk).xor(gd)
}

// tag finishes the GHASH and returns the tag.
func (g *gcmStream) tag() [TagSize]byte {
	if n := len(g.pending); n > 0 {
		blocks := uint64(n+15) / 16
		g.fold(g.pending, g.h.pow(blocks), block128{hi: uint64(n) * 8}.mul(g.h))
		g.pending = g.pending[:0]
	}
	s := g.w.xor(block128{lo: g.total * 8}.mul(g.h))
	var t [TagSize]byte
	s.store(t[:])
	subtle.XORBytes(t[:], t[:], g.tagMask[:])
	return t
}

// ctr32 is GCM's counter mode: the counter block after J0, incremented in
// its last 32 bits only (cipher.NewCTR carries into the rest: a new stream
// starts where the 32 bits wrap).
type ctr32 struct {
	block cipher.Block
	cnt   [16]byte
	s     cipher.Stream
	left  uint64 // bytes before the low 32 bits wrap
}

func newCTR32(b cipher.Block, j0 [16]byte) ctr32 {
	c := ctr32{block: b, cnt: j0}
	c.bump(1)
	c.restart()
	return c
}

// bump adds n to the low 32 bits of the counter.
func (c *ctr32) bump(n uint32) {
	binary.BigEndian.PutUint32(c.cnt[12:], binary.BigEndian.Uint32(c.cnt[12:])+n)
}

func (c *ctr32) restart() {
	c.s = cipher.NewCTR(c.block, c.cnt[:])
	c.left = (1<<32 - uint64(binary.BigEndian.Uint32(c.cnt[12:]))) * 16
}

// xor applies the keystream to p in place. The keystream position moves
// by len(p); callers pass whole blocks except at the end of the message.
func (c *ctr32) xor(p []byte) {
	for len(p) > 0 {
		n := uint64(len(p))
		if n >= c.left {
			n = c.left
			c.s.XORKeyStream(p[:n], p[:n])
			p = p[n:]
			binary.BigEndian.PutUint32(c.cnt[12:], 0)
			c.restart()
			continue
		}
		c.s.XORKeyStream(p, p)
		c.left -= n
		return
	}
}

// Encrypter reads a plaintext stream and yields its AES-256-GCM ciphertext
// followed by the tag. Its output is EncryptedSize(n) bytes for n bytes of
// input.
type Encrypter struct {
	src  io.Reader
	g    *gcmStream
	tail []byte // the tag, once src ended, not yet read
	done bool
	err  error
}

// NewEncrypter encrypts src with key (32 bytes) and iv (12 bytes, fresh
// for every file).
func NewEncrypter(src io.Reader, key, iv []byte) (*Encrypter, error) {
	if len(iv) != IVSize {
		return nil, errors.New("aesgcm: encryption takes a 12-byte IV")
	}
	g, err := newGCMStream(key, iv)
	if err != nil {
		return nil, err
	}
	return &Encrypter{src: src, g: g}, nil
}

// EncryptedSize is the size of the ciphertext with its tag.
func EncryptedSize(n int64) int64 { return n + TagSize }

// Read implements io.Reader.
func (e *Encrypter) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	if e.done {
		if len(e.tail) == 0 {
			return 0, io.EOF
		}
		n := copy(p, e.tail)
		e.tail = e.tail[n:]
		return n, nil
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Whole blocks, so that the keystream and the hash stay aligned, except
	// for the last read of the file.
	if len(p) >= 16 {
		p = p[:len(p)&^15]
	}
	n, err := io.ReadFull(e.src, p)
	if n > 0 {
		e.g.ctr.xor(p[:n])
		e.g.hash(p[:n])
	}
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		t := e.g.tag()
		e.tail, e.done = t[:], true
		return n, nil
	case err != nil:
		e.err = err
		return n, err
	}
	return n, nil
}

// Decrypter reads AES-256-GCM ciphertext with its tag appended and yields
// the plaintext. The tag is checked when the ciphertext ends: the last
// Read returns ErrAuth on a mismatch, so what was read before must not be
// trusted until Read returned io.EOF.
type Decrypter struct {
	src io.Reader
	g   *gcmStream
	buf []byte // read from src, not yet returned; its last TagSize bytes may be the tag
	eof bool
	err error
}

// NewDecrypter decrypts src with key (32 bytes) and iv (12 or 16 bytes).
func NewDecrypter(src io.Reader, key, iv []byte) (*Decrypter, error) {
	g, err := newGCMStream(key, iv)
	if err != nil {
		return nil, err
	}
	return &Decrypter{src: src, g: g, buf: make([]byte, 0, 32<<10)}, nil
}

// Read implements io.Reader. p must hold at least 16 bytes (io.Copy's
// buffer does).
func (d *Decrypter) Read(p []byte) (int, error) {
	for {
		if d.err != nil {
			return 0, d.err
		}
		// Bytes that cannot be the tag, in whole blocks until the end.
		avail := len(d.buf) - TagSize
		if !d.eof {
			avail &^= 15
		}
		if avail > 0 {
			n := min(avail, len(p))
			if n < avail {
				n &^= 15 // the next Read goes on at a block boundary
			}
			if n == 0 {
				return 0, errors.New("aesgcm: read buffer under 16 bytes")
			}
			out := p[:n]
			copy(out, d.buf[:n])
			d.g.hash(out)
			d.g.ctr.xor(out)
			d.buf = append(d.buf[:0], d.buf[n:]...)
			return n, nil
		}
		if d.eof {
			if len(d.buf) < TagSize {
				d.err = errors.New("aesgcm: the file is shorter than its tag")
				return 0, d.err
			}
			want := d.g.tag()
			if subtle.ConstantTimeCompare(want[:], d.buf) != 1 {
				d.err = ErrAuth
				return 0, d.err
			}
			d.err = io.EOF
			return 0, io.EOF
		}
		n, err := d.src.Read(d.buf[len(d.buf):cap(d.buf)])
		d.buf = d.buf[:len(d.buf)+n]
		if err == io.EOF {
			d.eof = true
		} else if err != nil {
			d.err = err
			return 0, err
		}
	}
}
