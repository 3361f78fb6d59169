//! The HTML report: one page a person opens, prints or mails — the verdict first, then the
//! tables of summary.json and the charts.
//!
//! The page is self-contained on purpose: a Content-Security-Policy forbids every network
//! load, the CSS is inline, nothing needs JavaScript (long parts fold with `<details>`) and
//! the charts are inlined SVG. So the file works offline and as an attachment, and opening it
//! reaches no server.
//!
//! A run's page is drawn from a typed [`Summary`]: summary.json is read back through
//! [`super::summary::read`], which fails on a format version it does not know and on a field
//! renamed or missing, and every section reads the summary's fields by name, so a field
//! renamed in the code fails to compile instead of showing "—". A figure shows "—" only
//! where the run could not give it: a field that is null (an option: the utilization of an
//! unconfigured disk) or a number that is not finite (summary.json writes it as null). The
//! compare page is drawn from the typed [`Comparison`] that compare.json is written from.
//! Every text taken from the summary is escaped: names come from user scenarios.

use super::advice::ServerAdvice;
use super::compare::{Column, Comparison, Row as CompareMarks};
use super::ha::{FailureReport, NMinus1Report, PackageReport};
use super::judge::ScenarioVerdict;
use super::planning::{GrowthUsed, NodePlan, StudyPlan};
use super::replicas::{Interval, ReplicaReport, ReplicaRow};
use super::summary::{
    DomainReport, GicapReport, LicensingReport, NodeReport, PpuBillReport, PpuReport, ServerCost,
    ServerEnergy, SloReport, Summary, TicapReport, Usage, Utilization, Verdict, WorkloadReport,
};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;
use std::path::PathBuf;

/// A chart to inline: its caption and the SVG file (as plotters writes it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub title: String,
    pub svg_path: PathBuf,
}

/// What a missing, null or unusable value shows as.
const DASH: &str = "—";

/// Above this many workloads the full table starts folded, so a 10,000-workload page opens
/// on its verdict and summary instead of a wall of rows.
const COLLAPSE_ROWS: usize = 200;

/// How many of the worst-served workloads stay in view when the full table is folded.
const WORST_SHOWN: usize = 10;

/// Forbids every load from the network or another file; inline `<style>` and inline SVG
/// still work, and `data:` images are allowed for a future embedded bitmap.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// Plain, printable styling: system fonts, right-aligned tabular numbers, a coloured verdict.
const CSS: &str = r#"
:root { color-scheme: light; --line: #d0d5dd; --head: #f2f4f7; --muted: #5d6675; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
  color: #1d2433; background: #fff; margin: 0 auto; padding: 1.5rem 2rem 3rem; max-width: 1500px; }
header { margin-bottom: 1rem; }
.kicker { margin: 0; color: var(--muted); text-transform: uppercase; letter-spacing: .06em; font-size: 12px; }
h1 { margin: .1rem 0 .3rem; font-size: 28px; overflow-wrap: anywhere; }
h2 { margin: 2rem 0 .6rem; font-size: 19px; border-bottom: 2px solid var(--line); padding-bottom: .2rem; }
h3 { margin: 1.3rem 0 .4rem; font-size: 15px; }
p { margin: .3rem 0; }
.desc { font-size: 16px; }
.whatif { background: #fffaeb; border-left: 4px solid #dc8a04; padding: .3rem .7rem; margin: .5rem 0; }
.facts, .note, .none { color: var(--muted); }
.note { font-size: 12.5px; }
nav { margin: .8rem 0 0; font-size: 13px; color: var(--muted); }
nav a { color: #175cd3; margin-right: .9rem; text-decoration: none; }
nav a:hover { text-decoration: underline; }
.verdict { display: flex; flex-wrap: wrap; align-items: baseline; gap: .4rem 1rem; margin: 1rem 0 .5rem;
  padding: .8rem 1.1rem; border: 1px solid; border-left-width: 8px; border-radius: 6px; }
.verdict .label { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
.verdict .stars { font-size: 28px; letter-spacing: .08em; line-height: 1; }
.verdict .status { font-size: 24px; font-weight: 700; }
.verdict .culprit { font-size: 17px; font-weight: 600; overflow-wrap: anywhere; }
.verdict .why { flex-basis: 100%; }
.advice { border-left: 4px solid #175cd3; padding: .1rem .8rem; margin: .5rem 0; }
.advice p { font-weight: 600; margin: .2rem 0; }
.advice ul { margin: .2rem 0 .3rem; padding-left: 1.2rem; }
.meets { background: #ecfdf3; border-color: #12b76a; }
.meets .stars { color: #dc8a04; }
.meets .status { color: #05603a; }
.exceeds { background: #fef3f2; border-color: #d92d20; color: #7a271a; }
.exceeds .stars, .exceeds .status { color: #b42318; }
.nodata { background: #f2f4f7; border-color: #98a2b3; }
dl.totals { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: .6rem; margin: .4rem 0; }
dl.totals div { border: 1px solid var(--line); border-radius: 6px; padding: .45rem .7rem; }
dl.totals dt { color: var(--muted); font-size: 12px; }
dl.totals dd { margin: 0; font-size: 19px; font-weight: 600; font-variant-numeric: tabular-nums; }
dl.totals dd small { font-size: 12px; font-weight: 400; color: var(--muted); }
.wide { overflow-x: auto; }
table { border-collapse: collapse; margin: .3rem 0 .5rem; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; vertical-align: top; }
th { background: var(--head); font-weight: 600; text-align: left; }
thead th { vertical-align: bottom; font-size: 12px; line-height: 1.25; }
th.group { text-align: center; }
tbody tr:nth-child(even) td { background: #fafbfc; }
tfoot td, tr.total td, tr.total th { font-weight: 700; border-top: 2px solid #98a2b3; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td { white-space: nowrap; }
td.list { white-space: normal; min-width: 12em; }
td.bad { color: #b42318; font-weight: 600; }
td.v-meets .stars { color: #dc8a04; }
td.v-exceeds { color: #b42318; font-weight: 600; background: #fef3f2 !important; }
td.dash { color: #98a2b3; text-align: center; }
td .stars { letter-spacing: .05em; }
table.compare tbody th { white-space: nowrap; }
table.compare td.list { max-width: 26em; }
table.compare .best { color: #05603a; font-weight: 700; }
table.compare .delta { color: var(--muted); }
table.compare tbody th.part { background: #e4e7ec; text-transform: uppercase; font-size: 11.5px; letter-spacing: .05em; }
details { margin: .4rem 0; }
summary { cursor: pointer; font-weight: 600; color: #175cd3; }
figure { margin: 1rem 0 1.5rem; break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
.chart svg { max-width: 100%; height: auto; display: block; border: 1px solid var(--line); }
footer { margin-top: 2.5rem; color: var(--muted); font-size: 12px; }
.tree { font-size: 13px; min-width: 71em; margin: .3rem 0 .5rem; border-top: 1px solid var(--line); }
.tree .row { display: grid; grid-template-columns: 1.1em minmax(12em, 1fr) 9.5em 20em 16.5em;
  column-gap: 1em; align-items: baseline; padding: .2rem .3rem; border-bottom: 1px solid #eaecf0; }
.tree .head { font-size: 12px; font-weight: 600; line-height: 1.25; background: var(--head);
  border-bottom: 1px solid var(--line); }
.tree .head span { white-space: normal; }
.tree details { margin: 0; }
.tree summary.row { list-style: none; font-weight: 400; color: inherit; }
.tree summary.row::-webkit-details-marker { display: none; }
.tree .row::before { content: ""; color: #175cd3; }
.tree summary.row::before { content: "▸"; }
.tree details[open] > summary.row::before { content: "▾"; }
.tree .kids { margin-left: .55em; padding-left: .75em; border-left: 1px dotted #98a2b3; }
.tree .srv > summary.row { background: #f5f7fa; }
.tree .srv > summary .nm strong { font-size: 14px; }
.tree .nm { overflow-wrap: anywhere; }
.tree .nm small { color: var(--muted); margin-left: .1em; }
.tree .wl .nm strong { font-weight: 400; }
.tree .al { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.tree .m { font-variant-numeric: tabular-nums; white-space: nowrap; }
.tree .v-meets .stars { color: #dc8a04; }
.tree .v-exceeds, .tree .bad { color: #b42318; font-weight: 600; }
.tree .ok { color: #05603a; }
.tree .x { grid-column: 2 / -1; font-size: 12px; color: var(--muted); }
.tree .more { padding: .2rem .3rem .2rem 1.8em; color: var(--muted); font-style: italic; }
.tree details.wls > summary { font-weight: 400; font-size: 12.5px; padding: .15rem .3rem; }
.bar { display: inline-block; position: relative; width: 6.5em; height: .85em; vertical-align: -.08em;
  margin-right: .45em; background: #eef0f3; border: 1px solid #c3c9d3; }
.bar span { position: absolute; left: 0; top: 0; bottom: 0; }
.bar .p { background: #b2ccff; }
.bar .f { background: #2e6bd6; }
.bar.over .p { background: #fda29b; }
.bar.over .f { background: #d92d20; }
.lim .bar::after { content: ""; position: absolute; top: -3px; bottom: -3px; left: var(--lim);
  border-left: 2px solid #1d2433; }
@media print {
  body { padding: 0; max-width: none; font-size: 10pt; }
  nav { display: none; }
  .wide { overflow: visible; }
  .verdict, td.v-exceeds, th, .bar, .tree .srv > summary.row, .tree .head {
    print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  tr, dl.totals div, .tree .row { break-inside: avoid; }
  .tree { min-width: 0; font-size: 9pt; }
  .tree .row { grid-template-columns: 1em minmax(7em, 1fr) 7.5em 17em 12em; }
  .bar { width: 4.5em; }
  h2 { break-after: avoid; }
}
"#;

/// What a run's page shows besides summary.json and its charts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras<'a> {
    /// replicas.json (`vsesim run --replicas N`): the Monte Carlo section.
    pub replicas: Option<&'a ReplicaReport>,
    /// run.json's `inputs.sha256`: one hash of everything that produced the run.
    pub inputs_sha256: Option<&'a str>,
}

/// The page of one run, from its summary.json and charts.
///
/// Fails only when a chart's SVG file cannot be read.
pub fn render_run(summary: Summary, charts: &[Chart]) -> Result<String, io::Error> {
    render_run_with(summary, charts, &Extras::default())
}

/// [`render_run`] with the Monte Carlo section and the inputs' hash.
pub fn render_run_with(
    summary: Summary,
    charts: &[Chart],
    extras: &Extras,
) -> Result<String, io::Error> {
    render(&summary, charts, extras)
}

/// A figure as summary.json holds it: a float that is not finite is written as null, and
/// shows as "—" like one.
fn fin(x: f64) -> Option<f64> {
    Some(x).filter(|x| x.is_finite())
}

/// [`fin`] of a figure that may be null.
fn fin_opt(x: Option<f64>) -> Option<f64> {
    x.filter(|x| x.is_finite())
}

/// A workload's SLA met share; one without the figure (not finite) counts as served.
fn sla(w: &WorkloadReport) -> f64 {
    fin(w.usage.sla_met_share).unwrap_or(f64::INFINITY)
}

/// The page of one run.
fn render(s: &Summary, charts: &[Chart], extras: &Extras) -> Result<String, io::Error> {
    let workloads = s.workloads.as_slice();
    let mut sections = vec![Section::new("totals", "Totals", totals(s))];
    if let Some(body) = offenders(s) {
        sections.push(Section::new("offenders", "Top offenders", body));
    }
    sections.push(Section::new("datacenter", "Datacenter", datacenter(s)));
    if let Some(body) = planning(s) {
        sections.push(Section::new("planning", "Planning", body));
    }
    sections.extend([
        Section::new("servers", "Servers", servers(s)),
        Section::new("partitions", "Partitions", partitions(s)),
        Section::new("workloads", "Workloads", workloads_section(workloads)),
    ]);
    let optional = [
        ("gwlm", "gWLM domains and policies", gwlm(s)),
        ("wlm", "WLM", wlm(s)),
        ("cost", "Cost", Some(cost(s))),
        ("licensing", "Licensing", licensing(s)),
        ("ha", "High availability", ha(s)),
        (
            "montecarlo",
            "Monte Carlo",
            extras.replicas.map(monte_carlo),
        ),
        ("charts", "Charts", charts_html(charts)?),
    ];
    for (id, title, body) in optional {
        if let Some(body) = body {
            sections.push(Section::new(id, title, body));
        }
    }
    let header = run_header(s, extras.inputs_sha256);
    Ok(page(
        &format!("{} — vsesim report", s.scenario.name),
        &header,
        &sections,
    ))
}

/// The page of `vsesim compare`: one column per scenario, then the charts.
///
/// Fails only when a chart's SVG file cannot be read.
pub fn render_compare(compare: &Comparison, charts: &[Chart]) -> Result<String, io::Error> {
    let scenarios = &compare.scenarios;
    let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    let header = format!(
        "<header><p class=\"kicker\">vsesim · scenario comparison</p><h1>{}</h1>\
         <p class=\"facts\">{} in the order given. Figures are each run's; cost is over \
         its horizon.</p></header>",
        esc(&names.join(" vs ")),
        match scenarios.len() {
            1 => "One scenario".to_string(),
            n => format!("{n} scenarios"),
        }
    );
    let marks: HashMap<&str, &CompareMarks> = compare.rows.iter().map(|r| (r.key, r)).collect();
    let mut sections = vec![Section::new(
        "comparison",
        "Side by side",
        format!(
            "{}<p class=\"note\">Under each value after the first: its change against the \
             first scenario ({}). ✓ marks the better value where one is better: less work \
             delayed or unmet, lower cost, fewer servers and partitions exceeding, a higher SLA \
             share, a later limit crossing, a better verdict. The verdict is the worst over \
             each scenario's servers and partitions.</p>",
            compare_table(scenarios, &marks),
            esc(names.first().copied().unwrap_or(DASH))
        ),
    )];
    if let Some(body) = charts_html(charts)? {
        sections.push(Section::new("charts", "Charts", body));
    }
    Ok(page(
        "Scenario comparison — vsesim report",
        &header,
        &sections,
    ))
}

/// A titled part of the page, linked from the contents line.
pub(crate) struct Section {
    id: &'static str,
    title: &'static str,
    body: String,
}

impl Section {
    pub(crate) fn new(id: &'static str, title: &'static str, body: String) -> Self {
        Section { id, title, body }
    }
}

/// The whole document: head with the CSP first (before anything could load), header,
/// contents line, sections and a footer without a date, so the same run gives the same bytes.
pub(crate) fn page(title: &str, header: &str, sections: &[Section]) -> String {
    let mut out =
        String::with_capacity(64 * 1024 + sections.iter().map(|s| s.body.len()).sum::<usize>());
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"vsesim\">\n<title>{}</title>\n<style>{CSS}</style>\n\
         </head>\n<body>\n{header}\n{}\n<main>\n",
        esc(title),
        nav(sections)
    );
    for s in sections {
        let _ = write!(
            out,
            "<section id=\"{}\">\n<h2>{}</h2>\n{}\n</section>\n",
            s.id,
            esc(s.title),
            s.body
        );
    }
    out.push_str(
        "</main>\n<footer>Written by vsesim from its output files (docs/OUTPUT.md). \
         Units: CPU in reference cores, work in core-hours, memory in GiB.</footer>\n\
         </body>\n</html>\n",
    );
    out
}

/// A contents line: the long pages (many partitions, charts at the end) need it.
fn nav(sections: &[Section]) -> String {
    let links: String = sections
        .iter()
        .map(|s| format!("<a href=\"#{}\">{}</a>", s.id, esc(s.title)))
        .collect();
    format!("<nav>Contents: {links}</nav>")
}

// ---------------------------------------------------------------------------------------------
// Run page sections

/// Title, description, the scenario's settings, what-if overrides and the verdict banner.
fn run_header(s: &Summary, inputs_sha256: Option<&str>) -> String {
    let sc = &s.scenario;
    let desc = sc
        .description
        .as_deref()
        .map(|d| format!("<p class=\"desc\">{}</p>", esc(d)))
        .unwrap_or_default();
    let start = sc
        .start
        .as_deref()
        .and_then(|d| crate::world::date::Date::parse(d).ok())
        .map(|d| format!(" from {}", d.long()))
        .unwrap_or_default();
    let facts = format!(
        "Horizon {}{start} · seed {} · CPU limit {} % · memory limit {} % · sized at {} · \
         {} events · {} segments",
        sc.horizon,
        sc.seed,
        pct_or_dash(fin(sc.util_limit)),
        pct_or_dash(fin(sc.memory_limit)),
        fin(sc.sizing_percentile).map_or(DASH.to_string(), super::judge::percentile_label),
        fixed(s.events_processed as f64, 0),
        fixed(s.segments as f64, 0),
    );
    let overrides: Vec<String> = sc
        .overrides
        .iter()
        .map(|o| format!("<code>{} = {}</code>", esc(&o.path), esc(&o.value)))
        .collect();
    let whatif = if overrides.is_empty() {
        String::new()
    } else {
        format!(
            "<p class=\"whatif\">What if (<code>--set</code>): {}</p>",
            overrides.join(" · ")
        )
    };
    let inputs = inputs_sha256
        .map(|h| {
            format!(
                "<p class=\"note\">Inputs (scenario, traces, overrides) SHA-256 {}</p>",
                esc(h)
            )
        })
        .unwrap_or_default();
    format!(
        "<header><p class=\"kicker\">vsesim · run report</p><h1>{}</h1>{desc}\
         <p class=\"facts\">{}</p>{whatif}{inputs}{}</header>",
        esc(&sc.name),
        esc(&facts),
        verdict_banner(&s.verdict, sc.util_limit, sc.memory_limit)
    )
}

/// The scenario's rating as Capacity Advisor shows it: stars and the status word, red when
/// it exceeds; then the culprit (the entity, resource, figure and limit that decided it), the
/// line that counts the servers and partitions that exceed, and what the rating means.
fn verdict_banner(verdict: &ScenarioVerdict, util: f64, memory: f64) -> String {
    let status = verdict.status;
    let stars_of = verdict.stars.map(u64::from);
    let limits = format!(
        "CPU {} %, memory {} %",
        pct_or_dash(fin(util)),
        pct_or_dash(fin(memory))
    );
    let line = Some(verdict.line.as_str())
        .filter(|l| !l.is_empty())
        .map(|l| format!("<span class=\"line\">{}.</span> ", esc(l)))
        .unwrap_or_default();
    let culprit = verdict
        .culprit
        .as_ref()
        .map(|c| format!("<span class=\"culprit\">{}</span>", esc(&c.text)))
        .unwrap_or_default();
    let why = match status {
        "meets" => esc(&format!(
            "Every server and partition fits within its limits ({limits}) at the sizing \
             percentile; {}.",
            stars_meaning(stars_of)
        )),
        "exceeds" if !culprit.is_empty() => format!(
            "Demand at the sizing percentile above a limit ({}) × what the entity can hold.",
            esc(&limits)
        ),
        "exceeds" => esc(&format!(
            "A server's or partition's demand is above its CPU limit, or its memory demand \
             above its memory limit ({limits})."
        )),
        "no_data" => "No demand to rate.".to_string(),
        other => esc(&format!("Unknown status “{other}”.")),
    };
    format!(
        "<div class=\"verdict {}\" role=\"status\"><span class=\"label\">Verdict</span>\
         <span class=\"stars\" aria-label=\"{}\">{}</span><span class=\"status\">{}</span>\
         {culprit}<span class=\"why\">{line}{why}</span></div>",
        verdict_class(Some(status)),
        esc(&stars_label_of(stars_of)),
        stars_of_status(Some(status), stars_of),
        esc(status),
    )
}

/// What a "meets" rating's stars promise [CA14], worded for the banner.
fn stars_meaning(stars: Option<u64>) -> String {
    let growth = match stars {
        Some(5..) => "double its peak",
        Some(4) => "grow its peak by 75 %",
        Some(3) => "grow its peak by 50 %",
        Some(2) => "grow its peak by 25 %",
        _ => return "it fits, with less than 25 % room for a workload's peak to grow".to_string(),
    };
    format!("the headroom would let any single workload on the worst server {growth}")
}

/// Demand, served, delayed, dropped, backlog and unmet work, as large figures.
fn totals(s: &Summary) -> String {
    let t = &s.totals;
    let fields = [
        ("Demand", t.demand_core_hours),
        ("Served", t.served_core_hours),
        ("Delayed", t.delayed_core_hours),
        ("Dropped", t.dropped_core_hours),
        ("Backlog at the end", t.backlog_core_hours),
        ("Unmet", t.unmet_core_hours),
    ];
    let cards: String = fields
        .iter()
        .map(|(label, x)| {
            format!(
                "<div><dt>{label}</dt><dd>{} <small>core-h</small></dd></div>",
                esc(&dec_or_dash(fin(*x), 1))
            )
        })
        .collect();
    format!(
        "<dl class=\"totals\">{cards}</dl><p class=\"note\">Summed over servers. Unmet = dropped \
         + backlog: work not done by the horizon. Delayed work was done, but later than it \
         arrived.</p>"
    )
}

/// Group heads shared by several tables; the unit sits in the head, not in every cell.
/// Served and demanded figures are labelled apart: the verdict judges demand.
const CPU: &str = "Served CPU utilization [%]";
const DEMAND: &str = "CPU demand [cores]";
const WORK: &str = "Work [core-h]";
const CORES: &str = "Cores [reference cores]";
const FORECAST: &str = "Forecast: limit in [days]";
const TICAP_MIN: &str = "TiCAP [core-min]";
const TICAP: &str = "TiCAP";
const INTERVALS: &str = "Share of intervals [%]";

/// The cost items of docs/OUTPUT.md, as column heads and their figures.
const COST_ITEMS: [(&str, Get<ServerCost>); 7] = [
    ("hardware", |c: &ServerCost| c.items.hardware.into()),
    ("core rights", |c: &ServerCost| c.items.core_rights.into()),
    ("TiCAP", |c: &ServerCost| c.items.ticap.into()),
    ("PPU", |c: &ServerCost| c.items.ppu.into()),
    ("software", |c: &ServerCost| c.items.software.into()),
    ("energy", |c: &ServerCost| c.items.energy.into()),
    ("total", |c: &ServerCost| c.items.total.into()),
];

/// Servers, partitions and workloads: what their tables' shared columns read.
trait HasUsage {
    fn usage(&self) -> &Usage;
}

impl HasUsage for NodeReport {
    fn usage(&self) -> &Usage {
        &self.usage
    }
}

impl HasUsage for WorkloadReport {
    fn usage(&self) -> &Usage {
        &self.usage
    }
}

/// The utilization percentiles under a CPU group head; p99 only for servers, where the
/// table has room for it.
fn cpu_cols<T: HasUsage>(group: &str, p99: bool) -> Vec<Col<T>> {
    let mut cols = vec![
        sub(
            group,
            "mean",
            |r: &T| r.usage().cpu_utilization.mean.into(),
            Fmt::Pct,
        ),
        sub(
            group,
            "p95",
            |r: &T| r.usage().cpu_utilization.p95.into(),
            Fmt::Pct,
        ),
    ];
    if p99 {
        cols.push(sub(
            group,
            "p99",
            |r: &T| r.usage().cpu_utilization.p99.into(),
            Fmt::Pct,
        ));
    }
    cols.push(sub(
        group,
        "max",
        |r: &T| r.usage().cpu_utilization.max.into(),
        Fmt::Pct,
    ));
    cols
}

/// SLA and longest backlog: how the entity's work was served, last in each table.
fn service_cols<T: HasUsage>() -> Vec<Col<T>> {
    vec![
        col(
            "SLA met [%\u{a0}time]",
            |r: &T| r.usage().sla_met_share.into(),
            Fmt::Pct,
        ),
        col(
            "Longest backlog",
            |r: &T| r.usage().longest_backlog_ms.into(),
            Fmt::Duration,
        ),
    ]
}

fn servers(s: &Summary) -> String {
    let rows = &s.servers;
    if rows.is_empty() {
        return none("No servers.");
    }
    let mut cols: Vec<Col<NodeReport>> = vec![
        col("Server", |n: &NodeReport| (&n.name).into(), Fmt::Text),
        col("Cores", |n: &NodeReport| n.cores.into(), Fmt::Count),
        col(
            "Capacity [cores]",
            |n: &NodeReport| n.capacity_cores.into(),
            Fmt::Dec(2),
        ),
        sub(
            DEMAND,
            "peak",
            |n: &NodeReport| n.usage.peak_demand_cores.into(),
            Fmt::Dec(2),
        ),
        sub(
            DEMAND,
            "sized",
            |n: &NodeReport| n.sizing_demand_cores.into(),
            Fmt::Dec(2),
        ),
        sub(
            DEMAND,
            "above limit [%\u{a0}time]",
            |n: &NodeReport| n.demand_above_limit_share.into(),
            Fmt::Pct,
        ),
        col(
            "Headroom [cores]",
            |n: &NodeReport| n.headroom_cores.into(),
            Fmt::Signed(2),
        ),
    ];
    cols.extend(cpu_cols(CPU, true));
    cols.extend([
        col(
            "Served above limit [%\u{a0}time]",
            |n: &NodeReport| n.usage.time_above_limit_share.into(),
            Fmt::Pct,
        ),
        sub(
            "Memory",
            "size [GiB]",
            |n: &NodeReport| n.memory_gb.into(),
            Fmt::Dec(1),
        ),
        sub(
            "Memory",
            "peak [GiB]",
            |n: &NodeReport| n.usage.memory_peak_gb.into(),
            Fmt::Dec(1),
        ),
        sub(
            "Memory",
            "mean [%]",
            |n: &NodeReport| n.usage.memory.utilization.mean.into(),
            Fmt::Pct,
        ),
        sub(
            "Memory",
            "max [%]",
            |n: &NodeReport| n.usage.memory.utilization.max.into(),
            Fmt::Pct,
        ),
        col(
            "SLA met [%\u{a0}time]",
            |n: &NodeReport| n.usage.sla_met_share.into(),
            Fmt::Pct,
        ),
        col(
            "Verdict",
            |n: &NodeReport| n.verdict.as_ref().into(),
            Fmt::Verdict,
        ),
        sub(
            FORECAST,
            "CPU",
            |n: &NodeReport| n.forecast.and_then(|f| f.cpu_limit_in_days).into(),
            Fmt::Dec(1),
        ),
        sub(
            FORECAST,
            "memory",
            |n: &NodeReport| n.forecast.and_then(|f| f.memory_limit_in_days).into(),
            Fmt::Dec(1),
        ),
    ]);
    format!(
        "{}<p class=\"note\">Demand is what the workloads asked for (time-aligned); sized: at \
         the scenario's sizing percentile, what the verdict judges. Served utilization is what \
         was served ÷ capacity: a saturated server shows 100 % whatever its demand. Headroom \
         = limit × capacity − sized demand; negative in red. Forecast: days after the simulated \
         period until the sized demand, grown at the scenario's growth rate, crosses the \
         limit; 0 = already over; — = not within {} days, or nothing grows.</p>",
        table(&cols, rows, &[]),
        esc(&dec_or_dash(
            rows[0].forecast.and_then(|f| fin(f.horizon_days)),
            0
        ))
    )
}

/// The partition tree, indented by depth (the list is in preorder, parents first); the
/// server column only when there are several servers.
fn partitions(s: &Summary) -> String {
    let servers = &s.servers;
    let rows = &s.partitions;
    if rows.is_empty() {
        return none("No partitions: the servers run their workloads directly.");
    }
    let all: Vec<&NodeReport> = servers.iter().chain(rows.iter()).collect();
    let indents: Vec<usize> = depths(&all)[servers.len()..]
        .iter()
        .map(|d| d.saturating_sub(1))
        .collect();
    let mut cols: Vec<Col<NodeReport>> = vec![
        col("Partition", |n: &NodeReport| (&n.name).into(), Fmt::Text),
        col("Kind", |n: &NodeReport| n.kind.into(), Fmt::Text),
    ];
    if servers.len() > 1 {
        cols.push(col(
            "Server",
            |n: &NodeReport| (&n.server).into(),
            Fmt::Text,
        ));
    }
    cols.extend([
        col("Cores", |n: &NodeReport| n.cores.into(), Fmt::Count),
        sub(
            CORES,
            "capacity",
            |n: &NodeReport| n.capacity_cores.into(),
            Fmt::Dec(2),
        ),
        sub(
            CORES,
            "entitled",
            |n: &NodeReport| n.entitlement_cores.into(),
            Fmt::Dec(2),
        ),
        sub(
            CORES,
            "mean held",
            |n: &NodeReport| n.mean_allocation_cores.into(),
            Fmt::Dec(2),
        ),
        sub(
            CORES,
            "peak demand",
            |n: &NodeReport| n.usage.peak_demand_cores.into(),
            Fmt::Dec(2),
        ),
        sub(
            CORES,
            "sized demand",
            |n: &NodeReport| n.sizing_demand_cores.into(),
            Fmt::Dec(2),
        ),
        sub(
            CORES,
            "headroom",
            |n: &NodeReport| n.headroom_cores.into(),
            Fmt::Signed(2),
        ),
        col(
            "Demand above limit [%\u{a0}time]",
            |n: &NodeReport| n.demand_above_limit_share.into(),
            Fmt::Pct,
        ),
        col(
            "Verdict",
            |n: &NodeReport| n.verdict.as_ref().into(),
            Fmt::Verdict,
        ),
    ]);
    cols.extend(cpu_cols(CPU, false));
    cols.extend([
        col(
            "Served above limit [%\u{a0}time]",
            |n: &NodeReport| n.usage.time_above_limit_share.into(),
            Fmt::Pct,
        ),
        col(
            "Memory peak [GiB]",
            |n: &NodeReport| n.usage.memory_peak_gb.into(),
            Fmt::Dec(1),
        ),
        sub(
            WORK,
            "demand",
            |n: &NodeReport| n.usage.work.demand_core_hours.into(),
            Fmt::Dec(1),
        ),
        sub(
            WORK,
            "delayed",
            |n: &NodeReport| n.usage.work.delayed_core_hours.into(),
            Fmt::Dec(1),
        ),
        sub(
            WORK,
            "unmet",
            |n: &NodeReport| n.usage.work.unmet_core_hours.into(),
            Fmt::Dec(1),
        ),
    ]);
    cols.extend(service_cols());
    format!(
        "{}<p class=\"note\">Indented under their parents. Each partition is judged against what \
         it can hold (capacity: its cores; a VM guest its vCPUs at its cap; an FSS group its \
         parent's capacity at its cap): it exceeds when its sized demand is above the limit × \
         capacity. Entitled: what a VM guest or FSS group is guaranteed when its siblings are \
         busy; above it, it runs on what they leave idle, and the work it could not get shows \
         as delayed and unmet. Served utilization is served work ÷ what the partition \
         held.</p>",
        table(&cols, rows, &indents)
    )
}

/// Depth of each node in a preorder list (parents first): a server is 0.
fn depths(nodes: &[&NodeReport]) -> Vec<usize> {
    let mut known: HashMap<&str, usize> = HashMap::new();
    nodes
        .iter()
        .map(|n| {
            let depth = n
                .parent
                .as_deref()
                .and_then(|p| known.get(p))
                .map_or(0, |d| d + 1);
            known.insert(&n.name, depth);
            depth
        })
        .collect()
}

fn workload_cols() -> Vec<Col<WorkloadReport>> {
    let mut cols: Vec<Col<WorkloadReport>> = vec![
        col("Workload", |w: &WorkloadReport| (&w.name).into(), Fmt::Text),
        col(
            "Partition",
            |w: &WorkloadReport| (&w.partition).into(),
            Fmt::Text,
        ),
        col(
            "On shortfall",
            |w: &WorkloadReport| w.on_shortfall.into(),
            Fmt::Text,
        ),
        col(
            "Peak demand [cores]",
            |w: &WorkloadReport| w.usage.peak_demand_cores.into(),
            Fmt::Dec(2),
        ),
        col(
            "Headroom [cores]",
            |w: &WorkloadReport| w.headroom_cores.into(),
            Fmt::Signed(2),
        ),
    ];
    cols.extend(cpu_cols("CPU utilization [% of partition]", false));
    cols.extend([
        col(
            "Memory peak [GiB]",
            |w: &WorkloadReport| w.usage.memory_peak_gb.into(),
            Fmt::Dec(1),
        ),
        sub(
            WORK,
            "demand",
            |w: &WorkloadReport| w.usage.work.demand_core_hours.into(),
            Fmt::Dec(1),
        ),
        sub(
            WORK,
            "delayed",
            |w: &WorkloadReport| w.usage.work.delayed_core_hours.into(),
            Fmt::Dec(1),
        ),
        sub(
            WORK,
            "dropped",
            |w: &WorkloadReport| w.usage.work.dropped_core_hours.into(),
            Fmt::Dec(1),
        ),
        sub(
            WORK,
            "unmet",
            |w: &WorkloadReport| w.usage.work.unmet_core_hours.into(),
            Fmt::Dec(1),
        ),
    ]);
    cols.extend(service_cols());
    cols
}

/// All workloads; past [`COLLAPSE_ROWS`] the full table folds and the worst-served stay out.
fn workloads_section(rows: &[WorkloadReport]) -> String {
    if rows.is_empty() {
        return none("No workloads.");
    }
    let cols = workload_cols();
    let full = table(&cols, rows, &[]);
    if rows.len() <= COLLAPSE_ROWS {
        return full;
    }
    let worst = worst_served(rows, WORST_SHOWN);
    format!(
        "<h3>The {} with the lowest SLA met share</h3>{}\
         <details><summary>All {} workloads</summary>{full}</details>",
        worst.len(),
        table(&cols, worst.iter().map(|&i| &rows[i]), &[]),
        esc(&group_thousands(&rows.len().to_string()))
    )
}

/// The `n` workloads with the lowest SLA met share, ties in scenario order; a workload
/// without the figure counts as served.
fn worst_served(rows: &[WorkloadReport], n: usize) -> Vec<usize> {
    let mut sorted: Vec<usize> = (0..rows.len()).collect();
    sorted.sort_by(|&a, &b| sla(&rows[a]).total_cmp(&sla(&rows[b])));
    sorted.truncate(n);
    sorted
}

// ---------------------------------------------------------------------------------------------
// Top offenders and Monte Carlo

/// Rows of each top-offenders table.
const OFFENDERS: usize = 10;

/// Where a review of a large datacenter starts: the servers and partitions whose demand at
/// the sizing percentile is furthest over (or nearest to) their CPU limit, and the workloads
/// served worst. `None` without servers.
fn offenders(s: &Summary) -> Option<String> {
    let nodes: Vec<&NodeReport> = s.servers.iter().chain(&s.partitions).collect();
    if nodes.is_empty() {
        return None;
    }
    let workloads = s.workloads.as_slice();
    let limit = fin(s.scenario.util_limit);
    let ceiling = |n: &NodeReport| Some(limit? * fin(n.capacity_cores)?);
    let pressure = |n: &NodeReport| match (fin(n.sizing_demand_cores), ceiling(n)) {
        (Some(d), Some(c)) if c > 0.0 => d / c,
        (Some(d), _) if d > 0.0 => f64::INFINITY,
        _ => 0.0,
    };
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    order.sort_by(|&a, &b| {
        pressure(nodes[b])
            .total_cmp(&pressure(nodes[a]))
            .then(a.cmp(&b))
    });
    let exceeding = nodes
        .iter()
        .filter(|n| n.verdict.is_some_and(|v| v.status == "exceeds"))
        .count();
    let mut body = String::new();
    for &i in order.iter().take(OFFENDERS) {
        let n = nodes[i];
        let v = n.verdict.as_ref().map_or_else(Cell::dash, verdict_cell_of);
        let share = pressure(n);
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td>{}{}{}{}<td class=\"list\">{}</td></tr>",
            esc(&n.name),
            esc(n.kind),
            esc(&n.server),
            td(&val_cell(n.sizing_demand_cores.into(), Fmt::Dec(2)), ""),
            td(
                &ceiling(n).map_or_else(Cell::dash, |c| number_cell(c, Fmt::Dec(2))),
                ""
            ),
            td(
                &Cell {
                    class: if share > 1.0 { "num bad" } else { "num" },
                    html: if share.is_finite() {
                        esc(&fixed(share * 100.0, 0))
                    } else {
                        DASH.to_string()
                    },
                },
                ""
            ),
            td(&v, ""),
            esc(&n
                .culprit
                .as_ref()
                .map_or(String::new(), |c| c.text.replace(DASH, ""))),
        );
    }
    let cols = [
        head("Server or partition", Fmt::Text),
        head("Kind", Fmt::Text),
        head("Server", Fmt::Text),
        sub_head(DEMAND, "sized", Fmt::Dec(2)),
        sub_head(DEMAND, "limit", Fmt::Dec(2)),
        sub_head(DEMAND, "sized ÷ limit [%]", Fmt::Pct),
        head("Verdict", Fmt::Verdict),
        head("Why", Fmt::Text),
    ];
    let mut out = format!(
        "<p>{} of {} servers and partitions exceed; the {} with the highest demand against \
         their CPU limit:</p>{}",
        group_thousands(&exceeding.to_string()),
        group_thousands(&nodes.len().to_string()),
        order.len().min(OFFENDERS),
        table_html(&cols, &body, "")
    );
    let short: Vec<usize> = worst_served(workloads, OFFENDERS)
        .into_iter()
        .filter(|&w| sla(&workloads[w]) < 1.0)
        .collect();
    if short.is_empty() {
        out += "<p>Every workload's demand was served as it arrived.</p>";
    } else {
        let cols: [Col<WorkloadReport>; 7] = [
            col("Workload", |w: &WorkloadReport| (&w.name).into(), Fmt::Text),
            col(
                "Partition",
                |w: &WorkloadReport| (&w.partition).into(),
                Fmt::Text,
            ),
            col(
                "SLA met [%\u{a0}time]",
                |w: &WorkloadReport| w.usage.sla_met_share.into(),
                Fmt::Pct,
            ),
            sub(
                WORK,
                "delayed",
                |w: &WorkloadReport| w.usage.work.delayed_core_hours.into(),
                Fmt::Dec(1),
            ),
            sub(
                WORK,
                "unmet",
                |w: &WorkloadReport| w.usage.work.unmet_core_hours.into(),
                Fmt::Dec(1),
            ),
            col(
                "Peak demand [cores]",
                |w: &WorkloadReport| w.usage.peak_demand_cores.into(),
                Fmt::Dec(2),
            ),
            col(
                "Longest backlog",
                |w: &WorkloadReport| w.usage.longest_backlog_ms.into(),
                Fmt::Duration,
            ),
        ];
        let _ = write!(
            out,
            "<p>The {} workloads served worst (lowest share of time with all demand served as \
             it arrived), of {}:</p>{}",
            short.len(),
            group_thousands(&workloads.len().to_string()),
            table(&cols, short.iter().map(|&w| &workloads[w]), &[])
        );
    }
    out.push_str(
        "<p class=\"note\">Sized: the time-aligned demand at the sizing percentile; limit: \
         the CPU limit × what the entity can hold. The Datacenter view below folds past 20 \
         rows; every row is in the tables further down.</p>",
    );
    Some(out)
}

/// replicas.json as a table: each figure's mean over the replicas with its 95 % interval,
/// and the spread of the replicas themselves (min, median, max). A figure the file holds as
/// null (not finite) shows as "—" and is left out of the spread.
fn monte_carlo(r: &ReplicaReport) -> String {
    let spread = |pick: &dyn Fn(&ReplicaRow) -> Option<f64>| -> [Option<f64>; 3] {
        let mut xs: Vec<f64> = r.runs.iter().filter_map(|x| fin_opt(pick(x))).collect();
        xs.sort_by(f64::total_cmp);
        if xs.is_empty() {
            return [None; 3];
        }
        [
            Some(xs[0]),
            Some(xs[(xs.len() - 1) / 2]),
            xs.last().copied(),
        ]
    };
    let mut body = String::new();
    let mut row = |label: String, iv: &Interval, spread: [Option<f64>; 3], fmt: Fmt| {
        let figure = |x: Option<f64>| val_cell(x.map_or(Val::Null, Val::Num), fmt);
        let mut cells = td(&val_cell(Val::Num(iv.mean), fmt), "");
        let ci = match (fin(iv.ci95_low), fin(iv.ci95_high)) {
            (Some(l), Some(h)) => format!(
                "{} – {}",
                number_cell(l, fmt).html,
                number_cell(h, fmt).html
            ),
            _ => DASH.to_string(),
        };
        let _ = write!(cells, "<td class=\"num\">{ci}</td>");
        for x in spread {
            cells += &td(&figure(x), "");
        }
        let _ = write!(
            body,
            "<tr><th scope=\"row\">{}</th>{cells}</tr>",
            esc(&label)
        );
    };
    row(
        "Availability [%] (mean over workloads)".into(),
        &r.availability,
        spread(&|x| Some(x.availability)),
        Fmt::Pct,
    );
    row(
        "Unmet work [core-h]".into(),
        &r.unmet_core_hours,
        spread(&|x| Some(x.unmet_core_hours)),
        Fmt::Dec(2),
    );
    for (k, p) in r.packages.iter().enumerate() {
        row(
            format!("{}: availability [%]", p.name),
            &p.availability,
            spread(&|x| x.package_availability.get(k).copied()),
            Fmt::Pct,
        );
        row(
            format!("{}: failovers", p.name),
            &p.failovers,
            spread(&|x| x.package_failovers.get(k).map(|&n| f64::from(n))),
            Fmt::Dec(2),
        );
    }
    let cols = [
        head("Figure", Fmt::Text),
        sub_head("Over the replicas", "mean", Fmt::Dec(2)),
        sub_head("Over the replicas", "95 % CI of the mean", Fmt::Dec(2)),
        sub_head("One replica", "min", Fmt::Dec(2)),
        sub_head("One replica", "median", Fmt::Dec(2)),
        sub_head("One replica", "max", Fmt::Dec(2)),
    ];
    format!(
        "<p>{} replicas of the random failures (each drawn from the scenario's seed {} and \
         its number; demand the same in all).</p>{}<p class=\"note\">The interval is the \
         mean's (Student's t, N − 1 degrees of freedom): where the mean of many more months \
         would lie. Min, median and max are single replicas: what one month can bring. \
         replicas.json has every replica.</p>",
        group_thousands(&r.replicas.to_string()),
        r.seed,
        table_html(&cols, &body, "")
    )
}

// ---------------------------------------------------------------------------------------------
// Datacenter view

/// Workload rows listed under one node of the datacenter tree. Past it the node lists its
/// first ones in scenario order and a "… and N more" line, which says how many of the rest
/// were over the limit at times; every workload stays in the Workloads table. Cutting, not
/// folding, is what keeps a page with a 10,000-workload node small: folded rows still weigh
/// ~300 bytes each.
const TREE_WORKLOADS: usize = 50;

/// Rows the datacenter tree shows unfolded: a scenario of 1,000 VMs opens on its servers,
/// with the top offenders named above, instead of a wall of rows.
const TREE_OPEN_ROWS: usize = 20;

/// The partition tree as HP's Virtualization Manager drew it: servers ▸ nPars ▸ vPars and
/// VMs ▸ resource partitions ▸ workloads, each row with its allocation, a utilization bar
/// against the limit, its verdict and (servers) its licensing. Every level folds with
/// `<details>`, open at first, so it needs no script and prints unfolded.
///
/// Above [`COLLAPSE_ROWS`] workloads in all, a node lists only its workloads that were over
/// the limit, folded behind a line that counts them; a node without one says so in a line.
/// The tree then stays about the nodes (the scale scenario's 1,375 partitions and 10,000
/// workloads give ~0.5 MB of tree instead of ~4 MB) and the page opens on them, as the
/// Workloads table folds at the same size and keeps every workload.
fn datacenter(s: &Summary) -> String {
    if s.servers.is_empty() {
        return none("No servers.");
    }
    let nodes: Vec<&NodeReport> = s.servers.iter().chain(&s.partitions).collect();
    let workloads = s.workloads.as_slice();
    let tree = Tree::build(&nodes, workloads);
    let limit = fin(s.scenario.util_limit);
    let ctx = TreeCtx {
        limit,
        licensing: s
            .licensing
            .iter()
            .map(|l| (l.server.as_str(), l))
            .rev() // the first entry for a server wins
            .collect(),
        big: workloads.len() > COLLAPSE_ROWS,
        workloads,
        horizon_hours: Some(s.scenario.horizon_ms as f64)
            .filter(|&ms| ms > 0.0)
            .map(|ms| ms / 3_600_000.0),
    };
    let (class, style) = match limit {
        Some(l) => (
            "tree lim",
            format!(" style=\"--lim:{:.1}%\"", (l * 100.0).clamp(0.0, 100.0)),
        ),
        None => ("tree", String::new()),
    };
    let mut out = format!(
        "<div class=\"wide\"><div class=\"{class}\"{style}>\
         <div class=\"row head\"><span>Server ▸ partition ▸ workload</span>\
         <span class=\"al\">Allocation [cores]<br>mean / capacity</span>\
         <span>CPU utilization [%]<br>bar: mean, p99; line: limit {}</span>\
         <span>Verdict</span></div>",
        esc(&pct_or_dash(limit))
    );
    tree.render(&ctx, &mut out);
    out.push_str("</div></div>");
    if ctx.big {
        let _ = write!(
            out,
            "<p class=\"note\">With {} workloads the tree lists only those over the limit; \
             the Workloads table has them all.</p>",
            group_thousands(&workloads.len().to_string())
        );
    }
    out += "<p class=\"note\">Children in the order of summary.json; a workload's allocation is \
            the cores it used on average (served work ÷ horizon), its utilization is of its \
            partition. Verdict: every server and partition against what it can hold, on its \
            demand at the sizing percentile (stars for servers); an entity that exceeds names \
            its culprit on a second line. The bar is red when served utilization was above the \
            CPU limit for some of the time. A second line gives a server's cores and licensing, \
            and the p99 utilization of memory, disk and network where they are used.</p>";
    out
}

/// The nodes of servers[] and partitions[] linked by `parent`, and the workloads by
/// `partition`; indices into `nodes`.
struct Tree<'a> {
    nodes: Vec<&'a NodeReport>,
    roots: Vec<usize>,
    children: Vec<Vec<usize>>,
    /// Indices into the summary's workloads.
    workloads: Vec<Vec<usize>>,
    /// Workloads whose partition names no node: shown after the tree, not dropped.
    unplaced: Vec<usize>,
}

/// What the rows need beyond their own entry.
struct TreeCtx<'a> {
    /// `scenario.util_limit`, for entries without a time above the limit.
    limit: Option<f64>,
    licensing: HashMap<&'a str, &'a LicensingReport>,
    /// More than [`COLLAPSE_ROWS`] workloads in all: the tree lists only those over the
    /// limit.
    big: bool,
    horizon_hours: Option<f64>,
    workloads: &'a [WorkloadReport],
}

/// One step of the walk: open a node, or close the `<details>` of one.
enum Step {
    Open(usize),
    Close,
}

impl<'a> Tree<'a> {
    /// A parent must come before its child (summary.json lists nodes in preorder), so the
    /// links form a forest whatever the file holds; a node whose parent is not found earlier
    /// is a root.
    fn build(nodes: &[&'a NodeReport], workloads: &[WorkloadReport]) -> Self {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut roots = Vec::new();
        let mut children = vec![Vec::new(); nodes.len()];
        for (i, n) in nodes.iter().enumerate() {
            match n.parent.as_deref().and_then(|p| index.get(p)) {
                Some(&p) => children[p].push(i),
                None => roots.push(i),
            }
            index.entry(n.name.as_str()).or_insert(i);
        }
        let mut per_node = vec![Vec::new(); nodes.len()];
        let mut unplaced = Vec::new();
        for (w, workload) in workloads.iter().enumerate() {
            match index.get(workload.partition.as_str()) {
                Some(&i) => per_node[i].push(w),
                None => unplaced.push(w),
            }
        }
        Tree {
            nodes: nodes.to_vec(),
            roots,
            children,
            workloads: per_node,
            unplaced,
        }
    }

    /// Depth first with a stack of its own, so a hostile chain of thousands of nested
    /// partitions cannot overflow the call stack. A node opens while the rows it would show
    /// keep the unfolded tree within [`TREE_OPEN_ROWS`]; past that it starts folded.
    fn render(&self, ctx: &TreeCtx, out: &mut String) {
        let mut visible = self.roots.len();
        let mut stack: Vec<Step> = self.roots.iter().rev().map(|&i| Step::Open(i)).collect();
        while let Some(step) = stack.pop() {
            let i = match step {
                Step::Close => {
                    out.push_str("</div></details>");
                    continue;
                }
                Step::Open(i) => i,
            };
            let node = self.nodes[i];
            let is_server = node.parent.is_none() && node.kind == "server";
            let row = tree_row(Entry::Node(node, is_server), ctx);
            if self.children[i].is_empty() && self.workloads[i].is_empty() {
                let _ = write!(out, "<div class=\"row\">{row}</div>");
                continue;
            }
            let class = if is_server { " class=\"srv\"" } else { "" };
            let rows = self.children[i].len() + self.workloads[i].len().min(TREE_WORKLOADS);
            let open = if visible + rows <= TREE_OPEN_ROWS {
                visible += rows;
                " open"
            } else {
                ""
            };
            let _ = write!(
                out,
                "<details{open}{class}><summary class=\"row\">{row}</summary><div class=\"kids\">"
            );
            workload_rows(&self.workloads[i], ctx, out);
            stack.push(Step::Close);
            stack.extend(self.children[i].iter().rev().map(|&c| Step::Open(c)));
        }
        if !self.unplaced.is_empty() {
            out.push_str(
                "<details open><summary class=\"row\"><span class=\"nm\">\
                 Workloads on no node above</span></summary><div class=\"kids\">",
            );
            workload_rows(&self.unplaced, ctx, out);
            out.push_str("</div></details>");
        }
    }
}

/// A node's workloads: the first [`TREE_WORKLOADS`] in scenario order and a line for the
/// rest. In a large scenario ([`TreeCtx::big`]) only those over the limit are listed, folded
/// behind a line that counts them.
fn workload_rows(workloads: &[usize], ctx: &TreeCtx, out: &mut String) {
    let all = ctx.workloads;
    if workloads.is_empty() {
        return;
    }
    let is_over = |w: usize| over_limit(&all[w].usage, ctx.limit);
    let over: Vec<usize> = workloads.iter().copied().filter(|&w| is_over(w)).collect();
    if ctx.big && over.is_empty() {
        let _ = write!(
            out,
            "<div class=\"more\">{}, none over the limit: see the \
             <a href=\"#workloads\">Workloads</a> table.</div>",
            plural(workloads.len(), "workload")
        );
        return;
    }
    let listed = if ctx.big { &over } else { workloads };
    if ctx.big {
        let _ = write!(
            out,
            "<details class=\"wls\"><summary>{} · <span class=\"bad\">{} over the limit at \
             times</span></summary>",
            plural(workloads.len(), "workload"),
            group_thousands(&over.len().to_string())
        );
    }
    let shown = &listed[..listed.len().min(TREE_WORKLOADS)];
    for w in shown {
        let _ = write!(
            out,
            "<div class=\"row wl\">{}</div>",
            tree_row(Entry::Workload(&all[*w]), ctx)
        );
    }
    let rest = workloads.len() - shown.len();
    if rest > 0 {
        let rest_over = over.len() - shown.iter().filter(|&&w| is_over(w)).count();
        let _ = write!(
            out,
            "<div class=\"more\">… and {} more{}: all are in the \
             <a href=\"#workloads\">Workloads</a> table.</div>",
            group_thousands(&rest.to_string()),
            match rest_over {
                0 => ", none over the limit".to_string(),
                n => format!(
                    ", <span class=\"bad\">{} of them over the limit at times</span>",
                    group_thousands(&n.to_string())
                ),
            }
        );
    }
    if ctx.big {
        out.push_str("</details>");
    }
}

/// "1 workload", "8 workloads", "1,200 workloads".
fn plural(n: usize, noun: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {noun}{s}", group_thousands(&n.to_string()))
}

/// One row of the tree: a server or partition (and whether it is a server), or a workload.
#[derive(Clone, Copy)]
enum Entry<'a> {
    Node(&'a NodeReport, bool),
    Workload(&'a WorkloadReport),
}

/// The cells of one tree row: name and kind, allocation, utilization bar, verdict, and a
/// second line with licensing and the other resources when there is something to say.
fn tree_row(entry: Entry, ctx: &TreeCtx) -> String {
    let (name, usage) = match entry {
        Entry::Node(n, _) => (&n.name, &n.usage),
        Entry::Workload(w) => (&w.name, &w.usage),
    };
    let name = esc(name);
    let kind_name = match entry {
        Entry::Workload(_) => "workload".to_string(),
        Entry::Node(n, _) => esc(n.kind),
    };
    let allocation = match entry {
        Entry::Node(n, _) => format!(
            "{} / {}",
            esc(&dec_or_dash(fin(n.mean_allocation_cores), 2)),
            esc(&dec_or_dash(fin(n.capacity_cores), 2))
        ),
        Entry::Workload(w) => {
            let used = fin(w.usage.work.served_core_hours)
                .zip(ctx.horizon_hours)
                .map(|(h, horizon)| h / horizon);
            format!(
                "uses {}",
                esc(&used.map_or(DASH.to_string(), |u| fixed(u, 2)))
            )
        }
    };
    let verdict = match entry {
        Entry::Node(n, _) if n.verdict.is_some() => {
            let c = n.verdict.as_ref().map_or_else(Cell::dash, verdict_cell_of);
            format!("<span class=\"{}\">{}</span>", c.class, c.html)
        }
        Entry::Node(_, true) => format!("<span>{DASH}</span>"),
        _ => time_above_text(usage),
    };
    let mut extra = Vec::new();
    if let Entry::Node(n, is_server) = entry {
        if let Some(c) = &n.culprit {
            extra.push(format!("<span class=\"bad\">{}</span>", esc(&c.text)));
        }
        if is_server {
            extra.extend(
                ctx.licensing
                    .get(n.name.as_str())
                    .map(|l| licensing_state(l)),
            );
        }
    }
    extra.extend(other_resources(usage));
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!("<span class=\"x\">{}</span>", extra.join(" · "))
    };
    format!(
        "<span class=\"nm\"><strong>{name}</strong> <small>{kind_name}</small></span>\
         <span class=\"al\">{allocation}</span>{}{verdict}{extra}",
        cpu_meter(usage, ctx.limit)
    )
}

/// Over the CPU limit at some time: its time above the limit is positive; without that
/// figure (not finite), the p99 above `limit`.
fn over_limit(u: &Usage, limit: Option<f64>) -> bool {
    match fin(u.time_above_limit_share) {
        Some(share) => share > 0.0,
        None => {
            let p99 = fin(u.cpu_utilization.p99);
            matches!((p99, limit), (Some(p), Some(l)) if p > l)
        }
    }
}

/// The bar: mean utilization dark, lighter on to the p99 (the max without one), the limit a
/// line drawn by the stylesheet; red when over the limit at some time.
fn cpu_meter(usage: &Usage, limit: Option<f64>) -> String {
    let u = &usage.cpu_utilization;
    let Some(mean) = fin(u.mean) else {
        return format!("<span class=\"m\">{DASH}</span>");
    };
    let (label, high) = match (fin(u.p99), fin(u.max)) {
        (Some(p), _) => ("p99", Some(p)),
        (None, Some(m)) => ("max", Some(m)),
        (None, None) => ("p99", None),
    };
    let width = |x: f64| (x * 100.0).clamp(0.0, 100.0);
    let over = if over_limit(usage, limit) {
        " over"
    } else {
        ""
    };
    format!(
        "<span class=\"m\"><span class=\"bar{over}\" aria-hidden=\"true\">\
         <span class=\"p\" style=\"width:{:.1}%\"></span><span class=\"f\" style=\"width:{:.1}%\">\
         </span></span>mean {} · {label} {}</span>",
        width(high.unwrap_or(mean)),
        width(mean),
        esc(&pct(mean)),
        esc(&high.map_or(DASH.to_string(), pct)),
    )
}

/// A partition's or workload's verdict: how long it spent over the CPU limit.
fn time_above_text(u: &Usage) -> String {
    match fin(u.time_above_limit_share) {
        Some(share) if share > 0.0 => format!(
            "<span class=\"bad\">over limit {} % of the time</span>",
            esc(&pct(share))
        ),
        Some(_) => "<span class=\"ok\">ok</span>".to_string(),
        None => format!("<span>{DASH}</span>"),
    }
}

/// A server's cores and how they are paid for: installed, active (usage rights), inactive
/// iCAP (installed − rights), and TiCAP in use or pay per use.
fn licensing_state(l: &LicensingReport) -> String {
    let installed = f64::from(l.installed_cores);
    let rights = f64::from(l.rights);
    let ppu = l.pricing == "ppu";
    let mut parts = vec![
        format!("{} installed", esc(&fixed(installed, 0))),
        format!("{} active (usage rights)", esc(&fixed(rights, 0))),
    ];
    let inactive = fixed((installed - rights).max(0.0), 0);
    let what = if ppu { "inactive" } else { "inactive iCAP" };
    parts.push(format!("{} {what}", esc(&inactive)));
    if let Some(group) = &l.gicap_group {
        parts.push(format!("giCAP group {}", esc(group)));
    }
    match l.ticap.as_ref().and_then(|t| fin(t.used_core_minutes)) {
        Some(used) if used > 0.0 => parts.push(format!(
            "<span class=\"bad\">TiCAP in use: {} core-min</span>",
            esc(&fixed(used, 0))
        )),
        Some(_) => parts.push("TiCAP unused".to_string()),
        None => {}
    }
    if ppu {
        parts.push("pay per use (PPU)".to_string());
    }
    format!("cores: {}", parts.join(", "))
}

/// "p99: mem 47.0 % · disk 12.0 % · net 3.1 %" for the resources an entity has: memory
/// when used (a node given memory that no workload asks for would only say "0.0 %"), disk
/// and network when their capacity is known. Red when above its limit at some time.
fn other_resources(u: &Usage) -> Option<String> {
    let shown = |label: &str, util: Option<&Utilization>, above: Option<f64>| {
        let value = util.and_then(|u| fin(u.p99).or_else(|| fin(u.max)))?;
        let over = fin_opt(above).is_some_and(|s| s > 0.0);
        let text = format!("{label} {} %", esc(&pct(value)));
        Some(if over {
            format!("<span class=\"bad\">{text}</span>")
        } else {
            text
        })
    };
    let mut parts = Vec::new();
    let memory = &u.memory;
    if fin(memory.utilization.max).is_some_and(|m| m > 0.0) {
        parts.extend(shown(
            "mem",
            Some(&memory.utilization),
            Some(memory.time_above_limit_share),
        ));
    }
    for (label, io) in [("disk", &u.disk), ("net", &u.network)] {
        if fin_opt(io.capacity_mbps).is_some_and(|c| c > 0.0) {
            parts.extend(shown(
                label,
                io.utilization.as_ref(),
                io.time_above_limit_share,
            ));
        }
    }
    if parts.is_empty() {
        None
    } else {
        Some(format!("p99: {}", parts.join(" · ")))
    }
}

// ---------------------------------------------------------------------------------------------
// Planning

/// The planning answers: how many target servers a consolidation needs, what each server's
/// own licensing could do first (the advice), and per server, partition and resource how
/// long until the limit and what size would meet it.
fn planning(s: &Summary) -> Option<String> {
    fn with_plan(nodes: &[NodeReport]) -> Vec<(&NodeReport, &NodePlan)> {
        nodes
            .iter()
            .filter_map(|n| Some((n, n.planning.as_ref()?)))
            .collect()
    }
    let study = &s.planning;
    let (per_server, per_partition) = (with_plan(&s.servers), with_plan(&s.partitions));
    let mut out = study_line(study);
    out += &advice(study);
    if !per_server.is_empty() {
        out += &planning_table(&per_server, "Server");
    }
    if !per_partition.is_empty() {
        let table = planning_table(&per_partition, "Partition");
        if per_partition.len() > COLLAPSE_ROWS {
            let _ = write!(
                out,
                "<details><summary>Planning answers of all {} partitions</summary>{table}</details>",
                group_thousands(&per_partition.len().to_string())
            );
        } else {
            let _ = write!(out, "<h3>Partitions</h3>{table}");
        }
    }
    Some(out)
}

/// Servers whose advice is shown before the rest fold.
const ADVICE_SHOWN: usize = 20;

/// What each server's own licensing allows before another server is bought
/// (`planning.advice[].lines`): the first line as a heading, the options as a list. Servers
/// that fit with their partitions as they are say so in one line, after the others.
fn advice(study: &StudyPlan) -> String {
    let all = &study.advice;
    if all.is_empty() {
        return String::new();
    }
    let short = |a: &ServerAdvice| a.cores_short > 0 || !a.partitions.is_empty();
    let entry = |a: &ServerAdvice| -> String {
        let l: Vec<String> = a.lines.iter().map(|l| esc(l)).collect();
        match l.split_first() {
            Some((head, rest)) => format!(
                "<div class=\"advice\"><p>{head}</p>{}</div>",
                if rest.is_empty() {
                    String::new()
                } else {
                    format!("<ul><li>{}</li></ul>", rest.join("</li><li>"))
                }
            ),
            None => String::new(),
        }
    };
    let (needy, fine): (Vec<&ServerAdvice>, Vec<&ServerAdvice>) =
        all.iter().partition(|a| short(a));
    let mut out = String::from("<h3 id=\"advice\">Advice, before another server</h3>");
    for a in needy.iter().take(ADVICE_SHOWN) {
        out += &entry(a);
    }
    if needy.len() > ADVICE_SHOWN {
        let rest: String = needy[ADVICE_SHOWN..].iter().map(|a| entry(a)).collect();
        let _ = write!(
            out,
            "<details><summary>{} more servers short of cores</summary>{rest}</details>",
            group_thousands(&(needy.len() - ADVICE_SHOWN).to_string())
        );
    }
    if !fine.is_empty() {
        let names: Vec<String> = fine.iter().map(|a| esc(&a.server)).collect();
        let shown = names.len().min(ADVICE_SHOWN);
        let _ = write!(
            out,
            "<p class=\"note\">Fit as partitioned: {}{}.</p>",
            names[..shown].join(", "),
            if names.len() > shown {
                format!(" and {} more", names.len() - shown)
            } else {
                String::new()
            }
        );
    }
    out.push_str(
        "<p class=\"note\">Cores needed follow the partitioning: fixed partitions each need \
         their own, a workload manager's compartments and VM guests or FSS groups share their \
         parent's; an nPar holds no more than its cells' cores. Prices are the scenario's.</p>",
    );
    out
}

/// "3 target servers of type sd-b needed over 365 days: cpu 3, memory 2 (disk, network:
/// not configured)."
fn study_line(p: &StudyPlan) -> String {
    let noun = if p.servers_needed == 1 {
        "target server"
    } else {
        "target servers"
    };
    let target = format!(" of type <strong>{}</strong>", esc(&p.target_server));
    let by = &p.by_resource;
    let mut counted = Vec::new();
    let mut unset = Vec::new();
    for (key, n) in [
        ("cpu", Some(by.cpu)),
        ("memory", by.memory),
        ("disk", by.disk),
        ("network", by.network),
    ] {
        match n {
            None => unset.push(key),
            Some(n) => counted.push(format!("{key} {n}")),
        }
    }
    let over = fin(p.horizon_days)
        .map(|d| format!(" over {} days", esc(&fixed(d, 0))))
        .unwrap_or_default();
    let mut line = format!(
        "<p class=\"desc\"><strong>{}</strong> {noun}{target} needed{over}",
        esc(&fixed(f64::from(p.servers_needed), 0)),
    );
    if !counted.is_empty() {
        let _ = write!(line, ": {}", counted.join(", "));
    }
    if !unset.is_empty() {
        let _ = write!(line, " ({}: not configured)", unset.join(", "));
    }
    line.push_str(".</p><p class=\"note\">The count is the largest over the resources.</p>");
    line
}

/// One row per entity and resource; a resource not configured (null) reads so for a
/// server, and is left out for a partition (most have only CPU of their own).
fn planning_table(per_node: &[(&NodeReport, &NodePlan)], entity: &str) -> String {
    let servers = entity == "Server";
    let cols = [
        head(entity, Fmt::Text),
        head("Resource", Fmt::Text),
        head("Unit", Fmt::Text),
        head("Capacity", Fmt::Dec(1)),
        head("Limit [%]", Fmt::Pct),
        sub_head("Demand", "now", Fmt::Dec(1)),
        sub_head("Demand", "at the horizon", Fmt::Dec(1)),
        head("Growth [%/year]", Fmt::Text),
        head("Time remaining [days] (95 % CI)", Fmt::Dec(1)),
        head("Capacity remaining", Fmt::Signed(1)),
        head("Recommended size", Fmt::Dec(0)),
    ];
    let mut body = String::new();
    let mut horizons = Vec::new();
    for (node, p) in per_node {
        let server = esc(&node.name);
        if let Some(days) = fin(p.horizon_days) {
            let days = fixed(days, 0);
            if !horizons.contains(&days) {
                horizons.push(days);
            }
        }
        for (key, r) in p.resources() {
            let r = match r {
                Some(r) => r,
                None if !servers => continue,
                None => {
                    let _ = write!(
                        body,
                        "<tr><td>{server}</td><td>{key}</td>\
                         <td class=\"dash\" colspan=\"9\">not configured</td></tr>"
                    );
                    continue;
                }
            };
            // Cores are whole but for VM guests and FSS groups (hundredths).
            let whole = r.unit == "cores" && fin(r.recommended).is_none_or(|x| x.fract() == 0.0);
            let num = |v: Val, fmt: Fmt| td(&val_cell(v, fmt), "");
            let (low, high) = (
                fin_opt(r.time_remaining_days_ci95_low),
                fin_opt(r.time_remaining_days_ci95_high),
            );
            let interval = if low.is_some() || high.is_some() {
                let end = |d: Option<f64>| d.map_or_else(|| "beyond".into(), |d| fixed(d, 0));
                format!(" <small>({}–{})</small>", end(low), end(high))
            } else {
                String::new()
            };
            let remaining = match fin_opt(r.time_remaining_days) {
                None => format!("<td>beyond the horizon{interval}</td>"),
                Some(0.0) => "<td class=\"num bad\">0 (already over)</td>".to_string(),
                Some(d) => format!(
                    "<td class=\"num\">{}{interval}</td>",
                    number_cell(d, Fmt::Dec(1)).html
                ),
            };
            let _ = write!(
                body,
                "<tr><td>{server}</td><td>{key}</td>{}{}{}{}{}{}{remaining}{}{}</tr>",
                num(r.unit.into(), Fmt::Text),
                num(r.capacity.into(), Fmt::Dec(1)),
                num(r.limit.into(), Fmt::Pct),
                num(r.demand_now.into(), Fmt::Dec(1)),
                num(r.demand_at_horizon.into(), Fmt::Dec(1)),
                growth_cell(&r.growth),
                num(r.capacity_remaining.into(), Fmt::Signed(1)),
                num(r.recommended.into(), Fmt::Dec(if whole { 0 } else { 1 })),
            );
        }
    }
    let horizon = match horizons.as_slice() {
        [one] => format!("{one} days"),
        _ => "the planning horizon".to_string(),
    };
    format!(
        "{}<p class=\"note\">Demand at the horizon: grown over {horizon}. Growth: the rate the \
         forecast used, as given, or fitted to the daily demand at the sizing percentile \
         (growth = \"fit\": linear or compound, whichever fits better, with the rate's 95 % \
         interval and R²). Time remaining: days until the demand crosses limit × capacity, \
         with the interval a fitted rate's interval gives; 0 = already over; beyond the \
         horizon = not within {horizon}. Capacity remaining = limit × capacity − demand now, negative in \
         red. Recommended size: the capacity that meets the limit at the horizon (CPU in \
         whole cores; VM guests and FSS groups in hundredths).</p>",
        table_html(&cols, &body, "")
    )
}

/// A plan's growth: "+54.3 compound" for a given rate; a fitted one with its interval, R²
/// and days; why none was fitted.
fn growth_cell(g: &GrowthUsed) -> String {
    let pct = |x: f64| format!("{:+.1}", x * 100.0);
    let model = esc(g.model);
    let rate = fin(g.rate);
    let (low, high) = (fin_opt(g.rate_ci95_low), fin_opt(g.rate_ci95_high));
    match g.source {
        "unfitted" => format!(
            "<td class=\"list\">no trend: {}</td>",
            esc(g.note.unwrap_or(DASH))
        ),
        "fit" => format!(
            "<td class=\"list\"><strong>{} {model}</strong>, fitted: 95 % CI {} to {}, R² {}, \
             {} days{}</td>",
            rate.map_or(DASH.into(), pct),
            low.map_or(DASH.into(), pct),
            high.map_or(DASH.into(), pct),
            fin_opt(g.r_squared).map_or(DASH.into(), |r| fixed(r, 2)),
            esc(&g.days.map_or(DASH.to_string(), |d| d.to_string())),
            // An interval from a decline to a growth: the history shows no trend.
            match (low, high) {
                (Some(l), Some(h)) if l < 0.0 && h > 0.0 => "; <em>no clear trend</em>",
                _ => "",
            }
        ),
        source => format!(
            "<td class=\"num\">{} {model}{}</td>",
            rate.map_or(DASH.into(), pct),
            if source == "workloads" {
                " <small>(workloads, some fitted)</small>"
            } else {
                ""
            }
        ),
    }
}

/// The gWLM domains and the policy of each managed compartment; `None` when nothing is
/// managed.
fn gwlm(s: &Summary) -> Option<String> {
    let domains = &s.domains;
    let managed: Vec<&NodeReport> = s
        .servers
        .iter()
        .chain(&s.partitions)
        .filter(|n| n.policy.is_some())
        .collect();
    if domains.is_empty() && managed.is_empty() {
        return None;
    }
    let domain_cols: Vec<Col<DomainReport>> = vec![
        col("Domain", |d: &DomainReport| (&d.name).into(), Fmt::Text),
        col("Mode", |d: &DomainReport| d.mode.into(), Fmt::Text),
        col(
            "Interval",
            |d: &DomainReport| d.interval_ms.into(),
            Fmt::Duration,
        ),
        col(
            "Latency",
            |d: &DomainReport| d.latency_ms.into(),
            Fmt::Duration,
        ),
        col(
            "Compartments",
            |d: &DomainReport| (&d.compartments).into(),
            Fmt::List,
        ),
        col(
            "Arbitrations",
            |d: &DomainReport| d.arbitrations.into(),
            Fmt::Count,
        ),
        col(
            "Shortage [%\u{a0}time]",
            |d: &DomainReport| d.shortage_share.into(),
            Fmt::Pct,
        ),
    ];
    let policy_cols: Vec<Col<NodeReport>> = vec![
        col("Compartment", |n: &NodeReport| (&n.name).into(), Fmt::Text),
        col(
            "Domain",
            |n: &NodeReport| n.policy.as_ref().map(|p| p.domain.as_str()).into(),
            Fmt::Text,
        ),
        col(
            "Policy",
            |n: &NodeReport| n.policy.as_ref().map(|p| p.policy).into(),
            Fmt::Text,
        ),
        col(
            "Priority",
            |n: &NodeReport| n.policy.as_ref().map(|p| p.priority).into(),
            Fmt::Count,
        ),
        col(
            "Weight",
            |n: &NodeReport| n.policy.as_ref().map(|p| p.weight).into(),
            Fmt::Dec(2),
        ),
        col(
            "Reallocations",
            |n: &NodeReport| n.policy.as_ref().map(|p| p.reallocations).into(),
            Fmt::Count,
        ),
        col(
            "Changes decided",
            |n: &NodeReport| n.policy.as_ref().map(|p| p.changes_decided).into(),
            Fmt::Count,
        ),
        sub(
            INTERVALS,
            "at min",
            |n: &NodeReport| n.policy.as_ref().map(|p| p.time_at_min_share).into(),
            Fmt::Pct,
        ),
        sub(
            INTERVALS,
            "at max",
            |n: &NodeReport| n.policy.as_ref().map(|p| p.time_at_max_share).into(),
            Fmt::Pct,
        ),
        sub(
            INTERVALS,
            "request met",
            |n: &NodeReport| n.policy.as_ref().map(|p| p.request_met_share).into(),
            Fmt::Pct,
        ),
        col(
            "Mean decided [cores]",
            |n: &NodeReport| n.policy.as_ref().map(|p| p.mean_decided_cores).into(),
            Fmt::Dec(2),
        ),
    ];
    let mut out = String::new();
    if !domains.is_empty() {
        out += &format!("<h3>Domains</h3>{}", table(&domain_cols, domains, &[]));
    }
    if !managed.is_empty() {
        out += &format!(
            "<h3>Policies</h3>{}",
            table(&policy_cols, managed.iter().copied(), &[])
        );
        out += "<p class=\"note\">In advisory mode nothing is reallocated: “changes decided” \
                counts what the manager would have changed.</p>";
    }
    Some(out)
}

/// Serviceguard packages, failures and the N-1 check; `None` without clusters or failures.
fn ha(s: &Summary) -> Option<String> {
    let ha = s.ha.as_ref()?;
    let package_cols: Vec<Col<PackageReport>> = vec![
        col("Package", |p: &PackageReport| (&p.name).into(), Fmt::Text),
        col(
            "Cluster",
            |p: &PackageReport| (&p.cluster).into(),
            Fmt::Text,
        ),
        col(
            "Primary",
            |p: &PackageReport| (&p.primary).into(),
            Fmt::Text,
        ),
        col(
            "At end",
            |p: &PackageReport| (&p.node_at_end).into(),
            Fmt::Text,
        ),
        col(
            "State",
            |p: &PackageReport| p.state_at_end.into(),
            Fmt::Text,
        ),
        col(
            "Failovers",
            |p: &PackageReport| p.failovers.into(),
            Fmt::Count,
        ),
        col(
            "Failbacks",
            |p: &PackageReport| p.failbacks.into(),
            Fmt::Count,
        ),
        col("Halts", |p: &PackageReport| p.halts.into(), Fmt::Count),
        col(
            "Downtime",
            |p: &PackageReport| p.downtime_ms.into(),
            Fmt::Duration,
        ),
        col(
            "Availability",
            |p: &PackageReport| p.availability.into(),
            Fmt::Dec(5),
        ),
        sub(
            WORK,
            "delayed in outages",
            |p: &PackageReport| p.outage_delayed_core_hours.into(),
            Fmt::Dec(2),
        ),
        sub(
            WORK,
            "lost in outages",
            |p: &PackageReport| p.outage_lost_core_hours.into(),
            Fmt::Dec(2),
        ),
    ];
    let failure_cols: Vec<Col<FailureReport>> = vec![
        col("Target", |f: &FailureReport| (&f.target).into(), Fmt::Text),
        col("Kind", |f: &FailureReport| f.kind.into(), Fmt::Text),
        col("Timing", |f: &FailureReport| f.timing.into(), Fmt::Text),
        col("Outages", |f: &FailureReport| f.outages.into(), Fmt::Count),
        col("Down", |f: &FailureReport| f.down_ms.into(), Fmt::Duration),
        col(
            "Replaced by iCAP cores",
            |f: &FailureReport| f.replaced_by_icap.into(),
            Fmt::Count,
        ),
    ];
    let n1_cols: Vec<Col<NMinus1Report>> = vec![
        col("Node lost", |r: &NMinus1Report| (&r.node).into(), Fmt::Text),
        col(
            "Cluster",
            |r: &NMinus1Report| (&r.cluster).into(),
            Fmt::Text,
        ),
        col(
            "N-1 verdict",
            |r: &NMinus1Report| r.verdict.into(),
            Fmt::Text,
        ),
        col(
            "Servers exceeding",
            |r: &NMinus1Report| (&r.servers_exceeding).into(),
            Fmt::List,
        ),
        col(
            "Worst server",
            |r: &NMinus1Report| r.worst_server.as_deref().into(),
            Fmt::Text,
        ),
        col(
            "Worst peak [% of capacity]",
            |r: &NMinus1Report| r.worst_peak_utilization.into(),
            Fmt::Pct,
        ),
        col(
            "Unmet [core-h]",
            |r: &NMinus1Report| r.unmet_core_hours.into(),
            Fmt::Dec(2),
        ),
    ];
    let mut out = format!(
        "<p class=\"facts\">Availability {} (mean over workloads of the share of time each ran \
         on a node that was up).</p>",
        esc(&fin(ha.availability).map_or(DASH.to_string(), |a| format!("{a:.5}")))
    );
    if !ha.packages.is_empty() {
        out += &format!(
            "<h3>Packages</h3>{}",
            table(&package_cols, &ha.packages, &[])
        );
    }
    if !ha.failures.is_empty() {
        out += &format!(
            "<h3>Failures</h3>{}",
            table(&failure_cols, &ha.failures, &[])
        );
    }
    let n1 = ha.n_minus_1.as_deref().unwrap_or_default();
    if !n1.is_empty() {
        out += &format!(
            "<h3>N-1 check</h3><p class=\"note\">Each cluster node lost for the whole horizon: \
             its packages run on their adoptive nodes at every moment, the worst included.</p>{}",
            table(&n1_cols, n1, &[])
        );
    }
    Some(out)
}

/// WLM hosts and their service-level objectives; `None` without WLM.
fn wlm(s: &Summary) -> Option<String> {
    if s.wlm.is_empty() {
        return None;
    }
    let cols: Vec<Col<SloReport>> = vec![
        col("SLO", |o: &SloReport| (&o.name).into(), Fmt::Text),
        col("Group", |o: &SloReport| (&o.group).into(), Fmt::Text),
        col("Priority", |o: &SloReport| o.priority.into(), Fmt::Count),
        col("Goal", |o: &SloReport| o.goal.into(), Fmt::Text),
        col(
            "Active [%\u{a0}time]",
            |o: &SloReport| o.active_share.into(),
            Fmt::Pct,
        ),
        col(
            "Met [% of active time]",
            |o: &SloReport| o.met_share.into(),
            Fmt::Pct,
        ),
        col(
            "Group reallocations",
            |o: &SloReport| o.group_reallocations.into(),
            Fmt::Count,
        ),
    ];
    let out = s
        .wlm
        .iter()
        .map(|h| {
            format!(
                "<h3>WLM on {}</h3><p class=\"facts\">Interval {}, {} intervals.</p>{}",
                esc(&h.host),
                esc(&duration(h.interval_ms as f64)),
                esc(&fixed(h.intervals as f64, 0)),
                table(&cols, &h.slos, &[])
            )
        })
        .collect();
    Some(out)
}

/// Cost per server and in total, in the scenario's currency.
fn cost(s: &Summary) -> String {
    let cost = &s.cost;
    let currency = cost.currency.as_deref();
    let total = fin(cost.items.total).unwrap_or(0.0);
    if currency.is_none() && total == 0.0 {
        return none("No prices in the scenario: every cost is 0.");
    }
    let unit = format!("Cost [{}]", currency.unwrap_or("no currency given"));
    let mut cols: Vec<Col<ServerCost>> =
        vec![col("Server", |c: &ServerCost| (&c.name).into(), Fmt::Text)];
    cols.extend(COST_ITEMS.map(|(item, get)| sub(&unit, item, get, Fmt::Money)));
    cols.push(col(
        "Energy [kWh]",
        |c: &ServerCost| c.energy_kwh.into(),
        Fmt::Dec(1),
    ));
    let rows = &cost.servers;
    let sum = ServerCost {
        name: "All servers".into(),
        items: cost.items,
        energy_kwh: rows.iter().map(|r| r.energy_kwh).sum(),
    };
    format!(
        "{}<p class=\"note\">Over the simulated horizon: hardware amortized, TiCAP core-days \
         used, pay-per-use bills, software per active core, energy × PUE. A shared Global \
         Instant Capacity balance is in the total's TiCAP, not in any server's.</p>{}",
        table_with_total(&cols, rows, &sum),
        energy(s).unwrap_or_default()
    )
}

/// Energy and carbon per server (summary.json `energy`); `None` when no server has a power
/// model.
fn energy(s: &Summary) -> Option<String> {
    let e = &s.energy;
    let rows: Vec<&ServerEnergy> = e
        .servers
        .iter()
        .filter(|r| fin_opt(r.it_kwh).is_some())
        .collect();
    if rows.is_empty() {
        return None;
    }
    let cols: Vec<Col<ServerEnergy>> = vec![
        col("Server", |r: &ServerEnergy| (&r.name).into(), Fmt::Text),
        col(
            "IT energy [kWh]",
            |r: &ServerEnergy| r.it_kwh.into(),
            Fmt::Dec(1),
        ),
        col(
            "Facility energy [kWh]",
            |r: &ServerEnergy| r.facility_kwh.into(),
            Fmt::Dec(1),
        ),
        col("CO2 [kg]", |r: &ServerEnergy| r.co2_kg.into(), Fmt::Dec(1)),
    ];
    let sum = ServerEnergy {
        name: "All servers".into(),
        it_kwh: Some(e.it_kwh),
        facility_kwh: Some(e.facility_kwh),
        co2_kg: e.co2_kg,
        standby_hours: None,
        wakeups: None,
        waking_hours: None,
        standby_saved_kwh: None,
        npars: None,
    };
    let pue = fin(e.pue).unwrap_or(1.0);
    let grid = match (
        e.carbon_intensity_source,
        fin_opt(e.carbon_intensity_mean_g_per_kwh),
    ) {
        (Some(src), Some(g)) => format!(
            "the grid's carbon intensity ({src}) averaged {g:.0} gCO2/kWh over the horizon; \
             CO2 = IT kWh × PUE × intensity, hour by hour with a trace"
        ),
        _ => "no carbon intensity given (<code>[energy] carbon_intensity</code>): no CO2".into(),
    };
    let without = e.servers_without_power_model.len();
    let note = if without > 0 {
        format!(" {without} server(s) without a power model count for nothing here.")
    } else {
        String::new()
    };
    Some(format!(
        "<h3>Energy and carbon</h3>{}<p class=\"note\">PUE {pue}; {}.{}</p>",
        table_with_total(&cols, rows.iter().copied(), &sum),
        esc(&grid)
            .replace("&lt;code&gt;", "<code>")
            .replace("&lt;/code&gt;", "</code>"),
        note
    ))
}

/// Usage rights, TiCAP balances, pay-per-use bills and giCAP groups; `None` when the summary
/// has none.
fn licensing(s: &Summary) -> Option<String> {
    let rows = &s.licensing;
    let groups = &s.gicap;
    if rows.is_empty() && groups.is_empty() {
        return None;
    }
    let mut out = String::new();
    if !rows.is_empty() {
        out += &table(&licensing_cols(), rows, &[]);
    }
    let currency = s.cost.currency.as_deref();
    for r in rows {
        if let Some(ppu) = &r.ppu {
            out += &ppu_bills(&r.server, ppu, currency);
        }
    }
    if !groups.is_empty() {
        out += &format!(
            "<h3>Global Instant Capacity groups</h3>{}",
            table(&gicap_cols(), groups, &[])
        );
    }
    Some(out)
}

fn licensing_cols() -> Vec<Col<LicensingReport>> {
    let mut cols: Vec<Col<LicensingReport>> = vec![
        col(
            "Server",
            |l: &LicensingReport| (&l.server).into(),
            Fmt::Text,
        ),
        col(
            "giCAP group",
            |l: &LicensingReport| l.gicap_group.as_deref().into(),
            Fmt::Text,
        ),
        col("Pricing", |l: &LicensingReport| l.pricing.into(), Fmt::Text),
        sub(
            "Cores",
            "installed",
            |l: &LicensingReport| l.installed_cores.into(),
            Fmt::Count,
        ),
        sub(
            "Cores",
            "rights",
            |l: &LicensingReport| l.rights.into(),
            Fmt::Count,
        ),
        sub(
            "Cores",
            "bought",
            |l: &LicensingReport| l.rights_bought.into(),
            Fmt::Count,
        ),
        col(
            "Active [core-h]",
            |l: &LicensingReport| l.active_core_hours.into(),
            Fmt::Dec(1),
        ),
    ];
    cols.extend(ticap_cols());
    cols.push(sub(
        TICAP,
        "first warning after",
        |l: &LicensingReport| {
            l.ticap
                .as_ref()
                .and_then(|t| t.warnings.first())
                .map(|w| w.at_ms)
                .into()
        },
        Fmt::Duration,
    ));
    cols
}

fn gicap_cols() -> Vec<Col<GicapReport>> {
    let mut cols: Vec<Col<GicapReport>> = vec![
        col("Group", |g: &GicapReport| (&g.name).into(), Fmt::Text),
        col("Members", |g: &GicapReport| (&g.members).into(), Fmt::List),
        sub(
            "Cores",
            "rights",
            |g: &GicapReport| g.rights.into(),
            Fmt::Count,
        ),
        sub(
            "Cores",
            "sharing rights",
            |g: &GicapReport| g.sharing_rights.into(),
            Fmt::Count,
        ),
        col(
            "Active [core-h]",
            |g: &GicapReport| g.active_core_hours.into(),
            Fmt::Dec(1),
        ),
    ];
    cols.extend(ticap_cols());
    cols
}

/// A server's or a giCAP group's Temporary Instant Capacity balance.
trait HasTicap {
    fn ticap(&self) -> Option<&TicapReport>;
}

impl HasTicap for LicensingReport {
    fn ticap(&self) -> Option<&TicapReport> {
        self.ticap.as_ref()
    }
}

impl HasTicap for GicapReport {
    fn ticap(&self) -> Option<&TicapReport> {
        self.ticap.as_ref()
    }
}

/// A Temporary Instant Capacity balance: the same columns for a server and a giCAP group.
fn ticap_cols<T: HasTicap>() -> Vec<Col<T>> {
    vec![
        sub(
            TICAP_MIN,
            "initial",
            |r: &T| r.ticap().map(|t| t.initial_core_minutes).into(),
            Fmt::Dec(0),
        ),
        sub(
            TICAP_MIN,
            "used",
            |r: &T| r.ticap().map(|t| t.used_core_minutes).into(),
            Fmt::Dec(0),
        ),
        sub(
            TICAP_MIN,
            "left",
            |r: &T| r.ticap().map(|t| t.left_core_minutes).into(),
            Fmt::Signed(0),
        ),
        sub(
            TICAP,
            "days left [days]",
            |r: &T| r.ticap().and_then(|t| t.days_left_at_end).into(),
            Fmt::Dec(1),
        ),
        sub(
            TICAP,
            "exhausted after",
            |r: &T| r.ticap().and_then(|t| t.exhausted_at_ms).into(),
            Fmt::Duration,
        ),
    ]
}

/// One server's pay-per-use bills, one row per 30-day month.
fn ppu_bills(server: &str, ppu: &PpuReport, currency: Option<&str>) -> String {
    let unit = format!("Bill [{}]", currency.unwrap_or("no currency given"));
    let cols: Vec<Col<PpuBillReport>> = vec![
        col("Month", |b: &PpuBillReport| b.month.into(), Fmt::Count),
        col("Days", |b: &PpuBillReport| b.days.into(), Fmt::Count),
        col(
            "Billable [cores]",
            |b: &PpuBillReport| b.billable_cores.into(),
            Fmt::Dec(2),
        ),
        sub(
            &unit,
            "fixed",
            |b: &PpuBillReport| b.fixed.into(),
            Fmt::Dec(2),
        ),
        sub(
            &unit,
            "variable",
            |b: &PpuBillReport| b.variable.into(),
            Fmt::Dec(2),
        ),
        sub(
            &unit,
            "total",
            |b: &PpuBillReport| b.total.into(),
            Fmt::Dec(2),
        ),
    ];
    format!(
        "<h3>Pay per use on {} (metric: {})</h3>{}",
        esc(server),
        esc(ppu.metric),
        table(&cols, &ppu.bills, &[])
    )
}

// ---------------------------------------------------------------------------------------------
// Compare page

/// A row of the comparison: what, its key in compare.json's `rows[]`, what it reads from
/// each scenario, how shown.
struct CompareRow {
    label: &'static str,
    key: &'static str,
    get: Get<Column>,
    fmt: Fmt,
}

/// The comparison rows in parts, as compare.json holds them (docs/OUTPUT.md).
fn compare_rows() -> Vec<(&'static str, Vec<CompareRow>)> {
    let r = |label, key, get, fmt| CompareRow {
        label,
        key,
        get,
        fmt,
    };
    vec![
        (
            "Verdict",
            vec![
                r(
                    "Verdict",
                    "verdict",
                    |c: &Column| (&c.verdict).into(),
                    Fmt::Verdict,
                ),
                r(
                    "Culprit",
                    "culprit",
                    |c: &Column| c.culprit.as_ref().into(),
                    Fmt::Text,
                ),
                r(
                    "Servers and partitions",
                    "verdict_line",
                    |c: &Column| (&c.verdict_line).into(),
                    Fmt::Text,
                ),
                r(
                    "Partitions exceeding",
                    "partitions_exceeding",
                    |c: &Column| c.partitions_exceeding.into(),
                    Fmt::Count,
                ),
            ],
        ),
        (
            "Capacity and load",
            vec![
                r(
                    "Servers",
                    "servers",
                    |c: &Column| c.servers.into(),
                    Fmt::Count,
                ),
                r(
                    "Capacity [cores]",
                    "capacity_cores",
                    |c: &Column| c.capacity_cores.into(),
                    Fmt::Dec(2),
                ),
                r(
                    "Peak demand [cores]",
                    "peak_demand_cores",
                    |c: &Column| c.peak_demand_cores.into(),
                    Fmt::Dec(2),
                ),
                r(
                    "Served utilization [%]",
                    "mean_utilization",
                    |c: &Column| c.mean_utilization.into(),
                    Fmt::Pct,
                ),
                r(
                    "Servers needed (planning)",
                    "servers_needed",
                    |c: &Column| c.servers_needed.into(),
                    Fmt::Count,
                ),
                r(
                    "Soonest limit crossing [days]",
                    "time_remaining_days",
                    |c: &Column| c.time_remaining_days.into(),
                    Fmt::Dec(0),
                ),
            ],
        ),
        (
            "Work and service",
            vec![
                r(
                    "Demand [core-h]",
                    "demand_core_hours",
                    |c: &Column| c.demand_core_hours.into(),
                    Fmt::Dec(1),
                ),
                r(
                    "Delayed [core-h]",
                    "delayed_core_hours",
                    |c: &Column| c.delayed_core_hours.into(),
                    Fmt::Dec(1),
                ),
                r(
                    "Unmet [core-h]",
                    "unmet_core_hours",
                    |c: &Column| c.unmet_core_hours.into(),
                    Fmt::Dec(1),
                ),
                r(
                    "Worst SLA met [%\u{a0}time]",
                    "worst_sla_met_share",
                    |c: &Column| c.worst_sla_met_share.into(),
                    Fmt::Pct,
                ),
                r(
                    "Worst-served workload",
                    "worst_workload",
                    |c: &Column| c.worst_workload.as_ref().into(),
                    Fmt::Text,
                ),
            ],
        ),
        (
            "Cost over the horizon",
            vec![
                r(
                    "Hardware",
                    "cost/hardware",
                    |c: &Column| c.cost.items.hardware.into(),
                    Fmt::Money,
                ),
                r(
                    "Core rights",
                    "cost/core_rights",
                    |c: &Column| c.cost.items.core_rights.into(),
                    Fmt::Money,
                ),
                r(
                    "TiCAP",
                    "cost/ticap",
                    |c: &Column| c.cost.items.ticap.into(),
                    Fmt::Money,
                ),
                r(
                    "Pay per use",
                    "cost/ppu",
                    |c: &Column| c.cost.items.ppu.into(),
                    Fmt::Money,
                ),
                r(
                    "Software",
                    "cost/software",
                    |c: &Column| c.cost.items.software.into(),
                    Fmt::Money,
                ),
                r(
                    "Energy",
                    "cost/energy",
                    |c: &Column| c.cost.items.energy.into(),
                    Fmt::Money,
                ),
                r(
                    "Total",
                    "cost/total",
                    |c: &Column| c.cost.items.total.into(),
                    Fmt::Money,
                ),
            ],
        ),
    ]
}

/// The comparison's energy and carbon per scenario (compare.json's `facility_kwh` and
/// `co2_kg`), when one of them has a CO2 figure (`[energy] carbon_intensity`): a comparison
/// without carbon keeps its page byte for byte.
fn energy_rows(scenarios: &[Column]) -> Option<(&'static str, Vec<CompareRow>)> {
    scenarios
        .iter()
        .any(|s| fin_opt(s.co2_kg).is_some())
        .then(|| {
            (
                "Energy and carbon",
                vec![
                    CompareRow {
                        label: "Facility energy [kWh]",
                        key: "facility_kwh",
                        get: |c: &Column| c.facility_kwh.into(),
                        fmt: Fmt::Dec(1),
                    },
                    CompareRow {
                        label: "CO2 [kg]",
                        key: "co2_kg",
                        get: |c: &Column| c.co2_kg.into(),
                        fmt: Fmt::Dec(1),
                    },
                ],
            )
        })
}

/// The change against the first scenario under a value: "−8.00 (−50.0 %)"; nothing for the
/// first scenario or where compare.json gives none.
fn delta_note(row: Option<&CompareMarks>, i: usize, fmt: Fmt) -> String {
    let at = |xs: fn(&CompareMarks) -> &[Option<f64>]| {
        row.and_then(|r| xs(r).get(i).copied().flatten())
            .filter(|x| x.is_finite())
    };
    let Some(d) = at(|r| &r.delta) else {
        return String::new();
    };
    let shown = match fmt {
        Fmt::Pct => format!("{:+.1} pt", d * 100.0),
        Fmt::Count => format!("{d:+.0}"),
        Fmt::Dec(n) | Fmt::Signed(n) => format!("{d:+.n$}"),
        _ => format!("{d:+.2}"),
    };
    let pct = at(|r| &r.percent)
        .map(|p| format!(" ({p:+.1} %)"))
        .unwrap_or_default();
    format!(
        "<br><small class=\"delta\">{}{}</small>",
        esc(&shown.replace('-', "−")),
        esc(&pct.replace('-', "−"))
    )
}

/// Scenarios as columns, figures as rows: reading across a row compares them. Under each
/// value after the first, its change against the first; ✓ on the better value of a row
/// that has one (compare.json `rows[]`).
fn compare_table(scenarios: &[Column], marks: &HashMap<&str, &CompareMarks>) -> String {
    if scenarios.is_empty() {
        return none("No scenarios.");
    }
    let mut out = String::from("<div class=\"wide\"><table class=\"compare\"><thead><tr><th></th>");
    for s in scenarios {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(&s.name));
    }
    out.push_str("</tr></thead><tbody>");
    for (part, rows) in compare_rows().into_iter().chain(energy_rows(scenarios)) {
        let _ = write!(
            out,
            "<tr><th class=\"part\" colspan=\"{}\">{part}</th></tr>",
            scenarios.len() + 1
        );
        for row in rows {
            let class = if row.key == "cost/total" {
                " class=\"total\""
            } else {
                ""
            };
            let _ = write!(out, "<tr{class}><th scope=\"row\">{}</th>", esc(row.label));
            let marked = marks.get(row.key).copied();
            for (i, s) in scenarios.iter().enumerate() {
                let c = val_cell((row.get)(s), row.fmt);
                let mut html = match (row.fmt, s.cost.currency.as_deref()) {
                    (Fmt::Money, Some(cur)) if c.class != "dash" => {
                        format!("{} {}", c.html, esc(cur))
                    }
                    _ => c.html,
                };
                let best = marked.and_then(|r| r.best.get(i)).copied().unwrap_or(false);
                if best {
                    html.push_str(" <span class=\"best\" title=\"the better value\">✓</span>");
                }
                html += &delta_note(marked, i, row.fmt);
                let class = match (c.class, row.fmt) {
                    ("num", Fmt::Text) | ("", Fmt::Text) => "list",
                    (class, _) => class,
                };
                out += &td(&Cell { class, html }, "");
            }
            out.push_str("</tr>");
        }
    }
    out.push_str("</tbody></table></div>");
    out
}

// ---------------------------------------------------------------------------------------------
// Charts

/// The charts as figures with their titles; `None` without charts.
fn charts_html(charts: &[Chart]) -> io::Result<Option<String>> {
    if charts.is_empty() {
        return Ok(None);
    }
    let figures: io::Result<Vec<String>> = charts.iter().map(figure).collect();
    Ok(Some(figures?.concat()))
}

/// One chart, its SVG inlined: a `<img src=file>` would break the page once moved or
/// mailed, and the CSP forbids it anyway.
pub(crate) fn figure(chart: &Chart) -> io::Result<String> {
    let svg = std::fs::read_to_string(&chart.svg_path).map_err(|e| {
        io::Error::new(e.kind(), format!("chart {}: {e}", chart.svg_path.display()))
    })?;
    Ok(format!(
        "<figure><figcaption>{}</figcaption><div class=\"chart\">{}</div></figure>\n",
        esc(&chart.title),
        strip_prolog(&svg).trim_end()
    ))
}

/// The SVG without what may only start an XML document (byte-order mark, `<?xml …?>`,
/// doctype, leading comments): inside HTML an XML declaration is a bogus comment at best.
fn strip_prolog(svg: &str) -> &str {
    let mut rest = svg.trim_start_matches('\u{feff}').trim_start();
    loop {
        let end = if rest.starts_with("<?") {
            rest.find("?>").map(|i| i + 2)
        } else if rest.starts_with("<!--") {
            rest.find("-->").map(|i| i + 3)
        } else if rest.starts_with("<!") {
            rest.find('>').map(|i| i + 1)
        } else {
            None
        };
        match end {
            Some(end) => rest = rest[end..].trim_start(),
            None => return rest,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tables and cells

/// How a cell shows a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fmt {
    /// A string as it is (numbers as JSON writes them).
    Text,
    /// A list of strings, comma-separated.
    List,
    /// A whole number with thousands separators.
    Count,
    /// A fixed number of decimals.
    Dec(usize),
    /// Like `Dec`, red when negative: headroom and balances.
    Signed(usize),
    /// A fraction shown as a percent with one decimal.
    Pct,
    /// Milliseconds as days, hours, minutes, seconds.
    Duration,
    /// Money: two decimals (the compare page adds the currency).
    Money,
    /// A `{status, stars}` verdict.
    Verdict,
}

impl Fmt {
    fn numeric(self) -> bool {
        !matches!(self, Fmt::Text | Fmt::List | Fmt::Verdict)
    }
}

/// What one cell of a run's table reads from its row: a typed field, so a field renamed in
/// the summary is a compile error here instead of a "—" on the page.
#[derive(Clone, Copy)]
enum Val<'a> {
    /// A figure the run could not give (null in summary.json): "—".
    Null,
    /// A number; one that is not finite is written as null, and shows as "—" like one.
    Num(f64),
    Str(&'a str),
    List(&'a [String]),
    Verdict(&'a Verdict),
}

impl From<f64> for Val<'_> {
    fn from(x: f64) -> Self {
        Val::Num(x)
    }
}

impl From<u64> for Val<'_> {
    fn from(x: u64) -> Self {
        Val::Num(x as f64)
    }
}

impl From<u32> for Val<'_> {
    fn from(x: u32) -> Self {
        Val::Num(f64::from(x))
    }
}

impl From<usize> for Val<'_> {
    fn from(x: usize) -> Self {
        Val::Num(x as f64)
    }
}

impl<'a> From<&'a str> for Val<'a> {
    fn from(s: &'a str) -> Self {
        Val::Str(s)
    }
}

impl<'a> From<&'a String> for Val<'a> {
    fn from(s: &'a String) -> Self {
        Val::Str(s)
    }
}

impl<'a> From<&'a Vec<String>> for Val<'a> {
    fn from(l: &'a Vec<String>) -> Self {
        Val::List(l)
    }
}

impl<'a> From<&'a Verdict> for Val<'a> {
    fn from(v: &'a Verdict) -> Self {
        Val::Verdict(v)
    }
}

impl<'a, T: Into<Val<'a>>> From<Option<T>> for Val<'a> {
    fn from(x: Option<T>) -> Self {
        x.map_or(Val::Null, Into::into)
    }
}

/// What a column reads from a row of type `T`.
type Get<T> = fn(&T) -> Val<'_>;

/// A table column: an optional group head over it, its head, and what it reads from a row
/// of type `T`.
struct Col<T> {
    group: String,
    head: String,
    fmt: Fmt,
    get: Get<T>,
}

/// An ungrouped column.
fn col<T>(head: &str, get: Get<T>, fmt: Fmt) -> Col<T> {
    sub("", head, get, fmt)
}

/// A column under a group head.
fn sub<T>(group: &str, head: &str, get: Get<T>, fmt: Fmt) -> Col<T> {
    Col {
        group: group.to_string(),
        head: head.to_string(),
        fmt,
        get,
    }
}

/// The head of a column whose cells are written by hand.
fn head(head: &str, fmt: Fmt) -> Col<()> {
    sub_head("", head, fmt)
}

/// [`head`] under a group head.
fn sub_head(group: &str, head: &str, fmt: Fmt) -> Col<()> {
    sub(group, head, |_| Val::Null, fmt)
}

/// A rendered cell: its class (alignment, colour) and escaped HTML.
struct Cell {
    class: &'static str,
    html: String,
}

impl Cell {
    /// What a missing, null or unusable value shows.
    fn dash() -> Cell {
        Cell {
            class: "dash",
            html: DASH.to_string(),
        }
    }
}

fn table<'a, T: 'a>(
    cols: &[Col<T>],
    rows: impl IntoIterator<Item = &'a T>,
    indents: &[usize],
) -> String {
    let body: String = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| row_html(cols, r, indents.get(i).copied().unwrap_or(0)))
        .collect();
    table_html(cols, &body, "")
}

/// A table whose last row, set apart, is the total.
fn table_with_total<'a, T: 'a>(
    cols: &[Col<T>],
    rows: impl IntoIterator<Item = &'a T>,
    total: &T,
) -> String {
    let body: String = rows.into_iter().map(|r| row_html(cols, r, 0)).collect();
    table_html(cols, &body, &row_html(cols, total, 0))
}

fn table_html<T>(cols: &[Col<T>], body: &str, foot: &str) -> String {
    let foot = if foot.is_empty() {
        String::new()
    } else {
        format!("<tfoot>{foot}</tfoot>")
    };
    format!(
        "<div class=\"wide\"><table>{}<tbody>{body}</tbody>{foot}</table></div>",
        thead(cols)
    )
}

/// The heads: one row, or two when columns are grouped (a group head spans its columns,
/// an ungrouped head spans both rows).
fn thead<T>(cols: &[Col<T>]) -> String {
    let th = |c: &Col<T>, attrs: &str| {
        let class = if c.fmt.numeric() {
            " class=\"num\""
        } else {
            ""
        };
        format!("<th scope=\"col\"{class}{attrs}>{}</th>", esc(&c.head))
    };
    if cols.iter().all(|c| c.group.is_empty()) {
        let heads: String = cols.iter().map(|c| th(c, "")).collect();
        return format!("<thead><tr>{heads}</tr></thead>");
    }
    let mut top = String::new();
    let mut i = 0;
    while i < cols.len() {
        let group = &cols[i].group;
        if group.is_empty() {
            top += &th(&cols[i], " rowspan=\"2\"");
            i += 1;
            continue;
        }
        let span = cols[i..].iter().take_while(|c| &c.group == group).count();
        let _ = write!(
            top,
            "<th scope=\"colgroup\" class=\"group\" colspan=\"{span}\">{}</th>",
            esc(group)
        );
        i += span;
    }
    let second: String = cols
        .iter()
        .filter(|c| !c.group.is_empty())
        .map(|c| th(c, ""))
        .collect();
    format!("<thead><tr>{top}</tr><tr>{second}</tr></thead>")
}

/// One row; the first cell indented `indent` levels (the partition tree).
fn row_html<T>(cols: &[Col<T>], row: &T, indent: usize) -> String {
    let mut out = String::from("<tr>");
    for (i, c) in cols.iter().enumerate() {
        let cell = val_cell((c.get)(row), c.fmt);
        let style = if i == 0 && indent > 0 {
            format!(
                " style=\"padding-left:{:.1}em\"",
                0.5 + 1.2 * indent.min(10) as f64
            )
        } else {
            String::new()
        };
        out += &td(&cell, &style);
    }
    out.push_str("</tr>");
    out
}

fn td(cell: &Cell, style: &str) -> String {
    if cell.class.is_empty() {
        format!("<td{style}>{}</td>", cell.html)
    } else {
        format!("<td class=\"{}\"{style}>{}</td>", cell.class, cell.html)
    }
}

/// A typed value as a cell: null (or a number that is not finite) is "—"; a list or verdict
/// in a column of another format is too.
fn val_cell(v: Val, fmt: Fmt) -> Cell {
    let class = if fmt.numeric() { "num" } else { "" };
    match v {
        Val::Null => Cell::dash(),
        Val::Num(x) if !x.is_finite() => Cell::dash(),
        Val::Verdict(v) if fmt == Fmt::Verdict => verdict_cell_of(v),
        Val::List(l) if fmt == Fmt::List => Cell {
            class: "list",
            html: esc(&l.join(", ")),
        },
        Val::Num(x) if fmt.numeric() => number_cell(x, fmt),
        Val::Num(x) => Cell {
            class,
            html: esc(&x.to_string()),
        },
        Val::List(_) | Val::Verdict(_) => Cell::dash(),
        Val::Str(s) => Cell {
            class,
            html: esc(s),
        },
    }
}

fn number_cell(x: f64, fmt: Fmt) -> Cell {
    let shown = match fmt {
        Fmt::Count => fixed(x, 0),
        Fmt::Dec(d) | Fmt::Signed(d) => fixed(x, d),
        Fmt::Money => fixed(x, 2),
        Fmt::Pct => pct(x),
        Fmt::Duration => duration(x),
        Fmt::Text | Fmt::List | Fmt::Verdict => x.to_string(),
    };
    let bad = matches!(fmt, Fmt::Signed(_)) && x < 0.0 && shown.starts_with('-');
    Cell {
        class: if bad { "num bad" } else { "num" },
        html: esc(&shown),
    }
}

/// A verdict in a table: stars and the status word, red when it exceeds.
fn verdict_cell_of(v: &Verdict) -> Cell {
    verdict_html(v.status, v.stars.map(u64::from))
}

fn verdict_html(status: &str, stars: Option<u64>) -> Cell {
    let class = match verdict_class(Some(status)) {
        "meets" => "v-meets",
        "exceeds" => "v-exceeds",
        _ => "",
    };
    Cell {
        class,
        html: format!(
            "<span class=\"stars\" aria-label=\"{}\">{}</span> {}",
            esc(&stars_label_of(stars)),
            stars_of_status(Some(status), stars),
            esc(status)
        ),
    }
}

/// The CSS class of a status; a fixed set, so nothing from the JSON reaches an attribute.
fn verdict_class(status: Option<&str>) -> &'static str {
    match status {
        Some("meets") => "meets",
        Some("exceeds") => "exceeds",
        _ => "nodata",
    }
}

/// Five stars, filled as many as the rating; five hollow ones when it exceeds (no rating);
/// none when there is nothing to rate.
fn stars_of_status(status: Option<&str>, stars: Option<u64>) -> String {
    match (stars, status) {
        (Some(n), _) => {
            let n = n.min(5) as usize;
            format!("{}{}", "★".repeat(n), "☆".repeat(5 - n))
        }
        (None, Some("exceeds")) => "☆".repeat(5),
        _ => String::new(),
    }
}

/// The stars in words, for screen readers.
fn stars_label_of(stars: Option<u64>) -> String {
    match stars {
        Some(n) => format!("{} of 5 stars", n.min(5)),
        None => "no stars".to_string(),
    }
}

fn none(message: &str) -> String {
    format!("<p class=\"none\">{}</p>", esc(message))
}

// ---------------------------------------------------------------------------------------------
// Numbers and text

/// A fraction as [`pct`], or "—" without one.
fn pct_or_dash(x: Option<f64>) -> String {
    x.map_or_else(|| DASH.to_string(), pct)
}

/// [`fixed`], or "—" without a figure.
fn dec_or_dash(x: Option<f64>, decimals: usize) -> String {
    x.map_or_else(|| DASH.to_string(), |x| fixed(x, decimals))
}

/// `x` with `decimals` decimals and thousands separators; never "-0.0".
pub(crate) fn fixed(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return DASH.to_string();
    }
    let digits = format!("{:.*}", decimals, x.abs());
    let (int, frac) = digits.split_once('.').unwrap_or((&digits, ""));
    let negative = x < 0.0 && digits.bytes().any(|b| (b'1'..=b'9').contains(&b));
    let sign = if negative { "-" } else { "" };
    let frac = if frac.is_empty() {
        String::new()
    } else {
        format!(".{frac}")
    };
    format!("{sign}{}{frac}", group_thousands(int))
}

/// "1234567" → "1,234,567".
pub(crate) fn group_thousands(int: &str) -> String {
    let len = int.len();
    let mut out = String::with_capacity(len + len / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (len - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A fraction as a percent with one decimal. A share just short of all, or just above none,
/// says so (">99.9", "<0.1") instead of rounding to a misleading "100.0" or "0.0": an SLA
/// met 99.97 % of the time was missed.
fn pct(x: f64) -> String {
    let p = x * 100.0;
    let shown = fixed(p, 1);
    if shown == "100.0" && p < 100.0 {
        ">99.9".to_string()
    } else if shown == "0.0" && p > 0.0 {
        "<0.1".to_string()
    } else {
        shown
    }
}

/// Milliseconds for people: the two largest units ("6h 45m", "2d 3h"), or ms under a second.
fn duration(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        return fixed(ms, 0);
    }
    if ms == 0.0 {
        return "0".to_string();
    }
    if ms < 1000.0 {
        return format!("{} ms", fixed(ms, 0));
    }
    let seconds = (ms / 1000.0) as u64;
    let units = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let amounts: Vec<(u64, &str)> = units
        .iter()
        .map(|&(size, unit)| ((seconds / size) % next_unit(size), unit))
        .collect();
    let first = amounts.iter().position(|&(n, _)| n > 0).unwrap_or(3);
    amounts[first..]
        .iter()
        .take(2)
        .filter(|&&(n, _)| n > 0)
        .map(|&(n, unit)| format!("{n}{unit}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// How many of a unit make the next larger one (days do not roll over).
fn next_unit(size: u64) -> u64 {
    match size {
        86_400 => u64::MAX,
        3_600 => 24,
        _ => 60,
    }
}

/// Text for HTML content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use std::sync::atomic::{AtomicU32, Ordering};

    /// The comparison shows CO2 per scenario only when one has a figure: 1,045.6 kg against
    /// 828.0 kg is a change of −217.6 kg, and the lower is marked; without carbon the table
    /// has no such part, so its page is what it was.
    /// A scenario's column of the comparison, all zero but its name.
    fn column(name: &str) -> Column {
        Column {
            name: name.into(),
            servers: 0,
            capacity_cores: 0.0,
            peak_demand_cores: 0.0,
            mean_utilization: 0.0,
            demand_core_hours: 0.0,
            unmet_core_hours: 0.0,
            delayed_core_hours: 0.0,
            verdict: Verdict {
                status: "no_data",
                stars: None,
            },
            verdict_line: String::new(),
            culprit: None,
            partitions: 0,
            partitions_exceeding: 0,
            servers_needed: 0,
            time_remaining_days: None,
            worst_sla_met_share: 1.0,
            worst_workload: None,
            cost: crate::report::compare::Cost {
                currency: None,
                items: Default::default(),
            },
            facility_kwh: 0.0,
            co2_kg: None,
            migrations: 0,
            migration_pause_s: 0.0,
            standby_hours: 0.0,
            slatah: None,
            pdm: None,
            slav: None,
        }
    }

    fn comparison(scenarios: Vec<Column>) -> Comparison {
        Comparison {
            scenarios,
            rows: Vec::new(),
        }
    }

    #[test]
    fn the_comparison_shows_carbon_only_when_a_scenario_has_it() {
        let with = |n: &str, kwh: f64, co2: Option<f64>| Column {
            facility_kwh: kwh,
            co2_kg: co2,
            ..column(n)
        };
        let (a, b) = (
            with("a", 2987.4, Some(1045.6)),
            with("b", 2365.6, Some(828.0)),
        );
        let marks = CompareMarks {
            key: "co2_kg",
            label: "CO2 [kg]",
            better: Some("lower"),
            values: vec![Some(1045.6), Some(828.0)],
            delta: vec![None, Some(-217.6)],
            percent: vec![None, Some(-20.8)],
            best: vec![false, true],
        };
        let m: HashMap<&str, &CompareMarks> = [("co2_kg", &marks)].into_iter().collect();
        let html = compare_table(&[a, b], &m);
        assert!(html.contains("Energy and carbon"), "{html}");
        assert!(
            html.contains("CO2 [kg]") && html.contains("1,045.6"),
            "{html}"
        );
        assert!(html.contains("class=\"best\""), "{html}");
        let html = compare_table(&[column("a"), column("b")], &HashMap::new());
        assert!(!html.contains("CO2"), "{html}");
    }

    // -----------------------------------------------------------------------------------------
    // Fixtures: a summary is written as the few fields a test is about, laid over a complete
    // summary whose figures are all zero (no demand, nothing judged), and read back through
    // `summary::parse`, as `vsesim plot` reads a file.

    fn util() -> Value {
        json!({"mean": 0.0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "p99_9": 0.0, "max": 0.0})
    }

    fn io_zero() -> Value {
        json!({"capacity_mbps": null, "peak_mbps": 0.0, "mean_mbps": 0.0, "utilization": null,
               "time_above_limit_share": null})
    }

    /// A flattened usage with no demand.
    fn usage_zero(into: &mut Value) {
        let usage = json!({
            "demand_core_hours": 0.0, "served_core_hours": 0.0, "delayed_core_hours": 0.0,
            "dropped_core_hours": 0.0, "backlog_core_hours": 0.0, "unmet_core_hours": 0.0,
            "cpu_utilization": util(), "peak_demand_cores": 0.0, "memory_peak_gb": 0.0,
            "time_above_limit_share": 0.0, "sla_met_share": 1.0, "longest_backlog_ms": 0,
            "memory": {"utilization": util(), "time_above_limit_share": 0.0},
            "disk": io_zero(), "network": io_zero()
        });
        for (k, v) in usage.as_object().unwrap() {
            into[k] = v.clone();
        }
    }

    fn node_zero() -> Value {
        let mut n = json!({
            "name": "", "kind": "vpar", "parent": null, "server": "", "cores": 0,
            "capacity_cores": 0.0, "mean_allocation_cores": 0.0, "memory_gb": 0.0,
            "disk_mbps": null, "network_mbps": null, "sizing_demand_cores": 0.0,
            "headroom_cores": 0.0, "demand_above_limit_share": 0.0, "entitlement_cores": null,
            "policy": null, "verdict": null, "culprit": null, "forecast": null, "planning": null
        });
        usage_zero(&mut n);
        n
    }

    fn growth_given() -> Value {
        json!({"source": "given", "rate": 0.0, "model": "compound", "rate_ci95_low": null,
               "rate_ci95_high": null, "r_squared": null, "days": null, "level_at_end": null,
               "note": null})
    }

    fn workload_zero() -> Value {
        let mut w = json!({"name": "", "partition": "", "on_shortfall": "delay",
                           "headroom_cores": 0.0, "availability": 1.0, "growth": growth_given()});
        usage_zero(&mut w);
        w
    }

    fn resource_plan() -> Value {
        json!({"unit": "cores", "capacity": 0.0, "limit": 0.85, "demand_now": 0.0,
               "demand_at_horizon": 0.0, "time_remaining_days": null,
               "time_remaining_days_ci95_low": null, "time_remaining_days_ci95_high": null,
               "growth": growth_given(), "capacity_remaining": 0.0, "recommended": 0.0})
    }

    fn ticap_zero() -> Value {
        json!({"initial_core_minutes": 0.0, "used_core_minutes": 0.0, "left_core_minutes": 0.0,
               "days_left_at_end": null, "exhausted_at_ms": null, "warnings": [], "blocks": 0,
               "price_per_block": 0.0, "price_per_core_day": 0.0, "expires_at_ms": null,
               "purchase_cost": 0.0, "usage_cost": 0.0, "used_from_blocks_core_minutes": 0.0,
               "lapsed_core_minutes": 0.0, "lapsed_value": 0.0, "left_value": 0.0})
    }

    fn licensing_zero() -> Value {
        json!({"server": "", "gicap_group": null, "pricing": "icap", "installed_cores": 0,
               "rights": 0, "rights_bought": 0, "active_core_hours": 0.0, "ticap": null,
               "ppu": null})
    }

    fn summary_zero() -> Value {
        json!({
            "format_version": crate::report::summary::FORMAT_VERSION,
            "scenario": {"name": "", "description": null, "seed": 0, "horizon_ms": 3_600_000,
                         "horizon": "1h", "util_limit": 0.85, "memory_limit": 0.85,
                         "disk_limit": 0.85, "network_limit": 0.85, "sizing_percentile": 100.0,
                         "interval_ms": 300_000, "start": null, "overrides": []},
            "events_processed": 0, "segments": 0,
            "totals": {"demand_core_hours": 0.0, "served_core_hours": 0.0,
                       "delayed_core_hours": 0.0, "dropped_core_hours": 0.0,
                       "backlog_core_hours": 0.0, "unmet_core_hours": 0.0},
            "verdict": {"status": "no_data", "stars": null, "line": "", "culprit": null,
                        "counts": []},
            "servers": [], "partitions": [], "workloads": [], "domains": [], "wlm": [],
            "cost": {"currency": null, "hardware": 0.0, "core_rights": 0.0, "ticap": 0.0,
                     "ppu": 0.0, "software": 0.0, "energy": 0.0, "total": 0.0, "servers": []},
            "energy": {"pue": 1.0, "carbon_intensity_source": null,
                       "carbon_intensity_mean_g_per_kwh": null, "it_kwh": 0.0,
                       "facility_kwh": 0.0, "co2_kg": null, "servers_without_power_model": [],
                       "servers": []},
            "licences": [], "licensing": [], "gicap": [], "ha": null,
            "planning": {"horizon_days": 365.0, "target_server": "t", "servers_needed": 1,
                         "by_resource": {"cpu": 1, "memory": null, "disk": null,
                                         "network": null},
                         "advice": []},
            "consolidation": []
        })
    }

    /// The complete value a `key` holds when a fixture gives part of it.
    fn zero_for(key: &str) -> Option<Value> {
        Some(match key {
            "servers" | "partitions" => node_zero(),
            "workloads" => workload_zero(),
            "licensing" => licensing_zero(),
            "ticap" => ticap_zero(),
            "verdict" => json!({"status": "no_data", "stars": null}),
            "forecast" => json!({"horizon_days": 1095.0, "cpu_limit_in_days": null,
                                 "memory_limit_in_days": null, "disk_limit_in_days": null,
                                 "network_limit_in_days": null}),
            "planning" => json!({"horizon_days": 365.0, "cpu": resource_plan(), "memory": null,
                                 "disk": null, "network": null}),
            "cpu" | "memory" | "disk" | "network" => resource_plan(),
            "utilization" => util(),
            _ => return None,
        })
    }

    /// `part` laid over `base`: objects field by field, an entity of a list over a zero one.
    fn lay(base: &mut Value, part: &Value) {
        let (Some(base), Some(part)) = (base.as_object_mut(), part.as_object()) else {
            *base = part.clone();
            return;
        };
        for (k, v) in part {
            let slot = base.entry(k.clone()).or_insert(Value::Null);
            match v {
                Value::Array(items)
                    if zero_for(k).is_some() && items.iter().all(Value::is_object) =>
                {
                    *slot = Value::Array(
                        items
                            .iter()
                            .map(|item| {
                                let mut full = zero_for(k).unwrap();
                                lay(&mut full, item);
                                full
                            })
                            .collect(),
                    );
                }
                Value::Object(_) if slot.is_null() => {
                    let mut full = zero_for(k).unwrap_or_else(|| json!({}));
                    lay(&mut full, v);
                    *slot = full;
                }
                Value::Object(_) => lay(slot, v),
                _ => *slot = v.clone(),
            }
        }
    }

    /// The typed summary of a fixture, read as `vsesim plot` reads summary.json.
    fn typed(part: &Value) -> Summary {
        let mut full = summary_zero();
        lay(&mut full, part);
        crate::report::summary::parse(&full.to_string())
            .unwrap_or_else(|e| panic!("fixture does not read: {e}\n{full:#}"))
    }

    fn render_run(part: &Value, charts: &[Chart]) -> Result<String, io::Error> {
        super::render_run(typed(part), charts)
    }

    fn scratch_file(name: &str, content: &str) -> PathBuf {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "vsesim-html-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    fn server(name: &str, verdict: Value) -> Value {
        json!({
            "name": name, "kind": "server", "parent": null, "server": name, "cores": 12,
            "capacity_cores": 12.0, "mean_allocation_cores": 9.5, "memory_gb": 256.0,
            "headroom_cores": -0.18, "sizing_demand_cores": 10.38,
            "verdict": verdict,
            "forecast": {"horizon_days": 1095.0, "cpu_limit_in_days": 0.0, "memory_limit_in_days": null},
            "cpu_utilization": {"mean": 0.3756, "p95": 0.6035, "p99": 0.6865, "max": 0.7658},
            "peak_demand_cores": 10.38, "memory_peak_gb": 120.0, "sla_met_share": 0.8524,
            "memory": {"utilization": {"mean": 0.46875, "p99": 0.46875, "max": 0.46875}}
        })
    }

    fn summary(name: &str, verdict: Value) -> Value {
        json!({
            "scenario": {"name": name, "description": "a <test> & more", "seed": 42,
                         "horizon": "14d", "util_limit": 0.85, "memory_limit": 0.85},
            "events_processed": 8065, "segments": 4032,
            "totals": {"demand_core_hours": 1533.6, "served_core_hours": 1514.48,
                       "delayed_core_hours": 38.7, "dropped_core_hours": 19.1,
                       "backlog_core_hours": 0.0, "unmet_core_hours": 19.1},
            "verdict": verdict.clone(),
            "servers": [server("sd-new", verdict)],
            "partitions": [
                {"name": "np", "kind": "npar", "parent": "sd-new", "server": "sd-new"},
                {"name": "vp", "kind": "vpar", "parent": "np", "server": "sd-new"}
            ],
            "workloads": [{"name": "oltp", "partition": "vp", "on_shortfall": "delay", "sla_met_share": 0.9997}]
        })
    }

    #[test]
    fn hostile_names_are_escaped_everywhere() {
        let evil = r#"<script>alert("x")</script> & 'co'"#;
        let mut s = summary(evil, json!({"status": "meets", "stars": 3}));
        s["servers"][0]["name"] = json!(evil);
        s["workloads"][0]["partition"] = json!("<img src=x onerror=alert(1)>");
        s["scenario"]["horizon"] = json!("\"><b>");
        let chart = Chart {
            title: "</figcaption><script>".into(),
            svg_path: scratch_file("c.svg", "<svg></svg>"),
        };
        let html = render_run(&s, &[chart]).unwrap();
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"));
        assert!(!html.contains("\"><b>"));
        assert!(
            html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;")
        );
        assert!(html.contains("<title>&lt;script&gt;"));
        let mut c = column(evil);
        c.worst_workload = Some("<i>".into());
        c.cost.currency = Some("<u>".into());
        c.cost.items.total = 1.0;
        let html = render_compare(&comparison(vec![c]), &[]).unwrap();
        assert!(!html.contains("<script") && !html.contains("<i>") && !html.contains("<u>"));
        assert_eq!(esc("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
    }

    #[test]
    fn the_banner_shows_the_verdicts_stars_and_word() {
        let banner = |v: Value| verdict_banner(&typed(&json!({"verdict": v})).verdict, 0.85, 0.85);
        let three = banner(json!({"status": "meets", "stars": 3}));
        assert!(three.contains(">★★★☆☆<"), "{three}");
        assert!(three.contains(">meets<") && three.contains("class=\"verdict meets\""));
        assert!(three.contains("by 50 %"));
        assert!(banner(json!({"status": "meets", "stars": 5})).contains(">★★★★★<"));
        assert!(banner(json!({"status": "meets", "stars": 1})).contains(">★☆☆☆☆<"));
        let exceeds = banner(json!({"status": "exceeds", "stars": null}));
        assert!(exceeds.contains("class=\"verdict exceeds\"") && exceeds.contains(">exceeds<"));
        assert!(exceeds.contains(">☆☆☆☆☆<") && !exceeds.contains('★'));
        let no_data = banner(json!({"status": "no_data", "stars": null}));
        assert!(no_data.contains("verdict nodata") && no_data.contains(">no_data<"));
        assert!(!no_data.contains('☆'));
        // The page carries the scenario's banner and each server's verdict in the datacenter
        // tree and in its table.
        let page = render_run(&summary("s", json!({"status": "meets", "stars": 4})), &[]).unwrap();
        assert!(page.contains("<span class=\"status\">meets</span>"));
        assert_eq!(
            page.matches("★★★★☆").count(),
            4,
            "banner, top offenders, tree and server row"
        );
    }

    /// A figure the run could not give shows "—": a null option (the memory forecast, a
    /// partition's entitlement) and a number that is not finite (summary.json writes it as
    /// null); a figure that is there never does.
    #[test]
    fn null_options_and_figures_that_are_not_finite_render_as_a_dash() {
        for fmt in [
            Fmt::Text,
            Fmt::Count,
            Fmt::Dec(1),
            Fmt::Pct,
            Fmt::Duration,
            Fmt::Verdict,
            Fmt::Money,
        ] {
            assert_eq!(val_cell(Val::Null, fmt).html, DASH);
            assert_eq!(val_cell(Val::Num(f64::NAN), fmt).html, DASH);
        }
        assert_eq!(val_cell(Val::Num(f64::INFINITY), Fmt::Dec(2)).class, "dash");
        let mut s = typed(&summary("s", json!({"status": "exceeds", "stars": null})));
        let row = |s: Summary| {
            let html = super::render_run(s, &[]).unwrap();
            section(&html, "servers")
                .split("<tbody>")
                .nth(1)
                .unwrap()
                .split("</tr>")
                .next()
                .unwrap()
                .to_string()
        };
        // In the server row: only the null memory forecast.
        let r = row(typed(&summary(
            "s",
            json!({"status": "exceeds", "stars": null}),
        )));
        assert_eq!(r.matches("<td class=\"dash\">—</td>").count(), 1, "{r}");
        assert!(r.contains("<td class=\"num bad\">-0.18</td>"), "{r}");
        // A headroom that is not a number: a dash, as summary.json would write it (null).
        s.servers[0].headroom_cores = f64::NAN;
        let r = row(s);
        assert_eq!(r.matches("<td class=\"dash\">—</td>").count(), 2, "{r}");
        assert!(!r.contains("-0.18"), "{r}");
    }

    #[test]
    fn charts_are_inlined_without_the_xml_declaration() {
        let svg = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- plotters -->\n\
                   <svg width=\"10\" height=\"10\" viewBox=\"0 0 10 10\" xmlns=\"http://www.w3.org/2000/svg\">\
                   <text>peak &amp; mean</text></svg>\n";
        let chart = Chart {
            title: "Utilization".into(),
            svg_path: scratch_file("u.svg", svg),
        };
        let html = render_run(
            &summary("s", json!({"status": "meets", "stars": 5})),
            std::slice::from_ref(&chart),
        )
        .unwrap();
        assert!(!html.contains("<?xml") && !html.contains("plotters -->"));
        assert!(html.contains(
            "<figcaption>Utilization</figcaption><div class=\"chart\"><svg width=\"10\" height=\"10\" \
             viewBox=\"0 0 10 10\" xmlns=\"http://www.w3.org/2000/svg\"><text>peak &amp; mean</text></svg></div>"
        ));
        assert!(html.contains("<a href=\"#charts\">Charts</a>"));
        assert!(
            render_compare(&comparison(Vec::new()), &[chart])
                .unwrap()
                .contains("<text>peak")
        );
        let missing = Chart {
            title: "x".into(),
            svg_path: "/nonexistent/x.svg".into(),
        };
        let err = render_run(&json!({}), &[missing]).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/x.svg"));
    }

    #[test]
    fn the_same_input_gives_the_same_bytes() {
        let s = summary("s", json!({"status": "meets", "stars": 2}));
        let chart = Chart {
            title: "c".into(),
            svg_path: scratch_file("d.svg", "<svg/>"),
        };
        let a = render_run(&s, std::slice::from_ref(&chart)).unwrap();
        assert_eq!(a, render_run(&s, &[chart]).unwrap());
        let cmp = comparison(vec![column("a"), column("b")]);
        assert_eq!(
            render_compare(&cmp, &[]).unwrap(),
            render_compare(&cmp, &[]).unwrap()
        );
    }

    #[test]
    fn the_page_is_self_contained() {
        let html = render_run(&summary("s", json!({"status": "meets", "stars": 2})), &[]).unwrap();
        assert!(html.contains(&format!(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
        )));
        assert!(!html.contains("<script") && !html.contains("<link") && !html.contains("src="));
    }

    #[test]
    fn many_workloads_fold_and_the_worst_stay_in_view() {
        let mut s = summary("s", json!({"status": "meets", "stars": 2}));
        let many: Vec<Value> = (0..COLLAPSE_ROWS + 1)
            .map(|i| json!({"name": format!("w{i}"), "sla_met_share": if i == 150 { 0.5 } else { 1.0 }}))
            .collect();
        s["workloads"] = Value::Array(many.clone());
        let html = render_run(&s, &[]).unwrap();
        assert!(html.contains("<details><summary>All 201 workloads</summary>"));
        let worst = html
            .split("lowest SLA met share")
            .nth(1)
            .unwrap()
            .split("<details>")
            .next()
            .unwrap();
        assert!(worst.starts_with("</h3>") && worst.contains(">w150<") && worst.contains(">50.0<"));
        s["workloads"] = Value::Array(many[..COLLAPSE_ROWS].to_vec());
        assert!(!render_run(&s, &[]).unwrap().contains("<details>"));
    }

    #[test]
    fn numbers_are_formatted_for_people() {
        assert_eq!(fixed(1533.6017, 1), "1,533.6");
        assert_eq!(fixed(-0.01, 1), "0.0");
        assert_eq!(fixed(-1234567.0, 0), "-1,234,567");
        assert_eq!(fixed(999.96, 1), "1,000.0");
        assert_eq!(pct(0.3756), "37.6");
        assert_eq!(pct(1.0), "100.0");
        assert_eq!(pct(0.99973), ">99.9");
        assert_eq!(pct(0.0001), "<0.1");
        assert_eq!(pct(0.0), "0.0");
        assert_eq!(duration(24_300_000.0), "6h 45m");
        assert_eq!(duration(322_832.0), "5m 22s");
        assert_eq!(duration(86_400_000.0 * 3.0 + 60_000.0), "3d");
        assert_eq!(duration(15_000.0), "15s");
        assert_eq!(duration(250.0), "250 ms");
        assert_eq!(duration(0.0), "0");
        let c = val_cell(Val::Num(-0.18), Fmt::Signed(2));
        assert_eq!((c.class, c.html.as_str()), ("num bad", "-0.18"));
        assert_eq!(val_cell(Val::Str("n/a"), Fmt::Pct).html, "n/a");
        let list = ["a".to_string(), "<b>".to_string()];
        assert_eq!(val_cell(Val::List(&list), Fmt::List).html, "a, &lt;b&gt;");
    }

    #[test]
    fn partitions_indent_by_depth() {
        let s = summary("s", json!({"status": "meets", "stars": 2}));
        let html = partitions(&typed(&s));
        assert!(html.contains("<td>np</td>"));
        assert!(html.contains("<td style=\"padding-left:1.7em\">vp</td>"));
    }

    #[test]
    fn the_compare_page_has_one_column_per_scenario() {
        let scenario = |name: &str, util: f64, status, stars, total: f64| {
            let mut c = column(name);
            c.mean_utilization = util;
            c.verdict = Verdict { status, stars };
            c.cost.currency = Some("USD".into());
            c.cost.items.total = total;
            c
        };
        let cmp = comparison(vec![
            scenario("fixed", 0.25, "meets", Some(5), 13785.244),
            scenario("ownborrow", 0.5, "exceeds", None, 6931.34),
        ]);
        let html = render_compare(&cmp, &[]).unwrap();
        assert!(html.contains("<th scope=\"col\">fixed</th><th scope=\"col\">ownborrow</th>"));
        assert!(html.contains("<td class=\"num\">25.0</td><td class=\"num\">50.0</td>"));
        assert!(html.contains("13,785.24 USD") && html.contains("6,931.34 USD"));
        assert!(html.contains("★★★★★</span> meets") && html.contains("class=\"v-exceeds\""));
    }

    /// The body of one `<section>` of a page.
    fn section<'a>(html: &'a str, id: &str) -> &'a str {
        let start = html
            .find(&format!("<section id=\"{id}\">"))
            .unwrap_or_else(|| panic!("no section {id}"));
        let len = html[start..].find("</section>").unwrap();
        &html[start..start + len]
    }

    /// How many `<details>` are open at the first occurrence of `needle`.
    fn details_depth(html: &str, needle: &str) -> usize {
        let at = html
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} missing"));
        html[..at].matches("<details").count() - html[..at].matches("</details>").count()
    }

    /// The demo's shape, small: server ▸ nPar ▸ vPar ▸ workload, with a second nPar after.
    fn tree_summary() -> Value {
        let mut s = summary("s", json!({"status": "meets", "stars": 3}));
        s["partitions"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "np2", "kind": "npar", "parent": "sd-new", "server": "sd-new"}));
        s["scenario"]["horizon_ms"] = json!(3_600_000 * 10);
        s["workloads"][0]["served_core_hours"] = json!(15.0);
        s
    }

    #[test]
    fn the_datacenter_tree_nests_workloads_in_partitions_in_servers() {
        let html = render_run(&tree_summary(), &[]).unwrap();
        assert!(html.contains("<a href=\"#datacenter\">Datacenter</a>"));
        let tree = section(&html, "datacenter");
        let at = |name: &str| tree.find(&format!("<strong>{name}</strong>")).unwrap();
        // Preorder: the server, its nPar, the vPar, the vPar's workload, then the next nPar.
        assert!(at("sd-new") < at("np") && at("np") < at("vp"));
        assert!(at("vp") < at("oltp") && at("oltp") < at("np2"));
        // Each level one <details> deeper; the workload is a row inside its vPar's.
        assert_eq!(details_depth(tree, "<strong>sd-new</strong>"), 1);
        assert_eq!(details_depth(tree, "<strong>np</strong>"), 2);
        assert_eq!(details_depth(tree, "<strong>vp</strong>"), 3);
        assert_eq!(details_depth(tree, "<strong>oltp</strong>"), 3);
        assert_eq!(
            details_depth(tree, "<strong>np2</strong>"),
            1,
            "np2 is back under the server"
        );
        assert!(
            tree.contains("<strong>np2</strong> <small>npar</small>"),
            "kind shown"
        );
        assert!(tree.contains("<strong>oltp</strong> <small>workload</small>"));
        // np2 has nothing under it: a plain row, not a fold.
        let np2 = &tree[..at("np2")];
        assert!(
            np2.ends_with("<div class=\"row\"><span class=\"nm\">"),
            "{np2}"
        );
        // Every fold is open, so the page prints unfolded; all are closed again.
        assert_eq!(tree.matches("<details open").count(), 3);
        assert_eq!(
            tree.matches("<details").count(),
            tree.matches("</details>").count()
        );
        // Allocation as mean / capacity; a workload's is what it used (15 core-h over 10 h).
        assert!(tree.contains("<span class=\"al\">9.50 / 12.00</span>"));
        assert!(tree.contains("<span class=\"al\">uses 1.50</span>"));
        // The bar: mean and p99 as widths and as text, the limit from the scenario.
        assert!(tree.contains("class=\"tree lim\" style=\"--lim:85.0%\""));
        assert!(tree.contains(
            "<span class=\"p\" style=\"width:68.7%\"></span><span class=\"f\" style=\"width:37.6%\">"
        ));
        assert!(tree.contains("mean 37.6 · p99 68.7"));
        // No usable limit (not a number): no line, and nothing is judged against a guess.
        let mut s = typed(&tree_summary());
        s.scenario.util_limit = f64::NAN;
        let html = super::render_run(s, &[]).unwrap();
        assert!(section(&html, "datacenter").contains("<div class=\"tree\">"));
    }

    #[test]
    fn the_tree_colours_what_is_over_the_limit() {
        let mut s = tree_summary();
        s["servers"][0]["verdict"] = json!({"status": "exceeds", "stars": null});
        s["partitions"][1]["time_above_limit_share"] = json!(0.0226);
        s["partitions"][1]["cpu_utilization"] = json!({"mean": 0.47, "p99": 0.89});
        s["partitions"][0]["time_above_limit_share"] = json!(0.0);
        let html = render_run(&s, &[]).unwrap();
        let tree = section(&html, "datacenter");
        let row = |name: &str| {
            let start = tree.find(&format!("<strong>{name}</strong>")).unwrap();
            let end = tree[start..].find("</summary>").unwrap();
            &tree[start..start + end]
        };
        assert!(
            row("sd-new").contains("<span class=\"v-exceeds\"><span class=\"stars\" aria-label=\"no stars\">☆☆☆☆☆</span> exceeds</span>"),
            "{}",
            row("sd-new")
        );
        assert!(row("vp").contains("class=\"bar over\""));
        assert!(row("vp").contains("<span class=\"bad\">over limit 2.3 % of the time</span>"));
        assert!(row("np").contains("<span class=\"ok\">ok</span>"));
        assert!(!row("np").contains("bar over"));
        // Without a time above the limit (not a number): the p99 against the limit decides.
        let mut old =
            typed(&json!({"workloads": [{"cpu_utilization": {"mean": 0.5, "p99": 0.9}}]}))
                .workloads
                .remove(0)
                .usage;
        old.time_above_limit_share = f64::NAN;
        assert!(cpu_meter(&old, Some(0.85)).contains("bar over"));
        assert!(!cpu_meter(&old, Some(0.95)).contains("bar over"));
        assert!(time_above_text(&old).contains(DASH));
    }

    #[test]
    fn the_tree_shows_each_servers_licensing_state() {
        let mut s = tree_summary();
        s["licensing"] = json!([{
            "server": "sd-new", "gicap_group": null, "pricing": "icap", "installed_cores": 8,
            "rights": 6, "rights_bought": 0, "active_core_hours": 100.0,
            "ticap": {"initial_core_minutes": 43200.0, "used_core_minutes": 30360.0,
                      "left_core_minutes": 12840.0}, "ppu": null
        }]);
        let html = render_run(&s, &[]).unwrap();
        let tree = section(&html, "datacenter");
        // 8 installed − 6 rights = 2 inactive iCAP cores.
        assert!(tree.contains(
            "cores: 8 installed, 6 active (usage rights), 2 inactive iCAP, \
             <span class=\"bad\">TiCAP in use: 30,360 core-min</span>"
        ));
        let licence = |l: Value| typed(&json!({"licensing": [l]})).licensing.remove(0);
        let unused = licence(
            json!({"installed_cores": 16, "rights": 12, "pricing": "icap",
                            "ticap": {"used_core_minutes": 0.0}}),
        );
        assert_eq!(
            licensing_state(&unused),
            "cores: 16 installed, 12 active (usage rights), 4 inactive iCAP, TiCAP unused"
        );
        let ppu = licence(
            json!({"installed_cores": 80, "rights": 60, "pricing": "ppu",
                         "gicap_group": "<g>", "ticap": null}),
        );
        assert_eq!(
            licensing_state(&ppu),
            "cores: 80 installed, 60 active (usage rights), 20 inactive, giCAP group &lt;g&gt;, \
             pay per use (PPU)"
        );
        // No licensing entry for the server: no line rather than a wrong one.
        s["licensing"] = json!([{"server": "other", "installed_cores": 1, "rights": 1}]);
        let html = render_run(&s, &[]).unwrap();
        assert!(!section(&html, "datacenter").contains("installed"));
    }

    #[test]
    fn the_tree_shows_memory_disk_and_network_where_used() {
        let mut s = tree_summary();
        s["partitions"][1]["disk"] = json!({"capacity_mbps": 400.0, "peak_mbps": 380.0,
            "mean_mbps": 100.0, "utilization": {"mean": 0.25, "p99": 0.9, "max": 0.95},
            "time_above_limit_share": 0.01});
        s["partitions"][1]["network"] = json!({"capacity_mbps": 1000.0, "peak_mbps": 50.0,
            "mean_mbps": 20.0, "utilization": {"mean": 0.02, "p99": 0.045, "max": 0.05},
            "time_above_limit_share": 0.0});
        s["partitions"][0]["network"] = json!({"capacity_mbps": null, "peak_mbps": 50.0,
            "mean_mbps": 20.0, "utilization": {"mean": 0.0, "max": 0.0},
            "time_above_limit_share": null});
        let html = render_run(&s, &[]).unwrap();
        let tree = section(&html, "datacenter");
        // The server's memory, the vPar's disk and net.
        assert!(tree.contains("<span class=\"x\">p99: mem 46.9 %</span>"));
        assert!(tree.contains(
            "<span class=\"x\">p99: <span class=\"bad\">disk 90.0 %</span> · net 4.5 %</span>"
        ));
        // The nPar's network has no capacity: nothing to say.
        let np = tree.split("<strong>np</strong>").nth(1).unwrap();
        assert!(!np.split("</summary>").next().unwrap().contains("net"));
    }

    #[test]
    fn names_in_the_tree_are_escaped() {
        let evil = "a<b&\"c";
        let mut s = tree_summary();
        s["partitions"][0]["name"] = json!(evil);
        s["partitions"][1]["parent"] = json!(evil);
        s["workloads"][0]["name"] = json!("<w>");
        let html = render_run(&s, &[]).unwrap();
        let tree = section(&html, "datacenter");
        assert!(tree.contains("<strong>a&lt;b&amp;&quot;c</strong> <small>npar</small>"));
        assert!(tree.contains("<strong>&lt;w&gt;</strong>"));
        assert!(!tree.contains(evil) && !tree.contains("<w>"));
        // A kind is one of the words vsesim writes, never text from the file.
        s["partitions"][0]["kind"] = json!("<k>");
        let mut full = summary_zero();
        lay(&mut full, &s);
        let err = crate::report::summary::parse(&full.to_string()).unwrap_err();
        assert!(err.contains("unknown word `<k>`"), "{err}");
        // The escaped name still links the vPar to its parent.
        assert_eq!(details_depth(tree, "<strong>vp</strong>"), 3);
    }

    #[test]
    fn a_node_lists_its_first_workloads_and_counts_the_rest() {
        let mut s = tree_summary();
        // 120 workloads in vp; three of those past the first 50 are over the limit.
        s["workloads"] = (0..120)
            .map(|i| {
                let over = if [60, 70, 119].contains(&i) { 0.1 } else { 0.0 };
                json!({"name": format!("w{i}"), "partition": "vp", "time_above_limit_share": over})
            })
            .collect();
        let html = render_run(&s, &[]).unwrap();
        let tree = section(&html, "datacenter");
        assert_eq!(
            tree.matches("<div class=\"row wl\">").count(),
            TREE_WORKLOADS
        );
        assert!(tree.contains("<strong>w49</strong>") && !tree.contains("<strong>w50</strong>"));
        assert!(tree.contains(
            "… and 70 more, <span class=\"bad\">3 of them over the limit at times</span>: all \
             are in the <a href=\"#workloads\">Workloads</a> table."
        ));
        // Exactly at the cap: no line.
        s["workloads"] = Value::Array(s["workloads"].as_array().unwrap()[..50].to_vec());
        let html = render_run(&s, &[]).unwrap();
        assert!(!section(&html, "datacenter").contains("more"));
    }

    #[test]
    fn a_large_scenario_lists_only_the_workloads_over_the_limit() {
        let mut s = tree_summary();
        // 201 workloads: 200 quiet ones in vp, and one over the limit in np2.
        let mut many: Vec<Value> = (0..COLLAPSE_ROWS)
            .map(|i| json!({"name": format!("w{i}"), "partition": "vp", "time_above_limit_share": 0.0}))
            .collect();
        many.push(json!({"name": "hot", "partition": "np2", "time_above_limit_share": 0.2}));
        s["workloads"] = Value::Array(many);
        let html = render_run(&s, &[]).unwrap();
        let tree = section(&html, "datacenter");
        assert_eq!(tree.matches("<div class=\"row wl\">").count(), 1);
        assert!(tree.contains(
            "<div class=\"more\">200 workloads, none over the limit: see the \
             <a href=\"#workloads\">Workloads</a> table.</div>"
        ));
        assert!(tree.contains(
            "<details class=\"wls\"><summary>1 workload · <span class=\"bad\">1 over the limit \
             at times</span></summary><div class=\"row wl\"><span class=\"nm\"><strong>hot</strong>"
        ));
    }

    #[test]
    fn odd_trees_still_render() {
        let mut s = tree_summary();
        // A parent named after its child, a workload on no node, a duplicate name.
        s["partitions"] = json!([
            {"name": "late", "kind": "vpar", "parent": "np"},
            {"name": "np", "kind": "npar", "parent": "sd-new"},
            {"name": "np", "kind": "npar", "parent": "sd-new"}
        ]);
        s["workloads"] =
            json!([{"name": "lost", "partition": "nowhere"}, {"name": "x", "partition": "np"}]);
        let html = render_run(&s, &[]).unwrap();
        let tree = section(&html, "datacenter");
        assert_eq!(
            details_depth(tree, "<strong>late</strong>"),
            0,
            "an orphan is a root"
        );
        assert_eq!(
            details_depth(tree, "<strong>x</strong>"),
            2,
            "the first np holds x"
        );
        assert_eq!(details_depth(tree, "<strong>lost</strong>"), 1);
        assert!(tree.contains("Workloads on no node above"));
        assert_eq!(
            tree.matches("<details").count(),
            tree.matches("</details>").count()
        );
        // A chain of 20,000 nested partitions: no stack overflow, every fold closed.
        s["workloads"] = json!([]);
        s["partitions"] = (0..20_000)
            .map(|i| {
                let parent = if i == 0 {
                    "sd-new".to_string()
                } else {
                    format!("p{}", i - 1)
                };
                json!({"name": format!("p{i}"), "kind": "vpar", "parent": parent})
            })
            .collect();
        let html = render_run(&s, &[]).unwrap();
        let tree = section(&html, "datacenter");
        assert_eq!(tree.matches("</details>").count(), 20_000);
        // No servers: a sentence, not an empty tree.
        let html = render_run(&json!({}), &[]).unwrap();
        assert!(section(&html, "datacenter").contains("No servers."));
    }

    fn planned(s: &mut Value) {
        s["planning"] = json!({"horizon_days": 365.0, "target_server": "sd-<b>",
            "servers_needed": 3, "by_resource": {"cpu": 3, "memory": 2, "disk": null, "network": null}});
        s["servers"][0]["planning"] = json!({
            "horizon_days": 365.0,
            "cpu": {"unit": "cores", "capacity": 16.0, "limit": 0.75, "demand_now": 7.1,
                    "demand_at_horizon": 9.3, "time_remaining_days": 420.5,
                    "capacity_remaining": 4.9, "recommended": 13.0},
            "memory": {"unit": "GiB", "capacity": 256.0, "limit": 0.85, "demand_now": 230.0,
                       "demand_at_horizon": 260.0, "time_remaining_days": null,
                       "capacity_remaining": -12.4, "recommended": 305.9},
            "disk": {"unit": "MB/s", "capacity": 400.0, "limit": 0.85, "demand_now": 400.0,
                     "demand_at_horizon": 500.0, "time_remaining_days": 0.0,
                     "capacity_remaining": -60.0, "recommended": 588.2},
            "network": null
        });
    }

    #[test]
    fn planning_answers_show_when_present() {
        let mut s = tree_summary();
        planned(&mut s);
        let html = render_run(&s, &[]).unwrap();
        assert!(html.contains("<a href=\"#planning\">Planning</a>"));
        let p = section(&html, "planning");
        assert!(p.contains(
            "<strong>3</strong> target servers of type <strong>sd-&lt;b&gt;</strong> needed over 365 days: cpu 3, \
             memory 2 (disk, network: not configured)."
        ));
        assert!(p.contains(
            "<tr><td>sd-new</td><td>cpu</td><td>cores</td><td class=\"num\">16.0</td>\
             <td class=\"num\">75.0</td><td class=\"num\">7.1</td><td class=\"num\">9.3</td>\
             <td class=\"num\">+0.0 compound</td>\
             <td class=\"num\">420.5</td><td class=\"num\">4.9</td><td class=\"num\">13</td></tr>"
        ));
        // Null time remaining: beyond the horizon; negative capacity remaining in red;
        // recommended sizes other than cores keep a decimal.
        assert!(p.contains(
            "<td>beyond the horizon</td><td class=\"num bad\">-12.4</td><td class=\"num\">305.9</td>"
        ));
        assert!(p.contains("<td class=\"num bad\">0 (already over)</td>"));
        assert!(p.contains(
            "<tr><td>sd-new</td><td>network</td><td class=\"dash\" colspan=\"9\">not configured</td></tr>"
        ));
        // A fitted rate: its interval, R² and days, and the time remaining's interval.
        let mut f = s.clone();
        f["servers"][0]["planning"]["cpu"]["growth"] = json!({"source": "fit", "model": "compound",
            "rate": 0.543, "rate_ci95_low": 0.367, "rate_ci95_high": 0.742, "r_squared": 0.47,
            "days": 60});
        f["servers"][0]["planning"]["cpu"]["time_remaining_days_ci95_low"] = json!(88.4);
        f["servers"][0]["planning"]["cpu"]["time_remaining_days_ci95_high"] = json!(null);
        let p = section(&render_run(&f, &[]).unwrap(), "planning").to_string();
        assert!(
            p.contains(
                "<strong>+54.3 compound</strong>, fitted: 95 % CI +36.7 to +74.2, R² 0.47, 60 days"
            ),
            "{p}"
        );
        assert!(p.contains("<td class=\"num\">420.5 <small>(88–beyond)</small></td>"));
        assert!(!p.contains("no clear trend"));
        // An interval from −10 % to +30 %: no clear trend, and the cell says so.
        f["servers"][0]["planning"]["cpu"]["growth"]["rate_ci95_low"] = json!(-0.1);
        let p = section(&render_run(&f, &[]).unwrap(), "planning").to_string();
        assert!(p.contains("60 days; <em>no clear trend</em></td>"), "{p}");
        f["servers"][0]["planning"]["cpu"]["growth"] = json!({"source": "unfitted",
            "note": "fewer than 7 whole days of history"});
        let p = section(&render_run(&f, &[]).unwrap(), "planning").to_string();
        assert!(p.contains("no trend: fewer than 7 whole days of history"));
        assert!(p.contains("grown over 365 days"));
        // The planning answers come before the detail tables.
        assert!(html.find("id=\"planning\"").unwrap() < html.find("id=\"servers\"").unwrap());
        // One server needed, no per-server answers: the study line alone.
        s["planning"]["servers_needed"] = json!(1);
        s["servers"][0]["planning"] = Value::Null;
        let html = render_run(&s, &[]).unwrap();
        let p = section(&html, "planning");
        assert!(p.contains("<strong>1</strong> target server of type") && !p.contains("<table"));
    }

    /// A large datacenter opens on its servers: past 20 rows the tree's nodes start folded,
    /// and the top offenders table names the partitions furthest over their limits, worst
    /// first.
    #[test]
    fn large_trees_fold_and_name_their_offenders() {
        let mut s = tree_summary();
        let vms: Vec<Value> = (0..30)
            .map(|i| {
                json!({"name": format!("vm{i:02}"), "kind": "vm", "parent": "np", "server": "sd-new",
                       "capacity_cores": 2.0, "sizing_demand_cores": f64::from(i) / 10.0,
                       "verdict": {"status": if i > 19 { "exceeds" } else { "meets" }, "stars": null}})
            })
            .collect();
        s["partitions"].as_array_mut().unwrap().extend(vms);
        let html = render_run(&s, &[]).unwrap();
        let tree = section(&html, "datacenter");
        // The server opens (its 2 nPars fit the budget); np, with 31 rows under it, does not.
        assert!(tree.contains("<details open class=\"srv\">"));
        let np = tree.find("<strong>np</strong>").unwrap();
        let np_details = &tree[..np].rfind("<details").map(|i| &tree[i..np]).unwrap();
        assert!(!np_details.starts_with("<details open"), "{np_details}");
        let off = section(&html, "offenders");
        // vm29: 2.9 of a 0.85 × 2 = 1.7-core limit, 171 %: the worst, first.
        let first = off
            .split("<tbody>")
            .nth(1)
            .unwrap()
            .split("</tr>")
            .next()
            .unwrap();
        assert!(
            first.contains("<td>vm29</td>") && first.contains("<td class=\"num bad\">171</td>"),
            "{first}"
        );
        assert!(
            off.contains("10 of 34 servers and partitions exceed"),
            "{off}"
        );
        let body = off
            .split("<tbody>")
            .nth(1)
            .unwrap()
            .split("</tbody>")
            .next()
            .unwrap();
        assert_eq!(body.matches("<tr>").count(), 10);
    }

    /// replicas.json becomes a table: the mean with its interval, and single replicas'
    /// spread (1 and 0.5: median of two is the lower).
    #[test]
    fn replicas_get_a_monte_carlo_section() {
        let r = json!({"scenario": "s", "seed": 11, "replicas": 2,
        "availability": {"mean": 0.99, "ci95_low": 0.98, "ci95_high": 1.0},
        "unmet_core_hours": {"mean": 1.5, "ci95_low": 0.5, "ci95_high": 2.5},
        "packages": [{"name": "pkg-db", "availability": {"mean": 0.75, "ci95_low": 0.5, "ci95_high": 1.0},
                      "failovers": {"mean": 0.5, "ci95_low": 0.0, "ci95_high": 1.0}}],
        "runs": [
            {"replica": 0, "availability": 1.0, "unmet_core_hours": 1.0, "outages": 0,
             "package_availability": [1.0], "package_failovers": [0]},
            {"replica": 1, "availability": 0.98, "unmet_core_hours": 2.0, "outages": 1,
             "package_availability": [0.5], "package_failovers": [1]}
        ]});
        let r: ReplicaReport = serde_json::from_value(r).unwrap();
        let extras = Extras {
            replicas: Some(&r),
            inputs_sha256: Some("abc123"),
        };
        let html = render_run_with(typed(&tree_summary()), &[], &extras).unwrap();
        let mc = section(&html, "montecarlo");
        assert!(mc.contains("2 replicas of the random failures"));
        assert!(mc.contains("<th scope=\"row\">pkg-db: availability [%]</th><td class=\"num\">75.0</td><td class=\"num\">50.0 – 100.0</td><td class=\"num\">50.0</td><td class=\"num\">50.0</td><td class=\"num\">100.0</td>"), "{mc}");
        assert!(html.contains("SHA-256 abc123"));
        assert!(
            !render_run(&tree_summary(), &[])
                .unwrap()
                .contains("id=\"montecarlo\"")
        );
    }

    /// What `--set` changed heads the page.
    #[test]
    fn overrides_head_the_page() {
        let mut s = tree_summary();
        s["scenario"]["overrides"] =
            json!([{"path": "partitions[name=vp-app].cores", "value": "4"}]);
        s["scenario"]["start"] = json!("2011-03-03");
        let html = render_run(&s, &[]).unwrap();
        assert!(html.contains(
            "What if (<code>--set</code>): <code>partitions[name=vp-app].cores = 4</code>"
        ));
        assert!(html.contains("from Thu Mar 3 2011"));
    }
}
