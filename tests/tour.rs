//! A fresh clone stands alone (issue #23): the README's tour, every command's `--help`
//! examples and every bundled scenario run on a scratch copy of the project that has nothing
//! beside it (no `../shared`), with the exit codes and the files the README and the help say.
//!
//! The copy holds what the commands read, `scenarios/` and `traces/`, in a folder whose parent
//! has no `shared/`; the built binary stands in for `cargo run --release --`.

mod common;
use clap::CommandFactory;
use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::SystemTime;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}

/// A copy of the project's inputs, as a fresh clone has them, with nothing beside it.
fn fresh_copy(name: &str) -> PathBuf {
    let dir = scratch(name).join("vsesim");
    for sub in ["scenarios", "traces"] {
        copy_dir(&project_root().join(sub), &dir.join(sub));
    }
    std::fs::create_dir(dir.join("output")).unwrap();
    assert!(!dir.join("../shared").exists());
    dir
}

/// Every file under `dir`, with its size and modification time.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, SystemTime)> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, (u64, SystemTime)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                let m = std::fs::metadata(&p).unwrap();
                out.insert(p, (m.len(), m.modified().unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, &mut out);
    out
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("an exit code, not a signal")
}

/// Runs `args` in `dir`, checks the exit code, and that each of `files` (relative to `dir`;
/// a name ending in `/` is a folder that must gain files, `*.ext` any file of that extension
/// in the folder) is written by this command: new, or rewritten.
fn check(dir: &Path, args: &[&str], exit: i32, files: &[&str]) -> Output {
    let before = snapshot(dir);
    let out = vsesim(args, dir);
    assert_eq!(
        code(&out),
        exit,
        "vsesim {}\nstdout: {}\nstderr: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
    let after = snapshot(dir);
    let written = |p: &PathBuf| before.get(p) != after.get(p);
    for f in files {
        let ok = match f.rsplit_once("*.") {
            Some((folder, ext)) => after.keys().any(|p| {
                p.starts_with(dir.join(folder))
                    && p.extension().is_some_and(|e| e == ext)
                    && written(p)
            }),
            None => after
                .keys()
                .any(|p| (p == &dir.join(f) || p.starts_with(dir.join(f))) && written(p)),
        };
        assert!(ok, "vsesim {}: did not write {f}", args.join(" "));
    }
    out
}

/// The files `vsesim run` writes into a run's folder (`run --help`, README step 2).
fn run_files(folder: &str) -> Vec<String> {
    [
        "summary.json",
        "timeseries.parquet",
        "stats.parquet",
        "stats.csv",
        "report.html",
        "run.json",
        "charts/*.png",
        "charts/*.svg",
    ]
    .iter()
    .map(|f| format!("output/{folder}/{f}"))
    .collect()
}

/// The README between its tour heading and the next section, cut into numbered steps.
fn tour_steps() -> BTreeMap<u32, String> {
    let readme = std::fs::read_to_string(project_root().join("README.md")).unwrap();
    let start = readme.find("## A five-minute tour").expect("the tour");
    let end = start
        + readme[start..]
            .find("\n## Layout")
            .expect("the section after it");
    let mut steps = BTreeMap::new();
    let mut current: Option<(u32, String)> = None;
    for line in readme[start..end].lines() {
        let number = line
            .split_once(". **")
            .and_then(|(n, _)| n.parse::<u32>().ok());
        if let Some(n) = number {
            steps.extend(current.take());
            current = Some((n, String::new()));
        }
        if let Some((_, text)) = &mut current {
            text.push_str(line);
            text.push('\n');
        }
    }
    steps.extend(current);
    steps
}

/// The code blocks of a step: (info string, lines with the step's indentation removed).
fn blocks(step: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut open: Option<(String, Vec<String>, usize)> = None;
    for line in step.lines() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            match open.take() {
                Some((i, lines, _)) => out.push((i, lines)),
                None => open = Some((info.to_owned(), Vec::new(), line.len() - trimmed.len())),
            }
        } else if let Some((_, lines, indent)) = &mut open {
            lines.push(line.get(*indent..).unwrap_or("").to_owned());
        }
    }
    out
}

/// The `cargo run --release [-- ARGS]` lines of a step's shell blocks, as ARGS.
fn tour_commands(step: &str) -> Vec<String> {
    blocks(step)
        .into_iter()
        .filter(|(info, _)| info == "sh")
        .flat_map(|(_, lines)| lines)
        .filter_map(|l| {
            let l = l.split(" #").next().unwrap().trim().to_owned();
            let rest = l.strip_prefix("cargo run --release")?;
            Some(rest.trim().trim_start_matches("--").trim().to_owned())
        })
        .collect()
}

/// One command of the tour: its step, its arguments, the exit code and the files it writes.
struct Step {
    step: u32,
    args: &'static str,
    exit: i32,
    files: Vec<String>,
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

const MOBILITY: &str = "compare-mobility-static-vs-mobility-vpars-vs-mobility-thr-vs-mobility-mad";

/// Every command of the README's tour, run in order on a fresh copy: each exits as the README
/// says and writes the files it names. Step 3's what-if gives vp-app a fourth core through
/// `--set` into its own folder, and its `cores = 5` mistake gives exactly the error text the README
/// quotes, exit 2. Step 7's figures are the plan's.
#[test]
fn the_readme_tour_runs_on_a_fresh_clone() {
    let steps = tour_steps();
    // compare names its folder after its scenarios.
    let fixed_vs_ownborrow = "compare-consolidation-fixed-vs-consolidation-ownborrow";
    let mut compare = strs(&[
        &format!("output/{fixed_vs_ownborrow}/compare.json"),
        &format!("output/{fixed_vs_ownborrow}/report.html"),
        &format!("output/{fixed_vs_ownborrow}/charts/*.svg"),
    ]);
    compare.extend(run_files(&format!(
        "{fixed_vs_ownborrow}/consolidation-fixed"
    )));
    compare.extend(run_files(&format!(
        "{fixed_vs_ownborrow}/consolidation-ownborrow"
    )));
    let plan_vs_peaks = "output/compare-planetlab-plan-vs-planetlab-sum-of-peaks";
    let plan_compare = strs(&[
        &format!("{plan_vs_peaks}/compare.json"),
        &format!("{plan_vs_peaks}/report.html"),
        &format!("{plan_vs_peaks}/planetlab-plan/summary.json"),
        &format!("{plan_vs_peaks}/planetlab-sum-of-peaks/summary.json"),
    ]);
    let mut ha = run_files("ha-cluster");
    ha.push("output/ha-cluster/replicas.json".into());
    let tour = [
        Step {
            step: 1,
            args: "",
            exit: 0,
            files: run_files("demo"),
        },
        Step {
            step: 3,
            args: "run scenarios/demo.toml --set 'partitions[name=vp-app].cores=4' -o output/demo-4cores",
            exit: 0,
            files: run_files("demo-4cores"),
        },
        Step {
            step: 5,
            args: "run scenarios/consolidation-fixed.toml",
            exit: 0,
            files: run_files("consolidation-fixed"),
        },
        Step {
            step: 5,
            args: "run scenarios/consolidation-ownborrow.toml",
            exit: 0,
            files: run_files("consolidation-ownborrow"),
        },
        Step {
            step: 5,
            args: "compare scenarios/consolidation-fixed.toml scenarios/consolidation-ownborrow.toml",
            exit: 0,
            files: compare,
        },
        Step {
            step: 6,
            args: "run scenarios/ha-cluster.toml --replicas 200",
            exit: 0,
            files: ha,
        },
        Step {
            step: 7,
            args: "import planetlab traces/planetlab -o output/planetlab.parquet",
            exit: 0,
            files: strs(&["output/planetlab.parquet", "output/planetlab.sources.csv"]),
        },
        Step {
            step: 7,
            args: "plan scenarios/plan-planetlab.toml",
            exit: 0,
            files: strs(&[
                "output/plan-planetlab/plan.json",
                "output/plan-planetlab/planetlab-plan.toml",
                "output/plan-planetlab/planetlab-sum-of-peaks.toml",
            ]),
        },
        Step {
            step: 7,
            args: "run output/plan-planetlab/planetlab-plan.toml",
            exit: 0,
            files: run_files("planetlab-plan"),
        },
        Step {
            step: 7,
            args: "compare output/plan-planetlab/planetlab-plan.toml output/plan-planetlab/planetlab-sum-of-peaks.toml",
            exit: 0,
            files: plan_compare,
        },
        Step {
            step: 8,
            args: "sweep scenarios/sweep-ownborrow.toml",
            exit: 0,
            files: strs(&[
                "output/sweep-ownborrow/results.parquet",
                "output/sweep-ownborrow/summary.parquet",
                "output/sweep-ownborrow/pareto.csv",
                "output/sweep-ownborrow/charts/pareto.png",
            ]),
        },
        Step {
            step: 9,
            args: "compare scenarios/licence-vpars.toml scenarios/licence-vms.toml scenarios/licence-fss.toml",
            exit: 0,
            files: strs(&[
                "output/compare-licence-vpars-vs-licence-vms-vs-licence-fss/compare.json",
                "output/compare-licence-vpars-vs-licence-vms-vs-licence-fss/report.html",
                "output/compare-licence-vpars-vs-licence-vms-vs-licence-fss/licence-fss/summary.json",
            ]),
        },
        Step {
            step: 10,
            args: "compare scenarios/mobility/mobility-static.toml scenarios/mobility/mobility-vpars.toml scenarios/mobility/mobility-thr.toml scenarios/mobility/mobility-mad.toml",
            exit: 0,
            files: strs(&[
                &format!("output/{MOBILITY}/compare.json"),
                &format!("output/{MOBILITY}/report.html"),
                &format!("output/{MOBILITY}/mobility-mad/summary.json"),
            ]),
        },
    ];
    // The README's commands are exactly these, in this order: a new or changed command must
    // be added here with what it writes.
    let readme: Vec<(u32, String)> = steps
        .iter()
        .flat_map(|(&n, text)| tour_commands(text).into_iter().map(move |c| (n, c)))
        .collect();
    let expected: Vec<(u32, String)> = tour.iter().map(|s| (s.step, s.args.to_owned())).collect();
    assert_eq!(readme, expected);
    for s in &tour {
        assert!(
            !s.args.contains("../shared"),
            "the tour runs without ../shared"
        );
    }

    let dir = fresh_copy("tour");
    let demo = dir.join("scenarios/demo.toml");
    let original = std::fs::read_to_string(&demo).unwrap();
    // vp-app's `cores = …` line: the first after its name.
    let set_vp_app_cores = |cores: u32| {
        let at = original.find("name = \"vp-app\"").unwrap();
        let line = at + original[at..].find("\ncores = 3\n").unwrap();
        let mut text = original.clone();
        text.replace_range(line..line + 11, &format!("\ncores = {cores}\n"));
        std::fs::write(&demo, text).unwrap();
    };
    for s in &tour {
        // The README's commands quote one argument, for the shell: unquoted here.
        let args: Vec<&str> = s
            .args
            .split_whitespace()
            .map(|a| a.trim_matches('\''))
            .collect();
        let files: Vec<&str> = s.files.iter().map(String::as_str).collect();
        check(&dir, &args, s.exit, &files);
        if s.step == 1 {
            // Step 2 redraws the charts.
            assert!(steps[&2].contains("`vsesim plot output/demo`"));
            check(
                &dir,
                &["plot", "output/demo"],
                0,
                &["output/demo/report.html", "output/demo/charts/*.png"],
            );
        }
        if s.step == 3 {
            let summary = read_json(&dir.join("output/demo-4cores/summary.json"));
            assert_eq!(entity(&summary, "partitions", "vp-app")["cores"], 4);
            // The base run's folder is left as it was.
            let base = read_json(&dir.join("output/demo/summary.json"));
            assert_eq!(entity(&base, "partitions", "vp-app")["cores"], 3);
            // The pipeline's gate: the demo still exceeds.
            assert!(steps[&3].contains("`vsesim run\n   --fail-on exceeds`"));
            check(
                &dir,
                &["run", "--fail-on", "exceeds"],
                3,
                &run_files("demo")
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            );
            // The mistake, answered as the README quotes it.
            assert!(steps[&3].contains("Try `cores = 5` in the file"));
            set_vp_app_cores(5);
            let quoted = blocks(&steps[&3])
                .into_iter()
                .find(|(info, lines)| info.is_empty() && lines[0].starts_with("error:"))
                .map(|(_, lines)| lines.join("\n") + "\n")
                .expect("step 3 quotes the error");
            for args in [&["validate", "scenarios/demo.toml"][..], &[]] {
                let out = check(&dir, args, 2, &[]);
                assert_eq!(stderr(&out), quoted, "vsesim {}", args.join(" "));
            }
            std::fs::write(&demo, &original).unwrap();
        }
    }

    // Step 9: "All three meet with nothing unserved", and the bills it quotes.
    let licences = dir.join("output/compare-licence-vpars-vs-licence-vms-vs-licence-fss");
    for name in ["licence-vpars", "licence-vms", "licence-fss"] {
        let run = read_json(&licences.join(name).join("summary.json"));
        assert_eq!(run["verdict"]["status"], "meets", "{name}");
    }
    // Step 10's figures are the runs': the vPars draw the static fleet's energy (the same
    // work on the same servers), the managers' kWh and migrations as the README quotes them.
    let mobility = dir.join("output").join(MOBILITY);
    let said = steps[&10].replace("\n    ", " ");
    let run = |name: &str| read_json(&mobility.join(name).join("summary.json"));
    let kwh = |name: &str| f(&run(name)["energy"]["facility_kwh"]);
    assert!((kwh("mobility-static") - kwh("mobility-vpars")).abs() < 1e-6);
    assert!(
        said.contains(&format!(
            "static fleet's {:.0} facility kWh",
            kwh("mobility-static")
        )),
        "{said}"
    );
    for (name, label) in [("mobility-thr", "THR-MMT"), ("mobility-mad", "MAD-MMT")] {
        let migrations = run(name)["consolidation"][0]["migrations"]
            .as_u64()
            .unwrap();
        let quoted = format!(
            "{label} {}{:.1} kWh with {migrations}",
            if label == "THR-MMT" { "needs " } else { "" },
            kwh(name)
        );
        assert!(said.contains(&quoted), "{quoted} not in {said}");
    }
    // Step 7's figures are the plan's.
    let plan = read_json(&dir.join("output/plan-planetlab/plan.json"));
    let said = format!(
        "The plan needs {} servers where sizing each VM for its own peak needs {}",
        plan["totals"]["servers"], plan["baseline"]["totals"]["servers"]
    );
    assert!(steps[&7].replace("\n   ", " ").contains(&said), "{said}");
    // "every server and VM of the plan meets the 85 % limit at p99 in the run"
    let run = read_json(&dir.join("output/planetlab-plan/summary.json"));
    assert!(steps[&7].contains("every server and VM"));
    assert_eq!(
        run["verdict"]["status"], "meets",
        "{}",
        run["verdict"]["line"]
    );
}

/// The example lines of a `--help` text: (the command line, the exit code its comment names:
/// `exits N`, else 0).
fn examples(help: &str) -> Vec<(Vec<String>, i32)> {
    let start = help
        .lines()
        .position(|l| l.starts_with("Examples"))
        .unwrap_or_else(|| panic!("no Examples section in\n{help}"));
    help.lines()
        .skip(start + 1)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| {
            let (command, comment) = l.split_once(" #").unwrap_or((l, ""));
            let words: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
            assert_eq!(words[0], "vsesim", "{l}");
            let exit = comment
                .split_once("exits ")
                .map_or(0, |(_, n)| n[..1].parse().unwrap());
            (words[1..].to_vec(), exit)
        })
        .collect()
}

/// The commands in the order their examples run: `plot` and `export` read `run`'s folder,
/// `merge` the shards of `sweep`.
const ORDER: [&str; 11] = [
    "run", "compare", "plot", "validate", "synth", "import", "export", "plan", "sweep", "merge",
    "samples",
];

/// `vsesim --help` and every command's `--help` (the hidden `samples` too) end with two or
/// three examples, and each runs on a fresh copy with the exit code its comment gives.
#[test]
fn every_help_has_examples_that_run_on_a_fresh_clone() {
    let mut names: Vec<String> = vsesim::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    names.sort();
    let mut order: Vec<String> = ORDER.iter().map(|s| s.to_string()).collect();
    order.sort();
    assert_eq!(names, order, "every command is in ORDER");

    let dir = fresh_copy("examples");
    let top = vsesim(&["--help"], &dir);
    let mut all = vec![(
        "vsesim".to_owned(),
        examples(&String::from_utf8_lossy(&top.stdout)),
    )];
    for name in ORDER {
        let out = vsesim(&[name, "--help"], &dir);
        assert!(out.status.success());
        let help = String::from_utf8_lossy(&out.stdout).into_owned();
        let lines = examples(&help);
        assert!(
            (2..=3).contains(&lines.len()),
            "{name}: {} examples",
            lines.len()
        );
        assert!(
            lines
                .iter()
                .filter(|(w, _)| w.first().map(String::as_str) == Some(name))
                .count()
                >= 1,
            "{name}'s examples show {name}"
        );
        all.push((name.to_owned(), lines));
    }
    for (name, lines) in &all {
        for (words, exit) in lines {
            let args: Vec<&str> = words.iter().map(String::as_str).collect();
            let out = vsesim(&args, &dir);
            assert_eq!(
                code(&out),
                *exit,
                "{name}'s example `vsesim {}`: {}",
                args.join(" "),
                stderr(&out)
            );
        }
    }
}

/// `run --help` names every file a run writes: those of a run with --csv, and replicas.json
/// of a run with --replicas.
#[test]
fn run_help_lists_every_file_a_run_writes() {
    let dir = fresh_copy("run-files");
    let help = String::from_utf8_lossy(&vsesim(&["run", "--help"], &dir).stdout).into_owned();
    check(
        &dir,
        &["run", "--csv", "-q"],
        0,
        &["output/demo/timeseries.csv"],
    );
    check(
        &dir,
        &["run", "scenarios/ha-cluster.toml", "--replicas", "2", "-q"],
        0,
        &["output/ha-cluster/replicas.json"],
    );
    let mut seen = 0;
    for folder in ["output/demo", "output/ha-cluster"] {
        for e in std::fs::read_dir(dir.join(folder)).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            let mentioned = if name == "charts" {
                help.contains("charts/*.png, *.svg")
            } else {
                help.contains(&format!("  {name} "))
            };
            assert!(mentioned, "run --help does not list {name}:\n{help}");
            seen += 1;
        }
    }
    assert!(seen >= 16, "{seen}");
}

/// Each bundled scenario (a run, a plan or a sweep file) run from a folder that is not the
/// project writes under that folder's output/ only: the project is left unchanged.
#[test]
fn every_bundled_scenario_writes_under_output_wherever_it_is_run_from() {
    let project = fresh_copy("anywhere");
    let mut files: Vec<PathBuf> = std::fs::read_dir(project.join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 7, "{files:?}");
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let doc: toml::Table = toml::from_str(&text).unwrap();
        let name_of = |table: &str| {
            doc.get(table)
                .and_then(|t| t.get("name"))
                .and_then(|n| n.as_str())
                .map(str::to_owned)
        };
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        let (command, folder) = if doc.contains_key("plan") {
            ("plan", format!("plan-{}", name_of("plan").unwrap()))
        } else if doc.contains_key("sweep") {
            ("sweep", name_of("sweep").unwrap_or(stem))
        } else {
            ("run", name_of("scenario").unwrap())
        };
        let cwd = scratch("elsewhere");
        let before = snapshot(&project);
        let out = vsesim(&[command, file.to_str().unwrap(), "-q"], &cwd);
        assert_eq!(code(&out), 0, "{}: {}", file.display(), stderr(&out));
        assert_eq!(
            snapshot(&project),
            before,
            "{} wrote into the project",
            file.display()
        );
        let listing = |d: &Path| -> Vec<String> {
            let mut v: Vec<String> = std::fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        assert_eq!(listing(&cwd), ["output"], "{}", file.display());
        assert_eq!(
            listing(&cwd.join("output")),
            std::slice::from_ref(&folder),
            "{}",
            file.display()
        );
        assert!(
            !listing(&cwd.join("output").join(&folder)).is_empty(),
            "{}",
            file.display()
        );
    }
}
