//! docs/SCALING.md's Slurm recipe on a real Slurm: munged, slurmctld and slurmd for one node,
//! started in a scratch folder on ports of their own, run the documented
//! `deploy/slurm/sweep.sbatch` and `merge.sbatch` (unchanged but for the array size, given on
//! sbatch's command line) through the page's own command blocks. The merged tables must be
//! byte for byte those of the sweep run here whole; then a task is stopped mid-run with the
//! page's `scancel --batch --signal=TERM`, the merge is seen held, the task is resubmitted and
//! the merge released as the page says, and the tables must be the same bytes again. Last,
//! the page's split run: `deploy/slurm/run.sbatch` as an array of three parts of a scenario's
//! islands and the merge after it, whose run folder must be byte for byte the run on one
//! machine.
//!
//! Debian's slurm-wlm and munge are installed by the test when absent (`apt-get install`, as
//! root), as the browser test installs Chromium. Where they cannot be had the test fails with
//! the reason: a check that did not run must never look like a pass. The daemons are stopped
//! by their PIDs when the test ends, however it ends.
#![cfg(unix)]

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const MUNGED: &str = "/usr/sbin/munged";
const SLURMCTLD: &str = "/usr/sbin/slurmctld";
const SLURMD: &str = "/usr/sbin/slurmd";

/// Past this a daemon that has not come up, or a job that has not ended, is not going to.
const PATIENCE: Duration = Duration::from_secs(300);

/// apt-get may have to fetch ~30 MB; past this it is not going to succeed.
const INSTALL_LIMIT: Duration = Duration::from_secs(900);

/// Shards in the test: the page's array is 1-8, the test's 1-3 (two cores).
const TASKS: u64 = 3;

/// A sweep of 48 points (16 per shard), each a few tenths of a second on a shared core: long
/// enough to stop a task between its points, short enough for the whole test to take about a
/// minute on two cores.
fn base() -> String {
    let mut base = Scenario::new("slurm-test", "1095d", 11).server("sd", 2, 4, 16, "");
    for (name, mean, peak, noise) in [
        ("web", 2.0, 6.0, 0.3),
        ("batch", 1.5, 4.0, 0.4),
        ("erp", 1.0, 3.0, 0.2),
        ("etl", 0.6, 2.0, 0.5),
    ] {
        base = base.synth(name, "sd", &diurnal(mean, peak, noise), "");
    }
    base.into()
}

/// A daily cycle of `mean` cores peaking at `peak`, with `noise`.
fn diurnal(mean: f64, peak: f64, noise: f64) -> String {
    format!("{{ pattern = \"diurnal\", mean = {mean}, peak = {peak}, noise = {noise} }}")
}

const SWEEP: &str = r#"[sweep]
base = "base.toml"
replicas = 1

[[axes]]
path = "servers[0].cores_per_cell"
values = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]

[[axes]]
path = "workloads[0].synth.noise"
values = [0.1, 0.2, 0.3]
"#;

const TABLES: [&str; 5] = [
    "results.parquet",
    "results.csv",
    "summary.parquet",
    "summary.csv",
    "pareto.json",
];

#[test]
fn the_documented_slurm_recipe_runs_on_a_real_slurm() {
    install_slurm();
    let cluster = Cluster::start(&scratch("slurm"));
    let project = cluster.dir.join("project");
    std::fs::create_dir_all(project.join("deploy/slurm")).unwrap();
    std::fs::write(project.join("base.toml"), base()).unwrap();
    std::fs::write(project.join("sweep.toml"), SWEEP).unwrap();
    let doc = std::fs::read_to_string(project_root().join("docs/SCALING.md")).unwrap();
    let sh = fenced_blocks(&doc, "sh");
    let block = |needle: &str| -> String {
        sh.iter()
            .find(|b| b.contains(needle))
            .unwrap_or_else(|| panic!("SCALING.md has no sh block with `{needle}`"))
            .clone()
    };
    // The page's blocks, run as they are but for the array size.
    let submit = array_block(&block, &project, "sweep.sbatch", &["merge.sbatch"]);
    let stop = block("scancel --batch --signal=TERM");
    let resubmit = block("scontrol update JobId=");

    let whole = vsesim(&["sweep", "sweep.toml", "-o", "whole", "-q"], &project);
    assert!(whole.status.success(), "{}", stderr(&whole));

    // The array into `out` and the merge after it; their job ids.
    let sweep_into = |out: &str| {
        let env = [("OUT", out.to_string()), ("SWEEP", "sweep.toml".into())];
        two_ids(&cluster.script(
            &format!("{submit}printf '%s %s\\n' \"$jobid\" \"$merge\"\n"),
            &project,
            &env,
        ))
    };

    // 1. The array and the merge after it.
    let (jobid, merge) = sweep_into("out1");
    cluster.assert_completed(&jobid, &merge, &project);
    assert_same_tables(&project.join("out1"), &project.join("whole"));

    // 2. Again, with task 2 stopped between its points as its time limit would stop it.
    let (jobid, merge) = sweep_into("out2");
    let k = 2;
    let points = project.join(format!("out2/shard-{k}-of-{TASKS}/points"));
    let started = Instant::now();
    while count_points(&points) == 0 {
        assert!(
            started.elapsed() < PATIENCE,
            "task {k} wrote no point: {}",
            cluster.diagnose(&project)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let stop_env = [
        ("jobid", jobid.clone()),
        ("K", k.to_string()),
        ("OUT", "out2".into()),
    ];
    // The block sets K itself (K=3 on the page); the test's task is 2.
    cluster.script(
        &stop.replace("K=3\n", &format!("K={k}\n")),
        &project,
        &stop_env,
    );
    let task = format!("{jobid}_{k}");
    let state = cluster.wait_done(&task, &project);
    assert_eq!(
        (state.as_str(), cluster.field(&task, "ExitCode").as_str()),
        ("FAILED", "130:0"),
        "task {k} should end as vsesim does on SIGTERM: {}",
        cluster.diagnose(&project)
    );
    let done = count_points(&points);
    assert!(
        (1..16).contains(&done),
        "task {k} stopped mid-run should keep some of its 16 points, not {done}"
    );
    for other in [1, 3] {
        let state = cluster.wait_done(&format!("{jobid}_{other}"), &project);
        assert_eq!(state, "COMPLETED", "{}", cluster.diagnose(&project));
    }
    // The merge is held for ever, as the page warns.
    let started = Instant::now();
    while cluster.field(&merge, "Reason") != "DependencyNeverSatisfied" {
        assert!(
            started.elapsed() < PATIENCE,
            "the merge is not held: {}",
            cluster.diagnose(&project)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(cluster.field(&merge, "JobState"), "PENDING");
    assert!(!project.join("out2/results.csv").exists());

    // Resubmitted as the page says: the task alone (N from the folder), the merge released.
    let resubmit_env = [
        ("jobid", jobid.clone()),
        ("merge", merge.clone()),
        ("K", k.to_string()),
        ("OUT", "out2".to_string()),
        ("SWEEP", "sweep.toml".into()),
    ];
    let rerun = cluster.script(
        &format!("{resubmit}printf '%s\\n' \"$rerun\"\n"),
        &project,
        &resubmit_env,
    );
    let rerun = rerun.trim().to_string();
    cluster.track(&rerun);
    assert_eq!(
        cluster.wait_done(&merge, &project),
        "COMPLETED",
        "{}",
        cluster.diagnose(&project)
    );
    let log = std::fs::read_to_string(project.join(format!("logs/vsesim-sweep-{rerun}_{k}.out")))
        .unwrap_or_default();
    assert!(
        log.contains(&format!("shard {k}/{TASKS}")) && log.contains("N from the shard folders"),
        "the resubmitted task's log: {log}"
    );
    assert_eq!(count_points(&points), 16);
    assert!(!project.join(format!("out2/shard-{k}-of-1")).exists());
    assert_same_tables(&project.join("out2"), &project.join("whole"));

    // 3. One run split by islands: the page's `run.sbatch` block (its array 1-3 here), the
    // merge after it, and the merged run folder byte for byte the run on one machine.
    std::fs::write(project.join("islands.toml"), islands()).unwrap();
    let split = array_block(&block, &project, "run.sbatch", &[]);
    let env3 = [
        ("OUT", "out3".to_string()),
        ("SCENARIO", "islands.toml".into()),
    ];
    // The block prints the merge's "Submitted batch job M"; then the array's id.
    let ids = cluster.script(
        &format!("{split}printf '%s\\n' \"$jobid\"\n"),
        &project,
        &env3,
    );
    let numbers: Vec<&str> = ids
        .split_whitespace()
        .filter(|w| w.chars().all(|c| c.is_ascii_digit()))
        .collect();
    let [merge, jobid] = numbers[..] else {
        panic!("expected the merge's and the array's job ids: {ids:?}")
    };
    cluster.assert_completed(jobid, merge, &project);
    for k in 1..=TASKS {
        assert!(
            project
                .join(format!("out3/part-{k}-of-{TASKS}/part.json"))
                .is_file()
        );
    }
    let one = vsesim(&["run", "islands.toml", "-o", "one", "-q"], &project);
    assert!(one.status.success(), "{}", stderr(&one));
    for f in ["summary.json", "stats.csv", "stats.parquet", "report.html"] {
        let read = |d: &str| std::fs::read(project.join(d).join(f)).unwrap();
        assert!(
            read("out3") == read("one"),
            "{f}: the merged run differs from the run on one machine"
        );
    }
}

/// Four servers, each its own island (nothing couples them), so three parts hold chunks of
/// it; a month at the default step keeps each task to a second or so.
fn islands() -> String {
    let mut islands = Scenario::new("slurm-islands", "30d", 5);
    for (server, cores) in [("a", 8), ("b", 4), ("c", 6), ("d", 2)] {
        islands = islands.server(server, 1, cores, 16, "");
    }
    for (server, mean, peak, noise) in [
        ("a", 3.0, 7.0, 0.3),
        ("b", 2.0, 5.0, 0.4),
        ("c", 1.0, 3.0, 0.2),
        ("d", 1.5, 2.5, 0.5),
    ] {
        let synth = diurnal(mean, peak, noise);
        islands = islands.synth(&format!("w{server}"), server, &synth, "");
    }
    islands.into()
}

/// The page's block that submits `deploy/slurm/{script}`, with the test's array size given on
/// sbatch's command line; the script and the `more` it submits after it are copied into the
/// project unchanged first.
fn array_block(
    block: &impl Fn(&str) -> String,
    project: &Path,
    script: &str,
    more: &[&str],
) -> String {
    for f in std::iter::once(&script).chain(more) {
        std::fs::copy(
            project_root().join("deploy/slurm").join(f),
            project.join("deploy/slurm").join(f),
        )
        .unwrap();
    }
    let submit = format!("sbatch --parsable deploy/slurm/{script}");
    block(&submit).replace(
        &submit,
        &format!("sbatch --parsable --array=1-{TASKS} deploy/slurm/{script}"),
    )
}

fn assert_same_tables(a: &Path, b: &Path) {
    for t in TABLES {
        let read = |d: &Path| {
            std::fs::read(d.join(t)).unwrap_or_else(|e| panic!("{}: {e}", d.join(t).display()))
        };
        assert!(
            read(a) == read(b),
            "{t} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

fn count_points(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| {
                    let n = e.file_name();
                    let n = n.to_string_lossy();
                    n.starts_with('p') && n.ends_with(".json")
                })
                .count()
        })
        .unwrap_or(0)
}

fn two_ids(out: &str) -> (String, String) {
    let ids: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(
        ids.len(),
        2,
        "expected the array's and the merge's job ids: {out:?}"
    );
    (ids[0].to_string(), ids[1].to_string())
}

/// One node's Slurm and its munge, in a scratch folder. Dropped, it cancels the jobs it
/// submitted and stops its daemons by PID (slurmd, slurmctld, then munged).
struct Cluster {
    dir: PathBuf,
    conf: PathBuf,
    daemons: Vec<(&'static str, Child)>,
    jobs: std::cell::RefCell<Vec<String>>,
}

impl Cluster {
    fn start(dir: &Path) -> Cluster {
        let mut cluster = Cluster {
            dir: dir.to_path_buf(),
            conf: dir.join("slurm.conf"),
            daemons: Vec::new(),
            jobs: Default::default(),
        };
        let munge = dir.join("munge");
        let spool = dir.join("spool");
        let log = dir.join("log");
        for d in [&munge, &spool.join("ctld"), &spool.join("d"), &log] {
            std::fs::create_dir_all(d).unwrap();
        }
        let key = munge.join("munge.key");
        run_ok(
            Command::new("mungekey").arg("-c").arg("-k").arg(&key),
            "mungekey",
        );
        let socket = munge.join("socket");
        // -F: in the foreground, so the PID we hold is the daemon's; --force: a scratch
        // folder under /tmp does not pass munged's ownership checks for /run/munge.
        cluster.spawn(
            "munged",
            Command::new(MUNGED)
                .args(["-F", "--force"])
                .arg(format!("--key-file={}", key.display()))
                .arg(format!("--socket={}", socket.display()))
                .arg(format!("--pid-file={}", munge.join("munged.pid").display()))
                .arg(format!("--log-file={}", munge.join("munged.log").display()))
                .arg(format!("--seed-file={}", munge.join("seed").display())),
        );
        cluster.wait_for("munged's socket", |_| socket.exists());

        let host = hostname();
        let (ctld_port, d_port) = (free_port(), free_port());
        let conf = format!(
            "ClusterName=vsesimtest
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={d_port}
AuthType=auth/munge
AuthInfo=socket={socket}
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation={spool}/ctld
SlurmdSpoolDir={spool}/d
SlurmctldPidFile={dir}/slurmctld.pid
SlurmdPidFile={dir}/slurmd.pid
SlurmctldLogFile={log}/slurmctld.log
SlurmdLogFile={log}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
# The page's tasks ask for 4 CPUs and up to 8 GB each, its split run's merge 32 GB: the
# node says it has room for all three tasks at once and for that merge, whatever the machine
# (config_overrides: slurmd takes these figures as given).
SlurmdParameters=config_overrides
ReturnToService=2
MpiDefault=none
SwitchType=switch/none
NodeName=vsesimnode NodeHostname={host} NodeAddr=127.0.0.1 CPUs=16 RealMemory=40000 State=UNKNOWN
PartitionName=test Nodes=vsesimnode Default=YES MaxTime=INFINITE State=UP
",
            socket = socket.display(),
            spool = spool.display(),
            dir = dir.display(),
            log = log.display(),
        );
        std::fs::write(&cluster.conf, conf).unwrap();
        let conf_path = cluster.conf.clone();
        cluster.spawn(
            "slurmctld",
            Command::new(SLURMCTLD).arg("-D").arg("-f").arg(&conf_path),
        );
        cluster.spawn(
            "slurmd",
            Command::new(SLURMD)
                .args(["-D", "-N", "vsesimnode", "-f"])
                .arg(&conf_path),
        );
        cluster.wait_for("the node to be idle", |c| {
            c.slurm("sinfo", &["-h", "-o", "%T"])
                .is_some_and(|o| o.trim() == "idle")
        });
        cluster
    }

    fn spawn(&mut self, name: &'static str, cmd: &mut Command) {
        let log = self.dir.join("log").join(format!("{name}.out"));
        let file = std::fs::File::create(&log).unwrap();
        let child = cmd
            .env("SLURM_CONF", &self.conf)
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        self.daemons.push((name, child));
    }

    /// Polls `ready` until it holds; fails with the daemons' logs after [`PATIENCE`], or at
    /// once when a daemon has exited.
    fn wait_for(&mut self, what: &str, ready: impl Fn(&Cluster) -> bool) {
        let started = Instant::now();
        while !ready(self) {
            let exited = self
                .daemons
                .iter_mut()
                .find_map(|(name, child)| child.try_wait().ok().flatten().map(|s| (*name, s)));
            if let Some((name, status)) = exited {
                panic!(
                    "{name} exited ({status}) waiting for {what}:\n{}",
                    self.logs()
                );
            }
            assert!(
                started.elapsed() < PATIENCE,
                "no {what} after {PATIENCE:?}:\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A Slurm command's stdout, or `None` when it failed.
    fn slurm(&self, cmd: &str, args: &[&str]) -> Option<String> {
        let out = Command::new(cmd)
            .args(args)
            .env("SLURM_CONF", &self.conf)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// A page's block run with bash in the project folder, with this cluster's SLURM_CONF
    /// and the built vsesim on PATH (sbatch passes both on to the jobs); its stdout. The job
    /// ids it prints are tracked for cancelling at the end.
    fn script(&self, script: &str, project: &Path, env: &[(&str, String)]) -> String {
        let out = Command::new("bash")
            .args(["-euo", "pipefail", "-c", script])
            .current_dir(project)
            .env("SLURM_CONF", &self.conf)
            .env("PATH", path_with_vsesim())
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .expect("bash runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "the block failed ({}):\n{script}\n{}{}",
            out.status,
            stdout,
            stderr(&out)
        );
        for id in stdout.split_whitespace() {
            self.track(id);
        }
        stdout
    }

    fn track(&self, id: &str) {
        if id.chars().all(|c| c.is_ascii_digit()) && !id.is_empty() {
            self.jobs.borrow_mut().push(id.to_string());
        }
    }

    /// `scontrol show job ID`'s FIELD (`JobState`, `Reason`, `ExitCode`).
    fn field(&self, id: &str, field: &str) -> String {
        let out = self
            .slurm("scontrol", &["show", "job", id])
            .unwrap_or_default();
        out.split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{field}=")))
            .unwrap_or("")
            .to_string()
    }

    /// Waits for the `merge` job after array `jobid` to end; it and each of the array's
    /// [`TASKS`] tasks must have completed.
    fn assert_completed(&self, jobid: &str, merge: &str, project: &Path) {
        let state = self.wait_done(merge, project);
        assert_eq!(state, "COMPLETED", "{}", self.diagnose(project));
        for k in 1..=TASKS {
            assert_eq!(self.field(&format!("{jobid}_{k}"), "JobState"), "COMPLETED");
        }
    }

    /// Waits until job ID has left PENDING and RUNNING; its final state.
    fn wait_done(&self, id: &str, project: &Path) -> String {
        let started = Instant::now();
        loop {
            let state = self.field(id, "JobState");
            if !["PENDING", "RUNNING", "COMPLETING", "CONFIGURING", ""].contains(&state.as_str()) {
                return state;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "job {id} still {state:?} after {PATIENCE:?}: {}",
                self.diagnose(project)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The queue, the jobs' logs and the daemons' logs, for a failure message.
    fn diagnose(&self, project: &Path) -> String {
        let mut out = format!(
            "\nsqueue:\n{}",
            self.slurm("squeue", &["-a"]).unwrap_or_default()
        );
        if let Ok(rd) = std::fs::read_dir(project.join("logs")) {
            let mut logs: Vec<PathBuf> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
            logs.sort();
            for l in logs {
                out += &format!(
                    "\n--- {}\n{}",
                    l.display(),
                    std::fs::read_to_string(&l).unwrap_or_default()
                );
            }
        }
        out + &self.logs()
    }

    fn logs(&self) -> String {
        let mut out = String::new();
        for name in [
            "munged.out",
            "slurmctld.out",
            "slurmd.out",
            "slurmctld.log",
            "slurmd.log",
        ] {
            let text = std::fs::read_to_string(self.dir.join("log").join(name)).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            out += &format!(
                "\n--- {name}\n{}",
                lines[lines.len().saturating_sub(30)..].join("\n")
            );
        }
        out
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let jobs = self.jobs.borrow().clone();
        if !jobs.is_empty() {
            let ids: Vec<&str> = jobs.iter().map(String::as_str).collect();
            let _ = self.slurm("scancel", &ids);
            // Let slurmd see its steps end before it goes.
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(20)
                && self
                    .slurm("squeue", &["-h"])
                    .is_some_and(|q| !q.trim().is_empty())
            {
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        for (_, child) in self.daemons.iter_mut().rev() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(10) {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            if let Ok(None) = child.try_wait() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

fn hostname() -> String {
    let out = Command::new("hostname")
        .arg("-s")
        .output()
        .expect("hostname runs");
    let name = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(!name.is_empty(), "`hostname -s` printed nothing");
    name
}

/// A TCP port nobody listens on now (the OS's pick).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn run_ok(cmd: &mut Command, what: &str) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(out.status.success(), "{what} failed: {}", stderr(&out));
    out
}

/// slurm-wlm and munge, installed with apt-get when absent; panics with the reason when they
/// cannot be had.
fn install_slurm() {
    let present = || {
        [MUNGED, SLURMCTLD, SLURMD]
            .iter()
            .all(|p| Path::new(p).is_file())
    };
    if present() {
        return;
    }
    let mut log = String::new();
    if is_root() {
        for step in [
            &["install", "-y", "slurm-wlm", "munge"][..],
            &["update"][..],
            &["install", "-y", "slurm-wlm", "munge"][..],
        ] {
            let status = bounded(
                Command::new("apt-get")
                    .args(step)
                    .env("DEBIAN_FRONTEND", "noninteractive"),
                INSTALL_LIMIT,
            );
            log += &format!("$ apt-get {}: {status}\n", step.join(" "));
            if step[0] == "install" && status.starts_with("exit status: 0") {
                break;
            }
        }
    } else {
        log += "not running as root: cannot install packages\n";
    }
    assert!(
        present(),
        "Slurm is absent ({MUNGED}, {SLURMCTLD}, {SLURMD}) and the test setup could not install \
         it; install it with `apt-get install -y slurm-wlm munge`.\n{log}"
    );
}

/// Runs `cmd` to its end or `limit`; the status (or the reason) in words, with the tail of
/// its stderr.
fn bounded(cmd: &mut Command, limit: Duration) -> String {
    let err = std::env::temp_dir().join(format!("vsesim-apt-{}.err", std::process::id()));
    let mut child = match cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err).expect("stderr file"))
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return format!("cannot start: {e}"),
    };
    let started = Instant::now();
    let status = loop {
        if let Ok(Some(s)) = child.try_wait() {
            break s.to_string();
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break format!("killed after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let text = std::fs::read_to_string(&err).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    format!(
        "{status}\n{}",
        lines[lines.len().saturating_sub(20)..].join("\n")
    )
}
