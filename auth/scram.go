package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

// mechanism is a SASL mechanism parley speaks. A SCRAM variant is a hash;
// its -PLUS twin binds the channel (RFC 5802 §6). A new hash is a row
// here.
type mechanism struct {
	name string
	hash func() hash.Hash // nil: PLAIN
	plus bool             // binds the TLS channel
}

// mechanisms in order of preference: every channel-binding variant first
// (strongest hash first), then SCRAM without binding, then PLAIN (always
// inside TLS, which parley requires).
var mechanisms = []mechanism{
	{"SCRAM-SHA-512-PLUS", sha512.New, true},
	{"SCRAM-SHA-256-PLUS", sha256.New, true},
	{"SCRAM-SHA-1-PLUS", sha1.New, true},
	{"SCRAM-SHA-512", sha512.New, false},
	{"SCRAM-SHA-256", sha256.New, false},
	{"SCRAM-SHA-1", sha1.New, false},
	{"PLAIN", nil, false},
}

// Bounds on what a server sends during SCRAM.
const (
	maxIterations = 1 << 20 // PBKDF2 rounds: more is a server making us burn CPU
	maxChallenge  = 4096    // bytes of a decoded challenge or additional data
	nonceBytes    = 24      // random bytes of our nonce
)

// scram is one SCRAM exchange (RFC 5802, RFC 7677) as a client.
type scram struct {
	mech      mechanism
	user      string // SASL username (the JID's localpart), not yet escaped
	pass      string
	gs2       string // GS2 header: "n,,", "y,,", "p=tls-unique,,"
	cbData    []byte // channel-binding data appended to the header in c=
	nonce     string
	firstBare string // client-first-message-bare
	serverSig []byte // expected ServerSignature, after the final message
	verified  bool   // the server proved it knows the password
}

// newScram starts an exchange; gs2 is the flag part of the header
// ("n", "y" or "p=NAME") and cbData the binding data for "p=".
func newScram(m mechanism, user, pass, flag string, cbData []byte) (*scram, error) {
	raw := make([]byte, nonceBytes)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	return &scram{
		mech: m, user: user, pass: pass,
		gs2:    flag + ",,",
		cbData: cbData,
		nonce:  base64.RawStdEncoding.EncodeToString(raw),
	}, nil
}

// saslName escapes a username for SCRAM (RFC 5802 §5.1).
func saslName(s string) string {
	return strings.NewReplacer("=", "=3D", ",", "=2C").Replace(s)
}

// first is the client-first-message.
func (c *scram) first() []byte {
	c.firstBare = "n=" + saslName(c.user) + ",r=" + c.nonce
	return []byte(c.gs2 + c.firstBare)
}

// errServerSig means the server did not prove that it knows the password:
// whoever answered is not the server the account belongs to.
var errServerSig = errors.New("the server could not prove it knows the password (SCRAM server signature wrong or missing)")

// final answers the server-first-message with the client-final-message.
func (c *scram) final(serverFirst []byte) ([]byte, error) {
	if len(serverFirst) > maxChallenge {
		return nil, errors.New("SCRAM: server-first-message too long")
	}
	var nonce, salt string
	iter := -1
	for _, attr := range strings.Split(string(serverFirst), ",") {
		if len(attr) < 2 || attr[1] != '=' {
			return nil, fmt.Errorf("SCRAM: malformed server-first-message")
		}
		switch v := attr[2:]; attr[0] {
		case 'm':
			return nil, errors.New("SCRAM: server requires an extension (m=) parley does not know")
		case 'e':
			return nil, &Failure{Condition: scramErrorCondition(v)}
		case 'r':
			nonce = v
		case 's':
			salt = v
		case 'i':
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, errors.New("SCRAM: malformed iteration count")
			}
			iter = n
		}
	}
	saltBytes, err := base64.StdEncoding.DecodeString(salt)
	switch {
	case len(nonce) <= len(c.nonce) || !strings.HasPrefix(nonce, c.nonce):
		return nil, errors.New("SCRAM: server nonce does not extend ours")
	case err != nil || len(saltBytes) == 0:
		return nil, errors.New("SCRAM: missing or malformed salt")
	case iter < 1 || iter > maxIterations:
		return nil, fmt.Errorf("SCRAM: iteration count %d out of range (1..%d)", iter, maxIterations)
	}
	cbind := base64.StdEncoding.EncodeToString(append([]byte(c.gs2), c.cbData...))
	withoutProof := "c=" + cbind + ",r=" + nonce
	authMessage := []byte(c.firstBare + "," + string(serverFirst) + "," + withoutProof)

	salted, err := pbkdf2.Key(c.mech.hash, c.pass, saltBytes, iter, c.mech.hash().Size())
	if err != nil {
		return nil, err
	}
	clientKey := mac(c.mech.hash, salted, []byte("Client Key"))
	h := c.mech.hash()
	h.Write(clientKey)
	storedKey := h.Sum(nil)
	proof := mac(c.mech.hash, storedKey, authMessage)
	subtle.XORBytes(proof, proof, clientKey)
	c.serverSig = mac(c.mech.hash, mac(c.mech.hash, salted, []byte("Server Key")), authMessage)
	return []byte(withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof)), nil
}

// verify checks the server-final-message.
func (c *scram) verify(serverFinal []byte) error {
	if c.serverSig == nil {
		return errServerSig
	}
	if v, ok := bytes.CutPrefix(serverFinal, []byte("e=")); ok {
		return &Failure{Condition: scramErrorCondition(string(v))}
	}
	v, ok := bytes.CutPrefix(serverFinal, []byte("v="))
	if !ok {
		return errServerSig
	}
	if i := bytes.IndexByte(v, ','); i >= 0 {
		v = v[:i] // extensions after the verifier
	}
	got, err := base64.StdEncoding.DecodeString(string(v))
	if err != nil || !hmac.Equal(got, c.serverSig) {
		return errServerSig
	}
	c.verified = true
	return nil
}

// mac is HMAC(key, msg) with hash h.
func mac(h func() hash.Hash, key, msg []byte) []byte {
	m := hmac.New(h, key)
	m.Write(msg)
	return m.Sum(nil)
}

// scramErrorCondition keeps a SCRAM server-error value (RFC 5802 §7) if it
// is a plain token, else "other-error".
func scramErrorCondition(v string) string {
	if v == "" || len(v) > 64 {
		return "other-error"
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r == '-' || r >= '0' && r <= '9') {
			return "other-error"
		}
	}
	return v
}

// plainResponse is the PLAIN message (RFC 4616) with no authorization
// identity.
func plainResponse(user, pass string) []byte {
	return []byte("\x00" + user + "\x00" + pass)
}
