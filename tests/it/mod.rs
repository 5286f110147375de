mod array;
mod array_index;
mod array_linalg;
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
