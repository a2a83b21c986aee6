package forms

import (
	"encoding/xml"

	"mellium.im/xmlstream"
)

// TokenReader returns f as a <x xmlns="jabber:x:data"/> element: title,
// instructions and fields with their type, label, description, required
// mark, values and options (what Parse reads back). A submission is
// usually f.Submit().TokenReader().
func (f *Form) TokenReader() xml.TokenReader {
	var parts []xml.TokenReader
	if f.Title != "" {
		parts = append(parts, textElem("title", f.Title))
	}
	for _, in := range f.Instructions {
		parts = append(parts, textElem("instructions", in))
	}
	for i := range f.Fields {
		parts = append(parts, f.Fields[i].tokens())
	}
	typ := f.Type
	if typ == "" {
		typ = TypeSubmit
	}
	return xmlstream.Wrap(xmlstream.MultiReader(parts...), xml.StartElement{
		Name: xml.Name{Space: NS, Local: "x"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "type"}, Value: typ}},
	})
}

// CancelForm returns <x xmlns="jabber:x:data" type="cancel"/>: the answer
// to a form the user chose not to fill in.
func CancelForm() xml.TokenReader { return (&Form{Type: TypeCancel}).TokenReader() }

func (fd *Field) tokens() xml.TokenReader {
	var attrs []xml.Attr
	if fd.Var != "" {
		attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "var"}, Value: fd.Var})
	}
	if fd.Type != "" {
		attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "type"}, Value: fd.Type})
	}
	if fd.Label != "" {
		attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "label"}, Value: fd.Label})
	}
	var parts []xml.TokenReader
	if fd.Desc != "" {
		parts = append(parts, textElem("desc", fd.Desc))
	}
	if fd.Required {
		parts = append(parts, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: NS, Local: "required"}}))
	}
	for _, v := range fd.Values {
		parts = append(parts, textElem("value", v))
	}
	for _, o := range fd.Options {
		var oa []xml.Attr
		if o.Label != "" {
			oa = []xml.Attr{{Name: xml.Name{Local: "label"}, Value: o.Label}}
		}
		parts = append(parts, xmlstream.Wrap(textElem("value", o.Value), xml.StartElement{Name: xml.Name{Space: NS, Local: "option"}, Attr: oa}))
	}
	return xmlstream.Wrap(xmlstream.MultiReader(parts...), xml.StartElement{Name: xml.Name{Space: NS, Local: "field"}, Attr: attrs})
}

func textElem(local, text string) xml.TokenReader {
	return xmlstream.Wrap(xmlstream.Token(xml.CharData(text)), xml.StartElement{Name: xml.Name{Space: NS, Local: local}})
}
