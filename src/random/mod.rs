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
//! exactly the same results as the scalar code (integer arithmetic is exact, and the
//! ziggurat's few float operations are the same ones in the same order). On AVX2 the
//! generator's rounds and the ziggurat's fast path are written with intrinsics (module
//! `avx2`): the compiler's own code there spent a third of S1's time on scalar rotates,
//! gathers and flag bytes; the kernels are tested against the generic code bit for bit.

mod tables;

use tables::{ZIG_LAYERS, ZIG_NORM_F, ZIG_NORM_R, ZIG_NORM_X};

// A sample's low bits pick its layer, by a mask.
const _: () = assert!(ZIG_LAYERS.is_power_of_two());

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
    reject: [u64; BUF / 64],
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

/// The ziggurat's fast path over a block with the rejections packed as bits: bit `j`
/// of `reject[w]` is set where sample `64 w + j` is rejected.
#[inline(always)]
fn zig_fast_packed(bits: &[u64], out: &mut [f64], flags: &mut [u8], reject: &mut [u64]) {
    zig_fast_generic(bits, out, flags);
    pack_flags(&flags[..bits.len()], reject);
}

// The generator's rounds on the best code for this CPU. LLVM turns the generic
// kernel's `rotate_left(45)` on AVX2 into scalar rotates (AVX2 has no 64-bit vector
// rotate; AVX-512 does), so AVX2 runs the same rounds written with vector shifts.
// Integer arithmetic: the same bits on every path.
crate::simd::multiversion!(rounds, rounds_generic, (s: &mut [[u64; LANES]; 4], out: &mut [u64; BUF]), avx2 = avx2::rounds);

/// The ziggurat's fast path on the best code for this CPU. Its table lookups compile
/// to gathers in the generic kernel, and gathers are slow on AMD's cores (microcoded on
/// Zen 2 and 3, and on Zen 4 with AVX-512 the whole S1 run took 1.34 s with them
/// against 0.97 s without), so every CPU with AVX2, AVX-512 ones included, runs the
/// AVX2 kernel, which loads each element's pair of table entries with one 16-byte load.
/// The arithmetic is the same operations on the same values: the same bits.
fn zig_fast(
    bits: &[u64],
    out: &mut [f64],
    flags: &mut [u8],
    reject: &mut [u64],
    force_scalar: bool,
) {
    #[cfg(target_arch = "x86_64")]
    if !force_scalar && crate::simd::level() >= crate::simd::Level::Avx2 {
        // SAFETY: `level` reports AVX2 or better only where the CPU has AVX2.
        return unsafe { avx2::zig_fast(bits, out, flags, reject) };
    }
    let _ = force_scalar;
    zig_fast_packed(bits, out, flags, reject)
}

/// Flag bytes (0 or 1) as bits: bit `j` of `reject[w]` is flag `64 w + j`.
fn pack_flags(flags: &[u8], reject: &mut [u64]) {
    for (w, block) in reject.iter_mut().zip(flags.chunks(64)) {
        *w = 0;
        for (g, group) in block.chunks(8).enumerate() {
            let word = match <[u8; 8]>::try_from(group) {
                Ok(bytes) => u64::from_le_bytes(bytes),
                Err(_) => group
                    .iter()
                    .rev()
                    .fold(0u64, |w, &f| (w << 8) | u64::from(f)),
            };
            // The low bit of each byte, gathered into the top byte by one multiply.
            let bits = ((word & 0x0101_0101_0101_0101).wrapping_mul(0x0102_0408_1020_4080)) >> 56;
            *w |= bits << (8 * g);
        }
    }
}

/// `ZIG_NORM_X[i]` and `ZIG_NORM_X[i + 1]` side by side, one 16-byte load apart.
static ZIG_NORM_X_PAIRS: [[f64; 2]; ZIG_LAYERS] = {
    let mut p = [[0.0; 2]; ZIG_LAYERS];
    let mut i = 0;
    while i < ZIG_LAYERS {
        p[i] = [ZIG_NORM_X[i], ZIG_NORM_X[i + 1]];
        i += 1;
    }
    p
};

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{BUF, LANES, ZIG_LAYERS, ZIG_NORM_X_PAIRS, pack_flags, zig_fast_generic};

    /// [`rounds_generic`](super::rounds_generic): xoshiro256++ on eight lanes, as two
    /// vectors of four per state word.
    #[target_feature(enable = "avx2")]
    pub(super) fn rounds(s: &mut [[u64; LANES]; 4], out: &mut [u64; BUF]) {
        const { assert!(LANES == 8) };
        // SAFETY (loads and stores below): each pointer is to four u64, 32 bytes.
        let load =
            |w: &[u64; LANES], h: usize| unsafe { _mm256_loadu_si256(w[4 * h..].as_ptr().cast()) };
        let mut st = [[_mm256_setzero_si256(); 2]; 4];
        for (v, w) in st.iter_mut().zip(s.iter()) {
            *v = [load(w, 0), load(w, 1)];
        }
        for chunk in out.chunks_exact_mut(LANES) {
            for h in 0..2 {
                let [s0, s1, s2, s3] = [st[0][h], st[1][h], st[2][h], st[3][h]];
                let sum = _mm256_add_epi64(s0, s3);
                let rot =
                    _mm256_or_si256(_mm256_slli_epi64::<23>(sum), _mm256_srli_epi64::<41>(sum));
                let r = _mm256_add_epi64(rot, s0);
                // SAFETY: `chunk` is eight u64; from `4 * h`, four: 32 bytes.
                unsafe { _mm256_storeu_si256(chunk[4 * h..].as_mut_ptr().cast(), r) };
                let t = _mm256_slli_epi64::<17>(s1);
                let s2 = _mm256_xor_si256(s2, s0);
                let s3 = _mm256_xor_si256(s3, s1);
                let s1 = _mm256_xor_si256(s1, s2);
                let s0 = _mm256_xor_si256(s0, s3);
                let s2 = _mm256_xor_si256(s2, t);
                let s3 = _mm256_or_si256(_mm256_slli_epi64::<45>(s3), _mm256_srli_epi64::<19>(s3));
                [st[0][h], st[1][h], st[2][h], st[3][h]] = [s0, s1, s2, s3];
            }
        }
        for (v, w) in st.iter().zip(s.iter_mut()) {
            for (h, half) in v.iter().enumerate() {
                // SAFETY: `w` is eight u64; from `4 * h`, four: 32 bytes.
                unsafe { _mm256_storeu_si256(w[4 * h..].as_mut_ptr().cast(), *half) };
            }
        }
    }

    /// [`zig_fast_generic`](super::zig_fast_generic), four elements at a time, 64 (one
    /// word of rejection bits) per block so every shift and bound is a constant.
    #[target_feature(enable = "avx2")]
    pub(super) fn zig_fast(bits: &[u64], out: &mut [f64], flags: &mut [u8], reject: &mut [u64]) {
        let n = bits.len().min(out.len()).min(flags.len());
        let whole = n / 64 * 64;
        let exp = _mm256_set1_epi64x(0x4000_0000_0000_0000);
        let three = _mm256_set1_pd(3.0);
        let abs = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fff_ffff_ffff_ffff));
        // A layer's byte offset in ZIG_NORM_X_PAIRS: (bits & (layers - 1)) * 16.
        const OFFSET: i64 = ((ZIG_LAYERS - 1) << 4) as i64;
        let offset = _mm256_set1_epi64x(OFFSET);
        let table = ZIG_NORM_X_PAIRS.as_ptr().cast::<u8>();
        // SAFETY: `at` is at most OFFSET, so `at .. at + 16` lies within the table's
        // ZIG_LAYERS * 16 bytes.
        let pair = |at: i32| unsafe { _mm_loadu_pd(table.add(at as usize).cast()) };
        let blocks = bits[..whole].chunks_exact(64);
        for ((b64, o64), r) in blocks
            .zip(out[..whole].chunks_exact_mut(64))
            .zip(reject.iter_mut())
        {
            let mut word = 0u64;
            for q in 0..16 {
                // SAFETY: `b64` is 64 u64; from `4 q`, four: 32 readable bytes.
                let b = unsafe { _mm256_loadu_si256(b64[4 * q..].as_ptr().cast()) };
                // u = f64 from the top 52 bits with exponent 2^1, minus 3: in [-1, 1).
                let u = _mm256_sub_pd(
                    _mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64::<12>(b), exp)),
                    three,
                );
                let at = _mm256_and_si256(_mm256_slli_epi64::<4>(b), offset);
                let (lo, hi) = (
                    _mm256_castsi256_si128(at),
                    _mm256_extracti128_si256::<1>(at),
                );
                let p0 = pair(_mm_cvtsi128_si32(lo));
                let p1 = pair(_mm_extract_epi32::<2>(lo));
                let p2 = pair(_mm_cvtsi128_si32(hi));
                let p3 = pair(_mm_extract_epi32::<2>(hi));
                let xi = _mm256_set_m128d(_mm_unpacklo_pd(p2, p3), _mm_unpacklo_pd(p0, p1));
                let xn = _mm256_set_m128d(_mm_unpackhi_pd(p2, p3), _mm_unpackhi_pd(p0, p1));
                let x = _mm256_mul_pd(u, xi);
                // SAFETY: `o64` is 64 f64; from `4 q`, four: 32 writable bytes.
                unsafe { _mm256_storeu_pd(o64[4 * q..].as_mut_ptr(), x) };
                let reject4 = _mm256_cmp_pd::<_CMP_GE_OQ>(_mm256_and_pd(x, abs), xn);
                word |= (_mm256_movemask_pd(reject4) as u64) << (4 * q);
            }
            *r = word;
        }
        // The last elements, fewer than 64, by the generic kernel.
        if whole < n {
            zig_fast_generic(&bits[whole..n], &mut out[whole..n], &mut flags[whole..n]);
            pack_flags(&flags[whole..n], &mut reject[whole / 64..]);
        }
    }
}

/// Which generator code this CPU runs (the results are the same for all); the
/// environment variable `CHUNKWISE_SIMD` (`scalar`, `avx2`, `avx512`) caps it, so
/// every path can be run on one machine.
pub fn simd_level() -> &'static str {
    crate::simd::level().name()
}

/// The ziggurat's fast path, as rand_distr computes it but over 512 layers where it has
/// 256 (half the rejections, the slow path's share of S1 from a quarter to an eighth):
/// one `u64` gives the layer (low 9 bits) and a uniform in [-1, 1) (top 52 bits).
#[inline(always)]
fn zig_candidate(bits: u64) -> (usize, f64, f64) {
    let i = (bits & (ZIG_LAYERS as u64 - 1)) as usize;
    let u = f64::from_bits((bits >> 12) | 0x4000_0000_0000_0000) - 3.0;
    (i, u, u * ZIG_NORM_X[i])
}

/// Whether `l < exp(-x^2 / 2)` (the wedge test of layer `i`, `|x|` between
/// `ZIG_NORM_X[i + 1]` and `ZIG_NORM_X[i]`), deciding as the comparison with `exp`
/// does but mostly without it. With `y = -x^2 / 2` and `d = y - yb <= 0` below the
/// layer's upper end `yb`, `exp(y) = f[i + 1] exp(d)`, and for `d <= 0` Taylor's
/// remainder puts `exp(d)` between `1 + d + d^2/2 + d^3/6` and `1 + d + d^2/2`, a band
/// of `d^4/24`. Only an `l` within a relative 1e-9 of the band (far beyond `exp`'s
/// rounding) is compared with `exp` itself: the same decisions, so the same samples.
#[inline]
fn wedge_accepts(i: usize, x: f64, l: f64) -> bool {
    const MARGIN: f64 = 1e-9;
    let y = -0.5 * x * x;
    let xb = ZIG_NORM_X[i + 1];
    let d = y - (-0.5 * xb * xb);
    let fb = ZIG_NORM_F[i + 1];
    let upper = 1.0 + d + 0.5 * d * d;
    if l > fb * upper * (1.0 + MARGIN) {
        return false;
    }
    let lower = upper + d * d * d * (1.0 / 6.0);
    if l < fb * lower * (1.0 - MARGIN) {
        return true;
    }
    exp_above(l, y)
}

/// `l < exp(y)`, kept out of line: LLVM treats `exp` as free of side effects and
/// would otherwise compute it on every wedge test to spare a branch.
#[cold]
#[inline(never)]
fn exp_above(l: f64, y: f64) -> bool {
    l < y.exp()
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
        let l = ZIG_NORM_F[i + 1] + (ZIG_NORM_F[i] - ZIG_NORM_F[i + 1]) * fb.next_f64();
        if wedge_accepts(i, x, l) {
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
            reject: [0; BUF / 64],
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
            let reject = &mut self.reject[..n.div_ceil(64)];
            zig_fast(bits, dst, flags, reject, force_scalar);
            // Rejections are rare (about 1%): walk the set bits, in element order.
            for (w, &word) in reject.iter().enumerate() {
                let mut word = word;
                while word != 0 {
                    let k = w * 64 + word.trailing_zeros() as usize;
                    word &= word - 1;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The wedge test's bounds decide as `exp` does: every layer, points across it,
    /// thresholds spread over the wedge and within a few ulps of `exp` itself.
    #[test]
    fn wedge_bounds_decide_as_exp_does() {
        let mut g = Xoshiro256pp::seed_from_u64(5);
        for i in 1..ZIG_LAYERS {
            let (xa, xb) = (ZIG_NORM_X[i], ZIG_NORM_X[i + 1]);
            for _ in 0..200 {
                let x = xb + (xa - xb) * g.next_f64();
                let e = (-0.5 * x * x).exp();
                let (fa, fb) = (ZIG_NORM_F[i], ZIG_NORM_F[i + 1]);
                let mut ls = vec![fb + (fa - fb) * g.next_f64()];
                for k in -3i64..=3 {
                    ls.push(f64::from_bits((e.to_bits() as i64 + k) as u64));
                }
                for l in ls {
                    assert_eq!(wedge_accepts(i, x, l), l < e, "layer {i}, x {x}, l {l}");
                }
            }
        }
    }

    /// Each kernel this CPU can run against the generic one, bit for bit, over lengths
    /// that end anywhere in a vector or a 64-element mask word.
    #[test]
    fn kernels_agree_with_the_generic_code() {
        let mut g = Xoshiro256pp::seed_from_u64(3);
        let mut lanes = [[0u64; LANES]; 4];
        for w in lanes.iter_mut() {
            for v in w.iter_mut() {
                *v = g.next_u64();
            }
        }
        let (mut a, mut b) = (lanes, lanes);
        let (mut out_a, mut out_b) = ([0u64; BUF], [0u64; BUF]);
        let (mut c, mut out_c) = (lanes, [0u64; BUF]);
        for _ in 0..3 {
            rounds(&mut a, &mut out_a, false);
            rounds_generic(&mut b, &mut out_b);
            assert_eq!((a, out_a), (b, out_b));
            // The AVX2 rounds, which an AVX-512 CPU would not otherwise run.
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2, checked just above.
                unsafe { avx2::rounds(&mut c, &mut out_c) };
                assert_eq!((c, out_c), (b, out_b));
            }
        }
        // Bits whose low bits pick every layer, some rejected (the tail layer 0 too).
        let bits: Vec<u64> = out_a.iter().map(|&v| v ^ (v >> 7)).collect();
        for n in (0..=BUF).filter(|n| n % 61 == 0 || n % 64 < 5 || n % 64 > 60) {
            let (mut x, mut y) = (vec![0.0; n], vec![0.0; n]);
            let (mut fa, mut fb) = (vec![7u8; n], vec![0u8; n]);
            let (mut ra, mut rb) = (vec![u64::MAX; n.div_ceil(64)], vec![0; n.div_ceil(64)]);
            zig_fast(&bits[..n], &mut x, &mut fa, &mut ra, false);
            zig_fast_generic(&bits[..n], &mut y, &mut fb);
            pack_flags(&fb, &mut rb);
            assert!(
                x.iter().zip(&y).all(|(p, q)| p.to_bits() == q.to_bits()),
                "{n}"
            );
            assert_eq!(ra, rb, "{n}");
            let rejected = (0..n).filter(|&k| fb[k] == 1).count();
            assert_eq!(
                rb.iter().map(|w| w.count_ones() as usize).sum::<usize>(),
                rejected
            );
            assert!(n < BUF || rejected > 0, "some of {n} rejected");
        }
    }
}
