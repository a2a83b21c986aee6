package servertest

import "time"

// Option changes how Start configures the server. Every option means the
// same on every server.
type Option func(*options)

// options collects what the Options asked for.
type options struct {
	smTimeout   time.Duration // how long a stream-management session stays resumable; 0: the server's default
	directTLS   bool          // also listen for direct TLS (XEP-0368)
	debug       bool          // log every stanza
	roomLocking bool          // a new room stays locked until its owner configures it
	fileShare   *fileShare    // an HTTP upload service (fileshare.go)
	admin       string        // the local part of the server's administrator, "" for none
	register    bool          // in-band registration open (XEP-0077)
	registerURL string        // in-band registration refused, pointing at this web page (XEP-0077 §5)
}

// WithSMTimeout sets how long the server keeps a stream-management session
// resumable after its connection drops (Prosody's smacks_hibernation_time,
// ejabberd's resume_timeout), rounded up to whole seconds.
func WithSMTimeout(d time.Duration) Option {
	return func(o *options) { o.smTimeout = d }
}

// WithDirectTLS makes the server also listen for direct TLS (XEP-0368) on
// a second free port, reported in Server.DirectPort.
func WithDirectTLS() Option {
	return func(o *options) { o.directTLS = true }
}

// WithDebugLog makes the server log at debug level (every stanza). Setting
// the environment variable PARLEY_SERVER_DEBUG=1 does the same for all
// servers.
func WithDebugLog() Option {
	return func(o *options) { o.debug = true }
}

// WithRoomLocking makes a new room locked (XEP-0045 §10.1) until its owner
// configures it or accepts the default configuration (the instant-room
// form). Without it, rooms are usable as soon as they are created.
// ejabberd 23.01 never locks a room (it still announces a new room with
// status 201, so the owner's instant-room form is sent and accepted): a
// test that needs the lock itself requires RoomLocking.
func WithRoomLocking() Option {
	return func(o *options) { o.roomLocking = true }
}

// WithAdmin makes user@Domain an administrator of the server (Prosody's
// admins, ejabberd's admin ACL) and enables the server's administration
// ad-hoc commands (XEP-0050, XEP-0133): Prosody's mod_adhoc,
// mod_admin_adhoc and mod_announce, ejabberd's mod_adhoc, mod_configure
// and mod_announce. The account itself is still made with AddUser.
func WithAdmin(user string) Option {
	return func(o *options) { o.admin = user }
}

// WithRegistration opens in-band registration (XEP-0077): anyone may
// create an account on a fresh stream, and accounts may change their
// password or delete themselves (Prosody's mod_register with
// allow_registration, ejabberd's mod_register open to all). Without it
// neither server loads its registration module.
func WithRegistration() Option {
	return func(o *options) { o.register = true }
}

// WithRegistrationURL makes the server answer a registration request with
// only the web page url (XEP-0077 §5, redirection with a XEP-0066
// out-of-band URL) and refuse the in-band submission (Prosody's
// mod_register_redirect, from prosody-modules; ejabberd's mod_register
// redirect_url with registration closed). Password change and removal stay
// open as with WithRegistration.
func WithRegistrationURL(url string) Option {
	return func(o *options) { o.register, o.registerURL = true, url }
}

// smSeconds returns the stream-management timeout in whole seconds, 0 for
// the server's default.
func (o options) smSeconds() int {
	if o.smTimeout <= 0 {
		return 0
	}
	return int((o.smTimeout + time.Second - 1) / time.Second)
}
