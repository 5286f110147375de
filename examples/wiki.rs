//! S3 (seed 002 §4.3, §6.3): Wikipedia page-count logs in gzip part files. Counts all
//! lines, and lines with at least 6 fields, language `en` and `Obama` in the page, both
//! in one pass over the files.
//!
//! cargo run --release --example wiki -- [GLOB]   (default: data/wiki/*.gz)
use std::sync::LazyLock;
use std::time::Instant;

use chunkwise::bag::Bag;
use chunkwise::io::Encoding;

/// The seed's `find`: at least 6 fields, `Obama` in the page, language `en`. Lines
/// without `Obama` anywhere are rejected before splitting (same answer, less work).
fn find(line: &str) -> bool {
    static OBAMA: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new("Obama"));
    if OBAMA.find(line.as_bytes()).is_none() {
        return false;
    }
    let mut f = line.split(' ');
    let (_, _, lang, page) = (f.next(), f.next(), f.next(), f.next());
    let rest = f.count();
    rest >= 2 && lang == Some("en") && page.is_some_and(|p| p.contains("Obama"))
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

fn main() -> chunkwise::Result<()> {
    let pattern = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "data/wiki/*.gz".into());
    if std::env::args().any(|a| a == "--raw") {
        return raw(&pattern);
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
        "files={} lines={total} matches={matches} files_read={} workers={} secs={:.3} peak_rss_mb={:.1}",
        wiki.npartitions(),
        stats.files_read,
        stats.workers,
        t0.elapsed().as_secs_f64(),
        chunkwise::peak_rss_mb()
    );
    Ok(())
}
