//! Every writer on every rank: an array to Zarr (twice: a write built while another to
//! the same place is pending), to a `.npy` stack and to one `.npy` file, a frame to
//! Parquet (and refused into a directory holding a file it did not write) and a bag to
//! text files, under `DIR`, each read back. Run
//! on threads or on any number of MPI ranks, it prints the same line: what was read
//! back is what was written, whichever rank wrote each part.
//!
//! cargo run --features dataframe,mpi --example mpi_writes -- DIR
//! mpirun -np 3 target/debug/examples/mpi_writes DIR
use chunkwise::array::{from_npy, from_npy_stack, from_zarr, random_uniform};
use chunkwise::bag::Bag;
use chunkwise::dataframe::DFrame;
use polars::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(dir) = std::env::args().nth(1).map(std::path::PathBuf::from) else {
        return Err("usage: mpi_writes DIR".into());
    };
    let x = random_uniform(0.0, 10.0, &[1000, 40], [300, 40], 3)?;
    let want = x.sum(None).compute()?;
    x.to_zarr(dir.join("x.zarr"))?;
    x.to_npy_stack(dir.join("stack"), 0)?;
    x.to_npy(dir.join("x.npy"))?;
    // Written again over itself, a write built while the first is still pending: the
    // second replaces the first whole.
    let first = (&x * 2.0).to_zarr_lazy(dir.join("x.zarr"))?;
    let second = x.to_zarr_lazy(dir.join("x.zarr"))?;
    drop(first);
    second.commit()?;
    let zarr = from_zarr::<f64>(dir.join("x.zarr"))?.sum(None).compute()?;
    let stack = from_npy_stack::<f64>(dir.join("stack"))?
        .sum(None)
        .compute()?;
    let npy = from_npy::<f64>(dir.join("x.npy"), [300, 40])?
        .sum(None)
        .compute()?;

    let rows = Bag::from_iter((0..10_000i64).map(|i| (i % 97, i)), 6);
    let schema = Schema::from_iter([
        Field::new("k".into(), DataType::Int64),
        Field::new("v".into(), DataType::Int64),
    ]);
    let frame = rows.to_dataframe(schema, |(k, v)| {
        vec![AnyValue::Int64(*k), AnyValue::Int64(*v)]
    })?;
    let parts = frame.to_parquet(dir.join("frame"))?.compute()?;
    let back = DFrame::read_parquet(&format!("{}/*.parquet", dir.join("frame").display()))?;
    let v_sum = back.column("v")?.sum().compute()?;

    // A directory holding a file no writer made is refused, alike on every rank.
    let foreign = dir.join("foreign");
    std::fs::create_dir_all(&foreign)?;
    std::fs::write(foreign.join("notes.txt"), "mine")?;
    let refused = frame.to_parquet(&foreign).is_err();

    let lines = Bag::from_iter((0..5000u64).map(|i| format!("line {i}")), 5);
    let texts = lines
        .to_textfiles(&format!("{}/part-*.txt", dir.join("text").display()))?
        .compute()?;
    let read = Bag::read_text(&format!("{}/part-*.txt", dir.join("text").display()))
        .open()?
        .count()
        .compute()?;

    let same = |a: &ndarray::ArrayD<f64>| *a == want;
    if chunkwise::cluster::rank() == 0 {
        println!(
            "zarr={} stack={} npy={} parquet_files={} v_sum={v_sum} refused={refused} text_files={} lines={read} checksum={:016x}",
            same(&zarr),
            same(&stack),
            same(&npy),
            parts.len(),
            texts.len(),
            want.sum().to_bits() ^ (v_sum as u64) ^ read,
        );
    }
    Ok(())
}
