//! The short table printed after a run: per server and partition, capacity against peak
//! demand, utilization, work left unserved and the SLA share; the worst workloads follow.

use super::summary::{NodeReport, Summary};
use std::fmt::Write;

/// Monte Carlo replicas: means with their 95 % intervals.
pub fn render_replicas(r: &crate::ha::study::ReplicaReport) -> String {
    let mut out = String::new();
    let iv = |i: &crate::ha::study::Interval, scale: f64| {
        format!(
            "{:.4} (95 % CI {:.4} – {:.4})",
            i.mean * scale,
            i.ci95_low * scale,
            i.ci95_high * scale
        )
    };
    let _ = writeln!(out, "\n{} replicas of the random failures:", r.replicas);
    let _ = writeln!(out, "  availability     {}", iv(&r.availability, 1.0));
    let _ = writeln!(
        out,
        "  unmet work       {} core-h",
        iv(&r.unmet_core_hours, 1.0)
    );
    for p in &r.packages {
        let _ = writeln!(
            out,
            "  package {:<12} availability {}, failovers {:.2}",
            p.name,
            iv(&p.availability, 1.0),
            p.failovers.mean
        );
    }
    out
}

/// Packages, failures and the N-1 check.
fn render_ha(out: &mut String, ha: &super::ha::HaReport) {
    let _ = writeln!(
        out,
        "\navailability {:.5} (mean over workloads)",
        ha.availability
    );
    for p in &ha.packages {
        let _ = writeln!(
            out,
            "package {:<14} {} failover(s), {} failback(s), down {:.1} min, availability {:.5}, at end {} on {}",
            p.name,
            p.failovers,
            p.failbacks,
            p.downtime_ms as f64 / 60_000.0,
            p.availability,
            p.state_at_end,
            p.node_at_end
        );
    }
    for f in &ha.failures {
        let _ = writeln!(
            out,
            "failure {:<14} {} {}: {} outage(s), down {:.1} h{}",
            f.target,
            f.timing,
            f.kind,
            f.outages,
            f.down_ms as f64 / 3_600_000.0,
            if f.kind == "core" {
                format!(", {} replaced by iCAP cores", f.replaced_by_icap)
            } else {
                String::new()
            }
        );
    }
    for c in ha.n_minus_1.iter().flatten() {
        let moved: Vec<String> = c
            .moved
            .iter()
            .map(|m| format!("{} → {}", m.package, m.to.as_deref().unwrap_or("nowhere")))
            .collect();
        let _ = writeln!(
            out,
            "N-1 without {:<10} {:<13} worst peak {:.0} % of {}{}",
            c.node,
            c.verdict,
            c.worst_peak_utilization * 100.0,
            c.worst_server.as_deref().unwrap_or("—"),
            if moved.is_empty() {
                String::new()
            } else {
                format!("; {}", moved.join(", "))
            }
        );
    }
}

pub fn render(summary: &Summary) -> String {
    let mut out = String::new();
    let s = &summary.scenario;
    let t = &summary.totals;
    let _ = writeln!(
        out,
        "{} — horizon {}, seed {}, utilization limit {:.0} %",
        s.name,
        s.horizon,
        s.seed,
        s.util_limit * 100.0
    );
    let _ = writeln!(out, "verdict: {}", verdict(&summary.verdict));
    let _ = writeln!(
        out,
        "demand {:.1} core-h, served {:.1}, delayed {:.1}, dropped {:.1}, backlog at end {:.1}\n",
        t.demand_core_hours,
        t.served_core_hours,
        t.delayed_core_hours,
        t.dropped_core_hours,
        t.backlog_core_hours
    );
    let _ = writeln!(
        out,
        "{:<18} {:<6} {:>8} {:>8} {:>9} {:>6} {:>6} {:>6} {:>7} {:>9} {:>7}",
        "entity",
        "kind",
        "capacity",
        "peak",
        "headroom",
        "mean",
        "p95",
        "max",
        ">limit",
        "unmet",
        "SLA met"
    );
    let _ = writeln!(
        out,
        "{:<18} {:<6} {:>8} {:>8} {:>9} {:>6} {:>6} {:>6} {:>7} {:>9} {:>7}",
        "", "", "cores", "cores", "cores", "util", "util", "util", "time", "core-h", "time"
    );
    let rows = summary.servers.iter().chain(summary.partitions.iter());
    for n in rows {
        row(&mut out, n);
    }
    render_planning(&mut out, summary);
    let mut worst: Vec<_> = summary.workloads.iter().collect();
    worst.sort_by(|a, b| {
        a.usage
            .sla_met_share
            .total_cmp(&b.usage.sla_met_share)
            .then_with(|| a.name.cmp(&b.name))
    });
    let shown = worst.len().min(10);
    if shown > 0 {
        let _ = writeln!(
            out,
            "\n{} workloads; {}:",
            worst.len(),
            if shown < worst.len() {
                "the 10 with the lowest SLA met share"
            } else {
                "all"
            }
        );
        let _ = writeln!(
            out,
            "{:<24} {:<16} {:>8} {:>9} {:>9} {:>7}",
            "workload", "partition", "peak", "delayed", "unmet", "SLA met"
        );
        for w in &worst[..shown] {
            let u = &w.usage;
            let _ = writeln!(
                out,
                "{:<24} {:<16} {:>8.2} {:>9.2} {:>9.2} {:>6.1}%",
                clip(&w.name, 24),
                clip(&w.partition, 16),
                u.peak_demand_cores,
                u.work.delayed_core_hours,
                u.work.unmet_core_hours,
                u.sla_met_share * 100.0
            );
        }
    }
    if let Some(ha) = &summary.ha {
        render_ha(&mut out, ha);
    }
    out
}

/// Servers listed in the planning table; the rest are in summary.json.
const PLANNING_ROWS: usize = 20;

/// Time remaining, capacity remaining and the recommended size per server and resource,
/// then how many target servers the study needs.
fn render_planning(out: &mut String, summary: &Summary) {
    let p = &summary.planning;
    let b = &p.by_resource;
    let mut counts = vec![format!("cpu {}", b.cpu)];
    for (name, n) in [
        ("memory", b.memory),
        ("disk", b.disk),
        ("network", b.network),
    ] {
        if let Some(n) = n {
            counts.push(format!("{name} {n}"));
        }
    }
    let _ = writeln!(
        out,
        "\nplanning over {:.0} days at the sizing percentile: {} servers like {} needed ({})",
        p.horizon_days,
        p.servers_needed,
        p.target_server,
        counts.join(", ")
    );
    let _ = writeln!(
        out,
        "{:<18} {:<8} {:>10} {:>10} {:>10} {:>16} {:>10} {:>12}",
        "server",
        "resource",
        "capacity",
        "now",
        "at horizon",
        "time remaining",
        "remaining",
        "recommended"
    );
    for n in summary.servers.iter().take(PLANNING_ROWS) {
        let Some(plan) = &n.planning else { continue };
        let mut first = true;
        for (name, r) in plan.resources() {
            let Some(r) = r else { continue };
            let left = match r.time_remaining_days {
                Some(d) if d <= 0.0 => "over now".to_string(),
                Some(d) => format!("{d:.0} days"),
                None => "beyond horizon".to_string(),
            };
            let _ = writeln!(
                out,
                "{:<18} {:<8} {:>10} {:>10.2} {:>10.2} {:>16} {:>10.2} {:>12}",
                if first {
                    clip(&n.name, 18)
                } else {
                    String::new()
                },
                name,
                format!("{:.0} {}", r.capacity, r.unit),
                r.demand_now,
                r.demand_at_horizon,
                left,
                r.capacity_remaining,
                if r.unit == "cores" {
                    format!("{:.0} {}", r.recommended, r.unit)
                } else {
                    format!("{:.1} {}", r.recommended, r.unit)
                },
            );
            first = false;
        }
    }
    if summary.servers.len() > PLANNING_ROWS {
        let _ = writeln!(
            out,
            "… and {} more servers in summary.json",
            summary.servers.len() - PLANNING_ROWS
        );
    }
}

fn row(out: &mut String, n: &NodeReport) {
    let u = &n.usage;
    let _ = writeln!(
        out,
        "{:<18} {:<6} {:>8.2} {:>8.2} {:>9.2} {:>5.1}% {:>5.1}% {:>5.1}% {:>6.1}% {:>9.2} {:>6.1}%",
        clip(&n.name, 18),
        n.kind,
        n.capacity_cores,
        u.peak_demand_cores,
        n.headroom_cores,
        u.cpu_utilization.mean * 100.0,
        u.cpu_utilization.p95 * 100.0,
        u.cpu_utilization.max * 100.0,
        u.time_above_limit_share * 100.0,
        u.work.unmet_core_hours,
        u.sla_met_share * 100.0
    );
}

/// "meets ★★★☆☆", "EXCEEDS the utilization limit", or "no data".
pub fn verdict(v: &super::summary::Verdict) -> String {
    match (v.status, v.stars) {
        ("meets", Some(n)) => format!(
            "meets {}{}",
            "★".repeat(n as usize),
            "☆".repeat(5 - n as usize)
        ),
        ("exceeds", _) => "EXCEEDS a utilization limit (CPU, memory, disk or network)".to_string(),
        _ => "no data".to_string(),
    }
}

fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(width - 1).collect();
        t.push('…');
        t
    }
}
