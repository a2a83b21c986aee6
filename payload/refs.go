package payload

import (
	"encoding/xml"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"parley/msg"
)

// registerRefs registers the parsers of payloads that refer to another
// message: corrections, replies and their fallbacks, reactions,
// retractions, moderations and archive tombstones.
func registerRefs(r *Registry) {
	r.Register(NSCorrect, "replace", parseReplace, NSCorrect)
	r.Register(NSReply, "reply", parseReply, NSReply)
	r.Register(NSFallback, "fallback", parseFallback, NSFallback)
	r.Register(nsFeatureFallback, "fallback", parseFallback) // slixmpp 1.8's replies
	r.Register(NSReactions, "reactions", parseReactions, NSReactions)
	r.Register(NSRetract1, "retract", parseRetract1, NSRetract1)
	r.Register(NSFasten, "apply-to", parseApplyTo, NSRetract0)
	r.Register(NSRetract1, "retracted", parseRetracted)
	r.Register(NSRetract0, "retracted", parseRetracted)
	// Moderations come inside <apply-to/> (generation 0) and <retract/>
	// (generation 1); these two read the archive's tombstones.
	r.Register(NSModerate0, "moderated", parseModeratedTombstone, NSModerate0)
	r.Register(NSModerate1, "moderated", parseModeratedTombstone, NSModerate1)
}

func parseReplace(_ *Decoder, start xml.StartElement, m *msg.Message) error {
	v, ok := id(start, "id")
	if !ok {
		return errMalformed
	}
	if m.Correction == nil {
		m.Correction = &msg.Correction{ID: v}
	}
	return nil
}

func parseReply(_ *Decoder, start xml.StartElement, m *msg.Message) error {
	v, ok := id(start, "id")
	if !ok {
		return errMalformed
	}
	if m.Reply != nil {
		return nil
	}
	r := &msg.Reply{ID: v}
	if to := Attr(start, "to"); to != "" && len(to) <= 3*1023+2 {
		if j, err := jid.Parse(to); err == nil {
			r.To = j
		}
	}
	m.Reply = r
	return nil
}

func parseFallback(d *Decoder, start xml.StartElement, m *msg.Message) error {
	if len(m.Fallbacks) >= MaxFallbacks {
		m.Truncated = true
		return nil
	}
	f := msg.Fallback{For: Attr(start, "for")}
	if len(f.For) > MaxID {
		return errMalformed
	}
	any := false
	err := d.Each(func(se xml.StartElement) error {
		if se.Name.Space != start.Name.Space || (se.Name.Local != "body" && se.Name.Local != "subject") {
			return nil
		}
		any = true
		rg, err := rangeOf(se)
		if err != nil {
			return err
		}
		if se.Name.Local == "body" {
			if len(f.Body) >= MaxRanges {
				return errMalformed
			}
			f.Body = append(f.Body, rg)
		} else {
			if len(f.Subject) >= MaxRanges {
				return errMalformed
			}
			f.Subject = append(f.Subject, rg)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !any {
		f.Body = []msg.Range{{Start: 0, End: msg.WholeBody}}
	}
	m.Fallbacks = append(m.Fallbacks, f)
	return nil
}

// rangeOf reads the start and end of a fallback <body/> or <subject/>; with
// neither, the range is the whole text.
func rangeOf(se xml.StartElement) (msg.Range, error) {
	s, hasS, err := offset(se, "start")
	if err != nil {
		return msg.Range{}, err
	}
	e, hasE, err := offset(se, "end")
	if err != nil {
		return msg.Range{}, err
	}
	switch {
	case !hasS && !hasE:
		return msg.Range{Start: 0, End: msg.WholeBody}, nil
	case hasS != hasE || e < s:
		return msg.Range{}, errMalformed
	}
	return msg.Range{Start: s, End: e}, nil
}

func parseReactions(d *Decoder, start xml.StartElement, m *msg.Message) error {
	v, ok := id(start, "id")
	if !ok {
		return errMalformed
	}
	if m.Reactions != nil {
		return nil
	}
	rs := &msg.Reactions{ID: v, Emojis: []string{}}
	err := d.Each(func(se xml.StartElement) error {
		if se.Name.Space != NSReactions || se.Name.Local != "reaction" {
			return nil
		}
		if len(rs.Emojis) >= MaxReactions {
			m.Truncated = true
			return nil
		}
		s, cut, err := d.Text(MaxReactionBytes)
		if err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if cut {
			m.Truncated = true
			return nil
		}
		if s == "" {
			return nil
		}
		for _, e := range rs.Emojis {
			if e == s {
				return nil
			}
		}
		rs.Emojis = append(rs.Emojis, s)
		return nil
	})
	if err != nil {
		return err
	}
	m.Reactions = rs
	return nil
}

// parseRetract1 reads a urn:xmpp:message-retract:1 <retract/>: the sender's
// own retraction, or, with a <moderated/> child, a room's moderation.
func parseRetract1(d *Decoder, start xml.StartElement, m *msg.Message) error {
	v, ok := id(start, "id")
	if !ok {
		return errMalformed
	}
	var mod *msg.Moderation
	var reason string
	err := d.Each(func(se xml.StartElement) error {
		switch {
		case se.Name.Space == NSModerate1 && se.Name.Local == "moderated":
			mod = &msg.Moderation{ID: v, Gen: 1}
			return readModerated(d, se, mod)
		case se.Name.Space == NSRetract1 && se.Name.Local == "reason":
			var err error
			reason, _, err = d.Text(MaxReason)
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	if mod != nil {
		if mod.Reason == "" {
			mod.Reason = reason
		}
		if m.Moderation == nil {
			m.Moderation = mod
		}
		return nil
	}
	if m.Retraction == nil {
		m.Retraction = &msg.Retraction{ID: v, Gen: 1}
	}
	return nil
}

// readModerated reads a <moderated/> (either generation) into mod: its by,
// the moderator's occupant-id and a reason inside it.
func readModerated(d *Decoder, se xml.StartElement, mod *msg.Moderation) error {
	if by := Attr(se, "by"); len(by) <= 3*1023+2 {
		mod.By = by
	}
	return d.Each(func(c xml.StartElement) error {
		switch {
		case c.Name.Space == NSOccupantID && c.Name.Local == "occupant-id":
			mod.OccupantID, _ = id(c, "id")
		case c.Name.Local == "reason" && (c.Name.Space == se.Name.Space || c.Name.Space == NSRetract1):
			r, _, err := d.Text(MaxReason)
			mod.Reason = r
			return err
		}
		return nil
	})
}

// parseApplyTo reads a XEP-0422 fastening: the first generation of
// retraction and moderation (urn:xmpp:message-retract:0 and
// urn:xmpp:message-moderate:0). Other fastenings are ignored.
func parseApplyTo(d *Decoder, start xml.StartElement, m *msg.Message) error {
	v, ok := id(start, "id")
	if !ok {
		return errMalformed
	}
	var ret *msg.Retraction
	var mod *msg.Moderation
	err := d.Each(func(se xml.StartElement) error {
		switch {
		case se.Name.Space == NSRetract0 && se.Name.Local == "retract":
			ret = &msg.Retraction{ID: v, Gen: 0}
		case se.Name.Space == NSModerate0 && se.Name.Local == "moderated":
			mod = &msg.Moderation{ID: v, Gen: 0}
			return readModerated(d, se, mod)
		}
		return nil
	})
	if err != nil {
		return err
	}
	switch {
	case mod != nil && m.Moderation == nil:
		m.Moderation = mod
	case mod == nil && ret != nil && m.Retraction == nil:
		m.Retraction = ret
	}
	return nil
}

// parseRetracted reads an archive's <retracted/> tombstone (either
// generation); a <moderated/> inside it makes it a moderation's.
func parseRetracted(d *Decoder, start xml.StartElement, m *msg.Message) error {
	ts := &msg.Tombstone{Stamp: stamp(start)}
	mod := &msg.Moderation{}
	var reason string
	err := d.Each(func(se xml.StartElement) error {
		switch {
		case se.Name.Local == "moderated" && (se.Name.Space == NSModerate1 || se.Name.Space == NSModerate0):
			ts.Moderated = true
			return readModerated(d, se, mod)
		case se.Name.Local == "reason" && se.Name.Space == start.Name.Space:
			var err error
			reason, _, err = d.Text(MaxReason)
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	if ts.Moderated {
		ts.By, ts.OccupantID, ts.Reason = mod.By, mod.OccupantID, mod.Reason
		if ts.Reason == "" {
			ts.Reason = reason
		}
	}
	if m.Tombstone == nil {
		m.Tombstone = ts
	}
	return nil
}

// parseModeratedTombstone reads a top-level <moderated/> holding a
// <retracted/>: the first generation's moderation tombstone in an archive.
// A <moderated/> without one means nothing at top level and is ignored.
func parseModeratedTombstone(d *Decoder, start xml.StartElement, m *msg.Message) error {
	mod := &msg.Moderation{}
	if by := Attr(start, "by"); len(by) <= 3*1023+2 {
		mod.By = by
	}
	var ts *msg.Tombstone
	err := d.Each(func(c xml.StartElement) error {
		switch {
		case c.Name.Local == "retracted" && (c.Name.Space == NSRetract0 || c.Name.Space == NSRetract1):
			ts = &msg.Tombstone{Stamp: stamp(c), Moderated: true}
		case c.Name.Space == NSOccupantID && c.Name.Local == "occupant-id":
			mod.OccupantID, _ = id(c, "id")
		case c.Name.Local == "reason" && c.Name.Space == start.Name.Space:
			r, _, err := d.Text(MaxReason)
			mod.Reason = r
			return err
		}
		return nil
	})
	if err != nil || ts == nil {
		return err
	}
	ts.By, ts.OccupantID, ts.Reason = mod.By, mod.OccupantID, mod.Reason
	if m.Tombstone == nil {
		m.Tombstone = ts
	}
	return nil
}

// stamp parses a stamp attribute; zero when missing or bad.
func stamp(se xml.StartElement) time.Time {
	t, err := time.Parse(time.RFC3339Nano, Attr(se, "stamp"))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
