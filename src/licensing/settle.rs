//! Settlement during a run: each server's active cores over time, its Temporary Instant
//! Capacity ledger (or its GiCAP group's), and its Pay per use meter.
//!
//! The simulation tells it facts by server (index into the scenario's pricing entries): how
//! many cores are active from when, how much work the server served, when a meter reading is
//! due. It keeps the books and answers what a workload manager may draw on (spare usage rights,
//! the balance). It knows no partitions and no event queue.

use super::config::{GicapGroup, PpuMetricKind, ServerPricing};
use super::{PPU_SAMPLE_MS, PpuMeter, PpuMetric, TicapLedger};

/// Every server's books in one run.
pub struct Settlement<'a> {
    pricing: &'a [ServerPricing],
    gicap: &'a [GicapGroup],
    ticap: Vec<Option<TicapLedger>>,
    /// Per GiCAP group: the balance its members share.
    group_ticap: Vec<Option<TicapLedger>>,
    ppu: Vec<Option<PpuMeter>>,
    /// Served since the last meter reading, per server [reference core-ms].
    served: Vec<f64>,
    /// Active cores per server now, since when, and Σ active cores × duration [core-ms].
    active: Vec<f64>,
    active_since: Vec<u64>,
    active_core_ms: Vec<f64>,
}

/// What the report reads of the books.
#[derive(Debug, Clone, Default)]
pub struct Books {
    /// Per server (pricing order): the Temporary Instant Capacity ledger and the Pay per use
    /// meter where it has them, and Σ active cores × duration [core-ms].
    pub ticap: Vec<Option<TicapLedger>>,
    pub group_ticap: Vec<Option<TicapLedger>>,
    pub ppu: Vec<Option<PpuMeter>>,
    pub active_core_ms: Vec<f64>,
}

impl<'a> Settlement<'a> {
    /// `active[k]`: server k's active cores at the start.
    pub fn new(pricing: &'a [ServerPricing], gicap: &'a [GicapGroup], active: Vec<f64>) -> Self {
        let ledger = |t: Option<super::config::TicapConfig>| t.map(|t| t.ledger());
        let mut s = Settlement {
            pricing,
            gicap,
            ticap: pricing.iter().map(|p| ledger(p.ticap)).collect(),
            group_ticap: gicap.iter().map(|g| ledger(g.ticap)).collect(),
            ppu: pricing
                .iter()
                .map(|p| {
                    p.ppu.map(|c| {
                        let metric = match c.metric {
                            PpuMetricKind::Percent => PpuMetric::PercentCore,
                            PpuMetricKind::Active => PpuMetric::ActiveCore,
                        };
                        PpuMeter::new(metric, c.price_per_core_month, c.fixed_per_month)
                    })
                })
                .collect(),
            served: vec![0.0; pricing.len()],
            active_since: vec![0; pricing.len()],
            active_core_ms: vec![0.0; pricing.len()],
            active,
        };
        // Active cores beyond the usage rights run on Temporary Instant Capacity from the start.
        for k in 0..pricing.len() {
            s.settle_ticap(k, 0);
        }
        s
    }

    /// Whether any server needs meter readings (a ledger or a Pay per use meter).
    pub fn metered(&self) -> bool {
        self.ticap
            .iter()
            .chain(&self.group_ticap)
            .any(Option::is_some)
            || self.ppu.iter().any(Option::is_some)
    }

    /// Work served on server `k` [reference core-ms], for its meter.
    #[inline]
    pub fn add_served(&mut self, k: usize, core_ms: f64) {
        self.served[k] += core_ms;
    }

    /// Server `k` runs `cores` active cores from `now`.
    pub fn set_active(&mut self, k: usize, cores: f64, now: u64) {
        self.flush_active(k, now);
        self.active[k] = cores;
        self.settle_ticap(k, now);
    }

    fn flush_active(&mut self, k: usize, now: u64) {
        let dt = now.saturating_sub(self.active_since[k]);
        self.active_core_ms[k] += self.active[k] * dt as f64;
        self.active_since[k] = now;
    }

    /// Usage rights and active cores of server `k`'s pool: its GiCAP group's members, or
    /// itself [cores].
    fn pool_rights_and_active(&self, k: usize) -> (f64, f64) {
        let one = [k];
        let pool: &[usize] = match self.pricing[k].group {
            Some(g) => &self.gicap[g].members,
            None => &one,
        };
        pool.iter().fold((0.0, 0.0), |(r, a), &m| {
            (r + self.pricing[m].rights as f64, a + self.active[m])
        })
    }

    /// Usage rights of server `k`'s pool (its complex, or its GiCAP group) not covering an
    /// active core, not counting `extra` temporary cores a domain holds itself [cores].
    pub fn spare_rights(&self, k: usize, extra: f64) -> f64 {
        let (rights, active) = self.pool_rights_and_active(k);
        (rights - (active - extra)).max(0.0)
    }

    /// The ledger that pays for server `k`'s temporary cores: its group's, or its own.
    pub fn ledger(&self, k: usize) -> Option<&TicapLedger> {
        match self.pricing[k].group {
            Some(g) => self.group_ticap[g].as_ref(),
            None => self.ticap[k].as_ref(),
        }
    }

    /// Tell the ledger of server `k`'s pool how many of its active cores run above its rights.
    fn settle_ticap(&mut self, k: usize, now: u64) {
        let (rights, active) = self.pool_rights_and_active(k);
        let above = (active - rights).max(0.0).round() as u32;
        let ledger = match self.pricing[k].group {
            Some(g) => self.group_ticap[g].as_mut(),
            None => self.ticap[k].as_mut(),
        };
        if let Some(l) = ledger {
            l.set_temporary(now, above);
        }
    }

    /// A 5-minute reading at `now` [VSE17][PPU4]: each Pay per use meter samples the active
    /// and busy cores of the 5 minutes just ended (busy = served ÷ 5 min ÷ `speed[k]`, the
    /// server's reference cores per core), and every ledger settles the periods that ended.
    pub fn read_meters(&mut self, now: u64, speed: impl Fn(usize) -> f64) {
        for k in 0..self.pricing.len() {
            if let Some(meter) = &mut self.ppu[k] {
                let busy = self.served[k] / PPU_SAMPLE_MS as f64 / speed(k);
                meter.sample(now - PPU_SAMPLE_MS, self.active[k], busy);
            }
            self.served[k] = 0.0;
            if let Some(ledger) = &mut self.ticap[k] {
                ledger.advance_to(now);
            }
        }
        for ledger in self.group_ticap.iter_mut().flatten() {
            ledger.advance_to(now);
        }
    }

    /// Close the books at the horizon.
    pub fn finish(mut self, horizon: u64) -> Books {
        for k in 0..self.pricing.len() {
            self.flush_active(k, horizon);
        }
        for ledger in self
            .ticap
            .iter_mut()
            .chain(self.group_ticap.iter_mut())
            .flatten()
        {
            ledger.finish(horizon);
        }
        Books {
            ticap: self.ticap,
            group_ticap: self.group_ticap,
            ppu: self.ppu,
            active_core_ms: self.active_core_ms,
        }
    }
}
