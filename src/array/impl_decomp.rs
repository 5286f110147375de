//! Factorizations (cargo feature `linalg`, on by default), as `dask.array.linalg`:
//! `tsqr`/`qr` and `svd` of tall-and-skinny arrays (each row block factorized on its
//! own, their R factors stacked and factorized once more, the Q factors multiplied
//! back: Benson, Gleich and Demmel's direct TSQR, as Dask), blocked `cholesky`
//! (a task per tile), `lstsq` through TSQR, and `solve`/`inv`. Every block kernel is
//! faer's (QR, SVD, LLT, LU with partial pivoting, triangular solves).

use std::sync::Arc;

use faer::linalg::solvers::Solve;
use faer::{Mat, MatRef, Side};
use ndarray::{Array2, ArrayView2, Ix2, LinalgScalar, s};

use super::chunks::starts_of;
use super::chunks::{Grid, ravel};
use super::expr::chunk_codec;
use super::impl_blockwise::common_chunks;
use super::impl_linalg::block_product;
use super::{DArray, Element, Float, WHOLE, chunk_of, einsum};
use crate::graph::{Key, Node, Tokenizer, Value};
use crate::{Delayed, Error, Result};

/// The element types faer factorizes: `f32` and `f64`.
pub trait Real: Float + LinalgScalar + faer::traits::RealField {}
impl Real for f32 {}
impl Real for f64 {}

fn to_faer<T: Real>(a: ArrayView2<'_, T>) -> Mat<T> {
    Mat::from_fn(a.nrows(), a.ncols(), |i, j| a[[i, j]])
}

fn from_faer<T: Real>(m: MatRef<'_, T>) -> Array2<T> {
    Array2::from_shape_fn((m.nrows(), m.ncols()), |(i, j)| m[(i, j)])
}

fn matrix<T: Element>(v: &Value) -> Result<ArrayView2<'_, T>> {
    chunk_of::<T>(v)
        .view()
        .into_dimensionality::<Ix2>()
        .map_err(|e| Error::external("ndarray, a block of a matrix", e))
}

/// The key of task `index` of kind `label` under a factorization's `parent` token;
/// the token is the label's own (keys compare by token and index).
fn key(label: &'static str, parent: u64, index: usize) -> Key {
    Key::new(label, sub_token(label, parent), index as u64)
}

fn sub_token(label: &str, parent: u64) -> u64 {
    Tokenizer::new(label).param(&parent).finish()
}

/// A task whose value is an `ArrayD<T>` made by `f` from its inputs.
fn node<T: Element>(
    key: Key,
    deps: Vec<Arc<Node>>,
    elements: usize,
    f: impl Fn(&[Value]) -> Result<Array2<T>> + Send + Sync + 'static,
) -> Arc<Node> {
    let mut n = Node::new(
        key,
        deps,
        Box::new(move |v| Ok(Arc::new(f(v)?.into_dyn()) as Value)),
    );
    n.bytes = (elements * T::DTYPE.size()) as u64;
    n.codec = Some(chunk_codec::<T>());
    Arc::new(n)
}

/// A task taking the rows from `first` on of `packed`'s value (a factor packed with
/// others in one value, so one task computes them all).
fn rows_from<T: Element>(key: Key, packed: &Arc<Node>, first: usize, elements: usize) -> Arc<Node> {
    node::<T>(key, vec![Arc::clone(packed)], elements, move |v| {
        Ok(matrix::<T>(&v[0])?.slice(s![first.., ..]).to_owned())
    })
}

/// The tasks of a TSQR: per row block its Q, and the one R.
struct Tsqr {
    token: u64,
    rows: Vec<usize>,
    /// The columns of Q (`min(rows, columns)`).
    kk: usize,
    columns: usize,
    q: Vec<Arc<Node>>,
    r: Arc<Node>,
}

impl<T: Real> DArray<T> {
    fn failed3(&self, e: Error) -> (DArray<T>, DArray<T>, DArray<T>) {
        let e = Arc::new(e);
        let f = || self.failed(Error::Shared(Arc::clone(&e)));
        (f(), f(), f())
    }

    fn check_matrix(&self, what: &str) -> Result<()> {
        if let Some(e) = &self.error {
            return Err(Error::Shared(Arc::clone(e)));
        }
        if self.ndim() != 2 {
            return Err(Error::invalid(format!(
                "{what} takes a 2-d array, not shape {:?}",
                self.shape()
            )));
        }
        Ok(())
    }

    /// The QR factorization of an array whose columns fit in one chunk (they are
    /// rechunked to one if not), by TSQR: `(q, r)` with `q` of shape `(m, min(m, n))`
    /// chunked as this array's rows and orthonormal columns, `r` upper triangular of
    /// shape `(min(m, n), n)` in one chunk, `q · r` equal to this array. Signs follow
    /// faer's Householder convention (numpy's may differ by the sign of a column of
    /// `q` and the matching row of `r`).
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// use ndarray::{ArrayD, IxDyn};
    /// let a = ArrayD::from_shape_fn(IxDyn(&[1000, 4]), |i| ((i[0] * 7 + i[1] * 13) % 17) as f64);
    /// let x = from_array(a, [300, 4]).unwrap();
    /// let (q, r) = x.tsqr();
    /// let back = q.matmul(&r).compute().unwrap();
    /// let want = x.compute().unwrap();
    /// assert!(back.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-9));
    /// ```
    pub fn tsqr(&self) -> (DArray<T>, DArray<T>) {
        match self.tsqr_tasks("tsqr") {
            Ok(t) => {
                let q = self.q_of(&t);
                let g = Arc::new(Grid::from_parts(
                    vec![t.kk, t.columns],
                    vec![vec![t.kk], vec![t.columns]],
                ));
                let r = DArray::from_chunks(
                    g,
                    sub_token("tsqr-r", t.token),
                    "tsqr-r",
                    vec![Arc::clone(&t.r)],
                );
                (q, r)
            }
            Err(e) => {
                let e = Arc::new(e);
                (
                    self.failed(Error::Shared(Arc::clone(&e))),
                    self.failed(Error::Shared(e)),
                )
            }
        }
    }

    /// As [`tsqr`](Self::tsqr) (Dask's `qr` of a tall-and-skinny array).
    pub fn qr(&self) -> (DArray<T>, DArray<T>) {
        self.tsqr()
    }

    fn q_of(&self, t: &Tsqr) -> DArray<T> {
        let g = Arc::new(Grid::from_parts(
            vec![t.rows.iter().sum(), t.kk],
            vec![t.rows.clone(), vec![t.kk]],
        ));
        DArray::from_chunks(g, sub_token("tsqr-q", t.token), "tsqr-q", t.q.clone())
    }

    fn tsqr_tasks(&self, what: &str) -> Result<Tsqr> {
        self.check_matrix(what)?;
        let x = if self.chunks()[1].len() > 1 {
            self.rechunk_exact(vec![self.chunks()[0].clone(), vec![self.shape()[1]]])
        } else {
            self.clone()
        };
        let rows = x.chunks()[0].clone();
        let k = x.shape()[1];
        let token = Tokenizer::new(what).param(&x.token()).finish();
        let input = x.chunk_nodes();
        // Per row block: Q (n_i x r_i) over R (r_i x k), packed k wide (r_i <= k).
        let blocks: Vec<Arc<Node>> = rows
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                let r = n.min(k);
                node::<T>(
                    key("tsqr-block", token, i),
                    vec![Arc::clone(&input[i])],
                    (n + r) * k,
                    move |v| {
                        let a = to_faer(matrix::<T>(&v[0])?);
                        let qr = a.qr();
                        let mut packed = Array2::<T>::zeros((n + r, k));
                        packed
                            .slice_mut(s![..n, ..r])
                            .assign(&from_faer(qr.compute_thin_Q().as_ref()));
                        packed
                            .slice_mut(s![n.., ..])
                            .assign(&from_faer(qr.thin_R()));
                        Ok(packed)
                    },
                )
            })
            .collect();
        // The R factors alone, so the stacking task needs (and moves) only them.
        let r_blocks: Vec<Arc<Node>> = blocks
            .iter()
            .zip(&rows)
            .enumerate()
            .map(|(i, (b, &n))| rows_from::<T>(key("tsqr-block-r", token, i), b, n, n.min(k) * k))
            .collect();
        let r_rows: Vec<usize> = rows.iter().map(|&n| n.min(k)).collect();
        let offsets = starts_of(&r_rows);
        let stacked: usize = r_rows.iter().sum();
        let kk = stacked.min(k);
        // The stacked Rs factorized: Q2 (stacked x kk) over R (kk x k).
        let stack = node::<T>(
            key("tsqr-stack", token, 0),
            r_blocks,
            (stacked + kk) * k,
            move |v| {
                let mut s = Array2::<T>::zeros((stacked, k));
                let mut at = 0;
                for r in v {
                    let r = matrix::<T>(r)?;
                    s.slice_mut(s![at..at + r.nrows(), ..]).assign(&r);
                    at += r.nrows();
                }
                let qr = to_faer(s.view()).qr();
                let mut packed = Array2::<T>::zeros((stacked + kk, k));
                packed
                    .slice_mut(s![..stacked, ..kk])
                    .assign(&from_faer(qr.compute_thin_Q().as_ref()));
                packed
                    .slice_mut(s![stacked.., ..])
                    .assign(&from_faer(qr.thin_R()));
                Ok(packed)
            },
        );
        let r = rows_from::<T>(key("tsqr-r", token, 0), &stack, stacked, kk * k);
        let q = blocks
            .iter()
            .zip(&rows)
            .zip(&offsets)
            .enumerate()
            .map(|(i, ((b, &n), &off))| {
                let r = n.min(k);
                node::<T>(
                    key("tsqr-q", token, i),
                    vec![Arc::clone(b), Arc::clone(&stack)],
                    n * kk,
                    move |v| {
                        let q1 = matrix::<T>(&v[0])?;
                        let q2 = matrix::<T>(&v[1])?;
                        Ok(block_product(
                            q1.slice(s![..n, ..r]),
                            q2.slice(s![off..off + r, ..kk]),
                        ))
                    },
                )
            })
            .collect();
        Ok(Tsqr {
            token,
            rows,
            kk,
            columns: k,
            q,
            r,
        })
    }

    /// The thin singular value decomposition `(u, s, vt)` of an array chunked along
    /// one axis only (the other is rechunked to one chunk if not; a tall array keeps
    /// its row chunks, a wide one its column chunks), by TSQR then the SVD of the
    /// small R: `u · diag(s) · vt` equals this array, `s` is non-increasing. As
    /// `dask.array.linalg.svd`; the signs of singular vectors are faer's.
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// use ndarray::{ArrayD, IxDyn};
    /// let a = ArrayD::from_shape_fn(IxDyn(&[500, 3]), |i| ((i[0] + 1) * (i[1] + 2) % 11) as f64);
    /// let x = from_array(a, [200, 3]).unwrap();
    /// let (_, s, _) = x.svd();
    /// let s = s.compute().unwrap();
    /// assert_eq!(s.len(), 3);
    /// assert!(s[0] >= s[1] && s[1] >= s[2] && s[2] >= 0.0);
    /// ```
    pub fn svd(&self) -> (DArray<T>, DArray<T>, DArray<T>) {
        if let Err(e) = self.check_matrix("svd") {
            return self.failed3(e);
        }
        let (m, n) = (self.shape()[0], self.shape()[1]);
        let wide = self.chunks()[1].len() > 1 && (self.chunks()[0].len() == 1 || n > m);
        if wide {
            let (u, s, vt) = self.t().svd();
            return (vt.t(), s, u.t());
        }
        let t = match self.tsqr_tasks("svd") {
            Ok(t) => t,
            Err(e) => return self.failed3(e),
        };
        let (kk, k) = (t.kk, t.columns);
        // The SVD of R (kk x k): Ur (kk x kk) over s (one row) over Vt (kk x k), k wide.
        let small = node::<T>(
            key("svd-r", t.token, 0),
            vec![Arc::clone(&t.r)],
            (2 * kk + 1) * k,
            move |v| {
                let r = to_faer(matrix::<T>(&v[0])?);
                let svd = r.thin_svd().map_err(|e| {
                    Error::invalid(format!(
                        "svd: the SVD of the {kk} x {k} R factor did not converge ({e:?})"
                    ))
                })?;
                let mut packed = Array2::<T>::zeros((2 * kk + 1, k));
                packed.slice_mut(s![..kk, ..kk]).assign(&from_faer(svd.U()));
                for (j, x) in svd.S().column_vector().iter().enumerate() {
                    packed[[kk, j]] = *x;
                }
                packed
                    .slice_mut(s![kk + 1.., ..])
                    .assign(&from_faer(svd.V()).t());
                Ok(packed)
            },
        );
        let u_nodes =
            t.q.iter()
                .zip(&t.rows)
                .enumerate()
                .map(|(i, (q, &n))| {
                    node::<T>(
                        key("svd-u", t.token, i),
                        vec![Arc::clone(q), Arc::clone(&small)],
                        n * kk,
                        move |v| {
                            let q = matrix::<T>(&v[0])?;
                            let ur = matrix::<T>(&v[1])?;
                            Ok(block_product(q, ur.slice(s![..kk, ..kk])))
                        },
                    )
                })
                .collect();
        let s_node = {
            let mut n = Node::new(
                key("svd-s", t.token, 0),
                vec![Arc::clone(&small)],
                Box::new(move |v| {
                    let p = matrix::<T>(&v[0])?;
                    Ok(Arc::new(p.slice(s![kk, ..kk]).to_owned().into_dyn()) as Value)
                }),
            );
            n.codec = Some(chunk_codec::<T>());
            Arc::new(n)
        };
        let vt_node = rows_from::<T>(key("svd-vt", t.token, 0), &small, kk + 1, kk * k);
        let grid =
            |shape: Vec<usize>, chunks: Vec<Vec<usize>>| Arc::new(Grid::from_parts(shape, chunks));
        let u = DArray::from_chunks(
            grid(vec![m, kk], vec![t.rows.clone(), vec![kk]]),
            sub_token("svd-u", t.token),
            "svd-u",
            u_nodes,
        );
        let s = DArray::from_chunks(
            grid(vec![kk], vec![vec![kk]]),
            sub_token("svd-s", t.token),
            "svd-s",
            vec![s_node],
        );
        let vt = DArray::from_chunks(
            grid(vec![kk, k], vec![vec![kk], vec![k]]),
            sub_token("svd-vt", t.token),
            "svd-vt",
            vec![vt_node],
        );
        (u, s, vt)
    }

    /// The least-squares solution of `self · x = b` for a tall-and-skinny array, as
    /// `numpy.linalg.lstsq` and Dask's: `(x, residuals, rank, s)`. By TSQR, then the SVD
    /// of the small R: `x = V S⁺ Uᵀ Qᵀ b`, singular values below `s_max · max(m, n) · ε`
    /// (numpy's default `rcond`) taken as zero, so dependent columns give numpy's
    /// minimum-norm solution (Dask solves R and gives infinities). `residuals`: the
    /// sums of squares of `self · x - b` per column of `b`, always (numpy leaves them
    /// out when the rank is short); `rank`: the singular values above that bound; `s`:
    /// the singular values of `self`, non-increasing. `b` is 1-d or 2-d with as many
    /// rows as this array.
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// use ndarray::{ArrayD, IxDyn};
    /// // The third column is the sum of the first two: rank 2.
    /// let a = ArrayD::from_shape_fn(IxDyn(&[100, 3]), |i| match i[1] {
    ///     0 => i[0] as f64,
    ///     1 => 1.0,
    ///     _ => i[0] as f64 + 1.0,
    /// });
    /// let b = ArrayD::from_shape_fn(IxDyn(&[100]), |i| 2.0 * i[0] as f64 + 3.0);
    /// let (x, res, rank, s) = from_array(a, [30, 3]).unwrap().lstsq(&from_array(b, [30]).unwrap());
    /// assert_eq!(rank.compute().unwrap(), 2);
    /// assert!(s.compute().unwrap()[2] < 1e-9);
    /// assert!(res.compute().unwrap()[0] < 1e-9);
    /// let x = x.compute().unwrap();
    /// // The minimum-norm x of x0 + x2 = 2, x1 + x2 = 3: (1/3, 4/3, 5/3).
    /// assert!((x[0] - 1.0 / 3.0).abs() < 1e-9 && (x[2] - 5.0 / 3.0).abs() < 1e-9);
    /// ```
    pub fn lstsq(&self, b: &DArray<T>) -> (DArray<T>, DArray<T>, Delayed<usize>, DArray<T>) {
        if let Err(e) = self
            .check_matrix("lstsq")
            .and_then(|_| rows_match(self, b, "lstsq"))
        {
            let e = Arc::new(e);
            let e2 = Arc::clone(&e);
            let rank = Delayed::from_fn(
                "lstsq-rank",
                Vec::new(),
                Box::new(move |_| Err(Error::Shared(Arc::clone(&e2)))),
            );
            return (
                self.failed(Error::Shared(Arc::clone(&e))),
                self.failed(Error::Shared(Arc::clone(&e))),
                rank,
                self.failed(Error::Shared(e)),
            );
        }
        let (q, r) = self.tsqr();
        let qtb = q.t().matmul(b);
        let big = self.shape()[0].max(self.shape()[1]);
        let x = solve_with(&r, &qtb, "lstsq", Method::MinNorm { big });
        let squares = self
            .matmul(&x)
            .zip_blocks(b, "lstsq-residuals", "", |p, q| {
                ndarray::Zip::from(&p)
                    .and(&q)
                    .map_collect(|&p, &q| (p - q) * (p - q))
            });
        let res = if b.ndim() == 1 {
            einsum("i->", &[&squares]).expand_dims(0)
        } else {
            einsum("ij->j", &[&squares])
        };
        let (_, s, _) = r.svd();
        let rank = s
            .rechunk([WHOLE])
            .to_delayed()
            .into_iter()
            .next()
            .expect("one chunk")
            .map(move |s| {
                let s = s.as_slice_memory_order().unwrap_or(&[]);
                let cut = cutoff(s.first().copied().unwrap_or_else(T::zero), big);
                s.iter().filter(|&&x| x > cut).count()
            });
        (x, res, rank, s)
    }

    /// The Cholesky factor `l` (lower triangular, `l · lᵀ` equal to this symmetric
    /// positive-definite array; numpy's convention, where Dask's default is the upper
    /// factor): blocked over square tiles (the chunks are made square: each axis cut
    /// at the union of both axes' boundaries), one task per tile of `l`, reading only
    /// the lower triangle. A matrix that is not positive definite is an error naming
    /// the tile.
    pub fn cholesky(&self) -> DArray<T> {
        match self.try_cholesky() {
            Ok(x) => x,
            Err(e) => self.failed(e),
        }
    }

    fn try_cholesky(&self) -> Result<DArray<T>> {
        self.check_matrix("cholesky")?;
        square(self, "cholesky")?;
        let cuts = common_chunks(&self.chunks()[0], &self.chunks()[1]);
        let a = self.rechunk_exact(vec![cuts.clone(), cuts.clone()]);
        let nb = cuts.len();
        let input = a.chunk_nodes();
        let token = Tokenizer::new("cholesky").param(&a.token()).finish();
        let mut l: Vec<Option<Arc<Node>>> = vec![None; nb * nb];
        let at = |i: usize, j: usize| ravel(&[i, j], &[nb, nb]);
        for k in 0..nb {
            // The diagonal tile: A_kk - sum_j L_kj L_kjᵀ, factorized.
            let mut deps = vec![Arc::clone(&input[at(k, k)])];
            deps.extend((0..k).map(|j| Arc::clone(l[at(k, j)].as_ref().expect("done"))));
            let n = cuts[k];
            let diag = node::<T>(
                Key::new("cholesky", token, at(k, k) as u64),
                deps,
                n * n,
                move |v| {
                    let s = less_products(matrix::<T>(&v[0])?, &v[1..], &v[1..])?;
                    let llt = to_faer(s.view()).llt(Side::Lower).map_err(|e| {
                        Error::invalid(format!(
                            "cholesky: the matrix is not positive definite (tile ({k}, {k}): {e:?})"
                        ))
                    })?;
                    Ok(from_faer(llt.L()))
                },
            );
            l[at(k, k)] = Some(Arc::clone(&diag));
            for i in k + 1..nb {
                // Below it: (A_ik - sum_j L_ij L_kjᵀ) L_kk⁻ᵀ.
                let mut deps = vec![Arc::clone(&input[at(i, k)]), Arc::clone(&diag)];
                deps.extend((0..k).map(|j| Arc::clone(l[at(i, j)].as_ref().expect("done"))));
                deps.extend((0..k).map(|j| Arc::clone(l[at(k, j)].as_ref().expect("done"))));
                let elements = cuts[i] * cuts[k];
                let tile = node::<T>(
                    Key::new("cholesky", token, at(i, k) as u64),
                    deps,
                    elements,
                    move |v| {
                        let (li, lk) = v[2..].split_at(k);
                        let s = less_products(matrix::<T>(&v[0])?, li, lk)?;
                        let lkk = to_faer(matrix::<T>(&v[1])?);
                        // X L_kkᵀ = S  <=>  L_kk Xᵀ = Sᵀ.
                        let mut xt = to_faer(s.t());
                        lkk.as_ref().solve_lower_triangular_in_place(xt.as_mut());
                        Ok(from_faer(xt.as_ref()).reversed_axes())
                    },
                );
                l[at(i, k)] = Some(tile);
            }
            for j in k + 1..nb {
                let (rows, cols) = (cuts[k], cuts[j]);
                l[at(k, j)] = Some(node::<T>(
                    Key::new("cholesky", token, at(k, j) as u64),
                    vec![],
                    rows * cols,
                    move |_| Ok(Array2::zeros((rows, cols))),
                ));
            }
        }
        let nodes = l.into_iter().map(|n| n.expect("every tile")).collect();
        Ok(DArray::from_chunks(
            Arc::clone(&a.grid),
            token,
            "cholesky",
            nodes,
        ))
    }

    /// The solution `x` of `self · x = b` for a square array (numpy's `solve`): the
    /// matrix is factorized whole (LU with partial pivoting; it must fit in memory),
    /// `b` (1-d, or 2-d chunked by columns) is solved a column chunk per task. A
    /// singular matrix gives infinities or NaN, as LAPACK without its check.
    pub fn solve(&self, b: &DArray<T>) -> DArray<T> {
        if let Err(e) = self
            .check_matrix("solve")
            .and_then(|_| square(self, "solve"))
            .and_then(|_| rows_match(self, b, "solve"))
        {
            return self.failed(e);
        }
        solve_with(self, b, "solve", Method::Lu)
    }

    /// The inverse of a square array (numpy's `inv`), as `solve` of the identity.
    pub fn inv(&self) -> DArray<T> {
        if let Err(e) = self.check_matrix("inv").and_then(|_| square(self, "inv")) {
            return self.failed(e);
        }
        let n = self.shape()[0];
        let c = self.chunks()[0].iter().copied().max().unwrap_or(1).max(1);
        match super::eye::<T>(n, n, 0, [c, c]) {
            Ok(i) => self.solve(&i),
            Err(e) => self.failed(e),
        }
    }
}

fn square<T: Element>(a: &DArray<T>, what: &str) -> Result<()> {
    if a.shape()[0] != a.shape()[1] {
        return Err(Error::invalid(format!(
            "{what} takes a square array, not shape {:?}",
            a.shape()
        )));
    }
    Ok(())
}

fn rows_match<T: Element>(a: &DArray<T>, b: &DArray<T>, what: &str) -> Result<()> {
    if let Some(e) = &b.error {
        return Err(Error::Shared(Arc::clone(e)));
    }
    if !(1..=2).contains(&b.ndim()) || b.shape()[0] != a.shape()[0] {
        return Err(Error::invalid(format!(
            "{what}: b of shape {:?} does not match the array of shape {:?} (1-d or 2-d with {} rows)",
            b.shape(),
            a.shape(),
            a.shape()[0]
        )));
    }
    Ok(())
}

/// `a - sum_j x_j · y_jᵀ`.
fn less_products<T: Real>(a: ArrayView2<'_, T>, x: &[Value], y: &[Value]) -> Result<Array2<T>> {
    let mut s = a.to_owned();
    for (x, y) in x.iter().zip(y) {
        let p = block_product(matrix::<T>(x)?, matrix::<T>(y)?.t());
        s.zip_mut_with(&p, |a, &b| *a -= b);
    }
    Ok(s)
}

#[derive(Clone, Copy)]
enum Method {
    /// A general square matrix (LU with partial pivoting).
    Lu,
    /// The minimum-norm least-squares solution by the SVD, singular values up to
    /// [`cutoff`] for an `m x n` problem with `max(m, n) = big` taken as zero.
    MinNorm { big: usize },
}

/// Singular values at most this, of a problem whose largest one is `smax` and larger
/// side `big`, count as zero (numpy's `rcond` and `matrix_rank` default).
fn cutoff<T: Real>(smax: T, big: usize) -> T {
    let eps = match T::DTYPE {
        super::DType::F32 => f32::EPSILON as f64,
        _ => f64::EPSILON,
    };
    T::from_f64(smax.to_f64() * eps * big as f64)
}

/// `a⁻¹ b` with `a` gathered into one chunk, one task per column chunk of `b`.
fn solve_with<T: Real>(
    a: &DArray<T>,
    b: &DArray<T>,
    what: &'static str,
    kind: Method,
) -> DArray<T> {
    if let Some(e) = a.error.as_ref().or(b.error.as_ref()) {
        return a.failed(Error::Shared(Arc::clone(e)));
    }
    let one_d = b.ndim() == 1;
    let b2 = if one_d { b.expand_dims(1) } else { b.clone() };
    let n = a.shape()[0];
    let a1 = a.rechunk([WHOLE, WHOLE]);
    let b1 = b2.rechunk_exact(vec![vec![b2.shape()[0]], b2.chunks()[1].clone()]);
    let (na, nb) = (a1.chunk_nodes(), b1.chunk_nodes());
    let token = Tokenizer::new(what)
        .param(&a1.token())
        .param(&b1.token())
        .finish();
    let cols = b1.chunks()[1].clone();
    let nodes = cols
        .iter()
        .enumerate()
        .map(|(j, &c)| {
            node::<T>(
                key(what, token, j),
                vec![Arc::clone(&na[0]), Arc::clone(&nb[j])],
                n * c,
                move |v| {
                    let a = to_faer(matrix::<T>(&v[0])?);
                    let rhs = matrix::<T>(&v[1])?;
                    match kind {
                        Method::Lu => Ok(from_faer(
                            a.partial_piv_lu().solve(to_faer(rhs).as_ref()).as_ref(),
                        )),
                        Method::MinNorm { big } => {
                            let svd = a.thin_svd().map_err(|e| {
                                Error::invalid(format!(
                                    "{what}: the SVD of the R factor did not converge ({e:?})"
                                ))
                            })?;
                            let s: Vec<T> = svd.S().column_vector().iter().copied().collect();
                            let cut = cutoff(s.first().copied().unwrap_or_else(T::zero), big);
                            let mut y = block_product(from_faer(svd.U()).t(), rhs);
                            for (mut row, &si) in y.rows_mut().into_iter().zip(&s) {
                                if si > cut {
                                    row.mapv_inplace(|x| x / si);
                                } else {
                                    row.fill(T::zero());
                                }
                            }
                            Ok(block_product(from_faer(svd.V()).view(), y.view()))
                        }
                    }
                },
            )
        })
        .collect();
    let g = Arc::new(Grid::from_parts(
        vec![a.shape()[1], b2.shape()[1]],
        vec![vec![a.shape()[1]], cols],
    ));
    let x = DArray::from_chunks(g, sub_token(what, token), what, nodes);
    if one_d { x.squeeze(vec![1]) } else { x }
}
