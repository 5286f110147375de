use std::io::Read;
use std::path::PathBuf;

use chunkwise::dataframe::{Agg, DFrame, OnBadLines, Strategy};
use chunkwise::io::Encoding;
use chunkwise::{compute, last_stats};
use polars::prelude::*;

#[path = "../../data/gen/airline.rs"]
mod airline_gen;

/// The eager reference: every file decompressed and read by polars in one go, with the
/// types the synthetic data needs.
fn eager(paths: &[PathBuf]) -> DataFrame {
    let mut all = Vec::new();
    for (i, p) in paths.iter().enumerate() {
        let mut bytes = Vec::new();
        bzip2::read::MultiBzDecoder::new(std::fs::File::open(p).unwrap())
            .read_to_end(&mut bytes)
            .unwrap();
        let text: String = bytes.iter().map(|&b| char::from(b)).collect();
        let body = if i == 0 {
            text
        } else {
            text.split_once('\n').unwrap().1.to_string()
        };
        all.push(body);
    }
    let csv = all.concat();
    let mut schema_over = Schema::default();
    for c in [
        "TailNum",
        "CancellationCode",
        "UniqueCarrier",
        "Origin",
        "Dest",
    ] {
        schema_over.with_column(c.into(), DataType::String);
    }
    for c in [
        "Distance",
        "DepDelay",
        "ArrDelay",
        "CarrierDelay",
        "WeatherDelay",
        "NASDelay",
        "SecurityDelay",
        "LateAircraftDelay",
        "DepTime",
        "ArrTime",
        "ActualElapsedTime",
        "AirTime",
        "TaxiIn",
        "TaxiOut",
        "CRSElapsedTime",
    ] {
        schema_over.with_column(c.into(), DataType::Float64);
    }
    CsvReadOptions::default()
        .with_has_header(true)
        .with_schema_overwrite(Some(Arc::new(schema_over)))
        .with_infer_schema_length(None)
        .with_parse_options(
            CsvParseOptions::default()
                .with_null_values(Some(NullValues::AllColumns(vec!["NA".into(), "".into()]))),
        )
        .into_reader_with_file_handle(std::io::Cursor::new(csv.into_bytes()))
        .finish()
        .unwrap()
}

fn sample(dir: &std::path::Path) -> Vec<PathBuf> {
    airline_gen::write(dir, 1994..=2003, 700, 11).unwrap()
}

fn assert_frames_close(a: &DataFrame, b: &DataFrame) {
    assert_eq!(a.shape(), b.shape(), "{a}\n{b}");
    for (ca, cb) in a.columns().iter().zip(b.columns()) {
        assert_eq!(ca.name(), cb.name());
        let (sa, sb) = (ca.as_materialized_series(), cb.as_materialized_series());
        if sa.dtype().is_float() || sb.dtype().is_float() {
            let fa = sa.cast(&DataType::Float64).unwrap();
            let fb = sb.cast(&DataType::Float64).unwrap();
            for (x, y) in fa.f64().unwrap().iter().zip(fb.f64().unwrap().iter()) {
                match (x, y) {
                    (Some(x), Some(y)) => assert!(
                        (x - y).abs() <= 1e-9 * (1.0 + y.abs()) || (x.is_nan() && y.is_nan()),
                        "{}: {x} vs {y}",
                        ca.name()
                    ),
                    (x, y) => assert_eq!(x.is_none(), y.is_none(), "{}", ca.name()),
                }
            }
        } else {
            assert!(sa.equals_missing(sb), "{}:\n{sa}\n{sb}", ca.name());
        }
    }
}

#[test]
fn airline_queries_match_eager_polars_in_one_pass() {
    let dir = tempfile::tempdir().unwrap();
    let paths = sample(dir.path());
    let reference = eager(&paths);
    let air = DFrame::read_csv(&format!("{}/*.csv.bz2", dir.path().display()))
        .encoding(Encoding::Latin1)
        .open()
        .unwrap();
    assert_eq!(air.npartitions(), 10);
    // Widened across files: TailNum is NA in early years, Distance a float later.
    assert_eq!(air.schema().get("TailNum"), Some(&DataType::String));
    assert_eq!(air.schema().get("Distance"), Some(&DataType::Float64));
    let max = air.column("DepDelay").unwrap().max();
    let n = air.len();
    let sfo = air
        .filter(
            col("UniqueCarrier")
                .eq(lit("UA"))
                .and(col("Origin").eq(lit("SFO"))),
        )
        .unwrap();
    let by_dest = sfo.groupby(&["Dest"]).unwrap().mean("DepDelay").unwrap();
    let (max, n, by_dest) = compute((&max, &n, &by_dest)).unwrap();
    let s = last_stats().unwrap();
    assert_eq!(s.files_read, 10, "each file read once for three results");

    assert_eq!(n as usize, reference.height());
    let want_max = reference
        .column("DepDelay")
        .unwrap()
        .as_materialized_series()
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .max();
    assert_eq!(max, want_max);
    let want = reference
        .clone()
        .lazy()
        .filter(
            col("UniqueCarrier")
                .eq(lit("UA"))
                .and(col("Origin").eq(lit("SFO"))),
        )
        .group_by([col("Dest")])
        .agg([col("DepDelay").cast(DataType::Float64).mean()])
        .sort(["Dest"], Default::default())
        .collect()
        .unwrap();
    assert_frames_close(&by_dest, &want);
}

fn open(dir: &std::path::Path) -> DFrame {
    DFrame::read_csv(&format!("{}/*.csv.bz2", dir.display()))
        .encoding(Encoding::Latin1)
        .open()
        .unwrap()
}

#[test]
fn groupby_and_column_reductions_match_eager() {
    let dir = tempfile::tempdir().unwrap();
    let reference = eager(&sample(dir.path()));
    let air = open(dir.path());
    let aggs = [
        Agg::sum("ArrDelay"),
        Agg::mean("DepDelay"),
        Agg::count("DepDelay"),
        Agg::min("Distance"),
        Agg::max("DepDelay"),
        Agg::std("DepDelay"),
        Agg::var("ArrDelay"),
        Agg::size("Dest"),
    ];
    let got = air
        .groupby(&["UniqueCarrier", "Month"])
        .unwrap()
        .agg(aggs.clone().map(Expr::from))
        .unwrap();
    let c = |n: &str| col(n).cast(DataType::Float64);
    let want = reference
        .clone()
        .lazy()
        .group_by([col("UniqueCarrier"), col("Month")])
        .agg([
            c("ArrDelay").sum().alias("ArrDelay_sum"),
            c("DepDelay").mean().alias("DepDelay_mean"),
            c("DepDelay")
                .count()
                .cast(DataType::Int64)
                .alias("DepDelay_count"),
            c("Distance").min().alias("Distance_min"),
            c("DepDelay").max().alias("DepDelay_max"),
            c("DepDelay").std(1).alias("DepDelay_std"),
            c("ArrDelay").var(1).alias("ArrDelay_var"),
            len().cast(DataType::Int64).alias("Dest_size"),
        ])
        .sort(["UniqueCarrier", "Month"], Default::default())
        .collect()
        .unwrap();
    let dep = air.column("DepDelay").unwrap();
    let (got, mn, sum, cnt, mean, std, var, nu) = compute((
        &got,
        &dep.min(),
        &dep.sum(),
        &dep.count(),
        &dep.mean(),
        &dep.std(),
        &dep.var(),
        &air.column("Dest").unwrap().n_unique(),
    ))
    .unwrap();
    assert_frames_close(&got, &want);
    let s = reference
        .column("DepDelay")
        .unwrap()
        .as_materialized_series()
        .cast(&DataType::Float64)
        .unwrap();
    let s = s.f64().unwrap();
    assert_eq!(mn, s.min());
    assert!((sum - s.sum().unwrap()).abs() < 1e-6);
    assert_eq!(cnt as usize, s.len() - s.null_count());
    assert!((mean - s.mean().unwrap()).abs() < 1e-9);
    assert!((std - s.std(1).unwrap()).abs() < 1e-9);
    assert!((var - s.var(1).unwrap()).abs() < 1e-9);
    // Nulls are not a value (Dask's `nunique()`).
    let dest = reference.column("Dest").unwrap().as_materialized_series();
    assert_eq!(nu as usize, dest.drop_nulls().n_unique().unwrap());
    let vc = air
        .column("Origin")
        .unwrap()
        .value_counts()
        .unwrap()
        .compute()
        .unwrap();
    // Nulls are not counted (Dask's `value_counts()`).
    let origin = reference
        .column("Origin")
        .unwrap()
        .as_materialized_series()
        .drop_nulls();
    assert_eq!(vc.height(), origin.n_unique().unwrap());
    let counts: i64 = vc.column("count").unwrap().i64().unwrap().sum().unwrap();
    assert_eq!(counts as usize, origin.len());
}

#[test]
fn select_with_columns_head_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let reference = eager(&sample(dir.path()));
    let air = open(dir.path());
    let sel = air
        .with_columns([(col("ArrDelay") - col("DepDelay")).alias("Gain")])
        .unwrap()
        .select([col("Year"), col("Dest"), col("Gain")])
        .unwrap();
    let got = sel.compute().unwrap();
    let want = reference
        .clone()
        .lazy()
        .with_columns([(col("ArrDelay") - col("DepDelay")).alias("Gain")])
        .select([col("Year"), col("Dest"), col("Gain")])
        .collect()
        .unwrap();
    assert_frames_close(&got, &want);
    let head = air.head(5).unwrap();
    assert_eq!(head.height(), 5);
    assert_eq!(
        head.column("Year").unwrap().i64().unwrap().get(0),
        Some(1994)
    );
    // Convert once, query the copies: the same answers.
    let query = |f: &DFrame| {
        let by = f
            .filter(col("Origin").eq(lit("SFO")))
            .unwrap()
            .groupby(&["Dest"])
            .unwrap()
            .mean("DepDelay")
            .unwrap();
        compute((&f.len(), &by)).unwrap()
    };
    let base = query(&air);
    for fmt in ["parquet", "ipc", "csv"] {
        let out = dir.path().join(fmt);
        let written = match fmt {
            "parquet" => air.to_parquet(&out),
            "ipc" => air.to_ipc(&out),
            _ => air.to_csv(&out),
        }
        .unwrap()
        .compute()
        .unwrap();
        assert_eq!(written.len(), 10);
        let back = match fmt {
            "parquet" => DFrame::read_parquet(&format!("{}/*.parquet", out.display())).unwrap(),
            "ipc" => DFrame::read_ipc(&format!("{}/*.arrow", out.display())).unwrap(),
            _ => DFrame::read_csv(&format!("{}/*.csv", out.display()))
                .open()
                .unwrap(),
        };
        let got = query(&back);
        assert_eq!(got.0, base.0, "{fmt}");
        assert_frames_close(&got.1, &base.1);
    }
}

#[test]
fn only_needed_columns_are_parsed_and_bad_values_name_file_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    std::fs::write(&a, "x,y,z\n1,2,u\n3,4,v\n").unwrap();
    std::fs::write(&b, "x,y,z\n5,6,w\n7,oops,t\n").unwrap();
    // y widens to a string across files; forcing it to Int64 makes `oops` an error.
    let df = DFrame::read_csv(&format!("{}/*.csv", dir.path().display()))
        .dtype("y", DataType::Int64)
        .open()
        .unwrap();
    assert_eq!(df.column("x").unwrap().sum().compute().unwrap(), 16.0);
    let err = df
        .column("y")
        .unwrap()
        .sum()
        .compute()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("b.csv") && err.contains("line 3") && err.contains("oops"),
        "{err}"
    );
    // Without the override the type widens before the run and nothing fails.
    let df = DFrame::read_csv(&format!("{}/*.csv", dir.path().display()))
        .open()
        .unwrap();
    assert_eq!(df.schema().get("y"), Some(&DataType::String));
    assert_eq!(df.len().compute().unwrap(), 4);
    // A plain file split in tiny blocks reads the same.
    let big = dir.path().join("big.txt");
    let body: String = std::iter::once("k,v\n".to_string())
        .chain((0..5000).map(|i| format!("{},{}\n", i % 7, i)))
        .collect();
    std::fs::write(&big, body).unwrap();
    for block in [100, 1000, 1 << 20] {
        let f = DFrame::read_csv(big.to_str().unwrap())
            .block_size(block)
            .parse_block(333)
            .open()
            .unwrap();
        let (n, s) = compute((&f.len(), &f.column("v").unwrap().sum())).unwrap();
        assert_eq!(
            (n, s),
            (5000, (0..5000).sum::<i64>() as f64),
            "block {block}"
        );
    }
    // A value that does not parse deep in a gzip file: the error names its line.
    let body: String = std::iter::once("k,v\n".to_string())
        .chain((0..5000).map(|i| match i {
            3210 => "3,x3210\n".to_string(),
            _ => format!("{},{}\n", i % 7, i),
        }))
        .collect();
    let gz = dir.path().join("deep.csv.gz");
    write_gz(&gz, &body);
    for block in [1000, 1 << 20] {
        let err = DFrame::read_csv(gz.to_str().unwrap())
            .dtype("v", DataType::Int64)
            .parse_block(block)
            .open()
            .and_then(|f| f.column("v")?.sum().compute())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("deep.csv.gz, line 3212") && err.contains("x3210"),
            "{err}"
        );
    }
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let paths = sample(dir.path());
    let air = open(dir.path());
    assert!(
        air.column("NoSuch")
            .unwrap_err()
            .to_string()
            .contains("NoSuch")
    );
    assert!(air.filter(col("Nope").gt(lit(1))).is_err());
    assert!(air.groupby(&["Nope"]).is_err());
    assert!(
        DFrame::read_csv(&format!("{}/*.nothing", dir.path().display()))
            .open()
            .is_err()
    );
    assert!(
        DFrame::read_csv(paths[0].to_str().unwrap())
            .dtype("Nope", DataType::Int64)
            .open()
            .is_err()
    );
    // Truncated bz2.
    let good = std::fs::read(&paths[3]).unwrap();
    let t = dir.path().join("trunc.csv.bz2");
    std::fs::write(&t, &good[..good.len() * 2 / 3]).unwrap();
    let err = DFrame::read_csv_files(&[&paths[0], &t])
        .encoding(Encoding::Latin1)
        .open()
        .and_then(|f| f.len().compute())
        .unwrap_err()
        .to_string();
    assert!(err.contains("trunc.csv.bz2"), "{err}");
    // Empty file, header mismatch, a row with too many fields.
    let e = dir.path().join("e.csv");
    std::fs::write(&e, "").unwrap();
    assert!(
        DFrame::read_csv(e.to_str().unwrap())
            .open()
            .unwrap_err()
            .to_string()
            .contains("e.csv")
    );
    let h1 = dir.path().join("h1.csv");
    let h2 = dir.path().join("h2.csv");
    std::fs::write(&h1, "a,b\n1,2\n").unwrap();
    std::fs::write(&h2, "a,c\n1,2\n").unwrap();
    let err = DFrame::read_csv_files(&[&h1, &h2])
        .open()
        .unwrap_err()
        .to_string();
    assert!(err.contains("h2.csv"), "{err}");
    // The error of counting the rows of a CSV file with `text`.
    let rows_of = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        DFrame::read_csv(path.to_str().unwrap())
            .open()
            .and_then(|f| f.len().compute())
            .map_err(|e| e.to_string())
    };
    assert_eq!(rows_of("one.csv", "a\n1\n2\n"), Ok(2));
    let res = rows_of("ragged.csv", "a,b\n1,2\n3,4,5\n");
    assert!(
        res.is_err(),
        "a row with too many fields is an error: {res:?}"
    );
    // Too few fields: an error naming file, line and count (polars alone reads nulls).
    let err = rows_of("short.csv", "a,b,c\n1,2,3\n4,5\n6,7,8\n").unwrap_err();
    assert!(
        err.contains("short.csv") && err.contains("line 3") && err.contains("2 fields"),
        "{err}"
    );
    // Separators inside quotes are not field breaks; a quoted row short of fields is
    // still found.
    assert_eq!(rows_of("quoted.csv", "a,b\n\"x,y\",2\n\"z\",3\n"), Ok(2));
    let df = DFrame::read_csv(dir.path().join("quoted.csv").to_str().unwrap())
        .open()
        .and_then(|f| f.compute())
        .unwrap();
    assert_eq!(df.column("a").unwrap().str().unwrap().get(0), Some("x,y"));
    let err = rows_of("quoted.csv", "a,b\n\"x,y\",2\n\"z,w\"\n").unwrap_err();
    assert!(
        err.contains("line 3") && err.contains("1 field where"),
        "{err}"
    );
}

/// `on_bad_lines`: rows with too few or too many fields are skipped and counted (warn
/// and skip), and the rest equals eager polars on the file without them; across parse
/// blocks and a gzip file; the default stays an error.
#[test]
fn bad_lines_skipped_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("a,b,c\n");
    let mut clean = text.clone();
    for i in 0..500 {
        let row = match i % 97 {
            5 => format!("{i},{i}\n"),
            40 => format!("{i},{i},{i},{i}\n"),
            _ => {
                let r = format!("{i},{},x{}\n", i * 2, i % 7);
                clean.push_str(&r);
                r
            }
        };
        text.push_str(&row);
    }
    let plain = dir.path().join("bad.csv");
    std::fs::write(&plain, &text).unwrap();
    let gz = dir.path().join("bad2.csv.gz");
    write_gz(&gz, &text);
    let clean_path = dir.path().join("clean.csv");
    std::fs::write(&clean_path, &clean).unwrap();
    let want = eager_csv(&clean_path);
    let skipped = (text.lines().count() - clean.lines().count()) as u64;
    assert_eq!(skipped, 11);
    for path in [&plain, &gz] {
        for policy in [OnBadLines::Skip, OnBadLines::Warn] {
            for block in [64, 1 << 20] {
                let f = DFrame::read_csv(path.to_str().unwrap())
                    .on_bad_lines(policy)
                    .parse_block(block)
                    .open()
                    .unwrap();
                let got = f.compute().unwrap();
                assert_frames_close(&got, &want);
                assert_eq!(last_stats().unwrap().rows_skipped, skipped);
            }
        }
        let err = DFrame::read_csv(path.to_str().unwrap())
            .open()
            .and_then(|f| f.len().compute())
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 7") && err.contains("2 fields"), "{err}");
    }
}

fn write_gz(path: &std::path::Path, text: &str) {
    let mut w = flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::fast(),
    );
    std::io::Write::write_all(&mut w, text.as_bytes()).unwrap();
    w.finish().unwrap();
}

fn eager_csv(path: &std::path::Path) -> DataFrame {
    CsvReadOptions::default()
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .unwrap()
        .finish()
        .unwrap()
}

#[test]
fn bag_to_dataframe_matches_iterators() {
    use chunkwise::bag::Bag;
    let rows: Vec<(String, i64)> = (0..1000)
        .map(|i| (format!("k{}", i % 7), i as i64))
        .collect();
    for parts in [1, 3, 10] {
        let b = Bag::from_iter(rows.clone(), parts).filter(|(_, v)| v % 3 != 0);
        let schema = Schema::from_iter([
            Field::new("k".into(), DataType::String),
            Field::new("v".into(), DataType::Int64),
        ]);
        let df = b
            .to_dataframe(schema, |(k, v)| {
                vec![
                    AnyValue::StringOwned(k.as_str().into()),
                    AnyValue::Int64(*v),
                ]
            })
            .unwrap();
        assert_eq!(df.npartitions(), parts);
        let (n, sums) =
            compute((&df.len(), &df.groupby(&["k"]).unwrap().sum("v").unwrap())).unwrap();
        let kept: Vec<&(String, i64)> = rows.iter().filter(|(_, v)| v % 3 != 0).collect();
        assert_eq!(n as usize, kept.len());
        for (k, s) in sums
            .column("k")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .zip(sums.column("v").unwrap().f64().unwrap().iter())
        {
            let want: i64 = kept
                .iter()
                .filter(|(kk, _)| Some(kk.as_str()) == k)
                .map(|(_, v)| v)
                .sum();
            assert_eq!(s, Some(want as f64));
        }
    }
    // A row of the wrong width is an error.
    let b = Bag::from_iter(vec![1i64, 2], 1);
    let schema = Schema::from_iter([
        Field::new("a".into(), DataType::Int64),
        Field::new("b".into(), DataType::Int64),
    ]);
    let err = b
        .to_dataframe(schema, |x| vec![AnyValue::Int64(*x)])
        .unwrap()
        .len()
        .compute()
        .unwrap_err();
    assert!(err.to_string().contains("1 values for 2 columns"), "{err}");
}

/// Records the warnings of a run.
#[derive(Default)]
struct Warnings(std::sync::Mutex<Vec<(String, String)>>);

impl chunkwise::Observer for Warnings {
    fn on_event(&self, event: &chunkwise::Event<'_>) {
        if let chunkwise::Event::Warning { key, message } = event {
            let mut w = self.0.lock().unwrap();
            w.push((key.to_string(), message.to_string()));
        }
    }
    fn wants_task_events(&self) -> bool {
        false
    }
}

/// `OnBadLines::Warn`: each skipped row is a warning event naming the file, line and
/// field count, from the task that read it; `Skip` warns of nothing.
#[test]
fn skipped_rows_are_warning_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("warn.csv");
    std::fs::write(&path, "a,b\n1,2\n3\n4,5\n6,7,8\n9,10\n").unwrap();
    for (policy, want) in [(OnBadLines::Warn, 2), (OnBadLines::Skip, 0)] {
        let seen = std::sync::Arc::new(Warnings::default());
        let config = chunkwise::Config::new()
            .print_warnings(false)
            .observe(seen.clone());
        let f = DFrame::read_csv(path.to_str().unwrap())
            .on_bad_lines(policy)
            .open()
            .unwrap();
        let got = chunkwise::compute_with(&f, &config).unwrap();
        assert_eq!(got.height(), 3);
        assert_eq!(last_stats().unwrap().rows_skipped, 2);
        let warnings = seen.0.lock().unwrap().clone();
        assert_eq!(warnings.len(), want, "{warnings:?}");
        if want > 0 {
            assert!(warnings[0].0.contains("read_csv"), "{warnings:?}");
            assert!(warnings[0].1.contains("warn.csv, line 3"), "{warnings:?}");
            assert!(warnings[0].1.contains("1 field where"), "{warnings:?}");
            assert!(warnings[1].1.contains("line 5") && warnings[1].1.contains("3 fields"));
        }
    }
}

/// db-benchmark's finding: `five` where a number belongs, at row 2500 of 5000. Whether
/// the sample sees it (the column is read as text) or not (polars refuses to parse it),
/// a numeric reduction or group aggregation is an error naming the file, the line, the
/// column and the value; never an answer over the other 4999 rows.
#[test]
fn a_value_that_is_not_a_number_is_an_error_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("Dest,DepDelay\n");
    for j in 0..5000 {
        let v = if j == 2499 {
            "five".to_string()
        } else {
            (j % 90).to_string()
        };
        text.push_str(&format!("{},{v}\n", ["SFO", "LAX", "ORD"][j % 3]));
    }
    let path = dir.path().join("delays.csv.gz");
    write_gz(&path, &text);
    let p = path.to_str().unwrap();
    for sample in [1 << 20, 4096] {
        let f = DFrame::read_csv(p).sample_bytes(sample).open().unwrap();
        let max = f.column("DepDelay").unwrap().max().compute();
        let mean = f
            .groupby(&["Dest"])
            .unwrap()
            .mean("DepDelay")
            .unwrap()
            .compute();
        for err in [max.map(|_| ()), mean.map(|_| ())] {
            let err = err.expect_err("a value that is not a number").to_string();
            assert!(err.contains("delays.csv.gz"), "sample {sample}: {err}");
            assert!(err.contains("line 2501"), "sample {sample}: {err}");
            assert!(err.contains("five"), "sample {sample}: {err}");
        }
    }
    // Counting rows and values reads no number: fine on a text column.
    let f = DFrame::read_csv(p).open().unwrap();
    assert_eq!(f.len().compute().unwrap(), 5000);
}

/// `n_unique` drops nulls, as Dask's `nunique()`; a missing column's error names the
/// files it was looked for in.
#[test]
fn n_unique_drops_nulls_and_missing_columns_name_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    std::fs::write(&a, "k,v\nx,1\n,2\ny,3\n").unwrap();
    std::fs::write(&b, "k,v\n,4\nx,5\nz,6\n").unwrap();
    let pattern = dir.path().join("*.csv");
    let f = DFrame::read_csv(pattern.to_str().unwrap()).open().unwrap();
    let got = f.column("k").unwrap().n_unique().compute().unwrap();
    let mut reference = eager_csv(&a);
    reference.vstack_mut(&eager_csv(&b)).unwrap();
    let want = reference
        .column("k")
        .unwrap()
        .as_materialized_series()
        .drop_nulls()
        .n_unique()
        .unwrap();
    assert_eq!((got, want), (3, 3));
    let err = f.column("nope").unwrap_err().to_string();
    assert!(err.contains("a.csv") && err.contains("b.csv"), "{err}");
}

/// Group aggregations against eager polars on odd shapes: a group whose values are all
/// null, a group with one value (std and var null), one key holding most rows, a file
/// with no rows (an empty partition), blocks cut small so partials merge many times.
#[test]
fn groupby_odd_shapes_match_eager() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = String::from("k,v\n");
    for i in 0..3000 {
        // "hot" holds most rows; "nulls" has only missing values; "one" a single value.
        let (k, v) = match i % 50 {
            0 => ("nulls", String::new()),
            1 if i == 1 => ("one", "7.5".to_string()),
            2..=4 => ("cold", format!("{}", i % 13)),
            _ => ("hot", format!("{}.25", i % 101)),
        };
        a.push_str(&format!("{k},{v}\n"));
    }
    std::fs::write(dir.path().join("a.csv"), &a).unwrap();
    std::fs::write(dir.path().join("b.csv"), "k,v\n").unwrap();
    let pattern = dir.path().join("*.csv");
    let f = DFrame::read_csv(pattern.to_str().unwrap())
        .parse_block(256)
        .open()
        .unwrap();
    assert_eq!(f.npartitions(), 2);
    let aggs = [
        Agg::sum("v"),
        Agg::mean("v"),
        Agg::count("v"),
        Agg::min("v"),
        Agg::max("v"),
        Agg::std("v"),
        Agg::var("v"),
        Agg::size("v"),
    ];
    let got = f
        .groupby(&["k"])
        .unwrap()
        .agg(aggs.clone().map(Expr::from))
        .unwrap()
        .compute()
        .unwrap();
    let reference = eager_csv(&dir.path().join("a.csv"));
    let c = || col("v").cast(DataType::Float64);
    let want = reference
        .lazy()
        .group_by([col("k")])
        .agg([
            c().sum().alias("v_sum"),
            c().mean().alias("v_mean"),
            c().count().cast(DataType::Int64).alias("v_count"),
            c().min().alias("v_min"),
            c().max().alias("v_max"),
            c().std(1).alias("v_std"),
            c().var(1).alias("v_var"),
            len().cast(DataType::Int64).alias("v_size"),
        ])
        .sort(["k"], Default::default())
        .collect()
        .unwrap();
    assert_frames_close(&got, &want);
    // The all-null group (60 rows, no value): its mean is null, as in polars.
    let nulls = got
        .clone()
        .lazy()
        .filter(col("k").eq(lit("nulls")))
        .collect()
        .unwrap();
    assert_eq!(nulls.column("v_mean").unwrap().null_count(), 1);
}

/// Every aggregation a user writes as a polars expression, alone and together, against
/// eager polars on the same rows: keys of text, integer and boolean type (with a null
/// key), a key holding most rows, an all-null group, a file with no rows, a file whose
/// keys appear nowhere else, batches cut small, one bucket or several. Lowered
/// aggregations (sum, mean, var, min, first, corr, cov, expressions of them) and
/// holistic ones (median, quantile, n_unique, top-k, a list) alike; a group of one row, pairs
/// with one side missing.
#[test]
fn groupby_expressions_match_eager_polars() {
    let dir = tempfile::tempdir().unwrap();
    let mut x: u64 = 42;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        x >> 33
    };
    let mut a = String::from("k,n,flag,v,w\n");
    for i in 0..2500 {
        let r = next();
        let k = match r % 10 {
            0 => "",      // a null key
            1 => "nulls", // v always missing
            2 | 3 => "cold",
            _ => "hot",
        };
        let v = if k == "nulls" || r % 17 == 0 {
            String::new()
        } else {
            format!("{}.{}", (r >> 8) % 1000, r % 100)
        };
        let flag = if r % 3 == 0 { "true" } else { "false" };
        a.push_str(&format!("{k},{},{flag},{v},{}\n", (r >> 4) % 5, i % 97));
    }
    std::fs::write(dir.path().join("a.csv"), &a).unwrap();
    std::fs::write(dir.path().join("b.csv"), "k,n,flag,v,w\n").unwrap();
    std::fs::write(
        dir.path().join("c.csv"),
        "k,n,flag,v,w\nonly_here,9,true,1.5,3\nonly_here,9,true,2.5,4\nhot,1,false,7.25,5\n\
         single,2,true,3.5,8\npair,3,false,1.0,\npair,3,false,2.0,7\n",
    )
    .unwrap();
    let f = DFrame::read_csv(dir.path().join("*.csv").to_str().unwrap())
        .parse_block(512)
        .open()
        .unwrap();
    let rows: String = ["a.csv", "b.csv", "c.csv"]
        .iter()
        .map(|p| {
            let t = std::fs::read_to_string(dir.path().join(p)).unwrap();
            t.split_once('\n').unwrap().1.to_string()
        })
        .collect();
    let reference = CsvReadOptions::default()
        .with_schema(Some(f.schema().clone()))
        .into_reader_with_file_handle(std::io::Cursor::new(format!("k,n,flag,v,w\n{rows}")))
        .finish()
        .unwrap();
    let exprs = vec![
        col("v").sum().alias("sum"),
        col("v").mean().alias("mean"),
        col("v").count().alias("count"),
        len().alias("size"),
        col("v").min().alias("min"),
        col("w").max().alias("max"),
        col("v").first().alias("first"),
        col("w").last().alias("last"),
        col("v").std(1).alias("std"),
        col("w").var(0).alias("var0"),
        (col("v").max() - col("w").min()).alias("range"),
        (col("v").sum() / len() * lit(2.0)).alias("twice_mean"),
        pearson_corr(col("v"), col("w")).alias("corr"),
        cov(col("v"), col("w"), 1).alias("cov"),
        cov(col("w"), col("v") * lit(2.0), 0).alias("cov0"),
        pearson_corr(col("w"), col("v")).pow(2).alias("r2"),
        (-col("v").max()).sqrt().fill_null(lit(-1.0)).alias("odd"),
        col("v").n_unique().alias("n_unique"),
        col("v").median().alias("median"),
        col("w").top_k(lit(2)).alias("top2"),
        col("v").bottom_k(lit(3)).alias("bottom3"),
        col("v")
            .quantile(lit(0.9), QuantileMethod::Linear)
            .alias("q90"),
        col("v").drop_nulls().alias("values"),
    ];
    let eager = |keys: &[&str], exprs: &[Expr]| {
        reference
            .clone()
            .lazy()
            .group_by(keys.iter().map(|k| col(*k)).collect::<Vec<_>>())
            .agg(exprs)
            .sort(
                keys.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
                SortMultipleOptions::default().with_nulls_last(true),
            )
            .collect()
            .unwrap()
    };
    // Each aggregation alone (the lowered path, or the holistic one).
    for e in &exprs {
        let got = f
            .groupby(&["k", "n"])
            .unwrap()
            .agg([e.clone()])
            .unwrap()
            .compute()
            .unwrap();
        assert_frames_close(&got, &eager(&["k", "n"], std::slice::from_ref(e)));
    }
    // All together, by keys of each type, in one bucket or several, through a tree of
    // partials or through the shuffle.
    for keys in [&["k"][..], &["flag"], &["n", "k"]] {
        for buckets in [1, 3] {
            let lowered = &exprs[..17];
            // With the list partials (median, quantile, n_unique, top-k), and with a
            // list that holds the rows.
            for set in [lowered, &exprs[..22], &exprs[..]] {
                for strategy in [Strategy::Tree, Strategy::Shuffle] {
                    let got = f
                        .groupby(keys)
                        .unwrap()
                        .split_out(buckets)
                        .strategy(strategy)
                        .agg(set)
                        .unwrap()
                        .compute()
                        .unwrap();
                    assert_frames_close(&got, &eager(keys, set));
                }
            }
        }
    }
    // A query that does not fit the schema is an error before anything runs.
    let err = f
        .groupby(&["k"])
        .unwrap()
        .agg([col("nope").sum()])
        .unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
}

/// The groups estimated from the files' samples (cut short of the files' ends, an
/// empty file among them), through a filter and a new column: about 120 000 for keys
/// unique per row, 7 for seven keys; the tree by default, the shuffle when asked, and
/// the answers equal eager polars' either way.
#[test]
fn groupby_strategy_follows_the_estimated_groups() {
    let dir = tempfile::tempdir().unwrap();
    for f in 0..3 {
        let rows: String = (0..40_000)
            .map(|i| {
                let id = f * 40_000 + i;
                format!("{id},{},{}.5\n", id % 7, id % 1000)
            })
            .collect();
        std::fs::write(
            dir.path().join(format!("p{f}.csv")),
            format!("id,k,v\n{rows}"),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("p3.csv"), "id,k,v\n").unwrap();
    let f = DFrame::read_csv(dir.path().join("*.csv").to_str().unwrap())
        .sample_bytes(64 << 10)
        .open()
        .unwrap();
    let reference = CsvReadOptions::default()
        .with_schema(Some(f.schema().clone()))
        .into_reader_with_file_handle(std::io::Cursor::new(
            (0..4)
                .map(|i| std::fs::read_to_string(dir.path().join(format!("p{i}.csv"))).unwrap())
                .enumerate()
                .map(|(i, t)| {
                    if i == 0 {
                        t
                    } else {
                        t.split_once('\n').unwrap().1.to_string()
                    }
                })
                .collect::<String>(),
        ))
        .finish()
        .unwrap();
    let frame = f
        .filter(col("v").gt(lit(10.0)))
        .unwrap()
        .with_columns([(col("v") * lit(2.0)).alias("w")])
        .unwrap();
    let want = |keys: &[&str]| {
        reference
            .clone()
            .lazy()
            .filter(col("v").gt(lit(10.0)))
            .with_columns([(col("v") * lit(2.0)).alias("w")])
            .group_by(keys.iter().map(|k| col(*k)).collect::<Vec<_>>())
            .agg([col("w").sum(), col("v").median().alias("med")])
            .sort(
                keys.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
                Default::default(),
            )
            .collect()
            .unwrap()
    };
    for (keys, groups) in [(&["id"][..], 118_800.0), (&["k"], 7.0)] {
        let g = frame.groupby(keys).unwrap();
        let plan = g.explain();
        assert!(plan.contains("by tree of partials in 4 buckets"), "{plan}");
        assert!(plan.contains("Filter"), "{plan}");
        let estimate: f64 = plan
            .split("an estimate of ")
            .nth(1)
            .and_then(|t| t.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{plan}"));
        assert!((estimate / groups - 1.0).abs() < 0.1, "{plan}");
        let got = g
            .agg([col("w").sum(), col("v").median().alias("med")])
            .unwrap()
            .compute()
            .unwrap();
        assert_frames_close(&got, &want(keys));
    }
    // Asked for, the other way round; a frame with no sample takes the tree.
    let forced = frame.groupby(&["k"]).unwrap().strategy(Strategy::Shuffle);
    assert!(
        forced
            .explain()
            .contains("by shuffle into 4 partitions, as asked")
    );
    let got = forced
        .agg([col("w").sum(), col("v").median().alias("med")])
        .unwrap();
    assert_frames_close(&got.compute().unwrap(), &want(&["k"]));
    let unsampled = frame.shuffle(&["k"], Some(2)).unwrap();
    let g = unsampled.groupby(&["id"]).unwrap();
    assert!(
        g.explain().contains("the default with no estimate"),
        "{}",
        g.explain()
    );
}

/// `agg_frame` by the tree: the answer left in its buckets, one partition each, hash
/// partitioned on the keys (a group-by on them after needs no shuffle), each group in
/// one partition only, lowered and holistic alike, against eager polars.
#[test]
fn agg_frame_leaves_the_tree_buckets_as_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let mut all = String::new();
    for f in 0..3 {
        let rows: String = (0..3000)
            .map(|i| format!("{},{},{}\n", (f * 3000 + i) % 211, i % 3, (i * 37) % 101))
            .collect();
        all.push_str(&rows);
        std::fs::write(
            dir.path().join(format!("p{f}.csv")),
            format!("id,k,v\n{rows}"),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("p3.csv"), "id,k,v\n").unwrap();
    let f = DFrame::read_csv(dir.path().join("*.csv").to_str().unwrap())
        .open()
        .unwrap();
    let reference = CsvReadOptions::default()
        .with_schema(Some(f.schema().clone()))
        .into_reader_with_file_handle(std::io::Cursor::new(format!("id,k,v\n{all}")))
        .finish()
        .unwrap();
    for aggs in [
        vec![
            col("v").sum().alias("s"),
            pearson_corr(col("v"), col("k")).alias("r"),
        ],
        vec![col("v").median().alias("m"), len().alias("n")],
    ] {
        let g = f.groupby(&["id"]).unwrap().split_out(5);
        assert!(
            g.explain().contains("tree of partials in 5 buckets"),
            "{}",
            g.explain()
        );
        let answer = g.agg_frame(&aggs).unwrap();
        assert_eq!(answer.npartitions(), 5);
        let again = answer.groupby(&["id"]).unwrap();
        assert!(
            again.explain().contains("already partitioned on the keys"),
            "{}",
            again.explain()
        );
        let want = reference
            .clone()
            .lazy()
            .group_by([col("id")])
            .agg(&aggs)
            .sort(["id"], Default::default())
            .collect()
            .unwrap();
        // Each group once: grouping the answer again by its keys keeps every row.
        let names: Vec<Expr> = want.get_column_names()[1..]
            .iter()
            .map(|n| col(n.as_str()).first())
            .collect();
        let regrouped = again.agg(names).unwrap().compute().unwrap();
        assert_frames_close(&regrouped, &want);
        let got = answer
            .compute()
            .unwrap()
            .sort(["id"], Default::default())
            .unwrap();
        assert_frames_close(&got, &want);
    }
}

/// A bzip2 file larger than the block size is read in ranges decoded block by block
/// (bzip2's own blocks of 100 kB here): more partitions, the same rows, and a line
/// that straddles a block boundary is read once.
#[test]
fn a_bz2_file_split_at_its_blocks_reads_as_a_whole() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("k,v\n");
    for i in 0..200_000u64 {
        csv.push_str(&format!("k{},{}\n", (i * 7919) % 13, i % 1000));
    }
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::new(1));
    e.write_all(csv.as_bytes()).unwrap();
    let path = dir.path().join("t.csv.bz2");
    std::fs::write(&path, e.finish().unwrap()).unwrap();
    let whole = DFrame::read_csv(path.to_str().unwrap()).open().unwrap();
    let split = DFrame::read_csv(path.to_str().unwrap())
        .block_size(20_000)
        .open()
        .unwrap();
    assert_eq!(whole.npartitions(), 1);
    assert!(split.npartitions() > 5, "{}", split.npartitions());
    let q = |f: &DFrame| {
        let by = f
            .groupby(&["k"])
            .unwrap()
            .agg([col("v").sum(), len()])
            .unwrap();
        compute((&f.len(), &by)).unwrap()
    };
    let (n, by) = q(&split);
    assert_eq!(n, 200_000);
    assert_eq!((n, by), q(&whole));
}
