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

/// The host PABFD gives one guest: among hosts not excluded where it fits (CPU and memory),
/// skipping an active host it would overload (`overloaded_after(host, utilization)`; CloudSim
/// skips only hosts that carry load), the one whose power rises least; the first of equals.
pub fn best_host(
    hosts: &[Host],
    guest: &Guest,
    overloaded_after: &dyn Fn(usize, f64) -> bool,
) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
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
        let rise = host.power.watts(after) - host.watts();
        if best.is_none_or(|(_, r)| rise < r) {
            best = Some((h, rise));
        }
    }
    best.map(|(h, _)| h)
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
            pabfd(&mut h, &guests, &[0, 1], &thr(0.8)),
            vec![Some(1), Some(1)]
        );
        assert!((h[1].cpu - 5.0).abs() < 1e-12);
        assert!((h[1].watts() - 243.75).abs() < 1e-9);
        let mut h = hosts.clone();
        h[1].memory_used_gb = 62.0;
        assert_eq!(pabfd(&mut h, &guests, &[0], &thr(0.8)), vec![Some(0)]);
        // Nowhere active fits a 5-core guest; the standby 4-core host cannot either.
        let big = [Guest {
            cpu: 9.0,
            memory_gb: 1.0,
        }];
        assert_eq!(pabfd(&mut hosts.clone(), &big, &[0], &thr(0.8)), vec![None]);
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
        let (moves, asleep) = evacuate_underloaded(&mut hosts, &guests, 0.3, &thr(0.8));
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
        let (moves, asleep) = evacuate_underloaded(&mut hosts, &guests, 0.45, &thr(0.8));
        assert!(moves.is_empty() && asleep.is_empty());
        assert_eq!(hosts, before);
        // With room for both (THR 0.9: 7 / 8 = 0.875 passes), both go and H0 sleeps.
        let (moves, asleep) = evacuate_underloaded(&mut hosts, &guests, 0.45, &thr(0.9));
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
}
