// Package render is parley's one message renderer: it turns a message,
// live or folded from the history files, into the text lines that are drawn,
// sanitized, with its marks: "(edited)" after a corrected text, a tombstone
// in place of a retracted or moderated one, the reactions on a line of
// their own. The UI (1:1 windows, rooms, room replay, search results) and
// `parley history` draw through it, so a message reads the same everywhere.
//
// Everything in a Message is untrusted (it came from the network, or from a
// file): the output holds no control character, no escape sequence, no
// invisible or bidi control, and runs of combining marks are capped (package
// sanitize). The package knows no widget: the UI lays the lines out.
package render

import (
	"strconv"
	"strings"

	"parley/history"
	"parley/sanitize"
)

// Message is what the renderer needs of a message.
type Message struct {
	// Body is the raw text.
	Body string
	// Edited marks a text replaced by its sender's correction (XEP-0308).
	Edited bool
	// Retracted and Moderated make the message a tombstone (XEP-0424,
	// XEP-0425); By and Reason say who removed it and why.
	Retracted bool
	Moderated bool
	By        string
	Reason    string
	// Reactions are aggregated per emoji (XEP-0444).
	Reactions []history.Reaction
	// Unstyled is the sender's XEP-0393 <unstyled/> hint: the body is
	// drawn without message styling.
	Unstyled bool
	// Enc is how the message was end-to-end encrypted (history.EncOMEMO,
	// EncUntrusted, EncFailed; "" in the clear).
	Enc string
}

// FromRecord is the Message of a folded history record.
func FromRecord(r history.Record) Message {
	return Message{Body: r.Body, Edited: r.Folded.Edited, Retracted: r.Folded.Retracted,
		Moderated: r.Folded.Moderated, By: r.Folded.By, Reason: r.Folded.Reason, Reactions: r.Folded.Reactions,
		Unstyled: r.Unstyled, Enc: r.Enc}
}

// Marks of a rendered message.
const (
	EditedMark    = "(edited)"
	RetractedText = "(message retracted)"
)

// Removed reports whether m is a tombstone.
func (m Message) Removed() bool { return m.Retracted || m.Moderated }

// Lines returns the sanitized lines of m's text as drawn: its body lines
// with EditedMark after the last one, or the tombstone. body is m.Body, or
// what the caller kept of it (a "/me " cut off, a long body clipped).
func Lines(m Message, body string) []string {
	if m.Removed() {
		return []string{Tombstone(m)}
	}
	lines := sanitize.Lines(body)
	if m.Edited {
		last := len(lines) - 1
		if lines[last] == "" {
			lines[last] = EditedMark
		} else {
			lines[last] += " " + EditedMark
		}
	}
	return lines
}

// Tombstone is the text drawn in place of a removed message:
// "(message retracted)", or "(removed by moderator NICK: reason)".
func Tombstone(m Message) string {
	if !m.Moderated {
		return RetractedText
	}
	who := m.By
	if _, nick, ok := strings.Cut(who, "/"); ok && nick != "" {
		who = nick
	}
	s := "(removed by moderator"
	if who = sanitize.Truncate(sanitize.Text(who), QuoteWhoWidth); who != "" {
		s += " " + who
	}
	if reason := sanitize.Text(m.Reason); reason != "" {
		s += ": " + reason
	}
	return s + ")"
}

// ReactionsLine is the line drawn under a message with reactions, "" when
// it has none: "👍 2  ❤ 1", each emoji with its count, ours marked with a
// "*" after the count.
func ReactionsLine(rs []history.Reaction) string {
	var b strings.Builder
	for _, r := range rs {
		e := sanitize.Text(r.Emoji)
		if e == "" || r.Count <= 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("  ")
		}
		b.WriteString(e)
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(r.Count))
		if r.Ours {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// Name returns an untrusted name (a nick, a JID) made safe for one line.
func Name(s string) string { return sanitize.Text(s) }

// Marks of how a message was encrypted, drawn before its speaker.
const (
	EncryptedMark   = "[E]"           // OMEMO from (or to) a trusted device
	UntrustedMark   = "[E untrusted]" // OMEMO from a device not trusted
	FailedMark      = "[E failed]"    // OMEMO that could not be decrypted: the text says why
	UnencryptedMark = "[plain]"       // in the clear, in a conversation where OMEMO is on
)

// EncMark is the mark of a message encrypted as enc; plainMarked says the
// conversation is encrypted, so a message in the clear is marked too.
func EncMark(enc string, plainMarked bool) string {
	switch enc {
	case history.EncOMEMO:
		return EncryptedMark
	case history.EncUntrusted:
		return UntrustedMark
	case history.EncFailed:
		return FailedMark
	case "":
		if plainMarked {
			return UnencryptedMark
		}
		return ""
	}
	return EncryptedMark // a later kind of encryption: encrypted all the same
}

// QuoteWidth bounds the quoted text of a reply, and QuoteWhoWidth its
// author's name, in cells.
const (
	QuoteWidth    = 60
	QuoteWhoWidth = 24
)

// QuoteLine is the line drawn above a reply (XEP-0461): "> who: text", the
// quoted message on one trimmed line; "> text" when the author is not
// known. who and text are untrusted.
func QuoteLine(who, text string) string {
	text = strings.Join(strings.Fields(sanitize.Text(text)), " ")
	if text == "" {
		text = "…"
	}
	text = sanitize.Truncate(text, QuoteWidth)
	if who = sanitize.Text(who); who != "" {
		return "> " + who + ": " + text
	}
	return "> " + text
}

// FallbackText is the quoted text of a reply's XEP-0428 fallback (the part
// of the body meant for clients without replies, "> alice wrote:\n> hi"):
// its lines without their "> " marks, on one line, the attribution line
// ("… wrote:") left out when the author is told apart.
func FallbackText(quote string, author bool) string {
	var parts []string
	for _, l := range sanitize.Lines(quote) {
		l = strings.TrimSpace(l)
		for strings.HasPrefix(l, ">") {
			l = strings.TrimSpace(l[1:])
		}
		if l != "" {
			parts = append(parts, l)
		}
	}
	if author && len(parts) > 1 && strings.HasSuffix(parts[0], ":") {
		parts = parts[1:] // "alice wrote:"
	}
	return strings.Join(parts, " ")
}
