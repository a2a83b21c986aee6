// Package e2e holds the end-to-end tests of parley: they build the real
// binary and drive it from the outside (its command line; a whole session in
// tmux against a private Prosody, with a slixmpp peer). It has no code of its
// own besides the tests.
package e2e
