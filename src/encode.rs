//! Values that can leave memory: spilled to disk under the memory budget, and later sent
//! between MPI ranks. Numbers go as raw little-endian bytes.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::sync::{LazyLock, OnceLock, RwLock};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::graph::Value;

mod held;

/// A value that can be written out and read back exactly.
///
/// ```
/// use chunkwise::Encode;
/// let v = vec![1.5f64, -2.0];
/// let mut buf = Vec::new();
/// v.encode(&mut buf).unwrap();
/// assert_eq!(Vec::<f64>::decode(&mut buf.as_slice()).unwrap(), v);
/// ```
pub trait Encode: Sized + Send + Sync + 'static {
    /// Bytes this value holds in memory (used for the budget).
    fn held_bytes(&self) -> u64;
    /// Writes the value.
    fn encode(&self, w: &mut dyn Write) -> io::Result<()>;
    /// Reads a value written by [`Encode::encode`].
    fn decode(r: &mut dyn Read) -> io::Result<Self>;
    /// Whether a spilled copy is worth zstd's Huffman coding of literals. Floating-point
    /// data hardly compresses (a 4% gain on normal samples, at a ninth of the speed),
    /// so float `ArrayD`s say no and spill at zstd's level -1.
    const COMPRESSIBLE: bool = true;
}

/// Type-erased encode/decode functions of one value type.
#[derive(Clone, Copy)]
pub(crate) struct Codec {
    pub(crate) held_bytes: fn(&Value) -> u64,
    pub(crate) encode: fn(&Value, &mut dyn Write) -> io::Result<()>,
    pub(crate) decode: fn(&mut dyn Read) -> io::Result<Value>,
    /// zstd's level for a spilled copy (see [`Encode::COMPRESSIBLE`]).
    pub(crate) spill_level: i32,
}

/// zstd levels for spilled values that compress, and for those that do not (a negative
/// level leaves literals without Huffman coding: gigabytes a second).
const SPILL_LEVEL: i32 = 1;
const SPILL_LEVEL_FAST: i32 = -1;

/// The codec of `T` when `T` is one of the value types chunkwise knows to encode
/// (numbers, strings, their vectors and options, pairs, dataframes). Lets generic code
/// (a bag's `fold`, `delayed`) give its values a codec without an `Encode` bound, so
/// they can cross MPI ranks and spill.
pub(crate) fn codec_for<T: Any>() -> Option<Codec> {
    known::<T>().or_else(|| {
        REGISTERED
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&TypeId::of::<T>())
            .copied()
    })
}

/// Codecs given at run time to `serde` types ([`register_serde`]).
static REGISTERED: LazyLock<RwLock<HashMap<TypeId, Codec>>> = LazyLock::new(Default::default);

/// Gives values of type `T` a codec through `serde`, in postcard's compact binary
/// format, so that where `T` is a task's value (a `Delayed`, a `Client` future, a bag's
/// partial or piece) it can spill under the memory budget and cross MPI ranks. Bag
/// operations that move items by key (`groupby`, `shuffle`, `foldby`, ...) register
/// their types themselves; call this for other values. Types chunkwise encodes itself
/// (numbers, strings, their vectors, dataframes) keep their own codec.
///
/// ```
/// #[derive(Clone, serde::Serialize, serde::Deserialize)]
/// struct Stats { n: u64, names: Vec<String> }
/// chunkwise::register_serde::<Stats>();
/// let d = chunkwise::delayed(|| Stats { n: 2, names: vec!["a".into(), "b".into()] });
/// assert_eq!(d.compute().unwrap().names.len(), 2);
/// ```
pub fn register_serde<T>()
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    if known::<T>().is_some() {
        return;
    }
    REGISTERED
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .entry(TypeId::of::<T>())
        .or_insert_with(Codec::serde::<T>);
}

fn known<T: Any>() -> Option<Codec> {
    static REGISTRY: OnceLock<HashMap<TypeId, Codec>> = OnceLock::new();
    REGISTRY
        .get_or_init(|| {
            let mut m = HashMap::new();
            macro_rules! register {
                ($($t:ty),* $(,)?) => {$( m.insert(TypeId::of::<$t>(), Codec::of::<$t>()); )*};
            }
            register!(
                u8,
                u16,
                u32,
                u64,
                i16,
                i32,
                i64,
                f32,
                f64,
                String,
                Vec<u8>,
                Vec<u16>,
                Vec<u32>,
                Vec<u64>,
                Vec<i16>,
                Vec<i32>,
                Vec<i64>,
                Vec<f32>,
                Vec<f64>,
                Vec<String>,
                Option<u64>,
                Option<i64>,
                Option<f64>,
                Option<String>,
                (f64, u64),
                (u64, u64),
                (f64, f64),
                Vec<(String, u64)>,
                Vec<(u64, u64)>,
                Vec<(i64, u64)>,
                ndarray::ArrayD<f64>,
                ndarray::ArrayD<f32>,
                ndarray::ArrayD<i64>,
                ndarray::ArrayD<i32>,
                ndarray::ArrayD<u64>,
                ndarray::ArrayD<u32>,
                ndarray::ArrayD<u8>,
                ndarray::ArrayD<bool>,
                ndarray::Array1<f64>,
                ndarray::Array1<f32>,
                ndarray::Array1<i64>,
                ndarray::Array1<i32>,
                ndarray::Array1<u64>,
                ndarray::Array1<u32>,
                ndarray::Array1<u8>,
                ndarray::Array1<bool>,
                usize,
                bool,
                (),
                crate::CmdOutput,
            );
            #[cfg(feature = "dataframe")]
            register!(
                polars::prelude::DataFrame,
                Option<polars::prelude::DataFrame>,
                Vec<polars::prelude::DataFrame>,
                Vec<Vec<polars::prelude::DataFrame>>,
            );
            // What the writers (`to_parquet`, `to_textfiles`, ...) answer: the files
            // written, which cross ranks under MPI.
            m.insert(
                TypeId::of::<Vec<std::path::PathBuf>>(),
                Codec::of::<Vec<std::path::PathBuf>>(),
            );
            m
        })
        .get(&TypeId::of::<T>())
        .copied()
}

impl<T: Encode> Encode for Option<T> {
    fn held_bytes(&self) -> u64 {
        1 + self.as_ref().map_or(0, Encode::held_bytes)
    }
    fn encode(&self, w: &mut dyn Write) -> io::Result<()> {
        match self {
            None => w.write_all(&[0]),
            Some(v) => {
                w.write_all(&[1])?;
                v.encode(w)
            }
        }
    }
    fn decode(r: &mut dyn Read) -> io::Result<Self> {
        let mut tag = [0u8; 1];
        r.read_exact(&mut tag)?;
        Ok(if tag[0] == 0 {
            None
        } else {
            Some(T::decode(r)?)
        })
    }
}

impl<A: Encode, B: Encode> Encode for (A, B) {
    fn held_bytes(&self) -> u64 {
        self.0.held_bytes() + self.1.held_bytes()
    }
    fn encode(&self, w: &mut dyn Write) -> io::Result<()> {
        self.0.encode(w)?;
        self.1.encode(w)
    }
    fn decode(r: &mut dyn Read) -> io::Result<Self> {
        Ok((A::decode(r)?, B::decode(r)?))
    }
}

/// Vectors of things that are not plain numbers: a count, then each item.
macro_rules! encode_vec_of {
    ($($t:ty),*) => {$(
        impl Encode for Vec<$t> {
            fn held_bytes(&self) -> u64 {
                self.iter().map(Encode::held_bytes).sum::<u64>() + 24 * self.len() as u64
            }
            fn encode(&self, w: &mut dyn Write) -> io::Result<()> {
                w.write_all(&(self.len() as u64).to_le_bytes())?;
                self.iter().try_for_each(|x| x.encode(w))
            }
            fn decode(r: &mut dyn Read) -> io::Result<Self> {
                let n = read_u64(r)?;
                (0..n).map(|_| <$t>::decode(r)).collect()
            }
        }
    )*};
}

encode_vec_of!(String, (String, u64), (u64, u64), (i64, u64));

/// The value as the codec's type. A task may hand back a placeholder of another type
/// (a future that was cancelled or failed hands back `()`): it holds nothing the
/// budget counts and is never spilled (encoding it is an error, not a panic).
fn downcast<T: Any>(v: &Value) -> io::Result<&T> {
    v.downcast_ref::<T>().ok_or_else(|| {
        io::Error::other("a placeholder value (a cancelled or failed task's) is not spilled")
    })
}

impl Codec {
    pub(crate) fn of<T: Encode>() -> Codec {
        Codec {
            held_bytes: |v| downcast::<T>(v).map_or(0, Encode::held_bytes),
            encode: |v, w| downcast::<T>(v)?.encode(w),
            decode: |r| Ok(Arc::new(T::decode(r)?) as Value),
            spill_level: if T::COMPRESSIBLE {
                SPILL_LEVEL
            } else {
                SPILL_LEVEL_FAST
            },
        }
    }
}

impl Codec {
    /// Postcard bytes after their length; the memory a value holds is estimated by
    /// walking it ([`held::held_bytes`]: strings, vectors and maps counted as the owned
    /// types that hold them, where an encoded size misses most of a map).
    pub(crate) fn serde<T: Serialize + DeserializeOwned + Send + Sync + 'static>() -> Codec {
        fn invalid(e: postcard::Error) -> io::Error {
            io::Error::new(io::ErrorKind::InvalidData, e)
        }
        Codec {
            held_bytes: |v| downcast::<T>(v).map_or(0, held::held_bytes),
            encode: |v, w| {
                let bytes = postcard::to_allocvec(downcast::<T>(v)?).map_err(invalid)?;
                w.write_all(&(bytes.len() as u64).to_le_bytes())?;
                w.write_all(&bytes)
            },
            decode: |r| {
                let bytes = Vec::<u8>::decode(r)?;
                let t: T = postcard::from_bytes(&bytes).map_err(invalid)?;
                Ok(Arc::new(t) as Value)
            },
            spill_level: SPILL_LEVEL,
        }
    }
}

pub(crate) fn read_u64(r: &mut dyn Read) -> io::Result<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

macro_rules! encode_number {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn held_bytes(&self) -> u64 {
                size_of::<$t>() as u64
            }
            fn encode(&self, w: &mut dyn Write) -> io::Result<()> {
                w.write_all(&self.to_le_bytes())
            }
            fn decode(r: &mut dyn Read) -> io::Result<Self> {
                let mut b = [0u8; size_of::<$t>()];
                r.read_exact(&mut b)?;
                Ok(<$t>::from_le_bytes(b))
            }
        }

        impl Encode for Vec<$t> {
            fn held_bytes(&self) -> u64 {
                (self.len() * size_of::<$t>()) as u64
            }
            fn encode(&self, w: &mut dyn Write) -> io::Result<()> {
                w.write_all(&(self.len() as u64).to_le_bytes())?;
                // Whole buffers at a time: element-by-element writes are slow.
                let mut buf = Vec::with_capacity(self.len().min(8192) * size_of::<$t>());
                for part in self.chunks(8192) {
                    buf.clear();
                    for x in part {
                        buf.extend_from_slice(&x.to_le_bytes());
                    }
                    w.write_all(&buf)?;
                }
                Ok(())
            }
            fn decode(r: &mut dyn Read) -> io::Result<Self> {
                let n = read_u64(r)? as usize;
                let mut bytes = vec![0u8; n * size_of::<$t>()];
                r.read_exact(&mut bytes)?;
                Ok(bytes
                    .chunks_exact(size_of::<$t>())
                    .map(|c| <$t>::from_le_bytes(c.try_into().expect("exact chunk")))
                    .collect())
            }
        }
    )*};
}

encode_number!(f64, f32, i64, i32, u64, u32, u16, i16);

impl Encode for usize {
    fn held_bytes(&self) -> u64 {
        8
    }
    fn encode(&self, w: &mut dyn Write) -> io::Result<()> {
        (*self as u64).encode(w)
    }
    fn decode(r: &mut dyn Read) -> io::Result<Self> {
        usize::try_from(read_u64(r)?).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

impl Encode for bool {
    fn held_bytes(&self) -> u64 {
        1
    }
    fn encode(&self, w: &mut dyn Write) -> io::Result<()> {
        w.write_all(&[u8::from(*self)])
    }
    fn decode(r: &mut dyn Read) -> io::Result<Self> {
        match u8::decode(r)? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{b} is not a boolean"),
            )),
        }
    }
}

/// Paths as their bytes, whatever they hold (not only UTF-8): the files a writer wrote.
impl Encode for Vec<std::path::PathBuf> {
    fn held_bytes(&self) -> u64 {
        self.iter().map(|p| 24 + p.as_os_str().len() as u64).sum()
    }
    fn encode(&self, w: &mut dyn Write) -> io::Result<()> {
        use std::os::unix::ffi::OsStrExt;
        w.write_all(&(self.len() as u64).to_le_bytes())?;
        for p in self {
            p.as_os_str().as_bytes().to_vec().encode(w)?;
        }
        Ok(())
    }
    fn decode(r: &mut dyn Read) -> io::Result<Self> {
        use std::os::unix::ffi::OsStringExt;
        let n = read_u64(r)?;
        (0..n)
            .map(|_| Ok(std::ffi::OsString::from_vec(Vec::<u8>::decode(r)?).into()))
            .collect()
    }
}

/// What a task that only does something answers (a store's write).
impl Encode for () {
    fn held_bytes(&self) -> u64 {
        0
    }
    fn encode(&self, _: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
    fn decode(_: &mut dyn Read) -> io::Result<Self> {
        Ok(())
    }
}

impl Encode for u8 {
    fn held_bytes(&self) -> u64 {
        1
    }
    fn encode(&self, w: &mut dyn Write) -> io::Result<()> {
        w.write_all(&[*self])
    }
    fn decode(r: &mut dyn Read) -> io::Result<Self> {
        let mut b = [0u8; 1];
        r.read_exact(&mut b)?;
        Ok(b[0])
    }
}

impl Encode for Vec<u8> {
    fn held_bytes(&self) -> u64 {
        self.len() as u64
    }
    fn encode(&self, w: &mut dyn Write) -> io::Result<()> {
        w.write_all(&(self.len() as u64).to_le_bytes())?;
        w.write_all(self)
    }
    fn decode(r: &mut dyn Read) -> io::Result<Self> {
        let n = read_u64(r)? as usize;
        let mut v = vec![0u8; n];
        r.read_exact(&mut v)?;
        Ok(v)
    }
}

impl Encode for String {
    fn held_bytes(&self) -> u64 {
        self.len() as u64
    }
    fn encode(&self, w: &mut dyn Write) -> io::Result<()> {
        w.write_all(&(self.len() as u64).to_le_bytes())?;
        w.write_all(self.as_bytes())
    }
    fn decode(r: &mut dyn Read) -> io::Result<Self> {
        String::from_utf8(Vec::<u8>::decode(r)?)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

/// An array's shape, its element count, then the elements' little-endian bytes (for
/// `f64` the layout of `Vec<f64>`): the encoding of `ArrayD` and `Array1` alike.
fn encode_array<T: crate::array::Element>(
    a: ndarray::ArrayViewD<'_, T>,
    w: &mut dyn Write,
) -> io::Result<()> {
    let shape: Vec<u64> = a.shape().iter().map(|&n| n as u64).collect();
    shape.encode(w)?;
    w.write_all(&(a.len() as u64).to_le_bytes())?;
    let mut buf = Vec::with_capacity(a.len().min(8192) * T::DTYPE.size());
    let standard = a.as_standard_layout();
    let data = standard.as_slice().expect("standard layout is contiguous");
    for part in data.chunks(8192) {
        buf.clear();
        T::write_le(part, &mut buf);
        w.write_all(&buf)?;
    }
    Ok(())
}

/// A one-dimensional array (`unique`, `bincount`, ...), encoded as an `ArrayD`.
impl<T: crate::array::Element> Encode for ndarray::Array1<T> {
    const COMPRESSIBLE: bool = !T::DTYPE.is_float();
    fn held_bytes(&self) -> u64 {
        (self.len() * T::DTYPE.size()) as u64
    }
    fn encode(&self, w: &mut dyn Write) -> io::Result<()> {
        encode_array(self.view().into_dyn(), w)
    }
    fn decode(r: &mut dyn Read) -> io::Result<Self> {
        ndarray::ArrayD::<T>::decode(r)?
            .into_dimensionality()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

impl<T: crate::array::Element> Encode for ndarray::ArrayD<T> {
    const COMPRESSIBLE: bool = !T::DTYPE.is_float();
    fn held_bytes(&self) -> u64 {
        (self.len() * T::DTYPE.size()) as u64
    }
    fn encode(&self, w: &mut dyn Write) -> io::Result<()> {
        encode_array(self.view(), w)
    }
    fn decode(r: &mut dyn Read) -> io::Result<Self> {
        let shape: Vec<usize> = Vec::<u64>::decode(r)?
            .into_iter()
            .map(|n| n as usize)
            .collect();
        let n = read_u64(r)? as usize;
        let expected: usize = shape.iter().product();
        if n != expected {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("an array of shape {shape:?} holds {expected} elements, not {n}"),
            ));
        }
        // Read as the bytes come: a corrupt count cannot make a huge allocation.
        let want = (n as u64).saturating_mul(T::DTYPE.size() as u64);
        let mut bytes = Vec::new();
        r.take(want).read_to_end(&mut bytes)?;
        if bytes.len() as u64 != want {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("an array of {n} elements cut short at byte {}", bytes.len()),
            ));
        }
        ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&shape), T::read_le(&bytes))
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

#[cfg(feature = "dataframe")]
mod frames {
    use std::io::{self, Read, Write};

    use polars::prelude::*;

    use super::{Encode, read_u64};

    fn other(e: PolarsError) -> io::Error {
        io::Error::other(e.to_string())
    }

    /// Dataframes as Arrow IPC, each buffer LZ4-compressed. zstd's level 3 here was 40%
    /// of a sort's profile under a budget (LZ4: 28%, the sort 0.77x the time); the
    /// spill's own zstd pass over the compressed bytes runs at its fastest level.
    impl Encode for DataFrame {
        const COMPRESSIBLE: bool = false;
        fn held_bytes(&self) -> u64 {
            crate::dataframe::frame_bytes(self) as u64
        }
        fn encode(&self, w: &mut dyn Write) -> io::Result<()> {
            let mut buf = Vec::new();
            IpcWriter::new(&mut buf)
                .with_compression(Some(IpcCompression::LZ4))
                .finish(&mut self.clone())
                .map_err(other)?;
            w.write_all(&(buf.len() as u64).to_le_bytes())?;
            w.write_all(&buf)
        }
        fn decode(r: &mut dyn Read) -> io::Result<Self> {
            let n = read_u64(r)? as usize;
            let mut buf = vec![0u8; n];
            r.read_exact(&mut buf)?;
            IpcReader::new(std::io::Cursor::new(buf))
                .finish()
                .map_err(other)
        }
    }

    /// Frames, and frames cut into buckets (a group-by's partial).
    macro_rules! frames {
        ($($t:ty => $item:ty),*) => {$(
            impl Encode for $t {
                const COMPRESSIBLE: bool = false;
                fn held_bytes(&self) -> u64 {
                    self.iter().map(Encode::held_bytes).sum()
                }
                fn encode(&self, w: &mut dyn Write) -> io::Result<()> {
                    w.write_all(&(self.len() as u64).to_le_bytes())?;
                    self.iter().try_for_each(|d| d.encode(w))
                }
                fn decode(r: &mut dyn Read) -> io::Result<Self> {
                    let n = read_u64(r)?;
                    (0..n).map(|_| <$item>::decode(r)).collect()
                }
            }
        )*};
    }
    frames!(Vec<DataFrame> => DataFrame, Vec<Vec<DataFrame>> => Vec<DataFrame>);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Rec {
        name: String,
        xs: Vec<i32>,
        maybe: Option<f64>,
    }

    #[test]
    fn serde_values_round_trip_and_cut_bytes_are_errors() {
        register_serde::<Rec>();
        let codec = codec_for::<Rec>().expect("registered");
        let v: Value = Arc::new(Rec {
            name: "é".into(),
            xs: vec![-1, 7],
            maybe: None,
        });
        let mut buf = Vec::new();
        (codec.encode)(&v, &mut buf).unwrap();
        assert!((codec.held_bytes)(&v) >= buf.len() as u64 - 8);
        let back = (codec.decode)(&mut buf.as_slice()).unwrap();
        assert_eq!(back.downcast_ref::<Rec>(), v.downcast_ref::<Rec>());
        for cut in [0, 5, buf.len() - 1] {
            assert!((codec.decode)(&mut &buf[..cut]).is_err(), "cut at {cut}");
        }
        // A type chunkwise encodes itself keeps its own codec.
        register_serde::<Vec<f64>>();
        let mut raw = Vec::new();
        (codec_for::<Vec<f64>>().unwrap().encode)(&(Arc::new(vec![1.0f64]) as Value), &mut raw)
            .unwrap();
        assert_eq!(raw.len(), 16);
    }

    /// Answers that cross MPI ranks as results: one-dimensional arrays (`unique`),
    /// counts (`usize`), flags and the unit a write answers round-trip; a cut array is
    /// an error.
    #[test]
    fn result_types_round_trip() {
        fn trip<T: Any + Send + Sync + Clone + PartialEq + std::fmt::Debug>(v: T) -> Vec<u8> {
            let codec = codec_for::<T>().expect("built in");
            let mut buf = Vec::new();
            (codec.encode)(&(Arc::new(v.clone()) as Value), &mut buf).unwrap();
            let back = (codec.decode)(&mut buf.as_slice()).unwrap();
            assert_eq!(back.downcast_ref::<T>(), Some(&v));
            buf
        }
        let bytes = trip(ndarray::Array1::from(vec![1.5f64, -2.0, 3.25]));
        trip(ndarray::Array1::from(vec![true, false]));
        trip(ndarray::Array1::<i64>::from(vec![]));
        trip(7usize);
        trip(true);
        trip(());
        let codec = codec_for::<ndarray::Array1<f64>>().unwrap();
        assert!((codec.decode)(&mut &bytes[..bytes.len() - 3]).is_err());
        // A two-dimensional array is not read as a one-dimensional one.
        let mut two = Vec::new();
        ndarray::ArrayD::<f64>::zeros(ndarray::IxDyn(&[2, 2]))
            .encode(&mut two)
            .unwrap();
        assert!((codec.decode)(&mut two.as_slice()).is_err());
    }

    /// The files a writer answers cross MPI ranks without a registration.
    #[test]
    fn written_paths_have_a_codec() {
        let codec = codec_for::<Vec<std::path::PathBuf>>().expect("built in");
        use std::os::unix::ffi::OsStringExt;
        let paths = vec![
            std::path::PathBuf::from("out/part-0.parquet"),
            "é/b".into(),
            // Not UTF-8: a path still.
            std::ffi::OsString::from_vec(vec![b'x', 0xff, b'/', 0xfe]).into(),
        ];
        let mut buf = Vec::new();
        (codec.encode)(&(Arc::new(paths.clone()) as Value), &mut buf).unwrap();
        let back = (codec.decode)(&mut buf.as_slice()).unwrap();
        assert_eq!(back.downcast_ref::<Vec<std::path::PathBuf>>(), Some(&paths));
    }
}
