//! A run's records (`sim::Outcome`) as bytes, exactly: every float by its bits, so a record
//! written by one process and read by another is the same value, and the merged run's outputs
//! are the same bytes as the run on one machine. Little-endian, lengths before sequences; no
//! self-description (the partial folder's part.json names the format version).

use crate::ha::{Outage, failover};
use crate::licensing::{PpuMeter, TicapLedger};
use crate::model::NodeId;
use crate::sim::manage::{CompartmentMeter, DomainRecord, WlmRecord};
use crate::sim::metrics::{Dist, Held, Meters};
use crate::sim::{Outcome, Timeseries};

/// Bumped when the encoding changes.
/// 2: a TiCAP ledger carries its purchased blocks' expiry (issue 20).
pub const FORMAT_VERSION: u32 = 2;

pub use crate::codec::{Bad, Reader, Writer};

fn held(w: &mut Writer, xs: &[Held]) {
    w.len(xs.len());
    for h in xs {
        w.f64(h.memory_gb);
        w.f64(h.disk_mbps);
        w.f64(h.network_mbps);
    }
}

fn read_held(r: &mut Reader) -> Result<Vec<Held>, Bad> {
    let n = r.len(24)?;
    (0..n)
        .map(|_| {
            Ok(Held {
                memory_gb: r.f64()?,
                disk_mbps: r.f64()?,
                network_mbps: r.f64()?,
            })
        })
        .collect()
}

/// A distribution, flushed first: its dense figures and each entity's histogram.
fn dist(w: &mut Writer, d: &mut Dist) {
    d.flush();
    w.f64s(&d.sum_ms);
    w.f64s(&d.max);
    w.u64s(&d.above_limit_ms);
    w.u64s(&d.zero_ms);
    w.len(d.hist.len());
    for h in &d.hist {
        match h {
            Some(bins) => {
                w.u8(1);
                bins.iter().for_each(|&b| w.u64(b));
            }
            None => w.u8(0),
        }
    }
}

fn read_dist(r: &mut Reader) -> Result<Dist, Bad> {
    let sum_ms = r.f64s()?;
    let n = sum_ms.len();
    let mut d = Dist::new(n);
    d.sum_ms = sum_ms;
    d.max = r.f64s()?;
    d.above_limit_ms = r.u64s()?;
    d.zero_ms = r.u64s()?;
    let hists = r.len(1)?;
    if [d.max.len(), d.above_limit_ms.len(), d.zero_ms.len(), hists] != [n; 4] {
        return Err(format!(
            "a distribution's columns differ in length (expected {n})"
        ));
    }
    for i in 0..n {
        if r.bool()? {
            let bins: Vec<u64> = (0..crate::sim::metrics::BINS)
                .map(|_| r.u64())
                .collect::<Result<_, _>>()?;
            d.hist[i] = Some(
                bins.into_boxed_slice()
                    .try_into()
                    .map_err(|_| "a histogram of the wrong size".to_string())?,
            );
        }
    }
    Ok(d)
}

fn meters(w: &mut Writer, m: &mut Meters) {
    for col in [
        &m.demand_cms,
        &m.served_cms,
        &m.dropped_cms,
        &m.delayed_cms,
        &m.granted_cms,
    ] {
        w.f64s(col);
    }
    for d in [
        &mut m.cpu,
        &mut m.memory,
        &mut m.disk,
        &mut m.network,
        &mut m.demand,
    ] {
        dist(w, d);
    }
    w.f64s(&m.met_ms);
    w.f64s(&m.peak_demand);
    held(w, &m.peak_held);
    held(w, &m.held_ms);
    w.f64s(&m.backlog_cms);
    w.f64s(&m.longest_backlog_ms);
}

fn read_meters(r: &mut Reader) -> Result<Meters, Bad> {
    // A struct literal, not `Meters::new` and assignments: a field added to the records
    // fails to compile here rather than being merged as its default.
    let m = Meters {
        demand_cms: r.f64s()?,
        served_cms: r.f64s()?,
        dropped_cms: r.f64s()?,
        delayed_cms: r.f64s()?,
        granted_cms: r.f64s()?,
        cpu: read_dist(r)?,
        memory: read_dist(r)?,
        disk: read_dist(r)?,
        network: read_dist(r)?,
        demand: read_dist(r)?,
        met_ms: r.f64s()?,
        peak_demand: r.f64s()?,
        peak_held: read_held(r)?,
        held_ms: read_held(r)?,
        backlog_cms: r.f64s()?,
        longest_backlog_ms: r.f64s()?,
    };
    let n = m.demand_cms.len();
    let lens = [
        m.served_cms.len(),
        m.dropped_cms.len(),
        m.delayed_cms.len(),
        m.granted_cms.len(),
        m.met_ms.len(),
        m.peak_demand.len(),
        m.peak_held.len(),
        m.held_ms.len(),
        m.backlog_cms.len(),
        m.longest_backlog_ms.len(),
    ];
    if lens.iter().any(|&l| l != n) {
        return Err(format!(
            "a record's columns differ in length (expected {n})"
        ));
    }
    Ok(m)
}

fn timeseries(w: &mut Writer, ts: &Timeseries) {
    w.u64s(&ts.time_ms);
    w.len(ts.entity.len());
    ts.entity.iter().for_each(|&e| w.u32(e));
    for col in [
        &ts.demand,
        &ts.allocation,
        &ts.served,
        &ts.backlog_core_hours,
        &ts.utilization,
    ] {
        w.f64s(col);
    }
}

fn read_timeseries(r: &mut Reader) -> Result<Timeseries, Bad> {
    let time_ms = r.u64s()?;
    let n = r.len(4)?;
    let entity = (0..n).map(|_| r.u32()).collect::<Result<Vec<_>, _>>()?;
    let ts = Timeseries {
        time_ms,
        entity,
        demand: r.f64s()?,
        allocation: r.f64s()?,
        served: r.f64s()?,
        backlog_core_hours: r.f64s()?,
        utilization: r.f64s()?,
    };
    let rows = ts.time_ms.len();
    if [
        ts.entity.len(),
        ts.demand.len(),
        ts.allocation.len(),
        ts.served.len(),
        ts.backlog_core_hours.len(),
        ts.utilization.len(),
    ]
    .iter()
    .any(|&l| l != rows)
    {
        return Err("time-series columns differ in length".into());
    }
    Ok(ts)
}

fn phase(p: failover::Phase) -> u8 {
    match p {
        failover::Phase::Running => 0,
        failover::Phase::Reforming => 1,
        failover::Phase::Starting => 2,
        failover::Phase::Halted => 3,
    }
}

fn read_phase(r: &mut Reader) -> Result<failover::Phase, Bad> {
    Ok(match r.u8()? {
        0 => failover::Phase::Running,
        1 => failover::Phase::Reforming,
        2 => failover::Phase::Starting,
        3 => failover::Phase::Halted,
        b => return Err(format!("package phase {b}")),
    })
}

/// An outcome as bytes (its distributions are flushed on the way: hence `&mut`).
pub fn encode(w: &mut Writer, o: &mut Outcome) {
    w.u64(o.stats.events);
    w.u64(o.stats.segments);
    meters(w, &mut o.workloads);
    meters(w, &mut o.nodes);
    match &o.timeseries {
        Some(ts) => {
            w.u8(1);
            timeseries(w, ts);
        }
        None => w.u8(0),
    }
    w.len(o.compartments.len());
    for c in &o.compartments {
        for x in [
            c.reallocations,
            c.changes_decided,
            c.at_min_ms,
            c.at_max_ms,
            c.request_met_ms,
            c.observed_ms,
        ] {
            w.u64(x);
        }
        w.f64(c.decided_cms);
    }
    w.len(o.domains.len());
    for d in &o.domains {
        w.u64(d.arbitrations);
        w.u64(d.short_ms);
        w.u64(d.observed_ms);
    }
    w.len(o.wlm.len());
    for x in &o.wlm {
        w.u64(x.intervals);
        w.u64s(&x.slo_active_ms);
        w.u64s(&x.slo_met_ms);
    }
    for ledgers in [&o.ticap, &o.group_ticap] {
        w.len(ledgers.len());
        for l in ledgers {
            match l {
                Some(l) => {
                    w.u8(1);
                    l.encode(w);
                }
                None => w.u8(0),
            }
        }
    }
    w.len(o.ppu.len());
    for p in &o.ppu {
        match p {
            Some(p) => {
                w.u8(1);
                p.encode(w);
            }
            None => w.u8(0),
        }
    }
    w.f64s(&o.active_core_ms);
    let ha = &o.ha;
    w.len(ha.outages.len());
    for (k, out) in &ha.outages {
        w.u32(*k);
        w.u64(out.start_ms);
        w.u64(out.end_ms);
    }
    w.len(ha.replaced.len());
    ha.replaced.iter().for_each(|&b| w.bool(b));
    w.f64s(&ha.up_ms);
    w.f64s(&ha.outage_work);
    w.len(ha.packages.len());
    for p in &ha.packages {
        w.u8(phase(p.phase));
        w.u32(p.node.0);
        w.u32(p.last_node.0);
        w.u32(p.epoch);
        w.u32(p.failovers);
        w.u32(p.failbacks);
        w.u32(p.halts);
        w.bool(p.returning);
    }
}

pub fn decode(r: &mut Reader) -> Result<Outcome, Bad> {
    let stats = crate::engine::RunStats {
        events: r.u64()?,
        segments: r.u64()?,
    };
    let workloads = read_meters(r)?;
    let nodes = read_meters(r)?;
    let timeseries = if r.bool()? {
        Some(read_timeseries(r)?)
    } else {
        None
    };
    let n = r.len(56)?;
    let compartments = (0..n)
        .map(|_| {
            Ok(CompartmentMeter {
                reallocations: r.u64()?,
                changes_decided: r.u64()?,
                at_min_ms: r.u64()?,
                at_max_ms: r.u64()?,
                request_met_ms: r.u64()?,
                observed_ms: r.u64()?,
                decided_cms: r.f64()?,
            })
        })
        .collect::<Result<Vec<_>, Bad>>()?;
    let n = r.len(24)?;
    let domains = (0..n)
        .map(|_| {
            Ok(DomainRecord {
                arbitrations: r.u64()?,
                short_ms: r.u64()?,
                observed_ms: r.u64()?,
            })
        })
        .collect::<Result<Vec<_>, Bad>>()?;
    let n = r.len(24)?;
    let wlm = (0..n)
        .map(|_| {
            Ok(WlmRecord {
                intervals: r.u64()?,
                slo_active_ms: r.u64s()?,
                slo_met_ms: r.u64s()?,
            })
        })
        .collect::<Result<Vec<_>, Bad>>()?;
    let mut ledgers = || -> Result<Vec<Option<TicapLedger>>, Bad> {
        let n = r.len(1)?;
        (0..n)
            .map(|_| {
                if r.bool()? {
                    TicapLedger::decode(r).map(Some)
                } else {
                    Ok(None)
                }
            })
            .collect()
    };
    let ticap = ledgers()?;
    let group_ticap = ledgers()?;
    let n = r.len(1)?;
    let ppu = (0..n)
        .map(|_| {
            if r.bool()? {
                PpuMeter::decode(r).map(Some)
            } else {
                Ok(None)
            }
        })
        .collect::<Result<Vec<_>, Bad>>()?;
    let active_core_ms = r.f64s()?;
    let n = r.len(20)?;
    let outages = (0..n)
        .map(|_| {
            Ok((
                r.u32()?,
                Outage {
                    start_ms: r.u64()?,
                    end_ms: r.u64()?,
                },
            ))
        })
        .collect::<Result<Vec<_>, Bad>>()?;
    let n = r.len(1)?;
    let replaced = (0..n).map(|_| r.bool()).collect::<Result<Vec<_>, _>>()?;
    let up_ms = r.f64s()?;
    let outage_work = r.f64s()?;
    let n = r.len(26)?;
    let packages = (0..n)
        .map(|_| {
            Ok(failover::PackageState {
                phase: read_phase(r)?,
                node: NodeId(r.u32()?),
                last_node: NodeId(r.u32()?),
                epoch: r.u32()?,
                failovers: r.u32()?,
                failbacks: r.u32()?,
                halts: r.u32()?,
                returning: r.bool()?,
            })
        })
        .collect::<Result<Vec<_>, Bad>>()?;
    Ok(Outcome {
        stats,
        workloads,
        nodes,
        timeseries,
        compartments,
        domains,
        wlm,
        ticap,
        group_ticap,
        ppu,
        active_core_ms,
        ha: crate::sim::HaRun {
            outages,
            replaced,
            up_ms,
            outage_work,
            packages,
        },
    })
}
