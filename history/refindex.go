package history

import (
	"slices"
	"sort"
)

// posIndex is the writer's id index of one conversation: where, by
// position, the messages with a given reference key are (their id, their
// origin-id or id, the stanza-ids a room assigned: the keys of
// targetIDs), and where the references naming a key are (refTarget). A
// reference's target is then the newest message entry before it under
// its key, and the references that fold into a message are the reference
// entries after it up to the next message with the same key: both are
// found by binary search, and only the records named are read (and
// checked: the index keeps 24-bit fingerprints, so an entry may belong to
// another key).
//
// An entry is one uint64, fingerprint (24 bits), conversation order of the
// record (37 bits: see ordOf) and entry kind (3 bits), so that sorting the
// entries groups them by fingerprint in conversation order. The entries
// read from the files are one sorted array; later ones go to an unsorted
// tail of tailMax entries, then to sorted levels merged as they grow (the
// logarithmic method): an append costs O(log n) amortized, a lookup a
// binary search per level. At most maxPosEntries entries are held (8 bytes
// each): a file with more (a crafted or absurdly large one) gets no index,
// and readers fold by reading backwards instead.
type posIndex struct {
	levels [][]uint64 // each sorted; sizes strictly decreasing
	tail   []uint64   // unsorted, at most tailMax
	n      int
	limit  int  // entries held at most; 0: maxPosEntries
	full   bool // over the limit: not usable
}

// Entry kinds (3 bits).
const (
	eMsg        = 0 // a message with this key
	eCorrection = 1 // a reference naming this key
	eReactions  = 2
	eRetract    = 3
	eModerate   = 4
	eMarker     = 5
)

const (
	fpBits        = 24
	ordBits       = 37
	kindBits      = 3
	maxIndexedOff = 1<<(ordBits-1) - 1 // 64 GiB: records further into a file make the index unusable
	maxPosEntries = 1 << 23            // 64 MiB of entries: about 4,000,000 records
	tailMax       = 256
	// maxRun bounds the entries of one fingerprint a lookup considers per
	// level (a crafted file may repeat one id a million times).
	maxRun = 4096
)

// refKinds maps a reference kind to its entry kind.
func refEntryKind(kind string) uint64 {
	switch kind {
	case KindCorrection:
		return eCorrection
	case KindReactions:
		return eReactions
	case KindRetract:
		return eRetract
	case KindModerate:
		return eModerate
	case KindMarker:
		return eMarker
	}
	return eMsg
}

// ordOf is the place of a record in conversation order: the older file
// (read from its end) before the main file. ok is false for offsets past
// maxIndexedOff.
func ordOf(p Position) (uint64, bool) {
	if p.off < 0 || p.off > maxIndexedOff {
		return 0, false
	}
	if p.seg == segOlder {
		return maxIndexedOff - uint64(p.off), true
	}
	return 1<<(ordBits-1) | uint64(p.off), true
}

func posOfOrd(o uint64) Position {
	if o&(1<<(ordBits-1)) != 0 {
		return Position{seg: segMain, off: int64(o &^ (1 << (ordBits - 1)))}
	}
	return Position{seg: segOlder, off: int64(maxIndexedOff - o)}
}

func mkEntry(fp uint32, ord, kind uint64) uint64 {
	return uint64(fp)<<(ordBits+kindBits) | ord<<kindBits | kind
}

func entryFP(e uint64) uint32   { return uint32(e >> (ordBits + kindBits)) }
func entryOrd(e uint64) uint64  { return e >> kindBits & (1<<ordBits - 1) }
func entryKind(e uint64) uint64 { return e & (1<<kindBits - 1) }

// add records one entry.
func (x *posIndex) add(e uint64) {
	if x.full {
		return
	}
	if x.over() {
		return
	}
	x.n++
	x.tail = append(x.tail, e)
	if len(x.tail) >= tailMax {
		l := slices.Clone(x.tail)
		slices.Sort(l)
		x.tail = x.tail[:0]
		x.push(l)
	}
}

// push adds a sorted level, merging while the last level is no larger.
func (x *posIndex) push(l []uint64) {
	for len(x.levels) > 0 && len(x.levels[len(x.levels)-1]) <= len(l) {
		last := x.levels[len(x.levels)-1]
		x.levels = x.levels[:len(x.levels)-1]
		l = mergeSorted(last, l)
	}
	x.levels = append(x.levels, l)
}

func mergeSorted(a, b []uint64) []uint64 {
	out := make([]uint64, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i] <= b[j] {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// seal sorts the entries added so far (the bulk load from the files) into
// the base level.
func (x *posIndex) seal() {
	if x.full || len(x.tail) == 0 {
		return
	}
	base := x.tail
	x.tail = nil
	slices.Sort(base)
	if cap(base) > len(base)+len(base)/4 {
		base = slices.Clone(base)
	}
	x.levels = append([][]uint64{base}, x.levels...)
	// The levels must stay in decreasing size: merge them all if not.
	for i := 1; i < len(x.levels); i++ {
		if len(x.levels[i]) >= len(x.levels[i-1]) {
			all := x.levels[0]
			for _, l := range x.levels[1:] {
				all = mergeSorted(all, l)
			}
			x.levels = [][]uint64{all}
			break
		}
	}
}

// bulk adds an entry during the load, before seal (no levels are built).
func (x *posIndex) bulk(e uint64) {
	if x.full || x.over() {
		return
	}
	x.n++
	x.tail = append(x.tail, e)
}

// over reports, and makes the index unusable (freeing it), when it holds
// its limit of entries.
func (x *posIndex) over() bool {
	limit := x.limit
	if limit == 0 {
		limit = maxPosEntries
	}
	if x.n < limit {
		return false
	}
	*x = posIndex{full: true}
	return true
}

// run returns the entries with fingerprint fp whose order is in [lo, hi),
// in order, at most maxRun from each level (the lowest, when asc; else
// the highest).
func (x *posIndex) run(fp uint32, lo, hi uint64, asc bool, scratch []uint64) []uint64 {
	out := scratch[:0]
	if lo >= hi {
		return out
	}
	from, last := mkEntry(fp, lo, 0), mkEntry(fp, hi-1, 1<<kindBits-1)
	for _, l := range x.levels {
		i, _ := slices.BinarySearch(l, from)
		j := sort.Search(len(l)-i, func(k int) bool { return l[i+k] > last })
		seg := l[i : i+j]
		if len(seg) > maxRun {
			if asc {
				seg = seg[:maxRun]
			} else {
				seg = seg[len(seg)-maxRun:]
			}
		}
		out = append(out, seg...)
	}
	for _, e := range x.tail {
		if e >= from && e <= last {
			out = append(out, e)
		}
	}
	slices.Sort(out)
	return out
}
