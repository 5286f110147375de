use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chunkwise::{Client, Error, delayed};

#[test]
fn map_gather_matches_loop() {
    let client = Client::threads(2).unwrap();
    for n in [0usize, 1, 7, 100_000] {
        let fs = client.map(|x: usize| x * 3 + 1, 0..n);
        let got = client.gather(&fs).unwrap();
        let expect: Vec<usize> = (0..n).map(|x| x * 3 + 1).collect();
        assert_eq!(got, expect);
    }
}

#[test]
fn as_completed_yields_each_once() {
    let client = Client::threads(3).unwrap();
    let fs = client.map(
        |ms: u64| {
            std::thread::sleep(std::time::Duration::from_millis(ms));
            ms * 2
        },
        [20, 0, 5, 10, 1, 0],
    );
    let mut seen = HashSet::new();
    for (i, r) in client.as_completed(&fs) {
        assert_eq!(r.unwrap(), [20, 0, 5, 10, 1, 0][i] * 2);
        assert!(seen.insert(i));
    }
    assert_eq!(seen.len(), 6);
}

#[test]
fn submit_and_errors_name_keys() {
    let client = Client::threads(2).unwrap();
    let f = client.submit(|| 6 * 7);
    assert_eq!(f.result().unwrap(), 42);
    let fs = client.map(
        |x: u32| {
            if x == 3 {
                panic!("three");
            }
            x
        },
        0..6u32,
    );
    let err = client.gather(&fs).unwrap_err().to_string();
    assert!(
        err.contains("map-") && err.contains(", 3)") && err.contains("three"),
        "{err}"
    );
    // The others finished, or, not yet started when the gather failed, were cancelled
    // by it (a_failed_gather_cancels_the_futures_not_started): never a wrong value.
    match fs[5].result() {
        Ok(v) => assert_eq!(v, 5),
        Err(e) => assert!(e.to_string().contains("cancelled"), "{e}"),
    }
    let bad = client.try_submit(|| "x".parse::<u8>());
    assert!(matches!(bad.result(), Err(Error::Shared(_))));
}

#[test]
fn pure_calls_are_cached_impure_are_not() {
    let client = Client::threads(2).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let f = move |x: u64| {
        c.fetch_add(1, Ordering::SeqCst);
        x + 1
    };
    let a = client.map_pure("inc", f.clone(), 0..10u64);
    assert_eq!(client.gather(&a).unwrap(), (1..11).collect::<Vec<_>>());
    let b = client.map_pure("inc", f.clone(), 5..15u64);
    assert_eq!(client.gather(&b).unwrap(), (6..16).collect::<Vec<_>>());
    assert_eq!(
        calls.load(Ordering::SeqCst),
        15,
        "only the 5 new inputs ran"
    );
    let c1 = client.map(f.clone(), 0..10u64);
    client.gather(&c1).unwrap();
    let c2 = client.map(f, 0..10u64);
    client.gather(&c2).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 35, "impure maps always run");
}

#[test]
fn client_computes_delayed() {
    let client = Client::threads(2).unwrap();
    let parts: Vec<_> = (0..10).map(|i| delayed(move || i * i)).collect();
    let total = chunkwise::collect(&parts).map(|v| v.iter().sum::<i32>());
    let f = client.compute(total.clone());
    let g = client.compute(parts);
    assert_eq!(f.result().unwrap(), 285);
    assert_eq!(
        g.result().unwrap(),
        (0..10).map(|i| i * i).collect::<Vec<_>>()
    );
}

/// A failing call fails its own future only: the others, of a type the engine can
/// spill (its values have a codec), still settle with their values, one worker or two
/// (the failed call's placeholder once made the whole run panic).
#[test]
fn a_failing_call_fails_only_its_future() {
    for workers in [1, 2] {
        let client = Client::threads(workers).unwrap();
        let fs = client.try_map(
            |i: u64| {
                if i == 0 {
                    Err("zero fails")
                } else {
                    Ok(i * 10)
                }
            },
            0..40u64,
        );
        let e = fs[0].result().unwrap_err();
        assert!(e.to_string().contains("zero fails"), "{e}");
        for (i, f) in fs.iter().enumerate().skip(1) {
            assert_eq!(f.result().unwrap(), i as u64 * 10, "future {i}");
        }
    }
}
