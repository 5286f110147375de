//! Linear algebra: `matmul` / `dot` as blocked products, the sum over the contracted
//! axis a tree of partial products (memory bounded: a partial is one output block),
//! each block product on the `gemm` crate's kernels for floats (AVX2, AVX-512, NEON
//! chosen at run time; about 1.6x matrixmultiply's speed here) and ndarray's `dot` for
//! integers.

use std::sync::Arc;

use ndarray::{Array2, ArrayD, ArrayView2, Axis, Ix2, LinalgScalar};

use super::chunks::{Grid, ravel};
use super::expr::chunk_codec;
use super::impl_blockwise::common_chunks;
use super::impl_reduce::{Tree, tree};
use super::{DArray, DType, Element, chunk_of};
use crate::graph::{Key, Node, Tokenizer, Value};
use crate::{Error, Result};

impl<T: Element + LinalgScalar> DArray<T> {
    /// The matrix product (`x @ y`, numpy's `matmul`) of 2-d arrays, or of a 1-d array
    /// with a 2-d one (the 1-d side taken as a row or a column, its axis dropped after),
    /// or the inner product of two 1-d arrays. The contracted axis is cut at every
    /// chunk boundary of either side; the block products of one output block are
    /// summed eight at a time, in order.
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// use ndarray::{ArrayD, IxDyn};
    /// let a = ArrayD::from_shape_fn(IxDyn(&[5, 4]), |i| (i[0] + 2 * i[1]) as f64);
    /// let b = ArrayD::from_shape_fn(IxDyn(&[4, 3]), |i| (i[0] * i[1]) as f64 - 1.0);
    /// let x = from_array(a.clone(), [2, 3]).unwrap();
    /// let y = from_array(b.clone(), [3, 2]).unwrap();
    /// let want = a.into_dimensionality::<ndarray::Ix2>().unwrap()
    ///     .dot(&b.into_dimensionality::<ndarray::Ix2>().unwrap());
    /// assert_eq!(x.matmul(&y).compute().unwrap(), want.into_dyn());
    /// ```
    pub fn matmul(&self, other: &DArray<T>) -> DArray<T> {
        match (self.ndim(), other.ndim()) {
            (2, 2) => self.matmul2(other),
            (1, 2) => self.expand_dims(0).matmul2(other).squeeze(vec![0]),
            (2, 1) => self.matmul2(&other.expand_dims(1)).squeeze(vec![1]),
            (1, 1) => self
                .expand_dims(0)
                .matmul2(&other.expand_dims(1))
                .squeeze(vec![0, 1]),
            (a, b) => self.failed(Error::invalid(format!(
                "matmul takes arrays of 1 or 2 dimensions, not {a} and {b} (shapes {:?} and {:?})",
                self.shape(),
                other.shape()
            ))),
        }
    }

    /// As [`matmul`](Self::matmul) (numpy's `dot` for 1-d and 2-d arrays).
    pub fn dot(&self, other: &DArray<T>) -> DArray<T> {
        self.matmul(other)
    }

    fn matmul2(&self, other: &DArray<T>) -> DArray<T> {
        match self.try_matmul2(other) {
            Ok(x) => x,
            Err(e) => self.failed(e),
        }
    }

    fn try_matmul2(&self, other: &DArray<T>) -> Result<DArray<T>> {
        if let Some(e) = self.error.as_ref().or(other.error.as_ref()) {
            return Err(Error::Shared(Arc::clone(e)));
        }
        let (m, k) = (self.shape()[0], self.shape()[1]);
        let (k2, n) = (other.shape()[0], other.shape()[1]);
        if k != k2 {
            return Err(Error::invalid(format!(
                "matmul: shapes {:?} and {:?} do not match (the inner lengths {k} and {k2} differ)",
                self.shape(),
                other.shape()
            )));
        }
        let inner = common_chunks(&self.chunks()[1], &other.chunks()[0]);
        let a = self.rechunk_exact(vec![self.chunks()[0].clone(), inner.clone()]);
        let b = other.rechunk_exact(vec![inner.clone(), other.chunks()[1].clone()]);
        let (na, nb) = (a.chunk_nodes(), b.chunk_nodes());
        let (ga, gb) = (a.grid.grid_shape(), b.grid.grid_shape());
        // The products as the chunks of an (m, n, k) grid whose k axis is summed away.
        let cube = Arc::new(Grid {
            shape: vec![m, n, k],
            chunks: vec![a.chunks()[0].clone(), b.chunks()[1].clone(), inner.clone()],
        });
        let token = Tokenizer::new("matmul")
            .param(&a.token())
            .param(&b.token())
            .finish();
        let t_product = Tokenizer::new("matmul-product").param(&token).finish();
        let partials: Vec<Arc<Node>> = (0..cube.n_chunks())
            .map(|c| {
                let pos = cube.position(c);
                let (i, j, kk) = (pos[0], pos[1], pos[2]);
                let deps = vec![
                    Arc::clone(&na[ravel(&[i, kk], &ga)]),
                    Arc::clone(&nb[ravel(&[kk, j], &gb)]),
                ];
                let (_, shape) = cube.chunk(c);
                let mut node = Node::new(
                    Key::new("matmul-product", t_product, c as u64),
                    deps,
                    Box::new(|v| {
                        let (a, b) = (chunk_of::<T>(&v[0]), chunk_of::<T>(&v[1]));
                        let bad = |e| Error::external("ndarray, a block of matmul", e);
                        let a = a.view().into_dimensionality::<Ix2>().map_err(bad)?;
                        let b = b.view().into_dimensionality::<Ix2>().map_err(bad)?;
                        Ok(Arc::new(block_product(a, b).into_dyn()) as Value)
                    }),
                );
                node.bytes = (shape[0] * shape[1] * T::DTYPE.size()) as u64;
                node.codec = Some(chunk_codec::<T>());
                Arc::new(node)
            })
            .collect();
        Ok(tree(
            &cube,
            &[false, false, true],
            partials,
            Tree {
                name: "matmul",
                token,
                split_every: 8,
                keepdims: false,
                combine: Arc::new(|p: &mut ArrayD<T>, q: &ArrayD<T>| {
                    p.zip_mut_with(q, |a, &b| *a = Element::add(*a, b))
                }),
                finish: Arc::new(|p: &ArrayD<T>| Ok(p.clone().insert_axis(Axis(2)))),
            },
        ))
    }
}

/// `a · b`: `gemm`'s kernel for `f32` and `f64`, ndarray's `dot` for the rest.
fn block_product<T: Element + LinalgScalar>(
    a: ArrayView2<'_, T>,
    b: ArrayView2<'_, T>,
) -> Array2<T> {
    let ((m, k), n) = (a.dim(), b.ncols());
    if !matches!(T::DTYPE, DType::F32 | DType::F64) || m == 0 || n == 0 || k == 0 {
        return a.dot(&b);
    }
    let mut c = Array2::<T>::zeros((m, n));
    let (cs, rs) = (c.strides()[1], c.strides()[0]);
    // SAFETY: `c`, `a` and `b` are m x n, m x k and k x n arrays, their pointers and
    // strides (in elements) are ndarray's own; `c` does not alias the inputs; gemm
    // supports T (f32 or f64, checked above) and, with `read_dst` false, only writes c.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            cs,
            rs,
            false,
            a.as_ptr(),
            a.strides()[1],
            a.strides()[0],
            b.as_ptr(),
            b.strides()[1],
            b.strides()[0],
            T::zero(),
            T::one(),
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
    c
}
