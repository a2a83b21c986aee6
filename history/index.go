package history

import (
	"bytes"
	"hash/maphash"
	"strings"
	"time"
)

// keyMeta is what the index remembers, for a dedup key, of the record it
// came from: 32 bits of its stanza-id key and of its origin-id key (0 for
// none), so that two messages that happen to share an id are not taken for
// one when their stanza-ids differ; 32 bits of its content (sender and
// body; 0 for a link record, whose content is that of the record it links);
// and its time in minutes. A key match is a duplicate only when the content
// is the same (a match never drops a message whose sender or body differs),
// and, for a match by message id alone, the time is close: clients that
// restart their id counters reuse ids.
type keyMeta struct {
	sid, oid, content uint32
	min               int32
}

func (m keyMeta) sameContent(content uint32) bool { return m.content != 0 && m.content == content }

// idWindow is how far apart in time two records matched only by message id
// may be and still be one message (a live copy stamped with our clock, the
// archive's with the server's).
const idWindow = 5 // minutes

func (m keyMeta) near(min int32) bool { return m.min-min <= idWindow && min-m.min <= idWindow }

// short folds a key to 32 bits, keeping 0 for "none".
func short(k uint64) uint32 {
	if k == 0 {
		return 0
	}
	return uint32(k>>32) | 1
}

func compatible(a, b uint32) bool { return a == 0 || b == 0 || a == b }

// lookup reports whether a record with these keys is already stored: same
// content and same trusted stanza-id; or same origin-id, unless both carry
// different stanza-ids; or same id at a close time, unless stanza-ids or
// origin-ids differ.
func (x *dedupIndex) lookup(k recKeys) bool {
	ss, so := short(k.sid), short(k.oid)
	if k.sid != 0 && x.each(k.sid, func(m keyMeta) bool { return m.sameContent(k.content) }) {
		return true
	}
	if k.oid != 0 && x.each(k.oid, func(m keyMeta) bool {
		return m.sameContent(k.content) && compatible(m.sid, ss)
	}) {
		return true
	}
	return k.id != 0 && x.each(k.id, func(m keyMeta) bool {
		return m.sameContent(k.content) && m.near(k.min) && compatible(m.sid, ss) && compatible(m.oid, so)
	})
}

// keyFields are the parts of a record that dedup looks at. t is the raw
// time (layout of the file, or RFC 3339); tm is used when t is nil.
type keyFields struct {
	dir, kind, from, typ, nick, id, oid, sid, sby, body, t []byte
	oidBuf, sidBuf                                         [36]byte // unpacked UUIDs (compact.go)
	tnum                                                   bool     // t is a number (compact), not a string
	has                                                    uint8
	tm                                                     time.Time
}

func fieldsOf(r *Record) keyFields {
	return keyFields{
		dir: []byte(r.Dir), kind: []byte(r.Kind), from: []byte(r.From), typ: []byte(r.Type),
		id: []byte(r.ID), oid: []byte(r.OriginID), sid: []byte(r.StanzaID), sby: []byte(r.StanzaBy),
		body: []byte(r.Body), tm: r.Time,
	}
}

// recKeys are the dedup keys of a record (0 = none) with the meta compared
// on a match.
type recKeys struct {
	sid, oid, id uint64
	content      uint32 // 0 for a link record
	min          int32  // minutes since 1970
}

// keys derives the dedup keys of a record (0 = none):
//   - sid: the stanza-id, only when its by is the account, or the room for a
//     groupchat message: anyone else's stanza-id could be forged by the sender;
//   - oid: the origin-id;
//   - id: only for messages without an origin-id (every copy of a message
//     carries the same origin-id, if any): for our own messages the id alone,
//     for received ones id and sender;
//   - content: kind and body, and the sender of a received message.
func (s *Store) keys(c *convState, f *keyFields) recKeys {
	var sid, oid, id uint64
	var h maphash.Hash
	h.SetSeed(s.seed)
	if len(f.sid) > 0 {
		by := trustedBy(c.account, c.conv, f.typ, f.sby)
		if by != 0 {
			h.WriteByte('s')
			h.WriteByte(by)
			h.Write(f.sid)
			sid = h.Sum64() | 1
		}
	}
	if len(f.oid) > 0 {
		h.Reset()
		h.WriteByte('o')
		h.Write(f.oid)
		oid = h.Sum64() | 1
	}
	if len(f.id) > 0 && len(f.oid) == 0 {
		h.Reset()
		if string(f.dir) == Out {
			h.WriteByte('O')
		} else {
			h.WriteByte('I')
			h.Write(f.from)
			h.WriteByte(0)
		}
		h.Write(f.id)
		id = h.Sum64() | 1
	}
	k := recKeys{sid: sid, oid: oid, id: id}
	if sid|oid|id == 0 {
		return k
	}
	if string(f.kind) != KindLink {
		h.Reset()
		h.WriteByte('c')
		h.Write(f.kind)
		h.WriteByte(0)
		if string(f.dir) != Out {
			h.Write(f.from)
		}
		h.WriteByte(0)
		h.Write(f.body)
		k.content = short(h.Sum64())
	}
	t := f.tm
	if f.t != nil {
		t, _ = parseTimeValue(f.t, !f.tnum)
	}
	k.min = int32(t.Unix() / 60)
	return k
}

// trustedBy says whether a stanza-id's by can be trusted: 'a' when it is the
// account, 'r' when it is the room of a groupchat message, 0 otherwise.
func trustedBy(account, conv string, typ, by []byte) byte {
	switch {
	case bytes.EqualFold(by, []byte(account)):
		return 'a'
	case string(typ) == "groupchat" && bytes.EqualFold(by, []byte(bareOf(conv))):
		return 'r'
	}
	return 0
}

// bareOf strips a resource.
func bareOf(j string) string {
	if i := strings.IndexByte(j, '/'); i >= 0 {
		return j[:i]
	}
	return j
}

// readKeyFields reads the raw fields of a line that the dedup and id
// indexes look at, under either key name; explicit is true for a record
// read as written ("v" 1 or 2), false for a compact one (see expandFields).
func readKeyFields(line []byte, kf *keyFields, ik *idFields) (explicit bool, err error) {
	err = scanObject(line, func(key, val []byte, str bool) error {
		if !str {
			switch string(key) {
			case "sids":
				ik.sids = val
				kf.has |= hasSids
			case "v":
				explicit = string(val) == "1" || string(val) == "2"
			case "t":
				kf.t, kf.tnum = val, true
			}
			return nil
		}
		switch string(key) {
		case "dir":
			kf.dir = val
			kf.has |= hasDir
		case "k":
			kf.kind = val
		case "from", "f":
			kf.from = val
			kf.has |= hasFrom
		case "type":
			kf.typ = val
			kf.has |= hasType
		case "nick", "n":
			kf.nick = val
		case "id":
			kf.id = val
			kf.has |= hasID
		case "oid", "o":
			kf.oid = val
		case "sid", "s":
			kf.sid = val
		case "su":
			if u, ok := unpackUUID(kf.sidBuf[:0], val); ok {
				kf.sid = u
			}
		case "ou":
			if u, ok := unpackUUID(kf.oidBuf[:0], val); ok {
				kf.oid = u
			}
		case "sby":
			kf.sby = val
			kf.has |= hasSby
		case "body", "b":
			kf.body = val
		case "t":
			kf.t, kf.tnum = val, false
		case "rep":
			ik.rep = val
		case "ref":
			ik.ref = val
		}
		return nil
	})
	return explicit, err
}
