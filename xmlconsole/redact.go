package xmlconsole

import (
	"encoding/xml"
	"strings"
)

// Namespaces whose secrets are hidden.
const (
	nsSASL   = "urn:ietf:params:xml:ns:xmpp-sasl"
	nsSASL2  = "urn:xmpp:sasl:2"
	nsFAST   = "urn:xmpp:fast:0"
	nsIQAuth = "jabber:iq:auth"
	nsData   = "jabber:x:data"
	nsUpload = "urn:xmpp:http:upload:0"
)

// secretElement reports an element whose content (text, comments, the
// values of its attributes but the structural ones, its descendants) is a
// secret:
//   - any <password/>: XEP-0077 registration and password change, the
//     room password of a MUC join (XEP-0045) and of a mediated
//     invitation, the password of a bookmarked room (XEP-0402, XEP-0048),
//     jabber:iq:auth;
//   - <digest/> of jabber:iq:auth;
//   - anything of SASL, SASL2 and FAST (credentials, tokens);
//   - a data form field (XEP-0004) of type text-private, or whose var
//     speaks of a password or a secret (muc#roomconfig_roomsecret, the
//     password fields of registration and of ad-hoc password changes);
//   - the Authorization and Cookie headers of an HTTP upload slot
//     (XEP-0363).
func secretElement(local, ns string, attrs []xml.Attr) bool {
	switch {
	case local == "password":
		return true
	case ns == nsSASL || ns == nsSASL2 || ns == nsFAST:
		return true
	case ns == nsIQAuth && (local == "digest" || local == "token"):
		return true
	case local == "field" && ns == nsData:
		if strings.EqualFold(attr(attrs, "type"), "text-private") {
			return true
		}
		v := strings.ToLower(attr(attrs, "var"))
		return strings.Contains(v, "pass") || strings.Contains(v, "secret")
	case local == "header" && ns == nsUpload:
		switch strings.ToLower(strings.TrimSpace(attr(attrs, "name"))) {
		case "authorization", "cookie", "proxy-authorization":
			return true
		}
	}
	return false
}

// secretAttr reports an attribute whose value is a secret wherever it is:
// the password of a direct room invitation (XEP-0249) and the like.
func secretAttr(a xml.Attr) bool {
	l := strings.ToLower(a.Name.Local)
	return strings.Contains(l, "password") || strings.Contains(l, "secret")
}

// structural attributes of a secret element stay shown: they say what it
// is, not what it holds.
func structural(a xml.Attr) bool {
	if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
		return true
	}
	if a.Name.Space != "" {
		return false
	}
	switch a.Name.Local {
	case "var", "type", "name", "label", "mechanism":
		return true
	}
	return false
}

// redactAttrs replaces secret attribute values of n (all but the
// structural ones when n is secret) and returns how many it replaced.
func redactAttrs(n *node) int {
	hidden := 0
	for i, a := range n.attrs {
		if n.secret && !structural(a) || secretAttr(a) {
			n.attrs[i].Value = HiddenText
			hidden++
		}
	}
	return hidden
}

func attr(attrs []xml.Attr, local string) string {
	for _, a := range attrs {
		if a.Name.Space == "" && a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}
