//! Per-task engine overhead: trivial delayed tasks in chains and a wide fan-in.
use chunkwise::{Config, Delayed, Scheduler, collect, compute_with, delayed};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn graph(n: usize) -> (Delayed<u64>, Vec<Delayed<u64>>) {
    let leaves: Vec<Delayed<u64>> = (0..(n / 2) as u64).map(|i| delayed(move || i)).collect();
    let total = collect(&leaves).map(|v| v.iter().sum::<u64>());
    let chains = (0..(n / 2 / 100) as u64)
        .map(|c| {
            let mut x = delayed(move || c);
            for _ in 1..100 {
                x = x.map(|v| v + 1);
            }
            x
        })
        .collect();
    (total, chains)
}

fn overhead(c: &mut Criterion) {
    let n = 100_000;
    let mut g = c.benchmark_group("overhead");
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(10);
    for (name, sched) in [
        ("synchronous", Scheduler::Synchronous),
        ("threads", Scheduler::threads(0)),
    ] {
        let config = Config::new().scheduler(sched);
        g.bench_function(format!("build_and_run_{name}"), |b| {
            b.iter(|| {
                let (total, chains) = graph(n);
                compute_with((&total, &chains), &config).unwrap()
            })
        });
        let (total, chains) = graph(n);
        g.bench_function(format!("run_{name}"), |b| {
            b.iter(|| compute_with((&total, &chains), &config).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
