//! Carbon: the grid's intensity over time and the CO2 of the energy a run drew.
//!
//! `kg CO2 = kWh at the wall of the IT equipment × PUE × gCO2/kWh ÷ 1,000`. With a constant
//! intensity this is exact from the run's energy integral. With an intensity that varies
//! (a trace: a step function of time, as OpenDC's grid-intensity traces are), the energy must
//! be known per span of time: the caller splits the run into spans over which the server's
//! utilization is known (the time-series rows) and asks for ∫ intensity over each.
//!
//! Knows no files: the scenario compiler reads the trace and hands over its samples.

/// Grams in a kilogram.
const G_PER_KG: f64 = 1_000.0;

/// The grid's carbon intensity [gCO2 per kWh].
#[derive(Debug, Clone, PartialEq)]
pub enum Intensity {
    Constant(f64),
    /// Sample `k` holds for `[k·step_ms, (k+1)·step_ms)` from the scenario start; past the last
    /// sample the trace starts again when `repeat`, else the last sample holds (the compiler
    /// refuses a trace shorter than the horizon without `repeat`).
    Steps {
        step_ms: u64,
        values: Vec<f64>,
        repeat: bool,
    },
}

impl Intensity {
    /// The intensity at `t` [g/kWh].
    pub fn at(&self, t: u64) -> f64 {
        match self {
            Intensity::Constant(v) => *v,
            Intensity::Steps {
                step_ms,
                values,
                repeat,
            } => {
                if values.is_empty() || *step_ms == 0 {
                    return 0.0;
                }
                let k = (t / step_ms) as usize;
                let n = values.len();
                if *repeat {
                    values[k % n]
                } else {
                    values[k.min(n - 1)]
                }
            }
        }
    }

    /// ∫ intensity dt over `[a, b)` [g/kWh × ms]: exact for the step function, one term per
    /// sample the span touches.
    pub fn integral(&self, a: u64, b: u64) -> f64 {
        if b <= a {
            return 0.0;
        }
        match self {
            Intensity::Constant(v) => v * (b - a) as f64,
            Intensity::Steps { step_ms, .. } => {
                let step = (*step_ms).max(1);
                let mut sum = 0.0;
                let mut t = a;
                while t < b {
                    let end = ((t / step + 1) * step).min(b);
                    sum += self.at(t) * (end - t) as f64;
                    t = end;
                }
                sum
            }
        }
    }

    /// The time-weighted mean over `[a, b)` [g/kWh]; the value at `a` for an empty span.
    pub fn mean(&self, a: u64, b: u64) -> f64 {
        if b <= a {
            self.at(a)
        } else {
            self.integral(a, b) / (b - a) as f64
        }
    }
}

/// kg CO2 of `kwh` drawn by IT equipment in a facility of `pue` on a grid of `g_per_kwh`.
///
/// By hand (issue #20): 10 kWh × PUE 1.5 × 400 g/kWh = 6,000 g = 6 kg.
/// ```
/// assert_eq!(vsesim::licensing::carbon::co2_kg(10.0, 1.5, 400.0), 6.0);
/// ```
pub fn co2_kg(kwh: f64, pue: f64, g_per_kwh: f64) -> f64 {
    kwh * pue * g_per_kwh / G_PER_KG
}

/// kg CO2 of one server with the linear power model over spans `(start, end, utilization)`
/// covering `[0, horizon)`: idle power × ∫I dt over the horizon + (max − idle) × Σ u × ∫I dt
/// over each span, × PUE, in W·ms·g/kWh → kg. Exact when the utilization is constant within
/// each span (or the intensity is).
pub fn co2_kg_over_spans(
    idle_w: f64,
    max_w: f64,
    pue: f64,
    intensity: &Intensity,
    horizon_ms: u64,
    spans: impl Iterator<Item = (u64, u64, f64)>,
) -> f64 {
    let idle = idle_w * intensity.integral(0, horizon_ms);
    let dynamic: f64 = spans
        .map(|(a, b, u)| u * intensity.integral(a, b))
        .fold(0.0, |s, x| s + x);
    // W·ms × g/kWh ÷ (W·ms per kWh) = g.
    (idle + (max_w - idle_w) * dynamic) / super::WATT_MS_PER_KWH * pue / G_PER_KG
}

#[cfg(test)]
mod tests {
    use super::*;
    const H: u64 = 3_600_000;

    /// 10 kWh × 1.5 × 400 g = 6 kg (the issue's figure).
    #[test]
    fn ten_kwh_at_pue_one_and_a_half_on_a_400_gram_grid_is_six_kg() {
        assert_eq!(co2_kg(10.0, 1.5, 400.0), 6.0);
    }

    /// An hourly trace 100, 300, 200 g/kWh: over [30 min, 2 h 30 min) the integral is
    /// 0.5 h × 100 + 1 h × 300 + 0.5 h × 200 = 450 g·h/kWh; the mean 225. Past the end without
    /// repeat the last sample holds; with repeat the trace starts again.
    #[test]
    fn a_step_trace_integrates_sample_by_sample() {
        let i = Intensity::Steps {
            step_ms: H,
            values: vec![100.0, 300.0, 200.0],
            repeat: false,
        };
        assert_eq!(i.integral(H / 2, 5 * H / 2), 450.0 * H as f64);
        assert_eq!(i.mean(H / 2, 5 * H / 2), 225.0);
        assert_eq!(i.at(10 * H), 200.0);
        let r = Intensity::Steps {
            step_ms: H,
            values: vec![100.0, 300.0, 200.0],
            repeat: true,
        };
        assert_eq!(r.at(4 * H), 300.0);
        assert_eq!(r.integral(0, 6 * H), 1_200.0 * H as f64);
    }

    /// A 1 kW-idle, 2 kW-max server for 2 hours, at 0 % in the first hour (400 g) and 100 % in
    /// the second (100 g), PUE 1.5: 1 kWh × 400 + 2 kWh × 100 = 600 g × 1.5 = 0.9 kg. The
    /// hourly mean intensity (250 g) × its 3 kWh × 1.5 would say 1.125 kg: the time matters.
    #[test]
    fn spans_weight_the_energy_by_the_intensity_of_its_hour() {
        let i = Intensity::Steps {
            step_ms: H,
            values: vec![400.0, 100.0],
            repeat: false,
        };
        let kg = co2_kg_over_spans(
            1_000.0,
            2_000.0,
            1.5,
            &i,
            2 * H,
            [(0, H, 0.0), (H, 2 * H, 1.0)].into_iter(),
        );
        assert!((kg - 0.9).abs() < 1e-12, "{kg}");
        // A constant intensity gives the energy integral × intensity.
        let c = co2_kg_over_spans(
            1_000.0,
            2_000.0,
            1.5,
            &Intensity::Constant(400.0),
            2 * H,
            [(0, H, 0.0), (H, 2 * H, 1.0)].into_iter(),
        );
        assert!((c - co2_kg(3.0, 1.5, 400.0)).abs() < 1e-12);
    }
}
