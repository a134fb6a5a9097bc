//! The statistics of an A/B comparison: the median of paired ratios and a bootstrap
//! confidence interval for it.

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

/// A percentile bootstrap interval for the median of `values`: `resamples` resamples with
/// replacement, from a fixed seed so the same values give the same interval.
/// Returns `(low, high)` for the two-sided `confidence` (e.g. 0.95).
pub fn bootstrap_median_ci(
    values: &[f64],
    confidence: f64,
    resamples: usize,
    seed: u64,
) -> (f64, f64) {
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut sample = vec![0.0; values.len()];
    let mut medians: Vec<f64> = (0..resamples.max(1))
        .map(|_| {
            for slot in sample.iter_mut() {
                *slot = values[rng.usize(..values.len())];
            }
            median(&sample)
        })
        .collect();
    medians.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    let at = |q: f64| {
        medians[((q * (medians.len() - 1) as f64).round() as usize).min(medians.len() - 1)]
    };
    (at(tail), at(1.0 - tail))
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
    fn the_interval_holds_the_median_and_narrows_with_agreement() {
        let spread = [0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3];
        let (lo, hi) = bootstrap_median_ci(&spread, 0.95, 2000, 1);
        assert!(lo <= 1.0 && 1.0 <= hi, "{lo} {hi}");
        assert!(hi - lo > 0.1);
        let tight = [0.80, 0.81, 0.79, 0.80, 0.82, 0.78, 0.80];
        let (lo, hi) = bootstrap_median_ci(&tight, 0.95, 2000, 1);
        assert!(0.78 <= lo && hi <= 0.82, "{lo} {hi}");
    }

    #[test]
    fn the_same_values_give_the_same_interval() {
        let v = [1.0, 0.9, 1.1, 0.95, 1.05];
        assert_eq!(
            bootstrap_median_ci(&v, 0.95, 500, 7),
            bootstrap_median_ci(&v, 0.95, 500, 7)
        );
    }
}
