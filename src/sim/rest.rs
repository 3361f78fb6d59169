//! Resting domains: a workload manager's tick that would repeat itself is not run.
//!
//! A tick observes what each compartment consumed and held over the last interval, turns
//! that into requests and arbitrates. If every pool its compartments hold ran at constant
//! rates through the whole window just observed, with no queue about to empty, and nothing
//! else the tick reads can change on its own, the next tick would observe, request and
//! decide exactly the same. The domain then *rests*: its ticks only count themselves until
//! something it depends on changes (a pool's rates, an allocation in or above it, a
//! failure), which *wakes* it. Waking books the skipped ticks one by one, as they would
//! have been booked, and restarts the observation window from the last skipped tick, so the
//! next real tick sees the same window it would have seen. Between a PlanetLab sample and
//! the next, most of a gWLM domain's ticks are of this kind.

use crate::engine::TimeMs;

/// No instant: a domain not waiting to skip a tick.
pub(super) const NEVER: TimeMs = TimeMs::MAX;

/// One domain's rest.
#[derive(Debug, Clone)]
pub(super) struct Rest {
    pub on: bool,
    /// Ticks skipped since it began.
    pub ticks: u64,
    /// A tick already booked when the domain woke at its instant, before its event ran.
    pub skip_at: TimeMs,
    /// Per member: what it consumed and held through the rest [reference cores].
    pub rates: Vec<(f64, f64)>,
    /// The last change of a member's allocation or of the rates of a pool its members hold:
    /// kept as they happen, so that asking whether the domain ran steadily costs nothing.
    pub since: TimeMs,
    /// How many of those pools are not linear to no end (a queue empties, or rates that are
    /// not fixed by their inputs).
    pub unsteady: u32,
}

impl Rest {
    pub fn new(members: usize) -> Self {
        Rest {
            on: false,
            ticks: 0,
            skip_at: NEVER,
            rates: vec![(0.0, 0.0); members],
            since: 0,
            unsteady: 0,
        }
    }

    /// Whether the members' pools ran at constant rates, with no queue to empty, and their
    /// allocations held, from `from` on.
    pub fn steady(&self, from: TimeMs) -> bool {
        self.since <= from && self.unsteady == 0
    }

    /// Something the domain depends on changed at `now`.
    pub fn changed(&mut self, now: TimeMs) {
        self.since = self.since.max(now);
    }
}

/// For each of `n` keys, a list of domains (compressed rows).
#[derive(Debug, Clone, Default)]
pub(super) struct Index {
    start: Vec<u32>,
    items: Vec<u32>,
}

impl Index {
    /// From `(key, domain)` pairs; a domain appears once per key.
    pub fn new(n: usize, mut pairs: Vec<(usize, u32)>) -> Self {
        pairs.sort_unstable();
        pairs.dedup();
        let mut start = vec![0u32; n + 1];
        for &(k, _) in &pairs {
            start[k + 1] += 1;
        }
        for k in 1..=n {
            start[k] += start[k - 1];
        }
        Index {
            start,
            items: pairs.into_iter().map(|(_, d)| d).collect(),
        }
    }

    pub fn of(&self, k: usize) -> &[u32] {
        &self.items[self.start[k] as usize..self.start[k + 1] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_lists_each_keys_domains_once_in_order() {
        let ix = Index::new(4, vec![(2, 7), (0, 1), (2, 3), (2, 7), (3, 0)]);
        assert_eq!(ix.of(0), &[1]);
        assert_eq!(ix.of(1), &[] as &[u32]);
        assert_eq!(ix.of(2), &[3, 7]);
        assert_eq!(ix.of(3), &[0]);
    }
}
