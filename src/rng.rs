//! Reproducible random streams.
//!
//! Every random draw in the project comes from a ChaCha8 stream chosen by (seed, stream index), so
//! a result never depends on the order in which work is scheduled or on the thread count. The
//! distributions are implemented here, on top of raw 64-bit words, so that the numbers stay the
//! same across versions of the `rand` family.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// One independent stream of random numbers.
pub struct Stream {
    rng: ChaCha8Rng,
    spare_normal: Option<f64>,
}

impl Stream {
    /// The stream `index` of the generator seeded with `seed`. Streams with different indices
    /// never overlap.
    pub fn new(seed: u64, index: u64) -> Stream {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(index);
        Stream { rng, spare_normal: None }
    }

    /// Uniform on [0, 1) with 53 bits of precision.
    pub fn uniform(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal, by the Marsaglia polar method.
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let factor = (-2.0 * s.ln() / s).sqrt();
                self.spare_normal = Some(v * factor);
                return u * factor;
            }
        }
    }

    /// Poisson with mean `lambda`: inversion for small means, a continuity-corrected normal
    /// approximation above 500 (where the two are indistinguishable at our scales).
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda > 500.0 {
            return (lambda + lambda.sqrt() * self.normal() + 0.5).floor().max(0.0) as u64;
        }
        // Inversion by sequential search, started at the mode to keep it short for large means.
        let u = self.uniform();
        let mut k = 0u64;
        let mut p = (-lambda).exp();
        let mut cdf = p;
        if p > 0.0 {
            while cdf < u && k < 10_000 {
                k += 1;
                p *= lambda / k as f64;
                cdf += p;
            }
            return k;
        }
        // exp(-lambda) underflows only above ~745, unreachable here; keep a safe fallback.
        (lambda + lambda.sqrt() * self.normal()).round().max(0.0) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<f64> = (0..5)
            .map({
                let mut s = Stream::new(7, 1);
                move |_| s.uniform()
            })
            .collect();
        let b: Vec<f64> = (0..5)
            .map({
                let mut s = Stream::new(7, 1);
                move |_| s.uniform()
            })
            .collect();
        let c: Vec<f64> = (0..5)
            .map({
                let mut s = Stream::new(7, 2);
                move |_| s.uniform()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn moments_are_right() {
        let mut s = Stream::new(1, 0);
        let n = 200_000;
        let z: Vec<f64> = (0..n).map(|_| s.normal()).collect();
        let mean = z.iter().sum::<f64>() / n as f64;
        let var = z.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.01, "var {var}");
        for lambda in [0.7, 12.0, 800.0] {
            let k: Vec<f64> = (0..50_000).map(|_| s.poisson(lambda) as f64).collect();
            let m = k.iter().sum::<f64>() / k.len() as f64;
            let v = k.iter().map(|x| (x - m).powi(2)).sum::<f64>() / k.len() as f64;
            assert!((m / lambda - 1.0).abs() < 0.02, "poisson mean {m} for {lambda}");
            assert!((v / lambda - 1.0).abs() < 0.05, "poisson var {v} for {lambda}");
        }
    }
}
