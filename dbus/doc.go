// Package dbus is a minimal D-Bus client: enough of the wire protocol to
// connect to a bus over a unix socket, authenticate with EXTERNAL, say Hello
// and make method calls with a handful of basic types, and (for tests) to
// own a name and answer calls.
//
// Everything read from the bus is untrusted: a message is bounded
// (MaxMessage) before it is read, every length and offset is checked, and
// the decoder knows only the types parley uses (y b u i s o g as a{sv} v);
// anything else is an error, never a panic. Messages are little-endian on
// the way out and either byte order on the way in.
package dbus
