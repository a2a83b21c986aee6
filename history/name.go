package history

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// File names. An account is a directory, a conversation a file in it:
//
//	DIR/<EncodeName(account)>/<EncodeName(conv)>.jsonl        records, oldest first
//	DIR/<EncodeName(account)>/<EncodeName(conv)>~older.jsonl  older archive pages, newest first
//	DIR/.lock                                                 the writer's lock, holds its pid
//
// EncodeName never produces '~' (except as the hash separator of shortened
// names), a leading '.', or upper-case letters, so none of these can collide.
const (
	mainSuffix  = ".jsonl"
	olderSuffix = "~older.jsonl"
	lockName    = ".lock"
	maxNameLen  = 200 // encoded names longer than this are shortened
	keepNameLen = 180 // bytes of the encoded name kept before the hash
)

// EncodeName maps a JID (or any string) to a file name that is safe on every
// common file system: lower-case ASCII letters, digits, '-', '_', '@' and '.'
// pass through (a leading '.' does not); every other byte, upper-case letters
// included, becomes %xx with lower-case hex. The mapping is injective and
// case-insensitive file systems cannot fold two results together. Names whose
// encoding is longer than 200 bytes are cut at 180 bytes and suffixed with
// '~' and 16 hex digits of a SHA-256 of the full encoding; DecodeName reports
// those as not decodable and the store reads the JID from the file header.
func EncodeName(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '@' || (c == '.' && i > 0) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	enc := b.String()
	if len(enc) <= maxNameLen {
		return enc
	}
	sum := sha256.Sum256([]byte(enc))
	cut := keepNameLen
	// Do not cut inside an escape.
	if j := strings.LastIndexByte(enc[cut-2:cut], '%'); j >= 0 {
		cut = cut - 2 + j
	}
	return enc[:cut] + "~" + hex.EncodeToString(sum[:8])
}

// DecodeName inverts EncodeName. ok is false for shortened names (which
// contain '~') and for strings EncodeName cannot have produced.
func DecodeName(name string) (s string, ok bool) {
	if name == "" || name[0] == '.' {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(name))
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '@' || c == '.':
			b.WriteByte(c)
		case c == '%' && i+2 < len(name):
			hi, lo := unhex(name[i+1]), unhex(name[i+2])
			if hi < 0 || lo < 0 {
				return "", false
			}
			v := byte(hi<<4 | lo)
			if (v >= 'a' && v <= 'z') || (v >= '0' && v <= '9') || v == '-' || v == '_' || v == '@' || (v == '.' && i > 0) {
				return "", false // EncodeName never escapes these
			}
			b.WriteByte(v)
			i += 2
		default:
			return "", false
		}
	}
	return b.String(), true
}

// unhex decodes one lower-case hex digit, -1 if it is not one.
func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}
