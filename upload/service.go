package upload

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// Namespaces of XEP-0363 and the service discovery it goes through.
const (
	NS         = "urn:xmpp:http:upload:0"
	nsInfo     = "http://jabber.org/protocol/disco#info"
	nsItems    = "http://jabber.org/protocol/disco#items"
	nsData     = "jabber:x:data"
	maxTokens  = 4000 // tokens of one IQ reply read; a longer reply is refused
	maxItems   = 32   // disco items of the server asked about
	maxURL     = 4096 // bytes of a slot URL
	maxHeaders = 8
	maxHeader  = 4096 // bytes of one header value
)

// IQSender sends an IQ and returns its reply (*xmpp.Session is one). It
// waits for the reply: never call it from a stanza handler.
type IQSender interface {
	SendIQ(ctx context.Context, iq xml.TokenReader) (xmlstream.TokenReadCloser, error)
}

// Service is an upload service: its address and the largest file it takes
// (0 when it announces no limit).
type Service struct {
	JID     jid.JID
	MaxSize int64
}

// ErrNoService is returned by FindService when the server has no upload
// service.
var ErrNoService = errors.New("the server offers no HTTP upload service (XEP-0363)")

// FindService looks for the upload service of server: the server itself
// when it announces XEP-0363, else the first of its disco items that does.
func FindService(ctx context.Context, s IQSender, server jid.JID) (Service, error) {
	if svc, ok, err := probe(ctx, s, server); err != nil || ok {
		return svc, err
	}
	var items []jid.JID
	err := request(ctx, s, iq("get", server, query(nsItems)), func(d *xml.Decoder) error {
		var q struct {
			Items []struct {
				JID string `xml:"jid,attr"`
			} `xml:"item"`
		}
		if err := decodeChild(d, nsItems, "query", &q); err != nil {
			return err
		}
		for _, it := range q.Items {
			if j, err := jid.Parse(it.JID); err == nil && len(items) < maxItems {
				items = append(items, j)
			}
		}
		return nil
	})
	if err != nil {
		return Service{}, fmt.Errorf("service discovery of %s: %w", server, err)
	}
	for _, j := range items {
		svc, ok, err := probe(ctx, s, j)
		if ctx.Err() != nil {
			return Service{}, ctx.Err()
		}
		if err == nil && ok {
			return svc, nil
		}
	}
	return Service{}, ErrNoService
}

// probe asks j's disco#info whether it is an upload service.
func probe(ctx context.Context, s IQSender, j jid.JID) (Service, bool, error) {
	svc := Service{JID: j}
	found := false
	err := request(ctx, s, iq("get", j, query(nsInfo)), func(d *xml.Decoder) error {
		var q struct {
			Features []struct {
				Var string `xml:"var,attr"`
			} `xml:"feature"`
			Forms []struct {
				Fields []struct {
					Var    string   `xml:"var,attr"`
					Values []string `xml:"value"`
				} `xml:"field"`
			} `xml:"jabber:x:data x"`
		}
		if err := decodeChild(d, nsInfo, "query", &q); err != nil {
			return err
		}
		for _, f := range q.Features {
			found = found || f.Var == NS
		}
		for _, form := range q.Forms {
			ours := false
			var max string
			for _, f := range form.Fields {
				if len(f.Values) == 0 {
					continue
				}
				switch f.Var {
				case "FORM_TYPE":
					ours = strings.TrimSpace(f.Values[0]) == NS
				case "max-file-size":
					max = strings.TrimSpace(f.Values[0])
				}
			}
			if n, err := strconv.ParseInt(max, 10, 64); ours && err == nil && n > 0 {
				svc.MaxSize = n
			}
		}
		return nil
	})
	return svc, found, err
}

// Slot is where one file goes: PUT to Put with Headers, then others GET it
// from Get.
type Slot struct {
	Put     string
	Get     string
	Headers map[string]string // only Authorization, Cookie and Expires (XEP-0363 §5)
}

// TooLargeError is the refusal of a file over the service's limit: before
// a slot is asked for, or the service's own file-too-large answer.
type TooLargeError struct {
	Size, Max int64
}

func (e *TooLargeError) Error() string {
	if e.Max <= 0 {
		return fmt.Sprintf("the upload service refused a file of %s as too large", Bytes(e.Size))
	}
	return fmt.Sprintf("the file is %s, over the upload service's limit of %s", Bytes(e.Size), Bytes(e.Max))
}

// RequestSlot asks svc for a slot for a file: its name, size in bytes and
// content type. A size over svc.MaxSize is refused here, without asking.
func RequestSlot(ctx context.Context, s IQSender, svc Service, name string, size int64, ctype string) (Slot, error) {
	if svc.MaxSize > 0 && size > svc.MaxSize {
		return Slot{}, &TooLargeError{Size: size, Max: svc.MaxSize}
	}
	req := xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: NS, Local: "request"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "filename"}, Value: name},
		{Name: xml.Name{Local: "size"}, Value: strconv.FormatInt(size, 10)},
		{Name: xml.Name{Local: "content-type"}, Value: ctype},
	}})
	var slot Slot
	err := request(ctx, s, iq("get", svc.JID, req), func(d *xml.Decoder) error {
		var x struct {
			Put struct {
				URL     string `xml:"url,attr"`
				Headers []struct {
					Name  string `xml:"name,attr"`
					Value string `xml:",chardata"`
				} `xml:"header"`
			} `xml:"put"`
			Get struct {
				URL string `xml:"url,attr"`
			} `xml:"get"`
		}
		if err := decodeChild(d, NS, "slot", &x); err != nil {
			return err
		}
		slot.Put, slot.Get = x.Put.URL, x.Get.URL
		for _, h := range x.Put.Headers {
			name := headerName(h.Name)
			v := strings.TrimSpace(h.Value)
			if name == "" || len(v) > maxHeader || strings.ContainsAny(v, "\r\n\x00") || len(slot.Headers) >= maxHeaders {
				continue // XEP-0363: other headers are dropped
			}
			if slot.Headers == nil {
				slot.Headers = map[string]string{}
			}
			slot.Headers[name] = v
		}
		return nil
	})
	var se stanza.Error
	if errors.As(err, &se) {
		if se.Condition == stanza.NotAcceptable || tooLarge(se) {
			return Slot{}, &TooLargeError{Size: size, Max: svc.MaxSize}
		}
		return Slot{}, fmt.Errorf("the upload service refused a slot: %s", stanzaText(se))
	}
	if err != nil {
		return Slot{}, fmt.Errorf("asking for an upload slot: %w", err)
	}
	for _, u := range []string{slot.Put, slot.Get} {
		if err := checkHTTP(u); err != nil {
			return Slot{}, fmt.Errorf("the upload service gave a bad slot: %w", err)
		}
	}
	return slot, nil
}

// tooLarge reports a XEP-0363 <file-too-large/> in a stanza error. mellium
// keeps the application condition only as its name, in the text's absence.
func tooLarge(se stanza.Error) bool {
	return strings.Contains(strings.ToLower(se.Text[""]+fmt.Sprint(se)), "too large") ||
		strings.Contains(fmt.Sprint(se), "file-too-large")
}

// stanzaText is a stanza error in one line of plain words.
func stanzaText(se stanza.Error) string {
	s := strings.ReplaceAll(string(se.Condition), "-", " ")
	for _, t := range se.Text {
		if t != "" {
			s += ": " + clipText(t, 200)
			break
		}
	}
	return s
}

// headerName is the canonical form of a header XEP-0363 allows, or "".
func headerName(n string) string {
	switch strings.ToLower(strings.TrimSpace(n)) {
	case "authorization":
		return "Authorization"
	case "cookie":
		return "Cookie"
	case "expires":
		return "Expires"
	}
	return ""
}

// checkHTTP checks that a URL from the network is an absolute http(s) URL
// of reasonable length.
func checkHTTP(raw string) error {
	if raw == "" || len(raw) > maxURL {
		return errors.New("a missing or overlong URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("an unreadable URL")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("not an http or https URL (%q)", clipText(u.Scheme, 20))
	}
	return nil
}

// iq wraps payload in an IQ of type typ to to.
func iq(typ string, to jid.JID, payload xml.TokenReader) xml.TokenReader {
	return xmlstream.Wrap(payload, xml.StartElement{Name: xml.Name{Space: "jabber:client", Local: "iq"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "type"}, Value: typ},
		{Name: xml.Name{Local: "to"}, Value: to.String()},
	}})
}

func query(ns string) xml.TokenReader {
	return xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: ns, Local: "query"}})
}

// request sends an IQ and hands its reply (at most maxTokens tokens) to
// read as a decoder positioned inside the <iq/>. An error reply is a
// stanza.Error.
func request(ctx context.Context, s IQSender, req xml.TokenReader, read func(*xml.Decoder) error) error {
	resp, err := s.SendIQ(ctx, req)
	if err != nil {
		return err
	}
	defer resp.Close()
	var toks []xml.Token
	for {
		tok, err := resp.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if len(toks) == maxTokens {
			return errors.New("the reply is too large")
		}
		toks = append(toks, xml.CopyToken(tok))
	}
	if len(toks) == 0 {
		return errors.New("an empty reply")
	}
	start, ok := toks[0].(xml.StartElement)
	if !ok {
		return errors.New("a malformed reply")
	}
	d := xml.NewTokenDecoder(&tokens{toks: toks[1:]})
	for _, a := range start.Attr {
		if a.Name.Local == "type" && a.Value == "error" {
			var se stanza.Error
			if err := decodeChild(d, "", "error", &se); err != nil {
				return stanza.Error{Type: stanza.Cancel, Condition: stanza.UndefinedCondition}
			}
			return se
		}
	}
	return read(d)
}

// decodeChild decodes the first child element space/local (any space when
// space is "") into v.
func decodeChild(d *xml.Decoder, space, local string, v any) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("no %s in the reply", local)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local == local && (space == "" || se.Name.Space == space) {
				return d.DecodeElement(v, &se)
			}
			if err := d.Skip(); err != nil {
				return err
			}
		}
	}
}

// tokens replays held tokens.
type tokens struct{ toks []xml.Token }

func (t *tokens) Token() (xml.Token, error) {
	if len(t.toks) == 0 {
		return nil, io.EOF
	}
	tok := t.toks[0]
	t.toks = t.toks[1:]
	return tok, nil
}

// clipText bounds a text from the network for a message line.
func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// Bytes formats a byte count for people: "812 B", "1.5 MB" (powers of 1000,
// as file managers show them).
func Bytes(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000_000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1000_000_000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f GB", float64(n)/1e9)
}
