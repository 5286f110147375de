//! Writes synthetic airline on-time data, one bz2 CSV per year, with the real schema.
//!
//! cargo run --release --example gen_airline -- [DIR] [FIRST_YEAR] [LAST_YEAR] [ROWS] [SEED]
//! (data/airline holds 1994-2003 at 1500 rows, made with the defaults below)
#[path = "../data/gen/airline.rs"]
mod airline;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| "data/airline".into());
    let first = args.next().map_or(1994, |s| s.parse().expect("FIRST_YEAR"));
    let last = args.next().map_or(2003, |s| s.parse().expect("LAST_YEAR"));
    let rows = args.next().map_or(1500, |s| s.parse().expect("ROWS"));
    let seed = args.next().map_or(2008, |s| s.parse().expect("SEED"));
    let paths = airline::write(std::path::Path::new(&dir), first..=last, rows, seed)?;
    println!("files={} rows_per_file={rows} dir={dir}", paths.len());
    Ok(())
}
