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
//! renamed or missing, so a figure never shows "—" because its field moved. The sections then
//! walk the summary's JSON tree by path (the column tables below), all of it but the
//! workloads, which become JSON one row at a time ([`Workloads`]); a value that is null shows
//! as "—" (a figure the run could not give, e.g. the utilization of an unconfigured disk).
//! Every text taken from the summary is escaped: names come from user scenarios.

use super::summary::Summary;
use serde_json::Value;
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
    pub replicas: Option<&'a Value>,
    /// run.json's `inputs.sha256`: one hash of everything that produced the run.
    pub inputs_sha256: Option<&'a str>,
}

/// The page of one run, from its summary.json and charts.
///
/// Fails only when a chart's SVG file cannot be read; an odd summary still gives a page.
pub fn render_run(summary: Summary, charts: &[Chart]) -> Result<String, io::Error> {
    render_run_with(summary, charts, &Extras::default())
}

/// [`render_run`] with the Monte Carlo section and the inputs' hash. The sections walk the
/// summary as a JSON tree, all of it but the workloads: those stay typed and each becomes a
/// JSON object only while its row is drawn, so a page of 10⁶ workloads never holds them
/// all as a tree (which took more memory than the run; docs/SCALING.md).
pub fn render_run_with(
    mut summary: Summary,
    charts: &[Chart],
    extras: &Extras,
) -> Result<String, io::Error> {
    let workloads = std::mem::take(&mut summary.workloads);
    let tree = serde_json::to_value(&summary).map_err(io::Error::other)?;
    render(&tree, &Workloads::Typed(&workloads), charts, extras)
}

/// [`render_run_with`] from the JSON tree of a summary, its workloads included; the
/// sections' tests build partial trees with it.
#[cfg(test)]
fn render_run_json(
    summary: &Value,
    charts: &[Chart],
    extras: &Extras,
) -> Result<String, io::Error> {
    render(
        summary,
        &Workloads::Tree(items(summary.get("workloads"))),
        charts,
        extras,
    )
}

/// The workloads a run's page lists, by index in scenario order.
enum Workloads<'a> {
    /// The summary's own: each is turned into its JSON object only while a row of it is
    /// drawn.
    Typed(&'a [super::summary::WorkloadReport]),
    /// The `workloads` of a summary's JSON tree (the sections' tests).
    #[cfg(test)]
    Tree(Vec<&'a Value>),
}

impl<'a> Workloads<'a> {
    fn len(&self) -> usize {
        match self {
            Workloads::Typed(w) => w.len(),
            #[cfg(test)]
            Workloads::Tree(w) => w.len(),
        }
    }

    /// Workload `i` as summary.json holds it.
    fn get(&self, i: usize) -> std::borrow::Cow<'a, Value> {
        match self {
            Workloads::Typed(w) => {
                std::borrow::Cow::Owned(serde_json::to_value(&w[i]).unwrap_or(Value::Null))
            }
            #[cfg(test)]
            Workloads::Tree(w) => std::borrow::Cow::Borrowed(w[i]),
        }
    }

    /// Its `partition`, when it names one.
    fn partition(&self, i: usize) -> Option<&'a str> {
        match self {
            Workloads::Typed(w) => Some(w[i].partition.as_str()),
            #[cfg(test)]
            Workloads::Tree(w) => w[i].get("partition").and_then(Value::as_str),
        }
    }

    /// Its SLA met share; a workload without the figure (null: not finite) counts as served.
    fn sla(&self, i: usize) -> f64 {
        match self {
            Workloads::Typed(w) => Some(w[i].usage.sla_met_share).filter(|x| x.is_finite()),
            #[cfg(test)]
            Workloads::Tree(w) => w[i].get("sla_met_share").and_then(Value::as_f64),
        }
        .unwrap_or(f64::INFINITY)
    }

    /// [`over_limit`] of workload `i`.
    fn over_limit(&self, i: usize, limit: Option<f64>) -> bool {
        match self {
            Workloads::Typed(w) => {
                let finite = |x: f64| Some(x).filter(|x| x.is_finite());
                let u = &w[i].usage;
                match finite(u.time_above_limit_share) {
                    Some(share) => share > 0.0,
                    None => matches!(
                        (finite(u.cpu_utilization.p99), limit),
                        (Some(p), Some(l)) if p > l
                    ),
                }
            }
            #[cfg(test)]
            Workloads::Tree(w) => over_limit(w[i], limit),
        }
    }
}

/// The page of one run from its summary's tree (less its workloads) and its workloads.
fn render(
    summary: &Value,
    workloads: &Workloads,
    charts: &[Chart],
    extras: &Extras,
) -> Result<String, io::Error> {
    let name = text(summary.pointer("/scenario/name"));
    let mut sections = vec![Section::new("totals", "Totals", totals(summary))];
    if let Some(body) = offenders(summary, workloads) {
        sections.push(Section::new("offenders", "Top offenders", body));
    }
    sections.push(Section::new(
        "datacenter",
        "Datacenter",
        datacenter(summary, workloads),
    ));
    if let Some(body) = planning(summary) {
        sections.push(Section::new("planning", "Planning", body));
    }
    sections.extend([
        Section::new("servers", "Servers", servers(summary)),
        Section::new("partitions", "Partitions", partitions(summary)),
        Section::new("workloads", "Workloads", workloads_section(workloads)),
    ]);
    let optional = [
        ("gwlm", "gWLM domains and policies", gwlm(summary)),
        ("wlm", "WLM", wlm(summary)),
        ("cost", "Cost", cost(summary)),
        ("licensing", "Licensing", licensing(summary)),
        ("ha", "High availability", ha(summary)),
        (
            "montecarlo",
            "Monte Carlo",
            extras.replicas.and_then(monte_carlo),
        ),
        ("charts", "Charts", charts_html(charts)?),
    ];
    for (id, title, body) in optional {
        if let Some(body) = body {
            sections.push(Section::new(id, title, body));
        }
    }
    let header = run_header(summary, extras.inputs_sha256);
    Ok(page(&format!("{name} — vsesim report"), &header, &sections))
}

/// The page of `vsesim compare`: one column per scenario, then the charts.
///
/// Fails only when a chart's SVG file cannot be read.
pub fn render_compare(compare: &Value, charts: &[Chart]) -> Result<String, io::Error> {
    let scenarios = items(compare.get("scenarios"));
    let names: Vec<String> = scenarios.iter().map(|s| text(s.get("name"))).collect();
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
    let mut sections = vec![Section::new(
        "comparison",
        "Side by side",
        format!(
            "{}<p class=\"note\">Under each value after the first: its change against the \
             first scenario ({}). ✓ marks the better value where one is better: less work \
             delayed or unmet, lower cost, fewer servers and partitions exceeding, a higher SLA \
             share, a later limit crossing, a better verdict. The verdict is the worst over \
             each scenario's servers and partitions.</p>",
            compare_table(&scenarios, &compare_marks(compare)),
            esc(names.first().map_or(DASH, String::as_str))
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
fn run_header(s: &Value, inputs_sha256: Option<&str>) -> String {
    let sc = s.get("scenario");
    let at = |key: &str| sc.and_then(|v| v.get(key));
    let desc = at("description")
        .and_then(Value::as_str)
        .map(|d| format!("<p class=\"desc\">{}</p>", esc(d)))
        .unwrap_or_default();
    let start = at("start")
        .and_then(Value::as_str)
        .and_then(|d| crate::world::date::Date::parse(d).ok())
        .map(|d| format!(" from {}", d.long()))
        .unwrap_or_default();
    let facts = format!(
        "Horizon {}{start} · seed {} · CPU limit {} % · memory limit {} % · sized at {} · \
         {} events · {} segments",
        text(at("horizon")),
        text(at("seed")),
        pct_text(at("util_limit")),
        pct_text(at("memory_limit")),
        at("sizing_percentile")
            .and_then(Value::as_f64)
            .map_or(DASH.to_string(), super::judge::percentile_label),
        count_text(s.get("events_processed")),
        count_text(s.get("segments")),
    );
    let overrides: Vec<String> = items(at("overrides"))
        .into_iter()
        .map(|o| {
            format!(
                "<code>{} = {}</code>",
                esc(&text(o.get("path"))),
                esc(&text(o.get("value")))
            )
        })
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
        esc(&text(at("name"))),
        esc(&facts),
        verdict_banner(s.get("verdict"), at("util_limit"), at("memory_limit"))
    )
}

/// The scenario's rating as Capacity Advisor shows it: stars and the status word, red when
/// it exceeds; then the culprit (the entity, resource, figure and limit that decided it), the
/// line that counts the servers and partitions that exceed, and what the rating means.
fn verdict_banner(verdict: Option<&Value>, util: Option<&Value>, memory: Option<&Value>) -> String {
    let status = verdict_status(verdict);
    let limits = format!("CPU {} %, memory {} %", pct_text(util), pct_text(memory));
    let line = verdict
        .and_then(|v| v.get("line"))
        .and_then(Value::as_str)
        .filter(|l| !l.is_empty())
        .map(|l| format!("<span class=\"line\">{}.</span> ", esc(l)))
        .unwrap_or_default();
    let culprit = verdict
        .and_then(|v| v.pointer("/culprit/text"))
        .and_then(Value::as_str)
        .map(|c| format!("<span class=\"culprit\">{}</span>", esc(c)))
        .unwrap_or_default();
    let why = match status.as_deref() {
        Some("meets") => esc(&format!(
            "Every server and partition fits within its limits ({limits}) at the sizing \
             percentile; {}.",
            stars_meaning(verdict.and_then(|v| v.get("stars")).and_then(Value::as_u64))
        )),
        Some("exceeds") if !culprit.is_empty() => format!(
            "Demand at the sizing percentile above a limit ({}) × what the entity can hold.",
            esc(&limits)
        ),
        Some("exceeds") => esc(&format!(
            "A server's or partition's demand is above its CPU limit, or its memory demand \
             above its memory limit ({limits})."
        )),
        Some("no_data") => "No demand to rate.".to_string(),
        Some(other) => esc(&format!("Unknown status “{other}”.")),
        None => "The summary holds no verdict.".to_string(),
    };
    format!(
        "<div class=\"verdict {}\" role=\"status\"><span class=\"label\">Verdict</span>\
         <span class=\"stars\" aria-label=\"{}\">{}</span><span class=\"status\">{}</span>\
         {culprit}<span class=\"why\">{line}{why}</span></div>",
        verdict_class(status.as_deref()),
        esc(&stars_label(verdict)),
        stars(verdict),
        esc(status.as_deref().unwrap_or(DASH)),
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
fn totals(s: &Value) -> String {
    let t = s.get("totals");
    let fields = [
        ("Demand", "demand_core_hours"),
        ("Served", "served_core_hours"),
        ("Delayed", "delayed_core_hours"),
        ("Dropped", "dropped_core_hours"),
        ("Backlog at the end", "backlog_core_hours"),
        ("Unmet", "unmet_core_hours"),
    ];
    let cards: String = fields
        .iter()
        .map(|(label, key)| {
            format!(
                "<div><dt>{label}</dt><dd>{} <small>core-h</small></dd></div>",
                esc(&dec_text(t.and_then(|t| t.get(*key)), 1))
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

/// The cost items of docs/OUTPUT.md, as column heads and JSON pointers.
const COST_ITEMS: [(&str, &str); 7] = [
    ("hardware", "/hardware"),
    ("core rights", "/core_rights"),
    ("TiCAP", "/ticap"),
    ("PPU", "/ppu"),
    ("software", "/software"),
    ("energy", "/energy"),
    ("total", "/total"),
];

/// The utilization percentiles under a CPU group head; p99 only for servers, where the
/// table has room for it.
fn cpu_cols(group: &str, p99: bool) -> Vec<Col> {
    let mut cols = vec![
        sub(group, "mean", "/cpu_utilization/mean", Fmt::Pct),
        sub(group, "p95", "/cpu_utilization/p95", Fmt::Pct),
    ];
    if p99 {
        cols.push(sub(group, "p99", "/cpu_utilization/p99", Fmt::Pct));
    }
    cols.push(sub(group, "max", "/cpu_utilization/max", Fmt::Pct));
    cols
}

/// SLA and longest backlog: how the entity's work was served, last in each table.
fn service_cols() -> Vec<Col> {
    vec![
        col("SLA met [%\u{a0}time]", "/sla_met_share", Fmt::Pct),
        col("Longest backlog", "/longest_backlog_ms", Fmt::Duration),
    ]
}

fn servers(s: &Value) -> String {
    let rows = items(s.get("servers"));
    if rows.is_empty() {
        return none("No servers.");
    }
    let mut cols = vec![
        col("Server", "/name", Fmt::Text),
        col("Cores", "/cores", Fmt::Count),
        col("Capacity [cores]", "/capacity_cores", Fmt::Dec(2)),
        sub(DEMAND, "peak", "/peak_demand_cores", Fmt::Dec(2)),
        sub(DEMAND, "sized", "/sizing_demand_cores", Fmt::Dec(2)),
        sub(
            DEMAND,
            "above limit [%\u{a0}time]",
            "/demand_above_limit_share",
            Fmt::Pct,
        ),
        col("Headroom [cores]", "/headroom_cores", Fmt::Signed(2)),
    ];
    cols.extend(cpu_cols(CPU, true));
    cols.extend([
        col(
            "Served above limit [%\u{a0}time]",
            "/time_above_limit_share",
            Fmt::Pct,
        ),
        sub("Memory", "size [GiB]", "/memory_gb", Fmt::Dec(1)),
        sub("Memory", "peak [GiB]", "/memory_peak_gb", Fmt::Dec(1)),
        sub("Memory", "mean [%]", "/memory/utilization/mean", Fmt::Pct),
        sub("Memory", "max [%]", "/memory/utilization/max", Fmt::Pct),
        col("SLA met [%\u{a0}time]", "/sla_met_share", Fmt::Pct),
        col("Verdict", "/verdict", Fmt::Verdict),
        sub(FORECAST, "CPU", "/forecast/cpu_limit_in_days", Fmt::Dec(1)),
        sub(
            FORECAST,
            "memory",
            "/forecast/memory_limit_in_days",
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
        table(&cols, &rows, &[]),
        esc(&dec_text(rows[0].pointer("/forecast/horizon_days"), 0))
    )
}

/// The partition tree, indented by depth (the list is in preorder, parents first); the
/// server column only when there are several servers.
fn partitions(s: &Value) -> String {
    let servers = items(s.get("servers"));
    let rows = items(s.get("partitions"));
    if rows.is_empty() {
        return none("No partitions: the servers run their workloads directly.");
    }
    let all: Vec<&Value> = servers.iter().chain(rows.iter()).copied().collect();
    let indents: Vec<usize> = depths(&all)[servers.len()..]
        .iter()
        .map(|d| d.saturating_sub(1))
        .collect();
    let mut cols = vec![
        col("Partition", "/name", Fmt::Text),
        col("Kind", "/kind", Fmt::Text),
    ];
    if servers.len() > 1 {
        cols.push(col("Server", "/server", Fmt::Text));
    }
    cols.extend([
        col("Cores", "/cores", Fmt::Count),
        sub(CORES, "capacity", "/capacity_cores", Fmt::Dec(2)),
        sub(CORES, "entitled", "/entitlement_cores", Fmt::Dec(2)),
        sub(CORES, "mean held", "/mean_allocation_cores", Fmt::Dec(2)),
        sub(CORES, "peak demand", "/peak_demand_cores", Fmt::Dec(2)),
        sub(CORES, "sized demand", "/sizing_demand_cores", Fmt::Dec(2)),
        sub(CORES, "headroom", "/headroom_cores", Fmt::Signed(2)),
        col(
            "Demand above limit [%\u{a0}time]",
            "/demand_above_limit_share",
            Fmt::Pct,
        ),
        col("Verdict", "/verdict", Fmt::Verdict),
    ]);
    cols.extend(cpu_cols(CPU, false));
    cols.extend([
        col(
            "Served above limit [%\u{a0}time]",
            "/time_above_limit_share",
            Fmt::Pct,
        ),
        col("Memory peak [GiB]", "/memory_peak_gb", Fmt::Dec(1)),
        sub(WORK, "demand", "/demand_core_hours", Fmt::Dec(1)),
        sub(WORK, "delayed", "/delayed_core_hours", Fmt::Dec(1)),
        sub(WORK, "unmet", "/unmet_core_hours", Fmt::Dec(1)),
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
        table(&cols, &rows, &indents)
    )
}

/// Depth of each node in a preorder list (parents first): a server is 0.
fn depths(nodes: &[&Value]) -> Vec<usize> {
    let mut known: HashMap<&str, usize> = HashMap::new();
    nodes
        .iter()
        .map(|n| {
            let depth = n
                .get("parent")
                .and_then(Value::as_str)
                .and_then(|p| known.get(p))
                .map_or(0, |d| d + 1);
            if let Some(name) = n.get("name").and_then(Value::as_str) {
                known.insert(name, depth);
            }
            depth
        })
        .collect()
}

fn workload_cols() -> Vec<Col> {
    let mut cols = vec![
        col("Workload", "/name", Fmt::Text),
        col("Partition", "/partition", Fmt::Text),
        col("On shortfall", "/on_shortfall", Fmt::Text),
        col("Peak demand [cores]", "/peak_demand_cores", Fmt::Dec(2)),
        col("Headroom [cores]", "/headroom_cores", Fmt::Signed(2)),
    ];
    cols.extend(cpu_cols("CPU utilization [% of partition]", false));
    cols.extend([
        col("Memory peak [GiB]", "/memory_peak_gb", Fmt::Dec(1)),
        sub(WORK, "demand", "/demand_core_hours", Fmt::Dec(1)),
        sub(WORK, "delayed", "/delayed_core_hours", Fmt::Dec(1)),
        sub(WORK, "dropped", "/dropped_core_hours", Fmt::Dec(1)),
        sub(WORK, "unmet", "/unmet_core_hours", Fmt::Dec(1)),
    ]);
    cols.extend(service_cols());
    cols
}

/// All workloads; past [`COLLAPSE_ROWS`] the full table folds and the worst-served stay out.
fn workloads_section(rows: &Workloads) -> String {
    if rows.len() == 0 {
        return none("No workloads.");
    }
    let cols = workload_cols();
    let full = table_of(&cols, rows, 0..rows.len());
    if rows.len() <= COLLAPSE_ROWS {
        return full;
    }
    let worst = worst_served(rows, WORST_SHOWN);
    format!(
        "<h3>The {} with the lowest SLA met share</h3>{}\
         <details><summary>All {} workloads</summary>{full}</details>",
        worst.len(),
        table_of(&cols, rows, worst.iter().copied()),
        esc(&group_thousands(&rows.len().to_string()))
    )
}

/// The `n` workloads with the lowest SLA met share, ties in scenario order; a workload
/// without the figure counts as served.
fn worst_served(rows: &Workloads, n: usize) -> Vec<usize> {
    let mut sorted: Vec<usize> = (0..rows.len()).collect();
    sorted.sort_by(|&a, &b| rows.sla(a).total_cmp(&rows.sla(b)));
    sorted.truncate(n);
    sorted
}

/// [`table`] of the workloads `which`, each made a JSON object for its row only.
fn table_of(cols: &[Col], rows: &Workloads, which: impl Iterator<Item = usize>) -> String {
    let body: String = which.map(|i| row_html(cols, &rows.get(i), 0)).collect();
    table_html(cols, &body, "")
}

// ---------------------------------------------------------------------------------------------
// Top offenders and Monte Carlo

/// Rows of each top-offenders table.
const OFFENDERS: usize = 10;

/// Where a review of a large datacenter starts: the servers and partitions whose demand at
/// the sizing percentile is furthest over (or nearest to) their CPU limit, and the workloads
/// served worst. `None` without servers.
fn offenders(s: &Value, workloads: &Workloads) -> Option<String> {
    let nodes: Vec<&Value> = items(s.get("servers"))
        .into_iter()
        .chain(items(s.get("partitions")))
        .collect();
    if nodes.is_empty() {
        return None;
    }
    let limit = s.pointer("/scenario/util_limit").and_then(Value::as_f64);
    let num = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64);
    let ceiling = |n: &Value| Some(limit? * num(n, "capacity_cores")?);
    let pressure = |n: &Value| match (num(n, "sizing_demand_cores"), ceiling(n)) {
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
        .filter(|n| verdict_status(n.get("verdict")).as_deref() == Some("exceeds"))
        .count();
    let mut body = String::new();
    for &i in order.iter().take(OFFENDERS) {
        let n = nodes[i];
        let v = verdict_cell(n.get("verdict").unwrap_or(&Value::Null));
        let share = pressure(n);
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td>{}{}{}{}<td class=\"list\">{}</td></tr>",
            esc(&text(n.get("name"))),
            esc(&text(n.get("kind"))),
            esc(&text(n.get("server"))),
            td(&cell(n.get("sizing_demand_cores"), Fmt::Dec(2)), ""),
            td(
                &ceiling(n).map_or(cell(None, Fmt::Dec(2)), |c| number_cell(c, Fmt::Dec(2))),
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
            esc(&text(n.pointer("/culprit/text")).replace(DASH, "")),
        );
    }
    let cols = [
        col("Server or partition", "", Fmt::Text),
        col("Kind", "", Fmt::Text),
        col("Server", "", Fmt::Text),
        sub(DEMAND, "sized", "", Fmt::Dec(2)),
        sub(DEMAND, "limit", "", Fmt::Dec(2)),
        sub(DEMAND, "sized ÷ limit [%]", "", Fmt::Pct),
        col("Verdict", "", Fmt::Verdict),
        col("Why", "", Fmt::Text),
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
        .filter(|&w| workloads.sla(w) < 1.0)
        .collect();
    if short.is_empty() {
        out += "<p>Every workload's demand was served as it arrived.</p>";
    } else {
        let cols = [
            col("Workload", "/name", Fmt::Text),
            col("Partition", "/partition", Fmt::Text),
            col("SLA met [%\u{a0}time]", "/sla_met_share", Fmt::Pct),
            sub(WORK, "delayed", "/delayed_core_hours", Fmt::Dec(1)),
            sub(WORK, "unmet", "/unmet_core_hours", Fmt::Dec(1)),
            col("Peak demand [cores]", "/peak_demand_cores", Fmt::Dec(2)),
            col("Longest backlog", "/longest_backlog_ms", Fmt::Duration),
        ];
        let _ = write!(
            out,
            "<p>The {} workloads served worst (lowest share of time with all demand served as \
             it arrived), of {}:</p>{}",
            short.len(),
            group_thousands(&workloads.len().to_string()),
            table_of(&cols, workloads, short.iter().copied())
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
/// and the spread of the replicas themselves (min, median, max). `None` when the file has
/// no replicas.
fn monte_carlo(r: &Value) -> Option<String> {
    let runs = items(r.get("runs"));
    let n = r.get("replicas").and_then(Value::as_u64)?;
    let spread = |pick: &dyn Fn(&Value) -> Option<f64>| -> [Option<f64>; 3] {
        let mut xs: Vec<f64> = runs.iter().filter_map(|x| pick(x)).collect();
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
    let mut row = |label: String, iv: Option<&Value>, spread: [Option<f64>; 3], fmt: Fmt| {
        let at = |k: &str| iv.and_then(|v| v.get(k));
        let mut cells = td(&cell(at("mean"), fmt), "");
        let ci = match (
            at("ci95_low").and_then(Value::as_f64),
            at("ci95_high").and_then(Value::as_f64),
        ) {
            (Some(l), Some(h)) => format!(
                "{} – {}",
                number_cell(l, fmt).html,
                number_cell(h, fmt).html
            ),
            _ => DASH.to_string(),
        };
        let _ = write!(cells, "<td class=\"num\">{ci}</td>");
        for x in spread {
            cells += &td(&x.map_or(cell(None, fmt), |x| number_cell(x, fmt)), "");
        }
        let _ = write!(
            body,
            "<tr><th scope=\"row\">{}</th>{cells}</tr>",
            esc(&label)
        );
    };
    row(
        "Availability [%] (mean over workloads)".into(),
        r.get("availability"),
        spread(&|x| x.get("availability").and_then(Value::as_f64)),
        Fmt::Pct,
    );
    row(
        "Unmet work [core-h]".into(),
        r.get("unmet_core_hours"),
        spread(&|x| x.get("unmet_core_hours").and_then(Value::as_f64)),
        Fmt::Dec(2),
    );
    for (k, p) in items(r.get("packages")).into_iter().enumerate() {
        let name = text(p.get("name"));
        row(
            format!("{name}: availability [%]"),
            p.get("availability"),
            spread(&|x| x.get("package_availability")?.get(k)?.as_f64()),
            Fmt::Pct,
        );
        row(
            format!("{name}: failovers"),
            p.get("failovers"),
            spread(&|x| x.get("package_failovers")?.get(k)?.as_f64()),
            Fmt::Dec(2),
        );
    }
    let cols = [
        col("Figure", "", Fmt::Text),
        sub("Over the replicas", "mean", "", Fmt::Dec(2)),
        sub("Over the replicas", "95 % CI of the mean", "", Fmt::Dec(2)),
        sub("One replica", "min", "", Fmt::Dec(2)),
        sub("One replica", "median", "", Fmt::Dec(2)),
        sub("One replica", "max", "", Fmt::Dec(2)),
    ];
    Some(format!(
        "<p>{} replicas of the random failures (each drawn from the scenario's seed {} and \
         its number; demand the same in all).</p>{}<p class=\"note\">The interval is the \
         mean's (Student's t, N − 1 degrees of freedom): where the mean of many more months \
         would lie. Min, median and max are single replicas: what one month can bring. \
         replicas.json has every replica.</p>",
        group_thousands(&n.to_string()),
        esc(&text(r.get("seed"))),
        table_html(&cols, &body, "")
    ))
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
fn datacenter(s: &Value, workloads: &Workloads) -> String {
    let servers = items(s.get("servers"));
    if servers.is_empty() {
        return none("No servers.");
    }
    let nodes: Vec<&Value> = servers
        .iter()
        .chain(items(s.get("partitions")).iter())
        .copied()
        .collect();
    let tree = Tree::build(&nodes, workloads);
    let limit = s.pointer("/scenario/util_limit").and_then(Value::as_f64);
    let ctx = TreeCtx {
        limit,
        licensing: items(s.get("licensing"))
            .into_iter()
            .filter_map(|l| Some((l.get("server")?.as_str()?, l)))
            .rev() // the first entry for a server wins
            .collect(),
        big: workloads.len() > COLLAPSE_ROWS,
        workloads,
        horizon_hours: s
            .pointer("/scenario/horizon_ms")
            .and_then(Value::as_f64)
            .filter(|&ms| ms > 0.0)
            .map(|ms| ms / 3_600_000.0),
    };
    let (class, style) = match limit {
        Some(l) if l.is_finite() => (
            "tree lim",
            format!(" style=\"--lim:{:.1}%\"", (l * 100.0).clamp(0.0, 100.0)),
        ),
        _ => ("tree", String::new()),
    };
    let mut out = format!(
        "<div class=\"wide\"><div class=\"{class}\"{style}>\
         <div class=\"row head\"><span>Server ▸ partition ▸ workload</span>\
         <span class=\"al\">Allocation [cores]<br>mean / capacity</span>\
         <span>CPU utilization [%]<br>bar: mean, p99; line: limit {}</span>\
         <span>Verdict</span></div>",
        esc(&pct_text(s.pointer("/scenario/util_limit")))
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
    nodes: Vec<&'a Value>,
    roots: Vec<usize>,
    children: Vec<Vec<usize>>,
    /// Indices into the page's [`Workloads`].
    workloads: Vec<Vec<usize>>,
    /// Workloads whose partition names no node: shown after the tree, not dropped.
    unplaced: Vec<usize>,
}

/// What the rows need beyond their own entry.
struct TreeCtx<'a> {
    /// `scenario.util_limit`, for files without a time above the limit.
    limit: Option<f64>,
    licensing: HashMap<&'a str, &'a Value>,
    /// More than [`COLLAPSE_ROWS`] workloads in all: the tree lists only those over the
    /// limit.
    big: bool,
    horizon_hours: Option<f64>,
    workloads: &'a Workloads<'a>,
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
    fn build(nodes: &[&'a Value], workloads: &Workloads) -> Self {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut roots = Vec::new();
        let mut children = vec![Vec::new(); nodes.len()];
        for (i, n) in nodes.iter().enumerate() {
            match n
                .get("parent")
                .and_then(Value::as_str)
                .and_then(|p| index.get(p))
            {
                Some(&p) => children[p].push(i),
                None => roots.push(i),
            }
            if let Some(name) = n.get("name").and_then(Value::as_str) {
                index.entry(name).or_insert(i);
            }
        }
        let mut per_node = vec![Vec::new(); nodes.len()];
        let mut unplaced = Vec::new();
        for w in 0..workloads.len() {
            match workloads.partition(w).and_then(|p| index.get(p)) {
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
            let is_server = node.get("parent").is_none_or(Value::is_null)
                && node.get("kind").and_then(Value::as_str) == Some("server");
            let row = tree_row(node, RowKind::Node { is_server }, ctx);
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
    let over: Vec<usize> = workloads
        .iter()
        .copied()
        .filter(|&w| all.over_limit(w, ctx.limit))
        .collect();
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
            tree_row(&all.get(*w), RowKind::Workload, ctx)
        );
    }
    let rest = workloads.len() - shown.len();
    if rest > 0 {
        let rest_over = over.len()
            - shown
                .iter()
                .filter(|&&w| all.over_limit(w, ctx.limit))
                .count();
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowKind {
    Node { is_server: bool },
    Workload,
}

/// The cells of one tree row: name and kind, allocation, utilization bar, verdict, and a
/// second line with licensing and the other resources when there is something to say.
fn tree_row(v: &Value, kind: RowKind, ctx: &TreeCtx) -> String {
    let name = esc(&text(v.get("name")));
    let kind_name = match kind {
        RowKind::Workload => "workload".to_string(),
        RowKind::Node { .. } => esc(&text(v.get("kind"))),
    };
    let allocation = match kind {
        RowKind::Node { .. } => format!(
            "{} / {}",
            esc(&dec_text(v.get("mean_allocation_cores"), 2)),
            esc(&dec_text(v.get("capacity_cores"), 2))
        ),
        RowKind::Workload => {
            let used = v
                .get("served_core_hours")
                .and_then(Value::as_f64)
                .zip(ctx.horizon_hours)
                .map(|(h, horizon)| h / horizon);
            format!(
                "uses {}",
                esc(&used.map_or(DASH.to_string(), |u| fixed(u, 2)))
            )
        }
    };
    let verdict = match (kind, v.get("verdict")) {
        (RowKind::Node { .. }, Some(verdict)) if verdict.is_object() => {
            let c = verdict_cell(verdict);
            format!("<span class=\"{}\">{}</span>", c.class, c.html)
        }
        (RowKind::Node { is_server: true }, _) => format!("<span>{DASH}</span>"),
        _ => time_above_text(v),
    };
    let mut extra = Vec::new();
    if let Some(c) = v.pointer("/culprit/text").and_then(Value::as_str) {
        extra.push(format!("<span class=\"bad\">{}</span>", esc(c)));
    }
    if kind == (RowKind::Node { is_server: true }) {
        extra.extend(
            v.get("name")
                .and_then(Value::as_str)
                .and_then(|n| ctx.licensing.get(n))
                .map(|l| licensing_state(l)),
        );
    }
    extra.extend(other_resources(v));
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!("<span class=\"x\">{}</span>", extra.join(" · "))
    };
    format!(
        "<span class=\"nm\"><strong>{name}</strong> <small>{kind_name}</small></span>\
         <span class=\"al\">{allocation}</span>{}{verdict}{extra}",
        cpu_meter(v, ctx.limit)
    )
}

/// Over the CPU limit at some time: its time above the limit is positive. Old files
/// without that figure fall back to the p99 against `limit`.
fn over_limit(v: &Value, limit: Option<f64>) -> bool {
    match v.get("time_above_limit_share").and_then(Value::as_f64) {
        Some(share) => share > 0.0,
        None => {
            let p99 = v.pointer("/cpu_utilization/p99").and_then(Value::as_f64);
            matches!((p99, limit), (Some(p), Some(l)) if p > l)
        }
    }
}

/// The bar: mean utilization dark, lighter on to the p99 (the max in files without one),
/// the limit a line drawn by the stylesheet; red when over the limit at some time.
fn cpu_meter(v: &Value, limit: Option<f64>) -> String {
    let u = v.get("cpu_utilization");
    let at = |k: &str| u.and_then(|u| u.get(k)).and_then(Value::as_f64);
    let Some(mean) = at("mean") else {
        return format!("<span class=\"m\">{DASH}</span>");
    };
    let (label, high) = match (at("p99"), at("max")) {
        (Some(p), _) => ("p99", Some(p)),
        (None, Some(m)) => ("max", Some(m)),
        (None, None) => ("p99", None),
    };
    let width = |x: f64| {
        if x.is_finite() {
            (x * 100.0).clamp(0.0, 100.0)
        } else {
            0.0
        }
    };
    let over = if over_limit(v, limit) { " over" } else { "" };
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
fn time_above_text(v: &Value) -> String {
    match v.get("time_above_limit_share").and_then(Value::as_f64) {
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
fn licensing_state(l: &Value) -> String {
    let installed = l.get("installed_cores").and_then(Value::as_f64);
    let rights = l.get("rights").and_then(Value::as_f64);
    let ppu = l.get("pricing").and_then(Value::as_str) == Some("ppu");
    let mut parts = vec![
        format!("{} installed", esc(&dec_text(l.get("installed_cores"), 0))),
        format!(
            "{} active (usage rights)",
            esc(&dec_text(l.get("rights"), 0))
        ),
    ];
    if let (Some(installed), Some(rights)) = (installed, rights) {
        let inactive = fixed((installed - rights).max(0.0), 0);
        let what = if ppu { "inactive" } else { "inactive iCAP" };
        parts.push(format!("{} {what}", esc(&inactive)));
    }
    if let Some(group) = l.get("gicap_group").and_then(Value::as_str) {
        parts.push(format!("giCAP group {}", esc(group)));
    }
    let ticap = l.get("ticap").filter(|t| t.is_object());
    match ticap
        .and_then(|t| t.get("used_core_minutes"))
        .and_then(Value::as_f64)
    {
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
fn other_resources(v: &Value) -> Option<String> {
    let p99 = |u: Option<&Value>| {
        let at = |k: &str| u.and_then(|u| u.get(k)).and_then(Value::as_f64);
        at("p99").or_else(|| at("max"))
    };
    let shown = |label: &str, res: Option<&Value>| {
        let value = p99(res.and_then(|r| r.get("utilization")))?;
        let over = res
            .and_then(|r| r.get("time_above_limit_share"))
            .and_then(Value::as_f64)
            .is_some_and(|s| s > 0.0);
        let text = format!("{label} {} %", esc(&pct(value)));
        Some(if over {
            format!("<span class=\"bad\">{text}</span>")
        } else {
            text
        })
    };
    let mut parts = Vec::new();
    let memory = v.get("memory");
    let used = memory
        .and_then(|m| m.pointer("/utilization/max"))
        .and_then(Value::as_f64)
        .is_some_and(|m| m > 0.0);
    if used {
        parts.extend(shown("mem", memory));
    }
    for (label, key) in [("disk", "disk"), ("net", "network")] {
        let res = v.get(key).filter(|r| {
            r.get("capacity_mbps")
                .and_then(Value::as_f64)
                .is_some_and(|c| c > 0.0)
        });
        if res.is_some() {
            parts.extend(shown(label, res));
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

/// The resources of a planning answer, in the order shown; other keys follow.
const RESOURCES: [&str; 4] = ["cpu", "memory", "disk", "network"];

/// The planning answers: how many target servers a consolidation needs, what each server's
/// own licensing could do first (the advice), and per server, partition and resource how
/// long until the limit and what size would meet it; `None` when the summary has none of
/// them (files from before planning).
fn planning(s: &Value) -> Option<String> {
    let study = s.get("planning").filter(|p| p.is_object());
    let with_plan = |key: &str| -> Vec<(&Value, &Value)> {
        items(s.get(key))
            .into_iter()
            .filter_map(|n| Some((n, n.get("planning").filter(|p| p.is_object())?)))
            .collect()
    };
    let (per_server, per_partition) = (with_plan("servers"), with_plan("partitions"));
    if study.is_none() && per_server.is_empty() {
        return None;
    }
    let mut out = study.map(study_line).unwrap_or_default();
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
fn advice(study: Option<&Value>) -> String {
    let all = items(study.and_then(|p| p.get("advice")));
    if all.is_empty() {
        return String::new();
    }
    let lines = |a: &Value| -> Vec<String> {
        items(a.get("lines"))
            .into_iter()
            .filter_map(Value::as_str)
            .map(esc)
            .collect()
    };
    let short = |a: &Value| {
        a.get("cores_short").and_then(Value::as_f64).unwrap_or(0.0) > 0.0
            || !items(a.get("partitions")).is_empty()
    };
    let entry = |a: &Value| -> String {
        let l = lines(a);
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
    let (needy, fine): (Vec<&Value>, Vec<&Value>) = all.into_iter().partition(|a| short(a));
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
        let names: Vec<String> = fine.iter().map(|a| esc(&text(a.get("server")))).collect();
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
fn study_line(p: &Value) -> String {
    let needed = p.get("servers_needed").and_then(Value::as_f64);
    let noun = if needed == Some(1.0) {
        "target server"
    } else {
        "target servers"
    };
    let target = p
        .get("target_server")
        .and_then(Value::as_str)
        .map(|t| format!(" of type <strong>{}</strong>", esc(t)))
        .unwrap_or_default();
    let by = p.get("by_resource");
    let mut counted = Vec::new();
    let mut unset = Vec::new();
    for key in resource_keys(by) {
        match by.and_then(|b| b.get(key.as_str())) {
            Some(Value::Null) => unset.push(esc(&key)),
            Some(v) => counted.push(format!("{} {}", esc(&key), esc(&text(Some(v))))),
            None => {}
        }
    }
    let over = p
        .get("horizon_days")
        .and_then(Value::as_f64)
        .map(|d| format!(" over {} days", esc(&fixed(d, 0))))
        .unwrap_or_default();
    let mut line = format!(
        "<p class=\"desc\"><strong>{}</strong> {noun}{target} needed{over}",
        esc(&dec_text(p.get("servers_needed"), 0)),
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

/// [`RESOURCES`] first, then any other keys of the object, in its order.
fn resource_keys(obj: Option<&Value>) -> Vec<String> {
    let mut keys: Vec<String> = RESOURCES.iter().map(|k| k.to_string()).collect();
    if let Some(map) = obj.and_then(Value::as_object) {
        keys.extend(
            map.keys()
                .filter(|k| !RESOURCES.contains(&k.as_str()) && *k != "horizon_days")
                .cloned(),
        );
    }
    keys
}

/// One row per entity and resource; a resource given as null reads "not configured" for a
/// server, and is left out for a partition (most have only CPU of their own).
fn planning_table(per_server: &[(&Value, &Value)], entity: &str) -> String {
    let servers = entity == "Server";
    let cols = vec![
        col(entity, "", Fmt::Text),
        col("Resource", "", Fmt::Text),
        col("Unit", "", Fmt::Text),
        col("Capacity", "", Fmt::Dec(1)),
        col("Limit [%]", "", Fmt::Pct),
        sub("Demand", "now", "", Fmt::Dec(1)),
        sub("Demand", "at the horizon", "", Fmt::Dec(1)),
        col("Growth [%/year]", "", Fmt::Text),
        col("Time remaining [days] (95 % CI)", "", Fmt::Dec(1)),
        col("Capacity remaining", "", Fmt::Signed(1)),
        col("Recommended size", "", Fmt::Dec(0)),
    ];
    let mut body = String::new();
    let mut horizons = Vec::new();
    for (srv, p) in per_server {
        let server = esc(&text(srv.get("name")));
        if let Some(days) = p.get("horizon_days").and_then(Value::as_f64) {
            let days = fixed(days, 0);
            if !horizons.contains(&days) {
                horizons.push(days);
            }
        }
        for key in resource_keys(Some(p)) {
            let r = match p.get(key.as_str()) {
                None => continue,
                Some(r) if r.is_object() => r,
                Some(_) if !servers => continue,
                Some(_) => {
                    let _ = write!(
                        body,
                        "<tr><td>{server}</td><td>{}</td>\
                         <td class=\"dash\" colspan=\"9\">not configured</td></tr>",
                        esc(&key)
                    );
                    continue;
                }
            };
            // Cores are whole but for VM guests and FSS groups (hundredths).
            let whole = r.get("unit").and_then(Value::as_str) == Some("cores")
                && r.get("recommended")
                    .and_then(Value::as_f64)
                    .is_none_or(|x| x.fract() == 0.0);
            let num = |k: &str, fmt: Fmt| td(&cell(r.get(k), fmt), "");
            let interval = match (
                r.get("time_remaining_days_ci95_low"),
                r.get("time_remaining_days_ci95_high"),
            ) {
                (Some(l), Some(h)) if !(l.is_null() && h.is_null()) => {
                    let end = |v: &Value| match v.as_f64() {
                        Some(d) => fixed(d, 0),
                        None => "beyond".into(),
                    };
                    format!(" <small>({}–{})</small>", end(l), end(h))
                }
                _ => String::new(),
            };
            let remaining = match r.get("time_remaining_days") {
                Some(Value::Null) => format!("<td>beyond the horizon{interval}</td>"),
                Some(v) if v.as_f64() == Some(0.0) => {
                    "<td class=\"num bad\">0 (already over)</td>".to_string()
                }
                v => format!(
                    "<td class=\"num\">{}{interval}</td>",
                    cell(v, Fmt::Dec(1)).html
                ),
            };
            let _ = write!(
                body,
                "<tr><td>{server}</td><td>{}</td>{}{}{}{}{}{}{remaining}{}{}</tr>",
                esc(&key),
                num("unit", Fmt::Text),
                num("capacity", Fmt::Dec(1)),
                num("limit", Fmt::Pct),
                num("demand_now", Fmt::Dec(1)),
                num("demand_at_horizon", Fmt::Dec(1)),
                growth_cell(r.get("growth")),
                num("capacity_remaining", Fmt::Signed(1)),
                num("recommended", Fmt::Dec(if whole { 0 } else { 1 })),
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
fn growth_cell(g: Option<&Value>) -> String {
    let Some(g) = g.filter(|g| g.is_object()) else {
        return format!("<td class=\"dash\">{DASH}</td>");
    };
    let f = |k: &str| g.get(k).and_then(Value::as_f64);
    let pct = |x: f64| format!("{:+.1}", x * 100.0);
    let model = esc(&text(g.get("model")));
    match g.get("source").and_then(Value::as_str) {
        Some("unfitted") => format!(
            "<td class=\"list\">no trend: {}</td>",
            esc(&text(g.get("note")))
        ),
        Some("fit") => format!(
            "<td class=\"list\"><strong>{} {model}</strong>, fitted: 95 % CI {} to {}, R² {}, \
             {} days{}</td>",
            f("rate").map_or(DASH.into(), pct),
            f("rate_ci95_low").map_or(DASH.into(), pct),
            f("rate_ci95_high").map_or(DASH.into(), pct),
            f("r_squared").map_or(DASH.into(), |r| fixed(r, 2)),
            esc(&text(g.get("days"))),
            // An interval from a decline to a growth: the history shows no trend.
            match (f("rate_ci95_low"), f("rate_ci95_high")) {
                (Some(l), Some(h)) if l < 0.0 && h > 0.0 => "; <em>no clear trend</em>",
                _ => "",
            }
        ),
        source => format!(
            "<td class=\"num\">{} {model}{}</td>",
            f("rate").map_or(DASH.into(), pct),
            if source == Some("workloads") {
                " <small>(workloads, some fitted)</small>"
            } else {
                ""
            }
        ),
    }
}

/// The gWLM domains and the policy of each managed compartment; `None` when nothing is
/// managed.
fn gwlm(s: &Value) -> Option<String> {
    let domains = items(s.get("domains"));
    let managed: Vec<&Value> = items(s.get("servers"))
        .into_iter()
        .chain(items(s.get("partitions")))
        .filter(|n| n.get("policy").is_some_and(Value::is_object))
        .collect();
    if domains.is_empty() && managed.is_empty() {
        return None;
    }
    let domain_cols = vec![
        col("Domain", "/name", Fmt::Text),
        col("Mode", "/mode", Fmt::Text),
        col("Interval", "/interval_ms", Fmt::Duration),
        col("Latency", "/latency_ms", Fmt::Duration),
        col("Compartments", "/compartments", Fmt::List),
        col("Arbitrations", "/arbitrations", Fmt::Count),
        col("Shortage [%\u{a0}time]", "/shortage_share", Fmt::Pct),
    ];
    let policy_cols = vec![
        col("Compartment", "/name", Fmt::Text),
        col("Domain", "/policy/domain", Fmt::Text),
        col("Policy", "/policy/policy", Fmt::Text),
        col("Priority", "/policy/priority", Fmt::Count),
        col("Weight", "/policy/weight", Fmt::Dec(2)),
        col("Reallocations", "/policy/reallocations", Fmt::Count),
        col("Changes decided", "/policy/changes_decided", Fmt::Count),
        sub(INTERVALS, "at min", "/policy/time_at_min_share", Fmt::Pct),
        sub(INTERVALS, "at max", "/policy/time_at_max_share", Fmt::Pct),
        sub(
            INTERVALS,
            "request met",
            "/policy/request_met_share",
            Fmt::Pct,
        ),
        col(
            "Mean decided [cores]",
            "/policy/mean_decided_cores",
            Fmt::Dec(2),
        ),
    ];
    let mut out = String::new();
    if !domains.is_empty() {
        out += &format!("<h3>Domains</h3>{}", table(&domain_cols, &domains, &[]));
    }
    if !managed.is_empty() {
        out += &format!("<h3>Policies</h3>{}", table(&policy_cols, &managed, &[]));
        out += "<p class=\"note\">In advisory mode nothing is reallocated: “changes decided” \
                counts what the manager would have changed.</p>";
    }
    Some(out)
}

/// Serviceguard packages, failures and the N-1 check; `None` without clusters or failures.
fn ha(s: &Value) -> Option<String> {
    let ha = s.get("ha").filter(|h| h.is_object())?;
    let package_cols = vec![
        col("Package", "/name", Fmt::Text),
        col("Cluster", "/cluster", Fmt::Text),
        col("Primary", "/primary", Fmt::Text),
        col("At end", "/node_at_end", Fmt::Text),
        col("State", "/state_at_end", Fmt::Text),
        col("Failovers", "/failovers", Fmt::Count),
        col("Failbacks", "/failbacks", Fmt::Count),
        col("Halts", "/halts", Fmt::Count),
        col("Downtime", "/downtime_ms", Fmt::Duration),
        col("Availability", "/availability", Fmt::Dec(5)),
        sub(
            WORK,
            "delayed in outages",
            "/outage_delayed_core_hours",
            Fmt::Dec(2),
        ),
        sub(
            WORK,
            "lost in outages",
            "/outage_lost_core_hours",
            Fmt::Dec(2),
        ),
    ];
    let failure_cols = vec![
        col("Target", "/target", Fmt::Text),
        col("Kind", "/kind", Fmt::Text),
        col("Timing", "/timing", Fmt::Text),
        col("Outages", "/outages", Fmt::Count),
        col("Down", "/down_ms", Fmt::Duration),
        col("Replaced by iCAP cores", "/replaced_by_icap", Fmt::Count),
    ];
    let n1_cols = vec![
        col("Node lost", "/node", Fmt::Text),
        col("Cluster", "/cluster", Fmt::Text),
        col("N-1 verdict", "/verdict", Fmt::Text),
        col("Servers exceeding", "/servers_exceeding", Fmt::List),
        col("Worst server", "/worst_server", Fmt::Text),
        col(
            "Worst peak [% of capacity]",
            "/worst_peak_utilization",
            Fmt::Pct,
        ),
        col("Unmet [core-h]", "/unmet_core_hours", Fmt::Dec(2)),
    ];
    let mut out = format!(
        "<p class=\"facts\">Availability {} (mean over workloads of the share of time each ran \
         on a node that was up).</p>",
        esc(&ha
            .get("availability")
            .and_then(Value::as_f64)
            .map_or(DASH.to_string(), |a| format!("{a:.5}")))
    );
    let packages = items(ha.get("packages"));
    if !packages.is_empty() {
        out += &format!("<h3>Packages</h3>{}", table(&package_cols, &packages, &[]));
    }
    let failures = items(ha.get("failures"));
    if !failures.is_empty() {
        out += &format!("<h3>Failures</h3>{}", table(&failure_cols, &failures, &[]));
    }
    let n1 = items(ha.get("n_minus_1"));
    if !n1.is_empty() {
        out += &format!(
            "<h3>N-1 check</h3><p class=\"note\">Each cluster node lost for the whole horizon: \
             its packages run on their adoptive nodes at every moment, the worst included.</p>{}",
            table(&n1_cols, &n1, &[])
        );
    }
    Some(out)
}

/// WLM hosts and their service-level objectives; `None` without WLM.
fn wlm(s: &Value) -> Option<String> {
    let hosts = items(s.get("wlm"));
    if hosts.is_empty() {
        return None;
    }
    let cols = vec![
        col("SLO", "/name", Fmt::Text),
        col("Group", "/group", Fmt::Text),
        col("Priority", "/priority", Fmt::Count),
        col("Goal", "/goal", Fmt::Text),
        col("Active [%\u{a0}time]", "/active_share", Fmt::Pct),
        col("Met [% of active time]", "/met_share", Fmt::Pct),
        col("Group reallocations", "/group_reallocations", Fmt::Count),
    ];
    let out = hosts
        .iter()
        .map(|h| {
            format!(
                "<h3>WLM on {}</h3><p class=\"facts\">Interval {}, {} intervals.</p>{}",
                esc(&text(h.get("host"))),
                esc(&duration_text(h.get("interval_ms"))),
                esc(&count_text(h.get("intervals"))),
                table(&cols, &items(h.get("slos")), &[])
            )
        })
        .collect();
    Some(out)
}

/// Cost per server and in total, in the scenario's currency; `None` when the summary has
/// no cost object.
fn cost(s: &Value) -> Option<String> {
    let cost = s.get("cost").filter(|c| c.is_object())?;
    let currency = cost.get("currency").and_then(Value::as_str);
    let total = cost.get("total").and_then(Value::as_f64).unwrap_or(0.0);
    if currency.is_none() && total == 0.0 {
        return Some(none("No prices in the scenario: every cost is 0."));
    }
    let unit = format!("Cost [{}]", currency.unwrap_or("no currency given"));
    let mut cols = vec![col("Server", "/name", Fmt::Text)];
    cols.extend(COST_ITEMS.map(|(head, path)| sub(&unit, head, path, Fmt::Money)));
    cols.push(col("Energy [kWh]", "/energy_kwh", Fmt::Dec(1)));
    let rows = items(cost.get("servers"));
    let kwh: Option<f64> = rows
        .iter()
        .map(|r| r.get("energy_kwh").and_then(Value::as_f64))
        .sum();
    let mut sum = serde_json::Map::new();
    sum.insert("name".into(), "All servers".into());
    for (_, path) in COST_ITEMS {
        sum.insert(
            path[1..].into(),
            cost.pointer(path).cloned().unwrap_or(Value::Null),
        );
    }
    sum.insert("energy_kwh".into(), kwh.map_or(Value::Null, Value::from));
    Some(format!(
        "{}<p class=\"note\">Over the simulated horizon: hardware amortized, TiCAP core-days \
         used, pay-per-use bills, software per active core, energy × PUE. A shared Global \
         Instant Capacity balance is in the total's TiCAP, not in any server's.</p>{}",
        table_with_total(&cols, &rows, &Value::Object(sum)),
        energy(s).unwrap_or_default()
    ))
}

/// Energy and carbon per server (summary.json `energy`); `None` when no server has a power
/// model.
fn energy(s: &Value) -> Option<String> {
    let e = s.get("energy").filter(|e| e.is_object())?;
    let rows: Vec<&Value> = items(e.get("servers"))
        .into_iter()
        .filter(|r| r.get("it_kwh").is_some_and(Value::is_number))
        .collect();
    if rows.is_empty() {
        return None;
    }
    let cols = vec![
        col("Server", "/name", Fmt::Text),
        col("IT energy [kWh]", "/it_kwh", Fmt::Dec(1)),
        col("Facility energy [kWh]", "/facility_kwh", Fmt::Dec(1)),
        col("CO2 [kg]", "/co2_kg", Fmt::Dec(1)),
    ];
    let mut sum = serde_json::Map::new();
    sum.insert("name".into(), "All servers".into());
    for k in ["it_kwh", "facility_kwh", "co2_kg"] {
        sum.insert(k.into(), e.get(k).cloned().unwrap_or(Value::Null));
    }
    let pue = e.get("pue").and_then(Value::as_f64).unwrap_or(1.0);
    let grid = match (
        e.get("carbon_intensity_source").and_then(Value::as_str),
        e.get("carbon_intensity_mean_g_per_kwh")
            .and_then(Value::as_f64),
    ) {
        (Some(src), Some(g)) => format!(
            "the grid's carbon intensity ({src}) averaged {g:.0} gCO2/kWh over the horizon; \
             CO2 = IT kWh × PUE × intensity, hour by hour with a trace"
        ),
        _ => "no carbon intensity given (<code>[energy] carbon_intensity</code>): no CO2".into(),
    };
    let without = items(e.get("servers_without_power_model")).len();
    let note = if without > 0 {
        format!(" {without} server(s) without a power model count for nothing here.")
    } else {
        String::new()
    };
    Some(format!(
        "<h3>Energy and carbon</h3>{}<p class=\"note\">PUE {pue}; {}.{}</p>",
        table_with_total(&cols, &rows, &Value::Object(sum)),
        esc(&grid)
            .replace("&lt;code&gt;", "<code>")
            .replace("&lt;/code&gt;", "</code>"),
        note
    ))
}

/// Usage rights, TiCAP balances, pay-per-use bills and giCAP groups; `None` when the summary
/// has none.
fn licensing(s: &Value) -> Option<String> {
    let rows = items(s.get("licensing"));
    let groups = items(s.get("gicap"));
    if rows.is_empty() && groups.is_empty() {
        return None;
    }
    let mut out = String::new();
    if !rows.is_empty() {
        out += &table(&licensing_cols(), &rows, &[]);
    }
    let currency = s.pointer("/cost/currency").and_then(Value::as_str);
    for r in rows
        .iter()
        .filter(|r| r.get("ppu").is_some_and(Value::is_object))
    {
        out += &ppu_bills(r, currency);
    }
    if !groups.is_empty() {
        out += &format!(
            "<h3>Global Instant Capacity groups</h3>{}",
            table(&gicap_cols(), &groups, &[])
        );
    }
    Some(out)
}

fn licensing_cols() -> Vec<Col> {
    let mut cols = vec![
        col("Server", "/server", Fmt::Text),
        col("giCAP group", "/gicap_group", Fmt::Text),
        col("Pricing", "/pricing", Fmt::Text),
        sub("Cores", "installed", "/installed_cores", Fmt::Count),
        sub("Cores", "rights", "/rights", Fmt::Count),
        sub("Cores", "bought", "/rights_bought", Fmt::Count),
        col("Active [core-h]", "/active_core_hours", Fmt::Dec(1)),
    ];
    cols.extend(ticap_cols());
    cols.push(sub(
        TICAP,
        "first warning after",
        "/ticap/warnings/0/at_ms",
        Fmt::Duration,
    ));
    cols
}

fn gicap_cols() -> Vec<Col> {
    let mut cols = vec![
        col("Group", "/name", Fmt::Text),
        col("Members", "/members", Fmt::List),
        sub("Cores", "rights", "/rights", Fmt::Count),
        sub("Cores", "sharing rights", "/sharing_rights", Fmt::Count),
        col("Active [core-h]", "/active_core_hours", Fmt::Dec(1)),
    ];
    cols.extend(ticap_cols());
    cols
}

/// A Temporary Instant Capacity balance: the same columns for a server and a giCAP group.
fn ticap_cols() -> Vec<Col> {
    vec![
        sub(
            TICAP_MIN,
            "initial",
            "/ticap/initial_core_minutes",
            Fmt::Dec(0),
        ),
        sub(TICAP_MIN, "used", "/ticap/used_core_minutes", Fmt::Dec(0)),
        sub(
            TICAP_MIN,
            "left",
            "/ticap/left_core_minutes",
            Fmt::Signed(0),
        ),
        sub(
            TICAP,
            "days left [days]",
            "/ticap/days_left_at_end",
            Fmt::Dec(1),
        ),
        sub(
            TICAP,
            "exhausted after",
            "/ticap/exhausted_at_ms",
            Fmt::Duration,
        ),
    ]
}

/// One server's pay-per-use bills, one row per 30-day month.
fn ppu_bills(r: &Value, currency: Option<&str>) -> String {
    let unit = format!("Bill [{}]", currency.unwrap_or("no currency given"));
    let cols = vec![
        col("Month", "/month", Fmt::Count),
        col("Days", "/days", Fmt::Count),
        col("Billable [cores]", "/billable_cores", Fmt::Dec(2)),
        sub(&unit, "fixed", "/fixed", Fmt::Dec(2)),
        sub(&unit, "variable", "/variable", Fmt::Dec(2)),
        sub(&unit, "total", "/total", Fmt::Dec(2)),
    ];
    format!(
        "<h3>Pay per use on {} (metric: {})</h3>{}",
        esc(&text(r.get("server"))),
        esc(&text(r.pointer("/ppu/metric"))),
        table(&cols, &items(r.pointer("/ppu/bills")), &[])
    )
}

// ---------------------------------------------------------------------------------------------
// Compare page

/// A row of the comparison: what, where in each scenario, how shown.
struct CompareRow {
    label: &'static str,
    path: &'static str,
    fmt: Fmt,
}

/// The comparison rows in parts, as compare.json holds them (docs/OUTPUT.md).
fn compare_rows() -> Vec<(&'static str, Vec<CompareRow>)> {
    let r = |label, path, fmt| CompareRow { label, path, fmt };
    vec![
        (
            "Verdict",
            vec![
                r("Verdict", "/verdict", Fmt::Verdict),
                r("Culprit", "/culprit", Fmt::Text),
                r("Servers and partitions", "/verdict_line", Fmt::Text),
                r("Partitions exceeding", "/partitions_exceeding", Fmt::Count),
            ],
        ),
        (
            "Capacity and load",
            vec![
                r("Servers", "/servers", Fmt::Count),
                r("Capacity [cores]", "/capacity_cores", Fmt::Dec(2)),
                r("Peak demand [cores]", "/peak_demand_cores", Fmt::Dec(2)),
                r("Served utilization [%]", "/mean_utilization", Fmt::Pct),
                r("Servers needed (planning)", "/servers_needed", Fmt::Count),
                r(
                    "Soonest limit crossing [days]",
                    "/time_remaining_days",
                    Fmt::Dec(0),
                ),
            ],
        ),
        (
            "Work and service",
            vec![
                r("Demand [core-h]", "/demand_core_hours", Fmt::Dec(1)),
                r("Delayed [core-h]", "/delayed_core_hours", Fmt::Dec(1)),
                r("Unmet [core-h]", "/unmet_core_hours", Fmt::Dec(1)),
                r(
                    "Worst SLA met [%\u{a0}time]",
                    "/worst_sla_met_share",
                    Fmt::Pct,
                ),
                r("Worst-served workload", "/worst_workload", Fmt::Text),
            ],
        ),
        (
            "Cost over the horizon",
            vec![
                r("Hardware", "/cost/hardware", Fmt::Money),
                r("Core rights", "/cost/core_rights", Fmt::Money),
                r("TiCAP", "/cost/ticap", Fmt::Money),
                r("Pay per use", "/cost/ppu", Fmt::Money),
                r("Software", "/cost/software", Fmt::Money),
                r("Energy", "/cost/energy", Fmt::Money),
                r("Total", "/cost/total", Fmt::Money),
            ],
        ),
    ]
}

/// The comparison's energy and carbon per scenario (compare.json's `facility_kwh` and
/// `co2_kg`), when one of them has a CO2 figure (`[energy] carbon_intensity`): a comparison
/// without carbon keeps its page byte for byte.
fn energy_rows(scenarios: &[&Value]) -> Option<(&'static str, Vec<CompareRow>)> {
    scenarios
        .iter()
        .any(|s| s.get("co2_kg").is_some_and(Value::is_number))
        .then(|| {
            (
                "Energy and carbon",
                vec![
                    CompareRow {
                        label: "Facility energy [kWh]",
                        path: "/facility_kwh",
                        fmt: Fmt::Dec(1),
                    },
                    CompareRow {
                        label: "CO2 [kg]",
                        path: "/co2_kg",
                        fmt: Fmt::Dec(1),
                    },
                ],
            )
        })
}

/// compare.json's `rows[]` by key: each figure's change against the first scenario and
/// which scenarios hold the better value.
fn compare_marks(compare: &Value) -> HashMap<&str, &Value> {
    items(compare.get("rows"))
        .into_iter()
        .filter_map(|r| Some((r.get("key")?.as_str()?, r)))
        .collect()
}

/// The change against the first scenario under a value: "−8.00 (−50.0 %)"; nothing for the
/// first scenario or where compare.json gives none.
fn delta_note(row: Option<&Value>, i: usize, fmt: Fmt) -> String {
    let at = |k: &str| {
        row.and_then(|r| r.get(k))
            .and_then(|v| v.get(i))
            .and_then(Value::as_f64)
    };
    let Some(d) = at("delta") else {
        return String::new();
    };
    let shown = match fmt {
        Fmt::Pct => format!("{:+.1} pt", d * 100.0),
        Fmt::Count => format!("{d:+.0}"),
        Fmt::Dec(n) | Fmt::Signed(n) => format!("{d:+.n$}"),
        _ => format!("{d:+.2}"),
    };
    let pct = at("percent")
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
fn compare_table(scenarios: &[&Value], marks: &HashMap<&str, &Value>) -> String {
    if scenarios.is_empty() {
        return none("No scenarios.");
    }
    let mut out = String::from("<div class=\"wide\"><table class=\"compare\"><thead><tr><th></th>");
    for s in scenarios {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(&text(s.get("name"))));
    }
    out.push_str("</tr></thead><tbody>");
    for (part, rows) in compare_rows().into_iter().chain(energy_rows(scenarios)) {
        let _ = write!(
            out,
            "<tr><th class=\"part\" colspan=\"{}\">{part}</th></tr>",
            scenarios.len() + 1
        );
        for row in rows {
            let class = if row.path == "/cost/total" {
                " class=\"total\""
            } else {
                ""
            };
            let _ = write!(out, "<tr{class}><th scope=\"row\">{}</th>", esc(row.label));
            let marked = marks.get(&row.path[1..]).copied();
            for (i, s) in scenarios.iter().enumerate() {
                let c = cell(s.pointer(row.path), row.fmt);
                let currency = s.pointer("/cost/currency").and_then(Value::as_str);
                let mut html = match (row.fmt, currency) {
                    (Fmt::Money, Some(cur)) if c.class != "dash" => {
                        format!("{} {}", c.html, esc(cur))
                    }
                    _ => c.html,
                };
                let best = marked
                    .and_then(|r| r.get("best"))
                    .and_then(|b| b.get(i))
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
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

/// How a cell shows a JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fmt {
    /// A string as it is (numbers as JSON writes them).
    Text,
    /// An array of strings, comma-separated.
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
    /// A `{status, stars}` object.
    Verdict,
}

impl Fmt {
    fn numeric(self) -> bool {
        !matches!(self, Fmt::Text | Fmt::List | Fmt::Verdict)
    }
}

/// A table column: an optional group head over it, its head, a JSON pointer into the row.
struct Col {
    group: String,
    head: String,
    path: &'static str,
    fmt: Fmt,
}

/// An ungrouped column.
fn col(head: &str, path: &'static str, fmt: Fmt) -> Col {
    sub("", head, path, fmt)
}

/// A column under a group head.
fn sub(group: &str, head: &str, path: &'static str, fmt: Fmt) -> Col {
    Col {
        group: group.to_string(),
        head: head.to_string(),
        path,
        fmt,
    }
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

fn table(cols: &[Col], rows: &[&Value], indents: &[usize]) -> String {
    let body: String = rows
        .iter()
        .enumerate()
        .map(|(i, r)| row_html(cols, r, indents.get(i).copied().unwrap_or(0)))
        .collect();
    table_html(cols, &body, "")
}

/// A table whose last row, set apart, is the total.
fn table_with_total(cols: &[Col], rows: &[&Value], total: &Value) -> String {
    let body: String = rows.iter().map(|r| row_html(cols, r, 0)).collect();
    table_html(cols, &body, &row_html(cols, total, 0))
}

fn table_html(cols: &[Col], body: &str, foot: &str) -> String {
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
fn thead(cols: &[Col]) -> String {
    let th = |c: &Col, attrs: &str| {
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
fn row_html(cols: &[Col], row: &Value, indent: usize) -> String {
    let mut out = String::from("<tr>");
    for (i, c) in cols.iter().enumerate() {
        let cell = cell(row.pointer(c.path), c.fmt);
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

/// A value as a cell. Null or missing is "—"; a string where a number was expected is shown
/// as it is, since a person can still read it; anything else unexpected is "—".
fn cell(v: Option<&Value>, fmt: Fmt) -> Cell {
    let class = if fmt.numeric() { "num" } else { "" };
    match v {
        None | Some(Value::Null) => Cell::dash(),
        Some(v) if fmt == Fmt::Verdict => verdict_cell(v),
        Some(Value::Array(a)) if fmt == Fmt::List => Cell {
            class: "list",
            html: esc(&a
                .iter()
                .map(|x| text(Some(x)))
                .collect::<Vec<_>>()
                .join(", ")),
        },
        Some(Value::Number(n)) if fmt.numeric() => number_cell(n.as_f64().unwrap_or(f64::NAN), fmt),
        Some(Value::Array(_) | Value::Object(_)) => Cell::dash(),
        Some(v) => Cell {
            class,
            html: esc(&text(Some(v))),
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
fn verdict_cell(v: &Value) -> Cell {
    let Some(status) = verdict_status(Some(v)) else {
        return Cell::dash();
    };
    let class = match verdict_class(Some(&status)) {
        "meets" => "v-meets",
        "exceeds" => "v-exceeds",
        _ => "",
    };
    Cell {
        class,
        html: format!(
            "<span class=\"stars\" aria-label=\"{}\">{}</span> {}",
            esc(&stars_label(Some(v))),
            stars(Some(v)),
            esc(&status)
        ),
    }
}

fn verdict_status(v: Option<&Value>) -> Option<String> {
    v?.get("status")?.as_str().map(str::to_string)
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
fn stars(v: Option<&Value>) -> String {
    let n = v.and_then(|v| v.get("stars")).and_then(Value::as_u64);
    match (n, verdict_status(v).as_deref()) {
        (Some(n), _) => {
            let n = n.min(5) as usize;
            format!("{}{}", "★".repeat(n), "☆".repeat(5 - n))
        }
        (None, Some("exceeds")) => "☆".repeat(5),
        _ => String::new(),
    }
}

/// The stars in words, for screen readers.
fn stars_label(v: Option<&Value>) -> String {
    match v.and_then(|v| v.get("stars")).and_then(Value::as_u64) {
        Some(n) => format!("{} of 5 stars", n.min(5)),
        None => "no stars".to_string(),
    }
}

fn none(message: &str) -> String {
    format!("<p class=\"none\">{}</p>", esc(message))
}

// ---------------------------------------------------------------------------------------------
// Numbers and text

/// The elements of an array, or none when the value is missing or not an array.
fn items(v: Option<&Value>) -> Vec<&Value> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

/// A scalar as plain text (not escaped); "—" for null, missing, arrays and objects.
fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => DASH.to_string(),
    }
}

fn pct_text(v: Option<&Value>) -> String {
    v.and_then(Value::as_f64)
        .map_or_else(|| DASH.to_string(), pct)
}

fn dec_text(v: Option<&Value>, decimals: usize) -> String {
    v.and_then(Value::as_f64)
        .map_or_else(|| DASH.to_string(), |x| fixed(x, decimals))
}

fn count_text(v: Option<&Value>) -> String {
    dec_text(v, 0)
}

fn duration_text(v: Option<&Value>) -> String {
    v.and_then(Value::as_f64)
        .map_or_else(|| DASH.to_string(), duration)
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
    use super::render_run_json as render_run_with;
    use super::*;

    /// The comparison shows CO2 per scenario only when one has a figure: 1,045.6 kg against
    /// 828.0 kg is a change of −217.6 kg, and the lower is marked; without carbon the table
    /// has no such part, so its page is what it was.
    #[test]
    fn the_comparison_shows_carbon_only_when_a_scenario_has_it() {
        let a = serde_json::json!({"name": "a", "facility_kwh": 2987.4, "co2_kg": 1045.6});
        let b = serde_json::json!({"name": "b", "facility_kwh": 2365.6, "co2_kg": 828.0});
        let marks = serde_json::json!({"key": "co2_kg", "delta": [null, -217.6],
            "pct": [null, -20.8], "best": [false, true]});
        let m: HashMap<&str, &Value> = [("co2_kg", &marks)].into_iter().collect();
        let html = compare_table(&[&a, &b], &m);
        assert!(html.contains("Energy and carbon"), "{html}");
        assert!(
            html.contains("CO2 [kg]") && html.contains("1,045.6"),
            "{html}"
        );
        assert!(html.contains("class=\"best\""), "{html}");
        let bare = |n: &str| serde_json::json!({"name": n, "facility_kwh": 0.0, "co2_kg": null});
        let html = compare_table(&[&bare("a"), &bare("b")], &HashMap::new());
        assert!(!html.contains("CO2"), "{html}");
    }
    use serde_json::json;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// The page of a partial summary tree: the sections read what is there.
    fn render_run(summary: &Value, charts: &[Chart]) -> Result<String, io::Error> {
        render_run_json(summary, charts, &Extras::default())
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
            "capacity_cores": 12.0, "memory_gb": 256.0, "headroom_cores": -0.18,
            "verdict": verdict,
            "forecast": {"horizon_days": 1095.0, "cpu_limit_in_days": 0.0, "memory_limit_in_days": null},
            "cpu_utilization": {"mean": 0.3756, "p95": 0.6035, "p99": 0.6865, "max": 0.7658},
            "peak_demand_cores": 10.38, "memory_peak_gb": 120.0, "sla_met_share": 0.8524,
            "memory": {"utilization": {"mean": 0.46875, "max": 0.46875}}
        })
    }

    fn summary(name: &str, verdict: Value) -> Value {
        json!({
            "format_version": 1,
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
            "workloads": [{"name": "oltp", "partition": "vp", "on_shortfall": "delay", "sla_met_share": 0.9997}],
            "domains": [], "wlm": [], "licensing": [], "gicap": []
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
        let cmp = json!({"scenarios": [{"name": evil, "worst_workload": "<i>", "cost": {"currency": "<u>", "total": 1.0}}]});
        let html = render_compare(&cmp, &[]).unwrap();
        assert!(!html.contains("<script") && !html.contains("<i>") && !html.contains("<u>"));
        assert_eq!(esc("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
    }

    #[test]
    fn the_banner_shows_the_verdicts_stars_and_word() {
        let banner = |v: Value| verdict_banner(Some(&v), Some(&json!(0.85)), Some(&json!(0.85)));
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

    #[test]
    fn nulls_and_missing_fields_render_as_a_dash() {
        for fmt in [
            Fmt::Text,
            Fmt::Count,
            Fmt::Dec(1),
            Fmt::Pct,
            Fmt::Duration,
            Fmt::Verdict,
            Fmt::Money,
        ] {
            assert_eq!(cell(Some(&Value::Null), fmt).html, DASH);
            assert_eq!(cell(None, fmt).html, DASH);
        }
        let mut s = summary("s", json!({"status": "exceeds", "stars": null}));
        s["servers"][0]["headroom_cores"] = Value::Null;
        let html = render_run(&s, &[]).unwrap();
        // In the server row: the null headroom, the absent sized demand, demand above the
        // limit and served time above the limit, and the null memory forecast.
        assert!(html.contains("<td class=\"dash\">—</td>"));
        let row = section(&html, "servers")
            .split("<tbody>")
            .nth(1)
            .unwrap()
            .split("</tr>")
            .next()
            .unwrap();
        assert_eq!(row.matches("<td class=\"dash\">—</td>").count(), 5, "{row}");
    }

    #[test]
    fn unexpected_shapes_still_give_a_page() {
        for v in [
            Value::Null,
            json!([1, 2]),
            json!("x"),
            json!({"servers": "nope", "workloads": [1, null, {}]}),
            json!({"scenario": {"name": ["a"]}, "verdict": 3, "totals": [], "cost": {"servers": 5}}),
        ] {
            let html = render_run(&v, &[]).unwrap();
            assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
            assert!(render_compare(&v, &[]).unwrap().contains("</html>"));
        }
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
            render_compare(&json!({"scenarios": []}), &[chart])
                .unwrap()
                .contains("<text>peak")
        );
        let missing = Chart {
            title: "x".into(),
            svg_path: "/nonexistent/x.svg".into(),
        };
        let err = render_run(&Value::Null, &[missing]).unwrap_err();
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
        let cmp = json!({"scenarios": [{"name": "a"}, {"name": "b"}]});
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
        let c = cell(Some(&json!(-0.18)), Fmt::Signed(2));
        assert_eq!((c.class, c.html.as_str()), ("num bad", "-0.18"));
        assert_eq!(cell(Some(&json!("n/a")), Fmt::Pct).html, "n/a");
        assert_eq!(
            cell(Some(&json!(["a", "<b>"])), Fmt::List).html,
            "a, &lt;b&gt;"
        );
    }

    #[test]
    fn partitions_indent_by_depth() {
        let s = summary("s", json!({"status": "meets", "stars": 2}));
        let html = partitions(&s);
        assert!(html.contains("<td>np</td>"));
        assert!(html.contains("<td style=\"padding-left:1.7em\">vp</td>"));
    }

    #[test]
    fn the_compare_page_has_one_column_per_scenario() {
        let cmp = json!({"scenarios": [
            {"name": "fixed", "mean_utilization": 0.25, "verdict": {"status": "meets", "stars": 5},
             "cost": {"currency": "USD", "total": 13785.244}},
            {"name": "ownborrow", "mean_utilization": 0.5, "verdict": {"status": "exceeds", "stars": null},
             "cost": {"currency": "USD", "total": 6931.34}}
        ]});
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
        assert!(tree.contains("<span class=\"al\">— / 12.00</span>"));
        assert!(tree.contains("<span class=\"al\">uses 1.50</span>"));
        // The bar: mean and p99 as widths and as text, the limit from the scenario.
        assert!(tree.contains("class=\"tree lim\" style=\"--lim:85.0%\""));
        assert!(tree.contains(
            "<span class=\"p\" style=\"width:68.7%\"></span><span class=\"f\" style=\"width:37.6%\">"
        ));
        assert!(tree.contains("mean 37.6 · p99 68.7"));
        // No limit in the file: no line, and nothing is judged against a guess.
        let mut s = tree_summary();
        s["scenario"]["util_limit"] = Value::Null;
        let html = render_run(&s, &[]).unwrap();
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
        // An old file without the time above the limit: the p99 against the limit decides.
        let old = json!({"cpu_utilization": {"mean": 0.5, "p99": 0.9}});
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
        let unused = json!({"installed_cores": 16, "rights": 12, "pricing": "icap",
                            "ticap": {"used_core_minutes": 0.0}});
        assert_eq!(
            licensing_state(&unused),
            "cores: 16 installed, 12 active (usage rights), 4 inactive iCAP, TiCAP unused"
        );
        let ppu = json!({"installed_cores": 80, "rights": 60, "pricing": "ppu",
                         "gicap_group": "<g>", "ticap": null});
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
        // The server's memory (p99 absent in the fixture: its max), the vPar's disk and net.
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
        s["partitions"][0]["kind"] = json!("<k>");
        s["workloads"][0]["name"] = json!("<w>");
        let html = render_run(&s, &[]).unwrap();
        let tree = section(&html, "datacenter");
        assert!(tree.contains("<strong>a&lt;b&amp;&quot;c</strong> <small>&lt;k&gt;</small>"));
        assert!(tree.contains("<strong>&lt;w&gt;</strong>"));
        assert!(!tree.contains(evil) && !tree.contains("<k>") && !tree.contains("<w>"));
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
        let html = render_run(&json!({"servers": []}), &[]).unwrap();
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
             <td class=\"dash\">—</td>\
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
        let extras = Extras {
            replicas: Some(&r),
            inputs_sha256: Some("abc123"),
        };
        let html = render_run_with(&tree_summary(), &[], &extras).unwrap();
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

    #[test]
    fn no_planning_fields_give_no_planning_section() {
        let html = render_run(&tree_summary(), &[]).unwrap();
        assert!(!html.contains("id=\"planning\"") && !html.contains("#planning"));
        let mut s = tree_summary();
        s["planning"] = Value::Null;
        s["servers"][0]["planning"] = Value::Null;
        let html = render_run(&s, &[]).unwrap();
        assert!(!html.contains("id=\"planning\""));
    }
}
