// Package axolotl is the wire format of legacy OMEMO (XEP-0384 version 0.3,
// namespace eu.siacs.conversations.axolotl), the one Conversations, Dino,
// Gajim, Monal and profanity speak: the <encrypted> message element, the
// PEP device list and the PEP bundle, and the AES-128-GCM payload cipher
// with the authentication tag carried beside the key.
//
// Every parser here reads untrusted XML from the network. Each one is
// bounded while it reads (element counts, text lengths, nesting), never
// panics, and hands back keys already checked to be 33-byte Curve25519
// points with the 0x05 type prefix, so the crypto layer never sees a
// malformed key.
//
// The package knows nothing of sessions or storage; it is the layer a
// future urn:xmpp:omemo:2 format would sit beside.
package axolotl

// NS is the legacy OMEMO namespace.
const NS = "eu.siacs.conversations.axolotl"

// NodeDeviceList is the PEP node holding a user's device list.
const NodeDeviceList = NS + ".devicelist"

// NodeBundlePrefix is the prefix of the PEP node holding one device's
// bundle; the device id follows it in decimal.
const NodeBundlePrefix = NS + ".bundles:"

// ItemCurrent is the item id used for the device list and bundle items.
const ItemCurrent = "current"

// Limits on what a parser accepts. They are generous for real use and
// small enough that a hostile element cannot hold much memory.
const (
	// MaxKeys is the most <key> elements one <encrypted> may carry (one
	// per recipient device).
	MaxKeys = 500
	// MaxDevices is the most devices a device list may name.
	MaxDevices = 200
	// MaxPreKeys is the most one-time pre-keys a bundle may carry.
	MaxPreKeys = 200
	// MaxKeyBytes bounds one encrypted <key> (a pre-key message is
	// about 150 bytes).
	MaxKeyBytes = 1024
	// MaxPayloadBytes bounds the decoded <payload>.
	MaxPayloadBytes = 64 << 10
	// MaxDepth bounds element nesting inside a parsed element.
	MaxDepth = 8
	// MaxLabelBytes bounds a device label.
	MaxLabelBytes = 256
)

// KeyLen is the length of a serialized Curve25519 public key: the 0x05
// type byte and 32 bytes.
const KeyLen = 33

// KeyType is the type prefix of a serialized Curve25519 public key.
const KeyType = 0x05
