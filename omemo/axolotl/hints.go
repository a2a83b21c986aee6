package axolotl

import "encoding/xml"

// FallbackBody is the <body> Conversations puts beside <encrypted> for
// clients without OMEMO. A receiver that decrypts never shows it.
const FallbackBody = "I sent you an OMEMO encrypted message but your client doesn’t seem to support that. Find more information on https://conversations.im/omemo"

// Namespaces of the hints that go with an encrypted message.
const (
	// NSHints is XEP-0334's; an encrypted message carries <store/> so
	// that servers archive it though its body is only the fallback.
	NSHints = "urn:xmpp:hints"
	// NSEME is XEP-0380's; <encryption namespace=NS name="OMEMO"/>
	// tells clients without OMEMO what the message is.
	NSEME = "urn:xmpp:eme:0"
)

// StoreHint is the <store xmlns="urn:xmpp:hints"/> start element.
func StoreHint() xml.StartElement {
	return xml.StartElement{Name: xml.Name{Space: NSHints, Local: "store"}}
}

// EME is the XEP-0380 <encryption/> start element naming legacy OMEMO.
func EME() xml.StartElement {
	return xml.StartElement{Name: xml.Name{Space: NSEME, Local: "encryption"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "namespace"}, Value: NS},
		{Name: xml.Name{Local: "name"}, Value: "OMEMO"},
	}}
}
