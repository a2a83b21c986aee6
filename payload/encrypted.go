package payload

import (
	"bytes"
	"encoding/xml"
	"io"

	"parley/msg"
)

// NSOMEMO is legacy OMEMO (XEP-0384 0.3), the namespace Conversations,
// Dino, Gajim, Monal and profanity speak.
const NSOMEMO = "eu.siacs.conversations.axolotl"

// MaxEncrypted bounds the <encrypted/> element kept (as the OMEMO parser
// bounds it: 256 KiB).
const MaxEncrypted = 256 << 10

// registerEncrypted registers the capture of OMEMO's <encrypted/>, with
// the PEP interest in device lists that OMEMO needs (XEP-0163 +notify).
func registerEncrypted(r *Registry) {
	r.Register(NSOMEMO, "encrypted", parseEncrypted, NSOMEMO+".devicelist+notify")
}

// parseEncrypted keeps the element serialized (Message.Encrypted): it is
// decrypted later, off the stanza handler, where the keys are. The first
// one counts.
func parseEncrypted(d *Decoder, start xml.StartElement, m *msg.Message) error {
	if m.Encrypted != nil {
		return nil
	}
	raw, cut, err := d.Raw(start, MaxEncrypted)
	if err != nil {
		return err
	}
	m.Encrypted = &msg.Encrypted{NS: start.Name.Space, Raw: raw, Cut: cut}
	return nil
}

// Raw reads the element whose start was just read to its end and returns
// it serialized (namespaces as given), at most limit bytes; past that it
// reads on to the end, keeps nothing and reports cut.
func (d *Decoder) Raw(start xml.StartElement, limit int) (raw []byte, cut bool, err error) {
	var buf bytes.Buffer
	enc := xml.NewEncoder(&limitWriter{w: &buf, n: limit, cut: &cut})
	encode := func(t xml.Token) {
		if !cut {
			if enc.EncodeToken(t) != nil {
				cut = true
			}
		}
	}
	encode(bare(start))
	level := d.depth
	for d.depth >= level {
		tok, err := d.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			encode(bare(t))
		case xml.EndElement:
			encode(t)
		case xml.CharData:
			encode(t.Copy())
		}
	}
	if !cut && enc.Flush() != nil {
		cut = true
	}
	if cut {
		return nil, true, nil
	}
	return buf.Bytes(), false, nil
}

// bare is se without its namespace declarations (the encoder writes those
// from the names), prefixed attributes other than xml: dropped.
func bare(se xml.StartElement) xml.StartElement {
	out := xml.StartElement{Name: se.Name}
	for _, a := range se.Attr {
		if a.Name.Local == "xmlns" || a.Name.Space == "xmlns" || (a.Name.Space != "" && a.Name.Space != "http://www.w3.org/XML/1998/namespace") {
			continue
		}
		out.Attr = append(out.Attr, a)
	}
	return out
}

// limitWriter fails past n bytes.
type limitWriter struct {
	w   io.Writer
	n   int
	cut *bool
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if len(p) > l.n {
		*l.cut = true
		return 0, io.ErrShortWrite
	}
	l.n -= len(p)
	return l.w.Write(p)
}
