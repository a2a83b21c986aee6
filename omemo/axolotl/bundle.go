package axolotl

import (
	"encoding/base64"
	"encoding/xml"
	"strconv"
	"strings"

	"mellium.im/xmlstream"
)

// PreKey is a public one-time pre-key of a bundle.
type PreKey struct {
	ID  uint32
	Pub []byte
}

// Bundle is the content of a device's bundle PEP item: what another
// device needs to start a session with it.
type Bundle struct {
	// SignedPreKeyID and SignedPreKey are the signed pre-key.
	SignedPreKeyID uint32
	SignedPreKey   []byte
	// Signature is the identity key's XEdDSA signature of SignedPreKey
	// (64 bytes).
	Signature []byte
	// IdentityKey is the device's public identity key.
	IdentityKey []byte
	// PreKeys are the one-time pre-keys.
	PreKeys []PreKey
}

// ParseBundleBytes parses a serialized <bundle> element.
func ParseBundleBytes(b []byte) (*Bundle, error) {
	d, err := decoder(b, 128<<10)
	if err != nil {
		return nil, err
	}
	start, err := startOf(d)
	if err != nil {
		return nil, err
	}
	return ParseBundle(start, d)
}

// keyID parses a pre-key id attribute: a decimal in 0..2^32-1 (unlike
// device ids, 0 is allowed; some clients number signed pre-keys from 0).
func keyID(se xml.StartElement, name string) (uint32, error) {
	v, ok := attr(se, name)
	if !ok {
		return 0, malformed("<%s> without %s", se.Name.Local, name)
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return 0, malformed("<%s> %s=%q is not a key id", se.Name.Local, name, v)
	}
	return uint32(n), nil
}

// ParseBundle parses a <bundle> element whose start has been read from r.
// All keys are checked (33 bytes, 0x05 prefix); a bad one-time pre-key is
// dropped, a bad identity or signed pre-key is an error, and a bundle
// without one-time pre-keys is an error.
func ParseBundle(start xml.StartElement, r xml.TokenReader) (*Bundle, error) {
	if start.Name.Local != "bundle" || start.Name.Space != NS {
		return nil, malformed("not a <bundle>")
	}
	b := &Bundle{}
	var haveSPK bool
	err := children(r, func(se xml.StartElement) error {
		switch se.Name.Local {
		case "signedPreKeyPublic":
			id, err := keyID(se, "signedPreKeyId")
			if err != nil {
				return err
			}
			k, err := b64(r, 64)
			if err != nil {
				return err
			}
			b.SignedPreKeyID, b.SignedPreKey, haveSPK = id, k, true
			return nil
		case "signedPreKeySignature":
			s, err := b64(r, 128)
			if err != nil {
				return err
			}
			b.Signature = s
			return nil
		case "identityKey":
			k, err := b64(r, 64)
			if err != nil {
				return err
			}
			b.IdentityKey = k
			return nil
		case "prekeys":
			return children(r, func(se xml.StartElement) error {
				if se.Name.Local != "preKeyPublic" {
					return skip(r)
				}
				if len(b.PreKeys) >= MaxPreKeys {
					return malformed("more than %d pre-keys", MaxPreKeys)
				}
				id, err := keyID(se, "preKeyId")
				if err != nil {
					return err
				}
				k, err := b64(r, 64)
				if err != nil {
					return err
				}
				if CheckKey(k) == nil {
					b.PreKeys = append(b.PreKeys, PreKey{ID: id, Pub: k})
				}
				return nil
			})
		default:
			return skip(r)
		}
	})
	if err != nil {
		return nil, err
	}
	if !haveSPK {
		return nil, malformed("bundle without signed pre-key")
	}
	if err := CheckKey(b.SignedPreKey); err != nil {
		return nil, err
	}
	if err := CheckKey(b.IdentityKey); err != nil {
		return nil, err
	}
	if len(b.Signature) != 64 {
		return nil, malformed("signature of %d bytes", len(b.Signature))
	}
	if len(b.PreKeys) == 0 {
		return nil, malformed("bundle without one-time pre-keys")
	}
	return b, nil
}

func leaf(name string, attrs []xml.Attr, data []byte) xml.TokenReader {
	return xmlstream.Wrap(
		xmlstream.Token(xml.CharData(base64.StdEncoding.EncodeToString(data))),
		xml.StartElement{Name: xml.Name{Local: name}, Attr: attrs},
	)
}

// TokenReader returns the <bundle> element's tokens.
func (b *Bundle) TokenReader() xml.TokenReader {
	var pks []xml.TokenReader
	for _, pk := range b.PreKeys {
		pks = append(pks, leaf("preKeyPublic", []xml.Attr{{Name: xml.Name{Local: "preKeyId"}, Value: strconv.FormatUint(uint64(pk.ID), 10)}}, pk.Pub))
	}
	return xmlstream.Wrap(xmlstream.MultiReader(
		leaf("signedPreKeyPublic", []xml.Attr{{Name: xml.Name{Local: "signedPreKeyId"}, Value: strconv.FormatUint(uint64(b.SignedPreKeyID), 10)}}, b.SignedPreKey),
		leaf("signedPreKeySignature", nil, b.Signature),
		leaf("identityKey", nil, b.IdentityKey),
		xmlstream.Wrap(xmlstream.MultiReader(pks...), xml.StartElement{Name: xml.Name{Local: "prekeys"}}),
	), xml.StartElement{Name: xml.Name{Space: NS, Local: "bundle"}})
}

// Marshal returns the element serialized.
func (b *Bundle) Marshal() ([]byte, error) { return marshal(b.TokenReader()) }
