//! Text scans (S3 shape): synthetic page-count logs in gzip files, every line counted
//! and the seed's `find` matches counted in one pass; plain (uncompressed) files too,
//! where the per-line work is all there is; and the count alone.
use chunkwise::bag::Bag;
use chunkwise::io::Encoding;
use chunkwise::{Config, Scheduler, compute_with};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

#[path = "../data/gen/wiki.rs"]
#[allow(dead_code)]
mod wiki_gen;

/// The seed's `find`, written as a first Rust version would be.
fn find(line: &str) -> bool {
    let f: Vec<&str> = line.split(' ').collect();
    f.len() >= 6 && f[2] == "en" && f[3].contains("Obama")
}

fn scan(c: &mut Criterion) {
    let (files, lines) = (4, 250_000);
    let dir = tempfile::tempdir().unwrap();
    wiki_gen::write(dir.path(), files, lines, 2017).unwrap();
    // The same lines uncompressed, to see the scan without the decoder.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let mut text = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::MultiGzDecoder::new(std::fs::File::open(&path).unwrap()),
            &mut text,
        )
        .unwrap();
        std::fs::write(path.with_extension("txt"), text).unwrap();
    }
    let config = Config::new().scheduler(Scheduler::threads(0));
    let mut g = c.benchmark_group("bag");
    g.throughput(Throughput::Elements((files * lines) as u64));
    g.sample_size(10);
    for ext in ["gz", "txt"] {
        let pattern = dir.path().join(format!("*.{ext}"));
        let bag = Bag::read_text(pattern.to_str().unwrap())
            .encoding(Encoding::Latin1)
            .open()
            .unwrap();
        let (total, matches) = (bag.count(), bag.filter(find).count());
        g.bench_function(format!("count_and_find_{ext}"), |b| {
            b.iter(|| compute_with((&total, &matches), &config).unwrap())
        });
        g.bench_function(format!("count_{ext}"), |b| {
            b.iter(|| compute_with(&total, &config).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, scan);
criterion_main!(benches);
