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
//! | `z.visualize(filename='g.svg')` | `z.visualize("g.svg")` (needs graphviz's `dot`; `.dot` needs nothing; past 500 tasks one box per task group) |
//! | `with Profiler() as prof: ...; prof.results` | `let prof = Profiler::new(); Config::new().observe(prof.clone())`; `prof.results()` ([`diagnostics`](crate::diagnostics)) |
//! | `ResourceProfiler(dt=0.05)` | `ResourceProfiler::new(Duration::from_millis(50))` |
//! | `with performance_report(filename="r.html"): ...` | `let r = diagnostics::performance_report("r.html")?; ...; r.finish()?` |
//! | `Client(LocalCluster(n_workers=4))` | `Client::threads(4)` |
//! | `c.submit(f, x)` | `client.submit(move \|\| f(x))` |
//! | `c.map(f, inputs)` | `client.map(f, inputs)` (tiny calls batched for you; never cached) |
//! | `c.map(f, inputs)` relying on the cache of pure calls | `client.map_pure("f", f, inputs)` |
//! | `c.gather(futures)` | `client.gather(&futures)` (the first failure cancels the rest) |
//! | `c.cancel(futures)`, `future.cancel()` | `future.cancel()` |
//! | `c.submit(f, retries=3)`, `dask.compute(x, retries=3)` | `delayed(..).retries(3)`, `Cmd::new(..).retries(3)` (errors that may pass only) |
//! | `distributed.comm.timeouts` / `asyncio.wait_for` around a compute | `Config::timeout(d)`, `CHUNKWISE_TIMEOUT`; `Cmd::timeout(d)` |
//! | `as_completed(futures)` | `client.as_completed(&futures)` |
//! | `client.compute(delayed_tasks)` | `client.compute(delayed_tasks)` returns a [`Future`](crate::Future) |
//! | `delayed(subprocess.run)(cmd)` | `Cmd::new("iqtree").args(["-s", aln]).delayed()` |
//! | the dashboard's progress | `Config::progress(true)` or `CHUNKWISE_PROGRESS=1` |
//! | the dashboard on port 8787 | `Config::new().dashboard("127.0.0.1:8787")?` or `CHUNKWISE_DASHBOARD=127.0.0.1:8787` (feature `dashboard`; open the printed URL, token included) |
//! | `dask.diagnostics.Callback(start=..., pretask=..., posttask=...)` | `Config::new().observe(Arc::new(my_observer))` (`impl Observer`: run, task, spill, read and warning `Event`s) |
//! | `distributed.worker.memory.target` | `Config::memory_limit(bytes)` or `CHUNKWISE_MEMORY_LIMIT=4GB` |
//! | `da.random.normal(0, 1, size, chunks)` | `array::random_normal(0.0, 1.0, &shape, chunks, seed)?` |
//! | `da.random.default_rng(seed)` | the `seed` argument: one stream per chunk by jump-ahead ([`random`](crate::random)) |
//! | `x.mean(axis=1)`, `x.var()`, `x.argmax(axis=0)` | `x.mean(1)`, `x.var(None)`, `x.argmax(0)` |
//! | `da.nanmean(x, axis=0)` | `x.nanmean(0)` |
//! | `x.sum(axis=0, keepdims=True, split_every=4)` | `x.reduce(&Reduction::sum().axes(0).keepdims(true).split_every(4))` |
//! | `x + y`, `np.exp(x)`, `x > 0` | `&x + &y`, `x.exp()`, `x.gt(0.0)` (1.0/0.0) |
//! | `x.astype("i8")`, `x.astype("i8", casting="safe")`, `np.can_cast(a, b, "safe")` | `x.astype::<i64>()`, `x.astype_safe::<i64>()?`, `DType::F32.can_cast_safely(DType::F64)` |
//! | `x - x.mean(axis=0, keepdims=True)`, `da.broadcast_to(x, shape, chunks)` | `&x - &x.reduce(&Reduction::mean().axes(0).keepdims(true))`, `x.broadcast_to(&shape, chunks)` (numpy's rules) |
//! | `x.map_blocks(f)` | `x.map_blocks(f)` (shape-preserving) |
//! | `da.map_blocks(f, x, y, chunks=(2,), drop_axis=1, new_axis=0)` with `block_info` | `x.map_blocks_opts(&[&y], &BlockMap::new().chunks(vec![vec![2]]).drop_axis(&[1]).new_axis(&[0]), \|blocks, info\| ..)` (`info: &BlockInfo`: `output`, `inputs`, `chunk_shape`) |
//! | `x.map_overlap(f, depth=(1, 1), boundary={0: 'periodic', 1: 'none'})`, `da.map_overlap(f, x, y, depth=1, boundary='nearest')` | `x.map_overlap(&[1, 1], [Boundary::Periodic, Boundary::None], f)`, `x.map_overlap_with(&[&y], &[1], Boundary::Nearest, \|c\| f(c[0], c[1]))` (`y` rechunked to `x`'s chunks) |
//! | `da.apply_along_axis(f, 1, x)` | `x.apply_along_axis(1, \|lane\| ..)` (the result's shape found on a lane of ones, as Dask) |
//! | `x.rechunk(c)`, `x[1:5, :]`, `x.T` | `x.rechunk(c)`, `x.slice(&[1..5])`, `x.t()` |
//! | `x.blocks[0, :3]` | `x.blocks(&[Idx::At(0), Idx::range(0, 3, 1)])` (integers keep the axis; the blocks' tasks are shared) |
//! | `x.vindex[[1, 2], [3, 4]]`, `x.vindex[idx2d, :, 0]` | `x.vindex([vec![1, 2], vec![3, 4]])`, `x.vindex([VIdx::from(idx2d), VIdx::ALL, VIdx::from(0)])` (index arrays broadcast; points first, then the sliced axes) |
//! | `x[:, dask_ints]`, `da.take(x, dask_ints, axis=0)` | `x.take_by(&ints, 1)`, `x.take_by(&ints, 0)` (`ints: DArray<i64>` or another integer type; chunked as `ints`; out of range an error at compute) |
//! | `x[1:8:3, ..., 0] = -1` | `let x = x.set(&[Idx::range(1, 8, 3), Idx::Ellipsis, Idx::At(0)], -1.0);` (a new array; scalars; masks through `DArray::where_`) |
//! | `x[:, [3, 0]] = v`, `x[x > 8] = 0`, `x[2:4, dx[0] > 3] = y[..]` | `x.setitem(&[SetIdx::ALL, SetIdx::from(vec![3, 0])], v)`, `x.setitem(&[SetIdx::from(&x.gt(8.0))], 0.0)`: lists, masks (in memory or lazy), values in memory or lazy, broadcast as numpy |
//! | `da.pad(x, 2, mode="reflect")`, `constant_values=((1, 2), (3, 4))`, `mode="linear_ramp", end_values=...`, `mode="mean", stat_length=((3, 4), (2, 1))`, `mode="empty"`, `mode=func` | `x.pad_with(&[(2, 2)], PadMode::Reflect)` (constant, edge, reflect, symmetric, wrap, maximum, minimum, mean), `PadMode::ConstantSides(vec![(1, 2), (3, 4)])`, `PadMode::LinearRamp(..)`, `PadMode::Stat(PadStat::Mean, vec![(3, 4), (2, 1)])`, `PadMode::Empty` (zeros), `PadMode::Func(Arc::new(f))` |
//! | `da.block([[[a, b], [c, d]], [[e, f], [g, h]]])` | `DArray::block_nested(&Blocks::List(..))` (`DArray::block` for two levels) |
//! | `chunks="100 MiB"`, `chunks=(-1, "auto")`, `x.rechunk({1: 300})` | `"100 MiB".parse::<Chunks>()?`, `Chunks::PerAxis(vec![AxisChunks::Whole, AxisChunks::Auto])`, `x.rechunk(Chunks::Axes(vec![(1, AxisChunks::Size(300))]))` |
//! | `da.moment(x, 3, axis=0)`, `da.average(x, axis=1, weights=w)`, `da.nanprod`, `da.nancumsum` | `x.moment(3, 0)`, `x.average(&w, Some(1))`, `x.nanprod(None)`, `x.nancumsum(0)` |
//! | `da.rot90(x)`, `da.rollaxis(x, 2)`, `da.block([[a, b], [c]])`, `da.atleast_3d(x)` | `x.rot90(1, (0, 1))`, `x.rollaxis(2, 0)`, `DArray::block(&[vec![a, b], vec![c]])`, `x.atleast_3d()` |
//! | `rng.choice([1, 3, 5], size, p=p, chunks=c)`, `rng.permutation(n)` | `array::choice(&[1, 3, 5], Some(&p), &size, c, seed)?`, `array::permutation(n, c, seed)?`; `rng.choice(a, k, replace=False)`: `array::choice_distinct(&a, k, c, seed)?` |
//! | `x.rechunk(100, balance=True)` | `x.rechunk_balanced([100])` |
//! | `da.diagonal(x, 1)`, `da.trace(x)` | `x.diagonal(1, 0, 1)`, `x.trace(0)` |
//! | `da.insert(x, 1, v, axis=0)`, `da.delete(x, [0, -1], axis=0)`, `da.append(x, v, axis=0)` | `x.insert(1, &v, 0)`, `x.delete(&[0, -1], 0)`, `x.append(&v, 0)` |
//! | `da.choose(i, [a, b])`, `da.select([c1, c2], [a, b], default)` | `i.choose(&[a, b])`, `DArray::select(&[c1, c2], &[a, b], default)` |
//! | `da.isclose(x, y)`, `da.allclose(x, y)`, `da.isposinf(x)`, `da.nan_to_num(x)` | `x.isclose(&y, 1e-5, 1e-8, false)`, `x.allclose(..)`, `x.is_posinf()`, `x.nan_to_num(0.0, f64::MAX, f64::MIN)` |
//! | `da.coarsen(np.sum, x, {0: 2, 1: 4})` | `x.coarsen(&[(0, 2), (1, 4)], false, \|w\| w.sum())` |
//! | `da.histogram(x, bins=[0, 1, 3], weights=w, density=True)`, `da.histogramdd(s, bins=4, range=r)`, `da.histogram2d(x, y, bins=5, range=r)`, `da.bincount(x, weights=w)` | `x.histogram_with(&Bins::Edges(vec![0.0, 1.0, 3.0]), Some(&w), true)?` (`histogram_counts` for integer counts), `s.histogramdd(&[Bins::Range { n: 4, lo, hi }], None, false)?` (`histogramdd_coords` for a sequence of arrays), `histogram2d(&x, &y, &[Bins::Range { n: 5, lo, hi }], None, false)?`, `x.bincount_weighted(&w, 0)` |
//! | `da.histogram(x, bins=n, range=[x.min(), x.max()])`, `bins=dask_edges` | `x.histogram_lazy(&LazyBins::Range { n, lo: x.min(Axes::All), hi: x.max(Axes::All) }, None, false)?` (counts and edges both lazy); `LazyBins::Edges(edges)` |
//! | `da.nanmedian(x, axis=0)`, `da.nanquantile(x, q, axis=0)` | `x.nanmedian(0)`, `x.nanquantile(&q, 0)` |
//! | `da.quantile(x, q, axis=[1, 3], keepdims=True, method='weibull')`, `da.nanpercentile(x, p, axis=None)`, `da.median(x, axis=(0, 1))`, `da.quantile(x, q, axis=0, weights=w, method='inverted_cdf')` | `x.quantile_with(&Quantile::new(q).axes([1, 3]).keepdims(true).method(QuantileMethod::Weibull))` (q a number, list, n-d `ArrayD` or `&DArray`; q's axes lead, as numpy's), `x.quantile_with(&Quantile::percentiles(p).skip_nan(true))`, `x.quantile_with(&Quantile::median().axes([0, 1]))`, `x.quantile_with(&Quantile::new(q).axes(0).method(QuantileMethod::InvertedCdf).weights(&w))`; `x.nanpercentile(&p, 0)`; `"weibull".parse::<QuantileMethod>()` |
//! | `da.store([a, b], [at, bt], regions=r, compute=False)`, `return_stored=True`, `a.to_zarr(z, region=r)` into an existing array, `a.to_zarr(d, shards=(18, 18), component='g/x', overwrite=False)` | `store(vec![a.store_into(at.clone(), &r)?, b.store_into(bt.clone(), &r)?])` (a target: `Arc<Mutex<ArrayD<T>>>`, a `ZarrArray::open(path)?`, or any `Target`; `r`: `&[VIdx]`, numpy's `at[r] = a`), `a.stored_into(at, &r)?`, `a.to_zarr_with(d, &ZarrWrite::new().shards([18, 18]).component("g/x").overwrite(false))` |
//! | `da.topk(x, k, axis=1)`, `da.argtopk(x, -k, axis=0)`, `da.diag(v, k)`, `da.tril_indices(n, k, m)`, `da.meshgrid(a, b, indexing='ij', sparse=True)`, `da.cov(x, fweights=f, aweights=a, ddof=0)`, `np.divmod(x, y)`, `np.frexp(x)`, `np.i0(x)`, `da.diff(x, n)`, `da.ediff1d(x, to_end, to_begin)`, `da.flatnonzero(x)`, `da.roll(x, (1, 2), axis=(0, 1))`, `da.unravel_index(f, shape)`, `da.ravel_multi_index(m, dims, mode='clip')`, `da.union1d(a, b)` | `x.topk_axis(k, 1)`, `x.argtopk(-k, 0)`, `v.diag_k(k)`, `tril_indices(n, k, m, chunks)?`, `meshgrid_with(&[a, b], true, true)`, `x.cov_with(&Cov::new().fweights(&f).aweights(&a).ddof(0))`, `x.divmod(&y)`, `x.frexp()`, `x.i0()`, `x.diff_n(n, axis)`, `x.ediff1d(to_end, to_begin)`, `x.flatnonzero()`, `x.roll_with(&[1, 2], Some(&[0, 1]))`, `unravel_index(&f, shape, false)`, `ravel_multi_index(&m, dims, false, &[RavelMode::Clip])`, `a.union1d(&b)` (a `Delayed`, as `unique`) |
//! | `da.unique(x, return_index=True, return_inverse=True, return_counts=True)`, `x.to_delayed()`, `da.from_delayed(v, shape)`, `da.piecewise(x, [c1, c2], [f, 5])`, `da.insert(x, [2, 3, 3], values, axis=1)`, `da.reductions.cumreduction(np.maximum.accumulate, ...)`, `da.apply_over_axes(f, x, axes)` | `x.unique_all()` (`UniqueAll { values, index, inverse, counts }`, each lazy), `x.to_delayed()` (an `ArrayD<Delayed<ArrayD<T>>>`), `from_delayed(&v, shape)`, `x.piecewise(&[c1, c2], vec![Piece::func(f), Piece::Value(5)])`, `x.insert_many(&[2, 3, 3], &values, 1)`, `x.cumreduce(axis, identity, f)`, `x.apply_over_axes(f, &axes)` |
//! | `np.arcsinh(x)`, `np.deg2rad(x)`, `np.exp2(x)`, `np.rint(x)`, `np.spacing(x)`, `np.isinf(x)`, `np.signbit(x)`, `np.logical_not(x)`, `~x` (ints), `np.arctan2(y, x)`, `np.hypot`, `np.copysign`, `np.fmod`, `np.fmax`/`fmin`, `np.logaddexp(2)`, `np.nextafter`, `np.ldexp(x, e)`, `np.float_power`, `x & y`, `x \| y`, `x ^ y`, `x << y`, `x >> y`, `x ** y` (ints), `np.logical_and(x, y)` | `x.arcsinh()`, `x.deg2rad()`, `x.exp2()`, `x.rint()`, `x.spacing()`, `x.isinf()`, `x.signbit()`, `x.logical_not()`, `x.bitwise_not()`, `y.arctan2(&x)`, `x.hypot(&y)`, `x.copysign(&y)`, `x.fmod(&y)`, `x.fmax(&y)`, `x.logaddexp(&y)`, `x.nextafter(&y)`, `x.ldexp(&e)`, `x.float_power(&y)`, `x.bitwise_and(&y)`, `x.bitwise_or(&y)`, `x.bitwise_xor(&y)`, `x.left_shift(&y)`, `x.right_shift(&y)`, `x.int_power(&y)`, `x.logical(&y, Logical::And)`; `abs`, `sign`, `square`, `reciprocal` keep integers integer |
//! | `np.gradient(x, 2.0, coords, axis=(0, 2), edge_order=2)`, `a @ b` with batch axes that broadcast (`(15,) @ (7, 15, 11)`, `(7, 11, 15, 19) @ (11, 19, 13)`) | `x.gradient(&[Spacing::Step(2.0), Spacing::Coords(c)], Some(&[0, 2]), 2)`, `a.matmul(&b)` |
//! | `da.einsum("aab,bc...->ac...", a, b)` (diagonals, `...`, labels of length 1 broadcast), `da.tensordot(x, x, 27)` | `einsum("aab,bc...->ac...", &[&a, &b])`, `x.tensordot(&x, &axes, &axes)` (any number of axes) |
//! | `da.blockwise(np.dot, 'ik', x, 'ij', y, 'jk', concatenate=True, new_axes={...})` | `blockwise("ik", &[(&x, "ij"), (&y, "jk")], &[], \|v\| ...)` (blocks along labels absent from the output concatenated; new axes as `(label, length)`) |
//! | `x % y`, `x // y`, `np.modf(x)`, `np.round(x, 2)`, `np.sinc(x)` | `x.rem(&y)`, `x.floor_div(&y)`, `x.modf()`, `x.round_to(2)`, `x.sinc()` |
//! | `x, res, rank, s = da.linalg.lstsq(a, b)`, `q, r = da.linalg.tsqr(a)`, `u, s, v = da.linalg.svd(a)` | `let (x, res, rank, s) = a.lstsq(&b);` (`rank` a `Delayed<usize>`; dependent columns give numpy's minimum-norm `x`), `a.tsqr()`, `a.svd()` |
//! | `x.persist()` | `x.persist()?` (past `memory_limit`, chunks wait in the spill directory) |
//! | `db.read_text(pattern)` | `Bag::read_text(pattern).encoding(..).open()?` (lines without `\n`) |
//! | `db.from_sequence(seq, npartitions=n)` | `Bag::from_iter(seq, n)` |
//! | `b.map`, `b.filter`, `b.flatten`/`map` to lists | `b.map`, `b.filter`, `b.flat_map` |
//! | `b.count()`, `b.frequencies()`, `b.foldby(...)`, `b.topk(k)` | the same names, each a [`Delayed`](crate::Delayed) |
//! | `b.foldby(...)`, `b.frequencies()`, `b.distinct()` as bags, with many keys | `b.foldby_partitioned(.., Some(n))`, `b.frequencies_partitioned(Some(n))`, `b.distinct_partitioned(Some(n))`: `n` partitions cut by key, no task holding every key |
//! | `b.groupby(key, npartitions=n)` (task shuffle) | `b.groupby(key, Some(n))` (a `Bag<(K, Vec<T>)>`; items are `serde` types) |
//! | `b.shuffle(on=key)`-style repartition by key | `b.shuffle(key, Some(n))` |
//! | a custom type in a bag that spills or crosses ranks (pickle) | `#[derive(Serialize, Deserialize)]`; `chunkwise::register_serde::<T>()` for results and `Delayed` values |
//! | `b.take(5)` | `b.take(5)?` (computes now, as Dask does) |
//! | `b.to_textfiles('out/*.gz')` | `b.to_textfiles("out/*.gz")?` |
//! | `b.to_dataframe(meta)` | `b.to_dataframe(schema, \|rec\| vec![AnyValue::..])?` (feature `dataframe`) |
//! | `dd.from_pandas(df, npartitions=4)`, `dd.from_delayed([...])` of frames | `DFrame::from_polars(df, 4)?`, `DFrame::from_partitions(frames)?` (feature `dataframe`) |
//! | `dd.read_csv(..., dtype=...)` | `DFrame::read_csv(..).dtype("col", DataType::Float64).open()?` (feature `dataframe`) |
//! | `dd.read_csv(..., on_bad_lines='skip')` | `DFrame::read_csv(..).on_bad_lines(OnBadLines::Skip)` (default: an error naming file and line; `last_stats()` counts skipped rows) |
//! | `df[cond]`, `df[['a', 'b']]`, `df.assign(c=...)` | `df.filter(expr)?`, `df.select([col("a"), col("b")])?`, `df.with_columns([expr.alias("c")])?` |
//! | `df.assign(d=df.x - df.x.mean())`, `df[df.x > df.x.mean()]` | two steps: `let m = df.column("x")?.mean().compute()?;` then `df.with_columns([(col("x") - lit(m)).alias("d")])?` (an expression that aggregates, sorts, shifts, ranks or accumulates in `with_columns`, `select` or `filter` is an error, not a per-partition answer) |
//! | `df.x.max()`, `df.x.std()`, `df.x.nunique()` | `df.column("x")?.max()`, `.std()`, `.n_unique()` |
//! | `df.groupby(k).agg({...})` | `df.groupby(&["k"])?.agg([col("x").mean(), col("y").count(), col("x").median()])?` (polars expressions; `Agg::mean("x").into()` for Dask's `x_mean` names) |
//! | `df.groupby(k, sort=False).agg(..., split_out=8)` | `df.groupby(&["k"])?.sort(false).split_out(8).agg(..)?` |
//! | `df.groupby(k).agg(..., split_out=8, shuffle_method="tasks")` | `df.groupby(&["k"])?.split_out(8).agg_frame(..)?` (a frame partitioned by key) |
//! | `df.groupby(k).agg(..., split_out=True)` (dask-expr picks the shuffle) | `df.groupby(&["k"])?.agg(..)?`: a tree whose buckets are sized by the groups estimated from the CSV samples; `.strategy(Strategy::Shuffle)` shuffles the rows instead; `.explain()` says which |
//! | `dd.merge(l, r, on=k, how=..., suffixes=(..))`, `left_on`/`right_on`, `broadcast=` | `l.merge(&r, Merge::on(&["k"]).how(How::Left).suffixes("_x", "_y"))?`, `Merge::left_right(..)`, `.broadcast(true)` (`How::Semi`, `How::Anti` too; nulls match nulls, as pandas) |
//! | `df.shuffle(on=k, npartitions=n)` | `df.shuffle(&["k"], Some(n))?` |
//! | `df.set_index(k)`, `df.divisions`, `df.known_divisions` | `df.set_index("k")?` (the column stays a column), `df.divisions()` (a `Series` of n + 1 values, or `None`) |
//! | `df.set_index(k, divisions=other.divisions)` | `df.set_index_with_divisions("k", &other.divisions().unwrap())?` |
//! | `df.loc[a:b]` on the index | `df.loc(Some(AnyValue::Int64(a)), Some(AnyValue::Int64(b)))?` (inclusive; reads the partitions that overlap) |
//! | `dd.merge(a, b, left_index=True, right_on=k)` | `a.merge(&b, Merge::on(&["k"]))?` on an indexed `a`: `b` is moved onto `a`'s divisions |
//! | `df.sort_values([a, b], ascending=[True, False])` | `df.sort_values(&["a", "b"], SortMultipleOptions::default().with_order_descending_multi([false, true]))?` |
//! | `df.drop_duplicates(subset=[k], keep="first")` | `df.drop_duplicates(Some(&["k"]), UniqueKeepStrategy::First)?` |
//! | `df.repartition(npartitions=n)`, `df.repartition(partition_size="100MB")`, `dd.concat([a, b])` | `df.repartition(n)?`, `df.repartition_size(100 << 20)?` (sizes computed now, as Dask), `concat_frames(&[a, b])?` (columns joined outer, nulls where missing) |
//! | `dd.concat([a, b], join="inner")` | `concat_frames_join(&[a, b], ConcatJoin::Inner)?` |
//! | `dd.read_parquet(path, split_row_groups=..., blocksize=...)` | `DFrame::read_parquet(glob)?` (a large file split by runs of row groups of about 64 MiB), `DFrame::read_parquet_split(glob, bytes)?` |
//! | `dd.read_parquet(path, filters=[('k', 'in', [1, 5]), ('v', '>=', 3)])`, `df[df.k.isin([1, 5])]`, `df[df.v.between(2, 4)]`, `df[df.v.isna()]` | `DFrame::read_parquet(glob)?.filter(col("k").is_in(lit(Series::new("".into(), [1, 5])), false).and(col("v").gt_eq(lit(3))))?`, `col("v").is_between(lit(2), lit(4), ClosedInterval::Both)`, `col("v").is_null()`: row groups whose statistics (min, max, null count) rule the filter out are never read |
//! | `df.map_partitions(f)`, `df.map_partitions(f, meta=...)` | `df.map_partitions(\|d\| ...)?` (the schema: `f` on an empty frame), `df.map_partitions_with_schema(f, schema)?` |
//! | `df.groupby(k).v.cumsum()`, `.transform("mean")`, `.shift(1)`, `.rank()` | `df.groupby(&["k"])?.transform([col("v").cum_sum(false), col("v").mean().alias("m")])?` (polars expressions `over` the keys, in the frame's rows and order) |
//! | `df.groupby(k).apply(f, meta=...)` | `df.groupby(&["k"])?.apply(\|g\| ...)?`, `.apply_with_schema(f, schema)?` |
//! | `df.v.cumsum()`, `cummin`, `cummax` | `df.cum_sum(&["v"])?`, `cum_min`, `cum_max`, `cum_count` (in place of the columns) |
//! | `df.map_overlap(f, before, after)`, `df.v.rolling(3).mean()` | `df.map_overlap(f, before, after)?` with `f` a polars window (`(col("v") + col("v").shift(lit(1)) + col("v").shift(lit(2))) / lit(3.0)`) |
//! | `df.nlargest(n, cols)`, `df.nsmallest(..)`, `df.tail(n)` | `df.nlargest(n, &["x"])?`, `df.nsmallest(..)?`, `df.tail(n)?` (computes now, as Dask) |
//! | `df.describe()` | `df.describe()?` (exact percentiles, as pandas; the numeric columns gathered in one task) |
//! | `SLURMCluster(...)`, `cluster.job_script()` | `JobScript::slurm()...job_script()` ([`cluster`](crate::cluster)) |
//! | `cluster.scale(n)` | `job.scale(n)?` (ceil(n / processes) jobs) |
//! | `cluster.adapt(minimum, maximum)` | `ArrayMap::new(job, dir).adapt(min, max).map(inputs, f)?` |
//! | `Client(scheduler_address)` on `dask-ssh`/`srun dask-worker` | `mpirun`/`srun` the program itself (feature `mpi`): [`guide::cluster`](crate::guide::cluster) |
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
