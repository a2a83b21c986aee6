package axolotl

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ErrMalformed is wrapped by every parse error.
var ErrMalformed = errors.New("axolotl: malformed element")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// child walks the direct children of an element whose start token has been
// read, calling fn for each child start element; fn must consume the child
// entirely (with text or skip). Character data between children is
// ignored. It returns when the parent's end token is read.
func children(r xml.TokenReader, fn func(xml.StartElement) error) error {
	for {
		tok, err := r.Token()
		if err == io.EOF {
			return malformed("unexpected end")
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// skip consumes the rest of an element whose start has been read, to a
// bounded depth.
func skip(r xml.TokenReader) error {
	depth := 1
	for depth > 0 {
		tok, err := r.Token()
		if err == io.EOF {
			return malformed("unexpected end")
		}
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			if depth > MaxDepth {
				return malformed("nested too deep")
			}
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// text reads the character data of a leaf element whose start has been
// read, up to limit bytes; child elements are an error.
func text(r xml.TokenReader, limit int) (string, error) {
	var b strings.Builder
	for {
		tok, err := r.Token()
		if err == io.EOF {
			return "", malformed("unexpected end")
		}
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if b.Len()+len(t) > limit {
				return "", malformed("text longer than %d bytes", limit)
			}
			b.Write(t)
		case xml.StartElement:
			return "", malformed("unexpected <%s> in text", t.Name.Local)
		case xml.EndElement:
			return b.String(), nil
		}
	}
}

// b64 reads a leaf element's base64 text and decodes it, accepting at most
// limit decoded bytes. Whitespace (line breaks some clients insert) is
// ignored; padding is optional.
func b64(r xml.TokenReader, limit int) ([]byte, error) {
	s, err := text(r, base64.StdEncoding.EncodedLen(limit)+limit/8+64)
	if err != nil {
		return nil, err
	}
	return decodeB64(s, limit)
}

func decodeB64(s string, limit int) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
	s = strings.TrimRight(s, "=")
	out, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, malformed("bad base64")
	}
	if len(out) > limit {
		return nil, malformed("%d bytes, more than %d", len(out), limit)
	}
	return out, nil
}

// attr returns the value of the attribute with the given local name.
func attr(se xml.StartElement, name string) (string, bool) {
	for _, a := range se.Attr {
		if a.Name.Local == name && (a.Name.Space == "" || a.Name.Space == se.Name.Space) {
			return a.Value, true
		}
	}
	return "", false
}

// deviceID parses a device id attribute: a decimal number in 1..2^31-1
// (Conversations' range; 0 is never a device).
func deviceID(se xml.StartElement, name string) (uint32, error) {
	v, ok := attr(se, name)
	if !ok {
		return 0, malformed("<%s> without %s", se.Name.Local, name)
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 31)
	if err != nil || n == 0 {
		return 0, malformed("<%s> %s=%q is not a device id", se.Name.Local, name, v)
	}
	return uint32(n), nil
}

// boolAttr reads an XML schema boolean attribute, absent meaning false.
func boolAttr(se xml.StartElement, name string) bool {
	v, _ := attr(se, name)
	v = strings.TrimSpace(v)
	return v == "true" || v == "1"
}

// CheckKey reports whether b is a serialized Curve25519 public key: 33
// bytes with the 0x05 type prefix. libsignal's decoder panics on an empty
// slice and zero-pads a short one, so every key from outside passes here
// first.
func CheckKey(b []byte) error {
	if len(b) != KeyLen {
		return malformed("key of %d bytes, want %d", len(b), KeyLen)
	}
	if b[0] != KeyType {
		return malformed("key type 0x%02x, want 0x05", b[0])
	}
	return nil
}

// startOf reads tokens until the first start element, which it returns;
// it is how the byte-level helpers find the root.
func startOf(r xml.TokenReader) (xml.StartElement, error) {
	for {
		tok, err := r.Token()
		if err != nil {
			if err == io.EOF {
				return xml.StartElement{}, malformed("no element")
			}
			return xml.StartElement{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.EndElement:
			return xml.StartElement{}, malformed("unexpected end")
		}
	}
}

// decoder returns an XML decoder over b, which must hold at most limit
// bytes.
func decoder(b []byte, limit int) (*xml.Decoder, error) {
	if len(b) > limit {
		return nil, malformed("%d bytes, more than %d", len(b), limit)
	}
	d := xml.NewDecoder(strings.NewReader(string(b)))
	d.Strict = true
	return d, nil
}
