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
mod array_index;
mod array_linalg;
mod array_npy;
mod array_routines;
mod array_select;
mod array_types;
#[cfg(feature = "zarr")]
mod array_zarr;
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
mod frame_ops;
mod keys;
mod reliability;
