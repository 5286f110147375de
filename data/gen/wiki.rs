//! Synthetic Wikipedia page-count logs (seed 002 §4.3): lines `date time lang page count
//! bytes`, with the quirks of the real files: some short lines, page titles with bytes
//! that are not UTF-8, `Obama` in several languages. Shared by `examples/gen_wiki.rs`
//! and the tests (`#[path]`-included), so both see the same data.

use chunkwise::random::Xoshiro256pp;

const LANGS: [&str; 8] = ["en", "de", "fr", "es", "ja", "en.b", "ru", "it"];
const WORDS: [&str; 12] = [
    "Main_Page",
    "Barack_Obama",
    "Obama_(surname)",
    "Berkeley",
    "Python",
    "Rust_(language)",
    "Special:Search",
    "Michelle_Obama",
    "Dask",
    "Statistics",
    "Einstein",
    "Category:Presidents",
];

/// The lines of one file, deterministic in `seed`.
pub fn lines(seed: u64, n: usize) -> Vec<Vec<u8>> {
    let mut rng = Xoshiro256pp::seed_from_u64(seed);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let r = rng.next_u64();
        let lang = LANGS[(r % LANGS.len() as u64) as usize];
        let word = WORDS[((r >> 8) % WORDS.len() as u64) as usize];
        let count = (r >> 20) % 500 + 1;
        let bytes = (r >> 32) % 100_000;
        let hour = (i / 3600) % 24;
        let mut line = format!("20081201 {hour:02}0000 {lang} ").into_bytes();
        line.extend_from_slice(word.as_bytes());
        if (r >> 40).is_multiple_of(97) {
            // A title with latin1 bytes, not valid UTF-8.
            line.extend_from_slice(b"_Caf\xe9_\xff");
        }
        match (r >> 48) % 53 {
            // A short line: fields missing.
            0 => {}
            1 => line.extend_from_slice(format!(" {count}").as_bytes()),
            _ => line.extend_from_slice(format!(" {count} {bytes}").as_bytes()),
        }
        out.push(line);
    }
    out
}

/// Writes `files` gzip files of `lines_per_file` lines into `dir` (each file two gzip
/// members, as concatenated part files are), returning their paths.
pub fn write(
    dir: &std::path::Path,
    files: usize,
    lines_per_file: usize,
    seed: u64,
) -> std::io::Result<Vec<std::path::PathBuf>> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let mut paths = Vec::new();
    for f in 0..files {
        let path = dir.join(format!("part-{f:05}.gz"));
        let all = lines(
            seed.wrapping_mul(1000).wrapping_add(f as u64),
            lines_per_file,
        );
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        let half = all.len() / 2;
        for member in [&all[..half], &all[half..]] {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            for l in member {
                gz.write_all(l)?;
                gz.write_all(b"\n")?;
            }
            file.write_all(&gz.finish()?)?;
        }
        file.flush()?;
        paths.push(path);
    }
    Ok(paths)
}
