//! A seeded Zipf-like page reference generator, for benchmarks and tests
//! that need a large, skewed reference string without a trace file.
//!
//! Page `k` (counting from 0) is referenced with probability proportional
//! to 1 / (k + 1)^s, where `s` is the exponent, so page 0 is the hottest.
//! Each reference draws one uniform number from [`SplitMix64`] and finds its
//! page by binary search in the cumulative distribution, so the same
//! parameters and seed always give the same string. When the write
//! fraction is above 0, a second draw per reference decides whether it is
//! a write. This is not a model of any real program: references are
//! independent, with no locality beyond the skew.

use crate::refs::Reference;
use crate::rng::SplitMix64;
use std::fmt;

/// The default page count, 100,000.
pub const DEFAULT_PAGES: u64 = 100_000;

/// The default exponent, 1.0 (the classic Zipf law).
pub const DEFAULT_EXPONENT: f64 = 1.0;

/// The largest page count accepted, 2^24; the cumulative table costs
/// 8 bytes per page.
pub const MAX_PAGES: u64 = 1 << 24;

/// Parameters of a Zipf-like reference string.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ZipfParams {
    /// The number of distinct pages that can be drawn, `0..pages`.
    pub pages: u64,
    /// The exponent `s` of the distribution: 0 is uniform, larger is more skewed.
    pub exponent: f64,
    /// The probability that a reference is a write, in `[0, 1]`.
    pub write_fraction: f64,
    /// The generator's seed.
    pub seed: u64,
}

impl Default for ZipfParams {
    fn default() -> ZipfParams {
        ZipfParams {
            pages: DEFAULT_PAGES,
            exponent: DEFAULT_EXPONENT,
            write_fraction: 0.0,
            seed: 0,
        }
    }
}

/// Why a generator could not be built.
#[derive(Clone, Debug, PartialEq)]
pub enum ZipfError {
    /// The page count is 0 or above [`MAX_PAGES`].
    BadPages { pages: u64 },
    /// The exponent is negative, infinite or NaN.
    BadExponent { exponent: f64 },
    /// The write fraction is outside `[0, 1]`.
    BadWriteFraction { write_fraction: f64 },
}

impl fmt::Display for ZipfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ZipfError::BadPages { pages } => write!(
                f,
                "invalid page count {pages}: use 1 to {MAX_PAGES} (2^24) pages"
            ),
            ZipfError::BadExponent { exponent } => write!(
                f,
                "invalid Zipf exponent {exponent}: use a finite number of 0 or more, such as 1.0"
            ),
            ZipfError::BadWriteFraction { write_fraction } => write!(
                f,
                "invalid write fraction {write_fraction}: use a number from 0 to 1"
            ),
        }
    }
}

impl std::error::Error for ZipfError {}

/// A generator of Zipf-distributed references.
#[derive(Clone, Debug)]
pub struct Zipf {
    /// `cdf[k]` is the unnormalised probability of pages `0..=k`.
    cdf: Vec<f64>,
    write_fraction: f64,
    rng: SplitMix64,
}

impl Zipf {
    /// Builds the generator for `params`.
    ///
    /// # Errors
    ///
    /// Returns a [`ZipfError`] naming the parameter that is out of range.
    pub fn new(params: ZipfParams) -> Result<Zipf, ZipfError> {
        let ZipfParams {
            pages,
            exponent,
            write_fraction,
            seed,
        } = params;
        if pages == 0 || pages > MAX_PAGES {
            return Err(ZipfError::BadPages { pages });
        }
        if !exponent.is_finite() || exponent < 0.0 {
            return Err(ZipfError::BadExponent { exponent });
        }
        if !(0.0..=1.0).contains(&write_fraction) {
            return Err(ZipfError::BadWriteFraction { write_fraction });
        }

        let mut cdf = Vec::with_capacity(pages as usize);
        let mut total = 0.0;
        for rank in 1..=pages {
            total += (rank as f64).powf(-exponent);
            cdf.push(total);
        }
        Ok(Zipf {
            cdf,
            write_fraction,
            rng: SplitMix64::new(seed),
        })
    }

    /// Draws the next reference.
    pub fn next_reference(&mut self) -> Reference {
        let total = *self.cdf.last().expect("`new` rejects a page count of 0");
        let target = unit_interval(self.rng.next_u64()) * total;
        // The first page whose cumulative weight exceeds the target; the
        // `min` guards against rounding at the top end.
        let page = self.cdf.partition_point(|&weight| weight <= target);
        let page = page.min(self.cdf.len() - 1) as u64;
        let write =
            self.write_fraction > 0.0 && unit_interval(self.rng.next_u64()) < self.write_fraction;
        Reference { page, write }
    }
}

/// Maps a 64-bit output to `[0, 1)` through its top 53 bits, the precision
/// of an `f64`.
fn unit_interval(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// Generates `n_references` references drawn by [`Zipf`] with `params`.
///
/// # Errors
///
/// Returns a [`ZipfError`] naming the parameter that is out of range.
pub fn generate(n_references: usize, params: ZipfParams) -> Result<Vec<Reference>, ZipfError> {
    let mut zipf = Zipf::new(params)?;
    Ok((0..n_references).map(|_| zipf.next_reference()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pages: u64, exponent: f64, seed: u64) -> ZipfParams {
        ZipfParams {
            pages,
            exponent,
            write_fraction: 0.0,
            seed,
        }
    }

    #[test]
    fn same_seed_same_string() {
        let first = generate(1000, params(50, 1.0, 7)).unwrap();
        let second = generate(1000, params(50, 1.0, 7)).unwrap();
        assert_eq!(first, second);
    }

    #[test]
    fn different_seeds_differ() {
        let first = generate(1000, params(50, 1.0, 7)).unwrap();
        let second = generate(1000, params(50, 1.0, 8)).unwrap();
        assert_ne!(first, second);
    }

    #[test]
    fn pages_stay_in_range() {
        for pages in [1, 2, 10, 1000] {
            let references = generate(2000, params(pages, 1.2, 3)).unwrap();
            assert!(references.iter().all(|reference| reference.page < pages));
        }
    }

    #[test]
    fn exponent_one_follows_zipf_law() {
        // With s = 1 over 100 pages, page 0 has probability 1 / H(100),
        // about 0.1928, and page 1 half of that. 100,000 draws put the
        // counts within a few hundred of 19,280 and 9,640.
        let references = generate(100_000, params(100, 1.0, 11)).unwrap();
        let count = |page| references.iter().filter(|r| r.page == page).count();
        assert!((18_800..19_800).contains(&count(0)), "page 0: {}", count(0));
        assert!((9_300..10_000).contains(&count(1)), "page 1: {}", count(1));
    }

    #[test]
    fn exponent_zero_is_uniform() {
        let references = generate(40_000, params(4, 0.0, 5)).unwrap();
        for page in 0..4 {
            let count = references.iter().filter(|r| r.page == page).count();
            assert!((9_500..10_500).contains(&count), "page {page}: {count}");
        }
    }

    #[test]
    fn write_fraction_is_respected() {
        let mut zipf_params = params(100, 1.0, 2);
        assert!(generate(1000, zipf_params)
            .unwrap()
            .iter()
            .all(|reference| !reference.write));

        zipf_params.write_fraction = 0.25;
        let writes = generate(40_000, zipf_params)
            .unwrap()
            .iter()
            .filter(|reference| reference.write)
            .count();
        assert!((9_500..10_500).contains(&writes), "writes: {writes}");
    }

    #[test]
    fn bad_parameters_are_rejected() {
        assert_eq!(
            Zipf::new(params(0, 1.0, 0)).unwrap_err(),
            ZipfError::BadPages { pages: 0 }
        );
        assert_eq!(
            Zipf::new(params(MAX_PAGES + 1, 1.0, 0))
                .unwrap_err()
                .to_string(),
            "invalid page count 16777217: use 1 to 16777216 (2^24) pages"
        );
        assert!(matches!(
            Zipf::new(params(10, -1.0, 0)),
            Err(ZipfError::BadExponent { .. })
        ));
        assert!(matches!(
            Zipf::new(params(10, f64::NAN, 0)),
            Err(ZipfError::BadExponent { .. })
        ));
        let mut bad_writes = params(10, 1.0, 0);
        bad_writes.write_fraction = 1.5;
        assert_eq!(
            Zipf::new(bad_writes).unwrap_err().to_string(),
            "invalid write fraction 1.5: use a number from 0 to 1"
        );
    }
}
