//! A scenario builder for the integration tests: the servers, partitions and flat workloads
//! most hand-computed cases are made of, as TOML text, so that a test shows what differs in
//! its scenario and the figures it derives, not forty lines of tables repeated per test.
//! What the builder does not cover goes in as text ([`Scenario::toml`]), unchanged.

use std::fmt::Write as _;

/// A scenario's TOML text, built table by table in the order the calls come.
#[derive(Debug, Clone)]
pub struct Scenario(String);

impl Scenario {
    /// `[scenario]` with its name, horizon ("1h", "2d") and seed.
    pub fn new(name: &str, horizon: &str, seed: u64) -> Self {
        Scenario(format!(
            "\n[scenario]\nname = \"{name}\"\nhorizon = \"{horizon}\"\nseed = {seed}\n"
        ))
    }

    /// A `[[servers]]` entry of `cells` × `cores_per_cell` cores with `memory` GB a cell;
    /// `extra`: further lines of the table (`active_cores = 6`), or empty.
    pub fn server(
        self,
        name: &str,
        cells: u32,
        cores_per_cell: u32,
        memory: u32,
        extra: &str,
    ) -> Self {
        self.toml(&format!(
            "\n[[servers]]\nname = \"{name}\"\ncells = {cells}\ncores_per_cell = {cores_per_cell}\nmemory_gb_per_cell = {memory}\n{extra}"
        ))
    }

    /// A `[[partitions]]` entry of `kind` under `parent`; `fields`: its other lines.
    pub fn partition(self, name: &str, kind: &str, parent: &str, fields: &str) -> Self {
        self.toml(&format!(
            "\n[[partitions]]\nname = \"{name}\"\nkind = \"{kind}\"\nparent = \"{parent}\"\n{fields}"
        ))
    }

    pub fn vpar(self, name: &str, parent: &str, cores: u32) -> Self {
        self.partition(name, "vpar", parent, &format!("cores = {cores}\n"))
    }

    /// An nPar of `cells` whole cells, with `cores` active in it when given.
    pub fn npar(self, name: &str, parent: &str, cells: u32, cores: Option<u32>) -> Self {
        let mut fields = format!("cells = {cells}\n");
        if let Some(c) = cores {
            let _ = writeln!(fields, "cores = {c}");
        }
        self.partition(name, "npar", parent, &fields)
    }

    /// A VM guest of `vcpus` entitled to `entitlement` % of each.
    pub fn vm(self, name: &str, parent: &str, vcpus: u32, entitlement: f64) -> Self {
        self.partition(
            name,
            "vm",
            parent,
            &format!("vcpus = {vcpus}\nentitlement = {entitlement}\n"),
        )
    }

    /// An FSS group (PRM's SRP) holding `shares`.
    pub fn srp(self, name: &str, parent: &str, shares: u32) -> Self {
        self.partition(name, "srp", parent, &format!("shares = {shares}\n"))
    }

    /// A workload demanding a flat `mean` cores in `partition`; `extra`: further lines
    /// (`on_shortfall = "drop"`, `step = "1m"`), or empty.
    pub fn flat(self, name: &str, partition: &str, mean: f64, extra: &str) -> Self {
        let synth = format!("{{ pattern = \"flat\", mean = {mean} }}");
        self.synth(name, partition, &synth, extra)
    }

    /// A workload whose demand in cores `synth` generates, an inline table
    /// (`{ pattern = "diurnal", mean = 2, peak = 6 }`); `extra` as in [`Scenario::flat`].
    pub fn synth(self, name: &str, partition: &str, synth: &str, extra: &str) -> Self {
        self.toml(&format!(
            "\n[[workloads]]\nname = \"{name}\"\npartition = \"{partition}\"\nunits = \"cores\"\n{extra}synth = {synth}\n"
        ))
    }

    /// A workload replaying `file` (a trace beside the scenario) as cores in `partition`;
    /// `extra`: further lines (`step = "1h"`, `column = "vm3"`), or empty.
    pub fn trace(self, name: &str, partition: &str, file: &str, extra: &str) -> Self {
        self.toml(&format!(
            "\n[[workloads]]\nname = \"{name}\"\npartition = \"{partition}\"\nunits = \"cores\"\ntrace = \"{file}\"\n{extra}"
        ))
    }

    /// The `[report]` table with its `fields` (`util_limit = 0.85\ntimeseries = false\n`).
    /// A table's keys end at the next header, so what follows starts a table of its own.
    pub fn report(self, fields: &str) -> Self {
        self.toml(&format!("\n[report]\n{fields}"))
    }

    /// [`Scenario::flat`] with the demand dropped when short: the cases whose figures are
    /// served and dropped core-hours.
    pub fn dropping(self, name: &str, partition: &str, mean: f64) -> Self {
        self.flat(name, partition, mean, "on_shortfall = \"drop\"\n")
    }

    /// A gWLM `[[policies]]` domain with its compartments `(partition, policy)`, the policy
    /// an inline table (`{ type = "fixed", cores = 2 }`); `interval`: "" for the default.
    pub fn domain(self, domain: &str, interval: &str, compartments: &[(&str, &str)]) -> Self {
        let mut text = format!("\n[[policies]]\ndomain = \"{domain}\"\n");
        if !interval.is_empty() {
            let _ = writeln!(text, "interval = \"{interval}\"");
        }
        for (partition, policy) in compartments {
            let _ = write!(
                text,
                "\n[[policies.compartments]]\npartition = \"{partition}\"\npolicy = {policy}\n"
            );
        }
        self.toml(&text)
    }

    /// A VM guest as [`Scenario::vm`] with its memory [GB]: what a live migration copies and
    /// a host must hold.
    pub fn guest(
        self,
        name: &str,
        parent: &str,
        vcpus: u32,
        entitlement: f64,
        memory_gb: f64,
    ) -> Self {
        self.partition(
            name,
            "vm",
            parent,
            &format!("vcpus = {vcpus}\nentitlement = {entitlement}\nmemory_gb = {memory_gb}\n"),
        )
    }

    /// A `[[power_states]]` entry: the `servers` or `npars` (`of`) named go to standby after
    /// `after` idle, drawing `standby_w`; `wake`: the wake-up's lines (`wake_up = "5m"\n
    /// wake_wh = 50\n`, see [`wake`]), or empty.
    pub fn power_states(
        self,
        of: &str,
        names: &[&str],
        after: &str,
        standby_w: u32,
        wake: &str,
    ) -> Self {
        self.toml(&format!(
            "\n[[power_states]]\n{of} = {}\nstandby_after = \"{after}\"\nstandby_w = {standby_w}\n{wake}",
            list(names)
        ))
    }

    /// A `[[moves]]` entry moving workload `name` to partition `to` at `at`, reinstalled over
    /// `reboot`.
    pub fn move_workload(self, name: &str, to: &str, at: &str, reboot: &str) -> Self {
        self.toml(&format!(
            "\n[[moves]]\nworkload = \"{name}\"\nto = \"{to}\"\nat = \"{at}\"\nreboot = \"{reboot}\"\n"
        ))
    }

    /// A `[[moves]]` entry migrating guest `name` live to host `to` at `at`, copying its
    /// memory over `link_mbps` while it dirties `dirty_mbps` [MB/s].
    pub fn migrate(self, name: &str, to: &str, at: &str, link_mbps: u32, dirty_mbps: u32) -> Self {
        self.toml(&format!(
            "\n[[moves]]\nguest = \"{name}\"\nto = \"{to}\"\nat = \"{at}\"\nlink_mbps = {link_mbps}\ndirty_mbps = {dirty_mbps}\n"
        ))
    }

    /// A Serviceguard `[[clusters]]` entry of `nodes`; `fields`: its other lines
    /// (`member_timeout = "14s"`), or empty.
    pub fn cluster(self, name: &str, nodes: &[&str], fields: &str) -> Self {
        self.toml(&format!(
            "\n[[clusters]]\nname = \"{name}\"\nnodes = {}\n{fields}",
            list(nodes)
        ))
    }

    /// A `[[packages]]` entry of `workloads` in `cluster`, run on the first of `nodes` that
    /// is up; `fields`: its other lines (`start_time = "30s"`), or empty.
    pub fn package(
        self,
        name: &str,
        cluster: &str,
        workloads: &[&str],
        nodes: &[&str],
        fields: &str,
    ) -> Self {
        self.toml(&format!(
            "\n[[packages]]\nname = \"{name}\"\ncluster = \"{cluster}\"\nworkloads = {}\nnodes = {}\n{fields}",
            list(workloads),
            list(nodes)
        ))
    }

    /// A `[[failures]]` entry: `target` fails at `at` and is never repaired.
    pub fn failure(self, target: &str, at: &str) -> Self {
        self.toml(&format!(
            "\n[[failures]]\ntarget = \"{target}\"\nat = \"{at}\"\n"
        ))
    }

    /// Any further TOML, appended as it is.
    pub fn toml(mut self, text: &str) -> Self {
        self.0.push_str(text);
        self
    }

    pub fn text(&self) -> &str {
        &self.0
    }
}

/// A server's `power = { … }` line, for [`Scenario::server`]'s `extra`: `idle_w` idle and
/// `max_w` busy [W], linear between.
pub fn power(idle_w: u32, max_w: u32) -> String {
    format!("power = {{ idle_w = {idle_w}, max_w = {max_w} }}\n")
}

/// The wake-up lines of [`Scenario::power_states`]: `wake_up` long, `wake_wh` [Wh] each.
pub fn wake(wake_up: &str, wake_wh: u32) -> String {
    format!("wake_up = \"{wake_up}\"\nwake_wh = {wake_wh}\n")
}

/// An hourly trace of one workload over a day, headed `name`: 1 core each hour but 0 over
/// the hours in `idle` (the hours a server or nPar can sleep through).
pub fn hourly(name: &str, idle: std::ops::Range<u32>) -> String {
    std::iter::once(format!("{name}\n"))
        .chain((0..24).map(|h| if idle.contains(&h) { "0\n" } else { "1\n" }.to_string()))
        .collect()
}

/// Write `scenario` as `s.toml` in a fresh scratch folder `name`, with each `(file, text)`
/// of `files` beside it, and check that `vsesim validate` refuses it as bad input (exit 2)
/// with a message naming the file, `field` and each of `words`.
pub fn assert_refused(
    name: &str,
    scenario: &str,
    files: &[(&str, &str)],
    field: &str,
    words: &[&str],
) {
    let dir = super::scratch(name);
    std::fs::write(dir.join("s.toml"), scenario).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    let out = super::vsesim(&["validate", "s.toml"], &dir);
    let err = super::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{name}: {err}");
    assert!(
        err.contains("s.toml") && err.contains(field),
        "{name}: {err}"
    );
    for w in words {
        assert!(err.contains(w), "{name}: {err}");
    }
}

/// Names as a TOML array: `["a", "b"]`.
fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

impl std::fmt::Display for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Scenario> for String {
    fn from(s: Scenario) -> String {
        s.0
    }
}
