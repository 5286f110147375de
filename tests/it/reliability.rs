//! Faults and bad input: no hang, no silent wrong answer, no partial output read as
//! complete (issue 16). Each case names what used to go wrong.

use std::time::{Duration, Instant};

use chunkwise::bag::Bag;
use chunkwise::{Cmd, Config, Delayed, ErrorKind, Scheduler, compute_with, delayed};

fn threads(n: usize) -> Config {
    Config::new().scheduler(Scheduler::Threads(n))
}

/// Runs `f` on a thread of its own: a hang fails the test after `secs` instead of
/// holding the whole suite.
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(v) => v,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("still running after {secs} s: it hangs")
        }
        Err(_) => panic!("the test's body panicked (see above)"),
    }
}

#[test]
fn literal_paths_are_never_globs() {
    // `data[1].txt` was read as the pattern matching `data1.txt`.
    let dir = tempfile::tempdir().unwrap();
    let bracket = dir.path().join("data[1].txt");
    std::fs::write(&bracket, "right\n").unwrap();
    std::fs::write(dir.path().join("data1.txt"), "wrong\n").unwrap();
    let lines = Bag::read_text_files(&[&bracket])
        .open()
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(lines, vec!["right".to_string()]);
    // A literal path that is missing is an error naming it, not "matches no file".
    let missing = dir.path().join("gone[2].txt");
    let err = Bag::read_text_files(&[&missing]).open().unwrap_err();
    assert!(err.to_string().contains("gone[2].txt"), "{err}");
    assert_eq!(err.kind(), ErrorKind::Input);
    // A pattern still globs.
    let pattern = format!("{}/data?.txt", dir.path().display());
    let n = Bag::read_text(&pattern).open().unwrap().count().compute();
    assert_eq!(n.unwrap(), 1, "data?.txt matches data1.txt only");
}

#[test]
fn a_line_longer_than_the_limit_is_an_error_naming_file_and_offset() {
    // A file with no line break grew its buffer until allocation aborted.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one-line.txt");
    let mut text = "short\n".repeat(10);
    text.push_str(&"x".repeat(3 << 20));
    std::fs::write(&path, &text).unwrap();
    let err = Bag::read_text_files(&[&path])
        .max_line_bytes(1 << 20)
        .open()
        .unwrap()
        .count()
        .compute()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("one-line.txt") && err.contains("line 11") && err.contains("max_line_bytes"),
        "{err}"
    );
    // Under the default limit the same file reads.
    let lines = Bag::read_text_files(&[&path]).open().unwrap().count();
    assert_eq!(lines.compute().unwrap(), 11);
}

#[test]
fn to_textfiles_replaces_its_directory_whole() {
    // Writing 3 partitions where 12 were written left the 9 old files in place.
    let dir = tempfile::tempdir().unwrap();
    let pattern = format!("{}/out/part-*.txt", dir.path().display());
    let twelve = Bag::from_iter(
        (0..1200).map(|i| format!("old {i}")).collect::<Vec<_>>(),
        12,
    );
    assert_eq!(
        twelve
            .to_textfiles(&pattern)
            .unwrap()
            .compute()
            .unwrap()
            .len(),
        12
    );
    let three = Bag::from_iter((0..30).map(|i| format!("new {i}")).collect::<Vec<_>>(), 3);
    let written = three.to_textfiles(&pattern).unwrap().compute().unwrap();
    assert_eq!(written.len(), 3);
    assert!(written.iter().all(|p| p.exists()), "{written:?}");
    let back = Bag::read_text(&format!("{}/out/*.txt", dir.path().display()))
        .open()
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(back.len(), 30);
    assert!(back.iter().all(|l| l.starts_with("new ")));
    // Nothing but the directory is left beside it.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("out")]);
    // A directory holding something else is not replaced; a pattern with no directory
    // is refused before anything is written.
    std::fs::write(dir.path().join("out/notes.md"), "mine").unwrap();
    let err = three.to_textfiles(&pattern).unwrap_err().to_string();
    assert!(err.contains("notes.md"), "{err}");
    assert!(three.to_textfiles("part-*.txt").is_err());
}

#[test]
fn a_failed_write_leaves_the_old_parts() {
    let dir = tempfile::tempdir().unwrap();
    let pattern = format!("{}/out/part-*.txt", dir.path().display());
    let good = Bag::from_iter((0..40).map(|i| i.to_string()).collect::<Vec<_>>(), 4);
    good.to_textfiles(&pattern).unwrap().compute().unwrap();
    let bad = Bag::from_iter((0..40).collect::<Vec<i32>>(), 4).map(|&i| {
        assert!(i != 33, "item 33 fails");
        i
    });
    assert!(bad.to_textfiles(&pattern).unwrap().compute().is_err());
    let back = Bag::read_text(&format!("{}/out/*.txt", dir.path().display()))
        .open()
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(back, (0..40).map(|i| i.to_string()).collect::<Vec<_>>());
}

#[test]
fn nested_computes_progress_at_any_depth() {
    // Three deep (4 tasks, each computing 4, each computing 20) deadlocked in most
    // runs on 2 threads.
    for workers in [2, 3] {
        let config = threads(workers);
        let inner = move |k: u64| -> u64 {
            let cfg = threads(workers);
            let leaves: Vec<Delayed<u64>> = (0..20).map(|j| delayed(move || k * 100 + j)).collect();
            compute_with(&leaves, &cfg).unwrap().iter().sum()
        };
        let middle = move |i: u64| -> u64 {
            let cfg = threads(workers);
            let mids: Vec<Delayed<u64>> =
                (0..4).map(|j| delayed(move || inner(i * 4 + j))).collect();
            compute_with(&mids, &cfg).unwrap().iter().sum()
        };
        let tops: Vec<Delayed<u64>> = (0..4).map(|i| delayed(move || middle(i))).collect();
        let total: u64 = within(120, move || {
            compute_with(&tops, &config).unwrap().iter().sum()
        });
        let want: u64 = (0..16u64)
            .flat_map(|k| (0..20).map(move |j| k * 100 + j))
            .sum();
        assert_eq!(total, want, "{workers} workers");
    }
}

struct PanicsOnDrop(u32);

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("drop of value {} panicked", self.0);
        }
    }
}

#[test]
fn a_value_whose_drop_panics_fails_the_compute() {
    // The panic escaped the worker loop and hung the scope.
    for workers in [1, 2] {
        let err = within(60, move || {
            let v = delayed(|| PanicsOnDrop(7));
            let n = v.map(|p| p.0 + 1);
            n.compute_with(&threads(workers)).unwrap_err().to_string()
        });
        assert!(err.contains("drop of value 7 panicked"), "{err}");
    }
}

#[test]
fn a_failure_kills_a_running_command() {
    // A failing task returned its error only when a `sleep` in a Cmd ended.
    let sleep = Cmd::new("sleep").arg("20").delayed();
    let fail = chunkwise::try_delayed(|| {
        std::thread::sleep(Duration::from_millis(100));
        Err::<u8, _>("the other task failed")
    });
    let start = Instant::now();
    let err = within(60, move || {
        compute_with((&sleep, &fail), &threads(2))
            .unwrap_err()
            .to_string()
    });
    assert!(err.contains("the other task failed"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn commands_time_out_and_say_why() {
    let start = Instant::now();
    let err = Cmd::new("sleep")
        .arg("20")
        .timeout(Duration::from_millis(200))
        .run()
        .unwrap_err()
        .to_string();
    assert!(err.contains("timeout of 0.2 s"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(10));
    // A missing working directory is named as such, not as a missing program.
    let err = Cmd::new("true")
        .current_dir("/no/such/dir")
        .run()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("working directory /no/such/dir does not exist"),
        "{err}"
    );
    // A 20 MB line of stderr is cut to its end in the message.
    let err = Cmd::new("sh")
        .args(["-c", "head -c 20000000 /dev/zero | tr '\\0' x >&2; exit 2"])
        .run()
        .unwrap_err()
        .to_string();
    assert!(err.len() < 10_000, "{} bytes", err.len());
    assert!(
        err.contains("exited with status 2") && err.contains("earlier bytes"),
        "{err:.300}"
    );
}

#[test]
fn a_compute_past_its_timeout_fails_and_says_so() {
    let sleep = Cmd::new("sleep").arg("20").delayed();
    let start = Instant::now();
    let config = threads(2).timeout(Duration::from_millis(300));
    let err = sleep.compute_with(&config).unwrap_err();
    assert!(err.to_string().contains("timeout"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    // Tasks not started never start.
    let ran = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tasks: Vec<Delayed<()>> = (0..50)
        .map(|_| {
            let ran = ran.clone();
            delayed(move || {
                ran.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(20));
            })
        })
        .collect();
    let config = Config::new()
        .scheduler(Scheduler::Synchronous)
        .timeout(Duration::from_millis(100));
    assert!(compute_with(&tasks, &config).is_err());
    let ran = ran.load(std::sync::atomic::Ordering::Relaxed);
    assert!(ran < 50, "{ran} of 50 ran");
}

#[cfg(feature = "dataframe")]
mod frames {
    use chunkwise::dataframe::DFrame;
    use polars::prelude::*;

    #[test]
    fn a_parquet_file_of_another_schema_is_named() {
        // The error was `failed to vstack column 'v'`, naming no file.
        let dir = tempfile::tempdir().unwrap();
        let mut a = df!("k" => [1i64, 2], "v" => [1.5f64, 2.5]).unwrap();
        let mut b = df!("k" => [3i64], "v" => ["text"]).unwrap();
        for (name, df) in [("a.parquet", &mut a), ("b.parquet", &mut b)] {
            let f = std::fs::File::create(dir.path().join(name)).unwrap();
            ParquetWriter::new(f).finish(df).unwrap();
        }
        let frame = DFrame::read_parquet(&format!("{}/*.parquet", dir.path().display())).unwrap();
        let err = frame.collect().compute().unwrap_err().to_string();
        assert!(
            err.contains("b.parquet") && err.contains("\"v\"") && err.contains("a.parquet"),
            "{err}"
        );
    }

    #[test]
    fn quoted_fields_may_hold_line_breaks() {
        // RFC 4180: refused before, and with OnBadLines::Skip the valid rows were
        // skipped without error.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.csv");
        let mut text = String::from("id,note,x\n");
        let mut want_notes = Vec::new();
        for i in 0..2000 {
            let note = if i % 7 == 0 {
                format!("line one of {i}\nline \"\"two\"\", with a comma")
            } else {
                format!("plain {i}")
            };
            text.push_str(&format!("{i},\"{note}\",{}.5\n", i % 10));
            want_notes.push(note.replace("\"\"", "\""));
        }
        std::fs::write(&path, &text).unwrap();
        for policy in [
            chunkwise::dataframe::OnBadLines::Error,
            chunkwise::dataframe::OnBadLines::Skip,
        ] {
            // Small parse blocks, so blocks are cut between records many times.
            let frame = DFrame::read_csv_files(&[&path])
                .parse_block(997)
                .block_size(4096)
                .on_bad_lines(policy)
                .open()
                .unwrap();
            let df = frame.collect().compute().unwrap();
            assert_eq!(df.height(), 2000, "{policy:?}");
            let notes: Vec<String> = df
                .column("note")
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .map(|v| v.unwrap_or("(null)").to_string())
                .collect();
            assert_eq!(notes, want_notes, "{policy:?}");
            let x: f64 = df.column("x").unwrap().f64().unwrap().sum().unwrap();
            assert_eq!(x, (0..2000).map(|i| (i % 10) as f64 + 0.5).sum::<f64>());
        }
        // Quoted line breaks past the sample, in a file cut into parts: a part must not
        // start inside a quoted field; that is an error asking for the file whole.
        let late = dir.path().join("late.csv");
        let mut body = String::from("id,note\n");
        // Past the first read (1 MiB), which is the least a sample takes.
        for i in 0..100_000 {
            body.push_str(&format!("{i},plain\n"));
        }
        for i in 100_000..102_000 {
            body.push_str(&format!(
                "{i},\"{}\n{}\"\n",
                "a".repeat(100),
                "b".repeat(100)
            ));
        }
        std::fs::write(&late, &body).unwrap();
        let read = |block: u64| {
            DFrame::read_csv_files(&[&late])
                .sample_bytes(200)
                .block_size(block)
                .open()
                .unwrap()
                .collect()
                .compute()
        };
        let err = read(64 << 10).unwrap_err().to_string();
        assert!(
            err.contains("late.csv") && err.contains("block_size(0)"),
            "{err}"
        );
        assert_eq!(read(0).unwrap().height(), 102_000);
        // A bad row after a quoted line break is named by its line in the file.
        let mut bad = text.clone();
        bad.push_str("2000,\"a\nb\",1.5,extra\n");
        std::fs::write(&path, &bad).unwrap();
        // (Found when the schema is sampled, here the whole file, or in the scan.)
        let err = match DFrame::read_csv_files(&[&path]).open() {
            Err(e) => e,
            Ok(frame) => frame.collect().compute().unwrap_err(),
        }
        .to_string();
        let line = text.lines().count() + 1;
        assert!(
            err.contains(&format!("line {line}")),
            "{err} (want line {line})"
        );
    }
}

#[test]
fn a_failed_gather_cancels_the_futures_not_started() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    let client = chunkwise::Client::new(threads(2)).unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let r = Arc::clone(&ran);
    let fs = client.try_map(
        move |i: u64| {
            r.fetch_add(1, SeqCst);
            std::thread::sleep(Duration::from_millis(20));
            if i == 0 {
                Err("the first one fails")
            } else {
                Ok(i)
            }
        },
        0..200u64,
    );
    let err = client.gather(&fs).unwrap_err().to_string();
    assert!(err.contains("the first one fails"), "{err}");
    // Every future is settled now; the ones not started never run.
    assert!(fs.iter().all(|f| f.is_done()));
    std::thread::sleep(Duration::from_millis(300));
    let ran = ran.load(SeqCst);
    assert!(ran < 100, "{ran} of 200 calls ran after the gather failed");
    assert!(fs.iter().skip(100).all(|f| f.is_cancelled()));
    let e = fs[150].result().unwrap_err();
    assert!(e.to_string().contains("cancelled"), "{e}");
}

#[test]
fn a_non_utf8_setting_is_an_error_naming_it() {
    // `CHUNKWISE_WORKERS=$'\xff'` was ignored. Checked in a child process: the
    // environment is the whole test binary's.
    use std::os::unix::ffi::OsStrExt;
    if std::env::var_os("CHUNKWISE_TEST_CHILD").is_some() {
        let err = chunkwise::Scheduler::from_env().unwrap_err().to_string();
        assert!(
            err.contains("CHUNKWISE_WORKERS") && err.contains("UTF-8"),
            "{err}"
        );
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "it::reliability::a_non_utf8_setting_is_an_error_naming_it",
            "--nocapture",
        ])
        .env("CHUNKWISE_TEST_CHILD", "1")
        .env("CHUNKWISE_WORKERS", std::ffi::OsStr::from_bytes(b"\xff"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 passed"));
}

#[test]
fn spill_directories_of_killed_runs_are_removed() {
    // A SIGKILLed run left its spill files behind forever.
    let dir = tempfile::tempdir().unwrap();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    // A process id that is not running: the largest pid_max allows is never handed out
    // here in practice; check it is free.
    let pid = 4_194_303u32;
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    let stale = dir
        .path()
        .join(format!("chunkwise-spill-{}-{pid}-abc123", host.trim()));
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("7.zst"), b"old").unwrap();
    let mine = dir.path().join("chunkwise-spill-otherhost-1-xyz");
    std::fs::create_dir(&mine).unwrap();
    // A run that spills in that directory.
    let x = chunkwise::array::random_normal(0.0, 1.0, &[400, 400], [100, 100], 7).unwrap();
    let config = threads(2).memory_limit(300_000).spill_dir(dir.path());
    let p = x.persist_with(&config).unwrap();
    assert_eq!(p.compute().unwrap(), x.compute().unwrap());
    assert!(!stale.exists(), "the dead run's directory is gone");
    assert!(mine.exists(), "another machine's directory is kept");
}

#[test]
fn transient_failures_are_retried_and_bad_input_is_not() {
    use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
    use std::sync::{Arc, Mutex};
    struct Retries(Mutex<Vec<(String, u32)>>);
    impl chunkwise::Observer for Retries {
        fn on_event(&self, e: &chunkwise::Event<'_>) {
            if let chunkwise::Event::Retry { key, attempt, .. } = e {
                self.0.lock().unwrap().push((key.to_string(), *attempt));
            }
        }
        fn wants_task_events(&self) -> bool {
            false
        }
    }
    let seen = Arc::new(Retries(Mutex::new(Vec::new())));
    let config = threads(2).observe(seen.clone()).print_warnings(false);
    // A program that fails twice, then succeeds (a count kept in a file).
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("n");
    let script = format!(
        "n=$(cat {0} 2>/dev/null || echo 0); echo $((n+1)) > {0}; [ $n -ge 2 ] || exit 9",
        count.display()
    );
    let flaky = |n| Cmd::new("sh").args(["-c", &script]).retries(n).delayed();
    assert!(
        flaky(1).compute_with(&config).is_err(),
        "two failures, one retry"
    );
    std::fs::remove_file(&count).unwrap();
    let out = flaky(2).compute_with(&config).unwrap();
    assert!(out.success);
    let attempts: Vec<u32> = seen.0.lock().unwrap().iter().map(|(_, a)| *a).collect();
    assert_eq!(attempts, vec![1, 1, 2]);
    assert!(
        seen.0
            .lock()
            .unwrap()
            .iter()
            .all(|(k, _)| k.starts_with("(sh-"))
    );
    // Config::retries covers tasks that did not ask (a command, a file that could not
    // be read).
    std::fs::remove_file(&count).unwrap();
    let plain = Cmd::new("sh").args(["-c", &script]).delayed();
    assert!(
        plain
            .compute_with(&config.clone().retries(2))
            .unwrap()
            .success
    );
    // Bad input fails the same way again: run once.
    let calls = Arc::new(AtomicU32::new(0));
    let c = Arc::clone(&calls);
    let bad = chunkwise::try_delayed(move || {
        c.fetch_add(1, SeqCst);
        Err::<u8, _>(chunkwise::Error::invalid("a chunk size of zero"))
    })
    .retries(3);
    assert!(bad.compute_with(&config.clone().retries(5)).is_err());
    assert_eq!(calls.load(SeqCst), 1);
}

#[test]
fn persist_spills_while_it_runs() {
    // `persist` of 640 MB under a 64 MB budget held 610 MB: outputs were pinned in
    // memory and spilled only after the run. Here 64 chunks of 80 KB under 400 KB.
    let x = chunkwise::array::random_normal(0.0, 1.0, &[1600, 800], [100, 100], 3).unwrap();
    let budget = 400_000;
    let dir = tempfile::tempdir().unwrap();
    let config = threads(2).memory_limit(budget).spill_dir(dir.path());
    let p = x.persist_with(&config).unwrap();
    let stats = chunkwise::last_stats().unwrap();
    assert!(stats.bytes_spilled > 0);
    // The engine's own count of what it held at once (a chunk per worker may run over).
    assert!(
        stats.peak_held_bytes <= budget + 2 * 80_000,
        "held {} under a budget of {budget}",
        stats.peak_held_bytes
    );
    assert_eq!(p.compute().unwrap(), x.compute().unwrap());
    // The spilled chunks live as long as the persisted array.
    let spilled = || std::fs::read_dir(dir.path()).unwrap().count();
    assert!(spilled() > 0);
    drop(p);
    assert_eq!(spilled(), 0, "the spill directory goes with the array");
}

/// A process writing text files is killed (SIGKILL) at random points: reading the
/// output back then gives one whole version, or an error; never a part cut short (it
/// gave 5,280 of 2,000,000 lines with exit status 0) nor a mix of versions.
#[test]
fn killed_text_writers_leave_whole_parts_or_an_error() {
    const CHILD: &str = "CHUNKWISE_TEST_TEXT_WRITER";
    let version = |v: u32| {
        Bag::from_iter((0..20_000u32).collect::<Vec<_>>(), 6).map(move |i| format!("{v} {i}"))
    };
    if let Ok(pattern) = std::env::var(CHILD) {
        for v in 1.. {
            version(v)
                .to_textfiles(&pattern)
                .unwrap()
                .compute()
                .unwrap();
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pattern = format!("{}/out/part-*.txt.gz", dir.path().display());
    let glob = format!("{}/out/*.txt.gz", dir.path().display());
    version(0)
        .to_textfiles(&pattern)
        .unwrap()
        .compute()
        .unwrap();
    let (mut whole, mut errors) = (0, 0);
    let test = "it::reliability::killed_text_writers_leave_whole_parts_or_an_error";
    super::kill_at_random_points(test, (CHILD, &pattern), 10, 777, || {
        match Bag::read_text(&glob).open().and_then(|b| b.compute()) {
            Ok(lines) => {
                assert_eq!(lines.len(), 20_000, "a part cut short or missing");
                let v = lines[0].split(' ').next().unwrap().to_string();
                assert!(
                    lines
                        .iter()
                        .all(|l| l.split(' ').next() == Some(v.as_str())),
                    "a mix of versions"
                );
                whole += 1;
            }
            Err(e) => {
                assert!(e.to_string().contains("out"), "{e}");
                errors += 1;
            }
        }
    });
    // Writing again recovers, with nothing left beside the output.
    version(99)
        .to_textfiles(&pattern)
        .unwrap()
        .compute()
        .unwrap();
    let back = Bag::read_text(&glob).open().unwrap().compute().unwrap();
    assert_eq!((back.len(), back[0].as_str()), (20_000, "99 0"));
    super::only_output_left(
        dir.path(),
        "out",
        &format!("after {whole} whole reads and {errors} errors"),
    );
}
