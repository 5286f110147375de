//! Profiles and performance reports: what they record against what ran.

use std::collections::HashMap;
use std::time::Duration;

use chunkwise::diagnostics::{Profiler, ResourceProfiler, performance_report};
use chunkwise::{Config, Delayed, Graph, Scheduler, collect, compute_with, delayed, last_stats};

/// 40 leaves, 40 maps, a sum: three groups with labels no other test uses.
fn work(tag: &str) -> Delayed<u64> {
    let leaves: Vec<Delayed<u64>> = (0..40u64)
        .map(|i| {
            delayed(move || {
                std::thread::sleep(Duration::from_millis(1));
                i
            })
            .name(&format!("{tag}-leaf"))
        })
        .collect();
    let twice: Vec<Delayed<u64>> = leaves
        .iter()
        .map(|l| l.map(|v| v * 2).name(&format!("{tag}-twice")))
        .collect();
    collect(&twice)
        .map(|v| v.iter().sum())
        .name(&format!("{tag}-sum"))
}

/// Tasks per label of a graph.
fn per_label(g: &Graph) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for k in g.keys() {
        *m.entry(k.label().to_string()).or_default() += 1;
    }
    m
}

#[test]
fn the_profiler_records_each_task_once_on_a_worker_in_range() {
    for workers in [1, 3] {
        let prof = Profiler::new();
        let config = Config::new()
            .scheduler(Scheduler::threads(workers))
            .observe(prof.clone());
        let w = work("prof");
        assert_eq!(w.compute_with(&config).unwrap(), 2 * (0..40).sum::<u64>());
        let tasks = prof.results();
        assert_eq!(tasks.len(), last_stats().unwrap().tasks_run);
        let mut seen: HashMap<String, usize> = HashMap::new();
        for t in &tasks {
            assert!(
                t.start <= t.end && t.worker < workers && t.rank == 0,
                "{t:?}"
            );
            *seen.entry(t.key.label().to_string()).or_default() += 1;
        }
        assert_eq!(seen, per_label(&Graph::of(&w).unwrap()));
        let runs = prof.runs();
        assert_eq!(runs.runs.len(), 1);
        assert!(runs.runs[0].1.is_some() && !runs.failed);
        // Leaves sleep: their share of the time is most of it.
        let leaf: Duration = tasks
            .iter()
            .filter(|t| t.key.label() == "prof-leaf")
            .map(|t| t.end - t.start)
            .sum();
        assert!(leaf >= Duration::from_millis(40), "{leaf:?}");
    }
}

#[test]
fn the_resource_profiler_samples_while_a_run_goes_and_stops_after() {
    let res = ResourceProfiler::new(Duration::from_millis(10));
    let config = Config::new().observe(res.clone());
    delayed(|| std::thread::sleep(Duration::from_millis(120)))
        .compute_with(&config)
        .unwrap();
    let n = res.results().len();
    if cfg!(target_os = "linux") {
        assert!(n >= 3, "{n} samples");
        assert!(
            res.results()
                .iter()
                .all(|s| s.rss_mb > 0.0 && s.cpu_percent >= 0.0)
        );
    }
    std::thread::sleep(Duration::from_millis(60));
    assert_eq!(res.results().len(), n, "no sampling between runs");
}

#[test]
fn a_performance_report_holds_every_group_and_task_of_its_computes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.html");
    let report = performance_report(&path).unwrap();
    let (a, b) = (work("rep-a"), work("rep-b"));
    // One compute on the default configuration, one with its own.
    assert_eq!(a.compute().unwrap(), 1560);
    let own = report.config(Config::new().scheduler(Scheduler::threads(2)));
    assert_eq!(compute_with(&b, &own).unwrap(), 1560);
    assert!(!path.exists(), "nothing written before finish");
    assert_eq!(report.finish().unwrap(), path);
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(!html.contains("<script"), "no scripts");
    // The table by group: each of ours with its task count (other tests' computes on
    // the default configuration may add groups of their own).
    let table = &html[html.find("<table id=\"groups\">").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let mut want = per_label(&Graph::of(&a).unwrap());
    want.extend(per_label(&Graph::of(&b).unwrap()));
    // Only our own groups: other tests' computes on the default configuration may
    // add to shared ones (`collect`).
    want.retain(|label, _| label.starts_with("rep-"));
    assert_eq!(want.len(), 6);
    for (label, n) in &want {
        let row = table
            .lines()
            .find(|l| l.contains(&format!("</span> {label}</td>")))
            .unwrap_or_else(|| panic!("no row for {label}: {table}"));
        assert!(
            row.contains(&format!("</td><td>{n}</td>")),
            "{label}: {row}"
        );
    }
    // A bar per task of ours in the stream.
    let ours = html.matches("<rect class=\"task\"").count();
    assert!(ours >= want.values().sum::<usize>(), "{ours}");
    assert!(html.contains("<polyline id=\"memory\""));
    // The previous default is back: a compute now is not recorded.
    let p2 = dir.path().join("again.html");
    let r2 = performance_report(&p2).unwrap();
    drop(r2);
    assert!(!p2.exists(), "dropped without finish: nothing written");
    let missing = performance_report(dir.path().join("no/such/dir/r.html"));
    assert!(missing.unwrap_err().to_string().contains("does not exist"));
}
