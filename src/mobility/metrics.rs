//! The consolidation metrics of Beloglazov & Buyya (2012) §6.3, so a run can be set beside
//! published CloudSim figures:
//!
//! - SLATAH, SLA violation time per active host: `1/N Σ_i T_s,i / T_a,i`, `T_s` the time host
//!   `i` ran at 100 % utilization (its guests asked for more than it has), `T_a` the time it
//!   was active;
//! - PDM, performance degradation due to migrations: `1/M Σ_j C_d,j / C_r,j`, `C_d` the CPU
//!   guest `j` lost to its migrations, estimated as 10 % of the CPU it used while migrating,
//!   `C_r` the CPU it requested over its life;
//! - SLAV = SLATAH × PDM;
//! - energy: the integral of each host's power.
//!
//! CloudSim's `Helper` pools instead of averaging (Σ T_s / Σ T_a, Σ C_d / Σ C_r; recalled from
//! `Helper.getSlaTimePerActiveHost` and `getSlaMetrics`, not checked in this session): both
//! are given, so either figure can be compared.

/// The share of a guest's CPU lost while it migrates (the paper's estimate, after Voorsluys
/// et al., "Cost of virtual machine live migration in clouds", CloudCom 2009).
pub const MIGRATION_DEGRADATION: f64 = 0.1;

/// One host's times [s].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct HostTimes {
    /// Powered on.
    pub active_s: f64,
    /// At 100 % while active: demand above capacity.
    pub saturated_s: f64,
}

/// One guest's CPU [core-seconds].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GuestCpu {
    /// What it asked for over its life.
    pub requested_core_s: f64,
    /// What it used while migrating (of which [`MIGRATION_DEGRADATION`] is lost).
    pub migrating_core_s: f64,
}

/// SLATAH as the paper defines it: the mean, over hosts that were ever active, of the
/// share of their active time at 100 %. 0 when no host was active.
pub fn slatah(hosts: &[HostTimes]) -> f64 {
    let active: Vec<&HostTimes> = hosts.iter().filter(|h| h.active_s > 0.0).collect();
    if active.is_empty() {
        return 0.0;
    }
    active
        .iter()
        .map(|h| h.saturated_s / h.active_s)
        .sum::<f64>()
        / active.len() as f64
}

/// SLATAH pooled over hosts, as CloudSim computes it: Σ T_s / Σ T_a.
pub fn slatah_pooled(hosts: &[HostTimes]) -> f64 {
    let active: f64 = hosts.iter().map(|h| h.active_s).sum();
    if active > 0.0 {
        hosts.iter().map(|h| h.saturated_s).sum::<f64>() / active
    } else {
        0.0
    }
}

/// PDM as the paper defines it: the mean over guests that requested any CPU of
/// `0.1 × migrating / requested`.
pub fn pdm(guests: &[GuestCpu]) -> f64 {
    let asked: Vec<&GuestCpu> = guests.iter().filter(|g| g.requested_core_s > 0.0).collect();
    if asked.is_empty() {
        return 0.0;
    }
    asked
        .iter()
        .map(|g| MIGRATION_DEGRADATION * g.migrating_core_s / g.requested_core_s)
        .sum::<f64>()
        / asked.len() as f64
}

/// PDM pooled over guests, as CloudSim: Σ 0.1 × migrating / Σ requested.
pub fn pdm_pooled(guests: &[GuestCpu]) -> f64 {
    let asked: f64 = guests.iter().map(|g| g.requested_core_s).sum();
    if asked > 0.0 {
        MIGRATION_DEGRADATION * guests.iter().map(|g| g.migrating_core_s).sum::<f64>() / asked
    } else {
        0.0
    }
}

/// SLAV: SLATAH × PDM, the paper's combined measure (smaller is better).
pub fn slav(slatah: f64, pdm: f64) -> f64 {
    slatah * pdm
}

/// Energy [kWh] of power samples [W] held for `step_s` seconds each.
pub fn energy_kwh(watts: &[f64], step_s: f64) -> f64 {
    watts.iter().sum::<f64>() * step_s / 3.6e6
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Host A: active 10 h, 1 h at 100 % → 0.1; host B: active 2 h, 1 h → 0.5; host C never
    /// on. SLATAH = (0.1 + 0.5) / 2 = 0.3; pooled 2 / 12 = 0.1667.
    /// Guest X: requested 1000 core-s, 200 of them while migrating → 0.1 × 0.2 = 0.02;
    /// guest Y: 3000, none → 0; guest Z asked nothing. PDM = 0.01; pooled 0.1 × 200 / 4000 =
    /// 0.005. SLAV = 0.3 × 0.01 = 0.003.
    #[test]
    fn slatah_pdm_slav_by_hand() {
        let h = |a: f64, s: f64| HostTimes {
            active_s: a * 3600.0,
            saturated_s: s * 3600.0,
        };
        let hosts = [h(10.0, 1.0), h(2.0, 1.0), h(0.0, 0.0)];
        assert!(close(slatah(&hosts), 0.3));
        assert!(close(slatah_pooled(&hosts), 2.0 / 12.0));
        let g = |r, m| GuestCpu {
            requested_core_s: r,
            migrating_core_s: m,
        };
        let guests = [g(1000.0, 200.0), g(3000.0, 0.0), g(0.0, 0.0)];
        assert!(close(pdm(&guests), 0.01));
        assert!(close(pdm_pooled(&guests), 0.005));
        assert!(close(slav(slatah(&hosts), pdm(&guests)), 0.003));
        assert_eq!((slatah(&[]), pdm(&[])), (0.0, 0.0));
    }

    /// Two hosts for a day in 5-minute steps: one at 150 W for 288 steps, one at 10 W
    /// (standby): (150 + 10) W × 86,400 s = 13.824 MJ = 3.84 kWh.
    #[test]
    fn energy_by_hand() {
        let watts: Vec<f64> = (0..288).map(|_| 160.0).collect();
        assert!(close(energy_kwh(&watts, 300.0), 3.84));
    }
}
