package axolotl

import (
	"encoding/xml"
	"strconv"

	"mellium.im/xmlstream"
)

// Device is one entry of a device list.
type Device struct {
	// ID is the device id.
	ID uint32
	// Label is the optional human-readable label (may be empty).
	Label string
}

// DeviceList is the content of the device list PEP item: every device of
// one account that speaks OMEMO.
type DeviceList struct {
	Devices []Device
}

// Has reports whether the list names device id.
func (l *DeviceList) Has(id uint32) bool {
	for _, d := range l.Devices {
		if d.ID == id {
			return true
		}
	}
	return false
}

// IDs returns the device ids in list order.
func (l *DeviceList) IDs() []uint32 {
	out := make([]uint32, len(l.Devices))
	for i, d := range l.Devices {
		out[i] = d.ID
	}
	return out
}

// ParseDeviceListBytes parses a serialized <list> element.
func ParseDeviceListBytes(b []byte) (*DeviceList, error) {
	d, err := decoder(b, 64<<10)
	if err != nil {
		return nil, err
	}
	start, err := startOf(d)
	if err != nil {
		return nil, err
	}
	return ParseDeviceList(start, d)
}

// ParseDeviceList parses a <list> element whose start has been read from
// r. A device named twice is kept once; an entry with a bad id is an
// error (a list we cannot read whole must not be republished by us).
func ParseDeviceList(start xml.StartElement, r xml.TokenReader) (*DeviceList, error) {
	if start.Name.Local != "list" || start.Name.Space != NS {
		return nil, malformed("not a device <list>")
	}
	l := &DeviceList{}
	err := children(r, func(se xml.StartElement) error {
		if se.Name.Local != "device" {
			return skip(r)
		}
		id, err := deviceID(se, "id")
		if err != nil {
			return err
		}
		label, _ := attr(se, "label")
		if len(label) > MaxLabelBytes {
			label = label[:MaxLabelBytes]
		}
		if err := skip(r); err != nil {
			return err
		}
		if l.Has(id) {
			return nil
		}
		if len(l.Devices) >= MaxDevices {
			return malformed("more than %d devices", MaxDevices)
		}
		l.Devices = append(l.Devices, Device{ID: id, Label: label})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// TokenReader returns the <list> element's tokens.
func (l *DeviceList) TokenReader() xml.TokenReader {
	var devs []xml.TokenReader
	for _, d := range l.Devices {
		attrs := []xml.Attr{{Name: xml.Name{Local: "id"}, Value: strconv.FormatUint(uint64(d.ID), 10)}}
		if d.Label != "" {
			attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "label"}, Value: d.Label})
		}
		devs = append(devs, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Local: "device"}, Attr: attrs}))
	}
	return xmlstream.Wrap(xmlstream.MultiReader(devs...), xml.StartElement{Name: xml.Name{Space: NS, Local: "list"}})
}

// Marshal returns the element serialized.
func (l *DeviceList) Marshal() ([]byte, error) { return marshal(l.TokenReader()) }
