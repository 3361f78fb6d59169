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

    /// Any further TOML, appended as it is.
    pub fn toml(mut self, text: &str) -> Self {
        self.0.push_str(text);
        self
    }

    pub fn text(&self) -> &str {
        &self.0
    }
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
