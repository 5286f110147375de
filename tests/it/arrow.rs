//! Arrow interop (feature `arrow`): frames through the C Data Interface, against the
//! frames themselves; one-dimensional arrays against their values.

use std::sync::Arc;

use arrow_array::{Array, Float64Array, Int64Array, RecordBatch, StringArray};
use chunkwise::array::{DArray, from_array};
use chunkwise::dataframe::{DFrame, from_record_batch, to_record_batch};
use polars::prelude::*;

fn frame() -> DataFrame {
    df!(
        "k" => [Some("a"), None, Some("c"), Some("a")],
        "n" => [Some(1i64), Some(2), None, Some(4)],
        "v" => [0.5f64, f64::NAN, -2.0, 8.25],
        "b" => [true, false, true, false],
        "u" => [1u32, 2, 3, 4],
    )
    .unwrap()
}

#[test]
fn frames_cross_both_ways_with_nulls_and_every_type() {
    let df = frame();
    let batch = to_record_batch(&df).unwrap();
    assert_eq!(batch.num_rows(), 4);
    assert_eq!(batch.column(1).null_count(), 1);
    let back = from_record_batch(&batch).unwrap();
    assert!(back.equals_missing(&df), "{back}\n{df}");
    // Empty frames keep their schema.
    let empty = df.head(Some(0));
    let b = to_record_batch(&empty).unwrap();
    assert_eq!((b.num_rows(), b.num_columns()), (0, 5));
    assert_eq!(from_record_batch(&b).unwrap().schema(), df.schema());
}

#[test]
fn numeric_columns_are_not_copied() {
    let values = Float64Array::from((0..1000).map(f64::from).collect::<Vec<_>>());
    let ptr = values.values().as_ptr();
    let batch = RecordBatch::try_from_iter([("v", Arc::new(values) as _)]).unwrap();
    let df = from_record_batch(&batch).unwrap();
    let col = df.column("v").unwrap().f64().unwrap();
    assert_eq!(col.chunks().len(), 1);
    let got = col.cont_slice().unwrap().as_ptr();
    assert_eq!(got, ptr, "the polars column shares arrow-rs' buffer");
    // And back: the arrow-rs array shares polars' buffer.
    let again = to_record_batch(&df).unwrap();
    let f = again
        .column(0)
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap();
    assert_eq!(f.values().as_ptr(), ptr);
}

#[test]
fn a_frame_over_record_batches_computes_as_polars() {
    let batch = |ks: &[&str], ns: &[i64]| {
        RecordBatch::try_from_iter([
            ("k", Arc::new(StringArray::from(ks.to_vec())) as _),
            ("n", Arc::new(Int64Array::from(ns.to_vec())) as _),
        ])
        .unwrap()
    };
    let batches = vec![
        batch(&["x", "y", "x"], &[1, 2, 3]),
        batch(&[], &[]),
        batch(&["y", "z"], &[10, 20]),
    ];
    let frame = DFrame::from_record_batches(batches.clone()).unwrap();
    assert_eq!(frame.npartitions(), 3);
    let mut eager = from_record_batch(&batches[0]).unwrap();
    for b in &batches[1..] {
        eager.vstack_mut(&from_record_batch(b).unwrap()).unwrap();
    }
    let got = frame
        .groupby(&["k"])
        .unwrap()
        .agg([col("n").sum()])
        .unwrap()
        .compute()
        .unwrap()
        .sort(["k"], Default::default())
        .unwrap();
    let want = eager
        .lazy()
        .group_by([col("k")])
        .agg([col("n").sum()])
        .sort(["k"], Default::default())
        .collect()
        .unwrap();
    assert!(got.equals(&want), "{got}\n{want}");
    // Out again: the non-empty partitions, all rows.
    let out = frame
        .filter(col("n").gt(lit(1)))
        .unwrap()
        .to_record_batches()
        .unwrap();
    assert_eq!(out.iter().map(|b| b.num_rows()).sum::<usize>(), 4);
    assert_eq!(out.len(), 2);
    // Batches of another schema are refused, naming the batch and the column.
    let other = RecordBatch::try_from_iter([
        ("k", Arc::new(StringArray::from(vec!["q"])) as _),
        ("n", Arc::new(Float64Array::from(vec![1.5])) as _),
    ])
    .unwrap();
    let err = DFrame::from_record_batches(vec![batches[0].clone(), other])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("record batch 1") && err.contains("\"n\""),
        "{err}"
    );
    assert!(DFrame::from_record_batches(Vec::new()).is_err());
}

macro_rules! round_trip {
    ($($t:ty),*) => {$({
        let values: Vec<$t> = (0..37u8).map(|i| i as $t).collect();
        let a = arrow_array::PrimitiveArray::<<$t as chunkwise::array::ArrowElement>::Arrow>::from(values.clone());
        for chunk in [1, 5, 37, 50] {
            let x = DArray::<$t>::from_arrow(&a, [chunk]).unwrap();
            assert_eq!(x.compute().unwrap().iter().copied().collect::<Vec<$t>>(), values);
            assert_eq!(x.to_arrow().unwrap(), a, "{} chunk {chunk}", stringify!($t));
        }
    })*};
}

#[test]
fn one_dimensional_arrays_cross_for_every_numeric_type() {
    round_trip!(f64, f32, i64, i32, u64, u32, u8);
    let with_null = Float64Array::from(vec![Some(1.0), None]);
    let err = DArray::<f64>::from_arrow(&with_null, [2])
        .unwrap_err()
        .to_string();
    assert!(err.contains("1 nulls"), "{err}");
    let two_d = from_array(
        ndarray::ArrayD::<f64>::zeros(ndarray::IxDyn(&[2, 3])),
        [1, 3],
    )
    .unwrap();
    assert!(
        two_d
            .to_arrow()
            .unwrap_err()
            .to_string()
            .contains("shape [2, 3]")
    );
    let empty = Float64Array::from(Vec::<f64>::new());
    assert_eq!(
        DArray::<f64>::from_arrow(&empty, [4])
            .unwrap()
            .to_arrow()
            .unwrap()
            .len(),
        0
    );
}

/// A frame streamed out a window of partitions at a time, through arrow-rs' reader and
/// through the C Stream Interface and back, equals the frame: empty partitions left
/// out, every row once, with one worker (a window of one) or several, after a shuffle
/// (partitions sharing work, computed in one run); an error in the third file ends
/// the stream after the batches before it, naming the file.
#[test]
fn frames_stream_out_and_in_through_the_arrow_c_stream() {
    use arrow_array::RecordBatchReader;
    use chunkwise::{Config, Scheduler};
    let dir = tempfile::tempdir().unwrap();
    let mut all = String::from("k,v\n");
    for f in 0..5 {
        let rows: String = if f == 1 {
            String::new()
        } else {
            (0..40)
                .map(|i| format!("k{},{}\n", i % 3, f * 100 + i))
                .collect()
        };
        all.push_str(&rows);
        std::fs::write(dir.path().join(format!("p{f}.csv")), format!("k,v\n{rows}")).unwrap();
    }
    let pattern = dir.path().join("*.csv");
    let frame = DFrame::read_csv(pattern.to_str().unwrap()).open().unwrap();
    let want = CsvReadOptions::default()
        .with_schema(Some(frame.schema().clone()))
        .into_reader_with_file_handle(std::io::Cursor::new(all))
        .finish()
        .unwrap();
    let sorted = |df: DataFrame| df.sort(["v"], Default::default()).unwrap();
    for workers in [1, 3] {
        let config = Config::new().scheduler(Scheduler::threads(workers));
        for f in [frame.clone(), frame.shuffle(&["k"], Some(4)).unwrap()] {
            let reader = f.to_record_batch_reader(&config).unwrap();
            assert_eq!(reader.schema().fields().len(), 2);
            let batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
            assert!(batches.iter().all(|b| b.num_rows() > 0));
            let mut got = from_record_batch(&batches[0]).unwrap();
            for b in &batches[1..] {
                got.vstack_mut(&from_record_batch(b).unwrap()).unwrap();
            }
            assert!(sorted(got).equals(&sorted(want.clone())));
            // Through the C stream and back into a frame.
            let stream = f.to_arrow_stream(&config).unwrap();
            let back = DFrame::from_arrow_stream(stream).unwrap();
            assert_eq!(back.npartitions(), batches.len());
            let got = back.collect().compute().unwrap();
            assert!(sorted(got).equals(&sorted(want.clone())));
        }
    }
    // A bad value in p3.csv: the batches before it, then its error, then nothing.
    std::fs::write(dir.path().join("p3.csv"), "k,v\nk1,12\nk2,twelve\n").unwrap();
    let config = Config::new().scheduler(Scheduler::threads(1));
    let mut reader = frame.to_record_batch_reader(&config).unwrap();
    let first = reader.next().unwrap().unwrap();
    assert_eq!(first.num_rows(), 40);
    let err = loop {
        match reader.next().unwrap() {
            Ok(_) => continue,
            Err(e) => break e.to_string(),
        }
    };
    assert!(err.contains("p3.csv"), "{err}");
    assert!(reader.next().is_none());
    // A reader that fails part way: its error names the batch.
    let good = to_record_batch(&want.head(Some(3))).unwrap();
    let failing = arrow_array::RecordBatchIterator::new(
        vec![
            Ok(good.clone()),
            Err(arrow_schema::ArrowError::ComputeError("source gone".into())),
        ],
        good.schema(),
    );
    let err = DFrame::from_record_batch_reader(failing)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("record batch 1") && err.contains("source gone"),
        "{err}"
    );
}
