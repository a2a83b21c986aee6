package omemo

import (
	"os"
	"testing"

	"parley/omemo/axolotl"
)

// onStores runs a benchmark with the stores on the test's disk, and on
// tmpfs (/dev/shm) where there is one: the difference is the cost of
// writing the session file with fsync; the tmpfs figure is the crypto's.
func onStores(b *testing.B, f func(b *testing.B, n *pepNet)) {
	b.Run("disk", func(b *testing.B) { f(b, newNet(b)) })
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		b.Run("tmpfs", func(b *testing.B) {
			n := newNet(b)
			n.dir = func() string {
				d, err := os.MkdirTemp("/dev/shm", "parley-omemo-bench")
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { os.RemoveAll(d) })
				return d
			}
			f(b, n)
		})
	}
}

var benchText = []byte("Are we still on for tonight? I can bring the good wine.")

// BenchmarkEncrypt is the cost of encrypting one message to one device of
// an established session (the Signal ratchet step, AES-GCM, the session
// written to disk).
func BenchmarkEncrypt(b *testing.B) { onStores(b, benchEncrypt) }

func benchEncrypt(b *testing.B, n *pepNet) {
	a, bob := n.device("alice@example.org"), n.device("bob@example.org")
	n.sync(a, "bob@example.org")
	e, _, _ := a.Encrypt([]byte("x"), "bob@example.org")
	bob.Decrypt("alice@example.org", e)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := a.Encrypt(benchText, "bob@example.org"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecrypt is the cost of decrypting one message of an
// established session, XML parsing of the <encrypted> element included.
func BenchmarkDecrypt(b *testing.B) { onStores(b, benchDecrypt) }

func benchDecrypt(b *testing.B, n *pepNet) {
	a, bob := n.device("alice@example.org"), n.device("bob@example.org")
	n.sync(a, "bob@example.org")
	e, _, _ := a.Encrypt([]byte("x"), "bob@example.org")
	bob.Decrypt("alice@example.org", e)
	msgs := make([][]byte, b.N)
	for i := range msgs {
		e, _, err := a.Encrypt(benchText, "bob@example.org")
		if err != nil {
			b.Fatal(err)
		}
		msgs[i], _ = e.Marshal()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e, err := axolotl.ParseEncryptedBytes(msgs[i])
		if err != nil {
			b.Fatal(err)
		}
		if _, err := bob.Decrypt("alice@example.org", e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSessionSetup is the cost of starting a session: building it
// from the peer's bundle, the first (pre-key) message encrypted and
// decrypted at the peer.
func BenchmarkSessionSetup(b *testing.B) { onStores(b, benchSessionSetup) }

func benchSessionSetup(b *testing.B, n *pepNet) {
	a, bob := n.device("alice@example.org"), n.device("bob@example.org")
	bundle, _ := bob.Bundle()
	b.ReportAllocs()
	for b.Loop() {
		if err := a.BuildSession("bob@example.org", bob.DeviceID(), bundle); err != nil {
			b.Fatal(err)
		}
		a.Store().SetDeviceList("bob@example.org", []uint32{bob.DeviceID()})
		e, _, err := a.Encrypt(benchText, "bob@example.org")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := bob.Decrypt("alice@example.org", e); err != nil {
			b.Fatal(err)
		}
	}
}
