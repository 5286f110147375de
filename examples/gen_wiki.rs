//! Writes synthetic page-count logs: gzip part files in the format of the seed's
//! Wikipedia data.
//!
//! cargo run --release --example gen_wiki -- [DIR] [FILES] [LINES_PER_FILE] [SEED]
//! (data/wiki holds 4 files of 5000 lines made with the defaults below)
#[path = "../data/gen/wiki.rs"]
mod wiki;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| "data/wiki".into());
    let files = args
        .next()
        .map_or(4, |s| s.parse().expect("FILES is a number"));
    let lines = args
        .next()
        .map_or(5000, |s| s.parse().expect("LINES_PER_FILE is a number"));
    let seed = args
        .next()
        .map_or(2017, |s| s.parse().expect("SEED is a number"));
    let paths = wiki::write(std::path::Path::new(&dir), files, lines, seed)?;
    println!("files={} lines_per_file={lines} dir={dir}", paths.len());
    Ok(())
}
