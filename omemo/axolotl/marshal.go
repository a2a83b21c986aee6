package axolotl

import (
	"bytes"
	"encoding/xml"

	"mellium.im/xmlstream"
)

func marshal(r xml.TokenReader) ([]byte, error) {
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	if _, err := xmlstream.Copy(enc, r); err != nil {
		return nil, err
	}
	if err := enc.Flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
