// Package keystore keeps one account's OMEMO keys and state in flat files
// under a directory the caller names (parley passes
// $XDG_DATA_HOME/parley/omemo/<account>/): the identity key and device id,
// the signed pre-keys, the one-time pre-keys, the Signal sessions, the
// identity keys and trust decisions of other devices, and the device lists
// we know. The format is documented in docs/omemo-store.md.
//
// The directory is 0700 and every file 0600; each file is replaced
// atomically (written beside, synced, renamed, directory synced), so a
// crash leaves either the old or the new content. Every file is read with
// a size bound and parsed defensively: a crafted or torn file is an error,
// never a panic.
//
// Store implements libsignal's store interfaces. Sessions are kept by
// value (serialized bytes, decoded afresh on every load), so a decryption
// that fails half-way cannot leave a mutated session behind. libsignal's
// own trust check is switched off (IsTrustedIdentity is always true);
// trust is decided above, from Trust. A one-time pre-key libsignal removes
// after use is only marked used and stays loadable until FinishCatchUp, so
// several copies of a first message (live, carbon, archive) all decrypt.
package keystore
