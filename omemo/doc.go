// Package omemo is parley's OMEMO session manager for the legacy protocol
// (XEP-0384 0.3, eu.siacs.conversations.axolotl), on go.mau.fi/libsignal.
//
// A Manager holds one account's keystore. It encrypts a message to every
// usable device of a set of JIDs (our own other devices included), builds
// sessions from bundles, decrypts each message once (a carbon and an
// archive copy of the same message give the same result, not an error),
// and applies the trust policy: blind trust before verification, as
// Conversations, Dino and profanity do (new devices of a contact with no
// verified device are trusted; once one is verified, new ones wait for
// the user's decision), and never a device the user distrusted.
//
// The network side (PEP publish and fetch, stanzas) is the caller's; the
// manager only says which bundles it lacks (NeedBundles) and takes what
// arrives (SetDeviceList, BuildSession). Every input from the network is
// checked before libsignal sees it (keys are 33 bytes with the 0x05
// prefix, ciphertexts are whole blocks), and a panic in libsignal's
// decode path is turned into an error.
package omemo
