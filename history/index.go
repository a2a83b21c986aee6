package history

import (
	"bytes"
	"cmp"
	"hash/maphash"
	"slices"
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

// indexEntry is one dedup key with the meta of its record.
type indexEntry struct {
	key  uint64
	meta keyMeta
}

// dedupIndex holds the dedup keys of one conversation: 64-bit hashes (with a
// per-Store random seed, so a sender cannot aim at a collision), 24 bytes an
// entry and no allocation of its own per key. A key may occur several times
// (two messages sharing an id); lookups consider every occurrence, in no
// particular order.
//
// The keys found on disk when the conversation is first written to are
// gathered in base and sorted once by seal (one sort rather than millions of
// inserts); that array becomes the first sorted run. Keys added afterwards
// go to a short unsorted tail, scanned linearly; a full tail is sorted into
// a run of its own, and runs merge like the digits of a binary counter (the
// newest with the one before it while that one is no longer), so there are
// O(log n) runs, each searched in O(log n) (see lowerBound), and an entry is
// copied O(log n) times over its life. A merge writes into an array of the exact size and drops
// the two it merged.
type dedupIndex struct {
	base   []indexEntry   // until seal: the keys loaded from disk, unsorted
	runs   [][]indexEntry // sorted by key, oldest first, each longer than the next
	tail   []indexEntry   // the newest keys, unsorted, fewer than dedupTail
	sealed bool
}

// dedupTail is how many keys the index holds unsorted: scanning this many is
// about as fast as one binary search, and sorting them into a run is cheap.
const dedupTail = 32

// add records the keys of one record.
func (x *dedupIndex) add(k recKeys) {
	m := keyMeta{sid: short(k.sid), oid: short(k.oid), content: k.content, min: k.min}
	for _, k := range [3]uint64{k.sid, k.oid, k.id} {
		if k == 0 {
			continue
		}
		if !x.sealed {
			x.base = append(x.base, indexEntry{k, m})
			continue
		}
		x.tail = append(x.tail, indexEntry{k, m})
		if len(x.tail) == dedupTail {
			x.flush()
		}
	}
}

func byKey(a, b indexEntry) int { return cmp.Compare(a.key, b.key) }

// flush sorts the tail into a new run, reusing the tail's array, and merges
// runs until each is longer than the next.
func (x *dedupIndex) flush() {
	slices.SortFunc(x.tail, byKey)
	x.runs = append(x.runs, slices.Clone(x.tail))
	x.tail = x.tail[:0]
	for n := len(x.runs); n >= 2 && len(x.runs[n-2]) <= len(x.runs[n-1]); n-- {
		x.runs[n-2] = mergeRuns(x.runs[n-2], x.runs[n-1])
		x.runs[n-1] = nil // let the merged array go
		x.runs = x.runs[:n-1]
	}
}

// mergeRuns merges two sorted runs into a new array of their joint length.
func mergeRuns(a, b []indexEntry) []indexEntry {
	out := make([]indexEntry, len(a)+len(b))
	i, j := 0, 0
	for o := range out {
		if j == len(b) || (i < len(a) && a[i].key <= b[j].key) {
			out[o] = a[i]
			i++
		} else {
			out[o] = b[j]
			j++
		}
	}
	return out
}

// seal sorts the keys loaded from disk into the first run; later adds go to
// the tail.
func (x *dedupIndex) seal() {
	slices.SortFunc(x.base, byKey)
	if cap(x.base) > len(x.base)+len(x.base)/4 {
		x.base = slices.Clone(x.base) // give back an over-estimated reservation
	}
	if len(x.base) > 0 {
		x.runs = append(x.runs, x.base)
	}
	x.base = nil
	x.sealed = true
}

// each calls fn for every meta stored under k until fn returns true.
func (x *dedupIndex) each(k uint64, fn func(keyMeta) bool) bool {
	for i := range x.tail {
		if x.tail[i].key == k && fn(x.tail[i].meta) {
			return true
		}
	}
	for _, r := range x.runs {
		for i := lowerBound(r, k); i < len(r) && r[i].key == k; i++ {
			if fn(r[i].meta) {
				return true
			}
		}
	}
	return false
}

// lowerBound is the index of the first entry of the sorted run r whose key
// is not below k, by binary search, narrowed first in a long run.
func lowerBound(r []indexEntry, k uint64) int {
	lo, hi := 0, len(r) // r[:lo] are below k, r[hi:] are not
	if hi > interpolateOver {
		lo, hi = narrow(r, k)
	}
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if r[h].key < k {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo
}

// interpolateOver is the length of run above which narrow pays (measured:
// it halves a lookup in a 32,768-key run and quarters it in a million-key
// one); in a shorter run a binary search's probes mostly hit the cache.
const interpolateOver = 16384

// narrow returns lo <= hi such that the keys of r[:lo] are below k and
// those of r[hi:] are not. Keys are seeded hashes, spread evenly over 64
// bits, so a few interpolation steps land close to k (a 20-million-key run
// takes some 3 probes instead of 24 cache misses); the steps are bounded,
// so a run that defeats them (one key repeated, which a file may hold) costs
// them and a binary search.
func narrow(r []indexEntry, k uint64) (lo, hi int) {
	lo, hi = 0, len(r)
	for step := 0; step < 4 && hi-lo > 256; step++ {
		a, b := r[lo].key, r[hi-1].key
		if k <= a {
			return lo, lo
		}
		if k > b {
			return hi, hi
		}
		// a < k <= b, so the fraction is within [0, 1], give or take rounding.
		p := lo + int(float64(k-a)/float64(b-a)*float64(hi-1-lo))
		p = min(max(p, lo), hi-1)
		if r[p].key < k {
			lo = p + 1
		} else {
			hi = p
		}
	}
	return lo, hi
}

// has reports whether k is stored.
func (x *dedupIndex) has(k uint64) bool {
	return x.each(k, func(keyMeta) bool { return true })
}

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
