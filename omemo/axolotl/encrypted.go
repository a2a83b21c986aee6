package axolotl

import (
	"encoding/base64"
	"encoding/xml"
	"strconv"

	"mellium.im/xmlstream"
)

// MaxEncryptedBytes bounds the serialized <encrypted> element that
// ParseEncryptedBytes accepts.
const MaxEncryptedBytes = 256 << 10

// Key is one recipient device's copy of the message key, encrypted with
// the Signal session to that device.
type Key struct {
	// RID is the recipient device id.
	RID uint32
	// PreKey is set when Data is a PreKeySignalMessage (the first
	// message of a session), clear when it is a SignalMessage.
	PreKey bool
	// Data is the serialized Signal message.
	Data []byte
}

// Encrypted is the <encrypted> element of a message.
type Encrypted struct {
	// SID is the sender device id.
	SID uint32
	// Keys holds one entry per recipient device.
	Keys []Key
	// IV is the AES-GCM nonce of the payload (12 bytes as Conversations
	// sends it; 16 from older clients).
	IV []byte
	// Payload is the AES-GCM ciphertext without its tag. It is nil in a
	// key transport element (a key with no message, used to complete or
	// repair a session).
	Payload []byte
}

// KeyFor returns the key addressed to device rid.
func (e *Encrypted) KeyFor(rid uint32) (Key, bool) {
	for _, k := range e.Keys {
		if k.RID == rid {
			return k, true
		}
	}
	return Key{}, false
}

// IsKeyTransport reports whether the element carries no payload.
func (e *Encrypted) IsKeyTransport() bool { return e.Payload == nil }

// ParseEncryptedBytes parses a serialized <encrypted> element.
func ParseEncryptedBytes(b []byte) (*Encrypted, error) {
	d, err := decoder(b, MaxEncryptedBytes)
	if err != nil {
		return nil, err
	}
	start, err := startOf(d)
	if err != nil {
		return nil, err
	}
	return ParseEncrypted(start, d)
}

// ParseEncrypted parses an <encrypted> element whose start token has been
// read from r; it consumes r up to and including the element's end.
func ParseEncrypted(start xml.StartElement, r xml.TokenReader) (*Encrypted, error) {
	if start.Name.Local != "encrypted" || start.Name.Space != NS {
		return nil, malformed("not an <encrypted> element")
	}
	e := &Encrypted{}
	var haveHeader bool
	err := children(r, func(se xml.StartElement) error {
		switch se.Name.Local {
		case "header":
			if haveHeader {
				return malformed("two headers")
			}
			haveHeader = true
			return parseHeader(se, r, e)
		case "payload":
			if e.Payload != nil {
				return malformed("two payloads")
			}
			p, err := b64(r, MaxPayloadBytes)
			if err != nil {
				return err
			}
			if p == nil {
				p = []byte{}
			}
			e.Payload = p
			return nil
		default:
			return skip(r)
		}
	})
	if err != nil {
		return nil, err
	}
	if !haveHeader {
		return nil, malformed("no header")
	}
	if len(e.IV) != 12 && len(e.IV) != 16 {
		return nil, malformed("iv of %d bytes", len(e.IV))
	}
	return e, nil
}

func parseHeader(se xml.StartElement, r xml.TokenReader, e *Encrypted) error {
	sid, err := deviceID(se, "sid")
	if err != nil {
		return err
	}
	e.SID = sid
	return children(r, func(se xml.StartElement) error {
		switch se.Name.Local {
		case "key":
			if len(e.Keys) >= MaxKeys {
				return malformed("more than %d keys", MaxKeys)
			}
			rid, err := deviceID(se, "rid")
			if err != nil {
				return err
			}
			data, err := b64(r, MaxKeyBytes)
			if err != nil {
				return err
			}
			if len(data) == 0 {
				return malformed("empty key for %d", rid)
			}
			e.Keys = append(e.Keys, Key{RID: rid, PreKey: boolAttr(se, "prekey"), Data: data})
			return nil
		case "iv":
			if e.IV != nil {
				return malformed("two ivs")
			}
			iv, err := b64(r, 16)
			if err != nil {
				return err
			}
			e.IV = iv
			if e.IV == nil {
				e.IV = []byte{}
			}
			return nil
		default:
			return skip(r)
		}
	})
}

// TokenReader returns the element's tokens, for writing into a stanza.
func (e *Encrypted) TokenReader() xml.TokenReader {
	var keys []xml.TokenReader
	for _, k := range e.Keys {
		attrs := []xml.Attr{{Name: xml.Name{Local: "rid"}, Value: strconv.FormatUint(uint64(k.RID), 10)}}
		if k.PreKey {
			attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "prekey"}, Value: "true"})
		}
		keys = append(keys, xmlstream.Wrap(
			xmlstream.Token(xml.CharData(base64.StdEncoding.EncodeToString(k.Data))),
			xml.StartElement{Name: xml.Name{Local: "key"}, Attr: attrs},
		))
	}
	keys = append(keys, xmlstream.Wrap(
		xmlstream.Token(xml.CharData(base64.StdEncoding.EncodeToString(e.IV))),
		xml.StartElement{Name: xml.Name{Local: "iv"}},
	))
	inner := []xml.TokenReader{xmlstream.Wrap(
		xmlstream.MultiReader(keys...),
		xml.StartElement{Name: xml.Name{Local: "header"}, Attr: []xml.Attr{{Name: xml.Name{Local: "sid"}, Value: strconv.FormatUint(uint64(e.SID), 10)}}},
	)}
	if e.Payload != nil {
		inner = append(inner, xmlstream.Wrap(
			xmlstream.Token(xml.CharData(base64.StdEncoding.EncodeToString(e.Payload))),
			xml.StartElement{Name: xml.Name{Local: "payload"}},
		))
	}
	return xmlstream.Wrap(xmlstream.MultiReader(inner...), xml.StartElement{Name: xml.Name{Space: NS, Local: "encrypted"}})
}

// Marshal returns the element serialized.
func (e *Encrypted) Marshal() ([]byte, error) { return marshal(e.TokenReader()) }
