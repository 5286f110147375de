//! Writing arrays out, and NumPy's `.npy` files. Every writer is a [`PendingWrite`]:
//! one task per chunk writing into a hidden staging path (`io::StagedDir`), moved into
//! place only once every chunk is written; [`store`] runs several in one compute.
//!
//! `.npy`: `to_npy`/`from_npy` for one file (chunks of rows read and written at
//! their byte offsets by separate tasks: parallel, memory bounded), and
//! `to_npy_stack`/`from_npy_stack` for a directory of one `.npy` file per chunk
//! along an axis (Dask's `to_npy_stack` layout, `0.npy`, `1.npy`, ... and the pickled
//! `info` that says the axis and chunks, so Dask reads chunkwise's stacks and the
//! other way round; see `io::pickle`).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};

use super::chunks::Grid;
use super::chunks::starts_of;
use super::impl_constructors::file_chunk_tasks;
use super::{Chunks, DArray, DType, Element, WHOLE, chunk_of};
use crate::delayed::Delayed;
use crate::graph::{Key, Node, Tokenizer, Value};
use crate::io::pickle::{self, Py};
use crate::io::{Replaces, StagedDir, npy};
use crate::{Config, Error, Result};

/// An output being written: compute it with [`store`] (several in one run) or
/// [`commit`](Self::commit); only when all its chunks are written is it moved into
/// place, replacing what was there whole.
pub struct PendingWrite {
    done: Delayed<()>,
    /// One task per chunk, in the chunks' order.
    writes: Vec<Arc<Node>>,
    token: u64,
    /// Where a file output is written before it is moved into place; `None` for a
    /// target written in place (an array in memory, an existing Zarr array).
    staged: Option<StagedDir>,
    /// A target written in place: told before the first block and after the last
    /// ([`Target::begin`](super::Target::begin)).
    marks: Option<Marks>,
}

/// A target's calls around a write in place.
pub(crate) struct Marks {
    pub(crate) begin: Box<dyn Fn() -> Result<()> + Send + Sync>,
    pub(crate) finished: Box<dyn Fn() -> Result<()> + Send + Sync>,
}

impl std::fmt::Debug for PendingWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingWrite")
            .field("chunks", &self.writes.len())
            .field("token", &self.token)
            .field("staged", &self.staged)
            .finish()
    }
}

impl PendingWrite {
    /// One task per chunk of `x`, `write(chunk position, chunk, staging path)`.
    pub(crate) fn new<T: Element>(
        x: &DArray<T>,
        label: &'static str,
        staged: StagedDir,
        write: impl Fn(&[usize], &ArrayD<T>, &Path) -> Result<()> + Send + Sync + 'static,
    ) -> Result<PendingWrite> {
        let at = staged.path().to_path_buf();
        let grid = Arc::clone(&x.grid);
        // The staging path: each write's own (two writes of one array to one place are
        // two outputs), and under MPI the same on every rank.
        let token = staged.path().to_string_lossy().into_owned();
        let mut w = Self::tasks(x, label, &token, move |c, chunk| {
            write(&grid.position(c), chunk, &at)
        })?;
        w.staged = Some(staged);
        Ok(w)
    }

    /// One task per chunk of `x` writing in place, `write(offset, shape, chunk)`.
    pub(crate) fn in_place<T: Element>(
        x: &DArray<T>,
        label: &'static str,
        write: impl Fn(&[usize], &[usize], &ArrayD<T>) -> Result<()> + Send + Sync + 'static,
    ) -> Result<PendingWrite> {
        // Two writes of one array to two targets (or regions) are two outputs.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let grid = Arc::clone(&x.grid);
        Self::tasks(x, label, &format!("in place {n}"), move |c, chunk| {
            let (offset, shape) = grid.chunk(c);
            write(&offset, &shape, chunk)
        })
    }

    fn tasks<T: Element>(
        x: &DArray<T>,
        label: &'static str,
        target: &str,
        write: impl Fn(usize, &ArrayD<T>) -> Result<()> + Send + Sync + 'static,
    ) -> Result<PendingWrite> {
        if let Some(e) = &x.error {
            return Err(Error::Shared(Arc::clone(e)));
        }
        let token = Tokenizer::new(label)
            .param(&x.token())
            .param(&target)
            .finish();
        let input = x.chunk_nodes();
        let write = Arc::new(write);
        let writes: Vec<Arc<Node>> = (0..x.grid.n_chunks())
            .map(|c| {
                let write = Arc::clone(&write);
                let mut node = Node::new(
                    Key::new(label, token, c as u64),
                    vec![Arc::clone(&input[c])],
                    Box::new(move |v| {
                        write(c, chunk_of::<T>(&v[0]))?;
                        Ok(Arc::new(()) as Value)
                    }),
                );
                // Under MPI a write's `()` goes to the rank that commits.
                node.codec = crate::encode::codec_for::<()>();
                Arc::new(node)
            })
            .collect();
        let done = Delayed::<()>::from_fn(
            label,
            writes.clone(),
            Box::new(|_| Ok(Arc::new(()) as Value)),
        );
        Ok(PendingWrite {
            done,
            writes,
            token,
            staged: None,
            marks: None,
        })
    }

    /// This write with `marks` called around it by [`store`].
    pub(crate) fn marked(mut self, marks: Marks) -> PendingWrite {
        self.marks = Some(marks);
        self
    }

    /// The write tasks, one per chunk.
    pub(crate) fn chunk_writes(&self) -> &[Arc<Node>] {
        &self.writes
    }

    /// The output's token.
    pub(crate) fn token(&self) -> u64 {
        self.token
    }

    /// Writes the chunks (one compute) and moves the output into place.
    pub fn commit(self) -> Result<()> {
        store(vec![self])
    }
}

/// Writes several outputs in one compute (Dask's `store` of several arrays: tasks they
/// share run once), then moves each into place; if anything fails, none is moved and
/// the old outputs stay.
pub fn store(writes: Vec<PendingWrite>) -> Result<()> {
    store_with(writes, &Config::current()?)
}

/// As [`store`], with an explicit configuration (scheduler, memory budget).
pub fn store_with(writes: Vec<PendingWrite>, config: &Config) -> Result<()> {
    // Staged for the ranks of one MPI run, or for this process alone: run as built, or
    // parts would land where the commit does not look.
    let shared = crate::cluster::shared_run(config);
    if let Some(w) = writes
        .iter()
        .filter_map(|w| w.staged.as_ref())
        .find(|s| s.shared() != shared)
    {
        return Err(Error::invalid(format!(
            "{}: the write was built for {} and is run {}; compute it with the scheduler it was built under",
            w.path().display(),
            if w.shared() {
                "every rank of the MPI run"
            } else {
                "this process alone"
            },
            if shared {
                "on several MPI ranks"
            } else {
                "by this process alone"
            },
        )));
    }
    let marks = || writes.iter().filter_map(|w| w.marks.as_ref());
    for m in marks() {
        (m.begin)()?;
    }
    // The outputs are moved into place by the run's last task, once every chunk of
    // every output is written: under MPI on one rank, before any rank's compute
    // returns (and drops, so removes, its handle on the staging path).
    let dones: Vec<Arc<Node>> = writes.iter().map(|w| Arc::clone(&w.done.node)).collect();
    let (staged, marks): (Vec<_>, Vec<_>) = writes.into_iter().map(|w| (w.staged, w.marks)).unzip();
    let staged: Vec<StagedDir> = staged.into_iter().flatten().collect();
    let commit = Delayed::<()>::from_fn(
        "store-commit",
        dones,
        Box::new(move |_| {
            for s in &staged {
                s.commit()?;
            }
            Ok(Arc::new(()) as Value)
        }),
    );
    // On failure, targets written in place keep their marks: some blocks may be new.
    crate::compute_with(&commit, config)?;
    for m in marks.iter().flatten() {
        (m.finished)()?;
    }
    Ok(())
}

/// numpy's `descr` of each element type (little-endian, as numpy writes on x86).
fn descr(d: DType) -> &'static str {
    match d {
        DType::F64 => "<f8",
        DType::F32 => "<f4",
        DType::I64 => "<i8",
        DType::I32 => "<i4",
        DType::U64 => "<u8",
        DType::U32 => "<u4",
        DType::U8 => "|u1",
        DType::Bool => "|b1",
    }
}

/// The element type of a `descr`, in either byte order (`<`, `=`, `|` or `>`).
fn dtype_of(d: &str) -> Option<DType> {
    let (order, code) = d.split_at(1.min(d.len()));
    if !matches!(order, "<" | "=" | "|" | ">") {
        return None;
    }
    [
        DType::F64,
        DType::F32,
        DType::I64,
        DType::I32,
        DType::U64,
        DType::U32,
        DType::U8,
        DType::Bool,
    ]
    .into_iter()
    .find(|&t| &descr(t)[1..] == code)
}

/// Appends a chunk's elements in row-major order, little-endian (numpy's layout).
fn le_bytes<T: Element>(chunk: &ArrayD<T>, out: &mut Vec<u8>) {
    let c = chunk.as_standard_layout();
    T::write_le(c.as_slice().expect("standard layout"), out);
}

/// The header of `path`, checked to hold `T`.
fn header_of<T: Element>(path: &Path) -> Result<npy::Header> {
    let h = npy::read_header(path, |d| dtype_of(d).map(|t| t.size()))?;
    if dtype_of(&h.descr) != Some(T::DTYPE) {
        return Err(Error::invalid(format!(
            "{}: holds {} elements, not {}",
            path.display(),
            h.descr,
            T::DTYPE
        )));
    }
    Ok(h)
}

/// Reads the region `[offset, offset + shape)` of the `.npy` array at `path`: its
/// runs of contiguous bytes, straight into the chunk's memory (see [`npy::read_box`]).
/// A Fortran-order file is the C-order array of the reversed shape, transposed: its
/// region is read as that array's and copied to row-major order. Big-endian elements
/// are swapped once read.
fn read_region<T: Element>(
    path: &Path,
    h: &npy::Header,
    offset: &[usize],
    shape: &[usize],
) -> Result<ArrayD<T>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let rev = |v: &[usize]| v.iter().rev().copied().collect::<Vec<_>>();
    let (dims, offset, stored) = if h.fortran {
        (rev(&h.shape), rev(offset), rev(shape))
    } else {
        (h.shape.clone(), offset.to_vec(), shape.to_vec())
    };
    let geom = (&dims[..], T::DTYPE.size(), h.data_offset);
    let n = shape.iter().product();
    let mut values = vec![T::default(); n];
    let swap = |bytes: &mut [u8]| {
        if h.descr.starts_with('>') {
            bytes
                .chunks_exact_mut(T::DTYPE.size())
                .for_each(<[u8]>::reverse);
        }
    };
    match T::le_bytes_mut(&mut values) {
        Some(bytes) => {
            npy::read_box(&file, path, geom, &offset, &stored, bytes)?;
            swap(bytes);
        }
        None => {
            let mut bytes = vec![0u8; n * T::DTYPE.size()];
            npy::read_box(&file, path, geom, &offset, &stored, &mut bytes)?;
            swap(&mut bytes);
            values = T::read_le(&bytes);
        }
    }
    let block = ArrayD::from_shape_vec(IxDyn(&stored), values)
        .map_err(|e| Error::external("ndarray, a block of a .npy file", e))?;
    Ok(if h.fortran {
        block.reversed_axes().as_standard_layout().into_owned()
    } else {
        block
    })
}

/// A token for a file's contents as of now: its path and modification time.
pub(crate) fn file_token(label: &str, path: &Path) -> u64 {
    let modified = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as u64);
    Tokenizer::new(label)
        .param(&path.to_string_lossy().as_ref())
        .param(&modified)
        .finish()
}

/// Reads the `.npy` file at `path` as a `DArray<T>` cut into `chunks` (`np.load`,
/// chunked). The header is read now: a missing file, a file cut short or another
/// element type is an error naming the file; each chunk's task reads the runs of
/// bytes it spans. Files in Fortran order (`np.save` of a transposed array) and
/// big-endian files are read too.
///
/// ```
/// use chunkwise::array::{from_array, from_npy};
/// use ndarray::{ArrayD, IxDyn};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("x.npy");
/// let a = ArrayD::from_shape_fn(IxDyn(&[5, 4]), |i| (i[0] * 4 + i[1]) as i32);
/// from_array(a.clone(), [2, 3]).unwrap().to_npy(&path).unwrap();
/// let y = from_npy::<i32>(&path, [3, 4]).unwrap();
/// assert_eq!(y.compute().unwrap(), a);
/// ```
pub fn from_npy<T: Element>(
    path: impl AsRef<Path>,
    chunks: impl Into<Chunks>,
) -> Result<DArray<T>> {
    let path = path.as_ref().to_path_buf();
    let h = Arc::new(header_of::<T>(&path)?);
    let g = Arc::new(Grid::new(&h.shape, &chunks.into())?);
    let token = Tokenizer::new("from_npy")
        .param(&file_token("from_npy", &path))
        .param(&*g)
        .finish();
    Ok(file_chunk_tasks(
        g,
        "from_npy",
        token,
        move |_, offset, shape| read_region::<T>(&path, &h, offset, shape),
    ))
}

/// Reads a directory of `.npy` files, one per chunk along an axis (`0.npy`, `1.npy`,
/// ...), as written by [`DArray::to_npy_stack`] or Dask's `to_npy_stack`: the axis
/// and the chunks are those of the pickled `info` file (or of `info.json`, which
/// chunkwise wrote before). Every file's header is read now: element types, the other
/// axes' lengths and the chunks `info` announces must agree (an error names the file
/// that differs); a directory without `info` is an error, as in Dask.
pub fn from_npy_stack<T: Element>(dir: impl AsRef<Path>) -> Result<DArray<T>> {
    let dir = dir.as_ref().to_path_buf();
    let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
    let mut files: Vec<(usize, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let k = name.strip_suffix(".npy")?.parse::<usize>().ok()?;
            Some((k, e.path()))
        })
        .collect();
    files.sort();
    if files.is_empty() || files.iter().enumerate().any(|(i, (k, _))| i != *k) {
        return Err(Error::invalid(format!(
            "{}: not a stack of .npy files 0.npy .. N.npy (found {} numbered files)",
            dir.display(),
            files.len()
        )));
    }
    let (axis, announced) = stack_info(&dir)?;
    let headers: Vec<npy::Header> = files
        .iter()
        .map(|(_, p)| header_of::<T>(p))
        .collect::<Result<_>>()?;
    let first = &headers[0].shape;
    if axis >= first.len() {
        return Err(Error::invalid(format!(
            "{}: axis {axis} of {}-d files",
            dir.display(),
            first.len()
        )));
    }
    if let Some(chunks) = &announced {
        let whole = |d: usize| chunks.get(d).map(|c| c.iter().sum::<usize>());
        if chunks.len() != first.len()
            || chunks[axis].len() != files.len()
            || (0..first.len()).any(|d| d != axis && whole(d) != Some(first[d]))
        {
            return Err(Error::invalid(format!(
                "{}: info announces chunks {chunks:?} along axis {axis}, the directory holds \
                 {} files of shape {first:?} and more",
                dir.display(),
                files.len()
            )));
        }
    }
    let lengths = announced.as_ref().map(|c| &c[axis]);
    for (k, ((_, p), h)) in files.iter().zip(&headers).enumerate() {
        if let Some(lengths) = lengths
            && h.shape.get(axis) != Some(&lengths[k])
        {
            return Err(Error::invalid(format!(
                "{}: shape {:?}, where info announces {} along axis {axis}",
                p.display(),
                h.shape,
                lengths[k]
            )));
        }
        let same = h.shape.len() == first.len()
            && h.shape
                .iter()
                .zip(first)
                .enumerate()
                .all(|(d, (a, b))| d == axis || a == b);
        if !same {
            return Err(Error::invalid(format!(
                "{}: shape {:?} does not stack with {:?} along axis {axis}",
                p.display(),
                h.shape,
                first
            )));
        }
    }
    let mut shape = first.clone();
    shape[axis] = headers.iter().map(|h| h.shape[axis]).sum();
    let chunks: Vec<Vec<usize>> = (0..shape.len())
        .map(|d| {
            if d == axis {
                headers.iter().map(|h| h.shape[axis]).collect()
            } else {
                vec![shape[d]]
            }
        })
        .collect();
    let g = Arc::new(Grid::new(&shape, &Chunks::Explicit(chunks))?);
    let mut t = Tokenizer::new("from_npy_stack");
    for (_, p) in &files {
        t = t.param(&file_token("npy", p));
    }
    let token = t.finish();
    let files = Arc::new(files);
    let headers = Arc::new(headers);
    Ok(file_chunk_tasks(
        g,
        "from_npy_stack",
        token,
        move |c, _, _| {
            let h = &headers[c];
            let zero = vec![0; h.shape.len()];
            read_region::<T>(&files[c].1, h, &zero, &h.shape)
        },
    ))
}

/// The axis of the stack in `dir`, and the chunk lengths of every axis where the
/// metadata give them: from Dask's pickled `info` (`{"chunks": ..., "dtype": ...,
/// "axis": ...}`), or from the `info.json` earlier versions of chunkwise wrote.
fn stack_info(dir: &Path) -> Result<(usize, Option<Vec<Vec<usize>>>)> {
    let bad =
        |file: &str, why: &str| Error::invalid(format!("{}: {why}", dir.join(file).display()));
    let as_usize = |v: &Py| match v {
        Py::Int(i) => usize::try_from(*i).ok(),
        _ => None,
    };
    match std::fs::read(dir.join("info")) {
        Ok(bytes) => {
            let info = pickle::read(&bytes)
                .map_err(|e| bad("info", &format!("not a pickle chunkwise can read: {e}")))?;
            let axis = info
                .get("axis")
                .and_then(as_usize)
                .ok_or_else(|| bad("info", "no integer 'axis'"))?;
            let chunks = match info.get("chunks") {
                Some(Py::Tuple(axes) | Py::List(axes)) => axes
                    .iter()
                    .map(|a| match a {
                        Py::Tuple(c) | Py::List(c) => c.iter().map(as_usize).collect(),
                        _ => None,
                    })
                    .collect::<Option<Vec<Vec<usize>>>>(),
                _ => None,
            };
            let chunks = chunks
                .filter(|c| axis < c.len())
                .ok_or_else(|| bad("info", "no chunks of integers for its axis"))?;
            Ok((axis, Some(chunks)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let json = std::fs::read_to_string(dir.join("info.json")).map_err(|_| {
                Error::invalid(format!(
                    "{}: no `info` file saying the stack's axis (Dask's to_npy_stack and \
                     chunkwise's write one)",
                    dir.display()
                ))
            })?;
            let axis = json
                .split("\"axis\":")
                .nth(1)
                .and_then(|r| {
                    r.trim_start()
                        .split(|c: char| !c.is_ascii_digit())
                        .next()?
                        .parse()
                        .ok()
                })
                .ok_or_else(|| bad("info.json", "no axis"))?;
            Ok((axis, None))
        }
        Err(e) => Err(Error::io(dir.join("info"), e)),
    }
}

impl<T: Element> DArray<T> {
    /// This array cut along `axis` only (every other axis in one chunk), each slab
    /// about as large as this array's largest chunk, so writing it needs no more
    /// memory than computing it.
    fn slabs(&self, axis: usize) -> Result<DArray<T>> {
        if self.ndim() == 0 {
            return Ok(self.clone());
        }
        let largest: usize = self
            .chunks()
            .iter()
            .map(|c| c.iter().copied().max().unwrap_or(1))
            .product();
        let across: usize = (0..self.ndim())
            .filter(|&d| d != axis)
            .map(|d| self.shape()[d])
            .product();
        let spec: Vec<usize> = (0..self.ndim())
            .map(|d| {
                if d == axis {
                    (largest / across.max(1)).max(1)
                } else {
                    WHOLE
                }
            })
            .collect();
        Ok(self.rechunk_exact(
            Grid::new(self.shape(), &Chunks::Shape(spec))?
                .chunks()
                .to_vec(),
        ))
    }

    /// Computes this array into one `.npy` file at `path` (`np.save`): the array is cut
    /// into slabs of whole rows about the size of its largest chunk, and each writes
    /// its bytes at its offset, in parallel. The file appears whole or not at all.
    pub fn to_npy(&self, path: impl AsRef<Path>) -> Result<()> {
        self.to_npy_lazy(path)?.commit()
    }

    /// The writing of [`to_npy`](Self::to_npy), for [`store`].
    pub fn to_npy_lazy(&self, path: impl AsRef<Path>) -> Result<PendingWrite> {
        let dest = path.as_ref();
        let x = self.slabs(0)?;
        let staged = crate::cluster::staged_file(dest, Replaces::File)?;
        let head = npy::header(descr(T::DTYPE), x.shape());
        let total = head.len() + x.len() * T::DTYPE.size();
        let file = File::create(staged.path()).map_err(|e| Error::io(dest, e))?;
        npy::write_at(&file, dest, &head, 0)?;
        file.set_len(total as u64).map_err(|e| Error::io(dest, e))?;
        let row: usize = x.shape().iter().skip(1).product::<usize>() * T::DTYPE.size();
        let starts = x.chunks().first().map_or(vec![0], |c| starts_of(c));
        let (hlen, dest) = (head.len(), dest.to_path_buf());
        PendingWrite::new(&x, "to_npy", staged, move |pos, chunk, at| {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(at)
                .map_err(|e| Error::io(&dest, e))?;
            let mut bytes = Vec::with_capacity(chunk.len() * T::DTYPE.size());
            le_bytes(chunk, &mut bytes);
            let r0 = pos.first().map_or(0, |&p| starts[p]);
            npy::write_at(&file, &dest, &bytes, (hlen + r0 * row) as u64)?;
            file.sync_data().map_err(|e| Error::io(&dest, e))
        })
    }

    /// Computes this array into a directory of `.npy` files, one per slab along
    /// `axis` (every other axis whole, each slab about the size of the largest chunk),
    /// as Dask's `to_npy_stack`, with its pickled `info` (chunks, dtype, axis), so
    /// `dask.array.from_npy_stack` reads it. The directory appears whole or not at all.
    pub fn to_npy_stack(&self, dir: impl AsRef<Path>, axis: usize) -> Result<()> {
        self.to_npy_stack_lazy(dir, axis)?.commit()
    }

    /// The writing of [`to_npy_stack`](Self::to_npy_stack), for [`store`].
    pub fn to_npy_stack_lazy(&self, dir: impl AsRef<Path>, axis: usize) -> Result<PendingWrite> {
        let axis = self.grid.axis(axis)?;
        let dest = dir.as_ref().to_path_buf();
        let x = self.slabs(axis)?;
        let staged = crate::cluster::staged_dir(
            &dest,
            Replaces::DirOf(&[
                "info",
                "info.json",
                "0",
                "1",
                "2",
                "3",
                "4",
                "5",
                "6",
                "7",
                "8",
                "9",
            ]),
        )?;
        // Dask's metadata: the dtype as numpy's string for it, which `np.dtype` takes
        // as it takes the dtype object Dask pickles.
        let ints = |c: &[usize]| Py::Tuple(c.iter().map(|&n| Py::Int(n as i64)).collect());
        let info = Py::Dict(vec![
            (
                Py::Str("chunks".into()),
                Py::Tuple(x.chunks().iter().map(|c| ints(c)).collect()),
            ),
            (Py::Str("dtype".into()), Py::Str(descr(T::DTYPE).into())),
            (Py::Str("axis".into()), Py::Int(axis as i64)),
        ]);
        let path = staged.path().join("info");
        std::fs::write(&path, pickle::write(&info)).map_err(|e| Error::io(&path, e))?;
        PendingWrite::new(&x, "to_npy_stack", staged, move |pos, chunk, at| {
            let file = at.join(format!("{}.npy", pos[axis]));
            let mut bytes = npy::header(descr(T::DTYPE), chunk.shape());
            le_bytes(chunk, &mut bytes);
            std::fs::write(&file, bytes).map_err(|e| Error::io(&file, e))
        })
    }
}
