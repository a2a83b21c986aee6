package bench

import (
	"bufio"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// residentPages returns the resident bytes of the binary bin mapped into
// process pid, by owner: for code and data, the Go package of the symbols
// on each resident page (a page shared by several is split among them by
// bytes); for pclntab and the other sections without symbols, the
// section. Presence is read from /proc/PID/pagemap (a page counts when the
// process maps it, including the pages the kernel maps around a fault).
// The largest top owners come first.
func residentPages(t *testing.T, pid int, bin string, top int) []kindRSS {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, _ := f.Symbols()
	type span struct {
		lo, hi uint64
		owner  string
	}
	var spans []span
	for _, s := range syms {
		if s.Size == 0 || s.Value == 0 || elf.ST_TYPE(s.Info) == elf.STT_SECTION {
			continue
		}
		spans = append(spans, span{s.Value, s.Value + s.Size, symbolOwner(s.Name)})
	}
	for _, sec := range f.Sections {
		if sec.Addr != 0 && sec.Flags&elf.SHF_ALLOC != 0 {
			// Sections below symbols: what no symbol covers is the
			// section's.
			spans = append(spans, span{sec.Addr, sec.Addr + sec.Size, "section " + sec.Name})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].lo < spans[j].lo })

	maps, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer maps.Close()
	pm, err := os.Open(fmt.Sprintf("/proc/%d/pagemap", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer pm.Close()
	const page = 4096
	sums := map[string]float64{}
	sc := bufio.NewScanner(maps)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) < 6 || fl[5] != bin {
			continue
		}
		lohi := strings.SplitN(fl[0], "-", 2)
		lo, _ := strconv.ParseUint(lohi[0], 16, 64)
		hi, _ := strconv.ParseUint(lohi[1], 16, 64)
		buf := make([]byte, (hi-lo)/page*8)
		if _, err := pm.ReadAt(buf, int64(lo/page*8)); err != nil {
			t.Fatal(err)
		}
		for i := uint64(0); i < (hi-lo)/page; i++ {
			if binary.LittleEndian.Uint64(buf[i*8:])>>63 == 0 {
				continue
			}
			plo, phi := lo+i*page, lo+(i+1)*page
			// The symbols overlapping the page; the section takes what
			// is left.
			covered := uint64(0)
			sec := ""
			j := sort.Search(len(spans), func(k int) bool { return spans[k].lo >= plo })
			for k := max(j-1, 0); k >= 0 && k > j-64; k-- { // symbols starting before
				s := spans[k]
				if s.hi > plo && strings.HasPrefix(s.owner, "section ") {
					if sec == "" {
						sec = s.owner
					}
					continue
				}
				if s.hi > plo && s.lo < plo {
					n := min(s.hi, phi) - plo
					sums[s.owner] += float64(n)
					covered += n
				}
			}
			for k := j; k < len(spans) && spans[k].lo < phi; k++ {
				s := spans[k]
				if strings.HasPrefix(s.owner, "section ") {
					if sec == "" {
						sec = s.owner
					}
					continue
				}
				n := min(s.hi, phi) - s.lo
				sums[s.owner] += float64(n)
				covered += n
			}
			if covered < page {
				if sec == "" {
					sec = "section ?"
				}
				sums[sec] += float64(page - covered)
			}
		}
	}
	var out []kindRSS
	for k, v := range sums {
		out = append(out, kindRSS{k, v / (1 << 20)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rss > out[j].rss })
	if len(out) > top {
		out = out[:top]
	}
	return out
}

// symbolOwner is the Go package of a symbol's name ("crypto/tls" of
// "crypto/tls.(*Conn).Read"), or the kind of a linker symbol ("type:",
// "go:string", "runtime.*").
func symbolOwner(name string) string {
	switch {
	case strings.HasPrefix(name, "type:"):
		return "type:"
	case strings.HasPrefix(name, "go:"):
		if i := strings.IndexAny(name[3:], ".*"); i >= 0 {
			return name[:3+i]
		}
		return name
	}
	slash := strings.LastIndexByte(name, '/')
	if i := strings.IndexByte(name[slash+1:], '.'); i >= 0 {
		return name[:slash+1+i]
	}
	return name
}
