//! Watching work: the progress bar, profiles of tasks and resources, performance
//! reports, memory readings (pictures of graphs live in `graph::dot`).

#[cfg(feature = "dashboard")]
mod dashboard;
mod profile;
mod report;

#[cfg(feature = "dashboard")]
pub use dashboard::Dashboard;
pub use profile::{Profiler, ResourceProfiler, ResourceSample, RunRecord, TaskRecord};
pub use report::{PerformanceReport, performance_report};

use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::engine::{Event, Observer};

/// The progress bar, an observer of the run's events: a bar on standard error per run
/// (indicatif draws nothing when stderr is not a terminal).
#[derive(Default)]
pub(crate) struct Progress {
    bar: Mutex<Option<ProgressBar>>,
}

impl Observer for Progress {
    fn on_event(&self, event: &Event<'_>) {
        match event {
            Event::RunStarted { tasks, .. } if *tasks > 0 => {
                let bar = ProgressBar::with_draw_target(
                    Some(*tasks as u64),
                    ProgressDrawTarget::stderr(),
                );
                if let Ok(style) = ProgressStyle::with_template(
                    "[{elapsed_precise}] {bar:40} {pos}/{len} tasks ({per_sec}, eta {eta})",
                ) {
                    bar.set_style(style);
                }
                *self.bar.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar);
            }
            Event::TaskFinished { .. } => {
                if let Some(bar) = &*self.bar.lock().unwrap_or_else(|e| e.into_inner()) {
                    bar.inc(1);
                }
            }
            Event::RunFinished { .. } => {
                if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
                    bar.finish_and_clear();
                }
            }
            _ => {}
        }
    }
}

/// Prints warnings on standard error, one line each, naming the task.
pub(crate) struct PrintWarnings;

impl Observer for PrintWarnings {
    fn on_event(&self, event: &Event<'_>) {
        match event {
            Event::Warning { key, message } => {
                eprintln!("chunkwise: warning in task {key}: {message}");
            }
            Event::Retry {
                key,
                attempt,
                error,
            } => {
                eprintln!(
                    "chunkwise: task {key} failed (attempt {attempt}), running it again: {error}"
                );
            }
            _ => {}
        }
    }
    fn wants_task_events(&self) -> bool {
        false
    }
}

/// Peak resident memory of this process in MB (Linux `VmHWM`; 0 where unknown), for
/// the summary lines that examples print.
pub fn peak_rss_mb() -> f64 {
    status_mb("VmHWM:").unwrap_or(0.0)
}

/// A memory figure of `/proc/self/status` (`VmHWM:`, `VmRSS:`), in MB.
pub(crate) fn status_mb(field: &str) -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1024.0)
}
