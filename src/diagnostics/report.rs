//! `performance_report`: every compute between its start and its `finish`, profiled and
//! written as one self-contained HTML file (as Dask's `performance_report`): a summary,
//! a table by task group, the task stream and memory and CPU over time. The pictures
//! are inline SVG; the file fetches nothing and runs no script.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::profile::{Profiler, ResourceProfiler, ResourceSample, RunRecord, TaskRecord};
use crate::{Config, Error, Result};

/// A profile being collected for a report; [`PerformanceReport::finish`] writes it.
pub struct PerformanceReport {
    path: PathBuf,
    tasks: Arc<Profiler>,
    resources: Arc<ResourceProfiler>,
    previous: Option<Config>,
}

/// Starts profiling every compute that uses the default configuration (as Dask's
/// `with performance_report(filename=...)`), until [`PerformanceReport::finish`] writes
/// the report to `path` and puts the previous default back. For computes given their
/// own configuration, add the report's observers with [`PerformanceReport::config`].
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("report.html");
/// let report = chunkwise::diagnostics::performance_report(&path).unwrap();
/// let x = chunkwise::delayed(|| 20).map(|v| v + 1);
/// assert_eq!(x.compute().unwrap(), 21);
/// report.finish().unwrap();
/// let html = std::fs::read_to_string(&path).unwrap();
/// assert!(html.contains("<table id=\"groups\">"));
/// ```
pub fn performance_report(path: impl AsRef<Path>) -> Result<PerformanceReport> {
    let path = path.as_ref().to_path_buf();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(Error::invalid(format!(
            "performance_report: the directory of {} does not exist",
            path.display()
        )));
    }
    let origin = Instant::now();
    let tasks = Arc::new(Profiler::starting_at(origin));
    let resources = Arc::new(ResourceProfiler::starting_at(
        origin,
        Duration::from_millis(50),
    ));
    let previous = Config::current()?;
    let report = PerformanceReport {
        path,
        tasks,
        resources,
        previous: Some(previous.clone()),
    };
    report.config(previous).set_default();
    Ok(report)
}

impl std::fmt::Debug for PerformanceReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PerformanceReport({})", self.path.display())
    }
}

impl PerformanceReport {
    /// `base` with this report's observers added, for computes given their own
    /// configuration (`compute_with`).
    pub fn config(&self, base: Config) -> Config {
        base.observe(self.tasks.clone())
            .observe(self.resources.clone())
    }

    /// The profiler of tasks behind the report.
    pub fn profiler(&self) -> &Profiler {
        &self.tasks
    }

    /// Writes the report (under a temporary name, then renamed: never half a file) and
    /// puts the previous default configuration back. Returns the path written.
    pub fn finish(mut self) -> Result<PathBuf> {
        self.restore();
        let html = render(
            &self.tasks.results(),
            &self.tasks.runs(),
            &self.resources.results(),
        );
        let tmp = self.path.with_extension("html.partial");
        std::fs::write(&tmp, html).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| Error::io(&self.path, e))?;
        Ok(self.path.clone())
    }

    fn restore(&mut self) {
        if let Some(previous) = self.previous.take() {
            previous.set_default();
        }
    }
}

impl Drop for PerformanceReport {
    /// Dropped without `finish`: the default configuration is put back, nothing written.
    fn drop(&mut self) {
        self.restore();
    }
}

/// Per task group (a key's label): tasks, total, longest, bytes out.
#[derive(Default)]
struct Group {
    tasks: u64,
    total: Duration,
    longest: Duration,
    bytes: u64,
}

fn groups(tasks: &[TaskRecord]) -> Vec<(String, Group)> {
    let mut by: HashMap<&str, Group> = HashMap::new();
    for t in tasks {
        let g = by.entry(t.key.label()).or_default();
        let d = t.end.saturating_sub(t.start);
        g.tasks += 1;
        g.total += d;
        g.longest = g.longest.max(d);
        g.bytes += t.bytes;
    }
    let mut v: Vec<(String, Group)> = by.into_iter().map(|(k, g)| (k.to_string(), g)).collect();
    v.sort_by(|a, b| b.1.total.cmp(&a.1.total).then_with(|| a.0.cmp(&b.0)));
    v
}

/// A colour for a group, the same for the same name.
fn colour(name: &str) -> String {
    let h = xxhash_rust::xxh3::xxh3_64(name.as_bytes());
    format!("hsl({}, 65%, 55%)", h % 360)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// At most this many tasks are drawn in the stream (the longest ones).
const MAX_DRAWN: usize = 20_000;

pub(crate) fn render(tasks: &[TaskRecord], runs: &RunRecord, samples: &[ResourceSample]) -> String {
    let span = tasks
        .iter()
        .map(|t| t.end)
        .chain(samples.iter().map(|s| s.at))
        .chain(runs.runs.iter().filter_map(|r| r.1))
        .max()
        .unwrap_or_default()
        .as_secs_f64()
        .max(1e-6);
    let groups = groups(tasks);
    let mut lanes: Vec<(usize, usize)> = tasks.iter().map(|t| (t.rank, t.worker)).collect();
    lanes.sort_unstable();
    lanes.dedup();
    let peak = samples.iter().map(|s| s.rss_mb).fold(0.0, f64::max);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>chunkwise performance report</title>\n\
         <style>body{{font-family:sans-serif;margin:1.5em}}table{{border-collapse:collapse;margin:.5em 0 1.5em}}\
         td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}}td:first-child,th:first-child{{text-align:left}}\
         svg{{border:1px solid #ccc;background:#fafafa}}</style></head><body>\n\
         <h1>chunkwise performance report</h1>\n"
    );
    let ranks = lanes.iter().map(|l| l.0).max().map_or(1, |r| r + 1);
    let _ = write!(
        h,
        "<table id=\"summary\">\n<tr><th>runs</th><td>{}</td></tr>\n<tr><th>seconds</th><td>{:.3}</td></tr>\n\
         <tr><th>tasks</th><td>{}</td></tr>\n<tr><th>workers per process</th><td>{}</td></tr>\n\
         <tr><th>ranks</th><td>{}</td></tr>\n<tr><th>results spilled</th><td>{} ({:.1} MB)</td></tr>\n\
         <tr><th>bytes read</th><td>{}</td></tr>\n<tr><th>peak resident memory (MB)</th><td>{:.1}</td></tr>\n\
         <tr><th>failed</th><td>{}</td></tr>\n</table>\n",
        runs.runs.len(),
        span,
        tasks.len(),
        runs.workers,
        ranks,
        runs.spilled.0,
        runs.spilled.1 as f64 / 1e6,
        runs.bytes_read,
        peak,
        if runs.failed { "yes" } else { "no" },
    );
    h.push_str(
        "<h2>Task groups</h2>\n<table id=\"groups\">\n<tr><th>group</th><th>tasks</th><th>total s</th>\
         <th>mean ms</th><th>longest ms</th><th>MB out</th></tr>\n",
    );
    for (name, g) in &groups {
        let _ = writeln!(
            h,
            "<tr><td><span style=\"color:{}\">&#9632;</span> {}</td><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{:.1}</td></tr>",
            colour(name),
            escape(name),
            g.tasks,
            g.total.as_secs_f64(),
            g.total.as_secs_f64() * 1e3 / g.tasks.max(1) as f64,
            g.longest.as_secs_f64() * 1e3,
            g.bytes as f64 / 1e6,
        );
    }
    h.push_str("</table>\n");

    // The task stream: a lane per (rank, worker), a bar per task.
    let (w, lane_h, left) = (1000.0, 14.0, 70.0);
    let height = lane_h * lanes.len().max(1) as f64 + 20.0;
    let _ = write!(
        h,
        "<h2>Task stream</h2>\n<svg id=\"stream\" width=\"{}\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">\n",
        w + left + 10.0
    );
    for (i, (rank, worker)) in lanes.iter().enumerate() {
        let _ = writeln!(
            h,
            "<text x=\"2\" y=\"{}\" font-size=\"10\">rank {rank} w{worker}</text>",
            lane_h * i as f64 + 11.0
        );
    }
    let mut drawn: Vec<&TaskRecord> = tasks.iter().collect();
    if drawn.len() > MAX_DRAWN {
        drawn.sort_by_key(|t| std::cmp::Reverse(t.end.saturating_sub(t.start)));
        drawn.truncate(MAX_DRAWN);
    }
    for t in &drawn {
        let lane = lanes.binary_search(&(t.rank, t.worker)).unwrap_or_default();
        let x = left + t.start.as_secs_f64() / span * w;
        let width = ((t.end.saturating_sub(t.start)).as_secs_f64() / span * w).max(0.5);
        let _ = writeln!(
            h,
            "<rect class=\"task\" data-rank=\"{}\" data-worker=\"{}\" x=\"{x:.2}\" y=\"{:.1}\" width=\"{width:.2}\" height=\"{}\" fill=\"{}\"><title>{} {:.3} ms</title></rect>",
            t.rank,
            t.worker,
            lane_h * lane as f64 + 1.0,
            lane_h - 2.0,
            colour(t.key.label()),
            escape(&t.key.to_string()),
            t.end.saturating_sub(t.start).as_secs_f64() * 1e3,
        );
    }
    let _ = write!(
        h,
        "<text x=\"{left}\" y=\"{}\" font-size=\"10\">0 s</text><text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"end\">{span:.3} s</text>\n</svg>\n",
        height - 4.0,
        left + w,
        height - 4.0
    );
    if tasks.len() > drawn.len() {
        let _ = writeln!(
            h,
            "<p>{} of {} tasks drawn (the longest).</p>",
            drawn.len(),
            tasks.len()
        );
    }

    // Memory and CPU over time.
    let (mh, top) = (
        160.0,
        samples.iter().map(|s| s.cpu_percent).fold(100.0, f64::max),
    );
    let _ = write!(
        h,
        "<h2>Memory and CPU</h2>\n<svg id=\"resources\" width=\"{}\" height=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">\n",
        w + left + 10.0,
        mh + 20.0
    );
    for (what, colour, value, max) in [
        (
            "memory",
            "#1f77b4",
            &(|s: &ResourceSample| s.rss_mb) as &dyn Fn(&ResourceSample) -> f64,
            peak.max(1e-6),
        ),
        ("cpu", "#d62728", &|s: &ResourceSample| s.cpu_percent, top),
    ] {
        let points: Vec<String> = samples
            .iter()
            .map(|s| {
                format!(
                    "{:.1},{:.1}",
                    left + s.at.as_secs_f64() / span * w,
                    mh - value(s) / max * (mh - 10.0)
                )
            })
            .collect();
        let _ = writeln!(
            h,
            "<polyline id=\"{what}\" fill=\"none\" stroke=\"{colour}\" points=\"{}\"/>",
            points.join(" ")
        );
    }
    let _ = write!(
        h,
        "<text x=\"2\" y=\"12\" font-size=\"10\" fill=\"#1f77b4\">{peak:.0} MB</text>\
         <text x=\"2\" y=\"26\" font-size=\"10\" fill=\"#d62728\">{top:.0}% cpu</text>\n</svg>\n\
         <p>{} samples of resident memory (blue, up to the peak) and CPU (red, percent of one core).</p>\n</body></html>\n",
        samples.len()
    );
    h
}
