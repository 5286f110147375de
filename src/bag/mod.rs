//! `Bag<T>`: partitioned collections of records, as `dask.bag`, built for one pass.
//!
//! A bag is a root source (text files, an in-memory sequence) and a chain of per-item
//! steps (`map`, `filter`, `flat_map`) composed as closures. Nothing is materialised: a
//! reduction registers a *consumer* with the root, and one scan task per partition
//! streams the partition once through every live consumer of that root. So
//! `compute((&total, &matches))` decompresses each file once, and memory is a read
//! buffer per worker, not a partition. Items reach the closures by reference: text
//! lines are slices of the read buffer, never copied one by one, handed from the
//! source to the consumers in batches.

mod impl_reduce;
mod impl_shuffle;
pub(crate) mod source;

use std::marker::PhantomData;
use std::sync::Arc;

pub use source::ReadText;

use crate::Result;
use crate::io::Input;
use crate::scan::{self as scan, Root, RootItem, RootSink, Sink, each};

/// A chain of steps: turns a sink of this bag's items into a sink of root items.
pub(crate) type Wrap<T> = Arc<dyn Fn(Sink<T>) -> RootSink + Send + Sync>;

/// A partitioned, lazy collection of items of type `T` (`str` and `[u8]` for lines).
///
/// ```
/// use chunkwise::bag::Bag;
/// let b = Bag::from_iter(1..=10u64, 3);
/// let even = b.filter(|x| x % 2 == 0);
/// let (n, total) = chunkwise::compute((&b.count(), &even.map(|x| x * 10).sum())).unwrap();
/// assert_eq!((n, total), (10, 300));
/// ```
pub struct Bag<T: ?Sized> {
    root: Arc<Root>,
    wrap: Wrap<T>,
    _type: PhantomData<fn(&T)>,
}

impl<T: ?Sized> Clone for Bag<T> {
    fn clone(&self) -> Self {
        Bag {
            root: Arc::clone(&self.root),
            wrap: Arc::clone(&self.wrap),
            _type: PhantomData,
        }
    }
}

impl<T: ?Sized> Bag<T> {
    /// The root, not kept alive (for a frame computed from this one's tasks).
    #[cfg_attr(not(feature = "dataframe"), allow(dead_code))]
    pub(crate) fn root_weak(&self) -> std::sync::Weak<Root> {
        Arc::downgrade(&self.root)
    }

    /// Bytes the source reads, where known before the run.
    #[cfg_attr(not(feature = "dataframe"), allow(dead_code))]
    pub(crate) fn source_bytes(&self) -> Option<u64> {
        self.root.bytes()
    }
}

impl<T: ?Sized> std::fmt::Debug for Bag<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Bag<{}, npartitions={}>",
            self.root.label(),
            self.root.npartitions()
        )
    }
}

impl<T: Send + Sync + 'static> Bag<T> {
    /// A bag of `items` cut into `npartitions` partitions of near-equal length
    /// (as `db.from_sequence`).
    pub fn from_iter(items: impl IntoIterator<Item = T>, npartitions: usize) -> Bag<T> {
        Bag::from_source(Box::new(source::Sequence::new(
            items.into_iter().collect(),
            npartitions,
        )))
    }

    /// A bag over a root source that hands out items of type `T`.
    /// A bag whose partitions are the outputs of `nodes` (each a `Vec<T>`), made by
    /// the step `label` (`token`: that step's; the new scan takes a token of its own,
    /// since its tasks need keys apart from the nodes').
    pub(crate) fn from_partition_nodes(
        nodes: Vec<Arc<crate::graph::Node>>,
        label: &'static str,
        token: u64,
    ) -> Bag<T> {
        Bag::from_source(Box::new(scan::Partitions::<T> {
            nodes,
            label,
            token: crate::graph::Tokenizer::new("partitions-scan")
                .param(&token)
                .finish(),
            _type: PhantomData,
        }))
    }

    pub(crate) fn from_source(source: Box<dyn scan::Source>) -> Bag<T> {
        Bag {
            root: Arc::new(Root::new(source)),
            wrap: Arc::new(|down: Sink<T>| {
                each(down, |r| match r {
                    RootItem::Item(a) => a.downcast_ref::<T>().expect("the source hands out T"),
                    _ => unreachable!("a typed source hands out items"),
                })
            }),
            _type: PhantomData,
        }
    }
}

impl Bag<str> {
    /// Lines of text files (as `db.read_text`): a glob pattern or a path. Configure, then
    /// [`ReadText::open`]. Lines come without their line break.
    ///
    /// ```no_run
    /// use chunkwise::bag::Bag;
    /// let wiki = Bag::read_text("data/wiki/*.gz").open().unwrap();
    /// let total = wiki.count();
    /// ```
    pub fn read_text(pattern: &str) -> ReadText {
        ReadText::new(vec![Input::Pattern(pattern.to_string())])
    }

    /// Lines of the given files, each path taken as it is (`data[1].txt` is that file,
    /// not a pattern).
    pub fn read_text_files<P: AsRef<std::path::Path>>(paths: &[P]) -> ReadText {
        ReadText::new(Input::paths(paths))
    }
}

impl<T: ?Sized + 'static> Bag<T> {
    /// The chain of steps, for consumers built outside this module.
    #[cfg_attr(not(feature = "dataframe"), allow(dead_code))]
    pub(crate) fn wrap_fn(&self) -> Wrap<T> {
        Arc::clone(&self.wrap)
    }

    /// Number of partitions.
    pub fn npartitions(&self) -> usize {
        self.root.npartitions()
    }

    fn then<U: ?Sized + 'static>(
        &self,
        step: impl Fn(Sink<U>) -> Sink<T> + Send + Sync + 'static,
    ) -> Bag<U> {
        let parent = Arc::clone(&self.wrap);
        Bag {
            root: Arc::clone(&self.root),
            wrap: Arc::new(move |down: Sink<U>| parent(step(down))),
            _type: PhantomData,
        }
    }

    /// A function of each item.
    pub fn map<U, F>(&self, f: F) -> Bag<U>
    where
        U: 'static,
        F: Fn(&T) -> U + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        self.then(move |mut down: Sink<U>| {
            let f = Arc::clone(&f);
            Box::new(move |t: &T| down(&f(t)))
        })
    }

    /// A fallible function of each item; an error fails the compute, naming the task.
    pub fn try_map<U, F>(&self, f: F) -> Bag<U>
    where
        U: 'static,
        F: Fn(&T) -> Result<U> + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        self.then(move |mut down: Sink<U>| {
            let f = Arc::clone(&f);
            Box::new(move |t: &T| down(&f(t)?))
        })
    }

    /// The items for which `pred` holds.
    pub fn filter<F>(&self, pred: F) -> Bag<T>
    where
        F: Fn(&T) -> bool + Send + Sync + 'static,
    {
        let pred = Arc::new(pred);
        self.then(move |mut down: Sink<T>| {
            let pred = Arc::clone(&pred);
            Box::new(move |t: &T| if pred(t) { down(t) } else { Ok(true) })
        })
    }

    /// Every item of the iterables `f` returns.
    pub fn flat_map<U, I, F>(&self, f: F) -> Bag<U>
    where
        U: 'static,
        I: IntoIterator<Item = U>,
        F: Fn(&T) -> I + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        self.then(move |mut down: Sink<U>| {
            let f = Arc::clone(&f);
            Box::new(move |t: &T| {
                for u in f(t) {
                    if !down(&u)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            })
        })
    }
}
