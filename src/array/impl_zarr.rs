//! Zarr stores (cargo feature `zarr`, on by default) through the `zarrs` crate:
//! `to_zarr` writes one task per chunk, in parallel, each chunk freed once written;
//! `from_zarr` reads one task per chunk, so a slice of the array reads only the chunks
//! it touches. Zarr v3 is written (zstd, as Python's zarr writes by default); v3 and
//! v2 are read with the codecs compiled in (zstd, gzip, crc32c, transpose, sharding, and
//! with the feature `zarr-blosc` Blosc, zarr-python 2's default); another codec is an
//! error naming the store and the codec.
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

use super::impl_constructors::file_chunk_tasks;
use super::impl_reshape::region;
use super::impl_store::{PendingWrite, file_token};
use super::{Chunks, DArray, DType, Element, Target};
use crate::graph::Tokenizer;
use crate::io::Replaces;
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

/// The file an in-place write keeps in the array's directory while it runs
/// ([`Target::begin`]): found by a read, it means the write did not finish.
const WRITING: &str = ".chunkwise-writing";

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
    let array = Array::open(Arc::new(store), "/").map_err(|e| {
        let mut why = e.to_string();
        if cfg!(not(feature = "zarr-blosc")) && why.contains("blosc") {
            why.push_str(" (Blosc needs chunkwise's cargo feature `zarr-blosc`)");
        }
        zarr_error(path, "reading its metadata", why)
    })?;
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
    if path.join(WRITING).exists() {
        return Err(zarr_error(
            &path,
            "reading",
            format!(
                "a write into it in place did not finish ({WRITING} is there): some chunks \
                 may be new and some old; write it again (or remove {WRITING} if it is \
                 known to be whole)"
            ),
        ));
    }
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
    Ok(file_chunk_tasks(
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

/// How [`DArray::to_zarr_with`] writes a store: shards, a group member, whether an
/// existing array may be replaced.
///
/// ```
/// use chunkwise::array::{ZarrWrite, from_zarr, ones};
/// let dir = tempfile::tempdir().unwrap();
/// let x = ones(&[60, 60], [3, 3]).unwrap();
/// // Chunks of 3 x 3 kept in shards of 18 x 18 (one file per shard), as member
/// // `a/x` of a group at the path.
/// x.to_zarr_with(dir.path(), &ZarrWrite::new().shards([18, 18]).component("a/x")).unwrap();
/// let y = from_zarr::<f64>(dir.path().join("a/x")).unwrap();
/// assert_eq!(y.chunks()[0], vec![18, 18, 18, 6]); // read shard by shard
/// assert_eq!(y.compute().unwrap(), x.compute().unwrap());
/// ```
#[derive(Clone, Debug)]
pub struct ZarrWrite {
    shards: Option<Vec<usize>>,
    component: Option<String>,
    overwrite: bool,
}

impl Default for ZarrWrite {
    fn default() -> Self {
        ZarrWrite {
            shards: None,
            component: None,
            overwrite: true,
        }
    }
}

impl ZarrWrite {
    /// Defaults: no shards, the array at the path itself, an existing array replaced.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the chunks in shards of this shape (Zarr v3's sharding codec, Dask's and
    /// zarr's `shards=`): each shard one file of many chunks, so a store of many small
    /// chunks is not as many files. Each shard is a multiple of the chunk along its
    /// axis; the array is rechunked to whole shards to be written, one task a shard.
    pub fn shards(mut self, shape: impl Into<Vec<usize>>) -> Self {
        self.shards = Some(shape.into());
        self
    }

    /// Writes the array as member `name` of a Zarr group at the path (`a/b` nests
    /// groups), creating the groups it needs (Dask's `component=`). Read it back with
    /// `from_zarr(path.join(name))`.
    pub fn component(mut self, name: impl Into<String>) -> Self {
        self.component = Some(name.into());
        self
    }

    /// `false`: an existing array at the destination is an error, not replaced
    /// (Dask's `overwrite=False`).
    pub fn overwrite(mut self, yes: bool) -> Self {
        self.overwrite = yes;
        self
    }
}

/// Writes group metadata (Zarr v3) at `dir` and every directory from it down to
/// `member`'s parent, where there is none.
fn make_groups(dir: &Path, member: &Path) -> Result<()> {
    let mut at = dir.to_path_buf();
    let mut parts: Vec<_> = member.components().collect();
    parts.pop();
    for part in std::iter::once(None).chain(parts.into_iter().map(Some)) {
        if let Some(p) = part {
            at.push(p);
        }
        std::fs::create_dir_all(&at).map_err(|e| Error::io(&at, e))?;
        let meta = at.join("zarr.json");
        if !meta.exists() && !at.join(".zarray").exists() {
            std::fs::write(
                &meta,
                br#"{"zarr_format":3,"node_type":"group","attributes":{}}"#,
            )
            .map_err(|e| Error::io(&meta, e))?;
        }
    }
    Ok(())
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

    /// As [`to_zarr`](Self::to_zarr), with shards, as a group member, or refusing to
    /// replace an existing array ([`ZarrWrite`]).
    pub fn to_zarr_with(&self, path: impl AsRef<Path>, how: &ZarrWrite) -> Result<()> {
        self.to_zarr_lazy_with(path, how)?.commit()
    }

    /// The writing of [`to_zarr`](Self::to_zarr) as a lazy value: compute several
    /// with [`store`](super::store) to write several arrays (sharing their common
    /// tasks) in one run.
    pub fn to_zarr_lazy(&self, path: impl AsRef<Path>) -> Result<PendingWrite> {
        self.to_zarr_lazy_with(path, &ZarrWrite::default())
    }

    /// [`to_zarr_with`](Self::to_zarr_with) as a lazy value.
    pub fn to_zarr_lazy_with(
        &self,
        path: impl AsRef<Path>,
        how: &ZarrWrite,
    ) -> Result<PendingWrite> {
        if let Some(e) = &self.error {
            return Err(Error::Shared(Arc::clone(e)));
        }
        let dest: PathBuf = match &how.component {
            Some(c) => path.as_ref().join(c),
            None => path.as_ref().to_path_buf(),
        };
        if !how.overwrite
            && ["zarr.json", ".zarray", ".zgroup"]
                .iter()
                .any(|m| dest.join(m).exists())
        {
            return Err(zarr_error(
                &dest,
                "writing",
                "a store is already there and overwrite is off",
            ));
        }
        // The groups above a member are made now (empty groups are valid stores);
        // the member itself appears whole when the write is committed.
        if let Some(c) = &how.component {
            make_groups(path.as_ref(), Path::new(c))?;
        }
        // Zarr's chunks are all of one size (the last padded): a ragged grid is
        // rechunked to its first chunk's sizes; an axis of length 0 gets chunks of 1.
        let inner: Vec<usize> = self.chunks().iter().map(|c| c[0].max(1)).collect();
        let sizes = match &how.shards {
            None => inner.clone(),
            Some(s) => {
                if s.len() != inner.len()
                    || s.iter()
                        .zip(&inner)
                        .any(|(&s, &c)| s == 0 || !s.is_multiple_of(c))
                {
                    return Err(zarr_error(
                        &dest,
                        "shards",
                        format!("shards {s:?} are not whole multiples of the chunks {inner:?}"),
                    ));
                }
                s.clone()
            }
        };
        let x = if self.chunks().iter().zip(&sizes).all(|(c, &s)| {
            c.iter().rev().skip(1).all(|&n| n == s) && c.last().is_none_or(|&l| l <= s)
        }) {
            self.clone()
        } else {
            self.rechunk(sizes.clone())
        };
        let staged = crate::cluster::staged_dir(
            &dest,
            Replaces::DirWith(&["zarr.json", ".zarray", ".zgroup"]),
        )?;
        let store =
            FilesystemStore::new(staged.path()).map_err(|e| zarr_error(&dest, "creating", e))?;
        let mut builder = ArrayBuilder::new(
            x.shape().iter().map(|&n| n as u64).collect::<Vec<_>>(),
            sizes.iter().map(|&n| n as u64).collect::<Vec<_>>(),
            zarr_type(T::DTYPE),
            // Zero (false for bool): numpy's and zarr's default fill.
            zarrs::array::FillValue::new(vec![0u8; T::DTYPE.size()]),
        );
        builder.bytes_to_bytes_codecs(vec![Arc::new(ZstdCodec::new(3, false))]);
        if how.shards.is_some() {
            builder.subchunk_shape(inner.iter().map(|&n| n as u64).collect::<Vec<_>>());
        }
        let array = builder
            .build(Arc::new(store), "/")
            .map_err(|e| zarr_error(&dest, "creating", e))?;
        array
            .store_metadata()
            .map_err(|e| zarr_error(&dest, "writing its metadata", e))?;
        let array = Arc::new(array);
        PendingWrite::new(&x, "to_zarr", staged, move |pos, chunk, _| {
            let pos: Vec<u64> = pos.iter().map(|&p| p as u64).collect();
            // An edge chunk is padded to the full chunk with the fill value.
            // A whole chunk is encoded from where it lies (zarrs copies one that is not
            // in standard layout): a copy is one more chunk's memory per writing worker.
            let stored = if chunk.shape() == sizes.as_slice() {
                array.store_chunk_opt(&pos, chunk, &options())
            } else {
                let mut full = ArrayD::<T>::default(IxDyn(&sizes));
                let origin = vec![0; sizes.len()];
                full.slice_mut(region(&origin, chunk.shape()).as_slice())
                    .assign(chunk);
                array.store_chunk_opt(&pos, full, &options())
            };
            stored.map_err(|e| zarr_error(&dest, &format!("writing chunk {pos:?}"), e))
        })
    }
}

/// An existing Zarr array opened to be written in place, a [`Target`] of
/// [`DArray::store_into`] (Dask's `to_zarr(z, region=...)` into an array it did not
/// create). Blocks are cut at the array's chunks (its shards, if sharded) so no two
/// tasks write one file. A write in place changes the array chunk by chunk, so while
/// [`store`](super::store) writes, a file `.chunkwise-writing` in the array's directory
/// says so: killed midway (some chunks new, some old, one perhaps cut short: zarrs
/// writes a chunk file where it lies), the store is refused by [`from_zarr`] with an
/// error saying why, until written again.
///
/// ```
/// use std::sync::Arc;
/// use chunkwise::array::{Idx, VIdx, ZarrArray, arange, from_zarr, store, zeros};
/// let dir = tempfile::tempdir().unwrap();
/// zeros(&[4, 4], [2, 2]).unwrap().to_zarr(dir.path()).unwrap();
/// let z = Arc::new(ZarrArray::<f64>::open(dir.path()).unwrap());
/// let x = arange(0.0, 3.0, 1.0, [3]).unwrap().reshape(&[3, 1]);
/// let region = [VIdx::Basic(Idx::range(1, 4, 1)), VIdx::Basic(Idx::range(2, 3, 1))];
/// store(vec![x.store_into(z, &region).unwrap()]).unwrap();
/// let y = from_zarr::<f64>(dir.path()).unwrap().compute().unwrap();
/// let col: Vec<f64> = (0..4).map(|i| y[[i, 2]]).collect();
/// assert_eq!(col, vec![0.0, 0.0, 1.0, 2.0]);
/// ```
pub struct ZarrArray<T> {
    path: PathBuf,
    array: Array<FilesystemStore>,
    /// Held by a write that covers a stored chunk only in part (zarrs reads, changes
    /// and writes that chunk back): two such writes from two stores into one array
    /// would otherwise lose one's update (Dask's `lock=True`).
    partial: std::sync::Mutex<()>,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl<T: ZarrElement> ZarrArray<T> {
    /// Opens the Zarr array at `path` (v3 or v2) for writing, checked to hold `T`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let array = open::<T>(&path)?;
        Ok(ZarrArray {
            path,
            array,
            partial: std::sync::Mutex::new(()),
            _t: std::marker::PhantomData,
        })
    }

    fn subset(&self, at: &[&[usize]]) -> Result<ArraySubset> {
        let mut start = Vec::with_capacity(at.len());
        let mut shape = Vec::with_capacity(at.len());
        for (d, p) in at.iter().enumerate() {
            if p.windows(2).any(|w| w[1] != w[0] + 1) {
                return Err(zarr_error(
                    &self.path,
                    "a region",
                    format!("positions along axis {d} are not contiguous"),
                ));
            }
            start.push(p.first().map_or(0, |&s| s as u64));
            shape.push(p.len() as u64);
        }
        ArraySubset::new_with_start_shape(start, shape)
            .map_err(|e| zarr_error(&self.path, "a region", e))
    }
}

impl<T: ZarrElement> Target<T> for ZarrArray<T> {
    fn shape(&self) -> Vec<usize> {
        self.array.shape().iter().map(|&n| n as usize).collect()
    }

    fn write(&self, at: &[&[usize]], block: ndarray::ArrayViewD<'_, T>) -> Result<()> {
        if block.is_empty() {
            return Ok(());
        }
        let subset = self.subset(at)?;
        let whole_chunks = match self.grid() {
            Some(g) => {
                let shape = self.shape();
                at.iter().zip(&g).zip(&shape).all(|((p, &c), &n)| {
                    let (start, end) = (p[0], p[0] + p.len());
                    start.is_multiple_of(c) && (end.is_multiple_of(c) || end == n)
                })
            }
            None => false,
        };
        let _lock = (!whole_chunks).then(|| self.partial.lock().unwrap_or_else(|p| p.into_inner()));
        self.array
            .store_array_subset_opt(&subset, block.as_standard_layout().into_owned(), &options())
            .map_err(|e| zarr_error(&self.path, &format!("writing region {subset:?}"), e))
    }

    fn read(&self, at: &[&[usize]]) -> Result<ArrayD<T>> {
        let subset = self.subset(at)?;
        self.array
            .retrieve_array_subset_opt(&subset, &options())
            .map_err(|e| zarr_error(&self.path, &format!("reading region {subset:?}"), e))
    }

    fn begin(&self) -> Result<()> {
        let mark = self.path.join(WRITING);
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let text = format!(
            "an in-place write by chunkwise (process {}) began at {since} s past the epoch \
             and has not finished\n",
            std::process::id()
        );
        std::fs::write(&mark, text).map_err(|e| Error::io(&mark, e))
    }

    fn finished(&self) -> Result<()> {
        let mark = self.path.join(WRITING);
        match std::fs::remove_file(&mark) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(&mark, e)),
            _ => Ok(()),
        }
    }

    fn grid(&self) -> Option<Vec<usize>> {
        let first = self
            .array
            .chunk_shape(&vec![0; self.array.shape().len()])
            .ok()?;
        Some(first.iter().map(|n| n.get() as usize).collect())
    }
}
