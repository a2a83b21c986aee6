package history

import "slices"

// ReactionSet is one sender's whole XEP-0444 reaction set for a message,
// as the newest reactions record of that sender says: the unit a new set
// replaces.
type ReactionSet struct {
	// Sender names who reacted (see ReactionSender): equal keys are the
	// same sender.
	Sender string
	Emojis []string
}

// ourReactions is the ReactionSender of the account's own reactions.
const ourReactions = "\x00me"

// ReactionSender is the key under which Fold keeps the reaction set of the
// sender of reactions record r: the account (Dir Out, any of its clients),
// a room occupant (its occupant-id, else its nick), or a contact (the
// bare JID: all their devices share one set).
func ReactionSender(r *Record) string { return senderKey(r) }

// SetReactions returns sets with the set of sender replaced by emojis (a
// sender seen for the first time comes last; an empty set is kept, so the
// sender keeps their place). sets is not modified.
func SetReactions(sets []ReactionSet, sender string, emojis []string) []ReactionSet {
	out := slices.Clone(sets)
	for i := range out {
		if out[i].Sender == sender {
			out[i].Emojis = emojis
			return out
		}
	}
	return append(out, ReactionSet{Sender: sender, Emojis: emojis})
}

// OurReactions returns the account's own set among sets (nil for none).
func OurReactions(sets []ReactionSet) []string {
	for _, s := range sets {
		if s.Sender == ourReactions {
			return s.Emojis
		}
	}
	return nil
}

// AggregateReactions counts the senders of each emoji across sets, in
// order of first use, as Fold does: each sender counts once per emoji.
func AggregateReactions(sets []ReactionSet) []Reaction {
	var out []Reaction
	for _, s := range sets {
		for _, e := range s.Emojis {
			i := slices.IndexFunc(out, func(r Reaction) bool { return r.Emoji == e })
			if i < 0 {
				out = append(out, Reaction{Emoji: e})
				i = len(out) - 1
			}
			out[i].Count++
			out[i].Ours = out[i].Ours || s.Sender == ourReactions
		}
	}
	return out
}
