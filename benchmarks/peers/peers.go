// The peers workloads (benchmarks/peers/README.md) for Go's built-in map.
//   peers_go [--full]
// Built by benchmarks/peers/run with Go 1.19 (golang-1.19-go): the classic
// bucket map that rtmap's noswiss build ports.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"time"
)

const minOps = 1 << 20

func int64Key(i uint64) uint64 {
	z := 0x5eed0000000000a5 + (i+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

var sink uint64

func report(op, key string, n, ops int, d time.Duration, extra string) {
	fmt.Printf("BenchmarkPeers/Op=%s/Key=%s/len=%d\t%d\t%.2f ns/op%s\n", op, key, n, ops,
		float64(d.Nanoseconds())/float64(ops), extra)
}

func fail(op, key string, n int) {
	fmt.Printf("--- FAIL: BenchmarkPeers/Op=%s/Key=%s/len=%d\n", op, key, n)
	os.Exit(1)
}

func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// runSize is generic over the key type (Go 1.18+), so both key types share one
// body while each instantiation uses the map's fast path for its key.
func runSize[K comparable](keys []K, vals []uint64, name string, n int, latency bool) {
	reps := (minOps + n - 1) / n
	churnOps := n
	if churnOps < minOps {
		churnOps = minOps
	}
	for presized := 0; presized < 2; presized++ {
		var total time.Duration
		perEntry := 0.0
		for r := 0; r < reps; r++ {
			var before uint64
			if r == reps-1 {
				before = liveHeap()
			}
			t0 := time.Now()
			hint := 0
			if presized == 1 {
				hint = n
			}
			m := make(map[K]uint64, hint)
			for i := 0; i < n; i++ {
				m[keys[i]] = vals[i]
			}
			total += time.Since(t0)
			if len(m) != n {
				fail("insert", name, n)
			}
			if r == reps-1 {
				perEntry = float64(int64(liveHeap())-int64(before)) / float64(n)
			}
			runtime.KeepAlive(m)
		}
		if presized == 1 {
			report("insert-presized", name, n, reps*n, total, "")
		} else {
			report("insert", name, n, reps*n, total, fmt.Sprintf("\t%.2f B/entry", perEntry))
		}
	}

	m := make(map[K]uint64)
	for i := 0; i < n; i++ {
		m[keys[i]] = vals[i]
	}
	for _, hit := range []bool{true, false} {
		first, found, sum := 0, 0, uint64(0)
		op := "lookup-hit"
		if !hit {
			first, op = n, "lookup-miss"
		}
		t0 := time.Now()
		for r := 0; r < reps; r++ {
			for i := first; i < first+n; i++ {
				if v, ok := m[keys[i]]; ok {
					found++
					sum += v
				}
			}
		}
		d := time.Since(t0)
		sink += sum
		want := 0
		if hit {
			want = reps * n
		}
		if found != want {
			fail(op, name, n)
		}
		report(op, name, n, reps*n, d, "")
	}
	{
		sum, seen := uint64(0), 0
		t0 := time.Now()
		for r := 0; r < reps; r++ {
			for _, v := range m {
				sum += v
				seen++
			}
		}
		d := time.Since(t0)
		sink += sum
		if seen != reps*n {
			fail("iterate", name, n)
		}
		report("iterate", name, n, reps*n, d, "")
	}
	{
		t0 := time.Now()
		for i := 0; i < churnOps; i++ {
			delete(m, keys[i])
			m[keys[n+i]] = vals[n+i]
		}
		d := time.Since(t0)
		if len(m) != n {
			fail("churn", name, n)
		}
		report("churn", name, n, churnOps, d, "")
	}
	{
		var total time.Duration
		for r := 0; r < reps; r++ {
			d := make(map[K]uint64)
			for i := 0; i < n; i++ {
				d[keys[i]] = vals[i]
			}
			t0 := time.Now()
			for i := 0; i < n; i++ {
				delete(d, keys[i])
			}
			total += time.Since(t0)
			if len(d) != 0 {
				fail("delete", name, n)
			}
		}
		report("delete", name, n, reps*n, total, "")
	}
	{
		// Bytes held after deleting 99% of the entries (issue 8): Go's maps
		// never shrink (golang/go#20135).
		before := liveHeap()
		d := make(map[K]uint64)
		for i := 0; i < n; i++ {
			d[keys[i]] = vals[i]
		}
		peak := int64(liveHeap()) - int64(before)
		deleted := 0
		t0 := time.Now()
		for i := 0; i < n; i++ {
			if i%100 != 0 {
				delete(d, keys[i])
				deleted++
			}
		}
		total := time.Since(t0)
		after := int64(liveHeap()) - int64(before)
		if len(d) != (n+99)/100 {
			fail("shrink99", name, n)
		}
		if deleted == 0 {
			deleted = 1
		}
		report("shrink99", name, n, deleted, total, fmt.Sprintf("\t%d peak-B\t%d after-B", peak, after))
		runtime.KeepAlive(d)
	}
	if latency {
		lat := make([]uint32, n)
		g := make(map[K]uint64)
		start := time.Now()
		prev := start
		var max uint32
		for i := 0; i < n; i++ {
			g[keys[i]] = vals[i]
			now := time.Now()
			d := now.Sub(prev).Nanoseconds()
			if d > 0xffffffff {
				d = 0xffffffff
			}
			lat[i] = uint32(d)
			if lat[i] > max {
				max = lat[i]
			}
			prev = now
		}
		total := prev.Sub(start)
		sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
		rank := int(float64(n)*0.9999 + 0.999999)
		report("insert-latency", name, n, n, total, fmt.Sprintf("\t%d max-ns\t%d p99.99-ns", max, lat[rank-1]))
	}
}

func main() {
	sizes := []int{1 << 10, 1 << 16, 1 << 20}
	if len(os.Args) > 1 && os.Args[1] == "--full" {
		sizes = append(sizes, 1<<23)
	}
	largest := sizes[len(sizes)-1]
	count := largest + largest
	if largest < minOps {
		count = largest + minOps
	}
	u64 := make([]uint64, count)
	str := make([]string, count)
	chars := make([]byte, 16*count)
	const hex = "0123456789abcdef"
	for i := range u64 {
		x := int64Key(uint64(i))
		u64[i] = x
		p := chars[16*i : 16*i+16]
		for d := 15; d >= 0; d-- {
			p[d] = hex[x&15]
			x >>= 4
		}
	}
	all := string(chars) // one array; every key is a 16-byte view into it
	for i := range str {
		str[i] = all[16*i : 16*i+16]
	}
	fmt.Printf("peer: %s\n", runtime.Version())
	for i, n := range sizes {
		runSize(u64, u64, "uint64", n, i == len(sizes)-1)
	}
	for i, n := range sizes {
		runSize(str, u64, "string16", n, i == len(sizes)-1)
	}
	fmt.Println("PASS")
	if sink == 42 {
		os.Exit(3)
	}
}
