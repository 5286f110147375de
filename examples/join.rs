//! db-benchmark's join questions over CSV files (`gen_join` writes them), asked in one
//! compute: q1 small inner on id1, q2 medium inner on id2, q3 medium left on id2, q4
//! medium inner on the text key id5, q5 big inner on id3. Prints, per question, the
//! answer's row count and the sum of each numeric column (6 decimals, nulls skipped):
//! the left columns, then the right table's non-key columns, clashing names suffixed
//! `_right` as polars does; then one summary line.
//!
//! cargo run --release --features dataframe --example join -- DIR [q1,q2,...] [explain]
//!
//! With `explain`, each answer's plan is printed first (`DFrame::explain`).
//!
//! Each answer is reduced where it is made (row count and column sums per partition),
//! so no answer is gathered in one place. Small and medium are broadcast to every
//! partition of x; q5 shuffles x and big on id3.
#[path = "common/alloc.rs"]
mod alloc;
use std::time::Instant;

use chunkwise::dataframe::{DFrame, How, Merge};
use chunkwise::{Delayed, Result};
use xxhash_rust::xxh3::xxh3_64;

/// An answer's row count, and the sum of each numeric column by name.
type Summary = (Delayed<u64>, Vec<(String, Delayed<f64>)>);

/// Row count and column sums of an answer, computed partition by partition.
fn summary(f: &DFrame) -> Result<Summary> {
    let mut sums = Vec::new();
    for (name, dtype) in f.schema().iter() {
        if dtype.is_primitive_numeric() {
            sums.push((name.to_string(), f.column(name)?.sum()));
        }
    }
    Ok((f.len(), sums))
}

fn main() -> Result<()> {
    alloc::keep_freed_pages();
    let args: Vec<String> = std::env::args().collect();
    let dir = args.get(1).ok_or_else(|| {
        chunkwise::Error::invalid("usage: join DIR [q1,q2,...] (gen_join writes the files)")
    })?;
    let asked: Vec<String> = args
        .get(2)
        .map_or("q1,q2,q3,q4,q5".into(), |s| s.clone())
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    let t0 = Instant::now();
    let open = |name: &str| DFrame::read_csv(&format!("{dir}/{name}")).open();
    let x = open("x_part*.csv")?;
    let (small, medium, big) = (
        open("small.csv")?,
        open("medium.csv")?,
        open("big_part*.csv")?,
    );
    let join = |right: &DFrame, on: &str, how: How| {
        x.merge(right, Merge::on(&[on]).how(how).suffixes("", "_right"))
    };
    let mut answers = Vec::new();
    for q in &asked {
        let answer = match q.as_str() {
            "q1" => join(&small, "id1", How::Inner)?,
            "q2" => join(&medium, "id2", How::Inner)?,
            "q3" => join(&medium, "id2", How::Left)?,
            "q4" => join(&medium, "id5", How::Inner)?,
            "q5" => join(&big, "id3", How::Inner)?,
            _ => {
                return Err(chunkwise::Error::invalid(format!(
                    "no question {q:?} (q1 to q5)"
                )));
            }
        };
        if args.get(3).is_some_and(|a| a == "explain") {
            println!("{q}:\n{}", answer.explain());
        }
        answers.push((q.clone(), summary(&answer)?));
    }
    let rows: Vec<Delayed<u64>> = answers.iter().map(|(_, (n, _))| n.clone()).collect();
    let sums: Vec<Delayed<f64>> = answers
        .iter()
        .flat_map(|(_, (_, s))| s.iter().map(|(_, d)| d.clone()))
        .collect();
    let (rows, sums) = chunkwise::compute((&rows, &sums))?;
    let secs = t0.elapsed().as_secs_f64();
    if chunkwise::cluster::rank() != 0 {
        return Ok(()); // under MPI every rank has the results: print them once
    }
    let mut checksum = 0u64;
    let mut it = sums.into_iter();
    for ((q, (_, names)), n) in answers.iter().zip(rows) {
        let cols: Vec<String> = names
            .iter()
            .map(|(name, _)| format!("{name}={:.6}", it.next().unwrap_or(0.0)))
            .collect();
        let line = format!("{q} rows={n} {}", cols.join(" "));
        checksum ^= xxh3_64(line.as_bytes()).rotate_left(checksum.count_ones());
        println!("{line}");
    }
    let stats = chunkwise::last_stats().unwrap_or_default();
    println!(
        "questions={} files_read={} workers={} held_mb={:.1} spilled_mb={:.1} secs={secs:.3} peak_rss_mb={:.1} checksum={checksum:016x}",
        answers.len(),
        stats.files_read,
        stats.workers,
        stats.peak_held_bytes as f64 / 1e6,
        stats.bytes_spilled as f64 / 1e6,
        chunkwise::peak_rss_mb()
    );
    Ok(())
}
