// The peers workloads (benchmarks/peers/README.md) for Rust's std HashMap
// (SwissTable via hashbrown, SipHash-1-3 by default).
//   peers_rs [--full]        built by benchmarks/peers/run with `rustc -O` (std only)
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

struct Counting;
static LIVE: AtomicI64 = AtomicI64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as i64, Ordering::Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as i64, Ordering::Relaxed);
        System.dealloc(p, l)
    }
}

#[global_allocator]
static A: Counting = Counting;

const MIN_OPS: usize = 1 << 20;

fn int64_key(i: u64) -> u64 {
    let mut z = 0x5eed0000000000a5u64.wrapping_add((i + 1).wrapping_mul(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    z ^ (z >> 31)
}

fn report(op: &str, key: &str, n: usize, ops: usize, ns: u128, extra: &str) {
    println!("BenchmarkPeers/Op={}/Key={}/len={}\t{}\t{:.2} ns/op{}", op, key, n, ops,
             ns as f64 / ops as f64, extra);
}

fn fail(op: &str, key: &str, n: usize) -> ! {
    println!("--- FAIL: BenchmarkPeers/Op={}/Key={}/len={}", op, key, n);
    std::process::exit(1)
}

fn run_size<K: Hash + Eq + Copy>(keys: &[K], vals: &[u64], name: &str, n: usize, latency: bool) -> u64 {
    let reps = (MIN_OPS + n - 1) / n;
    let churn_ops = n.max(MIN_OPS);
    let mut sink = 0u64;
    for presized in [false, true] {
        let mut ns = 0u128;
        let mut per_entry = 0.0;
        for _ in 0..reps {
            let before = LIVE.load(Ordering::Relaxed);
            let t0 = Instant::now();
            let mut m: HashMap<K, u64> = if presized { HashMap::with_capacity(n) } else { HashMap::new() };
            for i in 0..n {
                m.insert(keys[i], vals[i]);
            }
            ns += t0.elapsed().as_nanos();
            per_entry = (LIVE.load(Ordering::Relaxed) - before) as f64 / n as f64;
            if m.len() != n {
                fail("insert", name, n);
            }
        }
        if presized {
            report("insert-presized", name, n, reps * n, ns, "");
        } else {
            report("insert", name, n, reps * n, ns, &format!("\t{:.2} B/entry", per_entry));
        }
    }

    let mut m: HashMap<K, u64> = HashMap::new();
    for i in 0..n {
        m.insert(keys[i], vals[i]);
    }
    for hit in [true, false] {
        let first = if hit { 0 } else { n };
        let (mut found, mut sum) = (0usize, 0u64);
        let t0 = Instant::now();
        for _ in 0..reps {
            for i in first..first + n {
                if let Some(v) = m.get(&keys[i]) {
                    found += 1;
                    sum = sum.wrapping_add(*v);
                }
            }
        }
        let ns = t0.elapsed().as_nanos();
        sink = sink.wrapping_add(sum);
        let op = if hit { "lookup-hit" } else { "lookup-miss" };
        if found != if hit { reps * n } else { 0 } {
            fail(op, name, n);
        }
        report(op, name, n, reps * n, ns, "");
    }
    {
        let (mut sum, mut seen) = (0u64, 0usize);
        let t0 = Instant::now();
        for _ in 0..reps {
            for (_, v) in m.iter() {
                sum = sum.wrapping_add(*v);
                seen += 1;
            }
        }
        let ns = t0.elapsed().as_nanos();
        sink = sink.wrapping_add(sum);
        if seen != reps * n {
            fail("iterate", name, n);
        }
        report("iterate", name, n, reps * n, ns, "");
    }
    {
        let t0 = Instant::now();
        for i in 0..churn_ops {
            m.remove(&keys[i]);
            m.insert(keys[n + i], vals[n + i]);
        }
        let ns = t0.elapsed().as_nanos();
        if m.len() != n {
            fail("churn", name, n);
        }
        report("churn", name, n, churn_ops, ns, "");
    }
    {
        let mut ns = 0u128;
        for _ in 0..reps {
            let mut d: HashMap<K, u64> = HashMap::new();
            for i in 0..n {
                d.insert(keys[i], vals[i]);
            }
            let t0 = Instant::now();
            for i in 0..n {
                d.remove(&keys[i]);
            }
            ns += t0.elapsed().as_nanos();
            if !d.is_empty() {
                fail("delete", name, n);
            }
        }
        report("delete", name, n, reps * n, ns, "");
    }
    {
        // Bytes held after deleting 99% of the entries (issue 8): HashMap
        // keeps its capacity until shrink_to_fit is called.
        let before = LIVE.load(Ordering::Relaxed);
        let mut d: HashMap<K, u64> = HashMap::new();
        for i in 0..n {
            d.insert(keys[i], vals[i]);
        }
        let peak = LIVE.load(Ordering::Relaxed) - before;
        let mut deleted = 0usize;
        let t0 = Instant::now();
        for i in 0..n {
            if i % 100 != 0 {
                d.remove(&keys[i]);
                deleted += 1;
            }
        }
        let ns = t0.elapsed().as_nanos();
        let after = LIVE.load(Ordering::Relaxed) - before;
        if d.len() != (n + 99) / 100 {
            fail("shrink99", name, n);
        }
        report("shrink99", name, n, deleted.max(1), ns, &format!("\t{} peak-B\t{} after-B", peak, after));
    }
    if latency {
        let mut lat = vec![0u32; n];
        let mut g: HashMap<K, u64> = HashMap::new();
        let start = Instant::now();
        let mut prev = start;
        for i in 0..n {
            g.insert(keys[i], vals[i]);
            let now = Instant::now();
            lat[i] = (now - prev).as_nanos().min(u32::MAX as u128) as u32;
            prev = now;
        }
        let total = (prev - start).as_nanos();
        let max = *lat.iter().max().unwrap();
        lat.sort_unstable();
        let rank = (n as f64 * 0.9999 + 0.999999) as usize;
        report("insert-latency", name, n, n, total, &format!("\t{} max-ns\t{} p99.99-ns", max, lat[rank - 1]));
    }
    sink
}

fn main() {
    let mut sizes = vec![1usize << 10, 1 << 16, 1 << 20];
    if std::env::args().nth(1).as_deref() == Some("--full") {
        sizes.push(1 << 23);
    }
    let largest = *sizes.last().unwrap();
    let count = largest + largest.max(MIN_OPS);
    let u64s: Vec<u64> = (0..count as u64).map(int64_key).collect();
    let mut chars = vec![0u8; 16 * count];
    let hex = b"0123456789abcdef";
    for (i, &k) in u64s.iter().enumerate() {
        let mut x = k;
        for d in (0..16).rev() {
            chars[16 * i + d] = hex[(x & 15) as usize];
            x >>= 4;
        }
    }
    let all = std::str::from_utf8(&chars).unwrap();
    let strs: Vec<&str> = (0..count).map(|i| &all[16 * i..16 * i + 16]).collect();
    println!("peer: rust-std");
    let mut sink = 0u64;
    for (i, &n) in sizes.iter().enumerate() {
        sink = sink.wrapping_add(run_size(&u64s, &u64s, "uint64", n, i + 1 == sizes.len()));
    }
    for (i, &n) in sizes.iter().enumerate() {
        sink = sink.wrapping_add(run_size(&strs, &u64s, "string16", n, i + 1 == sizes.len()));
    }
    println!("PASS");
    if sink == 42 {
        std::process::exit(3);
    }
}
