/// Runs `$f::<T>($dir, value of index i)` for each of the eight element types.
macro_rules! each_element_type {
    ($f:ident, $dir:expr) => {
        $f::<f64>($dir, |i| i as f64 * 0.5 - 3.0);
        $f::<f32>($dir, |i| i as f32 / 3.0);
        $f::<i64>($dir, |i| i as i64 - 50);
        $f::<i32>($dir, |i| -(i as i32));
        $f::<u64>($dir, |i| u64::MAX - i as u64);
        $f::<u32>($dir, |i| i as u32 * 7);
        $f::<u8>($dir, |i| (i % 256) as u8);
        $f::<bool>($dir, |i| i % 3 == 0);
    };
}

mod array;
mod array_blockwise_port;
mod array_dask;
mod array_dask_port;
mod array_dask_port2;
mod array_dask_port3;
mod array_dask_port4;
mod array_dask_port5;
mod array_einsum_port;
mod array_histogram;
mod array_index;
mod array_linalg;
mod array_map_blocks;
mod array_npy;
mod array_quantile_port;
mod array_routines;
mod array_select;
mod array_setitem_port;
#[cfg(feature = "zarr")]
mod array_store_port;
mod array_types;
mod array_vindex_port;
#[cfg(feature = "zarr")]
mod array_zarr;
#[cfg(feature = "arrow")]
mod arrow;
mod bag;
mod client;
mod cluster;
mod command;
#[cfg(feature = "dashboard")]
mod dashboard;
#[cfg(feature = "dataframe")]
mod dataframe;
mod delayed;
mod diagnostics;
mod engine;
#[cfg(feature = "dataframe")]
mod frame_dask_port;
#[cfg(feature = "dataframe")]
mod frame_groupby_dask_port;
#[cfg(feature = "dataframe")]
mod frame_ops;
#[cfg(feature = "dataframe")]
mod frame_overlap;
#[cfg(feature = "dataframe")]
mod frame_transform;
mod keys;
mod reliability;

/// Asserts that `dir` holds only `name` (no temporary or old output left beside it).
pub(crate) fn only_output_left(dir: &std::path::Path, name: &str, context: &str) {
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec![name.to_string()], "{context}");
}

/// Runs this test binary's test `test` (its full name) as a child with `env` set, kills
/// it with SIGKILL after a pseudo-random pause (20-420 ms, from `seed`), `rounds` times,
/// calling `check` after each kill: for writers that must leave whole outputs.
pub(crate) fn kill_at_random_points(
    test: &str,
    env: (&str, &str),
    rounds: usize,
    mut seed: u64,
    mut check: impl FnMut(),
) {
    for _ in 0..rounds {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", test, "--test-threads=1"])
            .env(env.0, env.1)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        std::thread::sleep(std::time::Duration::from_millis(20 + (seed >> 33) % 400));
        child.kill().unwrap();
        child.wait().unwrap();
        check();
    }
}
