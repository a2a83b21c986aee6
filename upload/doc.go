// Package upload sends files over XEP-0363 HTTP File Upload and fetches
// the files others send, with XEP-0454 media encryption.
//
// FindService and RequestSlot speak the XMPP half (service discovery of
// the upload service and its size limit, then a slot); Job streams a file
// to the slot's PUT URL, never holding it whole, optionally encrypting it
// with AES-256-GCM first (Encrypter; the result is an aesgcm:// URL that
// must then travel only inside an end-to-end encrypted message). Save
// downloads a URL into a directory, decrypting aesgcm:// links, under a
// name that the network never chooses the directory of (SafeName), and
// never over an existing file. Progress counters are atomic: a UI polls
// them at the rate it draws.
//
// Everything read from the network is bounded: the IQ replies, the slot's
// URLs and headers, the names.
package upload
