//! External programs as tasks (seed 000's iqtree runs): `gzip -t` and `sha256sum` over
//! many files in parallel, each run's status kept, failures reported with stderr.
//!
//! cargo run --release --example commands -- [FILES...]   (default: a generated set,
//! one of them deliberately corrupt)
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use chunkwise::{Cmd, compute};

fn sample_files() -> std::io::Result<(tempfile::TempDir, Vec<PathBuf>)> {
    let dir = tempfile::tempdir()?;
    let mut files = Vec::new();
    for i in 0..24 {
        let p = dir.path().join(format!("part-{i:02}.gz"));
        let text: String = (0..2000).map(|j| format!("line {i} {j}\n")).collect();
        let mut child = std::process::Command::new("gzip")
            .arg("-c")
            .stdin(std::process::Stdio::piped())
            .stdout(std::fs::File::create(&p)?)
            .spawn()?;
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(text.as_bytes())?;
        child.wait()?;
        files.push(p);
    }
    // One truncated file: its `gzip -t` must fail, and say why.
    let bad = dir.path().join("part-99.gz");
    let good = std::fs::read(&files[0])?;
    std::fs::write(&bad, &good[..good.len() / 2])?;
    files.push(bad);
    Ok((dir, files))
}

fn main() -> chunkwise::Result<()> {
    let args: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let (_keep, files) = if args.is_empty() {
        let (d, f) = sample_files().map_err(|e| chunkwise::Error::io("sample files", e))?;
        (Some(d), f)
    } else {
        (None, args)
    };
    let t0 = Instant::now();
    let tests: Vec<_> = files
        .iter()
        .map(|f| Cmd::new("gzip").arg("-t").arg(f).check(false).delayed())
        .collect();
    let sums: Vec<_> = files
        .iter()
        .map(|f| Cmd::new("sha256sum").arg(f).delayed())
        .collect();
    let (tests, sums) = compute((&tests, &sums))?;
    let mut failed = 0;
    let mut checksum = 0u64;
    for (t, s) in tests.iter().zip(&sums) {
        let status = if t.success {
            "ok".to_string()
        } else {
            format!("FAILED ({:?})", t.code)
        };
        let digest = s.stdout_str();
        let (hash, name) = digest.split_once("  ").unwrap_or(("?", "?"));
        println!(
            "{:<60} gzip -t {status} sha256 {}",
            name.trim(),
            &hash[..16.min(hash.len())]
        );
        if !t.success {
            failed += 1;
            println!("    stderr: {}", t.stderr_str().trim());
        }
        checksum ^= u64::from_str_radix(&hash[..16.min(hash.len())], 16).unwrap_or(0);
    }
    println!(
        "files={} failed={failed} secs={:.3} peak_rss_mb={:.1} checksum={checksum:016x}",
        files.len(),
        t0.elapsed().as_secs_f64(),
        chunkwise::peak_rss_mb()
    );
    Ok(())
}
