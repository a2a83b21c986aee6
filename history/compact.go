package history

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// The compact encoding (docs/history-format.md, "Compact records"): a
// record without a "v" key leaves out what its file already says. Its
// direction is "in", its type "groupchat" when it has a nick and "chat"
// otherwise; its sender is the room occupant of its nick, else the account
// for a record we sent, else the conversation; a sender starting with "/"
// is a resource of that JID (of the conversation when the record has a
// nick); its id is its origin-id; the by of its stanza-id is the room for
// groupchat, else the account; its stanza-ids are that one stanza-id. The
// keys of the frequent fields are short (f, n, o, s, b); times are Unix
// seconds with up to three decimals. A key that is present is read as it
// is, so every record can be written exactly: a value that differs from
// the default is written, an empty one as "".

// scope is the conversation a line belongs to: what a compact record
// leaves out. It comes from the file's name (the conversation the reader
// was asked for), never from the file's content.
type scope struct {
	account, conv string
}

// Presence bits of the keys whose absence takes a default.
const (
	hasDir uint8 = 1 << iota
	hasFrom
	hasType
	hasID
	hasSby
	hasSids
)

// defaultType is the type of a compact record that leaves it out.
func defaultType(nick string) string {
	if nick != "" {
		return "groupchat"
	}
	return "chat"
}

// fromBase is the JID a compact record's sender is in: the room for an
// occupant (a record with a nick), the account for a record we sent, else
// the conversation.
func (sc scope) fromBase(dir, nick string) string {
	if nick == "" && dir == Out {
		return sc.account
	}
	return sc.conv
}

// defaultFrom is the sender of a compact record that leaves it out.
func (sc scope) defaultFrom(dir, nick string) string {
	if nick != "" {
		return sc.conv + "/" + nick
	}
	return sc.fromBase(dir, nick)
}

// defaultBy is the by of a compact record's stanza-id that leaves it out:
// the archive of the conversation.
func (sc scope) defaultBy(typ string) string {
	if typ == "groupchat" {
		return bareOf(sc.conv)
	}
	return sc.account
}

// compactable reports whether r can be written compactly: a sender
// starting with "/" (not a JID) would read back as a resource.
func compactable(r *Record) bool { return !strings.HasPrefix(r.From, "/") }

// appendCompact appends r as one compact JSON line of conversation sc,
// newline included (the full encoding, appendRecord, for a record the
// compact one cannot say).
func appendCompact(b []byte, sc scope, r Record) []byte {
	if !compactable(&r) {
		r.V = Version
		return appendRecord(b, r)
	}
	b = append(b, `{"t":`...)
	b = appendUnixMilli(b, r.Time)
	if r.Dir != In {
		b = appendAlways(b, "dir", r.Dir)
	}
	if r.Kind != KindMsg {
		b = appendField(b, "k", r.Kind)
	}
	if def := sc.defaultFrom(r.Dir, r.Nick); r.From != def {
		base := sc.fromBase(r.Dir, r.Nick)
		if base != "" && !strings.Contains(base, "/") && len(r.From) > len(base)+1 &&
			r.From[len(base)] == '/' && r.From[:len(base)] == base {
			b = appendField(b, "f", r.From[len(base):])
		} else {
			b = appendAlways(b, "f", r.From)
		}
	}
	if r.Type != defaultType(r.Nick) {
		b = appendAlways(b, "type", r.Type)
	}
	b = appendField(b, "n", r.Nick)
	if r.OriginID == "" {
		b = appendField(b, "id", r.ID)
	} else if r.ID != r.OriginID {
		b = appendAlways(b, "id", r.ID)
	}
	b = appendID(b, "o", r.OriginID)
	b = appendID(b, "s", r.StanzaID)
	if r.StanzaID == "" {
		b = appendField(b, "sby", r.StanzaBy)
	} else if r.StanzaBy != sc.defaultBy(r.Type) {
		b = appendAlways(b, "sby", r.StanzaBy)
	}
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
	switch {
	case r.StanzaID != "" && len(r.StanzaIDs) == 1 && r.StanzaIDs[0] == StanzaID{r.StanzaID, r.StanzaBy}:
		// the default
	case r.StanzaID != "" && len(r.StanzaIDs) == 0:
		b = append(b, `,"sids":[]`...)
	case len(r.StanzaIDs) > 0:
		b = appendStanzaIDs(b, r.StanzaIDs)
	}
	if r.Kind == KindReactions {
		b = appendEmojis(b, r.Emojis)
	}
	b = appendField(b, "b", r.Body)
	return append(b, "}\n"...)
}

// expand gives a compact record its defaults (has: the keys present).
func (sc scope) expand(r *Record, has uint8) {
	if has&hasDir == 0 {
		r.Dir = In
	}
	if has&hasType == 0 {
		r.Type = defaultType(r.Nick)
	}
	if has&hasFrom == 0 {
		r.From = sc.defaultFrom(r.Dir, r.Nick)
	} else if strings.HasPrefix(r.From, "/") {
		r.From = sc.fromBase(r.Dir, r.Nick) + r.From
	}
	if has&hasID == 0 && r.OriginID != "" {
		r.ID = r.OriginID
	}
	if r.StanzaID != "" && has&hasSby == 0 {
		r.StanzaBy = sc.defaultBy(r.Type)
	}
	if r.StanzaID != "" && has&hasSids == 0 {
		r.StanzaIDs = []StanzaID{{r.StanzaID, r.StanzaBy}}
	}
}

// expandFields gives the raw fields of a compact line, as the indexes read
// them, the defaults expand gives a record. A resolved sender is built in
// *scratch.
func (sc scope) expandFields(kf *keyFields, scratch *[]byte) {
	if kf.has&hasDir == 0 {
		kf.dir = []byte(In)
	}
	if kf.has&hasType == 0 {
		kf.typ = []byte(defaultType(string(kf.nick)))
	}
	dir, nick := string(kf.dir), string(kf.nick)
	switch {
	case kf.has&hasFrom == 0:
		*scratch = append((*scratch)[:0], sc.defaultFrom(dir, nick)...)
		kf.from = *scratch
	case len(kf.from) > 0 && kf.from[0] == '/':
		*scratch = append(append((*scratch)[:0], sc.fromBase(dir, nick)...), kf.from...)
		kf.from = *scratch
	}
	if kf.has&hasID == 0 && len(kf.oid) > 0 {
		kf.id = kf.oid
	}
	if len(kf.sid) > 0 && kf.has&hasSby == 0 {
		kf.sby = []byte(sc.defaultBy(string(kf.typ)))
	}
}

// appendAlways appends ,"key":"value", even for an empty value.
func appendAlways(b []byte, key, value string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendString(b, value)
}

func appendStanzaIDs(b []byte, ids []StanzaID) []byte {
	b = append(b, `,"sids":[`...)
	for i, s := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = appendString(b, s.ID)
		b = append(b, `,"by":`...)
		b = appendString(b, s.By)
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendEmojis(b []byte, emojis []string) []byte {
	b = append(b, `,"emo":[`...)
	for i, e := range emojis {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, e)
	}
	return append(b, ']')
}

// appendUnixMilli appends t as Unix seconds with its milliseconds as up to
// three decimals (trailing zeros left out): 1795442709.123, 1795442709.5,
// 1795442709.
func appendUnixMilli(b []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	if ms < 0 {
		b = append(b, '-')
		ms = -ms
	}
	b = strconv.AppendInt(b, ms/1000, 10)
	if f := ms % 1000; f != 0 {
		d := [4]byte{'.', byte('0' + f/100), byte('0' + f/10%10), byte('0' + f%10)}
		n := 4
		for d[n-1] == '0' {
			n--
		}
		b = append(b, d[:n]...)
	}
	return b
}

// maxUnixDigits bounds the digits of the seconds of a time read as a
// number (before the range check, so that they cannot overflow).
const maxUnixDigits = 12

// parseUnixMilli parses a time written by appendUnixMilli: an optional
// minus, seconds, and at most three decimals.
func parseUnixMilli(b []byte) (time.Time, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	var secs, frac int64
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		secs = secs*10 + int64(b[i]-'0')
	}
	if i == 0 || i > maxUnixDigits {
		return time.Time{}, false
	}
	if i < len(b) {
		if b[i] != '.' || len(b)-i-1 < 1 || len(b)-i-1 > 3 {
			return time.Time{}, false
		}
		scale := int64(100)
		for _, c := range b[i+1:] {
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			frac += int64(c-'0') * scale
			scale /= 10
		}
	}
	ms := secs*1000 + frac
	if neg {
		ms = -ms
	}
	if ms < minUnixMilli || ms > maxUnixMilli {
		return time.Time{}, false
	}
	return time.UnixMilli(ms).UTC(), true
}

// The times a record may have: years 0 to 9999, what both encodings can
// say (0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z).
const (
	minUnixMilli = -62167219200000
	maxUnixMilli = 253402300799999
)

// parseTimeValue parses a record's "t": a number (compact) or a string
// (the fixed layout, or RFC 3339 for hand-written times).
func parseTimeValue(val []byte, str bool) (time.Time, bool) {
	if str {
		return parseTime(val)
	}
	return parseUnixMilli(val)
}

// hasStanzaIDKey reports whether a line may hold a stanza-id (either key
// name): lines without one need not be parsed by the anchor readers.
func hasStanzaIDKey(line []byte) bool {
	return bytes.Contains(line, []byte(`"s":`)) || bytes.Contains(line, []byte(`"su":`)) || bytes.Contains(line, []byte(`"sid":`))
}

// An origin-id or stanza-id that is a UUID in its canonical form (36
// characters, lower-case hex and dashes, as Prosody's SQL archive and most
// clients make them) is written as its 16 bytes in unpadded base64url (22
// characters) under the key with a "u" appended ("ou", "su").

// isUUID reports whether s is a UUID in canonical form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return false
			}
		}
	}
	return true
}

// packUUID appends the 22-character form of canonical UUID s.
func packUUID(b []byte, s string) []byte {
	var raw [16]byte
	j := 0
	for i := 0; i < 36; i += 2 {
		if s[i] == '-' {
			i--
			continue
		}
		raw[j] = unhexByte(s[i])<<4 | unhexByte(s[i+1])
		j++
	}
	return base64.RawURLEncoding.AppendEncode(b, raw[:])
}

func unhexByte(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}

// unpackUUID appends the canonical UUID whose 22-character form is p; ok is
// false when p is not one.
func unpackUUID(b, p []byte) ([]byte, bool) {
	var raw [16]byte
	if len(p) != 22 {
		return b, false
	}
	if n, err := base64.RawURLEncoding.Strict().Decode(raw[:], p); err != nil || n != 16 {
		return b, false
	}
	for i, c := range raw {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[c>>4], hexDigits[c&15])
	}
	return b, true
}

// appendID appends an origin-id or stanza-id under key, a UUID packed under
// key+"u".
func appendID(b []byte, key, id string) []byte {
	if !isUUID(id) {
		return appendField(b, key, id)
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, `u":"`...)
	b = packUUID(b, id)
	return append(b, '"')
}

// packedID is the form in which id appears in a compact line when it is a
// UUID, else nil.
func packedID(id string) []byte {
	if !isUUID(id) {
		return nil
	}
	return packUUID(nil, id)
}
