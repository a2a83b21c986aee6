package sm

// This file holds the byte-level element tracker that finds the top-level
// elements (children of <stream:stream>) in one direction of an XMPP stream.

// lexState is where the tracker is inside the XML syntax.
type lexState uint8

const (
	lexText    lexState = iota // character data between tags
	lexOpen                    // just after '<'
	lexName                    // reading a tag name
	lexTag                     // inside a tag, between attributes
	lexQuote                   // inside a quoted attribute value
	lexSlash                   // saw '/' inside a start tag
	lexPI                      // inside <? ... ?>
	lexBang                    // after "<!", deciding comment, CDATA or declaration
	lexComment                 // inside <!-- ... -->
	lexCDATA                   // inside <![CDATA[ ... ]]>
	lexDecl                    // inside <!DOCTYPE ...> and the like, up to '>'
)

// maxName bounds the bytes of a tag name the tracker keeps; longer names are
// never stanza names, so they are only marked as too long.
const maxName = 32

// maxTrackDepth bounds the nesting the tracker follows. Deeper input is
// refused inbound (MaxDepth, limit.go); outbound the tracker only stops
// counting levels so that no input can overflow it.
const maxTrackDepth = 1 << 20

// element is a complete top-level element seen by a tracker.
type element struct {
	name   string // tag name as written, prefix included
	stanza bool   // message, presence or iq
	raw    []byte // its bytes, only when the tracker captures; valid until the next feed
}

// tracker follows the element structure of a byte stream, one byte at a
// time, without allocating per byte. Depth 0 is outside any stream, depth 1
// inside <stream:stream>, and a top-level element spans depth 2 and deeper. A
// new stream header at depth 0 or 1 (a stream restart) resets the depth to 1.
//
// It is a lexer, not a validator: on malformed input it never panics and
// keeps going; the XML decoder that reads the same bytes reports the error.
type tracker struct {
	state   lexState
	quote   byte
	depth   int
	isEnd   bool // the tag being read is an end tag
	name    [maxName]byte
	nameLen int
	nameBig bool // the name was longer than maxName
	tail    [8]byte
	tailLen int // bytes of tail in use (lexBang) or a rolling window (lexPI, lexComment, lexCDATA)

	top     bool   // inside a top-level element (from its '<')
	topName string // name of the top-level element's start tag
	topStz  bool   // topName is a stanza name
	capture bool   // keep the bytes of top-level elements
	capMax  int    // keep at most this many of one element (0: all), setting cut
	cut     bool   // the last element's bytes were cut at capMax (until the next begins)
	buf     []byte

	// Inbound only (limits set): what the limits of limit.go measure.
	limits  bool
	size    int    // bytes of the current top-level element so far
	run     int    // bytes since the last '<' or tag end: one token's worth
	limit   int    // bytes the current top-level element may have
	checked bool   // an allowance was looked up for it
	head    []byte // its first maxHead bytes
}

// atBoundary reports whether the tracker is between top-level elements.
func (t *tracker) atBoundary() bool {
	return t.state == lexText && t.depth <= 1 && !t.top
}

// feed processes one byte and returns a complete top-level element when
// this byte ends one.
func (t *tracker) feed(b byte) (element, bool) {
	if t.capture && t.top {
		if t.capMax == 0 || len(t.buf) < t.capMax {
			t.buf = append(t.buf, b)
		} else {
			t.cut = true
		}
	}
	if t.limits {
		t.run++
		if t.top {
			t.size++
			if len(t.head) < maxHead {
				t.head = append(t.head, b)
			}
		}
	}
	switch t.state {
	case lexText:
		if b == '<' {
			t.state = lexOpen
			t.run = 0
			if t.depth == 1 && !t.top {
				// A top-level element may start here; capture from its '<'.
				t.top = true
				t.topName = ""
				t.buf = append(t.buf[:0], '<')
				t.cut = false
				t.size, t.limit, t.checked = 1, MaxStanzaSize, false
				t.head = append(t.head[:0], '<')
			}
		}
	case lexOpen:
		t.nameLen, t.nameBig, t.isEnd = 0, false, false
		switch b {
		case '/':
			t.isEnd = true
			t.state = lexName
		case '?':
			t.state, t.tailLen = lexPI, 0
			t.notElement()
		case '!':
			t.state, t.tailLen = lexBang, 0
			if t.depth <= 1 {
				t.notElement()
			}
		default:
			t.state = lexName
			t.addName(b)
		}
	case lexName:
		switch {
		case isSpace(b):
			t.state = lexTag
		case b == '/':
			t.state = lexSlash
		case b == '>':
			return t.endTag(false)
		default:
			t.addName(b)
		}
	case lexTag:
		return t.inTag(b)
	case lexQuote:
		if b == t.quote {
			t.state = lexTag
		}
	case lexSlash:
		if b == '>' {
			return t.endTag(true)
		}
		return t.inTag(b)
	case lexPI:
		if b == '>' && t.tailLen > 0 && t.tail[0] == '?' {
			t.state = lexText
		}
		t.roll(b)
	case lexBang:
		t.tail[t.tailLen] = b
		t.tailLen++
		s := string(t.tail[:t.tailLen])
		switch {
		case s == "--":
			t.state, t.tailLen = lexComment, 0
		case s == "[CDATA[":
			t.state, t.tailLen = lexCDATA, 0
		case b == '>':
			t.state = lexText
		case !isPrefix(s, "--") && !isPrefix(s, "[CDATA["):
			t.state = lexDecl
		}
	case lexComment:
		if b == '>' && t.tailLen >= 2 && t.tail[0] == '-' && t.tail[1] == '-' {
			t.state = lexText
		}
		t.roll(b)
	case lexCDATA:
		if b == '>' && t.tailLen >= 2 && t.tail[0] == ']' && t.tail[1] == ']' {
			t.state = lexText
		}
		t.roll(b)
	case lexDecl:
		if b == '>' {
			t.state = lexText
		}
	}
	return element{}, false
}

// inTag handles a byte between the attributes of a tag.
func (t *tracker) inTag(b byte) (element, bool) {
	switch b {
	case '"', '\'':
		t.quote = b
		t.state = lexQuote
	case '/':
		t.state = lexSlash
	case '>':
		return t.endTag(false)
	default:
		t.state = lexTag
	}
	return element{}, false
}

// roll keeps the last two bytes seen, most recent first.
func (t *tracker) roll(b byte) {
	t.tail[1] = t.tail[0]
	t.tail[0] = b
	if t.tailLen < 2 {
		t.tailLen++
	}
}

// notElement drops a capture begun at a '<' that turned out not to start a
// top-level element.
func (t *tracker) notElement() {
	if t.top && t.depth <= 1 {
		t.top = false
		t.buf = t.buf[:0]
	}
}

func (t *tracker) addName(b byte) {
	if t.nameLen == maxName {
		t.nameBig = true
		return
	}
	t.name[t.nameLen] = b
	t.nameLen++
}

// endTag is called at the '>' of a start or end tag (selfClosing for "/>").
func (t *tracker) endTag(selfClosing bool) (element, bool) {
	t.state = lexText
	t.run = 0
	if t.isEnd {
		if t.depth > 0 {
			t.depth--
		}
		if t.depth == 1 && t.top {
			return t.complete()
		}
		// The end of the stream itself, or a stray end tag at the top.
		t.notElement()
		return element{}, false
	}
	if t.depth <= 1 && t.isStreamHeader() {
		t.depth = 1
		t.notElement()
		return element{}, false
	}
	if t.depth == 1 && t.top {
		t.topName = t.nameString()
		t.topStz = isStanzaName(t.topName)
		if selfClosing {
			return t.complete()
		}
	}
	if selfClosing {
		return element{}, false
	}
	if t.depth < maxTrackDepth {
		t.depth++
	}
	return element{}, false
}

// complete ends the current top-level element. The raw bytes it returns
// share the tracker's buffer: a caller that keeps them copies them.
func (t *tracker) complete() (element, bool) {
	t.top = false
	e := element{name: t.topName, stanza: t.topStz}
	if t.capture {
		e.raw = t.buf
	}
	t.buf = t.buf[:0]
	return e, true
}

// nameString returns the tag name just read. The names of stanzas and of
// the stream management nonzas come from constants, so that tracking them
// allocates nothing.
func (t *tracker) nameString() string {
	if t.nameBig {
		return ""
	}
	switch n := t.name[:t.nameLen]; string(n) {
	case "message":
		return "message"
	case "presence":
		return "presence"
	case "iq":
		return "iq"
	case "r":
		return "r"
	case "a":
		return "a"
	default:
		return string(n)
	}
}

// isStreamHeader reports whether the start tag just read opens a stream.
func (t *tracker) isStreamHeader() bool {
	n := t.nameString()
	return n == "stream:stream" || (len(n) > 7 && n[len(n)-7:] == ":stream")
}

// isStanzaName reports whether a top-level element name is a stanza. A
// prefix other than "stream" is allowed for completeness; XMPP servers and
// mellium write stanzas unprefixed in the jabber:client namespace.
func isStanzaName(n string) bool {
	for i := len(n) - 1; i >= 0; i-- {
		if n[i] == ':' {
			if n[:i] == "stream" {
				return false
			}
			n = n[i+1:]
			break
		}
	}
	return n == "message" || n == "presence" || n == "iq"
}

func isSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\r' || b == '\n'
}

func isPrefix(s, of string) bool {
	return len(s) <= len(of) && of[:len(s)] == s
}
