//! Estimates made while a plan is built, from a few rows read when the frame was opened
//! (a CSV scan's schema sample): how many rows the frame has and how many groups its
//! keys make, to size a group-by. They steer plans, never answers: a wrong
//! guess costs time or memory, not correctness.

use polars::prelude::*;

/// Rows kept from the files' samples at most, for all files together: enough to tell
/// 1e5 groups from 1e7, little to carry through each operation as the plan is built.
pub(crate) const SAMPLE_ROWS: usize = 50_000;

/// Rows of a frame's input, carried through its per-batch operations as they are
/// added, and the share of the frame's rows they stand for.
#[derive(Debug)]
pub(crate) struct Sample {
    rows: DataFrame,
    share: f64,
}

impl Sample {
    /// `rows`, standing for `share` (in `(0, 1]`) of the frame's rows.
    pub(crate) fn new(rows: DataFrame, share: f64) -> Sample {
        Sample {
            rows,
            share: share.clamp(f64::MIN_POSITIVE, 1.0),
        }
    }

    /// The sample after a per-batch operation (a filter keeps the share: the rows it
    /// drops are dropped from the whole in the same proportion); `None` when the
    /// operation fails on it.
    pub(crate) fn after(&self, op: &dyn Fn(LazyFrame) -> LazyFrame) -> Option<Sample> {
        let rows = op(self.rows.clone().lazy()).collect().ok()?;
        Some(Sample {
            rows,
            share: self.share,
        })
    }

    /// The frame's rows, estimated.
    pub(crate) fn rows(&self) -> f64 {
        self.rows.height() as f64 / self.share
    }

    /// The groups `keys` make in the frame, estimated ([`distinct`]); `None` with no
    /// rows or a key the sample lacks.
    pub(crate) fn groups(&self, keys: &[String]) -> Option<f64> {
        let n = self.rows.height();
        if n == 0 {
            return None;
        }
        let d = self
            .rows
            .select(keys.iter().map(String::as_str))
            .ok()?
            .unique_stable(None, UniqueKeepStrategy::Any, None)
            .ok()?
            .height();
        Some(distinct(n as f64, d as f64, self.rows()))
    }
}

/// The distinct values among `population` rows when `n` of them, drawn at random,
/// show `d`: the `D` for which `n` draws from `D` equally frequent values show `d` on
/// average, `D (1 - e^(-n/D)) = d`, kept between `d` and `population`. Right for
/// uniform keys (db-benchmark's), low for skewed ones, whose rare values a sample
/// misses; `n` distinct in `n` rows says every row may be its own group. (1e5 values
/// drawn 5e4 times show about 39 347 of them, and 39 347 seen gives back 1e5.)
pub(crate) fn distinct(n: f64, d: f64, population: f64) -> f64 {
    let population = population.max(n);
    if d >= n {
        return population;
    }
    let seen = |g: f64| g * -(-n / g).exp_m1();
    let (mut lo, mut hi) = (d.max(1.0), population);
    if seen(hi) <= d {
        return hi;
    }
    // `seen` grows with `g` (toward `n`): bisect on a log scale.
    for _ in 0..200 {
        let mid = (lo * hi).sqrt();
        if seen(mid) < d {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi / lo < 1.0 + 1e-9 {
            break;
        }
    }
    hi
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_inverts_the_uniform_draw() {
        for groups in [10.0, 1e3, 1e5, 3e6] {
            let n: f64 = 5e4;
            let d = groups * -(-n / groups).exp_m1();
            let est = distinct(n, d, 1e7);
            assert!((est / groups - 1.0).abs() < 1e-6, "{groups}: {est}");
        }
    }

    #[test]
    fn distinct_is_bounded_by_what_was_seen_and_the_population() {
        assert_eq!(distinct(100.0, 100.0, 1e6), 1e6);
        assert!((distinct(100.0, 1.0, 1e6) - 1.0).abs() < 1e-6);
        // Nearly all distinct: many groups, never past the population.
        assert_eq!(distinct(100.0, 99.0, 150.0), 150.0);
        assert!(distinct(1e4, 9990.0, 1e9) > 1e6);
    }

    #[test]
    fn groups_of_a_sample_of_uniform_keys() {
        // 20 000 rows standing for 1% of 2e6, keys 0..1000 cycled: 1000 groups.
        let k: Vec<i64> = (0..20_000).map(|i| i % 1000).collect();
        let s = Sample::new(df!("k" => k).unwrap(), 0.01);
        assert_eq!(s.rows(), 2e6);
        let g = s.groups(&["k".to_string()]).unwrap();
        assert!((g - 1000.0).abs() < 1.0, "{g}");
        // Every row distinct: as many groups as rows.
        let u: Vec<i64> = (0..20_000).collect();
        let s = Sample::new(df!("k" => u).unwrap(), 0.01);
        assert_eq!(s.groups(&["k".to_string()]), Some(2e6));
        // A filter keeps the share.
        let f = s.after(&|lf| lf.filter(col("k").lt(lit(10_000)))).unwrap();
        assert_eq!(f.rows(), 1e6);
        assert_eq!(s.groups(&["nope".to_string()]), None);
    }
}
