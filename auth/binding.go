package auth

import (
	"crypto/tls"
	"slices"
	"strings"
)

// bindingType is a channel-binding type (RFC 5056) parley can compute.
// Adding one (tls-server-end-point) is a row here.
type bindingType struct {
	name string
	// data returns the binding data of the connection, or nil when the
	// type is undefined or unavailable on it.
	data func(cs *tls.ConnectionState) []byte
}

// bindingTypes in order of preference.
var bindingTypes = []bindingType{
	{"tls-exporter", exporterData}, // RFC 9266: TLS 1.3, or TLS 1.2 with extended master secret
	{"tls-unique", uniqueData},     // RFC 5929: TLS 1.2 only
}

// exporterData is tls-exporter: 32 bytes of keying material with the label
// "EXPORTER-Channel-Binding". Go refuses it on TLS 1.2 without extended
// master secret, where RFC 9266 forbids it.
func exporterData(cs *tls.ConnectionState) []byte {
	if cs.Version < tls.VersionTLS12 {
		return nil
	}
	b, err := cs.ExportKeyingMaterial("EXPORTER-Channel-Binding", nil, 32)
	if err != nil || len(b) == 0 {
		return nil
	}
	return b
}

// uniqueData is tls-unique: the first Finished message of the handshake.
// It is undefined on TLS 1.3 (RFC 9266 §3), and Go leaves it empty on a
// resumed TLS 1.2 session without extended master secret, where it would
// be unsafe.
func uniqueData(cs *tls.ConnectionState) []byte {
	if cs.Version >= tls.VersionTLS13 || cs.Version < tls.VersionTLS12 {
		return nil
	}
	return cs.TLSUnique
}

// plan is how the client logs in: the mechanism, the GS2 flag, and the
// channel binding for "p=".
type plan struct {
	mech    mechanism
	flag    string // "n": no binding; "y": we could bind but the server offers no -PLUS; "p=TYPE"
	binding string // the type with "p=", else ""
	data    []byte
}

// choose picks the mechanism and channel binding from what the server
// offers. advertised is the server's XEP-0440 list, nil when it sent none.
//
//   - With XEP-0440, the binding is our most preferred type the server
//     lists that this connection supports.
//   - Without it, only tls-unique is assumed (the default of RFC 5802,
//     which servers older than XEP-0440 implement) and only where it is
//     defined, below TLS 1.3; on TLS 1.3 no -PLUS mechanism is chosen,
//     since the server could not verify any binding we computed.
//   - With a binding, the best -PLUS mechanism offered is used; if the
//     server offers none, the best other one with flag "y", which a server
//     that does bind refuses (RFC 5802 §6): a downgrade by whoever stripped
//     the -PLUS mechanisms fails instead of going unnoticed.
//   - Without a binding, the flag is "n".
func choose(offered []string, cs *tls.ConnectionState, advertised []string) (plan, bool) {
	var bt *bindingType
	var data []byte
	for i := range bindingTypes {
		b := &bindingTypes[i]
		if advertised == nil && b.name != "tls-unique" || advertised != nil && !slices.Contains(advertised, b.name) {
			continue
		}
		if d := b.data(cs); d != nil {
			bt, data = b, d
			break
		}
	}
	if bt != nil {
		for _, m := range mechanisms {
			if m.plus && offers(offered, m.name) {
				return plan{mech: m, flag: "p=" + bt.name, binding: bt.name, data: data}, true
			}
		}
	}
	flag := "n"
	if bt != nil {
		flag = "y"
	}
	for _, m := range mechanisms {
		if !m.plus && offers(offered, m.name) {
			return plan{mech: m, flag: flag}, true
		}
	}
	return plan{}, false
}

// offers reports whether the server's list names mechanism name (SASL
// mechanism names are case-insensitive).
func offers(offered []string, name string) bool {
	for _, o := range offered {
		if strings.EqualFold(o, name) {
			return true
		}
	}
	return false
}
