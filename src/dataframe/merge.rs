//! Joins of two frames (`DFrame::merge`, as Dask's `merge`), with polars' join kernels
//! per partition.
//!
//! Three shapes, chosen before the run: when one side is small (one partition, or
//! files under [`Merge::broadcast_limit`] on disk) it is gathered once and joined with
//! every partition of the other (a broadcast join, no shuffle); when both sides are
//! already hash-partitioned on their keys into the same number of partitions, bucket
//! `i` joins bucket `i`; otherwise the sides not yet partitioned that way are shuffled
//! on their keys first.

use std::collections::BTreeSet;
use std::sync::Arc;

use polars::prelude::*;

use super::DFrame;
use super::shuffle::{Link, PartitionFn, Partitioning, batches, only, per_partition, whole};
use crate::graph::Tokenizer;
use crate::scan::Needs;
use crate::{Error, Result};

/// Which rows a join keeps, as pandas' `how`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum How {
    /// Rows whose keys are on both sides.
    Inner,
    /// Every left row, with the right's columns null where no key matches.
    Left,
    /// Every right row.
    Right,
    /// Every row of both sides (pandas' `outer`).
    Outer,
    /// Left rows whose key is on the right, left columns only (each once).
    Semi,
    /// Left rows whose key is not on the right, left columns only.
    Anti,
}

/// What to join on and how, for [`DFrame::merge`].
///
/// ```
/// use chunkwise::dataframe::{How, Merge};
/// let m = Merge::on(&["id"]).how(How::Left).suffixes("_l", "_r");
/// let m2 = Merge::left_right(&["id"], &["key"]).broadcast(false);
/// # let _ = (m, m2);
/// ```
#[derive(Clone, Debug)]
pub struct Merge {
    left_on: Vec<String>,
    right_on: Vec<String>,
    how: How,
    suffixes: (String, String),
    broadcast: Option<bool>,
    broadcast_limit: u64,
    npartitions: Option<usize>,
}

/// Size on disk under which a side is broadcast, by default.
const BROADCAST_LIMIT: u64 = 64 << 20;

impl Merge {
    /// Join on columns of the same names on both sides (an inner join unless
    /// [`Merge::how`] says otherwise); the key columns appear once in the answer.
    pub fn on<S: AsRef<str>>(columns: &[S]) -> Merge {
        let cols: Vec<String> = columns.iter().map(|c| c.as_ref().to_string()).collect();
        Merge::left_right(&cols, &cols)
    }

    /// Join left columns `left_on` to right columns `right_on`, pairwise; both sides'
    /// key columns are kept when their names differ (as pandas).
    pub fn left_right<S: AsRef<str>, T: AsRef<str>>(left_on: &[S], right_on: &[T]) -> Merge {
        Merge {
            left_on: left_on.iter().map(|c| c.as_ref().to_string()).collect(),
            right_on: right_on.iter().map(|c| c.as_ref().to_string()).collect(),
            how: How::Inner,
            suffixes: ("_x".into(), "_y".into()),
            broadcast: None,
            broadcast_limit: BROADCAST_LIMIT,
            npartitions: None,
        }
    }

    /// Which rows to keep (default [`How::Inner`]).
    pub fn how(mut self, how: How) -> Merge {
        self.how = how;
        self
    }

    /// Added to the names of non-key columns found on both sides (default `_x`, `_y`).
    pub fn suffixes(mut self, left: &str, right: &str) -> Merge {
        self.suffixes = (left.into(), right.into());
        self
    }

    /// Broadcast the small side (`true`), never (`false`); by default a side is
    /// broadcast when it has one partition or its files are under the limit.
    pub fn broadcast(mut self, yes: bool) -> Merge {
        self.broadcast = Some(yes);
        self
    }

    /// Bytes on disk under which a side's files are broadcast (default 64 MiB).
    pub fn broadcast_limit(mut self, bytes: u64) -> Merge {
        self.broadcast_limit = bytes;
        self
    }

    /// Partitions of a shuffled join (default: the larger side's count, or one per
    /// 24 MiB of both sides' files when that is more).
    pub fn npartitions(mut self, n: usize) -> Merge {
        self.npartitions = Some(n.max(1));
        self
    }

    fn same_names(&self) -> bool {
        self.left_on == self.right_on
    }
}

/// A marker column for anti joins; no user frame has it.
const MATCHED: &str = "__chunkwise_matched";

/// Names on both sides that take suffixes: every shared name but keys joined by name.
fn clashes(left: &Schema, right: &Schema, m: &Merge) -> BTreeSet<String> {
    if matches!(m.how, How::Semi | How::Anti) {
        return BTreeSet::new(); // the answer has the left's columns only, as named
    }
    left.iter_names()
        .filter(|c| right.get(c.as_str()).is_some())
        .map(|c| c.to_string())
        .filter(|c| !(m.same_names() && m.left_on.contains(c)))
        .collect()
}

/// The columns of one side that a consumer of the answer reading `needs` reads: its
/// keys, and the columns whose (suffixed) names it reads.
fn side_needs(
    needs: &Needs,
    schema: &Schema,
    keys: &[String],
    suffix: &str,
    clash: &BTreeSet<String>,
) -> Needs {
    needs.as_ref().map(|n| {
        schema
            .iter_names()
            .map(|c| c.to_string())
            .filter(|c| {
                keys.contains(c)
                    || (clash.contains(c) && n.contains(&format!("{c}{suffix}")))
                    || (!clash.contains(c) && n.contains(c))
            })
            .collect()
    })
}

/// The join of two frames in memory: names in `clash` suffixed (those present: a side
/// may carry only the columns its consumers read), nulls matching nulls (as pandas),
/// semi and anti joins through the right's distinct keys. Row order is not kept (as
/// Dask's `merge`).
fn join_frames(
    l: &DataFrame,
    r: &DataFrame,
    m: &Merge,
    clash: &BTreeSet<String>,
) -> PolarsResult<DataFrame> {
    let (mut l, mut r) = (l.clone(), r.clone());
    let (mut left_on, mut right_on) = (m.left_on.clone(), m.right_on.clone());
    if matches!(m.how, How::Semi | How::Anti) {
        let mut keys = r.select(right_on.iter().map(|c| c.as_str()))?;
        keys = keys.unique_stable(None, UniqueKeepStrategy::Any, None)?;
        keys.with_column(Column::new_scalar(
            MATCHED.into(),
            Scalar::from(true),
            keys.height(),
        ))?;
        let names: Vec<PlSmallStr> = l.get_column_names_owned();
        let args = JoinArgs {
            nulls_equal: true,
            coalesce: JoinCoalesce::CoalesceColumns,
            ..JoinArgs::new(JoinType::Left)
        };
        let joined = l.join(&keys, &left_on, &right_on, args, None)?;
        let matched = joined.column(MATCHED)?.is_not_null();
        let keep = if m.how == How::Semi {
            matched
        } else {
            !matched
        };
        return joined.filter(&keep)?.select(names);
    }
    let same = m.same_names();
    for c in clash {
        let (lc, rc) = (
            format!("{c}{}", m.suffixes.0),
            format!("{c}{}", m.suffixes.1),
        );
        if l.schema().get(c.as_str()).is_some() {
            l.rename(c, lc.as_str().into())?;
        }
        if r.schema().get(c.as_str()).is_some() {
            r.rename(c, rc.as_str().into())?;
        }
        for k in left_on.iter_mut().filter(|k| *k == c) {
            *k = lc.clone();
        }
        for k in right_on.iter_mut().filter(|k| *k == c) {
            *k = rc.clone();
        }
    }
    let how = match m.how {
        How::Inner => JoinType::Inner,
        How::Left => JoinType::Left,
        How::Right => JoinType::Right,
        _ => JoinType::Full,
    };
    let args = JoinArgs {
        nulls_equal: true,
        coalesce: if same {
            JoinCoalesce::CoalesceColumns
        } else {
            JoinCoalesce::KeepColumns
        },
        ..JoinArgs::new(how)
    };
    let out = l.join(&r, &left_on, &right_on, args, None)?;
    if m.how != How::Right {
        return Ok(out);
    }
    // polars puts a right join's right columns first; pandas and Dask keep the left's
    // order, then the right's other columns, as for every other join.
    let order = l.get_column_names_owned().into_iter().chain(
        r.get_column_names_owned()
            .into_iter()
            .filter(|c| !(same && right_on.iter().any(|k| k == c.as_str()))),
    );
    out.select(order)
}

impl DFrame {
    /// Database-style join with `right` (as Dask's `merge`).
    ///
    /// ```
    /// use chunkwise::bag::Bag;
    /// use chunkwise::dataframe::{How, Merge};
    /// use polars::prelude::*;
    /// let schema = |v: &str| Schema::from_iter([Field::new("id".into(), DataType::Int64), Field::new(v.into(), DataType::Int64)]);
    /// let left = Bag::from_iter((0..20i64).map(|i| (i, i * 10)), 3)
    ///     .to_dataframe(schema("a"), |(i, a)| vec![AnyValue::Int64(*i), AnyValue::Int64(*a)]).unwrap();
    /// let right = Bag::from_iter((10..30i64).map(|i| (i, -i)), 2)
    ///     .to_dataframe(schema("b"), |(i, b)| vec![AnyValue::Int64(*i), AnyValue::Int64(*b)]).unwrap();
    /// let inner = left.merge(&right, Merge::on(&["id"]).broadcast(false)).unwrap();
    /// assert_eq!(inner.compute().unwrap().height(), 10);
    /// let outer = left.merge(&right, Merge::on(&["id"]).how(How::Outer)).unwrap();
    /// assert_eq!(outer.compute().unwrap().height(), 30);
    /// ```
    pub fn merge(&self, right: &DFrame, m: Merge) -> Result<DFrame> {
        if m.left_on.is_empty() || m.left_on.len() != m.right_on.len() {
            return Err(Error::invalid(format!(
                "merge: {} left keys and {} right keys",
                m.left_on.len(),
                m.right_on.len()
            )));
        }
        self.check_columns(&m.left_on.iter().cloned().collect(), "merge, left side")?;
        right.check_columns(&m.right_on.iter().cloned().collect(), "merge, right side")?;
        for (l, r) in m.left_on.iter().zip(&m.right_on) {
            let (lt, rt) = (&self.schema.get(l.as_str()), &right.schema.get(r.as_str()));
            if let (Some(lt), Some(rt)) = (lt, rt)
                && lt != rt
            {
                return Err(Error::invalid(format!(
                    "merge: key {l:?} is {lt} in {} but {r:?} is {rt} in {}; cast one side first",
                    self.origin(),
                    right.origin()
                )));
            }
        }
        for side in [&self.schema, &right.schema] {
            if side.get(MATCHED).is_some() {
                return Err(Error::invalid(format!(
                    "merge: a column is named {MATCHED}"
                )));
            }
        }
        let clash = Arc::new(clashes(&self.schema, &right.schema, &m));
        if let Some(c) = clash.iter().next()
            && m.suffixes.0 == m.suffixes.1
        {
            return Err(Error::invalid(format!(
                "merge: {c:?} is on both sides and the suffixes are the same ({:?}); \
                 choose two different ones",
                m.suffixes.0
            )));
        }
        for c in clash.iter() {
            for (name, suffix) in [(c, &m.suffixes.0), (c, &m.suffixes.1)] {
                let renamed = format!("{name}{suffix}");
                if !suffix.is_empty()
                    && (self.schema.get(&renamed).is_some() || right.schema.get(&renamed).is_some())
                {
                    return Err(Error::invalid(format!(
                        "merge: {c:?} is on both sides and its suffixed name {renamed:?} is \
                         taken already; choose other suffixes"
                    )));
                }
            }
        }
        let schema = super::on_no_rows("merge", || {
            join_frames(
                &DataFrame::empty_with_schema(&self.schema),
                &DataFrame::empty_with_schema(&right.schema),
                &m,
                &clash,
            )
        })?
        .schema()
        .clone();
        let token = Tokenizer::new("merge")
            .param(&format!("{m:?}"))
            .sequenced()
            .finish();
        let small = |f: &DFrame| {
            f.npartitions() <= 1
                || f.batches
                    .source_bytes()
                    .is_some_and(|b| b <= m.broadcast_limit)
        };
        // Which side may be broadcast: the other side's rows must each be joined once.
        let side = match m.how {
            How::Inner | How::Left | How::Semi | How::Anti => Some(false),
            How::Right => Some(true),
            How::Outer => None,
        };
        let broadcast_left = match (m.broadcast, side) {
            (Some(true), None) => {
                return Err(Error::invalid(
                    "merge: an outer join cannot broadcast a side; leave broadcast unset",
                ));
            }
            (Some(true), Some(left)) => Some(left),
            (None, Some(left)) if small(if left { self } else { right }) => Some(left),
            (None, Some(false)) if m.how == How::Inner && small(self) => Some(true),
            _ => None,
        };
        let m2 = m.clone();
        let clash2 = Arc::clone(&clash);
        let join: PartitionFn = {
            let (ls, rs) = (Arc::clone(&self.schema), Arc::clone(&right.schema));
            Arc::new(move |v| {
                let l = whole(&v[0], &ls)?;
                let r = whole(&v[1], &rs)?;
                let out = join_frames(&l, &r, &m2, &clash2)
                    .map_err(|e| Error::external("polars join", e))?;
                Ok(if out.height() > 0 {
                    vec![out]
                } else {
                    Vec::new()
                })
            })
        };
        // What the answer's consumers read, told to both sides' partition tasks.
        let tell = |l: Link, r: Link| -> Vec<Link> {
            let (ls, rs) = (Arc::clone(&self.schema), Arc::clone(&right.schema));
            let (m1, c1, m2, c2) = (m.clone(), Arc::clone(&clash), m.clone(), Arc::clone(&clash));
            vec![
                l.through(move |n| side_needs(n, &ls, &m1.left_on, &m1.suffixes.0, &c1)),
                r.through(move |n| side_needs(n, &rs, &m2.right_on, &m2.suffixes.1, &c2)),
            ]
        };
        let (lkeys, rkeys) = (only(&m.left_on), only(&m.right_on));
        if let Some(left_small) = broadcast_left {
            let (big, small) = if left_small {
                (right, self)
            } else {
                (self, right)
            };
            let (skeys, bkeys) = if left_small {
                (lkeys, rkeys)
            } else {
                (rkeys, lkeys)
            };
            let (whole, small_hook) = small.partition_nodes("merge-broadcast-input", token, skeys);
            let gathered = per_partition(
                "merge-broadcast",
                token,
                vec![whole],
                Arc::new(|v| Ok(v.iter().flat_map(|x| batches(x).to_vec()).collect())),
            )
            .remove(0);
            let (parts, big_hook) = big.partition_nodes("merge-input", token, bkeys);
            let links = if left_small {
                tell(small_hook, big_hook)
            } else {
                tell(big_hook, small_hook)
            };
            let inputs = parts
                .into_iter()
                .map(|p| {
                    if left_small {
                        vec![Arc::clone(&gathered), p]
                    } else {
                        vec![p, Arc::clone(&gathered)]
                    }
                })
                .collect();
            let nodes = per_partition("merge", token, inputs, join);
            // Rows stay in the big side's partitions.
            let partitioning = if left_small {
                Partitioning::Unknown
            } else {
                self.partitioning.after_change(&|c| schema.get(c).is_none())
            };
            let line = format!(
                "Join {:?} on {:?} = {:?}: the {} side broadcast to every partition of the other",
                m.how,
                m.left_on,
                m.right_on,
                if left_small { "left" } else { "right" }
            );
            return Ok(
                DFrame::from_partition_nodes(nodes, token, schema, partitioning, links)
                    .described(line, &[self, right]),
            );
        }
        // A side with known divisions on its key (`set_index`) keeps its partitions and
        // the other side is moved onto them; else both are hash-partitioned alike.
        let ranged = match (&m.left_on[..], &m.right_on[..], m.npartitions) {
            ([lk], [rk], None) => self
                .divisions_on(lk)
                .or(right.divisions_on(rk))
                .map(|d| (lk, rk, d.clone())),
            _ => None,
        };
        let (l, r, n, placed) = match ranged {
            Some((lk, rk, d)) => (
                self.on_divisions(lk, &d.0, false)?,
                right.on_divisions(rk, &d.0, false)?,
                d.npartitions(),
                Partitioning::Range {
                    by: lk.clone(),
                    divisions: d,
                },
            ),
            None => {
                let n = match (&self.partitioning, &right.partitioning, m.npartitions) {
                    (_, _, Some(n)) => n,
                    (Partitioning::Hash { keys, n }, _, _) if *keys == m.left_on => *n,
                    (_, Partitioning::Hash { keys, n }, _) if *keys == m.right_on => *n,
                    _ => super::shuffle::partitions_by_size(&[self, right]),
                };
                let keys = m.left_on.clone();
                (
                    self.hash_partitioned(&m.left_on, n),
                    right.hash_partitioned(&m.right_on, n),
                    n,
                    Partitioning::Hash { keys, n },
                )
            }
        };
        let (lp, lh) = l.partition_nodes("merge-left", token, lkeys);
        let (rp, rh) = r.partition_nodes("merge-right", token, rkeys);
        let links = tell(lh, rh);
        let inputs = lp.into_iter().zip(rp).map(|(a, b)| vec![a, b]).collect();
        let nodes = per_partition("merge", token, inputs, join);
        // The answer keeps the left keys' values (coalesced with the right's when named
        // alike), so it stays partitioned on them where they are still there.
        let partitioning = match m.how {
            How::Right | How::Outer if !m.same_names() => Partitioning::Unknown,
            _ => placed.after_change(&|c| schema.get(c).is_none()),
        };
        let moved = |a: &Partitioning, b: &Partitioning| a != b;
        let line = format!(
            "Join {:?} on {:?} = {:?}: partition i with partition i of {n}{}",
            m.how,
            m.left_on,
            m.right_on,
            match (
                moved(&self.partitioning, &l.partitioning),
                moved(&right.partitioning, &r.partitioning)
            ) {
                (true, true) => " (both sides shuffled)",
                (true, false) => " (left side shuffled)",
                (false, true) => " (right side shuffled)",
                (false, false) => " (no shuffle: both already partitioned on the keys)",
            }
        );
        Ok(
            DFrame::from_partition_nodes(nodes, token, schema, partitioning, links)
                .described(line, &[&l, &r]),
        )
    }
}
