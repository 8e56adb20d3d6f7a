//! Seeded randomness for seals: a ChaCha20 stream and smooth value noise on a lattice.
//! Everything here is a pure function of the seed, so a seal renders the same every time.

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

/// A ChaCha20 stream seeded from `seed` and a purpose tag (so unrelated draws do not share a
/// stream and adding a draw in one place does not move another).
pub(crate) struct Rng(ChaCha20Rng);

impl Rng {
    /// A stream for `seed`, separated by `tag`.
    pub(crate) fn new(seed: u64, tag: u64) -> Self {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        key[8..16].copy_from_slice(&tag.to_le_bytes());
        key[16..24].copy_from_slice(b"shomseal");
        Rng(ChaCha20Rng::from_seed(key))
    }

    /// A raw 64-bit draw.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A uniform draw in [0, 1) with 24 bits.
    pub(crate) fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// A uniform draw in [lo, hi).
    pub(crate) fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }

    /// An approximately normal draw (mean 0, sd 1): the sum of four uniforms, rescaled.
    pub(crate) fn normal(&mut self) -> f32 {
        let r = self.next_u64();
        let mut s = 0.0f32;
        for k in 0..4 {
            s += ((r >> (16 * k)) & 0xFFFF) as f32 / 65536.0;
        }
        // Sum of 4 U(0,1): mean 2, variance 4/12.
        (s - 2.0) * 1.732_050_8
    }
}

/// Value noise: random values on a square lattice of `cell` units, smoothly interpolated.
/// Values lie in [0, 1].
pub(crate) struct ValueNoise {
    cols: usize,
    rows: usize,
    cell: f32,
    vals: Vec<f32>,
}

impl ValueNoise {
    /// Noise covering `[0, w] × [0, h]` (any unit) with lattice spacing `cell`.
    pub(crate) fn new(rng: &mut Rng, w: f32, h: f32, cell: f32) -> Self {
        let cell = cell.max(1e-3);
        let cols = ((w.max(0.0) / cell) as usize).saturating_add(3).min(4096);
        let rows = ((h.max(0.0) / cell) as usize).saturating_add(3).min(4096);
        let vals = (0..cols * rows).map(|_| rng.unit()).collect();
        ValueNoise {
            cols,
            rows,
            cell,
            vals,
        }
    }

    /// The noise at (x, y); clamped to the covered area.
    pub(crate) fn at(&self, x: f32, y: f32) -> f32 {
        let fx = (x / self.cell).clamp(0.0, (self.cols - 2) as f32);
        let fy = (y / self.cell).clamp(0.0, (self.rows - 2) as f32);
        let ix = (fx as usize).min(self.cols - 2);
        let iy = (fy as usize).min(self.rows - 2);
        let tx = smooth(fx - ix as f32);
        let ty = smooth(fy - iy as f32);
        let i = iy * self.cols + ix;
        let v00 = self.vals.get(i).copied().unwrap_or(0.5);
        let v10 = self.vals.get(i + 1).copied().unwrap_or(0.5);
        let v01 = self.vals.get(i + self.cols).copied().unwrap_or(0.5);
        let v11 = self.vals.get(i + self.cols + 1).copied().unwrap_or(0.5);
        let a = v00 + (v10 - v00) * tx;
        let b = v01 + (v11 - v01) * tx;
        a + (b - a) * ty
    }
}

fn smooth(t: f32) -> f32 {
    t * t * (3.0 - 2.0 * t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_tags_separate() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7, 1);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7, 1);
                move |_| r.next_u64()
            })
            .collect();
        let c = Rng::new(7, 2).next_u64();
        assert_eq!(a, b);
        assert_ne!(a[0], c);
    }

    #[test]
    fn value_noise_is_bounded_and_continuous() {
        let n = ValueNoise::new(&mut Rng::new(1, 1), 10.0, 10.0, 0.5);
        let mut prev = n.at(0.0, 3.0);
        for i in 1..1000 {
            let v = n.at(i as f32 * 0.01, 3.0);
            assert!((0.0..=1.0).contains(&v));
            assert!((v - prev).abs() < 0.1);
            prev = v;
        }
    }
}
