package history

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// Typical records for the disk figures (issue 16): ids as parley and
// Prosody make them (a 20-character id doubling as origin-id, a
// 24-character archive stanza-id, a 44-character occupant-id), a body like
// the flood of the binary benchmark.
const (
	diskRoom = "room@muc.example.net"
	diskBody = "flood message 4711 with some ordinary text in it"
)

func diskID(rng *rand.Rand, n int) string {
	const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := make([]byte, n)
	for i := range b {
		b[i] = abc[rng.IntN(len(abc))]
	}
	return string(b)
}

func diskRecords(rng *rand.Rand, i int) map[string]Record {
	t := t0.Add(time.Duration(i) * 1337 * time.Millisecond)
	id, sid := diskID(rng, 20), diskID(rng, 24)
	in := Record{Time: t, Dir: In, From: bob + "/phone", Type: "chat", ID: id, OriginID: id,
		StanzaID: sid, StanzaBy: me, StanzaIDs: []StanzaID{{sid, me}}, Body: diskBody}
	out := Record{Time: t, Dir: Out, From: me + "/parley", Type: "chat", ID: id, OriginID: id, Body: diskBody}
	link := Record{Time: t, Dir: Out, Kind: KindLink, From: me + "/parley", Type: "chat", ID: id, OriginID: id,
		StanzaID: sid, StanzaBy: me, StanzaIDs: []StanzaID{{sid, me}}} // as Append writes it
	room := Record{Time: t, Dir: In, From: diskRoom + "/ann", Nick: "ann", Type: "groupchat", ID: id, OriginID: id,
		OccupantID: diskID(rng, 43) + "=", StanzaID: sid, StanzaBy: diskRoom, StanzaIDs: []StanzaID{{sid, diskRoom}}, Body: diskBody}
	// Prosody's SQL archive (the test servers') and ejabberd assign
	// UUIDs and 16-digit numbers.
	u := fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", rng.Uint32(), rng.IntN(1<<16), rng.IntN(1<<12), rng.IntN(1<<12), rng.Int64N(1<<48))
	inUUID := in
	inUUID.StanzaID, inUUID.StanzaIDs = u, []StanzaID{{u, me}}
	inNum := in
	n := fmt.Sprintf("%016d", 1700000000000000+rng.Int64N(1e14))
	inNum.StanzaID, inNum.StanzaIDs = n, []StanzaID{{n, me}}
	return map[string]Record{"chat-in": in, "chat-in-uuid": inUUID, "chat-in-ejabberd": inNum, "chat-out": out, "chat-link": link, "room-in": room}
}

// BenchmarkRecordSize reports the bytes a typical record takes on disk:
// a received 1:1 message with its ids (a stanza-id as Prosody's internal
// storage, its SQL storage and ejabberd make them), a sent one, the link record that
// its archive copy adds, a room message with its ids, and the record of
// the other benchmarks (BenchmarkTail100, BenchmarkSearch), with what
// 10,000 and 1,000,000 of them take.
func BenchmarkRecordSize(b *testing.B) {
	for _, kind := range []string{"chat-in", "chat-in-uuid", "chat-in-ejabberd", "chat-out", "chat-link", "room-in", "bench"} {
		b.Run(kind, func(b *testing.B) {
			conv := bob
			if kind == "room-in" {
				conv = diskRoom
			}
			rng := rand.New(rand.NewPCG(1, 2))
			var buf []byte
			total := 0
			for i := 0; i < b.N; i++ {
				var r Record
				if kind == "bench" {
					r = benchRecord(rng, i)
				} else {
					r = diskRecords(rng, i)[kind]
				}
				buf = encodeFor(buf[:0], me, conv, r)
				total += len(buf)
			}
			per := float64(total) / float64(b.N)
			b.ReportMetric(per, "bytes/record")
			b.ReportMetric(per*1e4/1e6, "MB/10k")
			b.ReportMetric(per*1e6/1e6, "MB/1M")
		})
	}
}

func TestDiskRecordsPrint(t *testing.T) {
	if !testing.Verbose() {
		t.Skip("prints example lines with -v")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range []string{"chat-in", "chat-in-uuid", "chat-in-ejabberd", "chat-out", "chat-link", "room-in"} {
		conv := bob
		if k == "room-in" {
			conv = diskRoom
		}
		line := encodeFor(nil, me, conv, diskRecords(rng, 1)[k])
		fmt.Printf("%s %d %s", k, len(line), line)
	}
}

// encodeFor is the line Append writes for r in conversation conv.
func encodeFor(b []byte, account, conv string, r Record) []byte {
	return appendCompact(b, scope{account, conv}, r)
}
