package dbus

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"unicode/utf8"
)

// ObjectPath is a D-Bus object path (type o).
type ObjectPath string

// Signature is a D-Bus type signature (type g).
type Signature string

// Variant is a value with its own signature (type v).
type Variant struct {
	Sig   Signature
	Value any
}

// Limits on what is read.
const (
	MaxMessage = 1 << 20 // bytes of one whole message, header included
	maxDepth   = 8       // nesting of containers in a signature
	maxItems   = 4096    // elements of one array
)

var errShort = errors.New("dbus: message truncated")

// signatureOf returns the D-Bus signature of a Go value of one of the
// supported types.
func signatureOf(v any) (string, error) {
	switch v.(type) {
	case byte:
		return "y", nil
	case bool:
		return "b", nil
	case uint32:
		return "u", nil
	case int32:
		return "i", nil
	case string:
		return "s", nil
	case ObjectPath:
		return "o", nil
	case Signature:
		return "g", nil
	case []string:
		return "as", nil
	case map[string]Variant:
		return "a{sv}", nil
	case Variant:
		return "v", nil
	}
	return "", fmt.Errorf("dbus: cannot encode %T", v)
}

// encoder writes little-endian D-Bus values; alignment is relative to the
// start of buf, which is 8-aligned in the message.
type encoder struct{ buf []byte }

func (e *encoder) align(n int) {
	for len(e.buf)%n != 0 {
		e.buf = append(e.buf, 0)
	}
}

func (e *encoder) u32(v uint32) {
	e.align(4)
	e.buf = binary.LittleEndian.AppendUint32(e.buf, v)
}

func (e *encoder) str(s string) {
	e.u32(uint32(len(s)))
	e.buf = append(e.buf, s...)
	e.buf = append(e.buf, 0)
}

func (e *encoder) sig(s string) {
	e.buf = append(e.buf, byte(len(s)))
	e.buf = append(e.buf, s...)
	e.buf = append(e.buf, 0)
}

// value encodes v (a supported Go type).
func (e *encoder) value(v any) error {
	switch v := v.(type) {
	case byte:
		e.buf = append(e.buf, v)
	case bool:
		b := uint32(0)
		if v {
			b = 1
		}
		e.u32(b)
	case uint32:
		e.u32(v)
	case int32:
		e.u32(uint32(v))
	case string:
		e.str(v)
	case ObjectPath:
		e.str(string(v))
	case Signature:
		e.sig(string(v))
	case []string:
		e.u32(0)
		at := len(e.buf)
		for _, s := range v {
			e.str(s)
		}
		binary.LittleEndian.PutUint32(e.buf[at-4:], uint32(len(e.buf)-at))
	case map[string]Variant:
		e.u32(0)
		lenAt := len(e.buf)
		e.align(8)
		start := len(e.buf)
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			e.align(8)
			e.str(k)
			if err := e.value(v[k]); err != nil {
				return err
			}
		}
		binary.LittleEndian.PutUint32(e.buf[lenAt-4:], uint32(len(e.buf)-start))
	case Variant:
		e.sig(string(v.Sig))
		if s, err := signatureOf(v.Value); err != nil || s != string(v.Sig) {
			return fmt.Errorf("dbus: variant signature %q does not match %T", v.Sig, v.Value)
		}
		return e.value(v.Value)
	default:
		return fmt.Errorf("dbus: cannot encode %T", v)
	}
	return nil
}

// decoder reads D-Bus values from buf in the given byte order; alignment is
// relative to the start of buf.
type decoder struct {
	buf   []byte
	pos   int
	order binary.ByteOrder
}

func (d *decoder) align(n int) error {
	p := (d.pos + n - 1) / n * n
	if p > len(d.buf) {
		return errShort
	}
	d.pos = p
	return nil
}

func (d *decoder) u32() (uint32, error) {
	if err := d.align(4); err != nil {
		return 0, err
	}
	if d.pos+4 > len(d.buf) {
		return 0, errShort
	}
	v := d.order.Uint32(d.buf[d.pos:])
	d.pos += 4
	return v, nil
}

func (d *decoder) str() (string, error) {
	n, err := d.u32()
	if err != nil {
		return "", err
	}
	if uint64(n)+1 > uint64(len(d.buf)-d.pos) {
		return "", errShort
	}
	s := string(d.buf[d.pos : d.pos+int(n)])
	if d.buf[d.pos+int(n)] != 0 || !utf8.ValidString(s) {
		return "", errors.New("dbus: bad string")
	}
	d.pos += int(n) + 1
	return s, nil
}

func (d *decoder) sig() (string, error) {
	if d.pos >= len(d.buf) {
		return "", errShort
	}
	n := int(d.buf[d.pos])
	if d.pos+1+n+1 > len(d.buf) || d.buf[d.pos+1+n] != 0 {
		return "", errShort
	}
	s := string(d.buf[d.pos+1 : d.pos+1+n])
	d.pos += n + 2
	return s, nil
}

// values decodes a whole signature of complete types.
func (d *decoder) values(sig string) ([]any, error) {
	var out []any
	for sig != "" {
		one, rest, err := splitType(sig, 0)
		if err != nil {
			return nil, err
		}
		v, err := d.value(one, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		sig = rest
	}
	return out, nil
}

// splitType splits the first complete type off sig.
func splitType(sig string, depth int) (string, string, error) {
	if depth > maxDepth {
		return "", "", errors.New("dbus: signature nested too deep")
	}
	if sig == "" {
		return "", "", errors.New("dbus: incomplete signature")
	}
	switch sig[0] {
	case 'y', 'b', 'u', 'i', 's', 'o', 'g', 'v':
		return sig[:1], sig[1:], nil
	case 'a':
		elem, rest, err := splitType(sig[1:], depth+1)
		if err != nil {
			return "", "", err
		}
		return "a" + elem, rest, nil
	case '(', '{':
		closer := byte(')')
		if sig[0] == '{' {
			closer = '}'
		}
		inner := sig[1:]
		n := 1
		for inner != "" && inner[0] != closer {
			_, rest, err := splitType(inner, depth+1)
			if err != nil {
				return "", "", err
			}
			n += len(inner) - len(rest)
			inner = rest
		}
		if inner == "" {
			return "", "", errors.New("dbus: unclosed struct in signature")
		}
		return sig[:n+1], sig[n+1:], nil
	}
	return "", "", fmt.Errorf("dbus: unsupported type %q in signature", sig[0])
}

// value decodes one complete type t.
func (d *decoder) value(t string, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("dbus: value nested too deep")
	}
	switch t[0] {
	case 'y':
		if d.pos >= len(d.buf) {
			return nil, errShort
		}
		d.pos++
		return d.buf[d.pos-1], nil
	case 'b':
		v, err := d.u32()
		return v != 0, err
	case 'u':
		return d.u32()
	case 'i':
		v, err := d.u32()
		return int32(v), err
	case 's':
		return d.str()
	case 'o':
		s, err := d.str()
		return ObjectPath(s), err
	case 'g':
		s, err := d.sig()
		return Signature(s), err
	case 'v':
		s, err := d.sig()
		if err != nil {
			return nil, err
		}
		one, rest, err := splitType(s, depth+1)
		if err != nil || rest != "" {
			return nil, errors.New("dbus: bad variant signature")
		}
		v, err := d.value(one, depth+1)
		return Variant{Sig: Signature(s), Value: v}, err
	case '(', '{':
		if err := d.align(8); err != nil {
			return nil, err
		}
		var fields []any
		inner := t[1 : len(t)-1]
		for inner != "" {
			one, rest, err := splitType(inner, depth+1)
			if err != nil {
				return nil, err
			}
			v, err := d.value(one, depth+1)
			if err != nil {
				return nil, err
			}
			fields = append(fields, v)
			inner = rest
		}
		return fields, nil
	case 'a':
		return d.array(t[1:], depth)
	}
	return nil, fmt.Errorf("dbus: unsupported type %q", t)
}

// array decodes an array of elem: []string for as, map[string]Variant for
// a{sv}, []any otherwise.
func (d *decoder) array(elem string, depth int) (any, error) {
	n, err := d.u32()
	if err != nil {
		return nil, err
	}
	if n > MaxMessage {
		return nil, errShort
	}
	if elem[0] == '(' || elem[0] == '{' {
		if err := d.align(8); err != nil {
			return nil, err
		}
	}
	end := d.pos + int(n)
	if end > len(d.buf) {
		return nil, errShort
	}
	var items []any
	for d.pos < end {
		if len(items) >= maxItems {
			return nil, errors.New("dbus: array too long")
		}
		v, err := d.value(elem, depth+1)
		if err != nil {
			return nil, err
		}
		items = append(items, v)
	}
	if d.pos != end {
		return nil, errors.New("dbus: array length mismatch")
	}
	switch elem {
	case "s":
		ss := make([]string, len(items))
		for i, v := range items {
			ss[i] = v.(string)
		}
		return ss, nil
	case "{sv}":
		m := make(map[string]Variant, len(items))
		for _, v := range items {
			kv := v.([]any)
			k, ok := kv[0].(string)
			if !ok {
				return nil, errors.New("dbus: bad dict key")
			}
			m[k] = kv[1].(Variant)
		}
		return m, nil
	}
	return items, nil
}
