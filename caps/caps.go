// Package caps is XEP-0115 entity capabilities: the verification string
// of a disco#info answer, the <c/> element of our presence, a bounded
// parser of others' <c/> and disco#info answers, and a persisted cache of
// what a verification string stands for (cache.go).
package caps

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"slices"
	"strings"

	"mellium.im/xmlstream"
)

// Namespaces.
const (
	NS        = "http://jabber.org/protocol/caps"
	NSInfo    = "http://jabber.org/protocol/disco#info"
	nsData    = "jabber:x:data"
	nsXML     = "http://www.w3.org/XML/1998/namespace"
	HashSHA1  = "sha-1"
	formField = "FORM_TYPE"
)

// Bounds on a disco#info answer read from the network.
const (
	MaxIdentities = 16
	MaxFeatures   = 256
	MaxForms      = 8
	MaxFields     = 64
	MaxValues     = 16
	MaxString     = 1024 // a feature, identity attribute, field var or value
	maxTokens     = 1 << 14
)

// Identity is a disco#info identity.
type Identity struct {
	Category, Type, Lang, Name string
}

// Field is one field of an extended (XEP-0128) form.
type Field struct {
	Var    string
	Values []string
}

// Form is an extended disco#info form; Type is its FORM_TYPE.
type Form struct {
	Type   string
	Fields []Field
}

// Info is a disco#info answer.
type Info struct {
	Identities []Identity
	Features   []string
	Forms      []Form
}

// Has reports whether info lists feature.
func (info Info) Has(feature string) bool { return slices.Contains(info.Features, feature) }

// Ver returns the XEP-0115 §5.1 verification string of info (sha-1,
// base64): identities sorted by category, type, lang (then name), each
// "category/type/lang/name<"; features sorted, each "feature<"; forms
// sorted by FORM_TYPE, each "FORM_TYPE<" then its fields sorted by var,
// "var<" and the sorted values "value<".
func Ver(info Info) string {
	var s strings.Builder
	ids := slices.Clone(info.Identities)
	slices.SortFunc(ids, func(a, b Identity) int {
		for _, c := range [][2]string{{a.Category, b.Category}, {a.Type, b.Type}, {a.Lang, b.Lang}, {a.Name, b.Name}} {
			if n := strings.Compare(c[0], c[1]); n != 0 {
				return n
			}
		}
		return 0
	})
	for _, id := range ids {
		s.WriteString(id.Category + "/" + id.Type + "/" + id.Lang + "/" + id.Name + "<")
	}
	fs := slices.Clone(info.Features)
	slices.Sort(fs)
	for _, f := range fs {
		s.WriteString(f + "<")
	}
	forms := slices.Clone(info.Forms)
	slices.SortFunc(forms, func(a, b Form) int { return strings.Compare(a.Type, b.Type) })
	for _, f := range forms {
		s.WriteString(f.Type + "<")
		fields := slices.Clone(f.Fields)
		slices.SortFunc(fields, func(a, b Field) int { return strings.Compare(a.Var, b.Var) })
		for _, fl := range fields {
			s.WriteString(fl.Var + "<")
			vs := slices.Clone(fl.Values)
			slices.Sort(vs)
			for _, v := range vs {
				s.WriteString(v + "<")
			}
		}
	}
	sum := sha1.Sum([]byte(s.String()))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Caps is what a <c/> element of a presence states.
type Caps struct {
	Node, Ver, Hash string
}

// Elem is our <c/> element for node and ver (sha-1).
func Elem(node, ver string) xml.TokenReader {
	return xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: NS, Local: "c"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "hash"}, Value: HashSHA1},
		{Name: xml.Name{Local: "node"}, Value: node},
		{Name: xml.Name{Local: "ver"}, Value: ver},
	}})
}

// FromStart reads a <c/> start element; ok is false when it is not one
// this package can verify (another hash, missing or over-long fields).
func FromStart(se xml.StartElement) (Caps, bool) {
	if se.Name.Space != NS || se.Name.Local != "c" {
		return Caps{}, false
	}
	var c Caps
	for _, a := range se.Attr {
		switch a.Name.Local {
		case "node":
			c.Node = a.Value
		case "ver":
			c.Ver = a.Value
		case "hash":
			c.Hash = a.Value
		}
	}
	if c.Hash != HashSHA1 || !validVer(c.Ver) || c.Node == "" || len(c.Node) > MaxString {
		return Caps{}, false
	}
	return c, true
}

// validVer reports whether v looks like a sha-1 verification string: 28
// characters of base64.
func validVer(v string) bool {
	b, err := base64.StdEncoding.DecodeString(v)
	return err == nil && len(b) == sha1.Size && len(v) == 28
}

// ErrMalformed is returned for a disco#info answer that cannot be read or
// goes past the bounds.
var ErrMalformed = errors.New("caps: malformed disco#info answer")

// Query is the disco#info answer for our own capabilities, on node (empty
// for no node attribute).
func Query(node string, info Info) xml.TokenReader {
	var attrs []xml.Attr
	if node != "" {
		attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "node"}, Value: node})
	}
	var parts []xml.TokenReader
	for _, id := range info.Identities {
		a := []xml.Attr{{Name: xml.Name{Local: "category"}, Value: id.Category}, {Name: xml.Name{Local: "type"}, Value: id.Type}}
		if id.Name != "" {
			a = append(a, xml.Attr{Name: xml.Name{Local: "name"}, Value: id.Name})
		}
		if id.Lang != "" {
			a = append(a, xml.Attr{Name: xml.Name{Space: nsXML, Local: "lang"}, Value: id.Lang})
		}
		parts = append(parts, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Local: "identity"}, Attr: a}))
	}
	for _, f := range info.Features {
		parts = append(parts, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Local: "feature"}, Attr: []xml.Attr{{Name: xml.Name{Local: "var"}, Value: f}}}))
	}
	return xmlstream.Wrap(xmlstream.MultiReader(parts...), xml.StartElement{Name: xml.Name{Space: NSInfo, Local: "query"}, Attr: attrs})
}
