//! Watching work: the progress bar and memory readings (pictures of graphs live in
//! `graph::dot`).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar on standard error; indicatif draws nothing when stderr is not a terminal.
pub(crate) fn progress_bar(tasks: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(tasks), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "[{elapsed_precise}] {bar:40} {pos}/{len} tasks ({per_sec}, eta {eta})",
    ) {
        bar.set_style(style);
    }
    bar
}

/// Peak resident memory of this process in MB (Linux `VmHWM`; 0 where unknown), for
/// the summary lines that examples print.
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
