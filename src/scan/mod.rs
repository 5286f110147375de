//! The scan layer under every collection: a [`Source`] opens one partition (with a
//! projection) into a batch sink; consumers (start / update / partial / merge / finish,
//! as DataFusion's `Accumulator`) register on the source's [`Root`]; one scan task per
//! partition streams it once through the consumers a compute asks for, and their
//! partials combine in trees. See `README.md` beside this file.

pub(crate) mod exchange;
mod partitions;
pub(crate) use partitions::{Partitions, items_in_batches};

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use std::any::Any;

use crate::engine::TaskContext;
use crate::graph::{Key, Node, Tokenizer, Value};
use crate::{Error, Result};

/// An item as a root source hands it out.
pub(crate) enum RootItem<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
    Item(&'a (dyn Any + Send + Sync)),
}

/// Where items of one step go; `Ok(false)` stops the partition early (for `take`).
pub(crate) type Sink<T> = Box<dyn FnMut(&T) -> Result<bool>>;
/// The same at the root, a batch at a time: the boxed calls between a source and its
/// consumers are paid per batch, not per line.
pub(crate) type RootSink = Box<dyn FnMut(&[RootItem<'_>]) -> Result<bool>>;

/// Items a source hands out in one batch, at most.
pub(crate) const BATCH: usize = 256;

/// A root sink that passes each item of a batch, as `T` (`get`), to `down`.
pub(crate) fn each<T: ?Sized + 'static>(
    mut down: Sink<T>,
    get: for<'a> fn(&RootItem<'a>) -> &'a T,
) -> RootSink {
    Box::new(move |items: &[RootItem<'_>]| {
        for item in items {
            if !down(get(item))? {
                return Ok(false);
            }
        }
        Ok(true)
    })
}
/// `label of a, b, c and N more`: the files a source reads (repeats in a row, the
/// splits of one file, counted once), for error messages.
#[cfg_attr(not(feature = "dataframe"), allow(dead_code))]
pub(crate) fn files_origin<'a>(
    label: &str,
    paths: impl IntoIterator<Item = &'a std::path::Path>,
) -> String {
    let mut files: Vec<&std::path::Path> = paths.into_iter().collect();
    files.dedup();
    let shown: Vec<String> = files
        .iter()
        .take(3)
        .map(|p| p.display().to_string())
        .collect();
    let more = files.len().saturating_sub(3);
    let rest = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("{label} of {}{rest}", shown.join(", "))
}

/// Size on disk of the files a source reads (repeats in a row counted once); `None` if
/// one cannot be read.
#[cfg_attr(not(feature = "dataframe"), allow(dead_code))]
pub(crate) fn files_bytes<'a>(paths: impl IntoIterator<Item = &'a std::path::Path>) -> Option<u64> {
    let mut files: Vec<&std::path::Path> = paths.into_iter().collect();
    files.dedup();
    files
        .iter()
        .map(|p| std::fs::metadata(p).ok().map(|m| m.len()))
        .sum()
}

/// A source counts what it reads into the context of the task that scans it.
impl crate::io::ReadMetrics for TaskContext<'_> {
    fn file_opened(&self) {
        TaskContext::file_opened(self);
    }
    fn bytes_read(&self, n: u64) {
        TaskContext::bytes_read(self, n);
    }
}

/// Columns a consumer reads from a table source (`None`: all). Line sources ignore it.
pub(crate) type Needs = Option<BTreeSet<String>>;

/// Columns a consumer reads that depend on the graph being planned (given which keys
/// it holds): a frame computed by tasks (a join, a shuffle) asks its input for the
/// columns its own consumers in that graph read.
pub(crate) type GraphNeeds = Arc<dyn Fn(&dyn Fn(&Key) -> bool) -> Needs + Send + Sync>;

/// The union of what several consumers need.
fn union(a: &Needs, b: &Needs) -> Needs {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.union(y).cloned().collect()),
        _ => None,
    }
}

/// What a bag reads: files, a sequence, materialised partitions.
pub(crate) trait Source: Send + Sync {
    fn npartitions(&self) -> usize;
    fn label(&self) -> &'static str;
    /// A token of the source's parameters.
    fn token(&self) -> u64;
    /// What it reads, for error messages (`read_csv of a.csv, b.csv and 3 more`).
    #[cfg_attr(not(feature = "dataframe"), allow(dead_code))]
    fn origin(&self) -> String {
        self.label().to_string()
    }
    /// Bytes the source reads, where known before the run (files: their size on disk),
    /// for choices such as a broadcast join.
    fn bytes(&self) -> Option<u64> {
        None
    }
    /// Tasks partition `p` reads (none for files and sequences).
    fn deps(&self, _p: usize) -> Vec<Arc<Node>> {
        Vec::new()
    }
    /// Streams partition `p` into `sink`; errors name the file and line. What it reads
    /// and what it warns of go to `ctx`.
    fn scan(
        &self,
        p: usize,
        ctx: &TaskContext<'_>,
        inputs: &[Value],
        needs: &Needs,
        sink: &mut dyn FnMut(&[RootItem<'_>]) -> Result<bool>,
    ) -> Result<()>;
}

/// A consumer of a root: for partition `p`, a sink and the finisher that yields its
/// partial once the partition is through.
pub(crate) type Start =
    dyn Fn(usize) -> Result<(RootSink, Box<dyn FnOnce() -> Result<Value>>)> + Send + Sync;

pub(crate) struct Consumer {
    id: u64,
    start: Box<Start>,
    /// The tasks whose presence in the graph being planned makes the consumer take
    /// part in a scan.
    key: Mutex<Binding>,
    needs: Needs,
    /// More columns, found when a graph is planned.
    more: Mutex<Vec<GraphNeeds>>,
    /// The size in memory of a partial, where its type has a codec.
    held_bytes: Option<fn(&Value) -> u64>,
}

pub(crate) struct Root {
    source: Box<dyn Source>,
    token: u64,
    next_id: AtomicU64,
    consumers: Mutex<Vec<Weak<Consumer>>>,
    /// [`Root::partition_working`], the files' sizes read once.
    working: std::sync::OnceLock<u64>,
}

/// Which tasks tie a consumer to a graph.
enum Binding {
    None,
    /// A reduction's last task: every partition's scan feeds it.
    One(Key),
    /// One task per partition (a frame's partitions): partition `p`'s scan feeds the
    /// consumer when task `p` is in the graph, so a graph of some partitions only
    /// (a stream's window, a `loc`) scans the others for nothing.
    PerPartition(Vec<Key>),
    /// Several tasks each fed by every partition (a group-by's buckets left as a
    /// frame's partitions): any of them in the graph asks for every partition.
    Any(Vec<Key>),
}

impl Binding {
    /// Whether the graph (keys `in_graph` accepts) asks for partition `p`, or for any
    /// partition when `p` is `None`.
    fn wanted(&self, p: Option<usize>, in_graph: &dyn Fn(&Key) -> bool) -> bool {
        match (self, p) {
            (Binding::None, _) => false,
            (Binding::One(k), _) => in_graph(k),
            (Binding::PerPartition(keys), Some(p)) => keys.get(p).is_some_and(in_graph),
            (Binding::PerPartition(keys), None) | (Binding::Any(keys), _) => {
                keys.iter().any(in_graph)
            }
        }
    }
}

/// What a scan task returns: each live consumer's partial, by consumer id, and their
/// size in memory (for the budget: a scan's output cannot spill, but the partials
/// taken out of it can).
pub(crate) struct ScanOutput(Vec<(u64, Value)>, u64);

impl Consumer {
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Also reads what `more` says, in each graph planned.
    #[cfg_attr(not(feature = "dataframe"), allow(dead_code))]
    pub(crate) fn add_needs(&self, more: GraphNeeds) {
        self.more
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(more);
    }

    /// The columns it reads in the graph holding the keys `in_graph` accepts.
    fn needs_in(&self, in_graph: &dyn Fn(&Key) -> bool) -> Needs {
        let more: Vec<GraphNeeds> = self.more.lock().unwrap_or_else(|e| e.into_inner()).clone();
        more.iter()
            .fold(self.needs.clone(), |n, m| union(&n, &m(in_graph)))
    }

    /// Ties the consumer to the task whose presence in a graph asks for it (the last
    /// call wins: a frame that keeps some of a layer's partitions ties it to one of
    /// those), unless it is tied partition by partition.
    pub(crate) fn bind(&self, key: &Key) {
        let mut b = self.key.lock().unwrap_or_else(|e| e.into_inner());
        if !matches!(*b, Binding::PerPartition(_)) {
            *b = Binding::One(key.clone());
        }
    }

    /// Ties partition `p`'s scan to task `keys[p]`.
    pub(crate) fn bind_partitions(&self, keys: Vec<Key>) {
        *self.key.lock().unwrap_or_else(|e| e.into_inner()) = Binding::PerPartition(keys);
    }

    /// Ties every partition's scan to each of `keys`.
    fn bind_any(&self, keys: Vec<Key>) {
        *self.key.lock().unwrap_or_else(|e| e.into_inner()) = Binding::Any(keys);
    }
}

impl ScanOutput {
    /// A copy of a consumer's partial, for consumers that take it whole.
    pub(crate) fn partial_mut<A: Clone + 'static>(&self, id: u64) -> Result<A> {
        self.partial::<A>(id).cloned()
    }

    pub(crate) fn partial<A: 'static>(&self, id: u64) -> Result<&A> {
        self.0
            .iter()
            .find(|(i, _)| *i == id)
            .and_then(|(_, v)| v.downcast_ref::<A>())
            .ok_or_else(|| Error::Internal(format!("no partial for consumer {id}")))
    }
}

impl Root {
    pub(crate) fn new(source: Box<dyn Source>) -> Self {
        // One token per root, in build order (the same on every MPI rank): the same
        // files opened twice are two roots whose consumers must never share a scan key.
        let token = Tokenizer::new("root")
            .param(&source.token())
            .sequenced()
            .finish();
        Root {
            source,
            token,
            next_id: AtomicU64::new(0),
            consumers: Mutex::new(Vec::new()),
            working: std::sync::OnceLock::new(),
        }
    }

    pub(crate) fn npartitions(&self) -> usize {
        self.source.npartitions()
    }

    pub(crate) fn label(&self) -> &'static str {
        self.source.label()
    }

    pub(crate) fn bytes(&self) -> Option<u64> {
        self.source.bytes()
    }

    /// What scanning a partition holds at once, roughly: its share of the bytes read
    /// and the columns parsed from them (text parses to about twice its size), so three
    /// times its bytes; 0 where the source's size is unknown.
    fn partition_working(&self) -> u64 {
        *self.working.get_or_init(|| {
            let parts = self.source.npartitions().max(1) as u64;
            self.source.bytes().map_or(0, |b| 3 * b.div_ceil(parts))
        })
    }

    /// Registers a consumer; it takes part in scans while it is alive.
    pub(crate) fn register(
        &self,
        start: Box<Start>,
        needs: Needs,
        held_bytes: Option<fn(&Value) -> u64>,
    ) -> Arc<Consumer> {
        let c = Arc::new(Consumer {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            start,
            key: Mutex::new(Binding::None),
            needs,
            more: Mutex::new(Vec::new()),
            held_bytes,
        });
        let mut list = self.consumers.lock().unwrap_or_else(|e| e.into_inner());
        list.retain(|w| w.strong_count() > 0);
        list.push(Arc::downgrade(&c));
        c
    }

    /// The scan tasks, one per partition, as placeholders with equal keys on every call,
    /// so every reduction of this root in one compute shares them. Planning binds each to
    /// the scan of exactly the consumers that compute asks for ([`Root::bound_scan`]).
    pub(crate) fn scan_nodes(self: &Arc<Self>) -> Vec<Arc<Node>> {
        (0..self.npartitions())
            .map(|p| {
                let key = Key::new(self.source.label(), self.token, p as u64);
                let root = Arc::clone(self);
                let mut node = Node::placeholder(
                    key,
                    self.source.deps(p),
                    Arc::new(move |in_graph| root.bound_scan(p, in_graph)),
                );
                node.bytes = 1 << 20;
                Arc::new(node)
            })
            .collect()
    }

    /// The scan task of partition `p` for the live consumers whose results the graph
    /// holds: its key's token names that set, so one key is always one value.
    fn bound_scan(self: &Arc<Self>, p: usize, in_graph: &dyn Fn(&Key) -> bool) -> Node {
        let live = self.live(Some(p), in_graph);
        let ids: Vec<u64> = live.iter().map(|c| c.id).collect();
        let needs = Self::needs_of(&live, in_graph);
        let label = self.source.label();
        let token = Tokenizer::new(label)
            .param(&self.token)
            .param(&ids)
            .param(&needs)
            .finish();
        let root = Arc::clone(self);
        let mut node = Node::with_context(
            Key::new(label, token, p as u64),
            self.source.deps(p),
            Box::new(move |ctx, inputs| {
                Ok(Arc::new(root.scan(p, &live, &needs, ctx, inputs)?) as Value)
            }),
        );
        node.bytes = 1 << 20;
        node.working = self.partition_working();
        node.measure = Some(|v| v.downcast_ref::<ScanOutput>().map_or(0, |o| o.1));
        node
    }

    /// The live consumers whose results the graph holds (from partition `p`'s scan,
    /// or from any partition's).
    fn live(&self, p: Option<usize>, in_graph: &dyn Fn(&Key) -> bool) -> Vec<Arc<Consumer>> {
        self.consumers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|c| {
                c.key
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .wanted(p, in_graph)
            })
            .collect()
    }

    fn needs_of(live: &[Arc<Consumer>], in_graph: &dyn Fn(&Key) -> bool) -> Needs {
        live.iter()
            .map(|c| c.needs_in(in_graph))
            .reduce(|a, b| union(&a, &b))
            .unwrap_or(Some(BTreeSet::new()))
    }

    /// The columns the consumers of this root in a graph read (none when it has none).
    #[cfg_attr(not(feature = "dataframe"), allow(dead_code))]
    pub(crate) fn needs_in(&self, in_graph: &dyn Fn(&Key) -> bool) -> Needs {
        Self::needs_of(&self.live(None, in_graph), in_graph)
    }

    fn scan(
        &self,
        p: usize,
        live: &[Arc<Consumer>],
        needs: &Needs,
        ctx: &TaskContext<'_>,
        inputs: &[Value],
    ) -> Result<ScanOutput> {
        let mut sinks = Vec::with_capacity(live.len());
        let mut finishers = Vec::with_capacity(live.len());
        for c in live {
            let (sink, fin) = (c.start)(p)?;
            sinks.push(sink);
            finishers.push((c.id, fin));
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut open = vec![true; sinks.len()];
            let mut left = sinks.len();
            self.source
                .scan(p, ctx, inputs, needs, &mut |items: &[RootItem<'_>]| {
                    for (sink, open) in sinks.iter_mut().zip(open.iter_mut()) {
                        if *open && !sink(items)? {
                            *open = false;
                            left -= 1;
                        }
                    }
                    Ok(left > 0)
                })
        }));
        drop(sinks);
        match outcome {
            Ok(r) => r?,
            Err(payload) => {
                return Err(Error::invalid(format!(
                    "a closure panicked while scanning partition {p}: {}",
                    crate::error::panic_message(payload.as_ref())
                )));
            }
        }
        let mut out = Vec::with_capacity(finishers.len());
        let mut bytes = 0;
        for ((id, fin), c) in finishers.into_iter().zip(live) {
            let partial = fin()?;
            bytes += c.held_bytes.map_or(0, |size| size(&partial));
            out.push((id, partial));
        }
        Ok(ScanOutput(out, bytes))
    }
}

/// How a consumer's partial (or one bucket of it) is taken out of a scan's output.
type Extract<A> = Arc<dyn Fn(&ScanOutput) -> Result<A> + Send + Sync>;

/// How two partials of a consumer merge.
pub(crate) type Combine<A> = Arc<dyn Fn(&mut A, &A) + Send + Sync>;

/// A consumer's tree: partials extracted from the scan outputs, combined `split_every`
/// at a time in partition order, then finished.
pub(crate) fn reduce_tree<A, R>(
    root: &Arc<Root>,
    consumer: Arc<Consumer>,
    label: &'static str,
    split_every: usize,
    combine: Combine<A>,
    finish: Arc<dyn Fn(A) -> Result<R> + Send + Sync>,
) -> Arc<Node>
where
    A: Clone + Send + Sync + 'static,
    R: Send + Sync + 'static,
{
    let token = Tokenizer::new(label)
        .param(&root.token)
        .sequenced()
        .finish();
    let id = consumer.id;
    let level = combine_levels(
        root,
        token,
        0,
        split_every,
        Arc::new(move |out: &ScanOutput| out.partial::<A>(id).cloned()),
        Arc::clone(&combine),
    );
    finish_node(Key::new(label, token, 0), consumer, level, move |vals| {
        finish(merge(vals, &*combine))
    })
}

/// For a consumer whose partial is split into `buckets` parts (by key hash, say): each
/// bucket has its own tree and its own `finish`, so no task holds more than a bucket of
/// every partition. Each bucket's finished value is a task of its own (the partitions of
/// a frame), and keeps the consumer alive; the consumer runs when any of them is in the
/// graph. Returns the reduction's token and the tasks.
#[allow(clippy::too_many_arguments)]
#[cfg_attr(not(feature = "dataframe"), allow(dead_code))]
pub(crate) fn bucket_nodes<A, R>(
    root: &Arc<Root>,
    consumer: &Arc<Consumer>,
    label: &'static str,
    split_every: usize,
    buckets: usize,
    combine: Combine<A>,
    finish: Arc<dyn Fn(A) -> Result<R> + Send + Sync>,
) -> (u64, Vec<Arc<Node>>)
where
    A: Clone + Send + Sync + 'static,
    R: Send + Sync + 'static,
{
    let token = Tokenizer::new(label)
        .param(&root.token)
        .param(&buckets)
        .sequenced()
        .finish();
    let id = consumer.id;
    let t_bucket = Tokenizer::new("bucket").param(&token).finish();
    let tops: Vec<Arc<Node>> = (0..buckets)
        .map(|b| {
            let level = combine_levels(
                root,
                token,
                b as u64,
                split_every,
                Arc::new(move |out: &ScanOutput| {
                    out.partial::<Vec<A>>(id)?
                        .get(b)
                        .cloned()
                        .ok_or_else(|| Error::Internal(format!("consumer {id} has no bucket {b}")))
                }),
                Arc::clone(&combine),
            );
            let (finish, combine) = (Arc::clone(&finish), Arc::clone(&combine));
            let keep = Arc::clone(consumer);
            let mut node = Node::new(
                Key::new("bucket", t_bucket, b as u64),
                level,
                Box::new(move |vals| {
                    let _keep_alive = &keep;
                    if vals.is_empty() {
                        return Err(no_partitions());
                    }
                    Ok(Arc::new(finish(merge(vals, &*combine))?) as Value)
                }),
            );
            node.codec = crate::encode::codec_for::<R>();
            Arc::new(node)
        })
        .collect();
    consumer.bind_any(tops.iter().map(|n| n.key.clone()).collect());
    (token, tops)
}

/// The task that takes [`bucket_nodes`]' finished buckets in order (`gather`): the
/// consumer then runs when it is in the graph.
#[cfg_attr(not(feature = "dataframe"), allow(dead_code))]
pub(crate) fn gather_buckets<R, O>(
    label: &'static str,
    token: u64,
    consumer: Arc<Consumer>,
    tops: Vec<Arc<Node>>,
    gather: impl Fn(Vec<R>) -> Result<O> + Send + Sync + 'static,
) -> Arc<Node>
where
    R: Clone + Send + Sync + 'static,
    O: Send + Sync + 'static,
{
    finish_node(Key::new(label, token, 0), consumer, tops, move |vals| {
        gather(vals.iter().map(|v| get::<R>(v).clone()).collect())
    })
}

/// Per partition, this consumer's partial (of one bucket) taken out of the scan's
/// output, so that a scan's output (every consumer's partial together) never has to
/// cross MPI ranks; then combine tasks, `split_every` partials at a time in order,
/// until `split_every` or fewer are left.
fn combine_levels<A>(
    root: &Arc<Root>,
    token: u64,
    bucket: u64,
    split_every: usize,
    extract: Extract<A>,
    combine: Combine<A>,
) -> Vec<Arc<Node>>
where
    A: Clone + Send + Sync + 'static,
{
    let codec = crate::encode::codec_for::<A>();
    let t_extract = Tokenizer::new("bag-extract")
        .param(&token)
        .param(&bucket)
        .finish();
    let mut level: Vec<Arc<Node>> = root
        .scan_nodes()
        .into_iter()
        .enumerate()
        .map(|(p, scan)| {
            let extract = Arc::clone(&extract);
            let mut node = Node::new(
                Key::new("bag-extract", t_extract, p as u64),
                vec![scan],
                Box::new(move |v| {
                    let out = v[0]
                        .downcast_ref::<ScanOutput>()
                        .expect("scan tasks return ScanOutput");
                    Ok(Arc::new(extract(out)?) as Value)
                }),
            );
            node.codec = codec;
            Arc::new(node)
        })
        .collect();
    let t_combine = Tokenizer::new("bag-combine")
        .param(&token)
        .param(&bucket)
        .finish();
    let mut index = 0u64;
    while level.len() > split_every {
        level = level
            .chunks(split_every)
            .map(|parts| {
                let combine = Arc::clone(&combine);
                index += 1;
                let mut node = Node::new(
                    Key::new("bag-combine", t_combine, index),
                    parts.to_vec(),
                    Box::new(move |vals| Ok(Arc::new(merge(vals, &*combine)) as Value)),
                );
                node.codec = codec;
                Arc::new(node)
            })
            .collect();
    }
    level
}

/// The reduction's last task, which ties the consumer to the graph (`bind`): `done`
/// turns its inputs' values into the result.
fn finish_node<R: Send + Sync + 'static>(
    key: Key,
    consumer: Arc<Consumer>,
    inputs: Vec<Arc<Node>>,
    done: impl Fn(&[Value]) -> Result<R> + Send + Sync + 'static,
) -> Arc<Node> {
    let empty = inputs.is_empty();
    consumer.bind(&key);
    let mut node = Node::new(
        key,
        inputs,
        Box::new(move |vals| {
            let _keep_alive = &consumer;
            if empty {
                return Err(no_partitions());
            }
            Ok(Arc::new(done(vals)?) as Value)
        }),
    );
    node.codec = crate::encode::codec_for::<R>();
    Arc::new(node)
}

fn no_partitions() -> Error {
    Error::invalid("a bag with no partitions has nothing to reduce")
}

fn get<A: 'static>(v: &Value) -> &A {
    v.downcast_ref::<A>()
        .expect("partials have the accumulator's type")
}

/// Partials combined in order.
fn merge<A: Clone + 'static>(vals: &[Value], combine: &dyn Fn(&mut A, &A)) -> A {
    let mut acc = get::<A>(&vals[0]).clone();
    for v in &vals[1..] {
        combine(&mut acc, get(v));
    }
    acc
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::bag::Bag;

    fn scan_keys(g: &Graph) -> Vec<String> {
        g.keys()
            .filter(|k| k.label() == "from_sequence")
            .map(|k| k.to_string())
            .collect()
    }

    #[test]
    fn a_fused_scan_key_names_its_set_of_consumers() {
        let b = Bag::from_iter(1..=100u64, 4);
        let (n, total) = (b.count(), b.sum());
        let alone = scan_keys(&Graph::of(&n).unwrap());
        let both = scan_keys(&Graph::of((&n, &total)).unwrap());
        assert_eq!((alone.len(), both.len()), (4, 4), "one scan per partition");
        // Another set of consumers, another value: another key.
        assert!(
            alone.iter().all(|k| !both.contains(k)),
            "{alone:?} {both:?}"
        );
        // The same set, built again: the same keys and the same graph.
        let again = Graph::of((&n, &total)).unwrap();
        assert_eq!(scan_keys(&again), both);
        assert_eq!(again.hash(), Graph::of((&n, &total)).unwrap().hash());
        // And each compute gets its consumers' answers.
        assert_eq!(n.compute().unwrap(), 100);
        assert_eq!(crate::compute((&n, &total)).unwrap(), (100, 5050));
        assert_eq!(total.compute().unwrap(), 5050);
    }
}
