//! The HTML report as a person meets it: headless Chromium opens the report.html of a real
//! run, takes a screenshot and dumps the DOM it built.
//!
//! Chromium is installed by the test setup if absent (`apt-get install chromium`, as root).
//! Where it cannot be had the test fails with the reason: a check that did not run must
//! never look like a pass.
#![cfg(unix)]

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";

/// A render takes about a second; a minute means Chromium hangs (e.g. waiting on a network
/// this machine does not have).
const RENDER_LIMIT: Duration = Duration::from_secs(60);

/// apt-get may have to fetch ~100 MB; past this it is not going to succeed.
const INSTALL_LIMIT: Duration = Duration::from_secs(900);

/// Flags for a closed network and a root user: no sandbox (root), no GPU, nothing
/// fetched in the background, a fresh profile per run, console messages logged to stderr.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
];

/// Stderr that means the page misbehaved. The page has no script, so any console message
/// is the browser complaining. Chromium 148 logs every console message (even
/// `console.error`) as `INFO:CONSOLE`, and words a CSP block as "Loading … violates the
/// following Content Security Policy directive" (older versions: "Refused to load").
const CONSOLE_ERRORS: &[&str] = &[
    "CONSOLE",
    "Uncaught",
    "Refused to",
    "Content Security Policy",
    "net::ERR_",
];

/// A 1280×2000 white page compresses to ~12 kB; the demo report is ~300 kB or more.
const MIN_PNG_BYTES: u64 = 60_000;

/// The demo report, opened in Chromium: it draws (a screenshot of a real page, not a blank
/// one), it shows the scenario's name and verdict, and it loads nothing the CSP refuses.
#[test]
fn the_report_renders_in_chromium() {
    let dir = scratch("browser");
    let out = dir.join("out");
    run_vsesim("scenarios/demo.toml", &out);
    let report = out.join("report.html");
    assert!(report.is_file(), "{} missing", report.display());
    let summary = read_json(&out.join("summary.json"));
    let name = summary["scenario"]["name"].as_str().expect("scenario.name");
    let status = summary["verdict"]["status"]
        .as_str()
        .expect("verdict.status");

    let chromium = chromium();
    let url = file_url(&report);
    let png = dir.join("report.png");
    let shot = render(
        &chromium,
        &dir,
        "screenshot",
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,2000",
            &url,
        ],
    );
    eprintln!("Chromium screenshot took {:.2?}", shot.elapsed);
    assert_drawn(&png, 1280, 2000);
    assert_no_console_errors(&shot.stderr);
    keep_screenshot(&png, "demo");

    let dump = render(&chromium, &dir, "dump-dom", &["--dump-dom", &url]);
    eprintln!("Chromium --dump-dom took {:.2?}", dump.elapsed);
    assert_no_console_errors(&dump.stderr);
    let dom = &dump.stdout;
    assert!(dom.contains("</html>"), "no DOM dumped:\n{}", dump.stderr);
    let text = visible_text(dom);
    assert!(
        text.contains(&escape(name)),
        "scenario name `{name}` not shown"
    );
    assert!(text.contains(status), "verdict `{status}` not shown");
    assert!(
        dom.contains("http-equiv=\"Content-Security-Policy\"")
            && dom.contains("default-src 'none'"),
        "the page lost its Content-Security-Policy: without it a failed load is silent"
    );
    assert_demo_tree(dom, &summary);
    assert_verdict_and_advice(dom, &summary);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue #17 as a person meets it in the demo's report: the banner names the culprit and
/// counts the servers and partitions; in the datacenter tree the culprit, a partition, has
/// its own verdict and says why; the planning section gives the advice that knows the box,
/// priced. Every text is the run's own summary.json's.
fn assert_verdict_and_advice(dom: &str, summary: &serde_json::Value) {
    let start = dom
        .find("<div class=\"verdict ")
        .expect("the verdict banner");
    let banner = &dom[start..start + dom[start..].find("</div>").expect("banner closed")];
    let text = visible_text(banner);
    let culprit = &summary["verdict"]["culprit"];
    let why = culprit["text"]
        .as_str()
        .expect("the demo exceeds: a culprit");
    assert!(
        text.contains(&escape(why)),
        "`{why}` not in the banner: {text}"
    );
    let line = summary["verdict"]["line"].as_str().expect("verdict.line");
    assert!(
        text.contains(&escape(line)),
        "`{line}` not in the banner: {text}"
    );

    let entity = culprit["entity"].as_str().expect("culprit.entity");
    assert_ne!(culprit["kind"], "server", "the demo's worst is a partition");
    let tree = section(dom, "datacenter");
    let row = details_around(tree, entity);
    let row = visible_text(&row[..row.find("</summary>").expect("the partition's row")]);
    assert!(
        row.contains("exceeds"),
        "{entity}'s verdict not shown: {row}"
    );
    assert!(
        row.contains(&escape(why)),
        "{entity}'s culprit not shown: {row}"
    );

    let planning = visible_text(section(dom, "planning"));
    let advice = summary["planning"]["advice"][0]["lines"]
        .as_array()
        .expect("planning.advice[0].lines");
    assert!(
        advice
            .iter()
            .any(|l| l.as_str().is_some_and(|l| l.starts_with("iCAP: activate"))),
        "the demo's advice activates iCAP cores: {advice:?}"
    );
    for line in advice {
        let line = line.as_str().expect("a line");
        assert!(
            planning.contains(&escape(line)),
            "advice `{line}` not in the planning section"
        );
    }
}

/// The demo's server, one of its vPars and that vPar's workload (scenarios/demo.toml).
const DEMO_TREE: [&str; 3] = ["sd-new", "vp-db", "oltp"];

/// The datacenter tree as Chromium built it: the demo's server, a vPar and a workload by
/// name, each element inside the one above it: the vPar's `<details>` within the server's,
/// the workload's row within the vPar's.
fn assert_demo_tree(dom: &str, summary: &serde_json::Value) {
    let [server, vpar, workload] = DEMO_TREE;
    let names = |key: &str| -> Vec<&str> {
        summary[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n["name"].as_str())
            .collect()
    };
    assert!(names("servers").contains(&server), "demo.toml changed");
    assert!(names("partitions").contains(&vpar), "demo.toml changed");
    assert!(names("workloads").contains(&workload), "demo.toml changed");

    let tree = section(dom, "datacenter");
    let server_el = details_around(tree, server);
    let vpar_el = details_around(server_el, vpar);
    assert!(
        vpar_el.len() < server_el.len() && vpar_el.starts_with("<details"),
        "{vpar} is not a fold inside {server}'s"
    );
    assert!(
        vpar_el.contains(&format!("<strong>{workload}</strong>")),
        "{workload} is not inside {vpar}'s fold"
    );
    let text = visible_text(vpar_el);
    assert!(text.contains("workload"), "kind not shown: {text}");
    assert!(text.contains("over limit") || text.contains("ok"));
}

/// A second bundled scenario that buys Temporary Instant Capacity: its server's row in the
/// tree says how many cores are installed, active and inactive, and that TiCAP is in use,
/// with the figures of its summary.json.
#[test]
fn the_datacenter_tree_shows_ticap_in_chromium() {
    let dir = scratch("browser-ticap");
    let out = dir.join("out");
    run_vsesim("scenarios/consolidation-ticap.toml", &out);
    let summary = read_json(&out.join("summary.json"));
    let lic = &summary["licensing"][0];
    let server = lic["server"].as_str().expect("licensing[0].server");
    let installed = lic["installed_cores"].as_u64().expect("installed_cores");
    let rights = lic["rights"].as_u64().expect("rights");
    let used = lic["ticap"]["used_core_minutes"]
        .as_f64()
        .expect("the scenario uses TiCAP");
    assert!(used > 0.0, "consolidation-ticap.toml no longer uses TiCAP");

    let chromium = chromium();
    let url = file_url(&out.join("report.html"));
    let dump = render(&chromium, &dir, "dump-dom", &["--dump-dom", &url]);
    assert_no_console_errors(&dump.stderr);
    let tree = section(&dump.stdout, "datacenter");
    let row = details_around(tree, server);
    let row = &row[..row.find("</summary>").expect("the server's row")];
    let text = visible_text(row);
    let expected = format!(
        "cores: {installed} installed, {rights} active (usage rights), {} inactive iCAP, \
         TiCAP in use: {} core-min",
        installed - rights,
        thousands(used.round() as u64)
    );
    assert!(text.contains(&expected), "`{expected}` not in `{text}`");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue #19 in the ha-cluster report: its header dates the run (`start = "2026-03-02"`, a
/// Monday: 2026-01-01 is a Thursday, and 31 + 28 days later is a Sunday, Mar 1); the
/// charts carry the limit on each partition's chart (node-b: 0.85 × 5 = 4.25 cores) and sd-a's
/// outage on sd-a's stack; the Monte Carlo section has the replicas of replicas.json with
/// the same mean availability; and dates, not elapsed days, on the time axes.
#[test]
fn the_ha_cluster_report_shows_outages_dates_and_replicas_in_chromium() {
    let dir = scratch("browser-ha");
    let out = dir.join("out");
    run_vsesim_with("scenarios/ha-cluster.toml", &out, &["--replicas", "20"]);
    let replicas = read_json(&out.join("replicas.json"));
    let chromium = chromium();
    let url = file_url(&out.join("report.html"));
    let png = dir.join("report.png");
    let shot = render(
        &chromium,
        &dir,
        "screenshot",
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,3000",
            &url,
        ],
    );
    assert_drawn(&png, 1280, 3000);
    assert_no_console_errors(&shot.stderr);
    keep_screenshot(&png, "ha-cluster");
    let dump = render(&chromium, &dir, "dump-dom", &["--dump-dom", &url]);
    assert_no_console_errors(&dump.stderr);
    let dom = &dump.stdout;
    assert!(
        visible_text(dom).contains("from Mon Mar 2 2026"),
        "no start date in the header"
    );
    let charts = section(dom, "charts");
    assert!(
        charts.contains("limit 85 % = 4.25 cores"),
        "node-b's limit line"
    );
    assert!(charts.contains("sd-a down"), "sd-a's outage is not shaded");
    assert!(charts.contains("Mar 12"), "no dates on the time axes");
    let mc = visible_text(section(dom, "montecarlo"));
    assert!(mc.contains("20 replicas of the random failures"), "{mc}");
    let mean = replicas["availability"]["mean"]
        .as_f64()
        .expect("availability.mean");
    assert!(
        mc.contains(&format!("{:.1}", mean * 100.0)),
        "mean availability {mean} not in {mc}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A sweep's report.html as a reviewer meets it: the best points and the front as tables
/// linking to point files, the charts labelled in words with units ("Owned cores of np-erp
/// [cores]", "Total cost [USD]"), the raw field path only in the label table's footnotes.
#[test]
fn the_sweep_report_renders_in_chromium() {
    let dir = scratch("browser-sweep");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("scenarios/sweep-ownborrow.toml"))
        .expect("the tour's sweep")
        .replace(
            "base = \"consolidation-ticap.toml\"",
            &format!(
                "base = {:?}",
                root.join("scenarios/consolidation-ticap.toml")
            ),
        )
        .replace("replicas = 5", "replicas = 2");
    std::fs::write(dir.join("sweep.toml"), text).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_vsesim"))
        .args(["sweep", "sweep.toml", "-o", "out", "-q"])
        .current_dir(&dir)
        .output()
        .expect("the vsesim binary runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let out = dir.join("out");
    let front = read_json(&out.join("pareto.json"));
    let chromium = chromium();
    let url = file_url(&out.join("report.html"));
    let png = dir.join("report.png");
    let shot = render(
        &chromium,
        &dir,
        "screenshot",
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,3000",
            &url,
        ],
    );
    assert_drawn(&png, 1280, 3000);
    assert_no_console_errors(&shot.stderr);
    keep_screenshot(&png, "sweep");
    let dump = render(&chromium, &dir, "dump-dom", &["--dump-dom", &url]);
    assert_no_console_errors(&dump.stderr);
    let dom = &dump.stdout;
    let path = "policies[domain=sd].compartments[partition=np-erp].policy.owned";
    for id in ["best", "front", "charts"] {
        let part = section(dom, id);
        assert!(!part.contains(path), "the raw path in #{id}");
        assert!(
            part.contains("Owned cores of np-erp [cores]"),
            "no axis label in #{id}"
        );
    }
    assert!(
        section(dom, "labels").contains(path),
        "the footnote lost the path"
    );
    assert!(section(dom, "charts").contains("Total cost [USD]"));
    // Every front point is a row of the front's table, linked to its file.
    let points = front
        .as_array()
        .or_else(|| front["points"].as_array())
        .expect("the front");
    let table = section(dom, "front");
    for p in points.iter().take(50) {
        let n = p["point"].as_u64().expect("point");
        assert!(
            table.contains(&format!("href=\"points/p{n:06}.json\"")),
            "front point {n} not linked"
        );
        assert!(out.join(format!("points/p{n:06}.json")).is_file());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Keeps a screenshot where a person reviewing the change can look at it (the build's scratch
/// folder, never committed): target/tmp/screenshots/NAME.png.
fn keep_screenshot(png: &Path, name: &str) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshots folder");
    let kept = dir.join(format!("{name}.png"));
    std::fs::copy(png, &kept).expect("keep the screenshot");
    eprintln!("screenshot: {}", kept.display());
}

/// The serialized `<section id=…>` of a page.
fn section<'a>(dom: &'a str, id: &str) -> &'a str {
    let start = dom
        .find(&format!("<section id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section `{id}` in the DOM"));
    let end = dom[start..].find("</section>").expect("section closed");
    &dom[start..start + end]
}

/// The innermost `<details>` element holding the node named `name` in its row.
fn details_around<'a>(html: &'a str, name: &str) -> &'a str {
    let at = html
        .find(&format!("<strong>{name}</strong>"))
        .unwrap_or_else(|| panic!("`{name}` not in the tree"));
    let start = html[..at]
        .rfind("<details")
        .unwrap_or_else(|| panic!("`{name}` is in no <details>"));
    let mut depth = 0;
    let mut i = start;
    while i < html.len() {
        let rest = &html[i..];
        if rest.starts_with("<details") {
            depth += 1;
        } else if rest.starts_with("</details>") {
            depth -= 1;
            if depth == 0 {
                return &html[start..i + "</details>".len()];
            }
        }
        i += rest[1..].find('<').map_or(rest.len(), |n| n + 1);
    }
    panic!("the <details> around `{name}` is not closed")
}

/// 30360 → "30,360", as the report writes counts.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `vsesim run SCENARIO -o OUT -q` from the crate root.
fn run_vsesim(scenario: &str, out: &Path) {
    run_vsesim_with(scenario, out, &[]);
}

/// [`run_vsesim`] with more arguments.
fn run_vsesim_with(scenario: &str, out: &Path, more: &[&str]) {
    let run = Command::new(env!("CARGO_BIN_EXE_vsesim"))
        .args(["run", scenario, "-o"])
        .arg(out)
        .arg("-q")
        .args(more)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the vsesim binary runs");
    assert!(
        run.status.success(),
        "vsesim run failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// What one bounded run of a program left.
struct Ran {
    status: Option<ExitStatus>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Chromium on one page with [`FLAGS`] and a fresh profile; fails the test when it times
/// out or exits with an error.
fn render(chromium: &Path, dir: &Path, what: &str, args: &[&str]) -> Ran {
    let profile = dir.join(format!("profile-{what}"));
    std::fs::create_dir_all(&profile).expect("profile dir");
    let mut cmd = Command::new(chromium);
    cmd.args(FLAGS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args);
    let ran = run_bounded(cmd, RENDER_LIMIT, dir, what);
    match ran.status {
        Some(s) if s.success() => ran,
        Some(s) => panic!("chromium {what} failed ({s}):\n{}", ran.stderr),
        None => panic!(
            "chromium {what} did not finish in {RENDER_LIMIT:?}; killed. stderr:\n{}",
            ran.stderr
        ),
    }
}

/// Runs `cmd` in a process group of its own, output to files (a large DOM would fill a
/// pipe nobody reads), and kills the whole group past `limit`: Chromium's helper
/// processes go with it. `status` is `None` when killed.
fn run_bounded(mut cmd: Command, limit: Duration, dir: &Path, name: &str) -> Ran {
    let out_path = dir.join(format!("{name}.stdout"));
    let err_path = dir.join(format!("{name}.stderr"));
    cmd.stdin(Stdio::null())
        .stdout(File::create(&out_path).expect("stdout file"))
        .stderr(File::create(&err_path).expect("stderr file"))
        .process_group(0);
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", cmd.get_program()));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if start.elapsed() > limit {
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    Ran {
        status,
        stdout: read(&out_path),
        stderr: read(&err_path),
        elapsed: start.elapsed(),
    }
}

/// The Chromium binary, installed first if absent; panics with the reason when it cannot
/// be had.
fn chromium() -> PathBuf {
    let path = PathBuf::from(CHROMIUM);
    if path.is_file() {
        return path;
    }
    let log = install_chromium();
    assert!(
        path.is_file(),
        "{CHROMIUM} is absent and the test setup could not install it; install it with \
         `apt-get install -y chromium`.\n{log}"
    );
    path
}

/// `apt-get install -y chromium`, after an `apt-get update` when the first try fails (stale
/// package lists). Returns what happened, for the failure message.
fn install_chromium() -> String {
    if !is_root() {
        return "not running as root: cannot install packages".to_string();
    }
    let dir = scratch("apt");
    let mut log = String::new();
    for step in [
        &["install", "-y", "chromium"][..],
        &["update"][..],
        &["install", "-y", "chromium"][..],
    ] {
        let mut cmd = Command::new("apt-get");
        cmd.args(step).env("DEBIAN_FRONTEND", "noninteractive");
        let ran = run_bounded(cmd, INSTALL_LIMIT, &dir, step[0]);
        log += &format!(
            "$ apt-get {}: {:?}\n{}\n",
            step.join(" "),
            ran.status,
            tail(&ran.stderr, 20)
        );
        if step[0] == "install" && ran.status.is_some_and(|s| s.success()) {
            break;
        }
    }
    log
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The screenshot is a PNG of the window's size and holds a drawn page: a blank one
/// compresses to far fewer bytes.
fn assert_drawn(png: &Path, width: u32, height: u32) {
    let bytes = std::fs::read(png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n") && &bytes[12..16] == b"IHDR",
        "{} is not a PNG",
        png.display()
    );
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!((be(16), be(20)), (width, height), "screenshot size");
    assert!(
        bytes.len() as u64 > MIN_PNG_BYTES,
        "screenshot is {} bytes: a blank page?",
        bytes.len()
    );
}

fn assert_no_console_errors(stderr: &str) {
    let bad: Vec<&str> = stderr
        .lines()
        .filter(|l| CONSOLE_ERRORS.iter().any(|p| l.contains(p)))
        .collect();
    assert!(
        bad.is_empty(),
        "the page logged errors:\n{}",
        bad.join("\n")
    );
}

/// `file://` URL of an absolute path, with bytes outside the safe set percent-encoded.
fn file_url(path: &Path) -> String {
    let path = path.canonicalize().expect("report path");
    let mut url = String::from("file://");
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            url.push(b as char);
        } else {
            url += &format!("%{b:02X}");
        }
    }
    url
}

/// The body's text as serialized (entities kept), without tags: what the page shows, not
/// its class names or CSS, where "meets" and "exceeds" always appear.
fn visible_text(dom: &str) -> String {
    let body = dom.split_once("<body").map_or(dom, |(_, b)| b);
    let mut text = String::with_capacity(body.len() / 2);
    let mut in_tag = true; // still inside `<body …>`
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// How a name appears in Chromium's serialized DOM (text content).
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("valid JSON")
}

/// A fresh, empty folder under the system temp dir.
fn scratch(name: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("vsesim-test-{}-{name}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
