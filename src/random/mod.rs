//! Independent random streams: xoshiro256++ with jump-ahead, sampled in lanes.
//!
//! **What the numbers depend on.** The seed, the shape and the chunking, nothing else.
//! Chunk `k` (in row-major order of the chunk grid) gets the seed's state long-jumped
//! `k` times (streams 2^192 apart). Inside a chunk, [`LANES`] lanes (the chunk state
//! jumped 0..LANES times, 2^128 apart) produce the chunk's numbers interleaved: element
//! `i` of the chunk, in row-major order, draws from lane `i % LANES`. The rare normal
//! samples the ziggurat's fast path rejects are finished from one more stream (the chunk
//! state jumped `LANES` times), in element order. So the tile size, the number of
//! threads or ranks, the order chunks run in and the CPU's vector width never change a
//! bit; changing the chunks does.
//!
//! The integer generator is written lane-wise so the compiler vectorises it; with
//! runtime CPU feature detection, AVX2 or AVX-512 code runs where the CPU has it, with
//! exactly the same results as the scalar code (integer arithmetic is exact).

mod tables;

use tables::{ZIG_NORM_F, ZIG_NORM_R, ZIG_NORM_X};

/// Lanes per chunk stream.
pub const LANES: usize = 8;

/// One xoshiro256++ generator (Blackman and Vigna), with `jump` (2^128) and
/// `long_jump` (2^192). Seeded as `rand_xoshiro` seeds it (SplitMix64), so its output
/// equals `rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Xoshiro256pp {
    s: [u64; 4],
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const JUMP: [u64; 4] = [
    0x180e_c6d3_3cfd_0aba,
    0xd5a6_1266_f0c9_392c,
    0xa958_2618_e03f_c9aa,
    0x39ab_dc45_29b1_661c,
];
const LONG_JUMP: [u64; 4] = [
    0x76e1_5d3e_fefd_cbbf,
    0xc500_4e44_1c52_2fb3,
    0x7771_0069_854e_e241,
    0x3910_9bb0_2acb_e635,
];

impl Xoshiro256pp {
    /// Seeds from one `u64` through SplitMix64.
    pub fn seed_from_u64(seed: u64) -> Self {
        let mut sm = seed;
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Xoshiro256pp { s }
    }

    /// The next 64 random bits.
    #[inline(always)]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let r = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        r
    }

    fn jump_with(&mut self, poly: &[u64; 4]) {
        let mut acc = [0u64; 4];
        for word in poly {
            for b in 0..64 {
                if word & (1u64 << b) != 0 {
                    for (a, s) in acc.iter_mut().zip(&self.s) {
                        *a ^= s;
                    }
                }
                self.next_u64();
            }
        }
        self.s = acc;
    }

    /// Advances by 2^128 steps.
    pub fn jump(&mut self) {
        self.jump_with(&JUMP);
    }

    /// Advances by 2^192 steps.
    pub fn long_jump(&mut self) {
        self.jump_with(&LONG_JUMP);
    }

    /// A uniform double in [0, 1) from the top 53 bits.
    #[inline]
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform double in (0, 1).
    #[inline]
    fn next_open01(&mut self) -> f64 {
        ((self.next_u64() >> 12) as f64 + 0.5) * (1.0 / (1u64 << 52) as f64)
    }
}

/// The states of `n` chunk streams of `seed`, derived once, in chunk order.
pub fn chunk_states(seed: u64, n: usize) -> Vec<Xoshiro256pp> {
    let mut g = Xoshiro256pp::seed_from_u64(seed);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(g.clone());
        g.long_jump();
    }
    out
}

/// The random numbers of one chunk, handed out in order, any number at a time.
pub struct ChunkStream {
    lanes: [[u64; LANES]; 4],
    fallback: Xoshiro256pp,
    buf: Box<[u64; BUF]>,
    pos: usize,
    flags: Box<[u8; BUF]>,
}

const BUF: usize = 512;

#[inline(always)]
fn rounds_generic(s: &mut [[u64; LANES]; 4], out: &mut [u64; BUF]) {
    for chunk in out.chunks_exact_mut(LANES) {
        for l in 0..LANES {
            let r = s[0][l]
                .wrapping_add(s[3][l])
                .rotate_left(23)
                .wrapping_add(s[0][l]);
            chunk[l] = r;
            let t = s[1][l] << 17;
            s[2][l] ^= s[0][l];
            s[3][l] ^= s[1][l];
            s[1][l] ^= s[2][l];
            s[0][l] ^= s[3][l];
            s[2][l] ^= t;
            s[3][l] = s[3][l].rotate_left(45);
        }
    }
}

/// The ziggurat's fast path over a block, branch-free so it vectorises (with gathers on
/// AVX2/AVX-512): candidates into `out`, a non-zero flag where the sample is rejected.
#[inline(always)]
fn zig_fast_generic(bits: &[u64], out: &mut [f64], flags: &mut [u8]) {
    for ((&b, d), f) in bits.iter().zip(out.iter_mut()).zip(flags.iter_mut()) {
        let (i, _, x) = zig_candidate(b);
        *d = x;
        *f = u8::from(x.abs() >= ZIG_NORM_X[i + 1]);
    }
}

crate::simd::multiversion!(rounds, rounds_generic, (s: &mut [[u64; LANES]; 4], out: &mut [u64; BUF]));
crate::simd::multiversion!(zig_fast, zig_fast_generic, (bits: &[u64], out: &mut [f64], flags: &mut [u8]));

/// Which generator code this CPU runs (the results are the same for all).
pub fn simd_level() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return "avx512";
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            return "avx2";
        }
    }
    "scalar"
}

/// The ziggurat's fast path, exactly as rand_distr computes it: one `u64` gives the
/// layer (low 8 bits) and a uniform in [-1, 1) (top 52 bits).
#[inline(always)]
fn zig_candidate(bits: u64) -> (usize, f64, f64) {
    let i = (bits & 0xff) as usize;
    let u = f64::from_bits((bits >> 12) | 0x4000_0000_0000_0000) - 3.0;
    (i, u, u * ZIG_NORM_X[i])
}

/// Finishes a sample the fast path rejected, drawing only from `fb`.
fn zig_slow(mut i: usize, mut u: f64, mut x: f64, fb: &mut Xoshiro256pp) -> f64 {
    loop {
        if i == 0 {
            // The tail beyond R (Marsaglia's method).
            let (mut tx, mut ty) = (1.0f64, 0.0f64);
            while -2.0 * ty < tx * tx {
                tx = fb.next_open01().ln() / ZIG_NORM_R;
                ty = fb.next_open01().ln();
            }
            return if u < 0.0 {
                tx - ZIG_NORM_R
            } else {
                ZIG_NORM_R - tx
            };
        }
        if ZIG_NORM_F[i + 1] + (ZIG_NORM_F[i] - ZIG_NORM_F[i + 1]) * fb.next_f64()
            < (-0.5 * x * x).exp()
        {
            return x;
        }
        (i, u, x) = zig_candidate(fb.next_u64());
        if x.abs() < ZIG_NORM_X[i + 1] {
            return x;
        }
    }
}

impl ChunkStream {
    /// The stream of a chunk whose state is `state` (from [`chunk_states`]).
    pub fn new(state: &Xoshiro256pp) -> Self {
        let mut lanes = [[0u64; LANES]; 4];
        let mut g = state.clone();
        for l in 0..LANES {
            for (lane, s) in lanes.iter_mut().zip(g.s) {
                lane[l] = s;
            }
            g.jump();
        }
        ChunkStream {
            lanes,
            fallback: g,
            buf: Box::new([0; BUF]),
            pos: BUF,
            flags: Box::new([0; BUF]),
        }
    }

    fn refill(&mut self, force_scalar: bool) {
        rounds(&mut self.lanes, &mut self.buf, force_scalar);
        self.pos = 0;
    }

    /// The next `out.len()` raw 64-bit numbers.
    pub fn fill_u64(&mut self, out: &mut [u64]) {
        self.fill_u64_impl(out, false)
    }

    fn fill_u64_impl(&mut self, mut out: &mut [u64], force_scalar: bool) {
        while !out.is_empty() {
            if self.pos == BUF {
                self.refill(force_scalar);
            }
            let n = (BUF - self.pos).min(out.len());
            out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
            self.pos += n;
            out = &mut out[n..];
        }
    }

    /// Standard normal samples (ziggurat), scaled: `mean + std * z`.
    pub fn fill_normal(&mut self, out: &mut [f64], mean: f64, std: f64) {
        self.fill_normal_impl(out, mean, std, false)
    }

    #[doc(hidden)]
    pub fn fill_normal_scalar(&mut self, out: &mut [f64], mean: f64, std: f64) {
        self.fill_normal_impl(out, mean, std, true)
    }

    fn fill_normal_impl(&mut self, out: &mut [f64], mean: f64, std: f64, force_scalar: bool) {
        let mut done = 0;
        while done < out.len() {
            if self.pos == BUF {
                self.refill(force_scalar);
            }
            let n = (BUF - self.pos).min(out.len() - done);
            let bits = &self.buf[self.pos..self.pos + n];
            let dst = &mut out[done..done + n];
            let flags = &mut self.flags[..n];
            zig_fast(bits, dst, flags, force_scalar);
            // Rejections are rare (about 1%): test eight flags as one word, then walk the
            // set bytes of a non-zero word in order.
            for (g, group) in flags.chunks(8).enumerate() {
                let mut word = group
                    .iter()
                    .rev()
                    .fold(0u64, |w, &f| (w << 8) | u64::from(f));
                while word != 0 {
                    let k = g * 8 + (word.trailing_zeros() / 8) as usize;
                    word &= !(0xffu64 << ((k - g * 8) * 8));
                    let (i, u, x) = zig_candidate(bits[k]);
                    dst[k] = zig_slow(i, u, x, &mut self.fallback);
                }
            }
            if mean != 0.0 || std != 1.0 {
                for d in dst.iter_mut() {
                    *d = mean + std * *d;
                }
            }
            self.pos += n;
            done += n;
        }
    }

    /// Uniform samples in `[low, high)`.
    pub fn fill_uniform(&mut self, out: &mut [f64], low: f64, high: f64) {
        let scale = high - low;
        self.fill_mapped(out, |b| {
            low + scale * ((b >> 11) as f64 * (1.0 / (1u64 << 53) as f64))
        });
    }

    /// Integers in `[low, high)` as doubles (Lemire's multiply; bias below 2^-64 * range).
    pub fn fill_integers(&mut self, out: &mut [f64], low: i64, high: i64) {
        let range = (high as i128 - low as i128) as u128;
        self.fill_mapped(out, |b| {
            (low as i128 + ((u128::from(b) * range) >> 64) as i128) as f64
        });
    }

    fn fill_mapped(&mut self, out: &mut [f64], f: impl Fn(u64) -> f64) {
        let mut done = 0;
        while done < out.len() {
            if self.pos == BUF {
                self.refill(false);
            }
            let n = (BUF - self.pos).min(out.len() - done);
            for (d, &b) in out[done..done + n]
                .iter_mut()
                .zip(&self.buf[self.pos..self.pos + n])
            {
                *d = f(b);
            }
            self.pos += n;
            done += n;
        }
    }
}

/// A chunk's stream as `rand`'s [`rand_core::Rng`] (through [`rand_core::TryRng`]),
/// so `rand_distr`'s distributions sample from it: `Distribution::sample(&d, &mut rng)`.
/// It hands out the stream's raw 64-bit numbers in order ([`ChunkStream::fill_u64`]),
/// so samples depend on the seed and the chunking only, as every other generator here.
///
/// ```
/// use chunkwise::random::{ChunkRng, chunk_states};
/// use rand_distr::{Distribution, Exp};
/// let mut rng = ChunkRng::new(&chunk_states(7, 1)[0]);
/// let x: f64 = Exp::new(2.0).unwrap().sample(&mut rng);
/// assert!(x >= 0.0);
/// ```
pub struct ChunkRng {
    stream: ChunkStream,
}

impl ChunkRng {
    /// The generator of a chunk whose state is `state` (from [`chunk_states`]).
    pub fn new(state: &Xoshiro256pp) -> Self {
        ChunkRng {
            stream: ChunkStream::new(state),
        }
    }
}

impl rand_core::TryRng for ChunkRng {
    type Error = std::convert::Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let s = &mut self.stream;
        if s.pos == BUF {
            s.refill(false);
        }
        let v = s.buf[s.pos];
        s.pos += 1;
        Ok(v)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for part in dst.chunks_mut(8) {
            let v = self.try_next_u64()?.to_le_bytes();
            part.copy_from_slice(&v[..part.len()]);
        }
        Ok(())
    }
}
