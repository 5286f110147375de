use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chunkwise::bag::Bag;
use chunkwise::io::{Compression, Encoding};
use chunkwise::{Config, Error, Scheduler, compute, compute_with, last_stats};

#[path = "../../data/gen/wiki.rs"]
mod wiki_gen;

fn find(line: &str) -> bool {
    let f: Vec<&str> = line.split(' ').collect();
    f.len() >= 6 && f[2] == "en" && f[3].contains("Obama")
}

/// The plain reference: decompress with flate2, split lines by hand.
fn reference_lines(paths: &[PathBuf]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for p in paths {
        let mut bytes = Vec::new();
        flate2::read::MultiGzDecoder::new(std::fs::File::open(p).unwrap())
            .read_to_end(&mut bytes)
            .unwrap();
        let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(|l| l.to_vec()).collect();
        if lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        out.extend(lines);
    }
    out
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

#[test]
fn sequence_operations_match_iterators() {
    let items: Vec<i64> = (0..1000).map(|i| (i * 37 % 101) - 50).collect();
    for parts in [1, 3, 7, 1000, 5000] {
        let b = Bag::from_iter(items.clone(), parts);
        assert_eq!(b.compute().unwrap(), items);
        let m = b.map(|x| x * 2).filter(|x| x % 3 == 0);
        let want: Vec<i64> = items.iter().map(|x| x * 2).filter(|x| x % 3 == 0).collect();
        assert_eq!(m.compute().unwrap(), want);
        let fm = b.flat_map(|&x| (0..(x.rem_euclid(3))).map(move |k| x + k));
        let want_fm: Vec<i64> = items
            .iter()
            .flat_map(|&x| (0..x.rem_euclid(3)).map(move |k| x + k))
            .collect();
        assert_eq!(fm.compute().unwrap(), want_fm);
        let (n, s, lo, hi, mean) =
            compute((&b.count(), &b.sum(), &b.min(), &b.max(), &b.mean_f64())).unwrap();
        assert_eq!(n, 1000);
        assert_eq!(s, items.iter().sum::<i64>());
        assert_eq!(lo, items.iter().min().copied());
        assert_eq!(hi, items.iter().max().copied());
        assert!((mean - items.iter().sum::<i64>() as f64 / 1000.0).abs() < 1e-12);
        let freq = b.map(|x| x.rem_euclid(5)).frequencies().compute().unwrap();
        let mut want_f: Vec<(i64, u64)> = (0..5)
            .map(|k| {
                (
                    k,
                    items.iter().filter(|x| x.rem_euclid(5) == k).count() as u64,
                )
            })
            .collect();
        want_f.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        assert_eq!(freq, want_f);
        let mut d: Vec<i64> = items.clone();
        d.sort();
        d.dedup();
        assert_eq!(b.distinct().compute().unwrap(), d);
        let mut top = items.clone();
        top.sort_by(|x, y| y.cmp(x));
        assert_eq!(b.topk(5).compute().unwrap(), top[..5].to_vec());
        assert_eq!(b.take(7).unwrap(), items[..7].to_vec());
        // Past the first batch of a source (256 items).
        assert_eq!(b.take(300).unwrap(), items[..300].to_vec());
        assert_eq!(
            b.filter(|x| x % 2 == 0).take(200).unwrap(),
            items
                .iter()
                .copied()
                .filter(|x| x % 2 == 0)
                .take(200)
                .collect::<Vec<_>>()
        );
        let f = b
            .fold(0i64, |a, x| *a += x * x, |a, b| *a += b)
            .compute()
            .unwrap();
        assert_eq!(f, items.iter().map(|x| x * x).sum::<i64>());
        let by = b
            .foldby(|x| x.rem_euclid(3), 0i64, |a, x| *a += x, |a, b| *a += b)
            .compute()
            .unwrap();
        let want_by: Vec<(i64, i64)> = (0..3)
            .map(|k| (k, items.iter().filter(|x| x.rem_euclid(3) == k).sum()))
            .collect();
        assert_eq!(by, want_by);
        let mp = b
            .map_partitions(|v: Vec<i64>| vec![v.len() as i64])
            .sum()
            .compute()
            .unwrap();
        assert_eq!(mp, 1000);
    }
}

trait MeanF64 {
    fn mean_f64(&self) -> chunkwise::Delayed<f64>;
}
impl MeanF64 for Bag<i64> {
    fn mean_f64(&self) -> chunkwise::Delayed<f64> {
        self.map(|&x| x as f64).mean()
    }
}

#[test]
fn empty_bag() {
    let b = Bag::from_iter(Vec::<u32>::new(), 4);
    assert_eq!(b.count().compute().unwrap(), 0);
    assert_eq!(b.max().compute().unwrap(), None);
    assert!(b.map(|&x| f64::from(x)).mean().compute().unwrap().is_nan());
    assert!(b.compute().unwrap().is_empty());
}

#[test]
fn gzip_logs_match_reference_in_one_pass() {
    let dir = tempfile::tempdir().unwrap();
    let paths = wiki_gen::write(dir.path(), 5, 3000, 7).unwrap();
    let lines = reference_lines(&paths);
    let text: Vec<String> = lines.iter().map(|l| latin1(l)).collect();
    let pattern = format!("{}/*.gz", dir.path().display());
    let wiki = Bag::read_text(&pattern)
        .encoding(Encoding::Latin1)
        .open()
        .unwrap();
    assert_eq!(wiki.npartitions(), 5);
    let total = wiki.count();
    let matches = wiki.filter(find).count();
    for sched in [Scheduler::Synchronous, Scheduler::threads(2)] {
        let (t, m) = compute_with((&total, &matches), &Config::new().scheduler(sched)).unwrap();
        assert_eq!(t, lines.len() as u64);
        assert_eq!(m, text.iter().filter(|l| find(l)).count() as u64);
        let s = last_stats().unwrap();
        assert_eq!(
            s.files_read, 5,
            "each file decompressed once for both results"
        );
        assert!(s.bytes_read > 0);
    }
    assert_eq!(wiki.compute().unwrap(), text);
    // Bytes, no decoding.
    let raw = Bag::read_text(&pattern)
        .open_bytes()
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(raw, lines);
    // Lossy decoding.
    let lossy = Bag::read_text(&pattern)
        .encoding(Encoding::Lossy)
        .open()
        .unwrap()
        .compute()
        .unwrap();
    let want: Vec<String> = lines
        .iter()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    assert_eq!(lossy, want);
}

#[test]
fn strict_utf8_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.txt");
    std::fs::write(&p, b"fine\nalso fine\nnot \xff fine\n").unwrap();
    let err = Bag::read_text(p.to_str().unwrap())
        .open()
        .unwrap()
        .count()
        .compute()
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("bad.txt") && msg.contains("line 3") && msg.contains("byte 19"),
        "{msg}"
    );
}

/// Text is checked in bulk, a stretch at a time: lines with non-ASCII, invalid and
/// CRLF-ended bytes among ASCII ones, over more than one read block, must decode as
/// they do line by line, and the first invalid byte must be the one named.
#[test]
fn encodings_match_line_by_line_decoding() {
    let mut data = Vec::new();
    for i in 0..70_000u32 {
        data.extend_from_slice(format!("{i} plain ascii line").as_bytes());
        match i % 97 {
            3 => data.extend_from_slice("caf\u{e9} \u{65e5}\u{672c}".as_bytes()),
            5 => data.extend_from_slice(b"latin1 \xe9t\xe9"),
            7 => data.extend_from_slice(b"cut \xc3"),
            11 => data.push(b'\r'),
            _ => {}
        }
        data.push(b'\n');
    }
    data.extend_from_slice(b"last \xff without a line break");
    let lines: Vec<&[u8]> = data
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    for name in ["mixed.txt", "mixed.txt.gz"] {
        let path = dir.path().join(name);
        write_compressed(&path, &data);
        let open = |e: Encoding, block: u64| {
            Bag::read_text(path.to_str().unwrap())
                .encoding(e)
                .block_size(block)
                .open()
                .unwrap()
        };
        for block in [300_000, 64 << 20] {
            let latin1: Vec<String> = lines
                .iter()
                .map(|l| l.iter().map(|&b| char::from(b)).collect())
                .collect();
            assert_eq!(open(Encoding::Latin1, block).compute().unwrap(), latin1);
            let lossy: Vec<String> = lines
                .iter()
                .map(|l| String::from_utf8_lossy(l).into_owned())
                .collect();
            assert_eq!(open(Encoding::Lossy, block).compute().unwrap(), lossy);
            let err = open(Encoding::Utf8, block).count().compute().unwrap_err();
            // Line 6 (i = 5) holds the first invalid byte, `\xe9` after "5 plain ascii
            // linelatin1 ".
            let offset = lines[..5].iter().map(|l| l.len() + 1).sum::<usize>()
                + "5 plain ascii linelatin1 ".len();
            let msg = err.to_string();
            assert!(msg.contains(name) && msg.contains("invalid UTF-8"), "{msg}");
            // With one partition the first bad byte is the one named; with several,
            // any partition's may come first (later splits of a plain file name the
            // byte offset in the file only, as they do not know their line numbers).
            if name.ends_with(".gz") || block > data.len() as u64 {
                let at = format!("line 6, byte {offset}");
                assert!(msg.contains(&at), "{msg}");
            }
        }
    }
    // Valid UTF-8 only: read strictly, the same lines.
    let valid: Vec<u8> = String::from_utf8_lossy(&data).into_owned().into_bytes();
    let path = dir.path().join("valid.txt.gz");
    write_compressed(&path, &valid);
    let want: Vec<String> = String::from_utf8(valid)
        .unwrap()
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
        .collect();
    let got = Bag::read_text(path.to_str().unwrap())
        .open()
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(got, want);
}

fn write_compressed(path: &Path, data: &[u8]) {
    let f = std::fs::File::create(path).unwrap();
    match Compression::from_path(path) {
        Compression::Gzip => {
            let mut w = flate2::write::GzEncoder::new(f, flate2::Compression::default());
            w.write_all(data).unwrap();
            w.finish().unwrap();
        }
        Compression::Bzip2 => {
            let mut w = bzip2::write::BzEncoder::new(f, bzip2::Compression::default());
            w.write_all(data).unwrap();
            w.finish().unwrap();
        }
        Compression::Zstd => {
            let mut w = zstd::Encoder::new(f, 3).unwrap();
            w.write_all(data).unwrap();
            w.finish().unwrap();
        }
        Compression::None => std::fs::write(path, data).unwrap(),
    }
}

#[test]
fn every_compression_and_plain_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let body: String = (0..5000)
        .map(|i| format!("line {i} {}\r\n", "x".repeat(i % 40)))
        .collect();
    let want: Vec<String> = (0..5000)
        .map(|i| format!("line {i} {}", "x".repeat(i % 40)))
        .collect();
    for ext in ["txt", "gz", "bz2", "zst"] {
        let p = dir.path().join(format!("f.{ext}"));
        write_compressed(&p, body.as_bytes());
        let got = Bag::read_text(p.to_str().unwrap())
            .open()
            .unwrap()
            .compute()
            .unwrap();
        assert_eq!(got, want, "{ext}");
    }
    // A plain file in many small blocks: every line once, whatever the cut.
    let p = dir.path().join("f.txt");
    for block in [997, 4096, 1 << 20] {
        let b = Bag::read_text(p.to_str().unwrap())
            .block_size(block)
            .open()
            .unwrap();
        assert_eq!(b.compute().unwrap(), want, "block {block}");
        assert_eq!(b.count().compute().unwrap(), 5000);
    }
    let tiny = dir.path().join("tiny.txt");
    std::fs::write(
        &tiny, "ab

cd
e",
    )
    .unwrap();
    for block in [1, 2, 3] {
        let b = Bag::read_text(tiny.to_str().unwrap())
            .block_size(block)
            .open()
            .unwrap();
        assert_eq!(b.compute().unwrap(), ["ab", "", "cd", "e"], "block {block}");
    }
    // No final newline, empty lines, empty file, many tiny files.
    std::fs::write(dir.path().join("a.log"), "x\n\ny").unwrap();
    std::fs::write(dir.path().join("b.log"), "").unwrap();
    for i in 0..30 {
        std::fs::write(dir.path().join(format!("c{i:02}.log")), format!("{i}\n")).unwrap();
    }
    let logs = Bag::read_text(&format!("{}/*.log", dir.path().display()))
        .open()
        .unwrap();
    let got = logs.compute().unwrap();
    let mut want: Vec<String> = vec!["x".into(), "".into(), "y".into()];
    want.extend((0..30).map(|i| i.to_string()));
    assert_eq!(got, want);
    assert_eq!(logs.npartitions(), 32);
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let paths = wiki_gen::write(dir.path(), 2, 2000, 3).unwrap();
    let good = std::fs::read(&paths[0]).unwrap();
    // Truncated.
    let t = dir.path().join("trunc.gz");
    std::fs::write(&t, &good[..good.len() / 2]).unwrap();
    // Corrupt in the middle.
    let c = dir.path().join("corrupt.gz");
    let mut bad = good.clone();
    for b in &mut bad[100..140] {
        *b = !*b;
    }
    std::fs::write(&c, &bad).unwrap();
    // Empty compressed file.
    let e = dir.path().join("empty.gz");
    std::fs::write(&e, b"").unwrap();
    for (p, name) in [(&t, "trunc.gz"), (&c, "corrupt.gz"), (&e, "empty.gz")] {
        let b = Bag::read_text(p.to_str().unwrap())
            .encoding(Encoding::Latin1)
            .open()
            .unwrap();
        let err = b.count().compute().unwrap_err().to_string();
        assert!(err.contains(name), "{err}");
        assert!(err.contains("gzip") || err.contains("empty"), "{err}");
    }
    // A truncated file next to good ones: the whole compute fails, no short count.
    let mix = Bag::read_text_files(&[&paths[0], &t, &paths[1]])
        .encoding(Encoding::Latin1)
        .open()
        .unwrap();
    assert!(mix.count().compute().is_err());
    // A glob matching nothing.
    let err = Bag::read_text(&format!("{}/nothing-*.gz", dir.path().display()))
        .open()
        .unwrap_err();
    assert!(err.to_string().contains("matches no file"), "{err}");
    assert!(matches!(
        Bag::read_text("/no/such/file.txt").open(),
        Err(Error::Io { .. })
    ));
    // A closure that panics on one line.
    let b = Bag::read_text(paths[1].to_str().unwrap())
        .encoding(Encoding::Latin1)
        .open()
        .unwrap();
    let err = b
        .filter(|l| {
            if l.contains("Dask") {
                panic!("no Dask here");
            }
            true
        })
        .count()
        .compute()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no Dask here") && err.contains("read_text-"),
        "{err}"
    );
    // to_textfiles needs a `*`.
    assert!(b.to_textfiles("out.txt").is_err());
}

#[test]
fn to_textfiles_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<String> = (0..500).map(|i| format!("item {i}")).collect();
    let b = Bag::from_iter(items.clone(), 4);
    for ext in ["txt", "gz", "bz2", "zst"] {
        let pattern = format!("{}/out-{ext}/part-*.{ext}", dir.path().display());
        let written = b.to_textfiles(&pattern).unwrap().compute().unwrap();
        assert_eq!(written.len(), 4);
        let back = Bag::read_text(&format!("{}/out-{ext}/*.{ext}", dir.path().display()))
            .open()
            .unwrap()
            .compute()
            .unwrap();
        assert_eq!(back, items, "{ext}");
    }
}

#[test]
fn keyed_reductions_with_many_keys_are_cut_into_buckets() {
    use std::collections::BTreeMap;
    let words: Vec<String> = (0..20_000u64)
        .map(|i| format!("w{}", (i * 7919) % 6007))
        .collect();
    let b = Bag::from_iter(words.clone(), 7);
    let freq = b.frequencies();
    let g = chunkwise::Graph::of(&freq).unwrap();
    let buckets = g
        .keys()
        .filter(|k| k.to_string().starts_with("(bucket-"))
        .count();
    assert_eq!(buckets, 7, "one bucket per partition");
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for w in &words {
        *want.entry(w.clone()).or_default() += 1;
    }
    let mut want_f: Vec<(String, u64)> = want.clone().into_iter().collect();
    want_f.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    let (f, d, by) = compute((
        &freq,
        &b.distinct(),
        &b.foldby(|w: &String| w.len(), 0u64, |a, _| *a += 1, |a, b| *a += b),
    ))
    .unwrap();
    assert_eq!(f, want_f);
    assert_eq!(d, want.keys().cloned().collect::<Vec<_>>());
    let mut by_len: BTreeMap<usize, u64> = BTreeMap::new();
    for w in &words {
        *by_len.entry(w.len()).or_default() += 1;
    }
    assert_eq!(by, by_len.into_iter().collect::<Vec<_>>());
}

/// A user's record type with nothing but serde derives: it shuffles, spills and is
/// grouped without a hand-written codec.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Visit {
    user: String,
    page: u32,
    secs: f64,
}

fn visits(n: usize) -> Vec<Visit> {
    (0..n)
        .map(|i| Visit {
            // A skewed key: user "u0" holds half the visits.
            user: if i % 2 == 0 {
                "u0".into()
            } else {
                format!("u{}", i % 37)
            },
            page: (i * 7 % 11) as u32,
            secs: i as f64 * 0.5,
        })
        .collect()
}

/// The reference: groups in order of first appearance, items in input order.
fn groups_by_user(items: &[Visit]) -> Vec<(String, Vec<Visit>)> {
    let mut out: Vec<(String, Vec<Visit>)> = Vec::new();
    for v in items {
        match out.iter_mut().find(|g| g.0 == v.user) {
            Some(g) => g.1.push(v.clone()),
            None => out.push((v.user.clone(), vec![v.clone()])),
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn groupby_and_shuffle_of_a_serde_type_match_a_plain_loop() {
    let all_items = visits(2000);
    for (parts, out_parts) in [(1, None), (7, Some(3)), (5, Some(1)), (3, Some(20))] {
        // An empty input partition: every visit of partition 1 filtered out.
        let n = all_items.len();
        let (lo, hi) = ((n / parts) as f64 * 0.5, (2 * n / parts) as f64 * 0.5);
        let keep = move |v: &Visit| parts == 1 || !(lo..hi).contains(&v.secs);
        let items: Vec<Visit> = all_items.iter().filter(|v| keep(v)).cloned().collect();
        let expect = groups_by_user(&items);
        let b = Bag::from_iter(all_items.clone(), parts).filter(keep);
        let g = b.groupby(|v: &Visit| v.user.clone(), out_parts);
        assert_eq!(g.npartitions(), out_parts.unwrap_or(parts));
        let mut got = g.compute().unwrap();
        got.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(got, expect, "{parts} partitions into {out_parts:?}");

        let s = b.shuffle(|v: &Visit| v.page, out_parts);
        // Every page lands in one output partition, and nothing is lost.
        let per_part = s
            .map_partitions(|p: Vec<Visit>| {
                let mut pages: Vec<u32> = p.iter().map(|v| v.page).collect();
                pages.sort();
                pages.dedup();
                pages
            })
            .compute()
            .unwrap();
        let mut pages = per_part.clone();
        pages.sort();
        pages.dedup();
        assert_eq!(pages.len(), per_part.len(), "a page in two partitions");
        let mut all: Vec<(u32, u64)> = s
            .compute()
            .unwrap()
            .iter()
            .map(|v| (v.page, v.secs.to_bits()))
            .collect();
        all.sort();
        let mut want: Vec<(u32, u64)> = items.iter().map(|v| (v.page, v.secs.to_bits())).collect();
        want.sort();
        assert_eq!(all, want);
    }
}

/// The keyed reductions left as bags: each key in exactly one partition, answers as a
/// plain loop, with a skewed key holding half the items, empty partitions, one
/// partition and more buckets than partitions; a later step runs on the bag.
#[test]
fn keyed_reductions_as_bags_hold_each_key_in_one_partition() {
    use std::collections::{BTreeMap, HashSet};
    // Half the items have key 0; the rest spread over 4999 keys; negatives dropped by
    // the filter empty the middle partitions.
    let items: Vec<i64> = (0..20_000i64)
        .map(|i| {
            if (8_000..12_000).contains(&i) {
                -1
            } else if i % 2 == 0 {
                0
            } else {
                (i * 7919) % 4999 + 1
            }
        })
        .collect();
    let kept: Vec<i64> = items.iter().copied().filter(|x| *x >= 0).collect();
    let mut sums: BTreeMap<i64, (i64, u64)> = BTreeMap::new();
    for &x in &kept {
        let e = sums.entry(x % 1000).or_default();
        e.0 += x;
        e.1 += 1;
    }
    let mut counts: BTreeMap<i64, u64> = BTreeMap::new();
    for &x in &kept {
        *counts.entry(x).or_default() += 1;
    }
    for (parts, n) in [(1, None), (5, Some(1)), (5, Some(3)), (10, Some(16))] {
        let b = Bag::from_iter(items.clone(), parts).filter(|x| *x >= 0);
        let folded = b.foldby_partitioned(
            |x| x % 1000,
            (0i64, 0u64),
            |a, x| {
                a.0 += x;
                a.1 += 1;
            },
            |a, b| {
                a.0 += b.0;
                a.1 += b.1;
            },
            n,
        );
        let freq = b.frequencies_partitioned(n);
        let dist = b.distinct_partitioned(n);
        let want_n = n.unwrap_or(parts);
        assert_eq!(folded.npartitions(), want_n);
        assert_eq!(freq.npartitions(), want_n);
        assert_eq!(dist.npartitions(), want_n);
        let repeated = freq.filter(|(_, c)| *c > 1).count();
        let (f, q, d, r) = compute((
            &folded
                .map_partitions(|p: Vec<(i64, (i64, u64))>| vec![p])
                .collect(),
            &freq.map_partitions(|p: Vec<(i64, u64)>| vec![p]).collect(),
            &dist.map_partitions(|p: Vec<i64>| vec![p]).collect(),
            &repeated,
        ))
        .unwrap();
        // No key in two partitions.
        let mut seen = HashSet::new();
        for part in &f {
            for (k, _) in part {
                assert!(seen.insert(*k), "key {k} in two partitions");
            }
        }
        let mut f: Vec<(i64, (i64, u64))> = f.concat();
        f.sort();
        assert_eq!(
            f,
            sums.clone().into_iter().collect::<Vec<_>>(),
            "{parts} {n:?}"
        );
        let mut q: Vec<(i64, u64)> = q.concat();
        q.sort();
        assert_eq!(q, counts.clone().into_iter().collect::<Vec<_>>());
        let mut d: Vec<i64> = d.concat();
        d.sort();
        assert_eq!(d, counts.keys().copied().collect::<Vec<_>>());
        assert_eq!(r, counts.values().filter(|c| **c > 1).count() as u64);
    }
    // Strings, the empty one too.
    let words = Bag::from_iter(["b", "a", "b", "", "b"].map(String::from), 3);
    let mut f = words.frequencies_partitioned(Some(2)).compute().unwrap();
    f.sort();
    assert_eq!(f, [("".into(), 1), ("a".into(), 1), ("b".into(), 3)]);
}

#[test]
fn shuffles_and_keyed_folds_of_serde_types_spill_under_a_budget() {
    let items = visits(100_000);
    let dir = tempfile::tempdir().unwrap();
    // An output partition's pieces hold about 2.6 MB (strings counted as `String`s):
    // the budget must admit one task's inputs, and is still well under the data's.
    let config = Config::new()
        .scheduler(Scheduler::threads(2))
        .memory_limit(4 << 20)
        .spill_dir(dir.path());
    let b = Bag::from_iter(items.clone(), 8);
    let groups = b.groupby(|v: &Visit| v.user.clone(), Some(4));
    // A user-defined accumulator through foldby: its partial maps spill too.
    #[derive(Clone, Default, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Acc {
        n: u64,
        pages: Vec<u32>,
    }
    let folded = b.foldby(
        |v: &Visit| v.user.clone(),
        Acc::default(),
        |a, v| {
            a.n += 1;
            a.pages.push(v.page);
        },
        |a, b| {
            a.n += b.n;
            a.pages.extend_from_slice(&b.pages);
        },
    );
    let spread = b
        .foldby_partitioned(
            |v: &Visit| v.user.clone(),
            0u64,
            |a, _| *a += 1,
            |a, b| *a += b,
            Some(4),
        )
        .collect();
    let (mut got, folded, mut spread) =
        compute_with((&groups.collect(), &folded, &spread), &config).unwrap();
    let s = last_stats().unwrap();
    assert!(s.spilled_results > 0, "nothing spilled: {s:?}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "spill files removed"
    );
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got, groups_by_user(&items));
    let want: Vec<(String, u64, usize)> = groups_by_user(&items)
        .iter()
        .map(|(u, v)| (u.clone(), v.len() as u64, v.len()))
        .collect();
    let folded: Vec<(String, u64, usize)> = folded
        .iter()
        .map(|(u, a)| (u.clone(), a.n, a.pages.len()))
        .collect();
    assert_eq!(folded, want);
    spread.sort();
    let want: Vec<(String, u64)> = want.into_iter().map(|(u, n, _)| (u, n)).collect();
    assert_eq!(spread, want);
}

#[test]
fn a_registered_serde_value_spills_from_delayed() {
    #[derive(Clone, serde::Serialize, serde::Deserialize)]
    struct Block {
        id: u64,
        data: Vec<u64>,
    }
    chunkwise::register_serde::<Block>();
    let dir = tempfile::tempdir().unwrap();
    let blocks: Vec<chunkwise::Delayed<Block>> = (0..16u64)
        .map(|id| {
            chunkwise::delayed(move || Block {
                id,
                data: (0..20_000).map(|j| j * id).collect(),
            })
        })
        .collect();
    let sums = chunkwise::collect(&blocks).map(|bs| {
        bs.iter()
            .map(|b| b.id + b.data.iter().sum::<u64>())
            .collect::<Vec<_>>()
    });
    let config = Config::new().memory_limit(200 << 10).spill_dir(dir.path());
    let got = compute_with(&sums, &config).unwrap();
    assert!(last_stats().unwrap().spilled_results > 0);
    let want: Vec<u64> = (0..16u64)
        .map(|id| id + (0..20_000u64).map(|j| j * id).sum::<u64>())
        .collect();
    assert_eq!(got, want);
}
