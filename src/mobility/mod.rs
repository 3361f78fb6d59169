//! Moving workloads: the models behind online VM migration and a consolidation manager
//! (issue #21), as pure functions on plain data.
//!
//! Nothing here knows the simulation, the scenario file or the clock: a manager (or a planned
//! move) gathers what it sees into the small structs these modules take, asks, and applies the
//! answer. That keeps each rule testable by hand, as the literature states it.
//!
//! - [`migration`]: the pre-copy live-migration model (Clark et al., NSDI 2005), as HP's
//!   Integrity VM Online VM Migration copies a running guest: rounds, copy time, the
//!   stop-and-copy pause, and the CPU it costs both hosts.
//! - [`detect`]: Beloglazov & Buyya's (2012) host overload detectors (THR, MAD, IQR, LR), with
//!   CloudSim's minimum-history rules and fallback.
//! - [`select`]: which guest leaves an overloaded host (MMT, MC, random with a seed).
//! - [`place`]: the target checks of a VM host, power-aware best fit decreasing (PABFD), and
//!   the all-or-nothing evacuation of underloaded hosts into standby.
//! - [`manager`]: the intervals of a consolidation manager composed from the above and
//!   replayed on per-interval demand (CloudSim's experiment loop).
//! - [`metrics`]: SLATAH, PDM, SLAV and energy, so results sit beside published CloudSim
//!   figures.
//!
//! A consolidation interval composes them as CloudSim's
//! `PowerVmAllocationPolicyMigrationAbstract.optimizeAllocation` does: detect the overloaded
//! hosts; select guests from each until the detector no longer fires on what remains; place
//! those guests (PABFD, overloaded hosts excluded); then evacuate underloaded hosts whole and
//! put the emptied ones in standby.
//!
//! Units: CPU in reference cores (one core of speed 1.0, as the rest of vsesim), utilization
//! as a fraction of a host's capacity, memory in MB (2^20 bytes) for copying and GiB for
//! fitting (as `memory_gb` in the scenario), bandwidth in MB/s, time in seconds, power in
//! watts.

pub mod detect;
pub mod manager;
pub mod metrics;
pub mod migration;
pub mod place;
pub mod plan;
pub mod select;
