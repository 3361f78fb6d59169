//! The short table printed after a run: the verdict naming its culprit; per server and
//! partition, capacity against the demand the verdict judges, its verdict, what was served,
//! the work left unserved and the SLA share; the planning answers and the advice; the worst
//! workloads. Demand and served figures are labelled apart, so the verdict (on demand) and
//! the utilization (of what was served) cannot seem to disagree.

use super::summary::{NodeReport, Summary, Verdict};
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
    out.push_str(&scenario_verdict(&summary.verdict));
    let _ = writeln!(
        out,
        "demand {:.1} core-h, served {:.1}, delayed {:.1}, dropped {:.1}, backlog at end {:.1}\n",
        t.demand_core_hours,
        t.served_core_hours,
        t.delayed_core_hours,
        t.dropped_core_hours,
        t.backlog_core_hours
    );
    let at = super::judge::percentile_label(s.sizing_percentile);
    let _ = writeln!(
        out,
        "{:<18} {:<6} {:>8} {:>8} {:>9} {:>7} {:<8} {:>6} {:>6}",
        "", "", "", "demand", "", "demand", "", "served", "served"
    );
    let _ = writeln!(
        out,
        "{:<18} {:<6} {:>8} {:>8} {:>9} {:>7} {:<8} {:>6} {:>6} {:>9} {:>9} {:>7}",
        "entity",
        "kind",
        "capacity",
        format!("at {at}"),
        "headroom",
        ">limit",
        "verdict",
        "util",
        "util",
        "delayed",
        "unmet",
        "SLA met"
    );
    let _ = writeln!(
        out,
        "{:<18} {:<6} {:>8} {:>8} {:>9} {:>7} {:<8} {:>6} {:>6} {:>9} {:>9} {:>7}",
        "", "", "cores", "cores", "cores", "time", "", "mean", "max", "core-h", "core-h", "time"
    );
    let rows = summary.servers.iter().chain(summary.partitions.iter());
    for n in rows {
        row(&mut out, n);
    }
    render_planning(&mut out, summary);
    render_advice(&mut out, summary);
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
            "workload", "partition", "demand", "delayed", "unmet", "SLA met"
        );
        let _ = writeln!(
            out,
            "{:<24} {:<16} {:>8} {:>9} {:>9} {:>7}",
            "", "", "peak", "core-h", "core-h", "time"
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

/// Time remaining, capacity remaining and the recommended size per server, partition and
/// resource, then how many target servers the study needs.
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
        "\nplanning over {:.0} days at the sizing percentile: {} server{} like {} needed ({})",
        p.horizon_days,
        p.servers_needed,
        if p.servers_needed == 1 { "" } else { "s" },
        p.target_server,
        counts.join(", ")
    );
    let _ = writeln!(
        out,
        "{:<18} {:<8} {:>10} {:>10} {:>10} {:>16} {:>10} {:>12}",
        "entity",
        "resource",
        "capacity",
        "now",
        "at horizon",
        "time remaining",
        "remaining",
        "recommended"
    );
    let nodes: Vec<&NodeReport> = summary
        .servers
        .iter()
        .chain(summary.partitions.iter())
        .collect();
    for n in nodes.iter().take(PLANNING_ROWS) {
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
                format!("{} {}", super::judge::trim(r.capacity, 2), r.unit),
                r.demand_now,
                r.demand_at_horizon,
                left,
                r.capacity_remaining,
                if r.unit == "cores" {
                    format!("{} {}", super::judge::trim(r.recommended, 2), r.unit)
                } else {
                    format!("{:.1} {}", r.recommended, r.unit)
                },
            );
            first = false;
        }
    }
    if nodes.len() > PLANNING_ROWS {
        let _ = writeln!(
            out,
            "… and {} more servers and partitions in summary.json",
            nodes.len() - PLANNING_ROWS
        );
    }
}

/// Servers whose advice is printed; the rest are in summary.json.
const ADVICE_ROWS: usize = 10;

/// What each short server's own licensing allows before another server is bought.
fn render_advice(out: &mut String, summary: &Summary) {
    let short: Vec<_> = summary
        .planning
        .advice
        .iter()
        .filter(|a| a.cores_short > 0 || !a.partitions.is_empty())
        .collect();
    if short.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nadvice, before another server:");
    for a in short.iter().take(ADVICE_ROWS) {
        for (k, line) in a.lines.iter().enumerate() {
            let indent = if k == 0 { "  " } else { "    " };
            let _ = writeln!(out, "{indent}{line}");
        }
    }
    if short.len() > ADVICE_ROWS {
        let _ = writeln!(
            out,
            "  … and {} more servers in summary.json (planning.advice)",
            short.len() - ADVICE_ROWS
        );
    }
}

fn row(out: &mut String, n: &NodeReport) {
    let u = &n.usage;
    let verdict = match n.verdict {
        Some(Verdict {
            status: "meets",
            stars: Some(k),
        }) => stars(k),
        Some(Verdict {
            status: "meets", ..
        }) => "meets".to_string(),
        Some(Verdict {
            status: "exceeds", ..
        }) => "EXCEEDS".to_string(),
        _ => "—".to_string(),
    };
    let _ = writeln!(
        out,
        "{:<18} {:<6} {:>8.2} {:>8.2} {:>9.2} {:>6.1}% {:<8} {:>5.1}% {:>5.1}% {:>9.2} {:>9.2} {:>6.1}%",
        clip(&n.name, 18),
        n.kind,
        n.capacity_cores,
        n.sizing_demand_cores,
        n.headroom_cores,
        n.demand_above_limit_share * 100.0,
        verdict,
        u.cpu_utilization.mean * 100.0,
        u.cpu_utilization.max * 100.0,
        u.work.delayed_core_hours,
        u.work.unmet_core_hours,
        u.sla_met_share * 100.0
    );
}

/// "★★★☆☆".
fn stars(n: u8) -> String {
    let n = n.min(5) as usize;
    format!("{}{}", "★".repeat(n), "☆".repeat(5 - n))
}

/// "meets ★★★☆☆", "EXCEEDS", or "no data": a rating in a word.
pub fn verdict(v: &Verdict) -> String {
    match (v.status, v.stars) {
        ("meets", Some(n)) => format!("meets {}", stars(n)),
        ("meets", None) => "meets".to_string(),
        ("exceeds", _) => "EXCEEDS".to_string(),
        _ => "no data".to_string(),
    }
}

/// The scenario's verdict: the rating, the culprit that decided it, and the line that
/// counts servers and partitions. "verdict: EXCEEDS — vp-app: CPU demand at peak 5.30 cores
/// > 2.55 (85 % of 3)", then "server sd-new exceeds; 2 of 2 nPars … exceed".
pub fn scenario_verdict(v: &super::judge::ScenarioVerdict) -> String {
    let rating = verdict(&Verdict {
        status: v.status,
        stars: v.stars,
    });
    let mut out = match &v.culprit {
        Some(c) => format!("verdict: {rating} — {}\n", c.text),
        None if v.line.is_empty() => format!("verdict: {rating}\n"),
        None => format!("verdict: {rating} — {}\n", v.line),
    };
    if v.culprit.is_some() && !v.line.is_empty() {
        let _ = writeln!(out, "         {}", v.line);
    }
    out
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
