//! Writes db-benchmark's join data (`_data/join-datagen.R`) as CSV: the left table x of
//! N rows (id1..id6, v1) in part files, and the right tables small (N/1e6 rows: id1, id4,
//! v2), medium (N/1e3: id1, id2, id4, id5, v2) and big (N: id1..id6, v2, in part files).
//! Keys as the R generator makes them: for each key 1.1·n shuffled values split into
//! common (0.9·n), left-only (0.1·n) and right-only (0.1·n); the left draws every
//! common and left-only value at least once, the right every common and right-only one,
//! so about 90% of x's rows find a match; id4..id6 are `id` and id1..id3 as text; v1
//! and v2 uniform in [0, 100) with 6 decimals. Deterministic for a seed.
//!
//! cargo run --release --example gen_join -- DIR [N] [PARTS] [SEED]
//! (db-benchmark's J1_1e7_NA_0_0: N = 1e7)
use std::io::Write;
use std::path::Path;

#[path = "common/mix.rs"]
mod mix;
use mix::Mix;

/// Keys 1..=1.1n shuffled: (common, left-only, right-only).
struct Keys {
    x: Vec<u64>,
    l: Vec<u64>,
    r: Vec<u64>,
}

fn split_xlr(rng: &mut Mix, n: usize) -> Keys {
    let mut key: Vec<u64> = (1..=(n + n / 10) as u64).collect();
    rng.shuffle(&mut key);
    let r = key.split_off(n);
    let l = key.split_off(n - n / 10);
    Keys { x: key, l, r }
}

fn lhs(k: &Keys) -> Vec<u64> {
    [k.x.as_slice(), &k.l].concat()
}

fn rhs(k: &Keys) -> Vec<u64> {
    [k.x.as_slice(), &k.r].concat()
}

/// Writes rows `0..rows` in `parts` files named `name` (`*` the part number; without a
/// `*`, one file), each under a temporary name renamed when whole.
fn write(
    dir: &Path,
    name: &str,
    parts: usize,
    header: &str,
    rows: usize,
    row: &mut dyn FnMut(&mut dyn Write, usize) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let parts = if name.contains('*') { parts.max(1) } else { 1 };
    for p in 0..parts {
        let path = dir.join(name.replace('*', &p.to_string()));
        let tmp = path.with_extension("csv.tmp");
        let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        writeln!(w, "{header}")?;
        for i in p * rows / parts..(p + 1) * rows / parts {
            row(&mut w, i)?;
        }
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, &path)?;
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let dir = args
        .get(1)
        .ok_or("usage: gen_join DIR [N] [PARTS] [SEED]")?;
    let num = |i: usize, d: usize| -> Result<usize, String> {
        args.get(i).map_or(Ok(d), |s| {
            s.parse::<f64>()
                .map(|v| v as usize)
                .map_err(|_| format!("argument {i} is {s:?}: not a number"))
        })
    };
    let n = num(2, 10_000_000)?;
    let parts = num(3, 8)?;
    let seed = num(4, 108)? as u64;
    if n < 10 {
        return Err("N must be at least 10".into());
    }
    // Below 1e6 rows, small keeps one row (and medium one below 1e3).
    let (small, medium) = ((n / 1_000_000).max(1), (n / 1000).max(1));
    let dir = Path::new(dir);
    std::fs::create_dir_all(dir)?;
    let mut rng = Mix(seed);
    let (k1, k2, k3) = (
        split_xlr(&mut rng, small),
        split_xlr(&mut rng, medium),
        split_xlr(&mut rng, n),
    );
    let v = |rng: &mut Mix| (rng.next() % 100_000_000) as f64 / 1e6;

    let (id1, id2, id3) = (
        rng.sample_all(&lhs(&k1), n),
        rng.sample_all(&lhs(&k2), n),
        rng.sample_all(&lhs(&k3), n),
    );
    write(
        dir,
        "x_part*.csv",
        parts,
        "id1,id2,id3,id4,id5,id6,v1",
        n,
        &mut |w, i| {
            let (a, b, c) = (id1[i], id2[i], id3[i]);
            writeln!(w, "{a},{b},{c},id{a},id{b},id{c},{:.6}", v(&mut rng))
        },
    )?;
    drop((id1, id2, id3));

    let s1 = rng.sample_all(&rhs(&k1), small);
    write(dir, "small.csv", 1, "id1,id4,v2", small, &mut |w, i| {
        writeln!(w, "{0},id{0},{1:.6}", s1[i], v(&mut rng))
    })?;

    let (m1, m2) = (
        rng.sample_all(&rhs(&k1), medium),
        rng.sample_all(&rhs(&k2), medium),
    );
    write(
        dir,
        "medium.csv",
        1,
        "id1,id2,id4,id5,v2",
        medium,
        &mut |w, i| writeln!(w, "{0},{1},id{0},id{1},{2:.6}", m1[i], m2[i], v(&mut rng)),
    )?;

    let (b1, b2, b3) = (
        rng.sample_all(&rhs(&k1), n),
        rng.sample_all(&rhs(&k2), n),
        rng.sample_all(&rhs(&k3), n),
    );
    write(
        dir,
        "big_part*.csv",
        parts,
        "id1,id2,id3,id4,id5,id6,v2",
        n,
        &mut |w, i| {
            let (a, b, c) = (b1[i], b2[i], b3[i]);
            writeln!(w, "{a},{b},{c},id{a},id{b},id{c},{:.6}", v(&mut rng))
        },
    )?;
    println!("rows={n} parts={parts} seed={seed} dir={}", dir.display());
    Ok(())
}
