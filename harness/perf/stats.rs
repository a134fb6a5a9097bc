//! The statistics of an A/B comparison: medians, and a Student-t interval for the mean of
//! log ratios (one value per fork, i.e. per fresh pair of server processes).

use statrs::distribution::{ContinuousCDF, StudentsT};

/// The median (the mean of the middle two for an even count); `NaN` when empty.
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    }
}

/// The arithmetic mean; `NaN` when empty.
pub(crate) fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// A mean and its two-sided confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
}

/// The Student-t interval for the mean of `values` at two-sided `confidence` (e.g. 0.95).
/// `None` for fewer than two values, where no spread can be estimated.
pub(crate) fn t_interval(values: &[f64], confidence: f64) -> Option<Interval> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let m = mean(values);
    let variance = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1) as f64;
    let standard_error = (variance / n as f64).sqrt();
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .ok()?
        .inverse_cdf(1.0 - (1.0 - confidence) / 2.0);
    Some(Interval {
        mean: m,
        low: m - t * standard_error,
        high: m + t * standard_error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn the_t_interval_matches_a_textbook_case() {
        // n = 3, mean 2, sd 1: t(0.975, 2) = 4.303, half-width 4.303 / sqrt(3) = 2.484.
        let i = t_interval(&[1.0, 2.0, 3.0], 0.95).unwrap();
        assert_eq!(i.mean, 2.0);
        assert!((i.high - 2.0 - 2.484).abs() < 1e-3, "{i:?}");
        assert!((2.0 - i.low - 2.484).abs() < 1e-3, "{i:?}");
    }

    #[test]
    fn the_interval_narrows_with_more_agreeing_values() {
        let few = t_interval(&[0.9, 1.1, 1.0], 0.95).unwrap();
        let many = t_interval(&[0.9, 1.1, 1.0, 0.95, 1.05, 1.0, 0.98, 1.02], 0.95).unwrap();
        assert!(many.high - many.low < few.high - few.low);
        assert!(t_interval(&[1.0], 0.95).is_none());
    }
}
