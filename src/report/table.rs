//! The short table printed after a run: the verdict naming its culprit; per server and
//! partition, capacity against the demand the verdict judges, its verdict, what was served,
//! the work left unserved and the SLA share; the planning answers and the advice; the worst
//! workloads. Demand and served figures are labelled apart, so the verdict (on demand) and
//! the utilization (of what was served) cannot seem to disagree.

use super::summary::{NodeReport, Summary, Verdict};
use anstyle::{AnsiColor, Style};
use std::fmt::Write;

/// Partitions and workloads listed by default: the worst ones. Servers are always listed.
pub const WORST_ROWS: usize = 10;

/// What the table lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Every partition and workload, not only the worst (`vsesim run --all`).
    pub all: bool,
}

/// Red for what exceeds or is short, green for what meets. The text carries ANSI styles;
/// the command line prints it through `anstream`, which removes them where colour is off
/// (`--color never`, NO_COLOR, not a terminal).
pub(crate) const BAD: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)))
    .bold();
pub(crate) const GOOD: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));

/// `text` in `style`; pad it before, so the escape codes do not count in the width.
pub fn paint(text: &str, style: Style) -> String {
    format!("{style}{text}{style:#}")
}

/// Monte Carlo replicas: means with their 95 % intervals.
pub fn render_replicas(r: &super::replicas::ReplicaReport) -> String {
    let mut out = String::new();
    let iv = |i: &super::replicas::Interval, scale: f64| {
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

/// The table with the worst partitions and workloads ([`Options::default`]).
pub fn render(summary: &Summary) -> String {
    render_with(summary, Options::default())
}

/// How far a node is from its CPU limit: its demand at the sizing percentile ÷ (limit ×
/// capacity), the culprit's measure; above 1 it exceeds.
fn pressure(n: &NodeReport, limit: f64) -> f64 {
    let ceiling = limit * n.capacity_cores;
    if ceiling > 0.0 {
        n.sizing_demand_cores / ceiling
    } else if n.sizing_demand_cores > 0.0 {
        f64::INFINITY
    } else {
        0.0
    }
}

/// The partitions to list: all with `all`, else the [`WORST_ROWS`] nearest or furthest over
/// their limit (every one that exceeds first), kept in tree order.
fn listed_partitions(summary: &Summary, all: bool) -> Vec<&NodeReport> {
    let parts = &summary.partitions;
    if all || parts.len() <= WORST_ROWS {
        return parts.iter().collect();
    }
    let limit = summary.scenario.util_limit;
    // Exceeding on any resource first (a partition over its memory limit with idle CPU is
    // still among the worst), then by CPU demand against the CPU limit.
    let exceeds = |n: &NodeReport| n.verdict.is_some_and(|v| v.status == "exceeds");
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| {
        exceeds(&parts[b])
            .cmp(&exceeds(&parts[a]))
            .then(pressure(&parts[b], limit).total_cmp(&pressure(&parts[a], limit)))
            .then(a.cmp(&b))
    });
    order.truncate(WORST_ROWS);
    order.sort_unstable();
    order.into_iter().map(|i| &parts[i]).collect()
}

pub fn render_with(summary: &Summary, opts: Options) -> String {
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
    let partitions = listed_partitions(summary, opts.all);
    for n in summary.servers.iter().chain(partitions.iter().copied()) {
        row(&mut out, n);
    }
    let left = summary.partitions.len() - partitions.len();
    if left > 0 {
        let exceeding = summary
            .partitions
            .iter()
            .filter(|p| p.verdict.is_some_and(|v| v.status == "exceeds"))
            .count();
        let shown_exceeding = partitions
            .iter()
            .filter(|p| p.verdict.is_some_and(|v| v.status == "exceeds"))
            .count();
        let _ = writeln!(
            out,
            "… and {left} more partitions ({} of them exceeding, less than those above): --all lists every row",
            exceeding - shown_exceeding
        );
    }
    render_planning(&mut out, summary, &partitions, opts.all);
    render_advice(&mut out, summary);
    let mut worst: Vec<_> = summary.workloads.iter().collect();
    worst.sort_by(|a, b| {
        a.usage
            .sla_met_share
            .total_cmp(&b.usage.sla_met_share)
            .then_with(|| a.name.cmp(&b.name))
    });
    let shown = if opts.all {
        worst.len()
    } else {
        worst.len().min(WORST_ROWS)
    };
    if shown > 0 {
        let _ = writeln!(
            out,
            "\n{} workloads; {}:",
            worst.len(),
            if shown < worst.len() {
                format!("the {shown} with the lowest SLA met share (--all lists every one)")
            } else {
                "all".to_string()
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

/// Time remaining (with its interval where the rate was fitted), capacity remaining and the
/// recommended size per server and listed partition and resource, then how many target
/// servers the study needs.
fn render_planning(out: &mut String, summary: &Summary, partitions: &[&NodeReport], all: bool) {
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
        .chain(partitions.iter().copied())
        .collect();
    let mut fits = Vec::new();
    for n in &nodes {
        let Some(plan) = &n.planning else { continue };
        let mut first = true;
        for (name, r) in plan.resources() {
            let Some(r) = r else { continue };
            let (left, style) = match r.time_remaining_days {
                Some(d) if d <= 0.0 => ("over now".to_string(), Some(BAD)),
                Some(d) => (format!("{d:.0} days"), None),
                None => ("beyond horizon".to_string(), None),
            };
            let left = format!("{left:>16}");
            let left = style.map_or(left.clone(), |s| paint(&left, s));
            if r.growth.source == "fit" || r.growth.source == "unfitted" {
                fits.push(fit_line(&n.name, name, r));
            }
            let remaining = format!("{:>10.2}", r.capacity_remaining);
            let remaining = if r.capacity_remaining < 0.0 {
                paint(&remaining, BAD)
            } else {
                remaining
            };
            let _ = writeln!(
                out,
                "{:<18} {:<8} {:>10} {:>10.2} {:>10.2} {} {} {:>12}",
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
                remaining,
                if r.unit == "cores" {
                    format!("{} {}", super::judge::trim(r.recommended, 2), r.unit)
                } else {
                    format!("{:.1} {}", r.recommended, r.unit)
                },
            );
            first = false;
        }
    }
    let left = summary.partitions.len() - partitions.len();
    if left > 0 && !all {
        let _ = writeln!(
            out,
            "… and {left} more partitions in summary.json (--all lists them)"
        );
    }
    if !fits.is_empty() {
        let _ = writeln!(
            out,
            "growth fitted to the daily demand at the sizing percentile:"
        );
        let shown = if all {
            fits.len()
        } else {
            fits.len().min(WORST_ROWS)
        };
        for line in &fits[..shown] {
            let _ = writeln!(out, "  {line}");
        }
        if shown < fits.len() {
            let _ = writeln!(out, "  … and {} more in summary.json", fits.len() - shown);
        }
    }
}

/// "sd cpu: compound +54.3 %/year (95 % CI +36.7 to +74.2 %), R² 0.47 over 60 days; limit in
/// 113 days (88 to 157)", or why no trend was fitted.
fn fit_line(name: &str, resource: &str, r: &super::planning::ResourcePlan) -> String {
    let g = &r.growth;
    let head = format!("{} {resource}:", clip(name, 24));
    if g.source == "unfitted" {
        return format!("{head} no trend ({})", g.note.unwrap_or("no history"));
    }
    let pct = |x: f64| format!("{:+.1} %", x * 100.0);
    // An interval from a decline to a growth says the history shows no trend: the rate is
    // still what the forecast used, but a reader should not plan on it.
    let ci = match (g.rate_ci95_low, g.rate_ci95_high) {
        (Some(l), Some(h)) if l < 0.0 && h > 0.0 => {
            format!(" (95 % CI {} to {}: no clear trend)", pct(l), pct(h))
        }
        (Some(l), Some(h)) => format!(" (95 % CI {} to {})", pct(l), pct(h)),
        _ => String::new(),
    };
    let days = |d: Option<f64>| match d {
        Some(d) if d <= 0.0 => "now".to_string(),
        Some(d) => format!("{d:.0}"),
        None => "beyond".to_string(),
    };
    let when = match r.time_remaining_days {
        Some(d) if d <= 0.0 => "over the limit now".to_string(),
        Some(d) => format!(
            "limit in {d:.0} days ({} to {})",
            days(r.time_remaining_days_ci95_low),
            days(r.time_remaining_days_ci95_high)
        ),
        None => "limit beyond the horizon".to_string(),
    };
    format!(
        "{head} {} {}/year{ci}, R² {:.2} over {} days; {when}",
        g.model,
        pct(g.rate),
        g.r_squared.unwrap_or(f64::NAN),
        g.days.unwrap_or(0)
    )
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
    let (verdict, style) = match n.verdict {
        Some(Verdict {
            status: "meets",
            stars: Some(k),
        }) => (stars(k), Some(GOOD)),
        Some(Verdict {
            status: "meets", ..
        }) => ("meets".to_string(), Some(GOOD)),
        Some(Verdict {
            status: "exceeds", ..
        }) => ("EXCEEDS".to_string(), Some(BAD)),
        _ => ("—".to_string(), None),
    };
    let verdict = pad(&verdict, 8);
    let verdict = style.map_or(verdict.clone(), |s| paint(&verdict, s));
    let headroom = format!("{:>9.2}", n.headroom_cores);
    let headroom = if n.headroom_cores < 0.0 {
        paint(&headroom, BAD)
    } else {
        headroom
    };
    let _ = writeln!(
        out,
        "{:<18} {:<6} {:>8.2} {:>8.2} {} {:>6.1}% {} {:>5.1}% {:>5.1}% {:>9.2} {:>9.2} {:>6.1}%",
        clip(&n.name, 18),
        n.kind,
        n.capacity_cores,
        n.sizing_demand_cores,
        headroom,
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

/// [`verdict`] in its colour: red when it exceeds, green when it meets.
pub fn verdict_painted(v: &Verdict) -> String {
    let text = verdict(v);
    match v.status {
        "exceeds" => paint(&text, BAD),
        "meets" => paint(&text, GOOD),
        _ => text,
    }
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
    let rating = match v.status {
        "exceeds" => paint(&rating, BAD),
        "meets" => paint(&rating, GOOD),
        _ => rating,
    };
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

/// `s` left-aligned in `width` characters (★ counts one, as a terminal shows it).
fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(width.saturating_sub(n)))
}

/// At most `width` characters, cut in the middle: names of many VMs share their start and
/// differ at the end (`vm-planetlab-0042`), so both ends stay.
pub fn clip(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return s.to_string();
    }
    if width < 3 {
        return s.chars().take(width).collect();
    }
    let head = (width - 1).div_ceil(2);
    let tail = width - 1 - head;
    let chars: Vec<char> = s.chars().collect();
    let mut t: String = chars[..head].iter().collect();
    t.push('…');
    t.extend(&chars[n - tail..]);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cut_in_the_middle() {
        assert_eq!(clip("vm-planetlab-0042", 18), "vm-planetlab-0042");
        assert_eq!(clip("vm-planetlab-00420042", 12), "vm-pla…20042");
        assert_eq!(clip("abcdefgh", 5), "ab…gh");
        assert_eq!(clip("abcdefgh", 6), "abc…gh");
        assert_eq!(clip("ééééééé", 4), "éé…é");
        // Two names that differ only at their ends stay apart.
        assert_ne!(clip("web-frontend-0001", 10), clip("web-frontend-0002", 10));
    }

    #[test]
    fn paint_wraps_in_escape_codes_and_resets() {
        let p = paint("EXCEEDS", BAD);
        assert!(p.starts_with("\u{1b}[") && p.contains("EXCEEDS") && p.ends_with("\u{1b}[0m"));
    }
}
