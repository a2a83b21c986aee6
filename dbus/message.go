package dbus

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Message types.
const (
	TypeMethodCall   = 1
	TypeMethodReturn = 2
	TypeError        = 3
	TypeSignal       = 4
)

// FlagNoReplyExpected asks the receiver not to answer a method call.
const FlagNoReplyExpected = 1

// Header field codes.
const (
	fieldPath        = 1
	fieldInterface   = 2
	fieldMember      = 3
	fieldErrorName   = 4
	fieldReplySerial = 5
	fieldDestination = 6
	fieldSender      = 7
	fieldSignature   = 8
)

// Message is one D-Bus message.
type Message struct {
	Type        byte
	Flags       byte
	Serial      uint32
	Path        ObjectPath
	Interface   string
	Member      string
	ErrorName   string
	ReplySerial uint32
	Destination string
	Sender      string
	Body        []any // values of the supported types (see signatureOf)
}

// Signature returns the signature of m's body.
func (m *Message) Signature() (string, error) {
	s := ""
	for _, v := range m.Body {
		t, err := signatureOf(v)
		if err != nil {
			return "", err
		}
		s += t
	}
	return s, nil
}

// marshal encodes m, little-endian.
func (m *Message) marshal() ([]byte, error) {
	sig, err := m.Signature()
	if err != nil {
		return nil, err
	}
	body := &encoder{}
	for _, v := range m.Body {
		if err := body.value(v); err != nil {
			return nil, err
		}
	}
	h := &encoder{buf: []byte{'l', m.Type, m.Flags, 1}}
	h.u32(uint32(len(body.buf)))
	h.u32(m.Serial)
	h.u32(0) // header fields length, patched below
	start := len(h.buf)
	field := func(code byte, v any) {
		h.align(8)
		h.buf = append(h.buf, code)
		t, _ := signatureOf(v)
		_ = h.value(Variant{Sig: Signature(t), Value: v})
	}
	if m.Path != "" {
		field(fieldPath, m.Path)
	}
	if m.Interface != "" {
		field(fieldInterface, m.Interface)
	}
	if m.Member != "" {
		field(fieldMember, m.Member)
	}
	if m.ErrorName != "" {
		field(fieldErrorName, m.ErrorName)
	}
	if m.ReplySerial != 0 {
		field(fieldReplySerial, m.ReplySerial)
	}
	if m.Destination != "" {
		field(fieldDestination, m.Destination)
	}
	if sig != "" {
		field(fieldSignature, Signature(sig))
	}
	binary.LittleEndian.PutUint32(h.buf[12:], uint32(len(h.buf)-start))
	h.align(8)
	if len(h.buf)+len(body.buf) > MaxMessage {
		return nil, errors.New("dbus: message too long")
	}
	return append(h.buf, body.buf...), nil
}

// readMessage reads one message from r, bounded by MaxMessage.
func readMessage(r io.Reader) (*Message, error) {
	var fixed [16]byte
	if _, err := io.ReadFull(r, fixed[:]); err != nil {
		return nil, err
	}
	var order binary.ByteOrder
	switch fixed[0] {
	case 'l':
		order = binary.LittleEndian
	case 'B':
		order = binary.BigEndian
	default:
		return nil, errors.New("dbus: bad byte order mark")
	}
	if fixed[3] != 1 {
		return nil, fmt.Errorf("dbus: protocol version %d", fixed[3])
	}
	bodyLen := uint64(order.Uint32(fixed[4:]))
	fieldsLen := uint64(order.Uint32(fixed[12:]))
	hdrLen := (16 + fieldsLen + 7) / 8 * 8
	if hdrLen+bodyLen > MaxMessage {
		return nil, errors.New("dbus: message too long")
	}
	buf := make([]byte, hdrLen+bodyLen)
	copy(buf, fixed[:])
	if _, err := io.ReadFull(r, buf[16:]); err != nil {
		return nil, err
	}
	return parseMessage(buf, order, int(hdrLen))
}

// parseMessage decodes a whole message whose body starts at hdrLen.
func parseMessage(buf []byte, order binary.ByteOrder, hdrLen int) (*Message, error) {
	m := &Message{Type: buf[1], Flags: buf[2], Serial: order.Uint32(buf[8:])}
	d := &decoder{buf: buf[:hdrLen], pos: 12, order: order}
	fields, err := d.value("a(yv)", 0)
	if err != nil {
		return nil, err
	}
	sig := ""
	for _, f := range fields.([]any) {
		kv := f.([]any)
		code, v := kv[0].(byte), kv[1].(Variant).Value
		var ok bool
		switch code {
		case fieldPath:
			m.Path, ok = v.(ObjectPath)
		case fieldInterface:
			m.Interface, ok = v.(string)
		case fieldMember:
			m.Member, ok = v.(string)
		case fieldErrorName:
			m.ErrorName, ok = v.(string)
		case fieldReplySerial:
			m.ReplySerial, ok = v.(uint32)
		case fieldDestination:
			m.Destination, ok = v.(string)
		case fieldSender:
			m.Sender, ok = v.(string)
		case fieldSignature:
			var s Signature
			s, ok = v.(Signature)
			sig = string(s)
		default:
			ok = true // unknown fields are ignored, as the spec says
		}
		if !ok {
			return nil, fmt.Errorf("dbus: header field %d of the wrong type", code)
		}
	}
	bd := &decoder{buf: buf[hdrLen:], order: order}
	if m.Body, err = bd.values(sig); err != nil {
		return nil, err
	}
	if bd.pos != len(bd.buf) {
		return nil, errors.New("dbus: body longer than its signature")
	}
	return m, nil
}
