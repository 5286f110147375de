//! `Delayed<T>`: a lazy call, as `dask.delayed`.

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;
use std::sync::Arc;

use crate::compute::unwrap_value;
use crate::encode::{Codec, Encode};
use crate::engine::TaskContext;
use crate::graph::{Graph, InputsFn, Key, Node, TaskFn, Tokenizer, Value};
use crate::{BoxError, Compute, Config, Error, Result};

/// A value not computed yet: a node in a task graph with a typed result.
///
/// Cloning is cheap (an `Arc`); clones are the same task.
pub struct Delayed<T> {
    pub(crate) node: Arc<Node>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Delayed<T> {
    fn clone(&self) -> Self {
        Delayed {
            node: Arc::clone(&self.node),
            _type: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Delayed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Delayed{}", self.node.key)
    }
}

fn value_of<T: 'static>(v: &Value) -> &T {
    v.downcast_ref::<T>()
        .unwrap_or_else(|| unreachable!("a node's value has the node's type"))
}

/// Wraps a call lazily, as `dask.delayed(f)()`.
///
/// ```
/// use chunkwise::delayed;
/// fn inc(x: i64) -> i64 { x + 1 }
/// let x = delayed(|| inc(1));
/// assert_eq!(x.compute().unwrap(), 2);
/// ```
pub fn delayed<T, F>(f: F) -> Delayed<T>
where
    T: Send + Sync + 'static,
    F: Fn() -> T + Send + Sync + 'static,
{
    Delayed::from_fn(
        "delayed",
        Vec::new(),
        Box::new(move |_| Ok(Arc::new(f()) as Value)),
    )
}

/// Wraps a fallible call lazily; its error fails the compute, naming the task.
///
/// ```
/// use chunkwise::try_delayed;
/// let bad = try_delayed(|| "x1".parse::<i32>());
/// let err = bad.compute().unwrap_err().to_string();
/// assert!(err.contains("delayed-") && err.contains("invalid digit"), "{err}");
/// ```
pub fn try_delayed<T, E, F>(f: F) -> Delayed<T>
where
    T: Send + Sync + 'static,
    E: Into<BoxError>,
    F: Fn() -> std::result::Result<T, E> + Send + Sync + 'static,
{
    Delayed::from_fn(
        "delayed",
        Vec::new(),
        Box::new(move |_| {
            f().map(|v| Arc::new(v) as Value)
                .map_err(|e| user_error(e.into()))
        }),
    )
}

/// Turns an error from user code into an engine error (kept as is when it already is one).
fn user_error(e: BoxError) -> Error {
    match e.downcast::<Error>() {
        Ok(e) => *e,
        Err(e) => Error::Task {
            key: String::new(),
            source: e,
        },
    }
}

/// As [`try_delayed`], with the task's [`TaskContext`] handed to the call: a long call
/// can ask [`TaskContext::is_cancelled`] and stop when its compute has failed elsewhere
/// or passed its timeout.
///
/// ```
/// use chunkwise::try_delayed_with;
/// let x = try_delayed_with(|ctx| {
///     assert!(!ctx.is_cancelled());
///     Ok::<_, std::io::Error>(ctx.key().len())
/// });
/// assert!(x.compute().unwrap() > 0);
/// ```
pub fn try_delayed_with<T, E, F>(f: F) -> Delayed<T>
where
    T: Send + Sync + 'static,
    E: Into<BoxError>,
    F: Fn(&TaskContext<'_>) -> std::result::Result<T, E> + Send + Sync + 'static,
{
    Delayed::from_task_fn(
        "delayed",
        Box::new(move |ctx, _| {
            f(ctx)
                .map(|v| Arc::new(v) as Value)
                .map_err(|e| user_error(e.into()))
        }),
    )
}

impl<T: Send + Sync + 'static> Delayed<T> {
    /// A task with no input that is handed its context.
    pub(crate) fn from_task_fn(label: &'static str, run: TaskFn) -> Self {
        let key = Key::new(label, Tokenizer::new(label).sequenced().finish(), 0);
        let mut node = Node::with_context(key, Vec::new(), run);
        node.codec = crate::encode::codec_for::<T>();
        Self::from_node(node)
    }

    pub(crate) fn from_fn(label: &'static str, deps: Vec<Arc<Node>>, run: InputsFn) -> Self {
        let mut t = Tokenizer::new(label).sequenced();
        for d in &deps {
            t = t.input(&d.key);
        }
        let mut node = Node::new(Key::new(label, t.finish(), 0), deps, run);
        // Known value types can spill and cross MPI ranks without `.spillable()`.
        node.codec = crate::encode::codec_for::<T>();
        Self::from_node(node)
    }

    pub(crate) fn from_arc(node: Arc<Node>) -> Self {
        Delayed {
            node,
            _type: PhantomData,
        }
    }

    pub(crate) fn from_node(node: Node) -> Self {
        Delayed {
            node: Arc::new(node),
            _type: PhantomData,
        }
    }

    /// Wraps data once so every task that uses it shares it by reference (never a copy
    /// per task), as `x = dask.delayed(x)` in the tutorial.
    ///
    /// ```
    /// use chunkwise::Delayed;
    /// let data = Delayed::value(vec![1.0f64; 1000]);
    /// let sums: Vec<_> = (0..4).map(|i| data.map(move |d| d.iter().sum::<f64>() + i as f64)).collect();
    /// assert_eq!(chunkwise::compute(&sums).unwrap(), vec![1000.0, 1001.0, 1002.0, 1003.0]);
    /// ```
    pub fn value(value: T) -> Self {
        let value: Value = Arc::new(value);
        Delayed::from_fn(
            "value",
            Vec::new(),
            Box::new(move |_| Ok(Arc::clone(&value))),
        )
    }

    /// A lazy call on this value (borrowed, never cloned).
    pub fn map<U, F>(&self, f: F) -> Delayed<U>
    where
        U: Send + Sync + 'static,
        F: Fn(&T) -> U + Send + Sync + 'static,
    {
        Delayed::from_fn(
            "map",
            vec![Arc::clone(&self.node)],
            Box::new(move |v| Ok(Arc::new(f(value_of::<T>(&v[0]))) as Value)),
        )
    }

    /// A fallible lazy call on this value (an `Error` from `f` is kept as it is).
    #[cfg_attr(not(feature = "dataframe"), allow(dead_code))]
    pub(crate) fn try_map_err<U, F>(&self, f: F) -> Delayed<U>
    where
        U: Send + Sync + 'static,
        F: Fn(&T) -> Result<U> + Send + Sync + 'static,
    {
        Delayed::from_fn(
            "map",
            vec![Arc::clone(&self.node)],
            Box::new(move |v| f(value_of::<T>(&v[0])).map(|u| Arc::new(u) as Value)),
        )
    }

    /// A fallible lazy call on this value.
    pub fn try_map<U, E, F>(&self, f: F) -> Delayed<U>
    where
        U: Send + Sync + 'static,
        E: Into<BoxError>,
        F: Fn(&T) -> std::result::Result<U, E> + Send + Sync + 'static,
    {
        Delayed::from_fn(
            "map",
            vec![Arc::clone(&self.node)],
            Box::new(move |v| {
                f(value_of::<T>(&v[0]))
                    .map(|u| Arc::new(u) as Value)
                    .map_err(|e| user_error(e.into()))
            }),
        )
    }

    /// Renames the task for pictures and error messages (`inc` rather than `delayed`).
    /// The token, and so the identity, does not change.
    pub fn name(self, label: &str) -> Self {
        self.rebuild(|node| {
            node.key = Key::with_label(Arc::from(label), node.key.token(), node.key.index())
        })
    }

    /// Runs the task up to `n` more times when it fails with an error that may pass
    /// ([`Error::may_pass`]: a program's failure, an I/O error, the task's own error),
    /// as Dask's `retries=`; each failed attempt is an [`Event::Retry`](crate::Event)
    /// for observers. Bad input is never retried.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// static CALLS: AtomicU32 = AtomicU32::new(0);
    /// let flaky = chunkwise::try_delayed(|| match CALLS.fetch_add(1, Ordering::SeqCst) {
    ///     0 | 1 => Err("the network blinked"),
    ///     _ => Ok(42),
    /// });
    /// assert_eq!(flaky.retries(2).compute().unwrap(), 42);
    /// assert_eq!(CALLS.load(Ordering::SeqCst), 3);
    /// ```
    pub fn retries(self, n: u8) -> Self {
        self.rebuild(|node| node.retries = n)
    }

    /// Declares the projected size of the result, for the memory budget.
    pub fn with_size(self, bytes: u64) -> Self {
        self.rebuild(|node| node.bytes = bytes)
    }

    /// Lets the engine spill this result to disk under the memory budget.
    pub fn spillable(self) -> Self
    where
        T: Encode,
    {
        self.rebuild(|node| node.codec = Some(Codec::of::<T>()))
    }

    fn rebuild(self, edit: impl FnOnce(&mut Node)) -> Self {
        match Arc::try_unwrap(self.node) {
            Ok(mut node) => {
                edit(&mut node);
                Self::from_node(node)
            }
            Err(shared) => {
                // Already used elsewhere: wrap it in a pass-through task instead.
                let mut node = Node::new(
                    shared.key.clone(),
                    vec![Arc::clone(&shared)],
                    Box::new(|v| Ok(Arc::clone(&v[0]))),
                );
                node.key = Key::new(
                    "alias",
                    Tokenizer::new("alias").input(&shared.key).finish(),
                    0,
                );
                edit(&mut node);
                Self::from_node(node)
            }
        }
    }

    /// This task's key.
    pub fn key(&self) -> &Key {
        &self.node.key
    }

    /// Computes the value with the default configuration.
    pub fn compute(&self) -> Result<T>
    where
        T: Clone,
    {
        crate::compute(self)
    }

    /// Computes the value with the given configuration.
    pub fn compute_with(&self, config: &Config) -> Result<T>
    where
        T: Clone,
    {
        crate::compute_with(self, config)
    }

    /// The graph in graphviz DOT.
    pub fn to_dot(&self) -> String {
        self.graph().to_dot()
    }

    /// Writes a picture of the graph (`.dot`, or `.svg`/`.png` through graphviz).
    pub fn visualize(&self, path: impl AsRef<Path>) -> Result<()> {
        self.graph().visualize(path)
    }

    fn graph(&self) -> Graph {
        Graph::from_nodes(&[Arc::clone(&self.node)])
            .expect("a delayed graph is far below 2^32 tasks")
    }
}

impl<T: Clone + Send + Sync + 'static> Compute for Delayed<T> {
    type Output = T;
    fn nodes(&self, out: &mut Vec<Arc<Node>>) {
        out.push(Arc::clone(&self.node));
    }
    fn assemble(&self, values: &mut dyn Iterator<Item = Value>) -> Result<T> {
        Ok(unwrap_value(values.next().expect("one value per node")))
    }
}

impl<T: Clone + Send + Sync + 'static> Compute for [Delayed<T>] {
    type Output = Vec<T>;
    fn nodes(&self, out: &mut Vec<Arc<Node>>) {
        out.extend(self.iter().map(|d| Arc::clone(&d.node)));
    }
    fn assemble(&self, values: &mut dyn Iterator<Item = Value>) -> Result<Vec<T>> {
        Ok(values.take(self.len()).map(unwrap_value).collect())
    }
}

impl<T: Clone + Send + Sync + 'static> Compute for Vec<Delayed<T>> {
    type Output = Vec<T>;
    fn nodes(&self, out: &mut Vec<Arc<Node>>) {
        self.as_slice().nodes(out)
    }
    fn assemble(&self, values: &mut dyn Iterator<Item = Value>) -> Result<Vec<T>> {
        self.as_slice().assemble(values)
    }
}

/// Turns many delayed values into one delayed `Vec`, in order.
///
/// ```
/// use chunkwise::{collect, delayed};
/// let parts: Vec<_> = (0..5).map(|i| delayed(move || i * i)).collect();
/// let all = collect(&parts);
/// let total = all.map(|v| v.iter().sum::<i32>());
/// assert_eq!(total.compute().unwrap(), 30);
/// ```
pub fn collect<'a, T, I>(items: I) -> Delayed<Vec<T>>
where
    T: Clone + Send + Sync + 'static,
    I: IntoIterator<Item = &'a Delayed<T>>,
{
    let deps: Vec<Arc<Node>> = items.into_iter().map(|d| Arc::clone(&d.node)).collect();
    Delayed::from_fn(
        "collect",
        deps,
        Box::new(|vals| {
            Ok(Arc::new(
                vals.iter()
                    .map(|v| value_of::<T>(v).clone())
                    .collect::<Vec<T>>(),
            ) as Value)
        }),
    )
}

macro_rules! apply_fn {
    ($(#[$doc:meta])* $name:ident, $try_name:ident, $($arg:ident: $ty:ident @ $i:tt),+) => {
        $(#[$doc])*
        pub fn $name<$($ty,)+ R, F>($($arg: &Delayed<$ty>,)+ f: F) -> Delayed<R>
        where
            $($ty: Send + Sync + 'static,)+
            R: Send + Sync + 'static,
            F: Fn($(&$ty),+) -> R + Send + Sync + 'static,
        {
            Delayed::from_fn(
                "apply",
                vec![$(Arc::clone(&$arg.node)),+],
                Box::new(move |v| Ok(Arc::new(f($(value_of::<$ty>(&v[$i])),+)) as Value)),
            )
        }

        /// As the function without `try_`, for a call that returns `Result`.
        pub fn $try_name<$($ty,)+ R, E, F>($($arg: &Delayed<$ty>,)+ f: F) -> Delayed<R>
        where
            $($ty: Send + Sync + 'static,)+
            R: Send + Sync + 'static,
            E: Into<BoxError>,
            F: Fn($(&$ty),+) -> std::result::Result<R, E> + Send + Sync + 'static,
        {
            Delayed::from_fn(
                "apply",
                vec![$(Arc::clone(&$arg.node)),+],
                Box::new(move |v| {
                    f($(value_of::<$ty>(&v[$i])),+)
                        .map(|r| Arc::new(r) as Value)
                        .map_err(|e| user_error(e.into()))
                }),
            )
        }
    };
}

apply_fn!(
    /// A lazy call on one delayed value (what `delayed!(|a| ...)` expands to).
    apply1, try_apply1, a: A @ 0);
apply_fn!(
    /// A lazy call on two delayed values.
    apply2, try_apply2, a: A @ 0, b: B @ 1);
apply_fn!(
    /// A lazy call on three delayed values.
    apply3, try_apply3, a: A @ 0, b: B @ 1, c: C @ 2);
apply_fn!(
    /// A lazy call on four delayed values.
    apply4, try_apply4, a: A @ 0, b: B @ 1, c: C @ 2, d: D @ 3);
apply_fn!(
    /// A lazy call on five delayed values.
    apply5, try_apply5, a: A @ 0, b: B @ 1, c: C @ 2, d: D @ 3, e: E2 @ 4);
apply_fn!(
    /// A lazy call on six delayed values.
    apply6, try_apply6, a: A @ 0, b: B @ 1, c: C @ 2, d: D @ 3, e: E2 @ 4, g: G @ 5);

/// A lazy call on delayed values: each name is a `Delayed` variable outside and its
/// borrowed value inside the body. `try` in front makes a body that returns `Result`.
///
/// ```
/// use chunkwise::{delayed, Delayed};
/// fn inc(x: i64) -> i64 { x + 1 }
/// fn add(x: i64, y: i64) -> i64 { x + y }
/// let x = delayed(|| inc(1));
/// let y = delayed(|| inc(2));
/// let z: Delayed<i64> = chunkwise::delayed!(|x, y| add(*x, *y));
/// assert_eq!(z.compute().unwrap(), 5);
/// let w = chunkwise::delayed!(try |z| if *z > 0 { Ok(*z) } else { Err("negative") });
/// assert_eq!(w.compute().unwrap(), 5);
/// ```
#[macro_export]
macro_rules! delayed {
    (try |$a:ident| $body:expr) => {
        $crate::delayed::try_apply1(&$a, move |$a| $body)
    };
    (try |$a:ident, $b:ident| $body:expr) => {
        $crate::delayed::try_apply2(&$a, &$b, move |$a, $b| $body)
    };
    (try |$a:ident, $b:ident, $c:ident| $body:expr) => {
        $crate::delayed::try_apply3(&$a, &$b, &$c, move |$a, $b, $c| $body)
    };
    (try |$a:ident, $b:ident, $c:ident, $d:ident| $body:expr) => {
        $crate::delayed::try_apply4(&$a, &$b, &$c, &$d, move |$a, $b, $c, $d| $body)
    };
    (|$a:ident| $body:expr) => {
        $crate::delayed::apply1(&$a, move |$a| $body)
    };
    (|$a:ident, $b:ident| $body:expr) => {
        $crate::delayed::apply2(&$a, &$b, move |$a, $b| $body)
    };
    (|$a:ident, $b:ident, $c:ident| $body:expr) => {
        $crate::delayed::apply3(&$a, &$b, &$c, move |$a, $b, $c| $body)
    };
    (|$a:ident, $b:ident, $c:ident, $d:ident| $body:expr) => {
        $crate::delayed::apply4(&$a, &$b, &$c, &$d, move |$a, $b, $c, $d| $body)
    };
    (|$a:ident, $b:ident, $c:ident, $d:ident, $e:ident| $body:expr) => {
        $crate::delayed::apply5(&$a, &$b, &$c, &$d, &$e, move |$a, $b, $c, $d, $e| $body)
    };
    (|$a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $g:ident| $body:expr) => {
        $crate::delayed::apply6(
            &$a,
            &$b,
            &$c,
            &$d,
            &$e,
            &$g,
            move |$a, $b, $c, $d, $e, $g| $body,
        )
    };
}
