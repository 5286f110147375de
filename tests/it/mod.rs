mod array;
mod bag;
mod client;
mod cluster;
mod command;
#[cfg(feature = "dataframe")]
mod dataframe;
mod delayed;
mod engine;
mod keys;
