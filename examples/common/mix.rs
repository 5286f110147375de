//! splitmix64, the generator of the data-writing examples: small, well known, and
//! enough for synthetic data. Shared with `#[path = "common/mix.rs"] mod mix;`.
#![allow(dead_code)] // each example uses some of it

pub struct Mix(pub u64);

impl Mix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in 1..=n.
    pub fn int(&mut self, n: u64) -> u64 {
        1 + self.next() % n.max(1)
    }

    /// Uniform in 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Fisher-Yates.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }

    /// Every value of `keys` at least once, then draws with replacement up to `size`,
    /// shuffled (R's `sample_all` in db-benchmark's generators).
    pub fn sample_all(&mut self, keys: &[u64], size: usize) -> Vec<u64> {
        let mut out = keys.to_vec();
        while out.len() < size {
            out.push(keys[self.below(keys.len())]);
        }
        self.shuffle(&mut out);
        out
    }
}
