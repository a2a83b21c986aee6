package xmlbound

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

var errBad = errors.New("bad")

// reader returns a Reader inside the first element of doc.
func reader(t *testing.T, doc string, max int) *Reader {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	if _, err := d.Token(); err != nil {
		t.Fatal(err)
	}
	return &Reader{R: d, Max: max, Malformed: errBad}
}

func TestReader(t *testing.T) {
	b := reader(t, "<q><a x='1'>t<b/></a><c/></q><after/>", 100)
	var names []string
	for {
		tok, err := b.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			names = append(names, se.Name.Local)
			if se.Name.Local == "a" {
				if Attr(se, "x") != "1" || b.Depth() != 1 {
					t.Errorf("a: x=%q depth %d", Attr(se, "x"), b.Depth())
				}
				if err := b.Skip(); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if strings.Join(names, ",") != "a,c" {
		t.Errorf("read %v, want a,c (b skipped, nothing after q)", names)
	}
	if _, err := b.Token(); err != io.EOF {
		t.Errorf("after the end: %v", err)
	}
}

func TestReaderBounds(t *testing.T) {
	b := reader(t, "<q>"+strings.Repeat("<a/>", 50)+"</q>", 20)
	var err error
	for err == nil {
		_, err = b.Token()
	}
	if !errors.Is(err, errBad) {
		t.Errorf("too many tokens: %v", err)
	}
	b = reader(t, "<q><a>", 20)
	for err = nil; err == nil; {
		_, err = b.Token()
	}
	if err == nil || err == io.EOF {
		t.Errorf("cut short: %v", err)
	}
}

func TestClip(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{{"hello", 10, "hello"}, {"hello", 3, "hel"}, {"héllo", 2, "h"}, {"日本", 4, "日"}, {"x", 0, ""}, {"x", -1, ""}} {
		if got := Clip(c.s, c.n); got != c.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
}

func TestReaderTooLarge(t *testing.T) {
	errBig := errors.New("big")
	b := reader(t, "<q>"+strings.Repeat("<a/>", 50)+"</q>", 20)
	b.TooLarge = errBig
	var err error
	for err == nil {
		_, err = b.Token()
	}
	if err != errBig {
		t.Errorf("past Max with TooLarge set: %v, want it as it is", err)
	}
}
