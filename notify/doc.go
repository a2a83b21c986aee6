// Package notify tells the user about messages they should see: it decides
// which messages deserve a notification (per conversation modes, kept in a
// flat file), shapes untrusted text for a notification, builds the terminal
// escape sequences (OSC 777, OSC 9) of terminals that show notifications, and
// sends desktop notifications (freedesktop.org Notifications over the D-Bus
// session bus) asynchronously, so that a bus or daemon that does not answer
// never holds up the caller.
package notify
