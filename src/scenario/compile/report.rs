//! `[report]`: limits, the sizing quantile, growth, the target server and the time series'
//! options.

use super::*;

impl Compiler<'_> {
    pub(super) fn compile_report(
        &self,
        raw: Option<&Spanned<RawReport>>,
        step: Option<Spanned<crate::world::Duration>>,
        demand: &[Demand],
        horizon_ms: u64,
        entities: usize,
    ) -> Result<ReportOptions, Error> {
        let step_span = step.as_ref().map(|s| s.span());
        let mut options = ReportOptions {
            util_limit: DEFAULT_UTIL_LIMIT,
            memory_limit: DEFAULT_UTIL_LIMIT,
            disk_limit: DEFAULT_UTIL_LIMIT,
            network_limit: DEFAULT_UTIL_LIMIT,
            target_server: None,
            sizing_quantile: 1.0,
            growth: Growth::default(),
            workload_growth: Vec::new(),
            start: None,
            // The finest demand step, so that no sample is averaged away in the time series.
            step_ms: demand.iter().map(|d| d.step_ms).min().unwrap_or(300_000),
            interval_ms: DEFAULT_REPORT_INTERVAL_MS,
            timeseries: true,
            timeseries_csv: false,
        };
        let raw_span = raw.map(|r| r.span()).unwrap_or(0..0);
        let raw = match raw {
            Some(r) => r.get_ref(),
            None => &RawReport {
                util_limit: None,
                memory_limit: None,
                disk_limit: None,
                network_limit: None,
                target_server: None,
                sizing_percentile: None,
                growth: None,
                step: None,
                interval: None,
                timeseries: None,
                timeseries_csv: None,
            },
        };
        if let Some(limit) = &raw.util_limit {
            let v = *limit.get_ref();
            if !(v > 0.0 && v <= 1.0) {
                return Err(self.err(
                    limit.span(),
                    "report.util_limit",
                    format!("{v} is out of range; expected a fraction in (0, 1], e.g. 0.85"),
                ));
            }
            options.util_limit = v;
        }
        if let Some(p) = &raw.sizing_percentile {
            let v = *p.get_ref();
            if !(50.0..=100.0).contains(&v) {
                return Err(self.err(
                    p.span(),
                    "report.sizing_percentile",
                    format!(
                        "{v} is out of range; expected a percentile from 50 to 100 (100 = the peak)"
                    ),
                ));
            }
            options.sizing_quantile = v / 100.0;
        }
        if let Some(g) = &raw.growth {
            let v = g.get_ref();
            for (f, x) in [
                ("cpu", v.cpu),
                ("memory", v.memory),
                ("disk", v.disk),
                ("network", v.network),
            ] {
                if let RawRate::Given(x) = x
                    && !(x.is_finite() && x > -1.0 && x <= 100.0)
                {
                    return Err(self.err(
                        g.span(),
                        format!("report.growth.{f}"),
                        format!(
                            "{x}; expected a yearly growth as a fraction above -1 (0.2 = 20 %/year) or \"fit\""
                        ),
                    ));
                }
            }
            let horizon_ms = v.horizon.map_or(Growth::default().horizon_ms, |h| h.ms());
            if horizon_ms == 0 {
                return Err(self.err(
                    g.span(),
                    "report.growth.horizon",
                    "expected a positive duration",
                ));
            }
            let rate = |r: RawRate| match r {
                RawRate::Given(x) => Rate::Given(x),
                RawRate::Fit => Rate::Fit,
            };
            options.growth = Growth {
                cpu: rate(v.cpu),
                memory: rate(v.memory),
                disk: rate(v.disk),
                network: rate(v.network),
                compound: v.model != Some(RawGrowthModel::Linear),
                model_given: v.model.is_some(),
                horizon_ms,
            };
        }
        for (limit, name, slot) in [
            (&raw.memory_limit, "memory_limit", &mut options.memory_limit),
            (&raw.disk_limit, "disk_limit", &mut options.disk_limit),
            (
                &raw.network_limit,
                "network_limit",
                &mut options.network_limit,
            ),
        ] {
            if let Some(limit) = limit {
                let v = *limit.get_ref();
                if !(v > 0.0 && v <= 1.0) {
                    return Err(self.err(
                        limit.span(),
                        format!("report.{name}"),
                        format!("{v} is out of range; expected a fraction in (0, 1], e.g. 0.85"),
                    ));
                }
                *slot = v;
            }
        }
        let finest = options.step_ms;
        if let Some(step) = step {
            let ms = step.get_ref().ms();
            // Rows that end between demand samples would only cut segments in two; rows that
            // are multiples of the finest step never do.
            if ms == 0 || ms % finest != 0 {
                return Err(self.err(
                    step.span(),
                    "report.step",
                    format!(
                        "expected a multiple of the finest demand step ({})",
                        crate::world::Duration(finest)
                    ),
                ));
            }
            options.step_ms = ms;
        }
        if let Some(interval) = &raw.interval {
            let ms = interval.get_ref().ms();
            if !(REPORT_INTERVAL_RANGE_MS.0..=REPORT_INTERVAL_RANGE_MS.1).contains(&ms) {
                return Err(self.err(
                    interval.span(),
                    "report.interval",
                    format!(
                        "{} is out of range; expected 1s to 1d (Capacity Advisor's data are 5-minute means: \"5m\")",
                        crate::world::Duration(ms)
                    ),
                ));
            }
            options.interval_ms = ms;
        }
        (options.timeseries, options.timeseries_csv) = match self.recording {
            Some(r) => (r.timeseries, r.timeseries_csv),
            None => (
                raw.timeseries.unwrap_or(true),
                raw.timeseries_csv.unwrap_or(false),
            ),
        };
        if options.timeseries {
            let rows = horizon_ms
                .div_ceil(options.step_ms)
                .saturating_mul(entities as u64);
            if rows > MAX_TIMESERIES_ROWS {
                let span = step_span.unwrap_or(raw_span);
                return Err(self.err(
                    span,
                    "report.step",
                    format!("the time series would have {rows} rows (more than {MAX_TIMESERIES_ROWS}, kept in memory); set a longer `step` or `timeseries = false`"),
                ));
            }
        }
        Ok(options)
    }

    pub(super) fn target_server(
        &self,
        raw: &RawScenario,
        nodes: &[Node],
        index: &HashMap<String, NodeId>,
    ) -> Result<NodeId, Error> {
        let named = raw
            .report
            .as_ref()
            .and_then(|r| r.get_ref().target_server.as_ref());
        if let Some(name) = named {
            return match index.get(name.get_ref().as_str()) {
                Some(&id) if nodes[id.0 as usize].kind == NodeKind::Server => Ok(id),
                _ => Err(self.err(
                    name.span(),
                    "report.target_server",
                    format!(
                        "no server `{}`; expected the name of one of the [[servers]]",
                        name.get_ref()
                    ),
                )),
            };
        }
        let mut best = NodeId(0);
        for (i, n) in nodes.iter().enumerate() {
            let b = &nodes[best.0 as usize];
            if n.kind == NodeKind::Server && (n.nominal, n.memory_gb) > (b.nominal, b.memory_gb) {
                best = NodeId(i as u32);
            }
        }
        Ok(best)
    }

    /// A memory size [GiB], 0 when absent.
    /// The server a consolidation's size is counted in: the one `[report] target_server`
    /// names, else the largest (reference cores, then memory; the first of equals).
    /// `[scenario] start`: `"YYYY-MM-DD"` or a TOML date (`start = 2011-03-03`), without a
    /// time of day (time 0 is midnight).
    pub(super) fn start_date(
        &self,
        header: &RawHeader,
    ) -> Result<Option<crate::world::date::Date>, Error> {
        let Some(v) = &header.start else {
            return Ok(None);
        };
        let text = match v.get_ref() {
            toml::Value::String(t) => t.clone(),
            toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt.to_string(),
            other => {
                return Err(self.err(
                    v.span(),
                    "scenario.start",
                    format!(
                        "{other}; expected the day of time 0 as \"YYYY-MM-DD\" (midnight of it), without a time"
                    ),
                ));
            }
        };
        crate::world::date::Date::parse(&text)
            .map(Some)
            .map_err(|m| self.err(v.span(), "scenario.start", m))
    }
}
