use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chunkwise::{Config, Delayed, Scheduler, collect, compute, compute_with, delayed};

fn inc(x: i64) -> i64 {
    x + 1
}
fn add(x: i64, y: i64) -> i64 {
    x + y
}

fn schedulers() -> Vec<Config> {
    vec![
        Config::new().scheduler(Scheduler::Synchronous),
        Config::new().scheduler(Scheduler::threads(1)),
        Config::new().scheduler(Scheduler::threads(2)),
        Config::new().scheduler(Scheduler::threads(4)),
    ]
}

#[test]
fn inc_add_matches_eager() {
    let x = delayed(|| inc(1));
    let y = delayed(|| inc(2));
    let z = chunkwise::delayed!(|x, y| add(*x, *y));
    for c in schedulers() {
        assert_eq!(z.compute_with(&c).unwrap(), add(inc(1), inc(2)));
    }
}

#[test]
fn parameter_sweep_matches_loop() {
    // The tutorial's nested sweep: 4 parameter pairs x 20 replicates, one compute.
    let sim = |mean: f64, sd: f64, rep: u64| -> f64 { mean + sd * (rep as f64).sin() };
    let params = [(0.0, 1.0), (0.0, 2.0), (1.0, 1.0), (1.0, 2.0)];
    let out: Vec<Delayed<Vec<f64>>> = params
        .iter()
        .map(|&(m, s)| {
            let reps: Vec<_> = (0..20).map(|r| delayed(move || sim(m, s, r))).collect();
            collect(&reps)
        })
        .collect();
    let expect: Vec<Vec<f64>> = params
        .iter()
        .map(|&(m, s)| (0..20).map(|r| sim(m, s, r)).collect())
        .collect();
    for c in schedulers() {
        assert_eq!(compute_with(&out, &c).unwrap(), expect);
    }
}

#[test]
fn shared_tasks_run_once() {
    let count = Arc::new(AtomicUsize::new(0));
    let c2 = Arc::clone(&count);
    let base = delayed(move || {
        c2.fetch_add(1, Ordering::SeqCst);
        10i64
    });
    let a = base.map(|v| v + 1);
    let b = base.map(|v| v * 2);
    let c = chunkwise::delayed!(|a, b| a + b);
    let (ra, rb, rc) = compute((&a, &b, &c)).unwrap();
    assert_eq!((ra, rb, rc), (11, 20, 31));
    assert_eq!(count.load(Ordering::SeqCst), 1);
    // Computing again runs it again (no hidden cache), once.
    compute((&a, &c)).unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

/// Counts its clones, to prove that wrapped inputs are shared, not copied.
struct Big {
    data: Vec<f64>,
    clones: Arc<AtomicUsize>,
}
impl Clone for Big {
    fn clone(&self) -> Self {
        self.clones.fetch_add(1, Ordering::SeqCst);
        Big {
            data: self.data.clone(),
            clones: Arc::clone(&self.clones),
        }
    }
}

#[test]
fn wrapped_input_is_shared_not_copied() {
    let clones = Arc::new(AtomicUsize::new(0));
    let big = Big {
        data: (0..100_000).map(f64::from).collect(),
        clones: Arc::clone(&clones),
    };
    let expect: f64 = big.data.iter().sum::<f64>() / big.data.len() as f64;
    let x = Delayed::value(big);
    let out: Vec<Delayed<f64>> = (0..20)
        .map(|i| x.map(move |b| b.data.iter().sum::<f64>() / b.data.len() as f64 + f64::from(i)))
        .collect();
    let got = compute(&out).unwrap();
    for (i, g) in got.iter().enumerate() {
        assert_eq!(*g, expect + i as f64);
    }
    assert_eq!(clones.load(Ordering::SeqCst), 0);
}

#[test]
fn collect_empty_and_one() {
    let none: Vec<Delayed<u8>> = Vec::new();
    assert_eq!(collect(&none).compute().unwrap(), Vec::<u8>::new());
    let one = vec![delayed(|| 7u8)];
    assert_eq!(collect(&one).compute().unwrap(), vec![7]);
    assert_eq!(compute(&none).unwrap(), Vec::<u8>::new());
}

#[test]
fn long_chain_and_wide_fan_in() {
    let mut x = delayed(|| 0u64);
    for _ in 0..200_000 {
        x = x.map(|v| v + 1);
    }
    let leaves: Vec<_> = (0..50_000u64).map(|i| delayed(move || i)).collect();
    let sum = collect(&leaves).map(|v| v.iter().sum::<u64>());
    for c in schedulers() {
        assert_eq!(
            compute_with((&x, &sum), &c).unwrap(),
            (200_000, 50_000 * 49_999 / 2)
        );
    }
}

#[test]
fn try_calls_and_names() {
    let x = chunkwise::try_delayed(|| "12".parse::<i64>()).name("parse");
    let y = x.try_map(|v| {
        if *v > 0 {
            Ok(v * 2)
        } else {
            Err("not positive")
        }
    });
    assert_eq!(y.compute().unwrap(), 24);
    assert_eq!(x.key().label(), "parse");
    let bad = chunkwise::try_delayed(|| "twelve".parse::<i64>()).name("parse");
    let err = bad.map(|v| v + 1).compute().unwrap_err().to_string();
    assert!(
        err.contains("parse-") && err.contains("invalid digit"),
        "{err}"
    );
}
