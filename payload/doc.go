// Package payload reads and writes the payloads of <message/> stanzas: one
// small parser per child element, registered by (namespace, local name),
// each filling its part of the one message model (package msg); and the
// builders of the payloads parley sends.
//
// # Reading
//
// Registry.Parse reads one stanza from the token reader a mellium handler
// is given, one token at a time (nothing is buffered beyond the fields it
// keeps), within a token budget (MaxTokens) and per-field limits (MaxBody,
// MaxID, MaxReactions, …). It is tolerant: an unknown child is skipped, a
// malformed payload (a missing id, an absurd offset, too long an id) is
// dropped alone and the rest of the message kept, a message without a body
// still yields its payloads. Only an XML error of the stream itself, or a
// from/to that is no JID, fails the whole stanza; Parse always consumes the
// stanza to its end element and never beyond.
//
// # Adding a XEP
//
// A new payload is a Parser registered with Register (in Default, with the
// disco features it implements), the field it fills in msg.Message, a
// builder here when parley sends it, and a rendering rule in the renderer.
// No other parsing code changes. See docs/message-flow.md.
package payload
