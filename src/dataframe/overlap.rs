//! Partitions with their neighbours' rows ([`DFrame::map_overlap`], Dask's): a function
//! of each partition that needs rows before or after it (a shift, a difference, a
//! rolling window) sees the last `before` rows of the partitions before it and the
//! first `after` rows of those after it, and its answer is cut back to the
//! partition's own rows.
//!
//! The rows before partition `i` are a chain of small tasks: the last `before` rows
//! of (the rows before `i - 1`, then the tail of `i - 1`), so a partition shorter than
//! the overlap, or empty, passes on rows from further back; the rows after run the
//! same chain backwards. No task holds more than a partition and its overlaps, but
//! a partition waits, held, until the rows it lends and is lent are known: with rows
//! before only, until the partitions before it are read (in order, a few at a time);
//! with rows after, until every partition after it is read, so the whole frame is held
//! (or spilled under a memory budget) before the first answer.

use std::sync::Arc;

use polars::prelude::*;

use super::shuffle::{per_partition_at, schema_checked, whole};
use super::{DFrame, concat, on_no_rows};
use crate::graph::{Key, Node, Tokenizer, Value};
use crate::{Error, Result};

/// The edge of a frame an overlap takes rows from.
#[derive(Clone, Copy)]
enum Edge {
    /// The last rows (what the next partition sees before it).
    Tail,
    /// The first rows (what the previous partition sees after it).
    Head,
}

impl Edge {
    fn cut(self, df: &DataFrame, n: usize) -> DataFrame {
        match self {
            Edge::Tail => df.tail(Some(n)),
            Edge::Head => df.head(Some(n)),
        }
    }
}

impl DFrame {
    /// `f` applied to each partition with the last `before` rows of the partitions
    /// before it prepended and the first `after` rows of those after it appended (as
    /// Dask's `map_overlap` with row counts), its answer cut back to the partition's own
    /// rows: so a shift, a difference or a rolling window over the frame's order gives
    /// across partition boundaries what it gives on the whole frame, as long as it looks
    /// no further than the overlap. `f` must keep its input's rows (one answer row per
    /// input row, in order); the schema of the answer is `f` of an empty frame. With
    /// `after > 0` the whole frame is read before the first answer (see the module's
    /// notes): rows before are the cheap direction.
    ///
    /// ```
    /// use chunkwise::dataframe::DFrame;
    /// use polars::prelude::*;
    /// let df = df!("v" => [1i64, 4, 9, 16, 25, 36]).unwrap();
    /// let f = DFrame::from_polars(df.clone(), 3).unwrap();
    /// let step = |d: DataFrame| {
    ///     d.lazy().with_columns([(col("v") - col("v").shift(lit(1))).alias("step")]).collect()
    /// };
    /// let out = f.map_overlap(step, 1, 0).unwrap().compute().unwrap();
    /// assert_eq!(
    ///     out.column("step").unwrap().i64().unwrap().to_vec(),
    ///     [None, Some(3), Some(5), Some(7), Some(9), Some(11)]
    /// );
    /// ```
    pub fn map_overlap<F>(&self, f: F, before: usize, after: usize) -> Result<DFrame>
    where
        F: Fn(DataFrame) -> PolarsResult<DataFrame> + Send + Sync + 'static,
    {
        let out = on_no_rows(
            "map_overlap (the function, run on no rows for the schema)",
            || f(DataFrame::empty_with_schema(&self.schema)),
        )?;
        self.overlapped(f, out.schema().clone(), before, after)
    }

    /// [`map_overlap`](Self::map_overlap) with the answer's schema given (Dask's
    /// `meta=`), for a function that cannot run on no rows.
    pub fn map_overlap_with_schema<F>(
        &self,
        f: F,
        schema: Schema,
        before: usize,
        after: usize,
    ) -> Result<DFrame>
    where
        F: Fn(DataFrame) -> PolarsResult<DataFrame> + Send + Sync + 'static,
    {
        self.overlapped(f, Arc::new(schema), before, after)
    }

    fn overlapped<F>(&self, f: F, schema: SchemaRef, before: usize, after: usize) -> Result<DFrame>
    where
        F: Fn(DataFrame) -> PolarsResult<DataFrame> + Send + Sync + 'static,
    {
        let token = Tokenizer::new("map_overlap")
            .param(&before)
            .param(&after)
            .sequenced()
            .finish();
        let (parts, _) = self.partition_nodes("map_overlap-input", token, None);
        let input = Arc::clone(&self.schema);
        let befores = neighbours(&parts, &input, token, Edge::Tail, before);
        let afters = neighbours(&parts, &input, token, Edge::Head, after);
        let inputs = parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut deps = vec![Arc::clone(p)];
                deps.extend(befores[i].iter().cloned());
                deps.extend(afters[i].iter().cloned());
                deps
            })
            .collect();
        let (has_before, has_after): (Vec<bool>, Vec<bool>) = (0..parts.len())
            .map(|i| (befores[i].is_some(), afters[i].is_some()))
            .unzip();
        let out_schema = Arc::clone(&schema);
        let nodes = per_partition_at(
            "map_overlap",
            token,
            inputs,
            Arc::new(move |i, v| {
                let own = whole(&v[0], &input)?;
                let mut at = 1;
                let mut take = |yes: bool| {
                    let got = yes.then(|| one(&v[at]));
                    at += usize::from(yes);
                    got
                };
                let (pre, post) = (take(has_before[i]), take(has_after[i]));
                let (b, h) = (pre.map_or(0, |d| d.height()), own.height());
                let frames: Vec<DataFrame> = pre
                    .into_iter()
                    .cloned()
                    .chain([own])
                    .chain(post.cloned())
                    .collect();
                let rows = frames.iter().map(|d| d.height()).sum::<usize>();
                let out =
                    f(concat(frames, &input)?).map_err(|e| Error::external("map_overlap", e))?;
                if out.height() != rows {
                    return Err(Error::invalid(format!(
                        "map_overlap: the function gave {} rows for the {rows} of partition {i} \
                         with its overlaps; it must keep its input's rows",
                        out.height()
                    )));
                }
                Ok(vec![schema_checked(
                    out.slice(b as i64, h),
                    &out_schema,
                    "map_overlap",
                    "on no rows",
                )?])
            }),
        );
        Ok(
            DFrame::from_partition_nodes(nodes, token, schema, Default::default(), Vec::new())
                .described(
                    format!("MapOverlap with {before} rows before and {after} after"),
                    &[self],
                ),
        )
    }
}

/// The frame a chain task holds.
pub(crate) fn one(v: &Value) -> &DataFrame {
    v.downcast_ref::<DataFrame>()
        .expect("overlap tasks hold a DataFrame")
}

/// For each partition, the task holding the `n` rows next to it on the side `edge`
/// takes them from (the tails of the partitions before it, or the heads of those after
/// it), or `None` where there are none to take (`n` is 0, or no partition is there).
fn neighbours(
    parts: &[Arc<Node>],
    schema: &SchemaRef,
    token: u64,
    edge: Edge,
    n: usize,
) -> Vec<Option<Arc<Node>>> {
    if n == 0 {
        return vec![None; parts.len()];
    }
    let labels = match edge {
        Edge::Tail => ["map_overlap-tail", "map_overlap-before"],
        Edge::Head => ["map_overlap-head", "map_overlap-after"],
    };
    let (s1, s2) = (Arc::clone(schema), Arc::clone(schema));
    chain(
        parts,
        token,
        labels,
        matches!(edge, Edge::Tail),
        Arc::new(move |part| Ok(edge.cut(&whole(part, &s1)?, n))),
        // The rows next to a partition: the edge of the one beside it, filled up from
        // what that one had next to it when it is shorter than `n`.
        Arc::new(move |prev, rows| {
            let joined = match edge {
                Edge::Tail => concat(vec![prev.clone(), rows.clone()], &s2)?,
                Edge::Head => concat(vec![rows.clone(), prev.clone()], &s2)?,
            };
            Ok(edge.cut(&joined, n))
        }),
    )
}

/// What a partition gives the chain, from its task's value.
pub(crate) type Give = Arc<dyn Fn(&Value) -> Result<DataFrame> + Send + Sync>;
/// What the chain carries past a partition: from what it carried to that partition
/// and what the partition gave.
pub(crate) type Carry = Arc<dyn Fn(&DataFrame, &DataFrame) -> Result<DataFrame> + Send + Sync>;

/// A chain of small tasks along the partitions (`forward`: from the first to the last,
/// else back): for each partition, the task holding what the partitions before it
/// (in the chain's direction) `give`, folded by `carry`, or `None` for the first. Keys:
/// `labels[0]` for the gifts, `labels[1]` for the folds, with `token`.
pub(crate) fn chain(
    parts: &[Arc<Node>],
    token: u64,
    labels: [&'static str; 2],
    forward: bool,
    give: Give,
    carry: Carry,
) -> Vec<Option<Arc<Node>>> {
    let mut out = vec![None; parts.len()];
    let layer = |l: &'static str| Tokenizer::new(l).param(&token).finish();
    let (give_token, carry_token) = (layer(labels[0]), layer(labels[1]));
    let order: Vec<usize> = if forward {
        (0..parts.len()).collect()
    } else {
        (0..parts.len()).rev().collect()
    };
    let mut carried: Option<Arc<Node>> = None;
    for w in order.windows(2) {
        let (from, to) = (w[0], w[1]);
        let give = Arc::clone(&give);
        let mut gift = Node::new(
            Key::new(labels[0], give_token, from as u64),
            vec![Arc::clone(&parts[from])],
            Box::new(move |v| Ok(Arc::new(give(&v[0])?) as Value)),
        );
        gift.codec = crate::encode::codec_for::<DataFrame>();
        let gift = Arc::new(gift);
        let next = match carried.take() {
            None => gift,
            Some(prev) => {
                let carry = Arc::clone(&carry);
                let mut node = Node::new(
                    Key::new(labels[1], carry_token, to as u64),
                    vec![prev, gift],
                    Box::new(move |v| Ok(Arc::new(carry(one(&v[0]), one(&v[1]))?) as Value)),
                );
                node.codec = crate::encode::codec_for::<DataFrame>();
                Arc::new(node)
            }
        };
        out[to] = Some(Arc::clone(&next));
        carried = Some(next);
    }
    out
}
