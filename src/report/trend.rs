//! Growth fitted to history (`growth = "fit"`): "when do we run out?" answered from the
//! measured trend instead of a typed-in guess.
//!
//! The data are one point a day: the day's demand at the sizing percentile (the figure the
//! verdict and the forecast size for), from [`super::history`]. Two trends are fitted by
//! least squares, as Capacity Advisor's forecast offers them [CA10][CA11]:
//! - linear, `y = a + b·t`;
//! - compound, `ln y = α + β·t`, i.e. `y = e^α·(1 + r)^t` with `r = e^β − 1`;
//!
//! and the one with the higher R² (both measured on `y`, so they compare) is kept, unless
//! the scenario names the model. Time `t` is in years of 365 days, as growth rates are.
//!
//! The rate is what the forecast multiplies `demand_now` by: compound `(1 + r)^years`, linear
//! `1 + r·years`, counted from the end of the history. So a linear rate is the slope ÷ the
//! fitted level at the end of the history (not at its start): growing on from there, the
//! forecast continues the fitted line. Its 95 % interval is Student's t on the slope with
//! n − 2 degrees of freedom (statrs), the level at the end taken as known.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Days of history a fit needs: fewer say more about the week's pattern than about a trend.
pub const MIN_DAYS: usize = 7;

const YEAR_DAYS: f64 = 365.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    Linear,
    Compound,
}

impl Model {
    pub fn as_str(self) -> &'static str {
        match self {
            Model::Linear => "linear",
            Model::Compound => "compound",
        }
    }

    pub fn compound(self) -> bool {
        self == Model::Compound
    }
}

/// A trend fitted to daily demand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trend {
    pub model: Model,
    /// A year's growth, as the forecast applies it from the end of the history.
    pub rate: f64,
    /// The 95 % interval of `rate`.
    pub rate_ci95: (f64, f64),
    /// 1 − SSE/SST on the demand itself (1 for a perfectly flat history).
    pub r_squared: f64,
    /// Daily points fitted.
    pub days: usize,
    /// The fitted demand at the end of the history [the demand's unit].
    pub level_at_end: f64,
}

impl Trend {
    /// The fitted demand `days` after the end of the history (before it when negative), at
    /// `rate` (the fit's, or an end of its interval); a linear decline stops at zero.
    pub fn level(&self, days: f64, rate: f64) -> f64 {
        let years = days / YEAR_DAYS;
        match self.model {
            Model::Linear => self.level_at_end * (1.0 + rate * years).max(0.0),
            Model::Compound => self.level_at_end * (1.0 + rate).powf(years),
        }
    }
}

/// The trend of `daily` (one value a day, oldest first): `model`'s, or the better of the two.
/// The error says why none can be fitted.
pub fn fit(daily: &[f64], model: Option<Model>) -> Result<Trend, &'static str> {
    let n = daily.len();
    if n < MIN_DAYS {
        return Err("fewer than 7 whole days of history");
    }
    if daily.iter().any(|y| !y.is_finite() || *y < 0.0) {
        return Err("the history has a value that is not a finite demand");
    }
    if daily.iter().all(|y| *y == 0.0) {
        return Err("no demand in the history");
    }
    let t = StudentsT::new(0.0, 1.0, (n - 2) as f64)
        .map(|d| d.inverse_cdf(0.975))
        .map_err(|_| "no t quantile")?;
    let linear = || linear(daily, t);
    let compound = || compound(daily, t);
    match model {
        Some(Model::Linear) => linear(),
        Some(Model::Compound) => compound(),
        None => match (linear(), compound()) {
            (Ok(l), Ok(c)) => Ok(if c.r_squared >= l.r_squared { c } else { l }),
            (Ok(l), Err(_)) => Ok(l),
            (Err(_), Ok(c)) => Ok(c),
            (Err(e), Err(_)) => Err(e),
        },
    }
}

/// Day centres [years] and the end of the history [years].
fn times(n: usize) -> (Vec<f64>, f64) {
    let x = (0..n).map(|i| (i as f64 + 0.5) / YEAR_DAYS).collect();
    (x, n as f64 / YEAR_DAYS)
}

/// Least squares `z = a + b·x`: (a, b, standard error of b).
fn least_squares(x: &[f64], z: &[f64]) -> (f64, f64, f64) {
    let n = x.len() as f64;
    let (mx, mz) = (x.iter().sum::<f64>() / n, z.iter().sum::<f64>() / n);
    let sxx: f64 = x.iter().map(|x| (x - mx).powi(2)).sum();
    let sxz: f64 = x.iter().zip(z).map(|(x, z)| (x - mx) * (z - mz)).sum();
    let b = sxz / sxx;
    let a = mz - b * mx;
    let sse: f64 = x.iter().zip(z).map(|(x, z)| (z - a - b * x).powi(2)).sum();
    let se = (sse / (n - 2.0) / sxx).sqrt();
    (a, b, se)
}

/// 1 − SSE/SST of `fitted` against `y`; a flat history fitted exactly is 1.
fn r_squared(y: &[f64], fitted: impl Iterator<Item = f64>) -> f64 {
    let my = y.iter().sum::<f64>() / y.len() as f64;
    let sst: f64 = y.iter().map(|y| (y - my).powi(2)).sum();
    let sse: f64 = y.iter().zip(fitted).map(|(y, f)| (y - f).powi(2)).sum();
    if sst > 0.0 {
        1.0 - sse / sst
    } else if sse <= 1e-24 * y.len() as f64 {
        1.0
    } else {
        0.0
    }
}

fn linear(y: &[f64], t: f64) -> Result<Trend, &'static str> {
    let (x, end) = times(y.len());
    let (a, b, se) = least_squares(&x, y);
    let level = a + b * end;
    if level.is_nan() || level <= 0.0 {
        return Err("the fitted line is at zero or below at the end of the history");
    }
    Ok(Trend {
        model: Model::Linear,
        rate: b / level,
        rate_ci95: ((b - t * se) / level, (b + t * se) / level),
        r_squared: r_squared(y, x.iter().map(|x| a + b * x)),
        days: y.len(),
        level_at_end: level,
    })
}

fn compound(y: &[f64], t: f64) -> Result<Trend, &'static str> {
    if y.iter().any(|y| *y <= 0.0) {
        return Err("a day without demand has no logarithm: no compound trend");
    }
    let (x, end) = times(y.len());
    let z: Vec<f64> = y.iter().map(|y| y.ln()).collect();
    let (a, b, se) = least_squares(&x, &z);
    Ok(Trend {
        model: Model::Compound,
        rate: b.exp_m1(),
        rate_ci95: ((b - t * se).exp_m1(), (b + t * se).exp_m1()),
        r_squared: r_squared(y, x.iter().map(|x| (a + b * x).exp())),
        days: y.len(),
        level_at_end: (a + b * end).exp(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line growing 0.01 a day from 2 (3.65 a year): at the end of 60 days it is at
    /// 2 + 0.6 = 2.6, so the rate from there is 3.65 / 2.6 a year; exact data give R² = 1
    /// and an interval of width 0.
    #[test]
    fn an_exact_line_is_recovered() {
        let y: Vec<f64> = (0..60).map(|d| 2.0 + 0.01 * (d as f64 + 0.5)).collect();
        let f = fit(&y, Some(Model::Linear)).unwrap();
        assert!((f.level_at_end - 2.6).abs() < 1e-9, "{f:?}");
        assert!((f.rate - 3.65 / 2.6).abs() < 1e-9);
        assert!((f.r_squared - 1.0).abs() < 1e-12);
        assert!((f.rate_ci95.1 - f.rate_ci95.0).abs() < 1e-6);
        // Picked freely, the line beats the exponential on a line.
        assert_eq!(fit(&y, None).unwrap().model, Model::Linear);
        // 30 days on, the line is at 2.6 + 0.3.
        assert!((f.level(30.0, f.rate) - 2.9).abs() < 1e-9);
    }

    /// 40 % a year compounded from 5: the daily values are 5 · 1.4^(t/365); the fit gives back
    /// 0.4 and the level at the end, and prefers the compound model.
    #[test]
    fn an_exact_compound_growth_is_recovered() {
        let y: Vec<f64> = (0..90)
            .map(|d| 5.0 * 1.4f64.powf((d as f64 + 0.5) / 365.0))
            .collect();
        let f = fit(&y, None).unwrap();
        assert_eq!(f.model, Model::Compound);
        assert!((f.rate - 0.4).abs() < 1e-9, "{f:?}");
        assert!((f.level_at_end - 5.0 * 1.4f64.powf(90.0 / 365.0)).abs() < 1e-9);
        assert!((f.level(365.0, f.rate) / f.level_at_end - 1.4).abs() < 1e-9);
    }

    /// Noise around a known line: the interval holds the true rate, and narrows with more
    /// days. The noise is a fixed pseudo-random sequence, so the test is deterministic.
    #[test]
    fn noise_widens_the_interval_around_the_truth() {
        let mut state = 3u64;
        let mut noise = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.4
        };
        let series = |n: usize, noise: &mut dyn FnMut() -> f64| -> Vec<f64> {
            (0..n)
                .map(|d| 4.0 + 0.004 * (d as f64 + 0.5) + noise())
                .collect()
        };
        let short = fit(&series(30, &mut noise), Some(Model::Linear)).unwrap();
        let long = fit(&series(180, &mut noise), Some(Model::Linear)).unwrap();
        for (f, n) in [(short, 30.0), (long, 180.0)] {
            let truth = 0.004 * 365.0 / (4.0 + 0.004 * n);
            assert!(
                f.rate_ci95.0 < truth && truth < f.rate_ci95.1,
                "{truth} outside {f:?}"
            );
        }
        assert!(long.rate_ci95.1 - long.rate_ci95.0 < short.rate_ci95.1 - short.rate_ci95.0);
    }

    #[test]
    fn too_little_or_no_data_says_why() {
        assert!(fit(&[1.0; 6], None).unwrap_err().contains("7 whole days"));
        assert!(fit(&[0.0; 10], None).unwrap_err().contains("no demand"));
        assert!(fit(&[1.0, f64::NAN, 1.0, 1.0, 1.0, 1.0, 1.0], None).is_err());
        // A day at zero rules out the compound trend, not the linear one.
        let mut y = vec![1.0; 10];
        y[3] = 0.0;
        assert_eq!(fit(&y, None).unwrap().model, Model::Linear);
        assert!(fit(&y, Some(Model::Compound)).is_err());
        // A flat history: rate 0, R² 1.
        let f = fit(&[2.0; 14], None).unwrap();
        assert_eq!(f.rate, 0.0);
        assert_eq!(f.r_squared, 1.0);
    }
}
