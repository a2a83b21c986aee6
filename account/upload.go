package account

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"parley/msg"
	"parley/payload"
	"parley/upload"
)

// Files (XEP-0363 HTTP upload, package upload): the account finds the
// upload service and asks for slots over its session; the transfer itself
// is HTTP, outside the session, with the same trust as the connection.

// httpTimeout bounds an HTTP transfer's connect, TLS handshake and the
// wait for response headers; the body itself may take as long as it takes.
const httpTimeout = 30 * time.Second

// UploadService finds the HTTP upload service of the account's server (the
// server itself, else one of its disco items) and its size limit. It waits
// for replies: call it outside the stanza handler.
func (a *Account) UploadService(ctx context.Context) (upload.Service, error) {
	sess, err := a.online()
	if err != nil {
		return upload.Service{}, err
	}
	server, err := jid.New("", a.bare.Domainpart(), "")
	if err != nil {
		return upload.Service{}, err
	}
	ctx, cancel := reqCtx(ctx)
	defer cancel()
	svc, err := upload.FindService(ctx, sess, server)
	if errors.Is(err, upload.ErrNoService) {
		return upload.Service{}, fmt.Errorf("%s offers no HTTP file upload (XEP-0363)", server)
	}
	return svc, err
}

// UploadSlot finds the upload service and asks it for a slot for a file
// of size bytes; a file over the service's limit is refused before
// anything is asked (*upload.TooLargeError). It waits for replies: call it
// outside the stanza handler.
func (a *Account) UploadSlot(ctx context.Context, name string, size int64, ctype string) (upload.Slot, error) {
	svc, err := a.UploadService(ctx)
	if err != nil {
		return upload.Slot{}, err
	}
	sess, err := a.online()
	if err != nil {
		return upload.Slot{}, err
	}
	ctx, cancel := reqCtx(ctx)
	defer cancel()
	return upload.RequestSlot(ctx, sess, svc, name, size, ctype)
}

// SendFile sends the URL of an uploaded file (or any URL to share) to a
// contact, a room or an occupant like SendMessage: the URL as the body, so
// that every client shows it, and as a XEP-0066 out-of-band element, so
// that clients that show files inline (Conversations, Dino, Gajim) do. It
// goes through the same ordered path as messages (the outbox included) and
// is emitted with OOB set.
//
// An aesgcm:// URL (XEP-0454: it holds the file's key) goes only inside an
// OMEMO message to a contact: the URL is the encrypted body, with no OOB
// element and no plain body beside the fallback; when the message cannot
// be encrypted (a room, OMEMO off for the contact, no trusted device) it
// is refused and nothing is sent.
func (a *Account) SendFile(ctx context.Context, to jid.JID, typ, url, desc string) (Message, error) {
	if url == "" || len(url) > payload.MaxURL {
		return Message{}, errors.New("file: no URL, or one too long to send")
	}
	if strings.HasPrefix(strings.ToLower(url), "aesgcm://") {
		if !a.EncryptFiles(ctx, to, typ) {
			return Message{}, fmt.Errorf("an encrypted file's link (aesgcm://) goes only in an OMEMO conversation, and OMEMO is off for %s: not sent", to.Bare())
		}
		return a.send(ctx, Message{To: to, Type: typ, Body: url, mustSeal: true})
	}
	return a.send(ctx, Message{To: to, Type: typ, Body: url, OOB: []msg.OOB{{URL: url, Desc: desc}}})
}

// EncryptFiles reports whether a file sent to `to` with message type typ
// is to be encrypted (XEP-0454): when messages to it are OMEMO-encrypted,
// that is a 1:1 conversation with a contact (never a room or an occupant)
// where OMEMO is on. In the automatic mode it asks for the contact's
// device list first, once per session, as the send path does. It may wait
// for a reply: call it outside the stanza handler.
func (a *Account) EncryptFiles(ctx context.Context, to jid.JID, typ string) bool {
	if a.om.mgr == nil || typ == "groupchat" || to.Resourcepart() != "" && a.isOccupant(to) {
		return false
	}
	peer := to.Bare()
	if sess, err := a.online(); err == nil && a.om.mode == OMEMOAutomatic && !a.explicit(peer) && !a.fetchedOn(peer, sess) {
		fctx, cancel := reqCtx(ctx)
		_, _ = a.fetchDeviceList(fctx, sess, peer)
		cancel()
	}
	return a.omemoOn(peer)
}

// isOccupant reports whether full is an occupant of a room we are in (a
// message to it is a room private message).
func (a *Account) isOccupant(full jid.JID) bool {
	a.rooms.mu.Lock()
	defer a.rooms.mu.Unlock()
	return a.rooms.lookup(full) != nil
}

// HTTPClient is a client for uploads and downloads that verifies TLS as
// the XMPP connection does: the system's roots plus ca_file, names checked.
func (a *Account) HTTPClient() (*http.Client, error) {
	tc, err := a.cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	tc.ServerName = "" // the URL's host
	tc.NextProtos = nil
	// crypto/tls's own verification for the URL's host: the certificate
	// pins (tlstrust) are the XMPP server's, by its domain, and never
	// vouch for another host.
	tc.InsecureSkipVerify, tc.VerifyConnection = false, nil
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: httpTimeout}).DialContext,
		TLSClientConfig:       tc,
		TLSHandshakeTimeout:   httpTimeout,
		ResponseHeaderTimeout: httpTimeout,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          2,
		IdleConnTimeout:       time.Minute,
	}
	return &http.Client{Transport: tr}, nil
}
