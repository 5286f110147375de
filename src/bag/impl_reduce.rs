//! Reductions of a bag: each one a consumer of the root's single scan, combined by a tree.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hash::Hash;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Bag, Sink};
use crate::graph::{Tokenizer, Value};
use crate::io::{Compression, Replaces};
use crate::scan::{Start, bucket_nodes, gather_buckets, reduce_tree};
use crate::{Delayed, Error, Result};

const SPLIT_EVERY: usize = 8;

impl<T: ?Sized + 'static> Bag<T> {
    /// The general reduction: per partition, `init` then `step` on each item (return
    /// `false` to stop reading the partition), `part` to the partial; partials `combine`
    /// in a tree, `finish` makes the result.
    pub(crate) fn consume<P, A, R>(
        &self,
        label: &'static str,
        init: impl Fn(usize) -> Result<P> + Send + Sync + 'static,
        step: impl Fn(&mut P, &T) -> Result<bool> + Send + Sync + 'static,
        part: impl Fn(P) -> Result<A> + Send + Sync + 'static,
        combine: impl Fn(&mut A, &A) + Send + Sync + 'static,
        finish: impl Fn(A) -> Result<R> + Send + Sync + 'static,
    ) -> Delayed<R>
    where
        P: 'static,
        A: Clone + Send + Sync + 'static,
        R: Send + Sync + 'static,
    {
        self.consume_needs(label, None, init, step, part, combine, finish)
    }

    /// As `consume`, reading only the `needs` columns of a table source.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn consume_needs<P, A, R>(
        &self,
        label: &'static str,
        needs: crate::scan::Needs,
        init: impl Fn(usize) -> Result<P> + Send + Sync + 'static,
        step: impl Fn(&mut P, &T) -> Result<bool> + Send + Sync + 'static,
        part: impl Fn(P) -> Result<A> + Send + Sync + 'static,
        combine: impl Fn(&mut A, &A) + Send + Sync + 'static,
        finish: impl Fn(A) -> Result<R> + Send + Sync + 'static,
    ) -> Delayed<R>
    where
        P: 'static,
        A: Clone + Send + Sync + 'static,
        R: Send + Sync + 'static,
    {
        let consumer = self.register(needs, init, step, part);
        Delayed::from_arc(reduce_tree(
            &self.root,
            consumer,
            label,
            SPLIT_EVERY,
            Arc::new(combine),
            Arc::new(finish),
        ))
    }

    /// As `consume_needs` for partials split into `buckets` parts (`part` returns one
    /// per bucket): each bucket is combined in its own tree and finished
    /// (`finish_bucket`) in a task of its own, the tasks left as the partitions of a
    /// bag or frame partitioned by the buckets (or gathered by `gather_buckets`).
    /// Returns the reduction's token, the tasks and the consumer they keep alive.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn consume_bucket_nodes<P, A, R>(
        &self,
        label: &'static str,
        needs: crate::scan::Needs,
        buckets: usize,
        init: impl Fn(usize) -> Result<P> + Send + Sync + 'static,
        step: impl Fn(&mut P, &T) -> Result<bool> + Send + Sync + 'static,
        part: impl Fn(P) -> Result<Vec<A>> + Send + Sync + 'static,
        combine: impl Fn(&mut A, &A) + Send + Sync + 'static,
        finish_bucket: impl Fn(A) -> Result<R> + Send + Sync + 'static,
    ) -> (
        u64,
        Vec<Arc<crate::graph::Node>>,
        Arc<crate::scan::Consumer>,
    )
    where
        P: 'static,
        A: Clone + Send + Sync + 'static,
        R: Send + Sync + 'static,
    {
        let consumer = self.register(needs, init, step, part);
        let (token, tops) = bucket_nodes(
            &self.root,
            &consumer,
            label,
            SPLIT_EVERY,
            buckets,
            Arc::new(combine),
            Arc::new(finish_bucket),
        );
        (token, tops, consumer)
    }

    /// A consumer of the root: per partition `init`, `step` on each item of this bag
    /// (through its chain of steps), `part` once the partition is through.
    fn register<P, A>(
        &self,
        needs: crate::scan::Needs,
        init: impl Fn(usize) -> Result<P> + Send + Sync + 'static,
        step: impl Fn(&mut P, &T) -> Result<bool> + Send + Sync + 'static,
        part: impl Fn(P) -> Result<A> + Send + Sync + 'static,
    ) -> Arc<crate::scan::Consumer>
    where
        P: 'static,
        A: Send + Sync + 'static,
    {
        let wrap = Arc::clone(&self.wrap);
        let (init, step, part) = (Arc::new(init), Arc::new(step), Arc::new(part));
        let start: Box<Start> = Box::new(move |p| {
            let acc = Rc::new(RefCell::new(Some(init(p)?)));
            let (a2, step, part) = (Rc::clone(&acc), Arc::clone(&step), Arc::clone(&part));
            let sink: Sink<T> = Box::new(move |t: &T| {
                let mut a = a2.borrow_mut();
                step(
                    a.as_mut()
                        .expect("the accumulator lives until the partition ends"),
                    t,
                )
            });
            let fin = Box::new(move || {
                let p = acc.borrow_mut().take().expect("finished once");
                Ok(Arc::new(part(p)?) as Value)
            });
            Ok((wrap(sink), fin as Box<dyn FnOnce() -> Result<Value>>))
        });
        let held = crate::encode::codec_for::<A>().map(|c| c.held_bytes);
        self.root.register(start, needs, held)
    }

    /// Folds each partition from `init` with `step`, then combines partials with
    /// `combine` in a tree (as `Bag.fold(binop, combine, initial)`).
    pub fn fold<A, F, C>(&self, init: A, step: F, combine: C) -> Delayed<A>
    where
        A: Clone + Send + Sync + 'static,
        F: Fn(&mut A, &T) + Send + Sync + 'static,
        C: Fn(&mut A, &A) + Send + Sync + 'static,
    {
        self.consume(
            "fold",
            move |_| Ok(init.clone()),
            move |a, t| {
                step(a, t);
                Ok(true)
            },
            Ok,
            combine,
            Ok,
        )
    }

    /// Number of items.
    pub fn count(&self) -> Delayed<u64> {
        self.consume(
            "count",
            |_| Ok(0u64),
            |n, _| {
                *n += 1;
                Ok(true)
            },
            Ok,
            |a, b| *a += b,
            Ok,
        )
    }

    /// Per key, `step` folded from `init` over the items with that key, partials combined
    /// with `combine`; sorted by key (as `Bag.foldby`). The answer is gathered in one
    /// task: for many keys, [`foldby_partitioned`](Self::foldby_partitioned) leaves it
    /// spread over a bag.
    pub fn foldby<K, A, KF, F, C>(
        &self,
        key: KF,
        init: A,
        step: F,
        combine: C,
    ) -> Delayed<Vec<(K, A)>>
    where
        K: Hash + Eq + Ord + Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
        A: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
        KF: Fn(&T) -> K + Send + Sync + 'static,
        F: Fn(&mut A, &T) + Send + Sync + 'static,
        C: Fn(&mut A, &A) + Send + Sync + 'static,
    {
        let keyed = self.folded_by(key, init, step, combine, self.buckets());
        gathered("foldby", keyed, |x, y| x.0.cmp(&y.0))
    }

    /// [`foldby`](Self::foldby) with the answer left as a bag of `npartitions`
    /// partitions (default: as many as now), each holding the keys of one hash bucket in
    /// no set order: each partition's partial map is cut by key and every bucket merged
    /// in its own tree, so no task holds every key (the shuffle with a combine on each
    /// side; Dask's `foldby` ends in one partition).
    ///
    /// ```
    /// use chunkwise::bag::Bag;
    /// let b = Bag::from_iter(0..10_000u64, 8);
    /// let sums = b.foldby_partitioned(|x| x % 1000, 0u64, |a, x| *a += x, |a, b| *a += b, Some(4));
    /// assert_eq!(sums.npartitions(), 4);
    /// let mut all = sums.compute().unwrap();
    /// all.sort();
    /// assert_eq!(all.len(), 1000);
    /// assert_eq!(all[1], (1, (0..10).map(|i| 1 + 1000 * i).sum()));
    /// ```
    pub fn foldby_partitioned<K, A, KF, F, C>(
        &self,
        key: KF,
        init: A,
        step: F,
        combine: C,
        npartitions: Option<usize>,
    ) -> Bag<(K, A)>
    where
        K: Hash + Eq + Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
        A: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
        KF: Fn(&T) -> K + Send + Sync + 'static,
        F: Fn(&mut A, &T) + Send + Sync + 'static,
        C: Fn(&mut A, &A) + Send + Sync + 'static,
    {
        let n = npartitions.unwrap_or(self.npartitions()).max(1);
        partitioned(self.folded_by(key, init, step, combine, n))
    }

    fn folded_by<K, A, KF, F, C>(
        &self,
        key: KF,
        init: A,
        step: F,
        combine: C,
        buckets: usize,
    ) -> Keyed<(K, A)>
    where
        K: Hash + Eq + Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
        A: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
        KF: Fn(&T) -> K + Send + Sync + 'static,
        F: Fn(&mut A, &T) + Send + Sync + 'static,
        C: Fn(&mut A, &A) + Send + Sync + 'static,
    {
        self.keyed(
            "foldby",
            buckets,
            move |m: &mut HashMap<K, A>, t| {
                step(m.entry(key(t)).or_insert_with(|| init.clone()), t)
            },
            combine,
            |m| m.into_iter().collect(),
        )
    }

    /// The keyed reductions' common part: per partition a map from key to accumulator
    /// (`step` adds an item), cut into `buckets` by a hash of the key; each bucket's
    /// maps merged by key (`combine`) in a tree of its own and `finish`ed into its items.
    fn keyed<K, A, U>(
        &self,
        label: &'static str,
        buckets: usize,
        step: impl Fn(&mut HashMap<K, A>, &T) + Send + Sync + 'static,
        combine: impl Fn(&mut A, &A) + Send + Sync + 'static,
        finish: impl Fn(HashMap<K, A>) -> Vec<U> + Send + Sync + 'static,
    ) -> Keyed<U>
    where
        K: Hash + Eq + Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
        A: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
        U: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
    {
        keyed_codecs::<K, A>();
        crate::encode::register_serde::<Vec<U>>();
        let (token, nodes, consumer) = self.consume_bucket_nodes(
            label,
            None,
            buckets,
            |_| Ok(HashMap::new()),
            move |m, t| {
                step(m, t);
                Ok(true)
            },
            move |m| Ok(split_by_key(m, buckets)),
            move |a: &mut HashMap<K, A>, b| {
                for (k, v) in b {
                    match a.get_mut(k) {
                        Some(x) => combine(x, v),
                        None => {
                            a.insert(k.clone(), v.clone());
                        }
                    }
                }
            },
            move |m| Ok(finish(m)),
        );
        Keyed {
            label,
            token,
            nodes,
            consumer,
            _type: std::marker::PhantomData,
        }
    }

    /// Buckets of a keyed reduction: one per partition, up to 16, so that no task
    /// combines every key (the last one gathers the answer).
    fn buckets(&self) -> usize {
        self.npartitions().clamp(1, 16)
    }
}

/// A keyed reduction's buckets, each a task finishing a `Vec<U>`, and the consumer
/// of the scan that feeds them.
struct Keyed<U> {
    label: &'static str,
    token: u64,
    nodes: Vec<Arc<crate::graph::Node>>,
    consumer: Arc<crate::scan::Consumer>,
    _type: std::marker::PhantomData<fn() -> U>,
}

/// The buckets gathered into one sorted `Vec` by one task.
fn gathered<U: Clone + Send + Sync + 'static>(
    label: &'static str,
    k: Keyed<U>,
    order: impl Fn(&U, &U) -> std::cmp::Ordering + Send + Sync + 'static,
) -> Delayed<Vec<U>> {
    Delayed::from_arc(gather_buckets(
        label,
        k.token,
        k.consumer,
        k.nodes,
        move |buckets: Vec<Vec<U>>| {
            let mut v = buckets.concat();
            v.sort_by(&order);
            Ok(v)
        },
    ))
}

/// The buckets as the partitions of a bag.
fn partitioned<U: Send + Sync + 'static>(k: Keyed<U>) -> Bag<U> {
    Bag::from_partition_nodes(k.nodes, k.label, k.token)
}

/// Codecs of a keyed reduction's partials (a map of each bucket, its finished pairs), so
/// they spill and cross MPI ranks.
fn keyed_codecs<K, A>()
where
    K: Hash + Eq + Serialize + DeserializeOwned + Send + Sync + 'static,
    A: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    crate::encode::register_serde::<HashMap<K, A>>();
    // A partition's partial: its maps by bucket.
    crate::encode::register_serde::<Vec<HashMap<K, A>>>();
    crate::encode::register_serde::<Vec<(K, A)>>();
    crate::encode::register_serde::<Vec<K>>();
}

/// A partition's keyed partial cut into `n` buckets by a fixed-seed hash of the key
/// (the same on every rank and run), so equal keys of every partition meet in one bucket.
fn split_by_key<K: Hash + Eq, V>(m: HashMap<K, V>, n: usize) -> Vec<HashMap<K, V>> {
    if n == 1 {
        return vec![m];
    }
    let mut out: Vec<HashMap<K, V>> = (0..n).map(|_| HashMap::new()).collect();
    for (k, v) in m {
        let b = crate::scan::exchange::bucket_of(&k, n);
        out[b].insert(k, v);
    }
    out
}

impl<T> Bag<T>
where
    T: ?Sized + ToOwned + 'static,
    T::Owned: Send + Sync + 'static,
{
    /// All items, in partition order.
    pub fn collect(&self) -> Delayed<Vec<T::Owned>>
    where
        T::Owned: Clone,
    {
        self.consume(
            "collect",
            |_| Ok(Vec::new()),
            |v, t| {
                v.push(t.to_owned());
                Ok(true)
            },
            Ok,
            |a: &mut Vec<T::Owned>, b| a.extend(b.iter().cloned()),
            Ok,
        )
    }

    /// Computes all items with the default configuration.
    pub fn compute(&self) -> Result<Vec<T::Owned>>
    where
        T::Owned: Clone,
    {
        self.collect().compute()
    }

    /// The first `n` items, computed now. Each partition stops reading after `n` items.
    pub fn take(&self, n: usize) -> Result<Vec<T::Owned>>
    where
        T::Owned: Clone,
    {
        self.consume(
            "take",
            |_| Ok(Vec::new()),
            move |v, t| {
                if v.len() < n {
                    v.push(t.to_owned());
                }
                Ok(v.len() < n)
            },
            Ok,
            move |a: &mut Vec<T::Owned>, b| {
                let room = n.saturating_sub(a.len());
                a.extend(b.iter().take(room).cloned());
            },
            Ok,
        )
        .compute()
    }

    /// How often each distinct item occurs, most frequent first (ties by item).
    pub fn frequencies(&self) -> Delayed<Vec<(T::Owned, u64)>>
    where
        T::Owned: Hash + Eq + Ord + Clone + Serialize + DeserializeOwned + Borrow<T>,
        T: Hash + Eq,
    {
        gathered("frequencies", self.counted(self.buckets()), |x, y| {
            y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0))
        })
    }

    /// [`frequencies`](Self::frequencies) left as a bag of `npartitions` partitions
    /// (default: as many as now), each holding the items of one hash bucket with their
    /// counts, in no set order, so no task holds every distinct item (see
    /// [`foldby_partitioned`](Self::foldby_partitioned)).
    ///
    /// ```
    /// use chunkwise::bag::Bag;
    /// let words = Bag::from_iter(["a", "b", "a", "c", "a"].map(String::from), 2);
    /// let f = words.frequencies_partitioned(Some(3));
    /// let mut all = f.compute().unwrap();
    /// all.sort();
    /// assert_eq!(all, [("a".into(), 3), ("b".into(), 1), ("c".into(), 1)]);
    /// ```
    pub fn frequencies_partitioned(&self, npartitions: Option<usize>) -> Bag<(T::Owned, u64)>
    where
        T::Owned: Hash + Eq + Clone + Serialize + DeserializeOwned + Borrow<T>,
        T: Hash + Eq,
    {
        let n = npartitions.unwrap_or(self.npartitions()).max(1);
        partitioned(self.counted(n))
    }

    fn counted(&self, buckets: usize) -> Keyed<(T::Owned, u64)>
    where
        T::Owned: Hash + Eq + Clone + Serialize + DeserializeOwned + Borrow<T>,
        T: Hash + Eq,
    {
        self.keyed(
            "frequencies",
            buckets,
            |m: &mut HashMap<T::Owned, u64>, t| match m.get_mut(t) {
                Some(c) => *c += 1,
                None => {
                    m.insert(t.to_owned(), 1);
                }
            },
            |a, b| *a += b,
            |m| m.into_iter().collect(),
        )
    }

    /// The distinct items, sorted.
    pub fn distinct(&self) -> Delayed<Vec<T::Owned>>
    where
        T::Owned: Hash + Eq + Ord + Clone + Serialize + DeserializeOwned + Borrow<T>,
        T: Hash + Eq,
    {
        gathered("distinct", self.deduplicated(self.buckets()), Ord::cmp)
    }

    /// [`distinct`](Self::distinct) left as a bag of `npartitions` partitions (default:
    /// as many as now), each holding the distinct items of one hash bucket in no set
    /// order (Dask's `Bag.distinct`, without one task holding them all).
    ///
    /// ```
    /// use chunkwise::bag::Bag;
    /// let b = Bag::from_iter((0..1000u32).map(|x| x % 300), 4).distinct_partitioned(None);
    /// assert_eq!(b.npartitions(), 4);
    /// assert_eq!(b.count().compute().unwrap(), 300);
    /// ```
    pub fn distinct_partitioned(&self, npartitions: Option<usize>) -> Bag<T::Owned>
    where
        T::Owned: Hash + Eq + Clone + Serialize + DeserializeOwned + Borrow<T>,
        T: Hash + Eq,
    {
        let n = npartitions.unwrap_or(self.npartitions()).max(1);
        partitioned(self.deduplicated(n))
    }

    fn deduplicated(&self, buckets: usize) -> Keyed<T::Owned>
    where
        T::Owned: Hash + Eq + Clone + Serialize + DeserializeOwned + Borrow<T>,
        T: Hash + Eq,
    {
        self.keyed(
            "distinct",
            buckets,
            |s: &mut HashMap<T::Owned, ()>, t| {
                if !s.contains_key(t) {
                    s.insert(t.to_owned(), ());
                }
            },
            |_, _| {},
            |s| s.into_keys().collect(),
        )
    }

    /// The `k` largest items, largest first.
    pub fn topk(&self, k: usize) -> Delayed<Vec<T::Owned>>
    where
        T::Owned: Ord + Clone,
    {
        let keep = move |h: &mut BinaryHeap<Reverse<T::Owned>>| {
            while h.len() > k {
                h.pop();
            }
        };
        self.consume(
            "topk",
            |_| Ok(BinaryHeap::new()),
            move |h, t| {
                h.push(Reverse(t.to_owned()));
                keep(h);
                Ok(true)
            },
            Ok,
            move |a, b| {
                a.extend(b.iter().cloned());
                keep(a);
            },
            |h| Ok(h.into_sorted_vec().into_iter().map(|r| r.0).collect()),
        )
    }

    /// Applies `f` to each whole partition (materialised as a `Vec`), as
    /// `Bag.map_partitions`.
    pub fn map_partitions<U, F>(&self, f: F) -> Bag<U>
    where
        U: Send + Sync + 'static,
        T::Owned: Clone,
        F: Fn(Vec<T::Owned>) -> Vec<U> + Send + Sync + 'static,
    {
        let token = Tokenizer::new("map_partitions").sequenced().finish();
        let (nodes, _) =
            self.collect_partitions("map_partitions", token, None, move |items| Ok(f(items)));
        Bag::from_partition_nodes(nodes, "map_partitions", token)
    }

    /// One task per partition: its items gathered (reading the `needs` columns of the
    /// source) and passed through `f`. One consumer whose partials are taken straight
    /// from each scan task, not one consumer per partition (which would rescan). The
    /// consumer comes back too, to read more columns later (`Consumer::widen`).
    pub(crate) fn collect_partitions<U, F>(
        &self,
        label: &'static str,
        token: u64,
        needs: crate::scan::Needs,
        f: F,
    ) -> (Vec<Arc<crate::graph::Node>>, Arc<crate::scan::Consumer>)
    where
        U: Send + Sync + 'static,
        T::Owned: Clone,
        F: Fn(Vec<T::Owned>) -> Result<Vec<U>> + Send + Sync + 'static,
    {
        let wrap = Arc::clone(&self.wrap);
        let start: Box<Start> = Box::new(move |_| {
            let acc: Rc<RefCell<Vec<T::Owned>>> = Rc::new(RefCell::new(Vec::new()));
            let a2 = Rc::clone(&acc);
            let sink: Sink<T> = Box::new(move |t: &T| {
                a2.borrow_mut().push(t.to_owned());
                Ok(true)
            });
            let fin =
                Box::new(move || Ok(Arc::new(std::mem::take(&mut *acc.borrow_mut())) as Value));
            Ok((wrap(sink), fin as Box<dyn FnOnce() -> Result<Value>>))
        });
        self.partition_nodes(label, token, needs, start, f)
    }
}

impl<T: ?Sized + std::fmt::Display + 'static> Bag<T> {
    /// Writes one text file per partition, an item per line; `*` in the file name of
    /// `pattern` becomes the partition number, and the extension picks the compression
    /// (`.gz`, `.bz2`, `.zst`). Returns the paths written.
    ///
    /// The parts go into a directory of their own (`out` in `out/part-*.gz`), written
    /// under a hidden name and moved into place when every part is written, so the
    /// directory holds the old parts or all the new ones, never a mix or a part cut
    /// short; an existing directory is replaced only if every file in it matches the
    /// pattern.
    pub fn to_textfiles(&self, pattern: &str) -> Result<Delayed<Vec<PathBuf>>> {
        let path = Path::new(pattern);
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let Some((prefix, suffix)) = name.as_deref().and_then(|n| n.split_once('*')) else {
            return Err(Error::invalid(format!(
                "to_textfiles needs a `*` in the file name of {pattern:?} for the partition \
                 number"
            )));
        };
        let dir = path
            .parent()
            .filter(|d| d.file_name().is_some())
            .ok_or_else(|| {
                Error::invalid(format!(
                    "to_textfiles writes its parts into a directory of their own, replaced whole: \
                 give one, as in \"out/{prefix}*{suffix}\" (not {pattern:?})"
                ))
            })?;
        let staged = Arc::new(crate::cluster::staged_dir(
            dir,
            Replaces::DirMatching(prefix.to_string(), suffix.to_string()),
        )?);
        let tmp = staged.path().to_path_buf();
        let width = self.npartitions().saturating_sub(1).to_string().len();
        let (prefix, suffix) = (prefix.to_string(), suffix.to_string());
        type Out = (PathBuf, TextPart);
        Ok(self.consume(
            "to_textfiles",
            move |p| -> Result<Out> {
                // Made again if a second compute of this write runs after a commit.
                std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
                let path = tmp.join(format!("{prefix}{p:0width$}{suffix}"));
                let part = TextPart::create(&path).map_err(|e| Error::io(&path, e))?;
                Ok((path, part))
            },
            |(path, part): &mut Out, t| {
                writeln!(part.writer(), "{t}").map_err(|e| Error::io(path.clone(), e))?;
                Ok(true)
            },
            |(path, part): Out| {
                part.finish().map_err(|e| Error::io(&path, e))?;
                Ok(vec![path])
            },
            |a: &mut Vec<PathBuf>, b| a.extend(b.iter().cloned()),
            move |paths: Vec<PathBuf>| staged.commit_parts(&paths),
        ))
    }
}

/// A text part being written, compressed as its extension says. `finish` ends the
/// compressed stream, flushes and syncs the file, and returns what fails on the way (a
/// full disk at the last block): a part cut short is an error, never committed.
enum TextPart {
    Plain(std::io::BufWriter<std::fs::File>),
    Gzip(flate2::write::GzEncoder<std::io::BufWriter<std::fs::File>>),
    Bzip2(bzip2::write::BzEncoder<std::io::BufWriter<std::fs::File>>),
    Zstd(zstd::Encoder<'static, std::io::BufWriter<std::fs::File>>),
}

impl TextPart {
    fn create(path: &Path) -> std::io::Result<TextPart> {
        let w = std::io::BufWriter::new(std::fs::File::create(path)?);
        Ok(match Compression::from_path(path) {
            Compression::None => TextPart::Plain(w),
            Compression::Gzip => TextPart::Gzip(flate2::write::GzEncoder::new(
                w,
                flate2::Compression::default(),
            )),
            Compression::Bzip2 => TextPart::Bzip2(bzip2::write::BzEncoder::new(
                w,
                bzip2::Compression::default(),
            )),
            Compression::Zstd => TextPart::Zstd(zstd::Encoder::new(w, 3)?),
        })
    }

    fn writer(&mut self) -> &mut dyn Write {
        match self {
            TextPart::Plain(w) => w,
            TextPart::Gzip(w) => w,
            TextPart::Bzip2(w) => w,
            TextPart::Zstd(w) => w,
        }
    }

    fn finish(self) -> std::io::Result<()> {
        let w = match self {
            TextPart::Plain(w) => w,
            TextPart::Gzip(w) => w.finish()?,
            TextPart::Bzip2(w) => w.finish()?,
            TextPart::Zstd(w) => w.finish()?,
        };
        w.into_inner().map_err(|e| e.into_error())?.sync_all()
    }
}

impl<T> Bag<T>
where
    T: Copy + Send + Sync + 'static,
{
    /// Sum of the items.
    pub fn sum(&self) -> Delayed<T>
    where
        T: std::ops::Add<Output = T> + Default,
    {
        self.consume(
            "sum",
            |_| Ok(T::default()),
            |s, t| {
                *s = *s + *t;
                Ok(true)
            },
            Ok,
            |a, b| *a = *a + *b,
            Ok,
        )
    }

    /// Smallest item (`None` for an empty bag).
    pub fn min(&self) -> Delayed<Option<T>>
    where
        T: PartialOrd,
    {
        self.extremum("min", |x, y| x < y)
    }

    /// Largest item (`None` for an empty bag).
    pub fn max(&self) -> Delayed<Option<T>>
    where
        T: PartialOrd,
    {
        self.extremum("max", |x, y| x > y)
    }

    fn extremum(&self, label: &'static str, better: fn(&T, &T) -> bool) -> Delayed<Option<T>> {
        let pick = move |a: &mut Option<T>, t: &T| {
            if a.as_ref().is_none_or(|m| better(t, m)) {
                *a = Some(*t);
            }
        };
        self.consume(
            label,
            |_| Ok(None),
            move |a, t| {
                pick(a, t);
                Ok(true)
            },
            Ok,
            move |a, b| {
                if let Some(b) = b {
                    pick(a, b)
                }
            },
            Ok,
        )
    }

    /// Arithmetic mean (NaN for an empty bag).
    pub fn mean(&self) -> Delayed<f64>
    where
        T: Into<f64>,
    {
        self.consume(
            "mean",
            |_| Ok((0.0f64, 0u64)),
            |(s, n), t| {
                *s += (*t).into();
                *n += 1;
                Ok(true)
            },
            Ok,
            |a, b| {
                a.0 += b.0;
                a.1 += b.1;
            },
            |(s, n)| Ok(if n == 0 { f64::NAN } else { s / n as f64 }),
        )
    }
}

impl<T: ?Sized + 'static> Bag<T> {
    /// One task per partition that takes a consumer's whole partial `P` straight from the
    /// partition's scan and turns it into the items of a new partition (for
    /// `map_partitions` and `to_dataframe`): no rescans, no tree.
    pub(crate) fn partition_nodes<P, U>(
        &self,
        label: &'static str,
        token: u64,
        needs: crate::scan::Needs,
        start: Box<Start>,
        f: impl Fn(P) -> Result<Vec<U>> + Send + Sync + 'static,
    ) -> (Vec<Arc<crate::graph::Node>>, Arc<crate::scan::Consumer>)
    where
        P: Clone + 'static,
        U: Send + Sync + 'static,
    {
        let f = Arc::new(f);
        let held = crate::encode::codec_for::<P>().map(|c| c.held_bytes);
        let consumer = self.root.register(start, needs, held);
        let nodes: Vec<Arc<crate::graph::Node>> = self
            .root
            .scan_nodes()
            .into_iter()
            .enumerate()
            .map(|(p, scan)| {
                let (f, consumer) = (Arc::clone(&f), Arc::clone(&consumer));
                let key = crate::graph::Key::new(label, token, p as u64);
                let mut node = crate::graph::Node::new(
                    key,
                    vec![scan],
                    Box::new(move |v| {
                        let out = v[0]
                            .downcast_ref::<crate::scan::ScanOutput>()
                            .expect("scan tasks return ScanOutput");
                        let partial: P = out.partial_mut(consumer.id())?;
                        Ok(Arc::new(f(partial)?) as Value)
                    }),
                );
                node.codec = crate::encode::codec_for::<Vec<U>>();
                Arc::new(node)
            })
            .collect();
        consumer.bind_partitions(nodes.iter().map(|n| n.key.clone()).collect());
        (nodes, consumer)
    }
}
