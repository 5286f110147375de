//! Writes db-benchmark's G1 group-by data as CSV part files: N rows, K groups, the
//! columns id1..id6 and v1..v3 as its generator (`groupby-datagen.R`) makes them: id1,
//! id2 `id001`..`idK`; id3 `id0000000001`..(N/K values); id4, id5 1..K; id6 1..N/K;
//! v1 1..5; v2 1..15; v3 uniform in [0, 100) with 6 decimals. Deterministic for a seed.
//!
//! cargo run --release --example gen_groupby -- DIR [N] [K] [PARTS] [SEED]
//! (db-benchmark's G1_1e7_1e2: N = 1e7, K = 100; the 8 files: PARTS = 8)
use std::io::Write;

#[path = "common/mix.rs"]
mod mix;
use mix::Mix;

fn arg<T: std::str::FromStr>(args: &[String], i: usize, default: T) -> Result<T, String> {
    match args.get(i) {
        None => Ok(default),
        Some(s) => s
            .parse()
            .map_err(|_| format!("argument {i} is {s:?}: not a number")),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let dir = args
        .get(1)
        .ok_or("usage: gen_groupby DIR [N] [K] [PARTS] [SEED]")?;
    let n: u64 = arg(&args, 2, 10_000_000)?;
    let k: u64 = arg(&args, 3, 100)?;
    let parts: u64 = arg(&args, 4, 8)?.max(1);
    let seed: u64 = arg(&args, 5, 108)?;
    std::fs::create_dir_all(dir)?;
    let nk = (n / k.max(1)).max(1);
    let mut rng = Mix(seed);
    for p in 0..parts {
        let path = std::path::Path::new(dir).join(format!("G1_part{p:02}.csv"));
        let tmp = path.with_extension("csv.tmp");
        let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        writeln!(w, "id1,id2,id3,id4,id5,id6,v1,v2,v3")?;
        let rows = (p + 1) * n / parts - p * n / parts;
        for _ in 0..rows {
            let v3 = (rng.next() % 100_000_000) as f64 / 1e6;
            writeln!(
                w,
                "id{:03},id{:03},id{:010},{},{},{},{},{},{v3:.6}",
                rng.int(k),
                rng.int(k),
                rng.int(nk),
                rng.int(k),
                rng.int(k),
                rng.int(nk),
                rng.int(5),
                rng.int(15),
            )?;
        }
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        // Renamed when whole: a part file that exists is complete.
        std::fs::rename(&tmp, &path)?;
    }
    println!("rows={n} groups={k} parts={parts} seed={seed} dir={dir}");
    Ok(())
}
