//! # chunkwise for Dask users
//!
//! The same ideas, spelled the Rust way. Every collection is lazy; `compute` runs it.
//!
//! | Dask | chunkwise |
//! |------|-----------|
//! | `dask.config.set(scheduler='threads', num_workers=4)` | `Config::new().scheduler(Scheduler::threads(4)).set_default()` |
//! | `dask.config.set(scheduler='synchronous')` | `Config::new().scheduler(Scheduler::Synchronous).set_default()`, or `CHUNKWISE_SCHEDULER=sync` |
//! | `compute(..., scheduler='threads')` | `chunkwise::compute_with(&x, &config)` |
//! | `x = dask.delayed(inc)(1)` | `let x = delayed(\|\| inc(1));` |
//! | `z = dask.delayed(add)(x, y)` | `let z = delayed!(\|x, y\| add(*x, *y));` or `apply2(&x, &y, \|a, b\| add(*a, *b))` |
//! | `x.map(f)` on a delayed value | `x.map(\|v\| f(v))` |
//! | `x = dask.delayed(big_array)` | `let x = Delayed::value(big_array);` (shared by reference, never copied per task) |
//! | `dask.compute(*futures)` | `chunkwise::compute(&futures)` (a `Vec<Delayed<T>>` gives `Vec<T>`) |
//! | `dask.compute(a, b)` | `chunkwise::compute((&a, &b))` (shared tasks run once) |
//! | `z.visualize(filename='g.svg')` | `z.visualize("g.svg")` (needs graphviz's `dot`; `.dot` needs nothing) |
//! | `Client(LocalCluster(n_workers=4))` | `Client::threads(4)` |
//! | `c.submit(f, x)` | `client.submit(move \|\| f(x))` |
//! | `c.map(f, inputs)` | `client.map(f, inputs)` (tiny calls batched for you; never cached) |
//! | `c.map(f, inputs)` relying on the cache of pure calls | `client.map_pure("f", f, inputs)` |
//! | `c.gather(futures)` | `client.gather(&futures)` |
//! | `as_completed(futures)` | `client.as_completed(&futures)` |
//! | `client.compute(delayed_tasks)` | `client.compute(delayed_tasks)` returns a [`Future`](crate::Future) |
//! | `delayed(subprocess.run)(cmd)` | `Cmd::new("iqtree").args(["-s", aln]).delayed()` |
//! | the dashboard's progress | `Config::progress(true)` or `CHUNKWISE_PROGRESS=1` |
//! | `distributed.worker.memory.target` | `Config::memory_limit(bytes)` or `CHUNKWISE_MEMORY_LIMIT=4GB` |
//!
//! ## What differs, and why
//!
//! - **Keys.** Dask names a delayed call by hashing the function and its arguments.
//!   Rust closures cannot be hashed, so an operation that takes a closure adds a
//!   build-order sequence number to its key: the same program builds the same keys
//!   (which is what MPI ranks need), but building the same closure call twice gives two
//!   tasks. Built-in operations (random arrays, file readers) are named by their
//!   parameters alone and are shared when built twice.
//! - **Purity.** `Client::map` never serves a result from a cache: a random simulation
//!   run twice gives two draws. Caching is opt-in with `map_pure`, where you name the
//!   function, so the cache key cannot silently ignore what a closure captured.
//! - **Batching.** Dask's per-task overhead (hundreds of microseconds) makes users batch
//!   tiny tasks by hand. Here a task costs about a microsecond and `Client::map` splits
//!   its inputs adaptively over the workers.
//! - **Errors.** A failing or panicking task fails the compute with an error naming its
//!   key; the other pending tasks are cancelled and the scheduler stays usable.
