//! Reductions of one column: max, min, sum, count, mean, std, var, n_unique, value_counts.

use std::collections::BTreeSet;

use polars::prelude::*;

use super::{DFrame, GroupBy, plan_error};
use crate::{Delayed, Error, Result};

/// One column of a [`DFrame`], for reductions (as `df.DepDelay` in Dask).
#[derive(Clone, Debug)]
pub struct DSeries {
    frame: DFrame,
    name: String,
}

/// Count, mean and M2 of the non-null values (Chan et al. combine).
#[derive(Clone, Copy, Default)]
struct Moments {
    n: f64,
    mean: f64,
    m2: f64,
}

impl Moments {
    fn merge(&mut self, o: &Moments) {
        if o.n == 0.0 {
            return;
        }
        let n = self.n + o.n;
        let d = o.mean - self.mean;
        self.mean += d * o.n / n;
        self.m2 += o.m2 + d * d * self.n * o.n / n;
        self.n = n;
    }
}

impl DSeries {
    pub(crate) fn new(frame: DFrame, name: &str) -> Self {
        DSeries {
            frame,
            name: name.to_string(),
        }
    }

    fn values(df: &DataFrame, name: &str) -> Result<Float64Chunked> {
        super::numeric(df, name)
    }

    fn reduce<A, R>(
        &self,
        label: &'static str,
        init: A,
        step: impl Fn(&mut A, &Float64Chunked) + Send + Sync + 'static,
        combine: impl Fn(&mut A, &A) + Send + Sync + 'static,
        finish: impl Fn(A) -> R + Send + Sync + 'static,
    ) -> Delayed<R>
    where
        A: Clone + Send + Sync + 'static,
        R: Send + Sync + 'static,
    {
        let name = self.name.clone();
        self.frame.consume(
            label,
            Some(BTreeSet::from([self.name.clone()])),
            move |_| Ok(init.clone()),
            move |a, df| {
                step(a, &Self::values(df, &name)?);
                Ok(true)
            },
            Ok,
            combine,
            move |a| Ok(finish(a)),
        )
    }

    /// Largest non-null value, as f64 (`None` when every value is null).
    pub fn max(&self) -> Delayed<Option<f64>> {
        self.reduce(
            "max",
            None,
            |a: &mut Option<f64>, ca| pick(a, ca.max(), f64::max),
            |a, b| pick(a, *b, f64::max),
            |a| a,
        )
    }

    /// Smallest non-null value, as f64.
    pub fn min(&self) -> Delayed<Option<f64>> {
        self.reduce(
            "min",
            None,
            |a: &mut Option<f64>, ca| pick(a, ca.min(), f64::min),
            |a, b| pick(a, *b, f64::min),
            |a| a,
        )
    }

    /// Sum of the non-null values.
    pub fn sum(&self) -> Delayed<f64> {
        self.reduce(
            "sum",
            0.0,
            |a, ca| *a += ca.sum().unwrap_or(0.0),
            |a, b| *a += b,
            |a| a,
        )
    }

    /// Number of non-null values.
    pub fn count(&self) -> Delayed<u64> {
        self.reduce(
            "count",
            0u64,
            |a, ca| *a += (ca.len() - ca.null_count()) as u64,
            |a, b| *a += b,
            |a| a,
        )
    }

    fn moments(&self, label: &'static str, finish: fn(Moments) -> f64) -> Delayed<f64> {
        self.reduce(
            label,
            Moments::default(),
            |a, ca| {
                let n = (ca.len() - ca.null_count()) as f64;
                if n > 0.0 {
                    let mean = ca.mean().unwrap_or(0.0);
                    let m2 = ca.var(0).unwrap_or(0.0) * n;
                    a.merge(&Moments { n, mean, m2 });
                }
            },
            |a, b| a.merge(b),
            finish,
        )
    }

    /// Mean of the non-null values (NaN when there are none).
    pub fn mean(&self) -> Delayed<f64> {
        self.moments("mean", |m| if m.n > 0.0 { m.mean } else { f64::NAN })
    }

    /// Sample variance (ddof 1, as pandas).
    pub fn var(&self) -> Delayed<f64> {
        self.moments("var", |m| {
            if m.n > 1.0 {
                m.m2 / (m.n - 1.0)
            } else {
                f64::NAN
            }
        })
    }

    /// Sample standard deviation (ddof 1, as pandas).
    pub fn std(&self) -> Delayed<f64> {
        self.moments("std", |m| {
            if m.n > 1.0 {
                (m.m2 / (m.n - 1.0)).sqrt()
            } else {
                f64::NAN
            }
        })
    }

    /// Number of distinct values, nulls not counted (as Dask's `nunique()`).
    pub fn n_unique(&self) -> Delayed<u64> {
        let name = self.name.clone();
        let name2 = self.name.clone();
        self.frame.consume(
            "n_unique",
            Some(BTreeSet::from([self.name.clone()])),
            |_| Ok(None::<Series>),
            move |acc, df| {
                let s = df
                    .column(&name)
                    .map_err(plan_error)?
                    .as_materialized_series()
                    .drop_nulls()
                    .unique()
                    .map_err(plan_error)?;
                *acc = Some(match acc.take() {
                    None => s,
                    Some(mut a) => {
                        a.append(&s).map_err(plan_error)?;
                        a.unique().map_err(plan_error)?
                    }
                });
                Ok(true)
            },
            // A merge that fails is kept and reported, not dropped from the count.
            |p| Ok(Ok::<_, String>(p)),
            |a, b| {
                *a = match (std::mem::replace(a, Ok(None)), b) {
                    (Err(e), _) => Err(e),
                    (_, Err(e)) => Err(e.clone()),
                    (x, Ok(None)) => x,
                    (Ok(None), Ok(y)) => Ok(y.clone()),
                    (Ok(Some(mut x)), Ok(Some(y))) => x
                        .append(y)
                        .and_then(|x| x.unique())
                        .map(Some)
                        .map_err(|e| e.to_string()),
                };
            },
            move |a| match a {
                Ok(s) => Ok(s.map_or(0, |s| s.len() as u64)),
                Err(e) => Err(Error::invalid(format!("n_unique of {name2:?}: {e}"))),
            },
        )
    }

    /// How often each value occurs, most frequent first (columns: the value, `count`).
    /// Nulls (and NaN) are not counted, as Dask's `value_counts()` and as
    /// [`n_unique`](Self::n_unique); `frame.groupby(&[name])?.value_counts()` counts them.
    ///
    /// ```
    /// use chunkwise::dataframe::DFrame;
    /// use polars::prelude::*;
    /// let df = df!("x" => [Some("a"), None, Some("b"), Some("a"), None]).unwrap();
    /// let vc = DFrame::from_polars(df, 2).unwrap().column("x").unwrap().value_counts().unwrap();
    /// let vc = vc.compute().unwrap();
    /// assert_eq!(vc.column("x").unwrap().str().unwrap().get(0), Some("a"));
    /// assert_eq!(vc.column("count").unwrap().i64().unwrap().to_vec(), [Some(2), Some(1)]);
    /// ```
    pub fn value_counts(&self) -> Result<Delayed<DataFrame>> {
        GroupBy::new(self.frame.clone(), vec![self.name.clone()])
            .dropna(true)?
            .value_counts()
    }
}

fn pick(a: &mut Option<f64>, b: Option<f64>, f: fn(f64, f64) -> f64) {
    if let Some(b) = b {
        *a = Some(a.map_or(b, |x| f(x, b)));
    }
}
