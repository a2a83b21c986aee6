package fakexmpp

import "io"

// Repeat returns a reader of s repeated n times, generated as it is read
// (it holds one copy of s): hostile streams of any size cost the test
// nothing. Compose with io.MultiReader:
//
//	io.MultiReader(strings.NewReader("<message><body>"),
//		fakexmpp.Repeat("x", 200<<20), strings.NewReader("</body></message>"))
func Repeat(s string, n int) io.Reader {
	return &repeater{s: s, n: n}
}

type repeater struct {
	s   string
	n   int // copies left, the current one included
	off int // bytes of the current copy already read
}

func (r *repeater) Read(p []byte) (int, error) {
	if r.n <= 0 || r.s == "" {
		return 0, io.EOF
	}
	total := 0
	for len(p) > 0 && r.n > 0 {
		k := copy(p, r.s[r.off:])
		p, total, r.off = p[k:], total+k, r.off+k
		if r.off == len(r.s) {
			r.off = 0
			r.n--
		}
	}
	return total, nil
}
