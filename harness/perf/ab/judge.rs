//! The verdict on a route's fork samples: significance and size together (see the
//! module documentation of [`crate::perf::ab`]).

use serde::{Deserialize, Serialize};

use crate::perf::ab::AbSettings;
use crate::perf::stats;

/// What the comparison concludes for one route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// B is slower than A, significantly and by more than the threshold.
    Slower,
    /// B is faster than A, significantly and by more than the threshold.
    Faster,
    /// Any difference is within the threshold, with confidence.
    NoChange,
    /// After the last fork, neither of the above can be said.
    Inconclusive,
}

impl Verdict {
    /// The table's wording.
    pub fn describe(self, threshold: f64) -> String {
        let pct = threshold * 100.0;
        match self {
            Verdict::Slower => format!("SLOWER (> {pct:.0}%)"),
            Verdict::Faster => format!("faster (> {pct:.0}%)"),
            Verdict::NoChange => format!("no change (within {pct:.0}%)"),
            Verdict::Inconclusive => "inconclusive".into(),
        }
    }
}

/// The interval and verdict of a set of fork samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    /// B/A: the exponential of the mean log ratio (a geometric mean).
    pub ratio: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// `None` while the samples allow no verdict yet.
    pub verdict: Option<Verdict>,
}

/// Judges fork samples (log ratios B/A) as the module documentation says.
pub fn judge(log_ratios: &[f64], settings: &AbSettings) -> Judgement {
    let Some(i) = stats::t_interval(log_ratios, settings.confidence) else {
        let ratio = stats::mean(log_ratios).exp();
        return Judgement {
            ratio,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
            verdict: None,
        };
    };
    let d = (1.0 + settings.threshold).ln();
    let verdict = if i.high < 0.0 && i.mean < -d {
        Some(Verdict::Slower)
    } else if i.low > 0.0 && i.mean > d {
        Some(Verdict::Faster)
    } else if i.low > -d && i.high < d {
        Some(Verdict::NoChange)
    } else {
        None
    };
    Judgement {
        ratio: i.mean.exp(),
        ci_low: i.low.exp(),
        ci_high: i.high.exp(),
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> AbSettings {
        AbSettings::default()
    }

    #[test]
    fn a_clear_slowdown_beyond_the_threshold_is_slower() {
        let ten_percent = (1.0_f64 / 1.10).ln();
        let forks = [ten_percent - 0.02, ten_percent, ten_percent + 0.02];
        let j = judge(&forks, &settings());
        assert_eq!(j.verdict, Some(Verdict::Slower), "{j:?}");
        assert!((j.ratio - 1.0 / 1.10).abs() < 1e-9);
    }

    #[test]
    fn a_speedup_mirrors_a_slowdown() {
        let forks = [0.08, 0.095, 0.11];
        assert_eq!(judge(&forks, &settings()).verdict, Some(Verdict::Faster));
        let slower: Vec<f64> = forks.iter().map(|x| -x).collect();
        assert_eq!(judge(&slower, &settings()).verdict, Some(Verdict::Slower));
    }

    #[test]
    fn a_tight_interval_around_no_change_is_no_change() {
        let forks = [-0.01, 0.0, 0.012, -0.004];
        assert_eq!(judge(&forks, &settings()).verdict, Some(Verdict::NoChange));
    }

    #[test]
    fn significant_but_small_is_not_slower() {
        // 2% slower, very consistently: significant, but below the 5% threshold.
        let forks = [-0.021, -0.02, -0.019, -0.02];
        assert_eq!(judge(&forks, &settings()).verdict, Some(Verdict::NoChange));
    }

    #[test]
    fn large_but_noisy_is_not_decided() {
        // A mean 10% below, but forks disagree: neither slower nor within the threshold.
        let forks = [-0.30, 0.05, -0.05];
        assert_eq!(judge(&forks, &settings()).verdict, None);
        assert_eq!(judge(&[-0.3], &settings()).verdict, None);
    }
}
