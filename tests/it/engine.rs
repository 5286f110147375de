use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chunkwise::{Config, Delayed, Error, Scheduler, collect, compute_with, delayed, last_stats};

const MB: usize = 1 << 20;

fn chunk(i: usize) -> Vec<f64> {
    (0..MB / 8).map(|j| ((i * 31 + j) % 1000) as f64).collect()
}

fn budgeted(budget: u64, workers: usize, spill_dir: &std::path::Path) -> Config {
    Config::new()
        .scheduler(Scheduler::threads(workers))
        .memory_limit(budget)
        .spill_dir(spill_dir)
}

#[test]
fn budget_bounds_held_bytes_in_a_reduction() {
    // 64 chunks of 1 MiB feed 64 sums: 64 MiB of chunk results through a 4 MiB budget.
    let dir = tempfile::tempdir().unwrap();
    let sums: Vec<Delayed<f64>> = (0..64)
        .map(|i| {
            delayed(move || chunk(i))
                .with_size(MB as u64)
                .spillable()
                .map(|c| c.iter().sum::<f64>())
        })
        .collect();
    let expect: Vec<f64> = (0..64).map(|i| chunk(i).iter().sum::<f64>()).collect();
    for workers in [1, 2, 4] {
        let budget = 4 * MB as u64;
        let got = compute_with(&sums, &budgeted(budget, workers, dir.path())).unwrap();
        assert_eq!(got, expect);
        let s = last_stats().unwrap();
        assert!(s.peak_held_bytes <= budget, "{s:?}");
        assert_eq!(s.tasks_run, 128);
    }
}

#[test]
fn spill_round_trip_and_cleanup() {
    // Every chunk must be alive before the final task: 16 MiB through a 4 MiB budget.
    let dir = tempfile::tempdir().unwrap();
    let chunks: Vec<Delayed<Vec<f64>>> = (0..16)
        .map(|i| delayed(move || chunk(i)).with_size(MB as u64).spillable())
        .collect();
    let all = collect(&chunks).map(|v| v.iter().map(|c| c.iter().sum::<f64>()).collect::<Vec<_>>());
    let expect: Vec<f64> = (0..16).map(|i| chunk(i).iter().sum::<f64>()).collect();
    for workers in [1, 2] {
        let got = compute_with(&all, &budgeted(4 * MB as u64, workers, dir.path())).unwrap();
        assert_eq!(got, expect);
        let s = last_stats().unwrap();
        assert!(s.bytes_spilled >= 8 * MB as u64, "{s:?}");
        assert!(s.spilled_results >= 8, "{s:?}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "spill files removed"
        );
    }
}

#[test]
fn over_budget_task_fails_before_anything_runs() {
    let ran = Arc::new(AtomicUsize::new(0));
    let r1 = Arc::clone(&ran);
    let small = delayed(move || r1.fetch_add(1, Ordering::SeqCst));
    let big = delayed(|| vec![0u8; 10])
        .with_size(10 * MB as u64)
        .name("huge");
    let both = chunkwise::delayed!(|small, big| *small + big.len());
    let config = Config::new().memory_limit(MB as u64);
    match compute_with(&both, &config) {
        Err(Error::OverBudget { key, bytes, budget }) => {
            assert!(key.contains("huge-"), "{key}");
            assert_eq!((bytes, budget), (10 * MB as u64, MB as u64));
        }
        other => panic!("expected OverBudget, got {other:?}"),
    }
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

fn failing_graph(ran: &Arc<AtomicUsize>, panic: bool) -> Delayed<Vec<u64>> {
    let parts: Vec<Delayed<u64>> = (0..2000u64)
        .map(|i| {
            let ran = Arc::clone(ran);
            let d = delayed(move || {
                ran.fetch_add(1, Ordering::SeqCst);
                i
            });
            if i == 5 {
                d.try_map(move |v| {
                    if panic {
                        panic!("boom at {v}");
                    }
                    Err::<u64, _>(format!("bad value {v}"))
                })
                .name("bad")
            } else {
                d.map(|v| v * 2)
            }
        })
        .collect();
    collect(&parts)
}

#[test]
fn first_error_cancels_and_names_key() {
    for sched in [
        Scheduler::Synchronous,
        Scheduler::threads(2),
        Scheduler::threads(4),
    ] {
        let ran = Arc::new(AtomicUsize::new(0));
        let g = failing_graph(&ran, false);
        let err = compute_with(&g, &Config::new().scheduler(sched.clone())).unwrap_err();
        match &err {
            Error::Task { key, .. } => assert!(key.contains("bad-"), "{key}"),
            other => panic!("expected Task error, got {other:?}"),
        }
        assert!(err.to_string().contains("bad value 5"), "{err}");
        let s = last_stats().unwrap();
        assert!(s.tasks_run < s.tasks, "{s:?}");
        // The scheduler stays usable.
        let ok = delayed(|| 41).map(|v| v + 1);
        assert_eq!(
            ok.compute_with(&Config::new().scheduler(sched)).unwrap(),
            42
        );
    }
}

#[test]
fn panic_becomes_error_naming_key() {
    for sched in [Scheduler::Synchronous, Scheduler::threads(3)] {
        let ran = Arc::new(AtomicUsize::new(0));
        let g = failing_graph(&ran, true);
        let err = compute_with(&g, &Config::new().scheduler(sched)).unwrap_err();
        match &err {
            Error::Panic { key, message } => {
                assert!(key.contains("bad-"), "{key}");
                assert_eq!(message, "boom at 5");
            }
            other => panic!("expected Panic, got {other:?}"),
        }
    }
}

#[test]
fn synchronous_order_is_deterministic_and_depth_first() {
    let run = || {
        let log = Arc::new(Mutex::new(Vec::new()));
        let parts: Vec<Delayed<u32>> = (0..16u32)
            .map(|i| {
                let log = Arc::clone(&log);
                delayed(move || {
                    log.lock().unwrap().push(format!("load{i}"));
                    i
                })
            })
            .collect();
        // Tree of partial sums, 4 at a time.
        let partials: Vec<Delayed<u32>> = parts
            .chunks(4)
            .enumerate()
            .map(|(j, c)| {
                let log = Arc::clone(&log);
                collect(c).map(move |v| {
                    log.lock().unwrap().push(format!("sum{j}"));
                    v.iter().sum()
                })
            })
            .collect();
        let total = collect(&partials).map(|v| v.iter().sum::<u32>());
        let r = total
            .compute_with(&Config::new().scheduler(Scheduler::Synchronous))
            .unwrap();
        assert_eq!(r, 120);
        log.lock().unwrap().clone()
    };
    let a = run();
    assert_eq!(a, run());
    // Depth-first: the first partial sum runs right after its four loads.
    assert_eq!(&a[..5], ["load0", "load1", "load2", "load3", "sum0"]);
}

/// Eight parts each read by two outputs: one joins each part with `a`, the other with
/// `b`, a source behind a map. Ids follow the first output's walk, so by id alone every
/// part is read (and held) before `b`; a source that a task holding its other inputs
/// waits on is read first instead.
#[test]
fn a_source_waited_on_is_read_before_the_other_sources() {
    for scheduler in [Scheduler::Synchronous, Scheduler::threads(2)] {
        let log = Arc::new(Mutex::new(Vec::new()));
        let source = |name: String, v: u32| {
            let log = Arc::clone(&log);
            delayed(move || {
                log.lock().unwrap().push(name.clone());
                v
            })
        };
        let parts: Vec<Delayed<u32>> = (0..8).map(|i| source(format!("part{i}"), i)).collect();
        let a = source("a".into(), 1);
        let b = source("b".into(), 2).map(|v| v * 10);
        let first: Vec<Delayed<u32>> = parts
            .iter()
            .map(|p| chunkwise::delayed::apply2(p, &a, |p, a| p + a))
            .collect();
        let second: Vec<Delayed<u32>> = parts
            .iter()
            .map(|p| chunkwise::delayed::apply2(p, &b, |p, b| p * b))
            .collect();
        let first = collect(&first).map(|v| v.iter().sum::<u32>());
        let second = collect(&second).map(|v| v.iter().sum::<u32>());
        let config = Config::new().scheduler(scheduler);
        assert_eq!(compute_with((&first, &second), &config).unwrap(), (36, 560));
        let log = log.lock().unwrap().clone();
        let at = |name: &str| log.iter().position(|n| n == name).unwrap();
        assert_eq!(log.len(), 10, "each source read once: {log:?}");
        // Two workers may each have started a part before `b` is wanted, and log in
        // either order the sources they start together.
        assert!(at("b") < at("part3"), "b read late: {log:?}");
    }
}

#[test]
fn stats_count_tasks() {
    let x = delayed(|| 1).map(|v| v + 1).map(|v| v * 3);
    assert_eq!(x.compute_with(&Config::new()).unwrap(), 6);
    let s = last_stats().unwrap();
    assert_eq!((s.tasks, s.tasks_run), (3, 3));
    assert!(s.graph_hash != 0);
}

/// Records every event's kind, key and worker.
#[derive(Default)]
struct Recorder {
    started: Mutex<Vec<(String, usize)>>,
    finished: Mutex<Vec<(String, usize, std::time::Duration)>>,
    runs: AtomicUsize,
    warnings: Mutex<Vec<String>>,
    spilled: AtomicUsize,
}

impl chunkwise::Observer for Recorder {
    fn on_event(&self, event: &chunkwise::Event<'_>) {
        use chunkwise::Event::*;
        match event {
            TaskStarted { key, worker, .. } => self
                .started
                .lock()
                .unwrap()
                .push((key.to_string(), *worker)),
            TaskFinished {
                key,
                worker,
                start,
                end,
                ..
            } => self.finished.lock().unwrap().push((
                key.to_string(),
                *worker,
                end.duration_since(*start),
            )),
            RunFinished { stats, .. } => {
                assert!(stats.tasks > 0);
                self.runs.fetch_add(1, Ordering::Relaxed);
            }
            Warning { message, .. } => self.warnings.lock().unwrap().push(message.to_string()),
            Spilled { .. } => {
                self.spilled.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }
}

fn sum_tree(n: usize) -> Delayed<f64> {
    let parts: Vec<Delayed<Vec<f64>>> = (0..n).map(|i| delayed(move || chunk(i))).collect();
    let sums: Vec<Delayed<f64>> = parts.iter().map(|p| p.map(|v| v.iter().sum())).collect();
    collect(&sums).map(|s| s.iter().sum())
}

#[test]
fn observer_sees_one_start_and_one_finish_per_task_with_its_worker() {
    for (scheduler, workers) in [
        (Scheduler::Synchronous, 1),
        (Scheduler::threads(1), 1),
        (Scheduler::threads(3), 3),
    ] {
        let rec = Arc::new(Recorder::default());
        let config = Config::new().scheduler(scheduler).observe(rec.clone());
        let total = sum_tree(40);
        let graph = chunkwise::Graph::of(&total).unwrap();
        let want: f64 = (0..40).map(|i| chunk(i).iter().sum::<f64>()).sum();
        assert_eq!(compute_with(&total, &config).unwrap(), want);
        let started = rec.started.lock().unwrap().clone();
        let finished = rec.finished.lock().unwrap().clone();
        assert_eq!(rec.runs.load(Ordering::Relaxed), 1);
        // One start and one finish per task: the graph's keys, each once.
        let mut keys: Vec<String> = graph.keys().map(|k| k.to_string()).collect();
        keys.sort();
        let mut s: Vec<String> = started.iter().map(|(k, _)| k.clone()).collect();
        let mut f: Vec<String> = finished.iter().map(|(k, _, _)| k.clone()).collect();
        s.sort();
        f.sort();
        assert_eq!(s, keys);
        assert_eq!(f, keys);
        // Each task finished on the worker it started on, and workers are in range.
        for (k, w, _) in &finished {
            assert!(*w < workers, "worker {w} of {workers}");
            assert!(started.contains(&(k.clone(), *w)));
        }
        assert_eq!(last_stats().unwrap().tasks_run, keys.len());
    }
}

#[test]
fn observer_sees_spills_under_a_budget() {
    let dir = tempfile::tempdir().unwrap();
    let rec = Arc::new(Recorder::default());
    let config = budgeted(4 * MB as u64, 1, dir.path()).observe(rec.clone());
    let parts: Vec<Delayed<Vec<f64>>> = (0..16)
        .map(|i| delayed(move || chunk(i)).with_size(MB as u64).spillable())
        .collect();
    let all = collect(&parts).map(|v| v.iter().map(|c| c.len()).sum::<usize>());
    assert_eq!(compute_with(&all, &config).unwrap(), 16 * MB / 8);
    let stats = last_stats().unwrap();
    assert_eq!(
        rec.spilled.load(Ordering::Relaxed) as u64,
        stats.spilled_results
    );
    assert!(stats.spilled_results > 0);
}

/// A task that stops because the run passed its timeout reports the timeout, whichever
/// worker notices the deadline first: with one worker, the task itself.
#[test]
fn a_task_stopped_by_the_timeout_reports_the_timeout() {
    for workers in [1, 2] {
        let slow = chunkwise::try_delayed_with(|ctx| {
            while !ctx.is_cancelled() {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            Err::<u8, _>(chunkwise::Error::Cancelled("stopped when asked".into()))
        });
        let config = chunkwise::Config::new()
            .scheduler(chunkwise::Scheduler::Threads(workers))
            .timeout(std::time::Duration::from_millis(30));
        let err = slow.compute_with(&config).unwrap_err().to_string();
        assert!(err.contains("past its timeout"), "{workers}: {err}");
        if workers == 1 {
            assert!(err.contains("stopped when asked"), "{err}");
        }
    }
}
