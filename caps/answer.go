package caps

import (
	"encoding/xml"
	"io"

	"mellium.im/xmlstream"
)

// Answer is Query built once: the tokens of the disco#info answer for our
// own capabilities, replayed for each request. A login with a large roster
// on one server brings as many requests as contacts (each contact's PEP
// service asks once for our features), and building the answer afresh
// made most of the garbage of such a login.
//
// Its tokens are shared by the readers it returns: it is meant for one
// session's input goroutine (mellium's encoder rewrites a start element's
// attributes in place, with the same values).
type Answer struct {
	start xml.StartElement // <query xmlns=disco#info> without node
	inner []xml.Token      // identities and features
}

// NewAnswer builds the answer for info.
func NewAnswer(info Info) *Answer {
	a := &Answer{}
	r := Query("", info)
	depth := 0
	for {
		tok, err := r.Token()
		if tok != nil {
			switch t := tok.(type) {
			case xml.StartElement:
				depth++
				if depth == 1 {
					a.start = t
				} else {
					a.inner = append(a.inner, t)
				}
			case xml.EndElement:
				if depth > 1 {
					a.inner = append(a.inner, t)
				}
				depth--
			default:
				a.inner = append(a.inner, tok)
			}
		}
		if err != nil {
			return a
		}
	}
}

// Query returns what Query(node, info) returns for the Answer's info.
func (a *Answer) Query(node string) xml.TokenReader {
	start := a.start
	if node != "" {
		start.Attr = []xml.Attr{{Name: xml.Name{Local: "node"}, Value: node}}
	}
	return &answerReader{a: a, start: start}
}

// answerReader reads one Answer: its start, inner tokens and end.
type answerReader struct {
	a     *Answer
	start xml.StartElement
	i     int // tokens read
}

// Token implements xml.TokenReader.
func (r *answerReader) Token() (xml.Token, error) {
	i := r.i
	switch {
	case i == 0:
		r.i++
		return r.start, nil
	case i <= len(r.a.inner):
		r.i++
		return r.a.inner[i-1], nil
	case i == len(r.a.inner)+1:
		r.i++
		return r.start.End(), nil
	}
	return nil, io.EOF
}

// WriteXML implements xmlstream.WriterTo: xmlstream.Copy writes the
// tokens without boxing each again.
func (r *answerReader) WriteXML(w xmlstream.TokenWriter) (int, error) {
	n := 0
	for {
		tok, err := r.Token()
		if err != nil {
			return n, nil
		}
		if err := w.EncodeToken(tok); err != nil {
			return n, err
		}
		n++
	}
}
