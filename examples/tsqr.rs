//! A tall-and-skinny QR (TSQR, as `dask.array.linalg.tsqr`): an M x N uniform array in
//! row blocks of CHUNK rows, generated and held (persist), then factorized: every row
//! block's QR, the stacked R factors' QR, and each Q block multiplied back, with the
//! column norms of Q (each 1) and R computed in the same run, so Q is never held whole.
//! Prints the time of the factorization alone, the peak memory, the largest error of
//! a Q column norm, the sum of |diag R| (independent of the signs' convention) and a
//! checksum of the bits of R and the norms.
//!
//! cargo run --release --example tsqr -- [M] [N] [CHUNK]      (default 1000000 100 100000)
//! python benches/compare/tsqr.py [M] [N] [CHUNK] [THREADS] [numpy|dask]
use std::time::Instant;

use chunkwise::array::{einsum, random_uniform};

#[path = "common/args.rs"]
mod args;

fn arg(i: usize, default: usize) -> chunkwise::Result<usize> {
    args::arg(i, default, "tsqr [M] [N] [CHUNK]")
}

fn main() -> chunkwise::Result<()> {
    let (m, n, chunk) = (arg(1, 1_000_000)?, arg(2, 100)?, arg(3, 100_000)?);
    let t0 = Instant::now();
    let x = random_uniform(0.0, 1.0, &[m, n], [chunk, n], 1)?.persist()?;
    let generated = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let (q, r) = x.tsqr();
    let norms = einsum("ij,ij->j", &[&q, &q]);
    let (norms, r) = chunkwise::compute((&norms, &r))?;
    let secs = t1.elapsed().as_secs_f64();
    let norm_err = norms
        .iter()
        .map(|v| (v.sqrt() - 1.0).abs())
        .fold(0.0, f64::max);
    let k = r.shape()[0];
    let diag: f64 = (0..k).map(|i| r[[i, i]].abs()).sum();
    // The bits of R and of Q's norms: equal wherever it runs (threads, MPI ranks).
    let checksum = r.iter().chain(norms.iter()).fold(0u64, |h, v| {
        (h.rotate_left(5) ^ v.to_bits()).wrapping_mul(0x100_0000_01b3)
    });
    println!(
        "m={m} n={n} chunk={chunk} generate_secs={generated:.3} secs={secs:.3} \
         peak_rss_mb={:.1} q_norm_err={norm_err:.2e} abs_diag_r_sum={diag:.6} checksum={checksum:016x}",
        chunkwise::peak_rss_mb()
    );
    Ok(())
}
