// Package history is parley's message store: one append-only file of JSON
// lines per account and conversation, read from the end so that opening a
// conversation costs the same however large its file is, deduplicated so that
// a message arriving several times (live, carbon, archive, room replay) is
// stored once, and searchable across every conversation.
//
// The on-disk format is documented in docs/history-format.md. The package
// imports nothing of parley's: callers convert their events to Records.
package history

import (
	"bytes"
	"errors"
	"strconv"
	"time"
	"unicode/utf8"
)

// Version is the format version, written in the "v" key of each file's
// head record. Readers accept records of any version >= 1 and ignore keys
// they do not know. Version 2 added every stanza-id with its by ("sids"),
// the occupant-id, the reply keys and the reference kinds (reactions,
// retract, moderate, marker), and writes records compactly (compact.go):
// no "v", defaults and the conversation's JID left out, short keys, Unix
// times. Records with "v" (version 1, and version 2 before the compact
// encoding) are read as written.
const Version = 2

// Directions of a record.
const (
	In  = "in"  // received
	Out = "out" // sent by the account (from this client or another of its clients)
)

// Kinds of records. An empty Kind means KindMsg. Meta kinds (KindHead,
// KindLink) are bookkeeping: readers such as Tail and Search skip them.
// Reference kinds (IsRef) are folded into the message they name. Readers
// return records of other kinds (a later version's) as they are; the UI
// and `parley history` do not show them.
const (
	KindMsg        = "msg"        // a message with a body
	KindCorrection = "correction" // XEP-0308 correction: Replaces is the id of the corrected message
	KindReactions  = "reactions"  // XEP-0444: the sender's whole reaction set (Emojis) for message Ref
	KindRetract    = "retract"    // XEP-0424: the sender retracted message Ref
	KindModerate   = "moderate"   // XEP-0425: the room removed message Ref (By: moderator, Body: reason)
	KindMarker     = "marker"     // XEP-0333: marker Body (received, displayed, acknowledged) for message Ref
	KindHead       = "head"       // meta: first line of a file, names its account and conversation
	KindLink       = "link"       // meta: an archive stanza-id learnt for a message already stored
)

// Record is one line of a history file, as readers return it: with the
// defaults a compact line leaves out filled in (the full sender JID, the
// direction, the type, the by of the stanza-id). The keys below are those
// of the full encoding; the compact one writes f, n, o, s and b for from,
// nick, oid, sid and body. Time is UTC with millisecond precision: the
// message's delay or archive time where it has one, else the time it was
// received or sent. Text fields may come from the network and are
// untrusted: sanitize them before drawing them.
type Record struct {
	V        int       // format version ("v"); Append sets it to Version
	Time     time.Time // "t": UTC, milliseconds
	Dir      string    // "dir": In or Out
	Kind     string    // "k": one of the Kind constants; omitted for KindMsg
	From     string    // "from": full sender JID (room@service/nick in rooms)
	Type     string    // "type": message type: chat, normal, groupchat, headline, error
	Body     string    // "body"
	Nick     string    // "nick": sender nick in a room
	ID       string    // "id": the stanza id attribute
	OriginID string    // "oid": XEP-0359 origin-id
	StanzaID string    // "sid": XEP-0359 stanza-id
	StanzaBy string    // "sby": the by of StanzaID (the account or the room)
	Replaces string    // "rep": for corrections, the id of the replaced message (XEP-0308)

	// Version 2 keys.
	StanzaIDs  []StanzaID // "sids": every XEP-0359 stanza-id of the stanza with its by (StanzaID among them)
	OccupantID string     // "occ": XEP-0421 occupant-id the room stamped on the message
	Ref        string     // "ref": for reactions, retract, moderate and marker, the id of the message referred to
	Emojis     []string   // "emo": for KindReactions, the sender's whole set (empty: withdrawn)
	By         string     // "by": for KindModerate, the moderator as the room names them
	ReplyID    string     // "reply": XEP-0461, the id of the message answered
	ReplyTo    string     // "rto": XEP-0461, the author of the message answered
	Quote      string     // "quote": XEP-0461, the reply's XEP-0428 fallback quote, cut from Body
	Unstyled   bool       // "uns": XEP-0393 <unstyled/>: the body is drawn without styling
	Enc        string     // "enc": end-to-end encryption of the message: EncOMEMO, EncUntrusted, EncFailed; "" in the clear

	// Folded is not stored: reading (Tail, Before, After, Around, Search)
	// fills it from the reference records that follow the message.
	Folded Folded
}

// Values of Record.Enc. The body is the text as the user reads it: the
// decrypted text (the disk is the user's), or for EncFailed parley's line
// saying why it could not be decrypted.
const (
	EncOMEMO     = "omemo"           // OMEMO, from (or to) a trusted device
	EncUntrusted = "omemo-untrusted" // OMEMO, from a device the user has not trusted
	EncFailed    = "omemo-failed"    // OMEMO that could not be decrypted
)

// StanzaID is one XEP-0359 stanza-id with the entity that assigned it.
type StanzaID struct {
	ID string // "id"
	By string // "by"
}

// Limits of the version 2 lists read from a line (a hand-edited file can
// hold anything): more entries are ignored.
const (
	MaxStanzaIDs = 8
	MaxEmojis    = 64
)

// IsRef reports whether r is a reference to another message (a correction,
// reactions, a retraction, a moderation, a marker) rather than a message:
// reading folds it into the message it refers to.
func (r Record) IsRef() bool {
	switch r.Kind {
	case KindCorrection, KindReactions, KindRetract, KindModerate, KindMarker:
		return true
	}
	return false
}

// Target is the id of the message a reference record refers to.
func (r Record) Target() string {
	if r.Kind == KindCorrection {
		return r.Replaces
	}
	return r.Ref
}

// IsMeta reports whether r is a bookkeeping record rather than something to
// show (a file header or a stanza-id link).
func (r Record) IsMeta() bool { return r.Kind == KindHead || r.Kind == KindLink }

// header is the content of a KindHead record.
type header struct {
	Account, Conv string
}

const timeLayout = "2006-01-02T15:04:05.000Z"

// appendRecord appends r as one JSON line in the full encoding (every key,
// "v" included: how lines were written before the compact encoding, which
// Append uses), newline included.
func appendRecord(b []byte, r Record) []byte {
	b = append(b, `{"v":`...)
	v := r.V
	if v <= 0 {
		v = Version
	}
	b = strconv.AppendInt(b, int64(v), 10)
	b = append(b, `,"t":"`...)
	b = r.Time.UTC().Truncate(time.Millisecond).AppendFormat(b, timeLayout)
	b = append(b, '"')
	b = appendField(b, "dir", r.Dir)
	if r.Kind != KindMsg {
		b = appendField(b, "k", r.Kind)
	}
	b = appendField(b, "from", r.From)
	b = appendField(b, "type", r.Type)
	b = appendField(b, "nick", r.Nick)
	b = appendField(b, "id", r.ID)
	b = appendField(b, "oid", r.OriginID)
	b = appendField(b, "sid", r.StanzaID)
	b = appendField(b, "sby", r.StanzaBy)
	b = appendField(b, "rep", r.Replaces)
	b = appendField(b, "ref", r.Ref)
	b = appendField(b, "occ", r.OccupantID)
	b = appendField(b, "by", r.By)
	b = appendField(b, "reply", r.ReplyID)
	b = appendField(b, "rto", r.ReplyTo)
	b = appendField(b, "quote", r.Quote)
	b = appendField(b, "enc", r.Enc)
	if r.Unstyled {
		b = append(b, `,"uns":true`...)
	}
	if len(r.StanzaIDs) > 0 {
		b = appendStanzaIDs(b, r.StanzaIDs)
	}
	if r.Kind == KindReactions {
		b = appendEmojis(b, r.Emojis)
	}
	b = appendField(b, "body", r.Body)
	return append(b, "}\n"...)
}

func appendHeader(b []byte, h header, t time.Time) []byte {
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, Version, 10)
	b = append(b, `,"t":`...)
	b = appendUnixMilli(b, t)
	b = append(b, `,"k":"head"`...)
	b = appendField(b, "account", h.Account)
	b = appendField(b, "conv", h.Conv)
	return append(b, "}\n"...)
}

// appendField appends ,"key":"value" unless value is empty.
func appendField(b []byte, key, value string) []byte {
	if value == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendString(b, value)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Only what JSON requires is escaped
// (quote, backslash, C0 controls) plus U+2028/U+2029; invalid UTF-8 becomes
// U+FFFD. Everything else is written raw, so grep finds text as typed.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, `\u202`...)
			b = append(b, hexDigits[r&15])
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}

// errMalformed is returned for lines that are not records.
var errMalformed = errors.New("not a history record")

// parseTime parses the fixed record time layout without allocating, falling
// back to RFC 3339 for hand-written times.
func parseTime(b []byte) (time.Time, bool) {
	if len(b) == len(timeLayout) && b[4] == '-' && b[7] == '-' && b[10] == 'T' &&
		b[13] == ':' && b[16] == ':' && b[19] == '.' && b[23] == 'Z' {
		var f [7]int
		spans := [7][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}, {20, 23}}
		for k, sp := range spans {
			n := 0
			for _, c := range b[sp[0]:sp[1]] {
				if c < '0' || c > '9' {
					return time.Time{}, false
				}
				n = n*10 + int(c-'0')
			}
			f[k] = n
		}
		if f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60 {
			return time.Time{}, false
		}
		return time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], f[6]*1e6, time.UTC), true
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC().Truncate(time.Millisecond), true
}

// parseRecord parses one line (without its newline) of conversation sc
// into a Record. For a KindHead line the header is returned as well. A
// record with "v" 1 or 2 is read as written (keys it leaves out are
// empty); any other (no "v": the compact encoding) gets the defaults of
// its conversation (scope.expand). Both key names of the frequent fields
// are read in either.
func parseRecord(line []byte, sc scope) (Record, header, error) {
	var r Record
	var h header
	var haveT, tstr, sawV bool
	var has uint8
	var tbuf []byte
	err := scanObject(line, func(key, val []byte, str bool) error {
		if !str {
			switch string(key) {
			case "sids":
				r.StanzaIDs = parseStanzaIDs(val)
				has |= hasSids
				return nil
			case "emo":
				r.Emojis = parseStrings(val, MaxEmojis)
				return nil
			case "uns":
				r.Unstyled = string(val) == "true"
				return nil
			case "t":
				tbuf, haveT, tstr = val, true, false
				return nil
			case "v":
			default:
				return nil // unknown non-string keys are ignored
			}
			n, err := strconv.Atoi(string(val))
			if err != nil || n < 1 {
				return errMalformed
			}
			r.V, sawV = n, true
			return nil
		}
		if !utf8.Valid(val) {
			val = bytes.ToValidUTF8(val, []byte("\uFFFD"))
		}
		switch string(key) {
		case "t":
			tbuf, haveT, tstr = val, true, true
			return nil
		case "dir":
			r.Dir = string(val)
			has |= hasDir
		case "k":
			r.Kind = string(val)
		case "from", "f":
			r.From = string(val)
			has |= hasFrom
		case "type":
			r.Type = string(val)
			has |= hasType
		case "body", "b":
			r.Body = string(val)
		case "nick", "n":
			r.Nick = string(val)
		case "id":
			r.ID = string(val)
			has |= hasID
		case "oid", "o":
			r.OriginID = string(val)
		case "sid", "s":
			r.StanzaID = string(val)
		case "su":
			if u, ok := unpackUUID(nil, val); ok {
				r.StanzaID = string(u)
			}
		case "ou":
			if u, ok := unpackUUID(nil, val); ok {
				r.OriginID = string(u)
			}
		case "sby":
			r.StanzaBy = string(val)
			has |= hasSby
		case "rep":
			r.Replaces = string(val)
		case "ref":
			r.Ref = string(val)
		case "occ":
			r.OccupantID = string(val)
		case "by":
			r.By = string(val)
		case "reply":
			r.ReplyID = string(val)
		case "rto":
			r.ReplyTo = string(val)
		case "quote":
			r.Quote = string(val)
		case "enc":
			r.Enc = string(val)
		case "account":
			h.Account = string(val)
		case "conv":
			h.Conv = string(val)
		}
		return nil
	})
	if err != nil {
		return Record{}, header{}, err
	}
	if !haveT {
		return Record{}, header{}, errMalformed
	}
	t, ok := parseTimeValue(tbuf, tstr)
	if !ok {
		return Record{}, header{}, errMalformed
	}
	r.Time = t
	if r.Kind == KindMsg {
		r.Kind = ""
	}
	switch {
	case r.Kind != KindReactions:
		r.Emojis = nil
	case r.Emojis == nil:
		r.Emojis = []string{} // no "emo": an empty set
	}
	if !sawV {
		r.V = Version
	}
	if (!sawV || r.V > 2) && r.Kind != KindHead {
		sc.expand(&r, has)
	}
	return r, h, nil
}
