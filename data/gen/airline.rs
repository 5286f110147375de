//! Synthetic airline on-time data (seed 002 §4.2) with the real 29-column schema and its
//! quirks: `NA` for missing values, cancelled flights (no times, a cancellation code),
//! TailNum and CancellationCode empty (`NA`) in early years and filled later, Distance
//! written as a float in later years, and latin1 bytes in TailNum in 2001. A reader that
//! guesses types from the first file alone gets them wrong half-way. Shared by
//! `examples/gen_airline.rs` and the tests (`#[path]`-included).

use chunkwise::random::Xoshiro256pp;

pub const HEADER: &str = "Year,Month,DayofMonth,DayOfWeek,DepTime,CRSDepTime,ArrTime,CRSArrTime,UniqueCarrier,FlightNum,TailNum,ActualElapsedTime,CRSElapsedTime,AirTime,ArrDelay,DepDelay,Origin,Dest,Distance,TaxiIn,TaxiOut,Cancelled,CancellationCode,Diverted,CarrierDelay,WeatherDelay,NASDelay,SecurityDelay,LateAircraftDelay";

const CARRIERS: [&str; 8] = ["UA", "AA", "DL", "WN", "US", "CO", "NW", "AS"];
const AIRPORTS: [&str; 16] = [
    "SFO", "LAX", "ORD", "ATL", "DFW", "DEN", "JFK", "SEA", "BOS", "ACV", "BFL", "BOI", "CLE",
    "PHX", "IAH", "SLC",
];

fn pick<'a>(r: u64, xs: &[&'a str]) -> &'a str {
    xs[(r % xs.len() as u64) as usize]
}

/// The bytes of one year's CSV file (header included), deterministic in `seed`.
pub fn year(year: u32, rows: usize, seed: u64) -> Vec<u8> {
    let mut rng = Xoshiro256pp::seed_from_u64(seed ^ u64::from(year).wrapping_mul(0x9e37_79b9));
    let mut out = Vec::with_capacity(rows * 110);
    out.extend_from_slice(HEADER.as_bytes());
    out.push(b'\n');
    for _ in 0..rows {
        let r = rng.next_u64();
        let r2 = rng.next_u64();
        let month = r % 12 + 1;
        let day = (r >> 4) % 28 + 1;
        let dow = (r >> 9) % 7 + 1;
        let carrier = pick(r >> 12, &CARRIERS);
        // SFO departures are common, so the UA/SFO filter keeps a fair share.
        let origin = if (r >> 16).is_multiple_of(5) {
            "SFO"
        } else {
            pick(r >> 20, &AIRPORTS)
        };
        let mut dest = pick(r >> 24, &AIRPORTS);
        if dest == origin {
            dest = "ORD";
        }
        let crs_dep = 600 + (r >> 28) % 1500;
        let cancelled = (r >> 40).is_multiple_of(50);
        let flight = (r >> 44) % 3000 + 1;
        let dist = 100 + (r2 % 2500);
        let crs_elapsed = 40 + dist / 8;
        let tail = if year < 1995 {
            "NA".to_string()
        } else if year == 2001 && r2.is_multiple_of(200) {
            "N\u{e9}12".to_string() // written as latin1 below
        } else {
            format!(
                "N{}{}",
                (r2 >> 8) % 900 + 100,
                pick(r2 >> 20, &["AA", "UA", "DL", "WN"])
            )
        };
        let distance = if year >= 2000 {
            format!("{dist}.0")
        } else {
            dist.to_string()
        };
        let line = if cancelled {
            let code = if year < 2003 {
                "NA"
            } else {
                pick(r2 >> 30, &["A", "B", "C"])
            };
            format!(
                "{year},{month},{day},{dow},NA,{crs_dep},NA,{},{carrier},{flight},{tail},NA,{crs_elapsed},NA,NA,NA,{origin},{dest},{distance},NA,NA,1,{code},0,NA,NA,NA,NA,NA",
                crs_dep + crs_elapsed
            )
        } else {
            // Delays: mostly small, a long tail, some early departures.
            let base = ((r2 >> 32) % 60) as i64 - 10;
            let dep_delay = if (r2 >> 38).is_multiple_of(20) {
                base * 8 + 100
            } else {
                base
            };
            let arr_delay = dep_delay + ((r2 >> 44) % 21) as i64 - 10;
            let dep = crs_dep as i64 + dep_delay;
            let elapsed = crs_elapsed as i64 + arr_delay - dep_delay;
            let late = if year >= 2003 && arr_delay > 15 {
                format!("0,0,{},0,{}", arr_delay / 2, arr_delay - arr_delay / 2)
            } else {
                "NA,NA,NA,NA,NA".into()
            };
            format!(
                "{year},{month},{day},{dow},{dep},{crs_dep},{},{},{carrier},{flight},{tail},{elapsed},{crs_elapsed},{},{arr_delay},{dep_delay},{origin},{dest},{distance},{},{},0,NA,0,{late}",
                dep + elapsed,
                crs_dep + crs_elapsed,
                elapsed - 15,
                (r2 >> 50) % 15 + 2,
                (r2 >> 54) % 25 + 5
            )
        };
        if year == 2001 {
            // Latin1, as the real 2001 file: é as one byte.
            out.extend(line.chars().map(|c| c as u32 as u8));
        } else {
            out.extend_from_slice(line.as_bytes());
        }
        out.push(b'\n');
    }
    out
}

/// Writes `YEAR.csv.bz2` for each year into `dir`, returning the paths.
pub fn write(
    dir: &std::path::Path,
    years: std::ops::RangeInclusive<u32>,
    rows: usize,
    seed: u64,
) -> std::io::Result<Vec<std::path::PathBuf>> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let mut paths = Vec::new();
    for y in years {
        let path = dir.join(format!("{y}.csv.bz2"));
        let f = std::fs::File::create(&path)?;
        let mut w =
            bzip2::write::BzEncoder::new(std::io::BufWriter::new(f), bzip2::Compression::best());
        w.write_all(&year(y, rows, seed))?;
        w.finish()?.flush()?;
        paths.push(path);
    }
    Ok(paths)
}
