//! S1 pieces: the normal sampler (vectorised and scalar) and a streamed row mean.
use chunkwise::array::random_normal;
use chunkwise::random::{ChunkStream, chunk_states};
use chunkwise::{Config, Scheduler};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn sampler(c: &mut Criterion) {
    let n = 1 << 20;
    let mut g = c.benchmark_group("sampler");
    g.throughput(Throughput::Elements(n as u64));
    let state = chunk_states(1, 1).pop().unwrap();
    let mut buf = vec![0.0; 4096];
    g.bench_function("fill_normal", |b| {
        b.iter(|| {
            let mut s = ChunkStream::new(&state);
            for _ in 0..n / 4096 {
                s.fill_normal(&mut buf, 0.0, 1.0);
            }
            buf[0]
        })
    });
    g.bench_function("fill_normal_scalar", |b| {
        b.iter(|| {
            let mut s = ChunkStream::new(&state);
            for _ in 0..n / 4096 {
                s.fill_normal_scalar(&mut buf, 0.0, 1.0);
            }
            buf[0]
        })
    });
    g.bench_function("fill_u64", |b| {
        let mut u = vec![0u64; 4096];
        b.iter(|| {
            let mut s = ChunkStream::new(&state);
            for _ in 0..n / 4096 {
                s.fill_u64(&mut u);
            }
            u[0]
        })
    });
    g.finish();
}

fn row_mean(c: &mut Criterion) {
    let n = 2000;
    let mut g = c.benchmark_group("row_mean");
    g.throughput(Throughput::Elements((n * n) as u64));
    g.sample_size(10);
    let x = random_normal(0.0, 1.0, &[n, n], [500, 500], 1).unwrap();
    let m = x.mean(1);
    let one = Config::new().scheduler(Scheduler::threads(1));
    g.bench_function("2000x2000_chunks_500_1_thread", |b| {
        b.iter(|| m.compute_with(&one).unwrap())
    });
    g.finish();
}

criterion_group!(benches, sampler, row_mean);
criterion_main!(benches);
