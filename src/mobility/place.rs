//! Where guests go: the checks a VM host makes before it takes a guest, power-aware best fit
//! decreasing (PABFD, Beloglazov & Buyya 2012 §5, Algorithm 1; CloudSim's
//! `PowerVmAllocationPolicyAbstract.findHostForVm` and the migration policy's
//! `getNewVmPlacement`), and the evacuation of underloaded hosts
//! (`getMigrationMapFromUnderUtilizedHosts`).
//!
//! Deviations from CloudSim, each for a reason:
//! - a host in standby costs its standby power, so waking it costs `P(u) − standby_w`
//!   (CloudSim counts a switched-off host's power as its idle power, which makes waking one
//!   look nearly free);
//! - an underloaded host is one below `underload_threshold` (CloudSim takes every host with
//!   any load, least utilized first; a threshold of 1 does the same);
//! - fitting checks memory as well as CPU, Integrity VM's memory overhead included.

/// A host's power draw: linear between idle and busy as vsesim's servers
/// (`licensing::energy_kwh`), and a standby draw when powered down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Power {
    pub idle_w: f64,
    pub max_w: f64,
    pub standby_w: f64,
}

impl Power {
    /// Watts at utilization `u` (clamped to [0, 1]) while on.
    pub fn watts(&self, u: f64) -> f64 {
        self.idle_w + (self.max_w - self.idle_w) * u.clamp(0.0, 1.0)
    }
}

/// A VM host as the placement sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    /// What its guests can use [reference cores].
    pub capacity: f64,
    /// Memory for guests and their overhead [GiB].
    pub memory_gb: f64,
    pub power: Power,
    /// Powered down: takes guests only when the placement wakes it.
    pub standby: bool,
    /// Kept out of every choice (a host being evacuated, or overloaded).
    pub excluded: bool,
    /// CPU demand of its guests [reference cores].
    pub cpu: f64,
    /// Memory its guests hold, overhead included [GiB].
    pub memory_used_gb: f64,
    /// Guests on it (indexes into the caller's guest list).
    pub guests: Vec<usize>,
}

impl Host {
    pub fn utilization(&self) -> f64 {
        if self.capacity > 0.0 {
            self.cpu / self.capacity
        } else {
            0.0
        }
    }

    /// What it draws now [W].
    pub fn watts(&self) -> f64 {
        if self.standby {
            self.power.standby_w
        } else {
            self.power.watts(self.utilization())
        }
    }
}

/// A guest to place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Guest {
    /// Its CPU demand now [reference cores].
    pub cpu: f64,
    /// Its memory with Integrity VM's overhead ([`memory_with_overhead_gb`]) [GiB].
    pub memory_gb: f64,
}

/// A guest's memory plus what Integrity VM holds for it on the host: about
/// `vcpus × memory × 0.4 % + 64 MB` (DOMAIN.md §1.3, [IV4]: 4 vCPUs and 16 GB → 320 MB).
pub fn memory_with_overhead_gb(vcpus: u32, memory_gb: f64) -> f64 {
    memory_gb + f64::from(vcpus) * memory_gb * 0.004 + 64.0 / 1024.0
}

/// Why a VM host refuses a guest (Integrity VM's start checks [IV2][IV4][IV6]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Misfit {
    /// More vCPUs than the host has cores: each vCPU needs its own core.
    Vcpus { vcpus: u32, host_cores: u32 },
    /// The entitlements would exceed the host's cores [cores].
    Entitlement { needed: f64, free: f64 },
    /// Memory with overhead would exceed the host's [GiB].
    Memory { needed: f64, free: f64 },
}

impl std::fmt::Display for Misfit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Misfit::Vcpus { vcpus, host_cores } => write!(
                f,
                "{vcpus} vCPUs but the host has {host_cores} cores; each vCPU needs its own core"
            ),
            Misfit::Entitlement { needed, free } => write!(
                f,
                "its entitlement needs {needed:.2} cores but the host has {free:.2} not yet guaranteed to its guests"
            ),
            Misfit::Memory { needed, free } => write!(
                f,
                "it needs {needed:.2} GiB with Integrity VM's overhead but the host has {free:.2} GiB free"
            ),
        }
    }
}

/// What a VM host has, and its guests hold, for [`fits_vm_host`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VmHostRoom {
    pub cores: u32,
    /// Cores guaranteed to its guests already (Σ vCPUs × entitlement).
    pub entitled_cores: f64,
    pub memory_gb: f64,
    /// Memory its guests hold, overhead included [GiB].
    pub memory_used_gb: f64,
}

/// Whether a guest of `vcpus` at `entitlement` (a fraction of a core per vCPU) with
/// `memory_gb` may start on a host: the checks Integrity VM makes, in its order.
pub fn fits_vm_host(
    room: &VmHostRoom,
    vcpus: u32,
    entitlement: f64,
    memory_gb: f64,
) -> Result<(), Misfit> {
    if vcpus > room.cores {
        return Err(Misfit::Vcpus {
            vcpus,
            host_cores: room.cores,
        });
    }
    let needed = f64::from(vcpus) * entitlement;
    let free = f64::from(room.cores) - room.entitled_cores;
    if needed > free + 1e-9 {
        return Err(Misfit::Entitlement { needed, free });
    }
    let needed = memory_with_overhead_gb(vcpus, memory_gb);
    let free = room.memory_gb - room.memory_used_gb;
    if needed > free + 1e-9 {
        return Err(Misfit::Memory { needed, free });
    }
    Ok(())
}

/// Rises that round to the same multiple of this are equal [W]: a micro-watt is not a
/// planner's reason to pick one host over another, and the first of equals is.
pub const RISE_QUANTUM_W: f64 = 1e-6;

/// What a host's power rises by when it takes `cpu` more [W]: `(max_w − idle_w) / capacity`
/// per core, plus `idle_w − standby_w` to wake it from standby. The linear power model's
/// exact rise wherever the guest fits (utilization at most 1), computed from the host's power
/// and capacity alone, not from its load: equal hosts rise by bit-equal figures, so a fleet of
/// equal hosts is decided by host order, not by the rounding of `P(u + Δ) − P(u)`.
pub fn rise_w(host: &Host, cpu: f64) -> f64 {
    rise_of(&host.power, host.capacity, host.standby, cpu)
}

fn rise_of(p: &Power, capacity: f64, standby: bool, cpu: f64) -> f64 {
    let wake = if standby { p.idle_w - p.standby_w } else { 0.0 };
    wake + (p.max_w - p.idle_w) / capacity * cpu
}

/// The figure PABFD orders hosts by for a guest of `cpu`: [`rise_w`] in whole
/// [`RISE_QUANTUM_W`] (a NaN rise orders last).
pub fn rise_key(host: &Host, cpu: f64) -> f64 {
    quantum(rise_w(host, cpu))
}

fn quantum(rise: f64) -> f64 {
    let k = (rise / RISE_QUANTUM_W).round();
    if k.is_nan() { f64::INFINITY } else { k }
}

/// PABFD's one comparison, used by the index and the scan alike: host `a` (its
/// [`rise_key`], its index) is preferred to `b` when it rises less, or as little and comes
/// first.
pub fn preferred(a: (f64, usize), b: (f64, usize)) -> bool {
    a.0 < b.0 || (a.0 == b.0 && a.1 < b.1)
}

/// Uniform groups a placement keeps before it puts further kinds of host into one group that
/// it walks whole (a fleet is a few host types; a fleet of all different hosts still places
/// exactly, at the scan's cost).
#[cfg(not(test))]
const MAX_GROUPS: usize = 16;
/// Few in tests, so that the fleets drawn there have a mixed group too.
#[cfg(test)]
const MAX_GROUPS: usize = 3;

/// Hosts of one kind (equal power and capacity, and both on or both in standby), which rise
/// by the same figure for any guest; or, for `kind: None`, the hosts beyond [`MAX_GROUPS`]
/// kinds.
struct Group {
    kind: Option<(u64, u64, u64, u64, u64, bool)>,
    /// The kind's power, capacity and standby, which give its rise.
    power: Power,
    capacity: f64,
    standby: bool,
    /// Max-trees over the hosts in index order of each member's CPU room, one per memory
    /// level (level `j` at `j × 2 × size`, counting only members with free memory for it),
    /// and of its free memory; `−∞` for a host not in the group or excluded.
    cpu: Vec<f64>,
    mem: Vec<f64>,
}

fn kind_of(host: &Host) -> (u64, u64, u64, u64, u64, bool) {
    let p = &host.power;
    (
        host.capacity.to_bits(),
        host.memory_gb.to_bits(),
        p.idle_w.to_bits(),
        p.max_w.to_bits(),
        p.standby_w.to_bits(),
        host.standby,
    )
}

/// The hosts a guest may go to, indexed so that a placement costs `O(log H)` per guest
/// rather than a look at every host: the scan of every host per guest placed made the
/// manager's interval cost grow with the square of the fleet (docs/PERFORMANCE.md).
///
/// Decisions are those of scanning every host and keeping the [`preferred`] one among those
/// that take the guest (the oracle in this module's tests):
/// - hosts are grouped by kind; within a group every host rises by the same [`rise_key`], so
///   the group's candidate is its first host with room: a leftmost descent of max-trees of
///   each host's *room* (an upper bound on the CPU it can take: to its capacity, and to its
///   detector's ceiling when it carries load) and free memory;
/// - groups are tried in increasing rise, groups of equal rise together by host index, and
///   the first host the detector accepts ends the search: no later host rises less;
/// - the detector is asked only about a host that would otherwise win; when it refuses one,
///   the host's ceiling is tightened once (`tighter`), so a full host stops being asked.
struct Targets<'a> {
    /// The guests' memory sizes, ascending from the least (a few: at most [`MAX_LEVELS`]).
    /// A guest searches the CPU tree of the largest level it needs, where every host has
    /// memory for it when the level is its size: one search of one tree, where a tree of CPU
    /// and one of memory would lead the search into hosts with room for one but not the
    /// other (memory-full hosts with CPU to spare, the common case on PlanetLab's small VMs).
    levels: Vec<f64>,
    ceiling: Vec<f64>,
    tightened: Vec<bool>,
    tighter: &'a dyn Fn(usize) -> f64,
    /// Leaves in the max-trees (a power of two ≥ the hosts).
    size: usize,
    groups: Vec<Group>,
    /// Each host's group now (a host that wakes changes group).
    group_of: Vec<usize>,
    /// Scratch: the groups with room for the guest, by rise; the cursors of a run of equal
    /// rise; the descent's stack.
    order: Vec<(f64, usize)>,
    cursors: Vec<(usize, usize)>,
    stack: Vec<(usize, usize, usize)>,
}

impl<'a> Targets<'a> {
    fn new(
        hosts: &[Host],
        guests: &[Guest],
        ceiling: &[f64],
        tighter: &'a dyn Fn(usize) -> f64,
    ) -> Targets<'a> {
        let size = hosts.len().next_power_of_two().max(1);
        let mut t = Targets {
            levels: levels(guests),
            ceiling: ceiling.to_vec(),
            tightened: vec![false; hosts.len()],
            tighter,
            size,
            groups: Vec::new(),
            group_of: vec![usize::MAX; hosts.len()],
            order: Vec::new(),
            cursors: Vec::new(),
            stack: Vec::with_capacity(64),
        };
        for (h, host) in hosts.iter().enumerate() {
            let g = t.group_for(host);
            t.group_of[h] = g;
            let (c, m) = t.room(host, h);
            for (j, &l) in t.levels.iter().enumerate() {
                t.groups[g].cpu[j * 2 * size + size + h] =
                    if m >= l { c } else { f64::NEG_INFINITY };
            }
            t.groups[g].mem[size + h] = m;
        }
        for g in &mut t.groups {
            for tree in g.cpu.chunks_mut(2 * size) {
                for i in (1..size).rev() {
                    tree[i] = tree[2 * i].max(tree[2 * i + 1]);
                }
            }
            for i in (1..size).rev() {
                g.mem[i] = g.mem[2 * i].max(g.mem[2 * i + 1]);
            }
        }
        t
    }

    /// The memory level a guest of `memory` searches: the largest not above it.
    fn level(&self, memory: f64) -> usize {
        self.levels
            .partition_point(|&l| l <= memory)
            .saturating_sub(1)
    }

    /// The group of `host`'s kind, made when first needed.
    fn group_for(&mut self, host: &Host) -> usize {
        let kind = kind_of(host);
        if let Some(g) = self.groups.iter().position(|g| g.kind == Some(kind)) {
            return g;
        }
        let uniform = self.groups.iter().filter(|g| g.kind.is_some()).count();
        let kind = if uniform < MAX_GROUPS {
            Some(kind)
        } else if let Some(g) = self.groups.iter().position(|g| g.kind.is_none()) {
            return g;
        } else {
            None
        };
        self.groups.push(Group {
            kind,
            power: host.power,
            capacity: host.capacity,
            standby: host.standby,
            cpu: vec![f64::NEG_INFINITY; self.levels.len() * 2 * self.size],
            mem: vec![f64::NEG_INFINITY; 2 * self.size],
        });
        self.groups.len() - 1
    }

    fn room(&self, host: &Host, h: usize) -> (f64, f64) {
        if host.excluded {
            (f64::NEG_INFINITY, f64::NEG_INFINITY)
        } else {
            (cpu_room(host, self.ceiling[h]), memory_room(host))
        }
    }

    fn set_leaf(&mut self, g: usize, h: usize, c: f64, m: f64) {
        let grp = &mut self.groups[g];
        for (tree, &l) in grp.cpu.chunks_mut(2 * self.size).zip(&self.levels) {
            let mut i = self.size + h;
            tree[i] = if m >= l { c } else { f64::NEG_INFINITY };
            while i > 1 {
                i /= 2;
                tree[i] = tree[2 * i].max(tree[2 * i + 1]);
            }
        }
        let mut i = self.size + h;
        grp.mem[i] = m;
        while i > 1 {
            i /= 2;
            grp.mem[i] = grp.mem[2 * i].max(grp.mem[2 * i + 1]);
        }
    }

    /// Host `h` changed (took or gave back guests, woke, went back to standby, was
    /// excluded): its leaves again, in the group of its kind now.
    fn refresh(&mut self, hosts: &[Host], h: usize) {
        let host = &hosts[h];
        let g = self.group_for(host);
        if g != self.group_of[h] {
            let old = self.group_of[h];
            self.set_leaf(old, h, f64::NEG_INFINITY, f64::NEG_INFINITY);
            self.group_of[h] = g;
        }
        let (c, m) = self.room(host, h);
        self.set_leaf(g, h, c, m);
    }

    /// The first host at or after `from` in group `g` with room for `cpu` and `memory`.
    fn leftmost(&mut self, g: usize, from: usize, cpu: f64, memory: f64) -> Option<usize> {
        let grp = &self.groups[g];
        let at = self.level(memory) * 2 * self.size;
        let cpus = &grp.cpu[at..at + 2 * self.size];
        self.stack.clear();
        self.stack.push((1, 0, self.size));
        while let Some((i, lo, hi)) = self.stack.pop() {
            if hi <= from || !(cpus[i] >= cpu && grp.mem[i] >= memory) {
                continue;
            }
            if i >= self.size {
                return Some(lo);
            }
            let mid = (lo + hi) / 2;
            // Right first on the stack: the left comes off first.
            self.stack.push((2 * i + 1, mid, hi));
            self.stack.push((2 * i, lo, mid));
        }
        None
    }

    /// Whether host `h` takes `guest`: it fits (CPU and memory), and the detector does not
    /// find it overloaded after (asked only of a host that carries load, as CloudSim). A
    /// refusal tightens the host's ceiling, once.
    fn takes(
        &mut self,
        hosts: &[Host],
        h: usize,
        guest: &Guest,
        overloaded_after: &dyn Fn(usize, f64) -> bool,
    ) -> bool {
        let host = &hosts[h];
        if !fits(host, guest) {
            return false;
        }
        if host.cpu > 0.0 && overloaded_after(h, (host.cpu + guest.cpu) / host.capacity) {
            if !self.tightened[h] {
                self.tightened[h] = true;
                self.ceiling[h] = self.ceiling[h].min((self.tighter)(h));
                self.refresh(hosts, h);
            }
            return false;
        }
        true
    }

    /// The host PABFD gives one guest: among hosts that take it ([`Targets::takes`]), the
    /// [`preferred`] one.
    fn best(
        &mut self,
        hosts: &[Host],
        guest: &Guest,
        overloaded_after: &dyn Fn(usize, f64) -> bool,
    ) -> Option<usize> {
        let (cpu, memory) = (guest.cpu, guest.memory_gb);
        let mut best: Option<(f64, usize)> = None;
        self.order.clear();
        let at = self.level(memory) * 2 * self.size;
        for g in 0..self.groups.len() {
            let grp = &self.groups[g];
            if !(grp.cpu[at + 1] >= cpu && grp.mem[1] >= memory) {
                continue;
            }
            if grp.kind.is_some() {
                let key = quantum(rise_of(&grp.power, grp.capacity, grp.standby, cpu));
                self.order.push((key, g));
            } else {
                // The mixed group: every member with room, each by its own rise.
                let mut from = 0;
                while let Some(h) = self.leftmost(g, from, cpu, memory) {
                    from = h + 1;
                    let key = (rise_key(&hosts[h], cpu), h);
                    if best.is_none_or(|b| preferred(key, b))
                        && self.takes(hosts, h, guest, overloaded_after)
                    {
                        best = Some(key);
                    }
                }
            }
        }
        let mut order = std::mem::take(&mut self.order);
        order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut cursors = std::mem::take(&mut self.cursors);
        let mut run = 0;
        while run < order.len() {
            let key = order[run].0;
            let end = run + order[run..].iter().take_while(|o| o.0 == key).count();
            if best.is_some_and(|(b, _)| b < key) {
                break;
            }
            // The groups of this rise, merged by host index: the first that takes the guest.
            cursors.clear();
            for &(_, g) in &order[run..end] {
                if let Some(h) = self.leftmost(g, 0, cpu, memory) {
                    cursors.push((h, g));
                }
            }
            while let Some(c) = (0..cursors.len()).min_by_key(|&c| cursors[c].0) {
                let (h, g) = cursors[c];
                if best.is_some_and(|b| !preferred((key, h), b)) {
                    break;
                }
                if self.takes(hosts, h, guest, overloaded_after) {
                    best = Some((key, h));
                    break;
                }
                match self.leftmost(g, h + 1, cpu, memory) {
                    Some(next) => cursors[c].0 = next,
                    None => {
                        cursors.swap_remove(c);
                    }
                }
            }
            if best.is_some_and(|(b, _)| b == key) {
                break;
            }
            run = end;
        }
        self.order = order;
        self.cursors = cursors;
        best.map(|(_, h)| h)
    }
}

/// Memory levels beyond which a placement keeps quantiles of the guests' sizes (a guest then
/// searches the level below its size and the memory tree prunes the rest).
const MAX_LEVELS: usize = 8;

/// The levels for these guests: their distinct memory sizes, ascending, or [`MAX_LEVELS`] of
/// them from the least when there are more.
fn levels(guests: &[Guest]) -> Vec<f64> {
    let mut l: Vec<f64> = Vec::with_capacity(MAX_LEVELS + 1);
    for g in guests {
        if !l.iter().any(|&x| x.to_bits() == g.memory_gb.to_bits()) {
            l.push(g.memory_gb);
            if l.len() > MAX_LEVELS {
                break;
            }
        }
    }
    if l.len() > MAX_LEVELS {
        l = guests.iter().map(|g| g.memory_gb).collect();
        l.sort_by(f64::total_cmp);
        l.dedup_by(|a, b| a.to_bits() == b.to_bits());
        let n = l.len();
        l = (0..MAX_LEVELS).map(|j| l[j * n / MAX_LEVELS]).collect();
    } else {
        l.sort_by(f64::total_cmp);
    }
    if l.is_empty() || l[0].is_nan() {
        l.insert(0, f64::NEG_INFINITY);
    }
    l
}

/// Whether `guest` fits `host` (CPU to its capacity, memory), to a rounding margin.
fn fits(host: &Host, guest: &Guest) -> bool {
    !(host.excluded
        || host.cpu + guest.cpu > host.capacity + 1e-9
        || host.memory_used_gb + guest.memory_gb > host.memory_gb + 1e-9)
}

/// The most CPU `host` may take: to its capacity (the fit), and when it carries load to its
/// detector's `ceiling` (a utilization no acceptable one exceeds), with a margin far above
/// the rounding of `(cpu + guest) / capacity`, so that it never refuses a guest the checks
/// would take.
fn cpu_room(host: &Host, ceiling: f64) -> f64 {
    let fit = host.capacity + 1e-9;
    let limit = if host.cpu > 0.0 && ceiling.is_finite() && host.capacity > 0.0 {
        fit.min(ceiling * host.capacity)
    } else {
        fit
    };
    limit - host.cpu + 1e-9 * (1.0 + limit.abs() + host.cpu.abs())
}

/// The most memory `host` may give a guest [GiB], with the same kind of margin.
fn memory_room(host: &Host) -> f64 {
    let free = host.memory_gb + 1e-9 - host.memory_used_gb;
    free + 1e-9 * (1.0 + host.memory_gb.abs() + host.memory_used_gb.abs())
}

fn put(host: &mut Host, g: usize, guest: &Guest) {
    host.cpu += guest.cpu;
    host.memory_used_gb += guest.memory_gb;
    host.guests.push(g);
    host.standby = false;
}

fn take(host: &mut Host, g: usize, guest: &Guest) {
    host.cpu -= guest.cpu;
    host.memory_used_gb -= guest.memory_gb;
    host.guests.retain(|&x| x != g);
}

/// PABFD: `moving` (indexes into `guests`) in decreasing CPU demand (the first of equals
/// first), each to the host whose power rises least ([`Targets::best`]); the hosts are
/// updated. `ceiling[h]` bounds the utilization at which `overloaded_after(h, ·)` may say no
/// ([`super::detect::ceiling`]; infinite where unknown), and `tighter(h)` is a bound as
/// good or better, dearer to compute, asked once for a host the detector refuses
/// ([`super::detect::tighter_ceiling`]). Returns each moving guest's new host in the order of
/// `moving`, `None` where none fits (the guest stays put).
pub fn pabfd(
    hosts: &mut [Host],
    guests: &[Guest],
    moving: &[usize],
    overloaded_after: &dyn Fn(usize, f64) -> bool,
    ceiling: &[f64],
    tighter: &dyn Fn(usize) -> f64,
) -> Vec<Option<usize>> {
    let mut order: Vec<usize> = (0..moving.len()).collect();
    order.sort_by(|&a, &b| guests[moving[b]].cpu.total_cmp(&guests[moving[a]].cpu));
    let mut targets = Targets::new(hosts, guests, ceiling, tighter);
    let mut out = vec![None; moving.len()];
    for k in order {
        let g = moving[k];
        if let Some(h) = targets.best(hosts, &guests[g], overloaded_after) {
            put(&mut hosts[h], g, &guests[g]);
            targets.refresh(hosts, h);
            out[k] = Some(h);
        }
    }
    out
}

/// A migration decided by [`evacuate_underloaded`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    pub guest: usize,
    pub from: usize,
    pub to: usize,
}

/// Empty underloaded hosts, least utilized first, each all or nothing: its guests go by
/// PABFD to active hosts that are neither excluded nor evacuated, or none of them moves.
/// A host that received guests is not evacuated in turn; a host left empty goes to standby
/// (as does an active host that was empty from the start). Excluded hosts (the overloaded
/// ones) neither give nor take. `ceiling` and `tighter` as for [`pabfd`]. Returns the moves,
/// and the hosts put in standby, in order.
///
/// A host tried is closed to guests whether or not it empties, and only hosts that received
/// change utilization (and receiving bars them), so the order of the candidates is known at
/// the start. A try stops at the first guest that fits nowhere and undoes what it placed.
pub fn evacuate_underloaded(
    hosts: &mut [Host],
    guests: &[Guest],
    underload_threshold: f64,
    overloaded_after: &dyn Fn(usize, f64) -> bool,
    ceiling: &[f64],
    tighter: &dyn Fn(usize) -> f64,
) -> (Vec<Move>, Vec<usize>) {
    let n = hosts.len();
    let was_excluded: Vec<bool> = hosts.iter().map(|h| h.excluded).collect();
    // Standby hosts never take an evacuee: emptying one host by waking another saves nothing.
    for host in hosts.iter_mut() {
        host.excluded |= host.standby;
    }
    let mut candidates: Vec<usize> = (0..n)
        .filter(|&h| !hosts[h].excluded && !hosts[h].guests.is_empty())
        .filter(|&h| hosts[h].utilization() < underload_threshold)
        .collect();
    candidates.sort_by(|&a, &b| {
        hosts[a]
            .utilization()
            .total_cmp(&hosts[b].utilization())
            .then(a.cmp(&b))
    });
    let mut targets = Targets::new(hosts, guests, ceiling, tighter);
    let mut received = vec![false; n];
    let mut moves = Vec::new();
    let mut asleep = Vec::new();
    // What each placement of a try changed: (host, cpu, memory used, guests, standby).
    let mut undo: Vec<(usize, f64, f64, usize, bool)> = Vec::new();
    let mut to: Vec<usize> = Vec::new();
    for c in candidates {
        if received[c] {
            continue;
        }
        hosts[c].excluded = true;
        targets.refresh(hosts, c);
        let leaving = hosts[c].guests.clone();
        let mut order: Vec<usize> = (0..leaving.len()).collect();
        order.sort_by(|&a, &b| guests[leaving[b]].cpu.total_cmp(&guests[leaving[a]].cpu));
        undo.clear();
        to.clear();
        to.resize(leaving.len(), usize::MAX);
        let mut all = true;
        for k in order {
            let g = leaving[k];
            let Some(t) = targets.best(hosts, &guests[g], overloaded_after) else {
                all = false;
                break;
            };
            let host = &hosts[t];
            undo.push((
                t,
                host.cpu,
                host.memory_used_gb,
                host.guests.len(),
                host.standby,
            ));
            put(&mut hosts[t], g, &guests[g]);
            targets.refresh(hosts, t);
            to[k] = t;
        }
        if !all {
            for &(t, cpu, memory, count, standby) in undo.iter().rev() {
                let host = &mut hosts[t];
                host.cpu = cpu;
                host.memory_used_gb = memory;
                host.guests.truncate(count);
                host.standby = standby;
                targets.refresh(hosts, t);
            }
            continue;
        }
        for (&g, &t) in leaving.iter().zip(&to) {
            take(&mut hosts[c], g, &guests[g]);
            received[t] = true;
            moves.push(Move {
                guest: g,
                from: c,
                to: t,
            });
        }
        hosts[c].cpu = 0.0;
        hosts[c].memory_used_gb = 0.0;
        hosts[c].standby = true;
        asleep.push(c);
    }
    for (h, host) in hosts.iter_mut().enumerate() {
        host.excluded = was_excluded[h];
        if !host.standby && !host.excluded && host.guests.is_empty() {
            host.standby = true;
            asleep.push(h);
        }
    }
    (moves, asleep)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(capacity: f64, idle_w: f64, max_w: f64, cpu: f64, guests: Vec<usize>) -> Host {
        Host {
            capacity,
            memory_gb: 64.0,
            power: Power {
                idle_w,
                max_w,
                standby_w: 10.0,
            },
            standby: cpu == 0.0 && guests.is_empty(),
            excluded: false,
            cpu,
            memory_used_gb: 0.0,
            guests,
        }
    }

    fn thr(limit: f64) -> impl Fn(usize, f64) -> bool {
        move |_, u| u > limit
    }

    /// H0: 4 cores, 100–200 W, 2 used (u 0.5, 150 W). H1: 8 cores, 150–300 W, 2 used
    /// (u 0.25, 187.5 W). H2: 4 cores in standby (10 W), 100–200 W.
    /// Guests A (1 core) and B (2 cores): B first (decreasing CPU).
    /// B: H0 → u 1.0 > 0.8, skipped; H1 → u 0.5, 225 W, +37.5; H2 → u 0.5, 150 W, +140: H1.
    /// A: H0 → u 0.75, 175 W, +25; H1 → u 0.625, 243.75 W, +18.75; H2 → 125 − 10 = +115: H1.
    /// With H1's memory full, A goes to H0 (+25).
    #[test]
    fn pabfd_by_hand() {
        let hosts = vec![
            host(4.0, 100.0, 200.0, 2.0, vec![]),
            host(8.0, 150.0, 300.0, 2.0, vec![]),
            host(4.0, 100.0, 200.0, 0.0, vec![]),
        ];
        let guests = [
            Guest {
                cpu: 1.0,
                memory_gb: 4.0,
            },
            Guest {
                cpu: 2.0,
                memory_gb: 4.0,
            },
        ];
        let mut h = hosts.clone();
        assert_eq!(
            pabfd(&mut h, &guests, &[0, 1], &thr(0.8), &[0.8; 3], &|_| 0.8),
            vec![Some(1), Some(1)]
        );
        assert!((h[1].cpu - 5.0).abs() < 1e-12);
        assert!((h[1].watts() - 243.75).abs() < 1e-9);
        let mut h = hosts.clone();
        h[1].memory_used_gb = 62.0;
        assert_eq!(
            pabfd(&mut h, &guests, &[0], &thr(0.8), &[0.8; 3], &|_| 0.8),
            vec![Some(0)]
        );
        // Nowhere active fits a 5-core guest; the standby 4-core host cannot either.
        let big = [Guest {
            cpu: 9.0,
            memory_gb: 1.0,
        }];
        assert_eq!(
            pabfd(
                &mut hosts.clone(),
                &big,
                &[0],
                &thr(0.8),
                &[0.8; 3],
                &|_| 0.8
            ),
            vec![None]
        );
    }

    /// H0: 4 cores with guest 0 (1 core, u 0.25); H1: 8 cores with guest 1 (4 cores, u 0.5);
    /// H2: 4 cores with guests 2 and 3 (1 core each, u 0.5); threshold 0.3.
    /// H0 is the only one below 0.3: guest 0 → H1 (u 0.625, +18.75 W) rather than H2
    /// (u 0.75, +25 W); H0 to standby. H1 received; H2 at 0.5 is not underloaded: done.
    #[test]
    fn evacuation_by_hand() {
        let mut hosts = vec![
            host(4.0, 100.0, 200.0, 1.0, vec![0]),
            host(8.0, 150.0, 300.0, 4.0, vec![1]),
            host(4.0, 100.0, 200.0, 2.0, vec![2, 3]),
        ];
        let g = |cpu| Guest {
            cpu,
            memory_gb: 2.0,
        };
        let guests = [g(1.0), g(4.0), g(1.0), g(1.0)];
        let (moves, asleep) =
            evacuate_underloaded(&mut hosts, &guests, 0.3, &thr(0.8), &[0.8; 3], &|_| 0.8);
        assert_eq!(
            moves,
            vec![Move {
                guest: 0,
                from: 0,
                to: 1
            }]
        );
        assert_eq!(asleep, vec![0]);
        assert!(hosts[0].standby && hosts[0].guests.is_empty());
        assert_eq!(hosts[1].guests, vec![1, 0]);
    }

    /// All or nothing: H0 (8 cores) holds two 1.5-core guests (u 0.375 < 0.45); H1 (8 cores)
    /// holds a 4-core guest (u 0.5, not underloaded). Guest 0 fits H1 (5.5 / 8 = 0.6875), but
    /// guest 1 would take it to 7 / 8 = 0.875 > 0.8 and there is nowhere else: neither moves,
    /// H1 is as it was and H0 stays on.
    #[test]
    fn evacuation_is_all_or_nothing() {
        let mut hosts = vec![
            host(8.0, 100.0, 200.0, 3.0, vec![0, 1]),
            host(8.0, 100.0, 200.0, 4.0, vec![2]),
        ];
        let g = |cpu| Guest {
            cpu,
            memory_gb: 2.0,
        };
        let guests = [g(1.5), g(1.5), g(4.0)];
        let before = hosts.clone();
        let (moves, asleep) =
            evacuate_underloaded(&mut hosts, &guests, 0.45, &thr(0.8), &[0.8; 2], &|_| 0.8);
        assert!(moves.is_empty() && asleep.is_empty());
        assert_eq!(hosts, before);
        // With room for both (THR 0.9: 7 / 8 = 0.875 passes), both go and H0 sleeps.
        let (moves, asleep) =
            evacuate_underloaded(&mut hosts, &guests, 0.45, &thr(0.9), &[0.9; 2], &|_| 0.9);
        assert_eq!(moves.len(), 2);
        assert_eq!(asleep, vec![0]);
        assert!((hosts[1].cpu - 7.0).abs() < 1e-12);
    }

    /// 4 vCPUs and 16 GiB: 16 + 4 × 16 × 0.004 + 0.0625 = 16.3185 GiB (the 320 MB of [IV4]
    /// is 0.256 GiB + 64 MB). A 4-core host with 2.5 cores entitled takes 1.5 more; a 16 GiB
    /// host with nothing used cannot hold the guest's overhead.
    #[test]
    fn vm_host_checks() {
        assert!((memory_with_overhead_gb(4, 16.0) - 16.3185).abs() < 1e-12);
        let room = VmHostRoom {
            cores: 4,
            entitled_cores: 2.5,
            memory_gb: 64.0,
            memory_used_gb: 0.0,
        };
        assert_eq!(fits_vm_host(&room, 2, 0.75, 8.0), Ok(()));
        assert!(matches!(
            fits_vm_host(&room, 8, 0.1, 8.0),
            Err(Misfit::Vcpus { .. })
        ));
        assert!(matches!(
            fits_vm_host(&room, 4, 0.5, 8.0),
            Err(Misfit::Entitlement { .. })
        ));
        let small = VmHostRoom {
            memory_gb: 16.0,
            ..room
        };
        assert!(matches!(
            fits_vm_host(&small, 1, 0.1, 16.0),
            Err(Misfit::Memory { .. })
        ));
    }
    use proptest::prelude::*;

    /// A host as the fleets below draw it: (type, standby, excluded, ceiling mode, limit).
    /// Few types, so that many hosts are equal and the first of equals decides, as on a real
    /// fleet; more kinds (type × standby) than the tests' `MAX_GROUPS`, so that the mixed
    /// group is walked too.
    type Drawn = (usize, bool, bool, u8, f64);

    const TYPES: [(f64, f64, f64, f64, f64); 5] = [
        // capacity, memory, idle, max, standby
        (8.0, 64.0, 400.0, 800.0, 20.0),
        (8.0, 64.0, 400.0, 800.0, 20.0),
        (4.0, 32.0, 150.0, 300.0, 10.0),
        (16.0, f64::INFINITY, 350.0, 1000.0, 0.0),
        (2.0, 8.0, 100.0, 100.0, 100.0),
    ];

    /// The fleet, each drawn guest (cpu, memory, host or none) placed, and per host the
    /// detector's limit and the ceiling the index is told (the limit, or unknown).
    fn fleet(drawn: &[Drawn], gs: &[(f64, f64, usize)]) -> (Vec<Host>, Vec<Guest>, Vec<f64>) {
        let mut hosts: Vec<Host> = drawn
            .iter()
            .map(|&(t, standby, excluded, _, _)| {
                let (capacity, memory_gb, idle_w, max_w, standby_w) = TYPES[t];
                Host {
                    capacity,
                    memory_gb,
                    power: Power {
                        idle_w,
                        max_w,
                        standby_w,
                    },
                    standby,
                    excluded,
                    cpu: 0.0,
                    memory_used_gb: 0.0,
                    guests: Vec::new(),
                }
            })
            .collect();
        let guests: Vec<Guest> = gs
            .iter()
            .map(|&(cpu, memory_gb, _)| Guest { cpu, memory_gb })
            .collect();
        for (g, &(_, _, at)) in gs.iter().enumerate() {
            let h = at % (hosts.len() + 1);
            if h < hosts.len() && !hosts[h].standby {
                put(&mut hosts[h], g, &guests[g]);
            }
        }
        let ceiling = drawn
            .iter()
            .map(|&(_, _, _, mode, limit)| if mode == 2 { limit } else { f64::INFINITY })
            .collect();
        (hosts, guests, ceiling)
    }

    /// The tighter ceiling the index may ask for: the threshold's limit (told up front only
    /// in mode 2, so that mode 1 learns it on a refusal), nothing in mode 0.
    fn tighter(drawn: &[Drawn]) -> impl Fn(usize) -> f64 + '_ {
        move |h| {
            let (_, _, _, mode, limit) = drawn[h];
            if mode == 0 { f64::INFINITY } else { limit }
        }
    }

    /// Per host: a threshold (`u > limit`), or where the index is told nothing (mode 0) a
    /// detector without a threshold's shape.
    fn detector(drawn: &[Drawn]) -> impl Fn(usize, f64) -> bool + '_ {
        move |h, u| {
            let (_, _, _, mode, limit) = drawn[h];
            if mode == 0 {
                (u * 1000.0).round() as i64 % 3 == 0
            } else {
                u > limit
            }
        }
    }

    fn host_strategy() -> impl Strategy<Value = Drawn> {
        (
            0usize..TYPES.len(),
            prop::bool::weighted(0.25),
            prop::bool::weighted(0.1),
            0u8..3,
            prop_oneof![Just(0.8), Just(0.9), Just(1.0), Just(-0.1), 0.3f64..1.2],
        )
    }

    fn guest_strategy() -> impl Strategy<Value = (f64, f64, usize)> {
        (
            // Tenths, so that sums tie; and some of any value.
            prop_oneof![(0u32..40).prop_map(|k| f64::from(k) / 10.0), 0.0f64..4.0],
            prop_oneof![Just(1.0), Just(2.0), 0.5f64..12.0],
            0usize..64,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// PABFD through the index decides as the scan of every host: the same host for
        /// every guest, and the same hosts after.
        #[test]
        fn pabfd_is_the_scans(
            drawn in prop::collection::vec(host_strategy(), 2..41),
            gs in prop::collection::vec(guest_strategy(), 1..120),
            moving in prop::collection::vec(0usize..120, 0..40),
        ) {
            let (hosts, guests, ceiling) = fleet(&drawn, &gs);
            let mut moving: Vec<usize> = moving.into_iter().map(|g| g % guests.len()).collect();
            moving.sort_unstable();
            moving.dedup();
            // The moving guests have left their hosts, as the manager takes them off.
            let mut hosts = hosts;
            for &g in &moving {
                if let Some(h) = hosts.iter().position(|h| h.guests.contains(&g)) {
                    take(&mut hosts[h], g, &guests[g]);
                }
            }
            let over = detector(&drawn);
            let mut old = hosts.clone();
            let want = oracle::pabfd(&mut old, &guests, &moving, &over);
            let mut new = hosts;
            let got = pabfd(&mut new, &guests, &moving, &over, &ceiling, &tighter(&drawn));
            prop_assert_eq!(got, want);
            prop_assert_eq!(new, old);
        }

        /// Evacuation through the index, the presorted candidates and the undo log decides as
        /// the scan with a copy of the fleet per try: the same moves in the same order, the
        /// same hosts to standby, the same hosts after.
        #[test]
        fn evacuation_is_the_scans(
            drawn in prop::collection::vec(host_strategy(), 2..41),
            gs in prop::collection::vec(guest_strategy(), 1..120),
            threshold in prop_oneof![Just(1.0), Just(0.5), 0.0f64..1.2],
        ) {
            let (hosts, guests, ceiling) = fleet(&drawn, &gs);
            let over = detector(&drawn);
            let mut old = hosts.clone();
            let want = oracle::evacuate_underloaded(&mut old, &guests, threshold, &over);
            let mut new = hosts;
            let got = evacuate_underloaded(
                &mut new, &guests, threshold, &over, &ceiling, &tighter(&drawn),
            );
            prop_assert_eq!(got, want);
            prop_assert_eq!(new, old);
        }
    }
}

/// The placement as first written, every host scanned for every guest and the fleet copied
/// for each evacuation tried: the oracle the indexed placement must agree with exactly.
#[cfg(test)]
pub(crate) mod oracle {
    // The hosts' books are kept as the index keeps them: the oracle checks the decisions.
    use super::{Guest, Host, Move, preferred, put, rise_key, take};
    use std::cell::Cell;

    thread_local! {
        /// Placements where the rule before the quantum (`P(u + Δ) − P(u)` as computed, the
        /// first strictly least) would have picked another host, and of those, how many
        /// picked a host of another [`rise_key`] (not a rounding tie).
        pub static CHANGED: Cell<(u64, u64, u64)> = const { Cell::new((0, 0, 0)) };
    }

    /// The host PABFD gives one guest: among hosts not excluded where it fits (CPU and memory),
    /// skipping an active host it would overload (`overloaded_after(host, utilization)`; CloudSim
    /// skips only hosts that carry load), the [`preferred`] one.
    pub fn best_host(
        hosts: &[Host],
        guest: &Guest,
        overloaded_after: &dyn Fn(usize, f64) -> bool,
    ) -> Option<usize> {
        let mut best: Option<(f64, usize)> = None;
        let mut before: Option<(usize, f64)> = None;
        for (h, host) in hosts.iter().enumerate() {
            if host.excluded
                || host.cpu + guest.cpu > host.capacity + 1e-9
                || host.memory_used_gb + guest.memory_gb > host.memory_gb + 1e-9
            {
                continue;
            }
            let after = (host.cpu + guest.cpu) / host.capacity;
            if host.cpu > 0.0 && overloaded_after(h, after) {
                continue;
            }
            let key = (rise_key(host, guest.cpu), h);
            if best.is_none_or(|b| preferred(key, b)) {
                best = Some(key);
            }
            let rise = host.power.watts(after) - host.watts();
            if before.is_none_or(|(_, r)| rise < r) {
                before = Some((h, rise));
            }
        }
        CHANGED.with(|c| {
            let (mut n, mut changed, mut not_ties) = c.get();
            n += 1;
            if let (Some((k, h)), Some((b, _))) = (best, before)
                && h != b
            {
                changed += 1;
                if rise_key(&hosts[b], guest.cpu) != k {
                    not_ties += 1;
                }
            }
            c.set((n, changed, not_ties));
        });
        best.map(|(_, h)| h)
    }

    /// PABFD: `moving` (indexes into `guests`) in decreasing CPU demand (the first of equals
    /// first), each to [`best_host`]; the hosts are updated. Returns each moving guest's new host
    /// in the order of `moving`, `None` where none fits (the guest stays put).
    pub fn pabfd(
        hosts: &mut [Host],
        guests: &[Guest],
        moving: &[usize],
        overloaded_after: &dyn Fn(usize, f64) -> bool,
    ) -> Vec<Option<usize>> {
        let mut order: Vec<usize> = (0..moving.len()).collect();
        order.sort_by(|&a, &b| guests[moving[b]].cpu.total_cmp(&guests[moving[a]].cpu));
        let mut out = vec![None; moving.len()];
        for k in order {
            let g = moving[k];
            if let Some(h) = best_host(hosts, &guests[g], overloaded_after) {
                put(&mut hosts[h], g, &guests[g]);
                out[k] = Some(h);
            }
        }
        out
    }

    /// Empty underloaded hosts, least utilized first, each all or nothing: its guests go by
    /// PABFD to active hosts that are neither excluded nor evacuated, or none of them moves.
    /// A host that received guests is not evacuated in turn; a host left empty goes to standby
    /// (as does an active host that was empty from the start). Excluded hosts (the overloaded
    /// ones) neither give nor take. Returns the moves, and the hosts put in standby, in order.
    pub fn evacuate_underloaded(
        hosts: &mut [Host],
        guests: &[Guest],
        underload_threshold: f64,
        overloaded_after: &dyn Fn(usize, f64) -> bool,
    ) -> (Vec<Move>, Vec<usize>) {
        let n = hosts.len();
        let was_excluded: Vec<bool> = hosts.iter().map(|h| h.excluded).collect();
        // Standby hosts never take an evacuee: emptying one host by waking another saves nothing.
        let mut closed: Vec<bool> = hosts.iter().map(|h| h.excluded || h.standby).collect();
        let mut received = vec![false; n];
        let mut moves = Vec::new();
        let mut asleep = Vec::new();
        loop {
            let candidate = (0..n)
                .filter(|&h| !closed[h] && !received[h] && !hosts[h].guests.is_empty())
                .filter(|&h| hosts[h].utilization() < underload_threshold)
                .min_by(|&a, &b| {
                    hosts[a]
                        .utilization()
                        .total_cmp(&hosts[b].utilization())
                        .then(a.cmp(&b))
                });
            let Some(c) = candidate else { break };
            closed[c] = true;
            for (h, host) in hosts.iter_mut().enumerate() {
                host.excluded = closed[h];
            }
            let leaving = hosts[c].guests.clone();
            let before: Vec<Host> = hosts.to_vec();
            let to = pabfd(hosts, guests, &leaving, overloaded_after);
            if to.iter().any(Option::is_none) {
                hosts.clone_from_slice(&before);
                continue;
            }
            for (&g, t) in leaving.iter().zip(to) {
                let t = t.expect("checked above");
                take(&mut hosts[c], g, &guests[g]);
                received[t] = true;
                moves.push(Move {
                    guest: g,
                    from: c,
                    to: t,
                });
            }
            hosts[c].cpu = 0.0;
            hosts[c].memory_used_gb = 0.0;
            hosts[c].standby = true;
            asleep.push(c);
        }
        for (h, host) in hosts.iter_mut().enumerate() {
            host.excluded = was_excluded[h];
            if !host.standby && !host.excluded && host.guests.is_empty() {
                host.standby = true;
                asleep.push(h);
            }
        }
        (moves, asleep)
    }
}
