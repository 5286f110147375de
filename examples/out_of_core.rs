//! Out of core: an N x N standard-normal array ten times the memory budget, generated
//! into a Zarr store, read back for column means, rechunked from square chunks to
//! whole columns (the transposed chunking) into a second store, and multiplied by its
//! transpose into a third, then written to one `.npy` file and summed back (by slabs
//! of rows, then by the store's square chunks, which read only their own bytes), every
//! step under `CHUNKWISE_MEMORY_LIMIT` (set here to a tenth of the array unless
//! given). Prints each step's time and spill, the peak memory, and a checksum of the
//! column means and of the product's trace.
//! (`python benches/compare/npy.py N` times numpy's `np.save` and `np.load` + sum, and
//! Dask summing a memory-mapped `np.load` by square chunks.)
//!
//! cargo run --release --example out_of_core -- /tmp/ooc [N] [CHUNK]     (default 8000 1000)
use std::time::Instant;

use chunkwise::array::{from_npy, from_zarr, random_normal};
use chunkwise::{Config, Error, Result};

#[path = "common/args.rs"]
mod args;

const USAGE: &str = "out_of_core DIR [N] [CHUNK]";

fn main() -> Result<()> {
    let dir = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or_else(|| Error::invalid(format!("usage: {USAGE}")))?,
    );
    let n = args::arg(2, 8000, USAGE)?;
    let chunk = args::arg(3, 1000, USAGE)?;
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let bytes = (n * n * 8) as u64;
    let budget = match std::env::var("CHUNKWISE_MEMORY_LIMIT") {
        Ok(v) => chunkwise::parse_bytes(&v).map_err(Error::invalid)?,
        Err(_) => bytes / 10,
    };
    Config::current()?.memory_limit(budget).set_default();
    let (mut spilled, mut dropped) = (0u64, 0u64);
    let mut step = |name: &str, t: Instant| {
        let s = chunkwise::last_stats().unwrap_or_default();
        spilled += s.bytes_spilled;
        dropped += s.bytes_dropped;
        eprintln!(
            "{name}: {:.2} s, {:.0} MB spilled, {:.0} MB of chunks read from a store dropped \
             and {} read again, peak held {:.0} MB, process peak so far {:.0} MB",
            t.elapsed().as_secs_f64(),
            s.bytes_spilled as f64 / 1e6,
            s.bytes_dropped as f64 / 1e6,
            s.sources_remade,
            s.peak_held_bytes as f64 / 1e6,
            chunkwise::diagnostics::peak_rss_mb()
        );
    };
    let t0 = Instant::now();
    let (a, b, c) = (
        dir.join("a.zarr"),
        dir.join("columns.zarr"),
        dir.join("gram.zarr"),
    );
    let t = Instant::now();
    random_normal(0.0, 1.0, &[n, n], [chunk, chunk], 42)?.to_zarr(&a)?;
    step("generate to zarr", t);
    let x = from_zarr::<f64>(&a)?;
    let t = Instant::now();
    let means = x.mean(0).compute()?;
    step("column means", t);
    let t = Instant::now();
    x.rechunk([n, (chunk / 4).max(1)]).to_zarr(&b)?;
    step("rechunk to whole columns", t);
    let t = Instant::now();
    x.matmul(&x.t()).to_zarr(&c)?;
    step("x @ x.T", t);
    let t = Instant::now();
    let g = from_zarr::<f64>(&c)?;
    let trace = g.diag().sum(None).compute_scalar()?;
    let cols = from_zarr::<f64>(&b)?;
    let col_sum = cols.sum(None).compute_scalar()?;
    step("read back", t);
    // The same array as one .npy file, written and summed back by chunks of rows.
    let npy = dir.join("a.npy");
    let t = Instant::now();
    x.to_npy(&npy)?;
    let npy_write = t.elapsed().as_secs_f64();
    step("zarr to .npy", t);
    let t = Instant::now();
    let rows = (chunk * chunk / n).max(1); // slabs of whole rows, a chunk's size
    let npy_sum = from_npy::<f64>(&npy, [rows, n])?
        .sum(None)
        .compute_scalar()?;
    let npy_read = t.elapsed().as_secs_f64();
    step(".npy sum", t);
    // Read again in the store's square chunks: each is read run by run, not by rows.
    let t = Instant::now();
    let npy_tiles = from_npy::<f64>(&npy, [chunk, chunk])?
        .sum(None)
        .compute_scalar()?;
    let npy_tile_read = t.elapsed().as_secs_f64();
    step(".npy sum by square chunks", t);
    if (npy_tiles - npy_sum).abs() > 1e-9 * (n as f64 + npy_sum.abs()) {
        return Err(Error::invalid(format!(
            "the .npy sum by square chunks {npy_tiles} disagrees with the sum by rows {npy_sum}"
        )));
    }
    let mean_sum: f64 = means.iter().sum();
    if (npy_sum / n as f64 - mean_sum).abs() > 1e-6 * (1.0 + mean_sum.abs()) {
        return Err(Error::invalid(format!(
            "the .npy sum {npy_sum} disagrees with the column means' {mean_sum}"
        )));
    }
    // The trace of x xᵀ is the sum of squares; its mean is n*n (N(0,1) entries).
    println!(
        "store={} n={n} chunk={chunk} array_mb={:.0} budget_mb={:.0} secs={:.2} peak_rss_mb={:.1} \
         spilled_mb={:.0} dropped_mb={:.0} npy_write_secs={npy_write:.2} npy_read_secs={npy_read:.2} \
         npy_tile_read_secs={npy_tile_read:.2} \
         trace_per_element={:.6} checksum={:.9e}",
        dir.display(),
        bytes as f64 / 1e6,
        budget as f64 / 1e6,
        t0.elapsed().as_secs_f64(),
        chunkwise::peak_rss_mb(),
        spilled as f64 / 1e6,
        dropped as f64 / 1e6,
        trace / (n * n) as f64,
        mean_sum + col_sum / n as f64
    );
    Ok(())
}
