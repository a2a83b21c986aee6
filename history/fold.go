package history

import (
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
)

// Folded is what the reference records that follow a message say about it,
// as reading folds them in (see Fold). The zero value: not edited, no
// reactions, not removed.
type Folded struct {
	// Edited reports a XEP-0308 correction from the original sender: the
	// record's Body is the newest corrected text.
	Edited bool
	// Retracted reports a XEP-0424 retraction by the original sender, and
	// Moderated a XEP-0425 moderation by the room (By, Reason say who and
	// why). Either way Body is empty: the message is a tombstone.
	Retracted bool
	Moderated bool
	By        string
	Reason    string
	// Reactions are the XEP-0444 reactions, aggregated: each sender counts
	// once per emoji, and a sender's newest set replaces their previous one.
	// In order of first use.
	Reactions []Reaction
	// ReactionSets are the senders' sets behind Reactions, in order of
	// first reaction: what a newer set of one of them replaces.
	ReactionSets []ReactionSet
	// Marker is the newest XEP-0333 marker the other side sent for the
	// message ("received", "displayed", "acknowledged"), "" for none.
	Marker string
}

// Removed reports whether the message is a tombstone.
func (f *Folded) Removed() bool { return f.Retracted || f.Moderated }

// Reaction is one emoji with the number of senders that chose it.
type Reaction struct {
	Emoji string
	Count int
	Ours  bool // one of them is the account
}

// MaxPending bounds the references a paging reader keeps while it looks for
// their targets further back (a reference to a message older than the
// file's start, or to a forged id, would otherwise be kept for good): past
// it, the half that has waited longest (read first) is dropped and their
// targets show unfolded.
const MaxPending = 1 << 14

// refKey is the key under which a reference looks for its target. A
// correction names the original stanza id (XEP-0308); in a room every other
// reference names the room's stanza-id; in 1:1 a retraction names the
// origin-id (the id of a message that had none), the others the id.
func refKey(r *Record) string {
	p, id := refTarget(r)
	if p == 0 {
		return ""
	}
	return string([]byte{p, 0}) + id
}

// refTarget is refKey as a prefix ('i' id, 'o' origin-id, 's' room
// stanza-id) and an id; prefix 0 for none.
func refTarget(r *Record) (byte, string) {
	p, _ := refPrefix(r.Kind, r.Type)
	id := r.Target()
	if id == "" {
		return 0, ""
	}
	return p, id
}

// refPrefix is the key prefix under which a reference of kind names its
// target, and whether kind is a reference kind.
func refPrefix(kind, typ string) (byte, bool) {
	switch {
	case kind == KindCorrection:
		return 'i', true
	case kind != KindReactions && kind != KindRetract && kind != KindModerate && kind != KindMarker:
		return 0, false
	case typ == "groupchat":
		return 's', true
	case kind == KindRetract:
		return 'o', true
	}
	return 'i', true
}

// targetKeys are the keys a message may be referred to by: its id, its
// origin-id (its id when it has none), and in a room the stanza-ids the
// room assigned (a stanza-id "by" anyone else may be forged by the
// sender). Only messages are targets.
func targetKeys(r *Record, fn func(string)) {
	targetIDs(r, func(p byte, id string) { fn(string([]byte{p, 0}) + id) })
}

// targetIDs is targetKeys as prefixes and ids.
func targetIDs(r *Record, fn func(p byte, id string)) {
	if r.Kind != "" {
		return
	}
	if r.ID != "" {
		fn('i', r.ID)
	}
	if r.OriginID != "" {
		fn('o', r.OriginID)
	} else if r.ID != "" {
		fn('o', r.ID)
	}
	if r.Type != "groupchat" {
		return
	}
	room := bareOf(r.From)
	if r.StanzaID != "" && strings.EqualFold(r.StanzaBy, room) {
		fn('s', r.StanzaID)
	}
	for _, s := range r.StanzaIDs {
		if s.ID != r.StanzaID && strings.EqualFold(s.By, room) {
			fn('s', s.ID)
		}
	}
}

// hasTarget reports whether message r may be referred to by key (p, id).
func hasTarget(r *Record, p byte, id string) bool {
	found := false
	targetIDs(r, func(q byte, v string) { found = found || (q == p && v == id) })
	return found
}

// nickOf is the sender's nick in a room.
func nickOf(r *Record) string {
	if r.Nick != "" {
		return r.Nick
	}
	_, res, _ := strings.Cut(r.From, "/")
	return res
}

// SameSender reports whether ref comes from the author of t: both ours;
// in a room the same occupant-id (when both have one), else the same nick;
// in 1:1 the same full JID.
func SameSender(ref, t *Record) bool {
	if ref.Dir != t.Dir {
		return false
	}
	if t.Dir == Out {
		return true
	}
	if t.Type == "groupchat" {
		if ref.OccupantID != "" && t.OccupantID != "" {
			return ref.OccupantID == t.OccupantID
		}
		return nickOf(ref) != "" && nickOf(ref) == nickOf(t) && strings.EqualFold(bareOf(ref.From), bareOf(t.From))
	}
	return ref.From == t.From
}

// senderKey names who reacted: us, a room occupant (occupant-id, else
// nick), or a contact (bare JID: all their devices share one set).
func senderKey(r *Record) string {
	switch {
	case r.Dir == Out:
		return ourReactions
	case r.Type == "groupchat" && r.OccupantID != "":
		return "o\x00" + r.OccupantID
	case r.Type == "groupchat":
		return "n\x00" + nickOf(r)
	}
	return "j\x00" + strings.ToLower(bareOf(r.From))
}

// reactionSets holds the current set of each sender for one message, in
// order of first reaction.
type reactionSets struct {
	order []string
	sets  map[string][]string
}

// apply folds reference ref into message t, returning false when ref may
// not change t (a correction or retraction from someone else, a moderation
// not from the room). Refs are applied oldest first.
func apply(t *Record, ref *Record, rs *reactionSets) bool {
	if t.IsRef() || t.IsMeta() || t.Kind != "" {
		return false // only messages are targets
	}
	switch ref.Kind {
	case KindCorrection:
		if !SameSender(ref, t) {
			return false
		}
		if !t.Folded.Removed() {
			t.Body = ref.Body
			t.Folded.Edited = true
		}
	case KindRetract:
		if !SameSender(ref, t) {
			return false
		}
		t.Body, t.Quote = "", ""
		t.Folded.Retracted = true
	case KindModerate:
		if t.Type != "groupchat" || ref.Dir != In || strings.Contains(ref.From, "/") ||
			!strings.EqualFold(ref.From, bareOf(t.From)) {
			return false
		}
		t.Body, t.Quote = "", ""
		t.Folded.Moderated, t.Folded.By, t.Folded.Reason = true, ref.By, ref.Body
	case KindReactions:
		k := senderKey(ref)
		if rs.sets == nil {
			rs.sets = make(map[string][]string)
		}
		if _, seen := rs.sets[k]; !seen {
			rs.order = append(rs.order, k)
		}
		rs.sets[k] = ref.Emojis
	case KindMarker:
		if ref.Dir == t.Dir {
			return false // a marker is about the other side's messages
		}
		t.Folded.Marker = ref.Body
	default:
		return false
	}
	return true
}

// aggregate sets t's reactions from the senders' sets.
func aggregate(t *Record, rs *reactionSets) {
	if len(rs.order) == 0 {
		return
	}
	sets := make([]ReactionSet, len(rs.order))
	for i, k := range rs.order {
		sets[i] = ReactionSet{Sender: k, Emojis: rs.sets[k]}
	}
	t.Folded.ReactionSets = sets
	t.Folded.Reactions = AggregateReactions(sets)
}

// Fold turns a run of records, oldest first, into the folded view: the
// messages (and room events) with their references applied, reference and
// meta records left out. A reference applies to the newest message before
// it with the key it names (see refKey), if it may change it (see Folded);
// otherwise, or when it names nothing in the run, it is dropped. Fold is pure: recs is not modified.
func Fold(recs []Record) []Record {
	out := make([]Record, 0, len(recs))
	targets := make(map[string]int)
	sets := make(map[int]*reactionSets)
	for i := range recs {
		r := recs[i]
		if r.IsMeta() {
			continue
		}
		if !r.IsRef() {
			out = append(out, r)
			n := len(out) - 1
			targetKeys(&out[n], func(k string) { targets[k] = n })
			continue
		}
		// The newest earlier message with the key is the target; a
		// reference that may not change it changes nothing.
		n, ok := targets[refKey(&r)]
		if !ok {
			continue
		}
		rs := sets[n]
		if rs == nil {
			rs = &reactionSets{}
			sets[n] = rs
		}
		apply(&out[n], &r, rs)
	}
	for n, rs := range sets {
		aggregate(&out[n], rs)
	}
	return out
}

// pendingRef is a reference read before its target (reading backwards).
type pendingRef struct {
	r   Record
	pos Position // where it was read
	seq int      // order of reading: a larger seq is older
}

// foldState folds while reading backwards, newest first: references are
// kept until the message they name is read, and applied to it then. It
// travels in a Cursor from one page to the next older one. Pages share it
// and a Cursor is a value: the UI pages one way from one cursor at a time.
type foldState struct {
	pending map[string][]*pendingRef
	n, seq  int
	// done holds, for reading forwards (After), the folded records of
	// targets already resolved by a backward walk (Around), by position.
	done map[Position]Record
	// used are the references the last resolve applied.
	used []*pendingRef
	// indexed marks the state of a read through the id index, which
	// carries nothing: the index finds each message's references.
	indexed bool
}

// add keeps a reference read backwards.
func (f *foldState) add(r Record, at Position) {
	k := refKey(&r)
	if k == "" {
		return
	}
	if f.pending == nil {
		f.pending = make(map[string][]*pendingRef)
	}
	if f.n >= MaxPending {
		f.dropOldest()
	}
	f.seq++
	f.pending[k] = append(f.pending[k], &pendingRef{r: r, seq: f.seq, pos: at})
	f.n++
}

// dropOldest forgets the half of the references kept that waited longest.
func (f *foldState) dropOldest() {
	for k, ps := range f.pending {
		ps = slices.DeleteFunc(ps, func(p *pendingRef) bool { return p.seq <= f.seq-MaxPending/2 })
		if len(ps) == 0 {
			delete(f.pending, k)
		} else {
			f.pending[k] = ps
		}
	}
	f.n = 0
	for _, ps := range f.pending {
		f.n += len(ps)
	}
}

// resolve applies to t, oldest first, the pending references that name it
// (they are newer than t: t is the newest message before them with their
// key) and forgets them, applied or not (one that may not change t changes
// nothing). It reports whether any applied.
func (f *foldState) resolve(t *Record) bool {
	if len(f.pending) == 0 || t.Kind != "" {
		return false
	}
	var cand []*pendingRef
	targetKeys(t, func(k string) {
		if ps, ok := f.pending[k]; ok {
			cand = append(cand, ps...)
			f.n -= len(ps)
			delete(f.pending, k)
		}
	})
	if len(cand) == 0 {
		return false
	}
	slices.SortFunc(cand, func(a, b *pendingRef) int { return b.seq - a.seq })
	var rs reactionSets
	f.used = f.used[:0]
	for _, p := range cand {
		if apply(t, &p.r, &rs) {
			f.used = append(f.used, p)
		}
	}
	aggregate(t, &rs)
	return len(f.used) > 0
}

// folded returns the folded record at p resolved by a backward walk.
func (f *foldState) folded(p Position) (Record, bool) {
	if f == nil {
		return Record{}, false
	}
	r, ok := f.done[p]
	return r, ok
}

// kindMark starts the "k" member as appendRecord writes it. A body cannot
// contain it: its quotes are escaped.
var kindMark = []byte(`"k":"`)

// refKind reports whether b, following a kindMark, names a reference kind
// (or is cut short at the end of a block, when it may).
func refKind(b []byte) bool {
	for _, k := range [...]string{KindCorrection, KindReactions, KindRetract, KindModerate, KindMarker} {
		n := min(len(b), len(k)+1)
		if string(b[:n]) == (k + `"`)[:n] {
			return true
		}
	}
	return false
}

// mayHaveRefs reports whether the file at path may hold a reference
// record, reading it in large blocks without splitting lines: a
// conversation without references needs no folding pass. A file that
// cannot be read may.
func mayHaveRefs(path string) bool {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	if err != nil {
		return true
	}
	defer f.Close()
	const overlap = 32 // longer than a mark and the longest kind
	buf := make([]byte, 256<<10)
	keep := 0
	for {
		n, err := f.Read(buf[keep:])
		block := buf[:keep+n]
		// 'k' is rarer than the quote that starts the mark.
		for i := 1; i < len(block); {
			j := bytes.IndexByte(block[i:], 'k')
			if j < 0 {
				break
			}
			i += j
			if block[i-1] == '"' && bytes.HasPrefix(block[i+1:], kindMark[2:]) && refKind(block[i+4:]) {
				return true
			}
			i++
		}
		if err != nil {
			return !errors.Is(err, io.EOF)
		}
		keep = copy(buf, block[max(len(block)-overlap, 0):])
	}
}
