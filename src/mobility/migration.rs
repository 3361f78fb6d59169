//! The pre-copy model of a live migration, as Integrity VM's Online VM Migration (and Xen,
//! KVM, VMware vMotion) moves a running guest: copy all its memory while it runs, then copy
//! again what it dirtied meanwhile, round after round, until what is left is small enough to
//! copy with the guest paused (stop-and-copy).
//!
//! Round `k` (0-based) sends `V_k` MB in `t_k = V_k / B` seconds while the guest dirties
//! `D × t_k` MB, so with `V_0 = M` the rounds shrink geometrically, `t_k = (M / B) (D / B)^k`,
//! when the dirty rate `D` is below the bandwidth `B` (Clark et al., "Live Migration of
//! Virtual Machines", NSDI 2005; the closed form as in Akoush et al., "Predicting the
//! Performance of Virtual Machine Migration", MASCOTS 2010). The dirty set can never exceed
//! the guest's memory, so with `D ≥ B` every round resends all of it and the copy never
//! converges: the model then stops after `max_rounds` and pauses the guest for a full copy,
//! and says so ([`Migration::converged`] is false).
//!
//! CPU overhead: HP does not publish what Online VM Migration costs the hosts (DOMAIN.md
//! lists Integrity VM's CPU overhead as UNCONFIRMED). The model charges a given number of
//! cores on the source and on the target for the whole migration; [`DEFAULT_OVERHEAD_CORES`]
//! is an assumption, not a measurement.

/// Cores busy on each of the source and the target while a migration runs: an assumption
/// (a copy thread and the network stack at about a quarter of a core each), to be replaced
/// by a measured figure where one exists.
pub const DEFAULT_OVERHEAD_CORES: f64 = 0.25;

/// Pre-copy rounds before the copy is forced to stop-and-copy: of the order of Xen's bound on
/// its iterations (about 30 in `xc_domain_save`; recalled, not checked in this session).
pub const DEFAULT_MAX_ROUNDS: u32 = 30;

/// The dirty set small enough to copy paused [MB]: an assumption of the order of Xen's rule
/// (stop when a few dozen 4 KiB pages remain dirty; recalled, not checked), which keeps the
/// pause near a millisecond at 10 GbE.
pub const DEFAULT_STOP_BELOW_MB: f64 = 1.0;

/// One guest's migration, as its host and link see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PreCopy {
    /// The guest's memory, all of which the first round sends [MB].
    pub memory_mb: f64,
    /// How fast the running guest dirties pages [MB/s].
    pub dirty_mb_s: f64,
    /// What the migration link carries [MB/s]; positive.
    pub bandwidth_mb_s: f64,
    /// Stop pre-copying once the dirty set is at most this [MB].
    pub stop_below_mb: f64,
    /// The most pre-copy rounds, the first full copy included; at least 1.
    pub max_rounds: u32,
    /// Cores busy on each side for the whole migration.
    pub overhead_cores: f64,
}

/// What one migration took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Migration {
    /// Pre-copy rounds run, the first full copy included.
    pub rounds: u32,
    /// Time of the pre-copy rounds, the guest running [s].
    pub precopy_s: f64,
    /// The stop-and-copy pause: the guest runs nowhere [s].
    pub pause_s: f64,
    /// `precopy_s + pause_s` [s].
    pub total_s: f64,
    /// Everything sent, the final dirty set included [MB].
    pub sent_mb: f64,
    /// Whether the dirty set fell below `stop_below_mb`; false when `max_rounds` forced the
    /// stop-and-copy.
    pub converged: bool,
    /// CPU the migration costs the source, and the same again the target [core-seconds].
    pub overhead_core_s: f64,
}

/// Run the pre-copy rounds of one migration.
///
/// The scenario compiler guarantees a positive bandwidth and at least one round; a zero
/// bandwidth gives an infinite migration rather than a panic.
pub fn migrate(p: &PreCopy) -> Migration {
    let b = p.bandwidth_mb_s;
    if b.is_nan() || b <= 0.0 {
        return Migration {
            rounds: 0,
            precopy_s: f64::INFINITY,
            pause_s: f64::INFINITY,
            total_s: f64::INFINITY,
            sent_mb: 0.0,
            converged: false,
            overhead_core_s: f64::INFINITY,
        };
    }
    let memory = p.memory_mb.max(0.0);
    let mut to_send = memory;
    let mut precopy_s = 0.0;
    let mut sent_mb = 0.0;
    let mut rounds = 0;
    let (dirty, converged) = loop {
        let t = to_send / b;
        precopy_s += t;
        sent_mb += to_send;
        rounds += 1;
        let dirty = (p.dirty_mb_s.max(0.0) * t).min(memory);
        if dirty <= p.stop_below_mb {
            break (dirty, true);
        }
        if rounds >= p.max_rounds.max(1) {
            break (dirty, false);
        }
        to_send = dirty;
    };
    let pause_s = dirty / b;
    let total_s = precopy_s + pause_s;
    Migration {
        rounds,
        precopy_s,
        pause_s,
        total_s,
        sent_mb: sent_mb + dirty,
        converged,
        overhead_core_s: p.overhead_cores * total_s,
    }
}

/// The migration time Beloglazov & Buyya (2012) use to rank guests (MMT) and to look ahead
/// in local regression: memory over bandwidth, the first round alone [s].
pub fn naive_time_s(memory_mb: f64, bandwidth_mb_s: f64) -> f64 {
    memory_mb / bandwidth_mb_s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    /// 1000 MB over 1 GbE (125 MB/s) while the guest dirties 25 MB/s (D/B = 0.2), stopping
    /// below 10 MB, 0.25 cores of overhead on each side:
    /// - round 1 sends 1000 MB in 1000/125 = 8 s; 25 × 8 = 200 MB dirtied;
    /// - round 2 sends 200 MB in 1.6 s; 25 × 1.6 = 40 MB dirtied;
    /// - round 3 sends 40 MB in 0.32 s; 25 × 0.32 = 8 MB dirtied, ≤ 10: stop;
    /// - pause: 8 / 125 = 0.064 s; pre-copy 8 + 1.6 + 0.32 = 9.92 s; total 9.984 s;
    /// - sent 1000 + 200 + 40 + 8 = 1248 MB; overhead 0.25 × 9.984 = 2.496 core-s per side.
    #[test]
    fn one_migration_by_hand() {
        let m = migrate(&PreCopy {
            memory_mb: 1000.0,
            dirty_mb_s: 25.0,
            bandwidth_mb_s: 125.0,
            stop_below_mb: 10.0,
            max_rounds: 30,
            overhead_cores: 0.25,
        });
        assert_eq!(m.rounds, 3);
        assert!(m.converged);
        assert!(close(m.precopy_s, 9.92), "{m:?}");
        assert!(close(m.pause_s, 0.064), "{m:?}");
        assert!(close(m.total_s, 9.984), "{m:?}");
        assert!(close(m.sent_mb, 1248.0), "{m:?}");
        assert!(close(m.overhead_core_s, 2.496), "{m:?}");
        // The closed form of the rounds: Σ_{k<3} 8 × 0.2^k = 8 × (1 − 0.008) / 0.8 = 9.92.
        assert!(close(m.precopy_s, 8.0 * (1.0 - 0.2f64.powi(3)) / 0.8));
    }

    /// D = 250 MB/s ≥ B = 125 MB/s: each 8 s round of 1000 MB dirties 2000 MB, capped at the
    /// guest's 1000 MB, so nothing shrinks; after 5 rounds (40 s) the guest is paused for a
    /// full 8 s copy: 48 s, 6000 MB sent, not converged.
    #[test]
    fn dirty_rate_above_bandwidth_forces_stop_and_copy() {
        let m = migrate(&PreCopy {
            memory_mb: 1000.0,
            dirty_mb_s: 250.0,
            bandwidth_mb_s: 125.0,
            stop_below_mb: 10.0,
            max_rounds: 5,
            overhead_cores: 0.0,
        });
        assert_eq!(m.rounds, 5);
        assert!(!m.converged);
        assert!(close(m.precopy_s, 40.0));
        assert!(close(m.pause_s, 8.0));
        assert!(close(m.total_s, 48.0));
        assert!(close(m.sent_mb, 6000.0));
        assert_eq!(m.overhead_core_s, 0.0);
    }

    /// An idle guest (nothing dirtied) needs one round and no pause: 4096 / 1250 = 3.2768 s.
    #[test]
    fn an_idle_guest_needs_one_round() {
        let m = migrate(&PreCopy {
            memory_mb: 4096.0,
            dirty_mb_s: 0.0,
            bandwidth_mb_s: 1250.0,
            stop_below_mb: DEFAULT_STOP_BELOW_MB,
            max_rounds: DEFAULT_MAX_ROUNDS,
            overhead_cores: DEFAULT_OVERHEAD_CORES,
        });
        assert_eq!((m.rounds, m.pause_s), (1, 0.0));
        assert!(close(m.total_s, 3.2768));
        assert!(close(naive_time_s(4096.0, 1250.0), 3.2768));
    }

    #[test]
    fn no_bandwidth_is_an_endless_migration_not_a_panic() {
        let m = migrate(&PreCopy {
            memory_mb: 1.0,
            dirty_mb_s: 0.0,
            bandwidth_mb_s: 0.0,
            stop_below_mb: 1.0,
            max_rounds: 1,
            overhead_cores: 0.1,
        });
        assert!(m.total_s.is_infinite() && !m.converged);
    }
}
