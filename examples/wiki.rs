//! S3 (seed 002 §4.3, §6.3): Wikipedia page-count logs in gzip part files. Counts all
//! lines, and lines with at least 6 fields, language `en` and `Obama` in the page, both
//! in one pass over the files.
//!
//! cargo run --release --example wiki -- [GLOB]   (default: data/wiki/*.gz)
use std::time::Instant;

use chunkwise::bag::Bag;
use chunkwise::io::Encoding;

/// The seed's `find`: at least 6 fields, language `en`, `Obama` in the page. The
/// language is checked first: it rejects most lines after a few bytes.
fn find(line: &str) -> bool {
    // Fields are short: a byte loop finds the spaces faster than a searcher's set-up.
    let b = line.as_bytes();
    let mut spaces = b
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c == b' ')
        .map(|(i, _)| i);
    let (Some(_), Some(s2), Some(s3)) = (spaces.next(), spaces.next(), spaces.next()) else {
        return false;
    };
    if &b[s2 + 1..s3] != b"en" {
        return false;
    }
    let Some(s4) = spaces.next() else {
        return false;
    };
    memchr::memmem::find(&b[s3 + 1..s4], b"Obama").is_some() && spaces.next().is_some()
}

/// `--raw`: only decompress every file in parallel with the same decoder (the floor).
fn raw(pattern: &str) -> chunkwise::Result<()> {
    use rayon::prelude::*;
    use std::io::Read;
    let t0 = Instant::now();
    let files = chunkwise::io::expand(pattern)?;
    let bytes: u64 = files
        .par_iter()
        .map(|p| {
            let f = std::fs::File::open(p).map_err(|e| chunkwise::Error::io(p, e))?;
            let mut d = flate2::read::MultiGzDecoder::new(std::io::BufReader::new(f));
            let mut buf = vec![0u8; 1 << 20];
            let mut n = 0u64;
            loop {
                match d.read(&mut buf).map_err(|e| chunkwise::Error::io(p, e))? {
                    0 => return Ok(n),
                    k => n += k as u64,
                }
            }
        })
        .sum::<chunkwise::Result<u64>>()?;
    println!(
        "files={} decompressed_bytes={bytes} secs={:.3} peak_rss_mb={:.1}",
        files.len(),
        t0.elapsed().as_secs_f64(),
        chunkwise::peak_rss_mb()
    );
    Ok(())
}

/// `--loop`: a hand-written rayon loop over the files: the same decoder, lines cut
/// at `\n`, latin1, the same `find` (the floor for any library doing this work).
fn hand_loop(pattern: &str) -> chunkwise::Result<()> {
    use rayon::prelude::*;
    use std::io::Read;
    let t0 = Instant::now();
    let files = chunkwise::io::expand(pattern)?;
    let (lines, matches) = files
        .par_iter()
        .map(|p| {
            let f = std::fs::File::open(p).map_err(|e| chunkwise::Error::io(p, e))?;
            let mut d = flate2::read::MultiGzDecoder::new(std::io::BufReader::new(f));
            let mut buf = vec![0u8; 1 << 20];
            let (mut filled, mut lines, mut matches) = (0usize, 0u64, 0u64);
            loop {
                let n = d
                    .read(&mut buf[filled..])
                    .map_err(|e| chunkwise::Error::io(p, e))?;
                filled += n;
                let cut = if n == 0 {
                    filled
                } else {
                    memchr::memrchr(b'\n', &buf[..filled]).map_or(0, |i| i + 1)
                };
                for line in buf[..cut].split(|&b| b == b'\n') {
                    if line.is_empty() {
                        continue;
                    }
                    lines += 1;
                    // Lines that are not UTF-8 read as latin1 (`find` only looks at ASCII).
                    matches += match std::str::from_utf8(line) {
                        Ok(text) => find(text),
                        _ => find(&line.iter().map(|&b| char::from(b)).collect::<String>()),
                    } as u64;
                }
                buf.copy_within(cut..filled, 0);
                filled -= cut;
                if n == 0 {
                    return Ok((lines, matches));
                }
            }
        })
        .try_reduce(|| (0, 0), |a, b| Ok((a.0 + b.0, a.1 + b.1)))?;
    println!(
        "files={} lines={lines} matches={matches} secs={:.3} peak_rss_mb={:.1}",
        files.len(),
        t0.elapsed().as_secs_f64(),
        chunkwise::peak_rss_mb()
    );
    Ok(())
}

fn main() -> chunkwise::Result<()> {
    let pattern = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "data/wiki/*.gz".into());
    if std::env::args().any(|a| a == "--raw") {
        return raw(&pattern);
    }
    if std::env::args().any(|a| a == "--loop") {
        return hand_loop(&pattern);
    }
    let t0 = Instant::now();
    // Page titles are not always UTF-8: latin1 reads every byte as a character.
    let wiki = Bag::read_text(&pattern).encoding(Encoding::Latin1).open()?;
    let total = wiki.count();
    let obama = wiki.filter(find);
    let matches = obama.count();
    let (total, matches) = chunkwise::compute((&total, &matches))?;
    let stats = chunkwise::last_stats().expect("a compute ran");
    let first = obama.take(3)?;
    if chunkwise::cluster::rank() != 0 {
        return Ok(()); // under MPI every rank has the results: print them once
    }
    for l in &first {
        println!("{l}");
    }
    println!(
        "files={} lines={total} matches={matches} files_read={} workers={} secs={:.3} peak_rss_mb={:.1} checksum={:016x}",
        wiki.npartitions(),
        stats.files_read,
        stats.workers,
        t0.elapsed().as_secs_f64(),
        chunkwise::peak_rss_mb(),
        xxhash_rust::xxh3::xxh3_64(format!("{total} {matches}").as_bytes())
    );
    Ok(())
}
