//! Power states of a server or nPar: a machine whose cores are all unused for a configured
//! time drops from idle power to a standby figure, and pays a wake-up (time and energy) when
//! work returns. Off unless a scenario configures it.
//!
//! One state machine per powered unit, fed either by what the run observes (busy or idle,
//! [`PowerState::observe`]) or by a manager's commands ([`PowerState::power_down`],
//! [`PowerState::wake`]): the consolidation manager of issue #21 evacuates a VM host by
//! migration and powers it down itself, then wakes it ahead of demand. The ledger it keeps
//! ([`PowerLedger`]) is what energy, carbon and the summary need: time in standby, wake-ups,
//! and the energy saved against an always-on machine.
//!
//! Must not know: events, records, files, prices. Times in ms, power in W, energy in Wh.

/// A unit's power-state settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PowerStates {
    /// All cores unused this long [ms] → standby. A manager may power down sooner.
    pub standby_after_ms: u64,
    /// Power drawn in standby [W] (instead of the power model's idle figure).
    pub standby_w: f64,
    /// Time from a wake command to cores that can serve [ms].
    pub wake_ms: u64,
    /// Energy a wake-up draws beyond idle power over `wake_ms` [Wh] (booting firmware and
    /// OS, spinning disks up).
    pub wake_wh: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Powered: idle or serving.
    On,
    /// In standby since the given time [ms].
    Standby { since_ms: u64 },
    /// Waking; serves from the given time [ms].
    Waking { until_ms: u64 },
}

/// What a unit's power states did over a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PowerLedger {
    /// Time spent in standby [ms].
    pub standby_ms: u64,
    /// The standby stretches `[from, to)` [ms], in order: carbon weights the power saved by
    /// the grid's intensity of the hours it was saved in (`licensing::carbon`), and wake-ups
    /// happen at each `to` before the horizon.
    pub standby: Vec<(u64, u64)>,
    /// Wake-ups begun (from standby to on).
    pub wakeups: u64,
    /// Time spent waking [ms]: cores that could not serve.
    pub waking_ms: u64,
}

impl PowerLedger {
    /// Energy saved against staying on at idle [Wh]: `(idle − standby) × standby hours −
    /// wake-ups × wake energy`. Negative when the machine wakes more often than its standby
    /// pays for (a threshold too short for the workload's gaps).
    pub fn saved_wh(&self, idle_w: f64, cfg: &PowerStates) -> f64 {
        (idle_w - cfg.standby_w) * self.standby_ms as f64 / MS_PER_HOUR
            - self.wakeups as f64 * cfg.wake_wh
    }
}

const MS_PER_HOUR: f64 = 3_600_000.0;

/// One unit's power state and ledger.
#[derive(Debug, Clone)]
pub struct PowerState {
    cfg: PowerStates,
    state: State,
    /// When its cores last became all unused (None while busy).
    idle_since: Option<u64>,
    ledger: PowerLedger,
}

impl PowerState {
    /// A unit powered on and idle at time 0.
    pub fn new(cfg: PowerStates) -> PowerState {
        PowerState {
            cfg,
            state: State::On,
            idle_since: Some(0),
            ledger: PowerLedger::default(),
        }
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// Its wake-up time [ms]: what work landing on it in standby waits.
    pub fn wake_ms(&self) -> u64 {
        self.cfg.wake_ms
    }

    /// Bring the state up to `now` with nothing observed in between: an idle unit past its
    /// threshold entered standby at `idle_since + standby_after_ms`; a wake-up finished.
    pub fn advance_to(&mut self, now_ms: u64) {
        match self.state {
            State::On => {
                if let Some(s) = self.idle_since {
                    let at = s.saturating_add(self.cfg.standby_after_ms);
                    if at <= now_ms {
                        self.state = State::Standby { since_ms: at };
                    }
                }
            }
            State::Waking { until_ms } if until_ms <= now_ms => {
                self.state = State::On;
                // Idle on arrival unless told otherwise: the threshold counts from up.
                if self.idle_since.is_some() {
                    self.idle_since = Some(until_ms);
                    self.advance_to(now_ms);
                }
            }
            _ => {}
        }
    }

    /// What the run observed at `now_ms`: whether any core of the unit has work. Work on a
    /// unit in standby wakes it (the work waits `wake_ms`); returns when it can serve.
    pub fn observe(&mut self, now_ms: u64, busy: bool) -> u64 {
        self.advance_to(now_ms);
        if !busy {
            if self.idle_since.is_none() {
                self.idle_since = Some(now_ms);
                self.advance_to(now_ms);
            }
            return now_ms;
        }
        self.idle_since = None;
        match self.state {
            State::Standby { .. } => self.wake(now_ms),
            State::Waking { until_ms } => until_ms,
            State::On => now_ms,
        }
    }

    /// A manager's command: standby now (a host it has evacuated). No-op unless on.
    pub fn power_down(&mut self, now_ms: u64) {
        self.advance_to(now_ms);
        if self.state == State::On {
            self.state = State::Standby { since_ms: now_ms };
        }
    }

    /// A manager's command, or work arriving: leave standby now; returns when the cores can
    /// serve (`now + wake_ms`). A unit already on or waking is not woken twice.
    pub fn wake(&mut self, now_ms: u64) -> u64 {
        self.advance_to(now_ms);
        match self.state {
            State::Standby { since_ms } => {
                self.ledger.standby_ms += now_ms - since_ms;
                self.ledger.standby.push((since_ms, now_ms));
                self.ledger.wakeups += 1;
                self.ledger.waking_ms += self.cfg.wake_ms;
                let until_ms = now_ms + self.cfg.wake_ms;
                self.state = State::Waking { until_ms };
                until_ms
            }
            State::Waking { until_ms } => until_ms,
            State::On => now_ms,
        }
    }

    /// The ledger at the end of a run of `horizon_ms`: standby still open is counted to the
    /// horizon, a wake-up still in progress to its end (it was begun, and paid for).
    pub fn finish(&mut self, horizon_ms: u64) -> PowerLedger {
        self.advance_to(horizon_ms);
        let mut l = self.ledger.clone();
        if let State::Standby { since_ms } = self.state
            && since_ms < horizon_ms
        {
            l.standby_ms += horizon_ms - since_ms;
            l.standby.push((since_ms, horizon_ms));
        }
        l
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const H: u64 = 3_600_000;

    fn cfg(after_h: u64) -> PowerStates {
        PowerStates {
            standby_after_ms: after_h * H,
            standby_w: 20.0,
            wake_ms: 5 * 60_000,
            wake_wh: 50.0,
        }
    }

    /// A 200 W-idle server busy 0–7 h and 17–24 h, idle the 10 h between, standby 20 W after
    /// 1 h idle, 50 Wh a wake-up: 9 h in standby, one wake-up at 17 h; saved 180 W × 9 h −
    /// 50 Wh = 1,570 Wh. The work at 17 h waits 5 minutes.
    #[test]
    fn ten_idle_hours_of_twenty_four_save_by_hand() {
        let mut p = PowerState::new(cfg(1));
        assert_eq!(p.observe(0, true), 0);
        assert_eq!(p.observe(7 * H, false), 7 * H);
        assert_eq!(p.state(), State::On);
        assert_eq!(p.observe(17 * H, true), 17 * H + 5 * 60_000);
        let l = p.finish(24 * H);
        assert_eq!(l.standby_ms, 9 * H);
        assert_eq!(l.standby, [(8 * H, 17 * H)]);
        assert_eq!(l.wakeups, 1);
        assert_eq!(l.waking_ms, 5 * 60_000);
        assert!((l.saved_wh(200.0, &cfg(1)) - 1_570.0).abs() < 1e-9);
    }

    /// Idle stretches shorter than the threshold never reach standby; the last idle stretch
    /// runs into the horizon without a wake-up (7 h − 1 h = 6 h, saved 180 × 6 = 1,080 Wh).
    #[test]
    fn short_gaps_stay_on_and_a_final_standby_needs_no_wake_up() {
        let mut p = PowerState::new(cfg(1));
        p.observe(0, true);
        p.observe(H, false);
        p.observe(H + H / 2, true); // 30 minutes idle: stays on
        p.observe(17 * H, false);
        let l = p.finish(24 * H);
        assert_eq!((l.standby_ms, l.wakeups), (6 * H, 0));
        assert!((l.saved_wh(200.0, &cfg(1)) - 1_080.0).abs() < 1e-9);
    }

    /// A manager's commands (issue #21): power down an evacuated host at 2 h whatever the
    /// threshold, wake it at 5 h; it serves from 5 h 5 min, then idles into standby again at
    /// 5 h 5 min + 1 h and stays there to 8 h: 3 h + (8 h − 6 h 5 min) in standby, one wake-up.
    #[test]
    fn a_manager_can_power_down_and_wake() {
        let mut p = PowerState::new(cfg(1));
        p.observe(0, true);
        p.observe(2 * H, false);
        p.power_down(2 * H);
        assert_eq!(p.state(), State::Standby { since_ms: 2 * H });
        assert_eq!(p.wake(5 * H), 5 * H + 5 * 60_000);
        assert_eq!(p.wake(5 * H + 1), 5 * H + 5 * 60_000, "not woken twice");
        let l = p.finish(8 * H);
        assert_eq!(l.wakeups, 1);
        assert_eq!(l.standby_ms, 3 * H + (8 * H - (6 * H + 5 * 60_000)));
    }
}
