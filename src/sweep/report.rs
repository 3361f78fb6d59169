//! A sweep's `report.html`: the page a planner brings to the review — the best points first
//! (the cheapest plan that meets in every replica, the best of each figure, the Pareto
//! front), then the front and every figure against every axis as charts, all with human
//! labels and units; the raw column names and field paths only in the label table and its
//! footnotes. Each point links to its file under `points/`.
//!
//! The same page shell, styles and escaping as a run's report (report::html): one
//! self-contained file, no script, no network.

use super::charts::SweepChart;
use super::labels::{self, Label};
use super::pareto::{CO2, COST, Front, SLA};
use super::run::SweepInfo;
use super::spec::Param;
use super::table::PointSummary;
use crate::report::charts::fmt_tick;
use crate::report::html::{self, Section, esc, fixed, group_thousands};
use std::fmt::Write as _;
use std::io;

/// Front points listed in the table; pareto.csv lists them all.
const FRONT_ROWS: usize = 50;

/// Figures whose charts start unfolded: what the front trades and what a verdict needs.
const OPEN_FIGURES: [&str; 4] = [COST, SLA, "unmet_core_hours", "verdict_meets_share"];

/// The page, from what the sweep's tables were written from.
pub fn render(
    info: &SweepInfo,
    sums: &[PointSummary],
    front: &Front,
    charts: &[SweepChart],
) -> io::Result<String> {
    let currency = info.currency.as_deref();
    let mut sections = vec![
        Section::new("best", "Best points", best(info, sums, currency)),
        Section::new(
            "front",
            "Pareto front",
            front_section(info, sums, front, charts)?,
        ),
        Section::new(
            "co2",
            "Cost and CO2",
            co2_section(info, sums, front, charts)?,
        ),
    ];
    let by_axis = figure_charts(info, charts)?;
    if !by_axis.is_empty() {
        sections.push(Section::new("charts", "Figures by axis", by_axis));
    }
    sections.push(Section::new("labels", "Labels", label_table(info, sums)));
    let header = format!(
        "<header><p class=\"kicker\">vsesim · sweep report</p><h1>{}</h1>\
         <p class=\"facts\">{} · {} points × {} replicas · seed {} · base {}</p></header>",
        esc(&info.name),
        esc(match info.sampling {
            super::spec::Sampling::Grid => "grid",
            super::spec::Sampling::Random => "random samples",
            super::spec::Sampling::LatinHypercube => "Latin hypercube",
        }),
        group_thousands(&info.points.to_string()),
        group_thousands(&info.replicas.to_string()),
        info.seed,
        esc(&info.inputs.base_file),
    );
    Ok(html::page(
        &format!("{} — vsesim sweep report", info.name),
        &header,
        &sections,
    ))
}

/// A figure's mean at a point, in its label's unit.
fn value(s: &PointSummary, figure: &str, l: &Label) -> Option<f64> {
    let mean = if figure == "verdict_meets_share" {
        Some(s.verdict_meets_share)
    } else {
        s.stat(figure)?.mean
    };
    mean.filter(|m| m.is_finite()).map(|m| m * l.scale)
}

/// "12,345 ± 210": the mean and half its 95 % interval, in the label's unit.
fn mean_ci(s: &PointSummary, figure: &str, l: &Label, decimals: usize) -> String {
    let Some(m) = value(s, figure, l) else {
        return "—".into();
    };
    let half = s
        .stat(figure)
        .and_then(|st| Some((st.ci95_high? - st.ci95_low?) / 2.0 * l.scale))
        .filter(|h| h.is_finite() && *h > 0.0);
    match half {
        Some(h) => format!("{} ± {}", fixed(m, decimals), fixed(h, decimals)),
        None => fixed(m, decimals),
    }
}

/// An axis value in its label's unit: numbers scaled, text as it is.
fn param_text(p: Option<&Param>, l: &Label) -> String {
    match p {
        Some(Param::Int(i)) if l.scale == 1.0 => group_thousands(&i.to_string()),
        Some(p) => match p.as_f64() {
            Some(x) => fmt_tick(x * l.scale),
            None => match p {
                Param::Text(t) => t.clone(),
                other => other.to_string(),
            },
        },
        None => "—".into(),
    }
}

fn point_link(point: u64) -> String {
    format!("<a href=\"points/p{point:06}.json\">#{point}</a>")
}

/// The heads of a points table: point, the axes, then the figures, with units.
fn heads(info: &SweepInfo, figures: &[(&str, Label)]) -> String {
    let mut out = String::from("<th scope=\"col\">Point</th>");
    for a in &info.axes {
        let _ = write!(
            out,
            "<th scope=\"col\">{}</th>",
            esc(&labels::axis(a).with_unit())
        );
    }
    for (_, l) in figures {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(&l.with_unit()));
    }
    out
}

fn row_cells(info: &SweepInfo, s: &PointSummary, figures: &[(&str, Label)]) -> String {
    let mut out = format!("<td>{}</td>", point_link(s.point));
    for a in &info.axes {
        let _ = write!(
            out,
            "<td class=\"num\">{}</td>",
            esc(&param_text(s.params.get(&a.name), &labels::axis(a)))
        );
    }
    for (f, l) in figures {
        // Kilograms of CO2 differ in the second decimal between plans a review weighs.
        let decimals = if l.unit == "%" || *f == CO2 { 2 } else { 1 };
        let _ = write!(
            out,
            "<td class=\"num\">{}</td>",
            esc(&mean_ci(s, f, l, decimals))
        );
    }
    out
}

/// The headline figures of every points table.
fn headline(currency: Option<&str>) -> Vec<(&'static str, Label)> {
    [COST, SLA, "unmet_core_hours", "verdict_meets_share"]
        .into_iter()
        .map(|f| (f, labels::figure(f, currency)))
        .collect()
}

/// The best point for each question a review asks, then the Pareto front.
fn best(info: &SweepInfo, sums: &[PointSummary], currency: Option<&str>) -> String {
    if sums.is_empty() {
        return "<p class=\"none\">No points.</p>".into();
    }
    let figures = headline(currency);
    let f = |name: &str| labels::figure(name, currency);
    let lowest = |name: &str, filter: &dyn Fn(&PointSummary) -> bool| {
        let l = f(name);
        sums.iter()
            .filter(|s| filter(s))
            .filter_map(|s| value(s, name, &l).map(|v| (v, s)))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.point.cmp(&b.1.point)))
            .map(|(_, s)| s)
    };
    let highest = |name: &str| {
        let l = f(name);
        sums.iter()
            .filter_map(|s| value(s, name, &l).map(|v| (v, s)))
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.point.cmp(&a.1.point)))
            .map(|(_, s)| s)
    };
    let questions: [(&str, Option<&PointSummary>); 5] = [
        (
            "Cheapest that meets in every replica",
            lowest(COST, &|s| s.verdict_meets_share >= 1.0),
        ),
        ("Lowest total cost", lowest(COST, &|_| true)),
        ("Best SLA of the worst workload", highest(SLA)),
        ("Least work unmet", lowest("unmet_core_hours", &|_| true)),
        ("Most replicas meeting", highest("verdict_meets_share")),
    ];
    let mut body = String::new();
    for (q, s) in questions {
        match s {
            Some(s) => {
                let _ = write!(
                    body,
                    "<tr><th scope=\"row\">{}</th>{}</tr>",
                    esc(q),
                    row_cells(info, s, &figures)
                );
            }
            None => {
                let _ = write!(
                    body,
                    "<tr><th scope=\"row\">{}</th><td colspan=\"{}\" class=\"dash\">none</td></tr>",
                    esc(q),
                    1 + info.axes.len() + figures.len()
                );
            }
        }
    }
    format!(
        "<div class=\"wide\"><table class=\"best\"><thead><tr><th scope=\"col\">Question</th>{}\
         </tr></thead><tbody>{body}</tbody></table></div><p class=\"note\">Means over each \
         point's replicas, ± half their 95 % confidence interval (Student's t). A point links \
         to its file: every replica's seed and figures.</p>",
        heads(info, &figures)
    )
}

/// The front as a table (by increasing cost) and as the chart.
fn front_section(
    info: &SweepInfo,
    sums: &[PointSummary],
    front: &Front,
    charts: &[SweepChart],
) -> io::Result<String> {
    let figures = headline(info.currency.as_deref());
    let also = if front.also_minimize.iter().any(|f| f == CO2) {
        ", emits no more CO2,"
    } else {
        ""
    };
    let mut out = format!(
        "<p>{} of {} points are Pareto-optimal: no other point is at least as cheap{also} and at \
         least as good for the worst workload with one of them clearly better (figures \
         within a part in a billion count as equal).</p>{}",
        group_thousands(&front.points.len().to_string()),
        group_thousands(&sums.len().to_string()),
        front_table(info, sums, front, &figures),
    );
    if let Some(c) = charts.iter().find(|c| c.figure.is_none()) {
        out += &html::figure(&html::Chart {
            title: c.title.clone(),
            svg_path: c.svg.clone(),
        })?;
        out += "<p class=\"note\">Labels are point numbers; where one would overlap another label \
                or a point it is left out (the table and pareto.csv list every point). The \
                bars are the 95 % confidence intervals of the SLA's mean.</p>";
    }
    Ok(out)
}

/// The front's first [`FRONT_ROWS`] points with `figures`, and a note counting the rest.
fn front_table(
    info: &SweepInfo,
    sums: &[PointSummary],
    front: &Front,
    figures: &[(&str, Label)],
) -> String {
    let mut body = String::new();
    for p in front.points.iter().take(FRONT_ROWS) {
        if let Some(s) = sums.iter().find(|s| s.point == p.point) {
            let _ = write!(body, "<tr>{}</tr>", row_cells(info, s, figures));
        }
    }
    let more = front.points.len().saturating_sub(FRONT_ROWS);
    format!(
        "<div class=\"wide\"><table><thead><tr>{}</tr></thead><tbody>{body}</tbody></table></div>{}",
        heads(info, figures),
        if more > 0 {
            format!(
                "<p class=\"note\">… and {} more in pareto.csv.</p>",
                group_thousands(&more.to_string())
            )
        } else {
            String::new()
        }
    )
}

/// The front's cost-against-CO2 face when the front minimizes CO2 (its points as a table
/// and `charts/pareto_co2`); otherwise a sentence saying why there is none and which field
/// gives one. The section is never left out: a review that finds no CO2 must learn whether
/// the plans emit nothing worth weighing or were never weighed, and the cost-SLA front above
/// must not pass for one that considered emissions.
fn co2_section(
    info: &SweepInfo,
    sums: &[PointSummary],
    front: &Front,
    charts: &[SweepChart],
) -> io::Result<String> {
    let currency = info.currency.as_deref();
    let co2 = labels::figure(CO2, None);
    if !front.also_minimize.iter().any(|f| f == CO2) {
        let least = sums
            .iter()
            .filter_map(|s| value(s, CO2, &co2).map(|v| (v, s)))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.point.cmp(&b.1.point)));
        return Ok(match least {
            Some((v, s)) => format!(
                "<p class=\"none\">CO2 is reported but is not an objective of this sweep: the \
                 front above trades cost and SLA only. The point emitting least is {} ({} {}). \
                 With <code>objectives = [\"cost_total\", \"sla_worst_met_share\", \
                 \"co2_kg\"]</code> under <code>[sweep]</code> the front weighs all three and \
                 this section shows it against cost.</p>",
                point_link(s.point),
                esc(&fixed(v, 2)),
                esc(&co2.unit)
            ),
            None => "<p class=\"none\">No CO2 figures: the base scenario sets no \
                     <code>[energy] carbon_intensity</code>, so no point reports its emissions \
                     and no plan was weighed by them. Set one (gCO2/kWh, a constant or a trace) \
                     to compare plans by CO2 as well.</p>"
                .into(),
        });
    }
    let figures: Vec<(&str, Label)> = [COST, CO2, SLA]
        .into_iter()
        .map(|f| (f, labels::figure(f, currency)))
        .collect();
    let mut out = format!(
        "<p>The front's {} points by increasing cost, with what each emits: a point that looks \
         beaten on cost and SLA above stays on the front for emitting less.</p>{}",
        group_thousands(&front.points.len().to_string()),
        front_table(info, sums, front, &figures),
    );
    if let Some(c) = charts.iter().find(|c| c.stem == "pareto_co2") {
        out += &html::figure(&html::Chart {
            title: c.title.clone(),
            svg_path: c.svg.clone(),
        })?;
        out += "<p class=\"note\">Cost against CO2, the front's points red and numbered where \
                the label fits; the bars are the 95 % confidence intervals of the CO2 mean.</p>";
    }
    Ok(out)
}

/// Every figure against each axis, one fold per chart, the headline figures open.
fn figure_charts(info: &SweepInfo, charts: &[SweepChart]) -> io::Result<String> {
    let mut out = String::new();
    for a in &info.axes {
        let mine: Vec<&SweepChart> = charts
            .iter()
            .filter(|c| c.axis.as_deref() == Some(a.name.as_str()))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let _ = write!(out, "<h3>By {}</h3>", esc(&labels::axis(a).with_unit()));
        for c in mine {
            let open = c
                .figure
                .as_deref()
                .is_some_and(|f| OPEN_FIGURES.contains(&f));
            let fig = html::figure(&html::Chart {
                title: c.title.clone(),
                svg_path: c.svg.clone(),
            })?;
            let _ = write!(
                out,
                "<details{}><summary>{}</summary>{fig}</details>",
                if open { " open" } else { "" },
                esc(&c.title)
            );
        }
    }
    Ok(out)
}

/// What every label stands for: the axes (their column and, in footnotes, the field path
/// they set) and the figures (their column in results and summary).
fn label_table(info: &SweepInfo, sums: &[PointSummary]) -> String {
    let mut body = String::new();
    let mut notes = String::new();
    for (k, a) in info.axes.iter().enumerate() {
        let l = labels::axis(a);
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>axis</td><td><code>{}</code><sup>{}</sup></td></tr>",
            esc(&l.text),
            esc(&l.unit),
            esc(&a.name),
            k + 1
        );
        let _ = write!(
            notes,
            "<li value=\"{}\"><code>{}</code></li>",
            k + 1,
            esc(&a.path)
        );
    }
    let mut names: Vec<String> = sums
        .first()
        .map(|s| s.stats.iter().map(|(n, _)| n.clone()).collect())
        .unwrap_or_default();
    names.push("verdict_meets_share".into());
    for n in names {
        let l = labels::figure(&n, info.currency.as_deref());
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>figure</td><td><code>{}</code></td></tr>",
            esc(&l.text),
            esc(&l.unit),
            esc(&n)
        );
    }
    format!(
        "<div class=\"wide\"><table><thead><tr><th scope=\"col\">Label</th>\
         <th scope=\"col\">Unit</th><th scope=\"col\">Kind</th>\
         <th scope=\"col\">Column in results and summary</th></tr></thead><tbody>{body}</tbody>\
         </table></div><p class=\"note\">Shares are shown in percent (the tables hold \
         fractions); a figure's columns in summary.csv add <code>_mean</code>, \
         <code>_ci95_low</code> and <code>_ci95_high</code>. The fields each axis sets in the \
         base scenario:</p><ol class=\"note\">{notes}</ol>"
    )
}
