//! Zarr stores (cargo feature `zarr`, on by default) through the `zarrs` crate:
//! `to_zarr` writes one task per chunk, in parallel, each chunk freed once written;
//! `from_zarr` reads one task per chunk, so a slice of the array reads only the chunks
//! it touches. Zarr v3 is written (zstd, as Python's zarr writes by default); v3 and
//! v2 are read with the codecs compiled in (zstd, gzip, crc32c, transpose, sharding).
//!
//! A store appears whole or not at all: it is written under a hidden temporary name
//! beside the destination and moved into place when every chunk is written, replacing
//! an existing store whole (see `io::staged`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};
use zarrs::array::codec::ZstdCodec;
use zarrs::array::{
    Array, ArrayBuilder, ArraySubset, CodecOptions, DataType, ElementOwned, data_type,
};
use zarrs::filesystem::FilesystemStore;

use super::impl_constructors::chunk_tasks;
use super::impl_reshape::region;
use super::impl_store::{PendingWrite, file_token};
use super::{Chunks, DArray, DType, Element};
use crate::graph::Tokenizer;
use crate::io::{Replaces, StagedDir};
use crate::{Error, Result};

/// The element types Zarr stores hold: every [`Element`] (zarrs reads and writes them).
pub trait ZarrElement: Element + ElementOwned {}
impl<T: Element + ElementOwned> ZarrElement for T {}

fn zarr_type(d: DType) -> DataType {
    match d {
        DType::F64 => data_type::float64(),
        DType::F32 => data_type::float32(),
        DType::I64 => data_type::int64(),
        DType::I32 => data_type::int32(),
        DType::U64 => data_type::uint64(),
        DType::U32 => data_type::uint32(),
        DType::U8 => data_type::uint8(),
        DType::Bool => data_type::bool(),
    }
}

fn zarr_error(path: &Path, what: &str, e: impl std::fmt::Display) -> Error {
    Error::invalid(format!("zarr store {}: {what}: {e}", path.display()))
}

/// One task at a time decodes or encodes a chunk: the engine already runs chunks in
/// parallel, and zarrs' own threads inside a task would fight it for the cores.
fn options() -> CodecOptions {
    CodecOptions::default().with_concurrent_target(1)
}

/// Opens the store at `path` for reading as an array of `T`: its shape and chunk
/// grid (regular grids only), checked against `T`.
fn open<T: ZarrElement>(path: &Path) -> Result<Array<FilesystemStore>> {
    if !path.is_dir() {
        let why = match crate::io::interrupted(path) {
            Some(old) => format!(
                "no Zarr store: a write was killed while replacing it; the previous store is at {} (writing again restores it first)",
                old.display()
            ),
            None => "no Zarr store (no such directory)".to_string(),
        };
        return Err(Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, why),
        ));
    }
    let store = FilesystemStore::new(path).map_err(|e| zarr_error(path, "opening", e))?;
    let array = Array::open(Arc::new(store), "/")
        .map_err(|e| zarr_error(path, "reading its metadata", e))?;
    if *array.data_type() != zarr_type(T::DTYPE) {
        return Err(zarr_error(
            path,
            "element type",
            format!("the store holds {:?}, not {}", array.data_type(), T::DTYPE),
        ));
    }
    Ok(array)
}

/// Reads the Zarr array at `path` as a `DArray<T>` chunked as stored (Dask's
/// `from_zarr`). The metadata is read now (a missing store, unreadable metadata or
/// another element type is an error naming the path); the chunks are read by the
/// tasks that need them, a corrupt or cut-short chunk failing its task with the path
/// and the chunk's index.
///
/// ```
/// use chunkwise::array::{from_zarr, random_uniform};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("x.zarr");
/// let x = random_uniform(0.0, 1.0, &[100, 60], [40, 25], 7).unwrap();
/// x.to_zarr(&path).unwrap();
/// let y = from_zarr::<f64>(&path).unwrap();
/// assert_eq!(y.chunks(), &[vec![40, 40, 20], vec![25, 25, 10]]);
/// assert_eq!(y.compute().unwrap(), x.compute().unwrap());
/// ```
pub fn from_zarr<T: ZarrElement>(path: impl AsRef<Path>) -> Result<DArray<T>> {
    let path = path.as_ref().to_path_buf();
    let array = open::<T>(&path)?;
    let shape: Vec<usize> = array.shape().iter().map(|&n| n as usize).collect();
    let grid_shape = array.chunk_grid_shape().to_vec();
    // A regular grid: every chunk but the last along an axis has the first's size.
    let first = array
        .chunk_shape(&vec![0; shape.len()])
        .map_err(|e| zarr_error(&path, "its chunk grid", e))?;
    let sizes: Vec<usize> = first.iter().map(|n| n.get() as usize).collect();
    let g = super::chunks::Grid::new(&shape, &Chunks::Shape(sizes.clone()))?;
    if g.grid_shape()
        .iter()
        .zip(&grid_shape)
        .any(|(&a, &b)| a as u64 != b && !(a == 1 && b == 0))
    {
        return Err(zarr_error(
            &path,
            "its chunk grid",
            "not a regular grid (only regular grids are read)",
        ));
    }
    let meta = ["zarr.json", ".zarray"]
        .map(|m| path.join(m))
        .into_iter()
        .find(|m| m.exists());
    let meta_token = meta.map_or(0, |m| file_token("zarr", &m));
    let token = Tokenizer::new("from_zarr")
        .param(&meta_token)
        .param(&format!("{}{shape:?}{sizes:?}", T::DTYPE))
        .finish();
    let array = Arc::new(array);
    let g = Arc::new(g);
    let grid = Arc::clone(&g);
    Ok(chunk_tasks(
        g,
        "from_zarr",
        token,
        move |c, offset, shape| {
            let pos = grid.position(c);
            let subset = ArraySubset::new_with_start_shape(
                offset.iter().map(|&o| o as u64).collect(),
                shape.iter().map(|&n| n as u64).collect(),
            )
            .map_err(|e| zarr_error(&path, &format!("chunk {pos:?}"), e))?;
            array
                .retrieve_array_subset_opt(&subset, &options())
                .map_err(|e| zarr_error(&path, &format!("reading chunk {pos:?}"), e))
        },
    ))
}

impl<T: ZarrElement> DArray<T> {
    /// Computes this array into a Zarr v3 store at `path` (a directory; zstd-compressed
    /// chunks, the chunk grid kept where it is regular and made regular, by the first
    /// chunk's sizes, where it is not). Chunks are written in parallel by their tasks and
    /// freed once written, so the memory is that of the chunks in flight. The store
    /// appears whole or not at all: an existing store at `path` is replaced whole, a
    /// failed or killed write leaves the old one.
    pub fn to_zarr(&self, path: impl AsRef<Path>) -> Result<()> {
        self.to_zarr_lazy(path)?.commit()
    }

    /// The writing of [`to_zarr`](Self::to_zarr) as a lazy value: compute several
    /// with [`store`](super::store) to write several arrays (sharing their common
    /// tasks) in one run.
    pub fn to_zarr_lazy(&self, path: impl AsRef<Path>) -> Result<PendingWrite> {
        if let Some(e) = &self.error {
            return Err(Error::Shared(Arc::clone(e)));
        }
        let dest: PathBuf = path.as_ref().to_path_buf();
        // Zarr's chunks are all of one size (the last padded): a ragged grid is
        // rechunked to its first chunk's sizes; an axis of length 0 gets chunks of 1.
        let sizes: Vec<usize> = self.chunks().iter().map(|c| c[0].max(1)).collect();
        let x = if self.chunks().iter().zip(&sizes).all(|(c, &s)| {
            c.iter().rev().skip(1).all(|&n| n == s) && c.last().is_none_or(|&l| l <= s)
        }) {
            self.clone()
        } else {
            self.rechunk(sizes.clone())
        };
        let staged = StagedDir::new(
            &dest,
            Replaces::DirWith(&["zarr.json", ".zarray", ".zgroup"]),
        )?;
        let store =
            FilesystemStore::new(staged.path()).map_err(|e| zarr_error(&dest, "creating", e))?;
        let array = ArrayBuilder::new(
            x.shape().iter().map(|&n| n as u64).collect::<Vec<_>>(),
            sizes.iter().map(|&n| n as u64).collect::<Vec<_>>(),
            zarr_type(T::DTYPE),
            // Zero (false for bool): numpy's and zarr's default fill.
            zarrs::array::FillValue::new(vec![0u8; T::DTYPE.size()]),
        )
        .bytes_to_bytes_codecs(vec![Arc::new(ZstdCodec::new(3, false))])
        .build(Arc::new(store), "/")
        .map_err(|e| zarr_error(&dest, "creating", e))?;
        array
            .store_metadata()
            .map_err(|e| zarr_error(&dest, "writing its metadata", e))?;
        let array = Arc::new(array);
        PendingWrite::new(&x, "to_zarr", staged, move |pos, chunk, _| {
            let pos: Vec<u64> = pos.iter().map(|&p| p as u64).collect();
            // An edge chunk is padded to the full chunk with the fill value.
            let full = if chunk.shape() == sizes.as_slice() {
                chunk.as_standard_layout().into_owned()
            } else {
                let mut full = ArrayD::<T>::default(IxDyn(&sizes));
                let origin = vec![0; sizes.len()];
                full.slice_mut(region(&origin, chunk.shape()).as_slice())
                    .assign(chunk);
                full
            };
            array
                .store_chunk_opt(&pos, full, &options())
                .map_err(|e| zarr_error(&dest, &format!("writing chunk {pos:?}"), e))
        })
    }
}
