package history

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestSearchBlocks: searching in blocks finds exactly what parsing every
// line and folding finds: needles in any letter case, across block
// boundaries, in lines longer than a block, beside \u escapes, KELVIN
// SIGN and dotted capital I, in corrected texts, never in retracted ones;
// overlong lines are skipped.
func TestSearchBlocks(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	const acct, conv = "me@x", "bob@x"
	path, _ := s.paths(acct, conv)
	os.MkdirAll(dirOf(path), 0o700)
	rng := rand.New(rand.NewPCG(5, 5))
	variants := []string{"needle", "NEEDLE", "Needle", "nEeDlE", "need le", "needl", "\u212aneedle", "n\u0130eedle", "x\x01needle"}
	var recs []Record
	var file []byte
	for i := range 3000 {
		r := Record{V: 2, Time: t0.Add(time.Duration(i) * time.Second), Dir: In, From: "bob@x/p", Type: "chat", ID: fmt.Sprint("m", i)}
		body := strings.Repeat("filler text ", rng.IntN(30))
		switch rng.IntN(100) {
		case 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16:
			body += variants[rng.IntN(len(variants))]
		case 17:
			body = strings.Repeat("y", 300<<10) + variants[rng.IntN(3)] // longer than a block
		}
		r.Body = body
		switch rng.IntN(10) {
		case 0:
			r.Kind, r.Replaces, r.Body = KindCorrection, fmt.Sprint("m", rng.IntN(i+1)), "corrected "+variants[rng.IntN(len(variants))]
		case 1:
			r.Kind, r.Ref, r.Body = KindRetract, fmt.Sprint("m", rng.IntN(i+1)), ""
		}
		recs = append(recs, r)
		file = appendRecord(file, r)
		if i == 1500 {
			file = append(file, strings.Repeat("z", maxLine+10)+"needle\n"...) // overlong: skipped
		}
	}
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, needle := range []string{"NEEDLE", "need", "e", "filler text needle", "ycorrected"} {
		var want []Record
		for _, r := range Fold(recs) {
			if strings.Contains(strings.ToLower(r.Body), strings.ToLower(needle)) {
				want = append(want, r)
			}
		}
		var got []Record
		if err := s.Search(context.Background(), Query{Text: needle}, func(h Hit) bool { got = append(got, h.Record); return true }); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %d hits, want %d", needle, len(got), len(want))
		}
	}
}
