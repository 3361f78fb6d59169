//! Utility pricing: the meters and ledgers HP bills temporary and metered capacity by, and the
//! arithmetic that turns what a run recorded into money (DOMAIN.md §4).
//!
//! Owns:
//! - [`TicapLedger`]: a complex's Temporary Instant Capacity balance [core-minutes], debited in
//!   30-minute quanta per core above usage rights, with HP's activation rule, daily expiry
//!   warnings and the record of going out of compliance (§4.2);
//! - [`PpuMeter`]: a pay-per-use utility meter: 5-minute samples, daily averages with HP's
//!   missing-data rules, monthly bills (§4.4);
//! - plain cost functions ([`amortized_capex`], [`energy_cost`], [`licence_cost`],
//!   [`ticap_cost`]) and the `validate_*` checks of their parameters.
//!
//! Must not know: partitions, cells, workload managers, files, scenario names or the engine. The
//! simulation calls it with facts (how many cores are active above rights from when, how many
//! cores are active and busy at a sample time); it decides nothing about activating cores — the
//! caller asks [`TicapLedger::can_activate`] and [`TicapLedger::utility_reserve_ok`]. Everything
//! is a pure function of the calls made: no I/O, no clock, no `HashMap`, so runs are
//! bit-for-bit deterministic.
//!
//! # Time and money
//! Times are integer milliseconds from the scenario start (`u64`). Calendar days are
//! `[d·86,400,000, (d+1)·86,400,000)` ms from the start; the scenario starts at midnight of day 0
//! (time zones and daylight saving are not modelled). Money is `f64` in the scenario's currency.
//!
//! # Bad input never panics
//! Times that go backwards count as the latest time already seen; amounts that are NaN,
//! infinite or negative count as 0 where the doc says so. The `validate_*` functions reject such
//! parameters up front with a message naming the field.
//!
//! # Example
//! DOMAIN.md §4.2: 3 TiCAP blocks (90 core-days) run 6 cores above rights for 15 days [IHA10].
//! ```
//! use vsesim::licensing::{DAY_MS, TICAP_BLOCK_CORE_MIN, TicapLedger};
//! let mut ledger = TicapLedger::new(3.0 * TICAP_BLOCK_CORE_MIN, 15.0);
//! ledger.set_temporary(0, 6);
//! ledger.finish(20 * DAY_MS);
//! assert_eq!(ledger.exhausted_at_ms(), Some(15 * DAY_MS));
//! ```

/// Carbon: the grid's intensity and the CO2 of the energy drawn.
pub mod carbon;
/// The scenario's pricing parameters, compiled and validated by the scenario compiler (kept
/// beside the meters they configure; nothing in this file uses them).
pub mod config;
/// The books of one run: active cores, ledgers and meters, by server.
pub mod settle;

/// One minute [ms].
pub const MINUTE_MS: u64 = 60_000;
/// One calendar day [ms].
pub const DAY_MS: u64 = 86_400_000;
/// One year for amortisation and per-year licences: 365 days [ms] (leap days ignored).
pub const YEAR_MS: u64 = 365 * DAY_MS;

/// TiCAP accounting period [ms]: the balance is debited every 30 minutes [IHA10][VSE17].
pub const TICAP_PERIOD_MS: u64 = 30 * MINUTE_MS;
/// Debit per core above rights per accounting period [core-minutes]: 30-minute increments
/// [IHA8][IHA10]; also the balance one core needs to be activated [I9].
pub const TICAP_QUANTUM_CORE_MIN: f64 = 30.0;
/// One processing-day: 1 core × 24 h [core-minutes] [I8].
pub const CORE_DAY_CORE_MIN: f64 = 1_440.0;
/// One standard TiCAP block: 30 core-days [core-minutes] [I8][IB1][IHA8].
pub const TICAP_BLOCK_CORE_MIN: f64 = 30.0 * CORE_DAY_CORE_MIN;
/// Default warning period of `icapmodify -w` [days] [I10a][I10b].
pub const DEFAULT_WARN_DAYS: f64 = 15.0;
/// Default `utility_reserve_threshold` of wlmpard [processing-days] [W274][W275].
pub const DEFAULT_RESERVE_DAYS: f64 = 15.0;
/// Most warnings a ledger keeps (about 274 years of daily warnings); later ones are only
/// counted ([`TicapLedger::warning_count`]), so absurd horizons cannot exhaust memory.
pub const MAX_WARNINGS: usize = 100_000;
/// Accounting periods per day (48).
const PERIODS_PER_DAY: u64 = DAY_MS / TICAP_PERIOD_MS;

/// PPU sampling interval [ms]: utilisation is measured every 5 minutes [VSE17][PPU4].
pub const PPU_SAMPLE_MS: u64 = 300_000;
/// Days at the start of the meter on which an invalid day copies the last valid one; later
/// invalid days bill 100 % of the active cores [UM][PPU5].
pub const PPU_MISSING_COPY_DAYS: u64 = 14;
/// Billing month [days]: HP bills calendar months [UM92]; vsesim bills 30-day blocks from the
/// scenario start, so that bills need no calendar and every full month weighs the same.
pub const PPU_MONTH_DAYS: u64 = 30;
/// Watt-milliseconds in one kilowatt-hour: 1,000 W × 3,600,000 ms.
pub const WATT_MS_PER_KWH: f64 = 3.6e9;

// ---------------------------------------------------------------------------------------------
// TiCAP
// ---------------------------------------------------------------------------------------------

/// One daily expiry warning, HP's e-mail "projected expiry within the warning period"
/// [I10a][I10b][I10c].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TicapWarning {
    /// When the settlement that raised it happened [ms].
    pub at_ms: u64,
    /// Balance left ÷ the burn rate then [days]; > 0 (an empty balance is an exception, not a
    /// warning: see [`TicapLedger::exhausted_at_ms`]).
    pub days_left: f64,
}

/// The Temporary Instant Capacity balance of one complex (or of a GiCAP group sharing one
/// balance) [core-minutes], DOMAIN.md §4.2.
///
/// # Accounting periods
/// Period `k` is `[k·30 min, (k+1)·30 min)` from the scenario start. A period is charged
/// 30 core-minutes × the **largest number of cores above rights held for a positive time within
/// it** [IHA8][IHA10]: one core above rights for any part of a period pays the full 30 minutes.
/// A change at an instant belongs to the period that contains that instant, so a count set
/// exactly at a boundary `k·30 min` is not charged to period `k − 1`, and a count replaced at the
/// same instant it was set (held for 0 ms) is not charged at all.
///
/// A period is debited (settled) at its end, `(k+1)·30 min`, when the clock reaches it through
/// [`advance_to`](Self::advance_to) or [`set_temporary`](Self::set_temporary);
/// [`finish`](Self::finish) debits the last, partial period at the horizon, in full 30 minutes.
/// Results do not depend on how often `advance_to` is called.
///
/// # After each settlement
/// - the balance may go negative: activations persist and are still charged, out of
///   compliance [I10e]. [`exhausted_at_ms`](Self::exhausted_at_ms) records the first settlement
///   that left the balance ≤ 0 and [`overdrawn_periods`](Self::overdrawn_periods) counts periods
///   whose charge the balance did not cover;
/// - the burn rate is the cores above rights held just before the settlement instant,
///   × 1 core-minute per minute; if it is > 0, the balance is > 0 and balance ÷ burn rate ≤ the
///   warning period, a [`TicapWarning`] is recorded — at most one per calendar day, at the first
///   such settlement of the day, like HP's daily e-mail [I10a][I10b].
///
/// Enforcement at the next partition boot [I10e] is the caller's: the ledger only keeps the
/// books.
#[derive(Debug, Clone, PartialEq)]
pub struct TicapLedger {
    /// Balance at the start [core-minutes], ≥ 0.
    initial_core_min: f64,
    /// Warning period [days], ≥ 0.
    warn_days: f64,
    /// Core-periods debited so far (1 = 30 core-minutes); the balance is derived from it, so
    /// `balance + used = initial` up to one rounding.
    charged_quanta: u64,
    /// Latest time seen [ms].
    now_ms: u64,
    /// Index of the first period not yet settled (the one containing `now_ms`).
    open: u64,
    /// Largest count held for a positive time in the open period before `since_ms`.
    open_max: u32,
    /// Cores above rights now.
    cores: u32,
    /// When `cores` took effect [ms].
    since_ms: u64,
    /// Cores above rights held just before `since_ms`.
    cores_before: u32,
    exhausted_at_ms: Option<u64>,
    overdrawn_periods: u64,
    warnings: Vec<TicapWarning>,
    warning_count: u64,
    last_warning_day: Option<u64>,
    finished: bool,
    /// Purchased minutes that lapse if unused by a time: see [`with_expiry`](Self::with_expiry).
    expiry: Option<Expiry>,
}

/// Minutes of a balance bought with an expiry date: drawn before the rest, and what is left of
/// them at `at_ms` lapses.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Expiry {
    at_ms: u64,
    core_min: f64,
    /// Set when the lapse has happened: (minutes drawn from them, minutes that lapsed).
    lapsed: Option<(f64, f64)>,
}

/// End of accounting period `k` [ms], saturating at `u64::MAX` for the last partial period of
/// the `u64` range.
fn period_end(k: u64) -> u64 {
    k.saturating_add(1).saturating_mul(TICAP_PERIOD_MS)
}

/// Smallest `m` in `1..=count` with `pred(m)`, for a predicate that once true stays true
/// (binary search: long runs of identical periods settle in O(log n)).
fn first_true(count: u64, pred: impl Fn(u64) -> bool) -> Option<u64> {
    if count == 0 || !pred(count) {
        return None;
    }
    let (mut lo, mut hi) = (1, count);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Some(lo)
}

impl TicapLedger {
    /// A ledger holding `balance_core_min` [core-minutes] (one block = [`TICAP_BLOCK_CORE_MIN`])
    /// that warns when the projected expiry is within `warn_days` [days] (HP's default
    /// [`DEFAULT_WARN_DAYS`] = 15). No cores are above rights until
    /// [`set_temporary`](Self::set_temporary) says so.
    ///
    /// A balance that is NaN, infinite or negative counts as 0; a `warn_days` that is NaN or
    /// negative counts as 0 (never warn); see [`validate_ticap`]. A ledger starting at 0 is
    /// exhausted at time 0.
    pub fn new(balance_core_min: f64, warn_days: f64) -> Self {
        let initial = if balance_core_min.is_finite() && balance_core_min > 0.0 {
            balance_core_min
        } else {
            0.0
        };
        TicapLedger {
            initial_core_min: initial,
            warn_days: if warn_days >= 0.0 { warn_days } else { 0.0 },
            charged_quanta: 0,
            now_ms: 0,
            open: 0,
            open_max: 0,
            cores: 0,
            since_ms: 0,
            cores_before: 0,
            exhausted_at_ms: (initial <= 0.0).then_some(0),
            overdrawn_periods: 0,
            warnings: Vec::new(),
            warning_count: 0,
            last_warning_day: None,
            finished: false,
            expiry: None,
        }
    }

    /// The first `core_min` of the balance [core-minutes] were bought with an expiry: they are
    /// drawn first, and whatever is left of them at `at_ms` lapses, after the periods settled
    /// at that instant (HP's TiCAP never expires [IB3][I10a]; this is a contract what-if).
    /// `core_min` is capped at the starting balance; an expiry at 0 ms or a NaN/negative amount
    /// is ignored (see [`validate_ticap`]).
    ///
    /// ```
    /// use vsesim::licensing::{DAY_MS, TICAP_BLOCK_CORE_MIN, TicapLedger};
    /// // One block (43,200 core-minutes) expiring on day 10; 2 cores above rights for 5 days
    /// // use 2 × 5 × 1,440 = 14,400; the other 28,800 lapse on day 10.
    /// let mut l = TicapLedger::new(TICAP_BLOCK_CORE_MIN, 15.0)
    ///     .with_expiry(10 * DAY_MS, TICAP_BLOCK_CORE_MIN);
    /// l.set_temporary(0, 2);
    /// l.set_temporary(5 * DAY_MS, 0);
    /// l.finish(20 * DAY_MS);
    /// assert_eq!(l.used_core_min(), 14_400.0);
    /// assert_eq!(l.lapsed_core_min(), 28_800.0);
    /// assert_eq!(l.balance_core_min(), 0.0);
    /// ```
    pub fn with_expiry(mut self, at_ms: u64, core_min: f64) -> Self {
        if at_ms > 0 && core_min.is_finite() && core_min > 0.0 {
            self.expiry = Some(Expiry {
                at_ms,
                core_min: core_min.min(self.initial_core_min),
                lapsed: None,
            });
        }
        self
    }

    /// The expiry time if it is due by `now` and has not happened yet.
    fn lapse_due(&self, now: u64) -> Option<u64> {
        self.expiry
            .filter(|e| e.lapsed.is_none() && e.at_ms <= now)
            .map(|e| e.at_ms)
    }

    /// The expiring minutes not drawn by now lapse (they were drawn first).
    fn lapse(&mut self) {
        let used = self.used_core_min();
        let now = self.now_ms;
        if let Some(e) = &mut self.expiry {
            let drawn = used.min(e.core_min);
            e.lapsed = Some((drawn, e.core_min - drawn));
        }
        if self.exhausted_at_ms.is_none() && self.balance_core_min() <= 0.0 {
            self.exhausted_at_ms = Some(now);
        }
    }

    /// Core-minutes that lapsed unused at the expiry (0 before it or without one).
    pub fn lapsed_core_min(&self) -> f64 {
        self.expiry.and_then(|e| e.lapsed).map_or(0.0, |(_, l)| l)
    }

    /// Core-minutes of the expiring purchase drawn so far (they are drawn first): all used
    /// minutes up to its size, frozen at the lapse. 0 without an expiry.
    pub fn expiring_drawn_core_min(&self) -> f64 {
        match self.expiry {
            None => 0.0,
            Some(e) => match e.lapsed {
                Some((drawn, _)) => drawn,
                None => self.used_core_min().min(e.core_min),
            },
        }
    }

    /// When the expiring minutes lapse [ms], if they do.
    pub fn expires_at_ms(&self) -> Option<u64> {
        self.expiry.map(|e| e.at_ms)
    }

    /// From `now_ms` on, `cores_above_rights` cores are active above the complex's usage
    /// rights (complex-wide, not tied to a core or partition [I8]). Call it whenever the count
    /// changes; settles every period that ended by `now_ms` first. A time before the latest seen
    /// counts as the latest; ignored after [`finish`](Self::finish).
    pub fn set_temporary(&mut self, now_ms: u64, cores_above_rights: u32) {
        if self.finished {
            return;
        }
        self.advance_to(now_ms);
        let now = self.now_ms;
        let open_start = self.open * TICAP_PERIOD_MS;
        if now > self.since_ms {
            // The old count was held for a positive time: up to now, and within the open period
            // if it was held after the period's start.
            if now > open_start {
                self.open_max = self.open_max.max(self.cores);
            }
            self.cores_before = self.cores;
        }
        self.cores = cores_above_rights;
        self.since_ms = now;
    }

    /// Moves the clock to `now_ms` and settles every period that ended by then (period `k` ends
    /// at `(k+1)·30 min`; one ending exactly at `now_ms` is settled). A time before the latest
    /// seen counts as the latest; ignored after [`finish`](Self::finish).
    pub fn advance_to(&mut self, now_ms: u64) {
        if self.finished {
            return;
        }
        if let Some(at) = self.lapse_due(now_ms) {
            self.advance_periods(at);
            self.lapse();
        }
        self.advance_periods(now_ms);
    }

    /// [`advance_to`](Self::advance_to) without the lapse.
    fn advance_periods(&mut self, now_ms: u64) {
        let now = now_ms.max(self.now_ms);
        self.now_ms = now;
        let target = now / TICAP_PERIOD_MS;
        if target <= self.open {
            return;
        }
        // `since_ms` lies inside the open period or before it, so `cores` was held for a
        // positive time in it and up to its end.
        let burn = self.cores;
        let open = self.open;
        self.settle(open, 1, self.open_max.max(burn), burn, period_end(open));
        let whole = target - open - 1;
        if whole > 0 {
            self.settle(open + 1, whole, burn, burn, period_end(target - 1));
        }
        self.open = target;
        self.open_max = 0;
    }

    /// Ends the run at `horizon_ms`: settles every period up to it, then the last, partial
    /// period `[⌊horizon / 30 min⌋·30 min, horizon)` in full 30-minute quanta (nothing if the
    /// horizon is on a boundary). Later calls of any mutating method are ignored. A horizon
    /// before the latest time seen counts as that time.
    pub fn finish(&mut self, horizon_ms: u64) {
        if self.finished {
            return;
        }
        // An expiry exactly at the horizon lapses after the last period is settled.
        if let Some(at) = self.lapse_due(horizon_ms).filter(|&at| at < horizon_ms) {
            self.advance_periods(at);
            self.lapse();
        }
        self.advance_periods(horizon_ms);
        let now = self.now_ms;
        let start = self.open * TICAP_PERIOD_MS;
        if now > start {
            let (charge, burn) = if now > self.since_ms {
                (self.open_max.max(self.cores), self.cores)
            } else {
                // Set exactly at the horizon: held for 0 ms.
                (self.open_max, self.cores_before)
            };
            self.settle(self.open, 1, charge, burn, now);
        }
        if self.lapse_due(now).is_some() {
            self.lapse();
        }
        self.finished = true;
    }

    /// Debits periods `first .. first + count`, each charged `charge` cores × 30 min, with
    /// `burn` cores above rights at each settlement; the settlement of period `j` happens at
    /// `min(period_end(j), end_cap)`. Closed form (binary searches, one step per warned day)
    /// rather than a loop over periods, so a jump of years costs microseconds.
    fn settle(&mut self, first: u64, count: u64, charge: u32, burn: u32, end_cap: u64) {
        let q0 = self.charged_quanta;
        let c = u64::from(charge);
        // What was bought, less what lapsed unused.
        let initial = self.initial_core_min - self.lapsed_core_min();
        // After the m-th period of this run (m ≥ 1):
        let quanta = |m: u64| q0.saturating_add(m.saturating_mul(c));
        let balance = |m: u64| initial - TICAP_QUANTUM_CORE_MIN * quanta(m) as f64;
        let at = |m: u64| period_end(first + m - 1).min(end_cap);

        if charge > 0 {
            if let Some(m) = first_true(count, |m| balance(m) < 0.0) {
                self.overdrawn_periods = self.overdrawn_periods.saturating_add(count - m + 1);
            }
            if self.exhausted_at_ms.is_none()
                && let Some(m) = first_true(count, |m| balance(m) <= 0.0)
            {
                self.exhausted_at_ms = Some(at(m));
            }
        }

        if burn > 0 {
            // [core-minutes per day] at `burn` cores × 1 core-minute per minute.
            let rate = f64::from(burn) * CORE_DAY_CORE_MIN;
            let days_left = |m: u64| balance(m) / rate;
            let warn_days = self.warn_days;
            // Warned settlements form one run lo..=hi: days left only fall, and the balance
            // stays > 0 until some point.
            let lo = first_true(count, |m| days_left(m) <= warn_days);
            let hi = first_true(count, |m| balance(m) <= 0.0).map_or(count, |m| m - 1);
            if let Some(mut m) = lo.filter(|&lo| lo <= hi) {
                loop {
                    let day = at(m) / DAY_MS;
                    if self.last_warning_day.is_none_or(|d| day > d) {
                        if self.warnings.len() < MAX_WARNINGS {
                            self.warnings.push(TicapWarning {
                                at_ms: at(m),
                                days_left: days_left(m),
                            });
                            self.warning_count += 1;
                            self.last_warning_day = Some(day);
                        } else {
                            // Full: count one warning for each remaining day of the run (the
                            // settlements are 30 min apart, so each day between has one).
                            let last = at(hi) / DAY_MS;
                            self.warning_count = self.warning_count.saturating_add(last - day + 1);
                            self.last_warning_day = Some(last);
                            break;
                        }
                    }
                    // The first settlement of the next day: period j with
                    // (j+1)·30 min = (day+1)·24 h, i.e. m = (day+1)·48 − first.
                    let next = (day + 1)
                        .saturating_mul(PERIODS_PER_DAY)
                        .saturating_sub(first);
                    if next <= m || next > hi {
                        break;
                    }
                    m = next;
                }
            }
        }
        self.charged_quanta = quanta(count);
    }

    /// Whether `cores` more cores may be activated on temporary capacity now: HP requires at
    /// least 30 core-minutes of balance per temporary core requested [I9], i.e.
    /// balance ≥ 30 × `cores`. The balance is the settled one (the open period is debited at
    /// its end). Activating 0 cores is always allowed.
    pub fn can_activate(&self, cores: u32) -> bool {
        cores == 0 || self.balance_core_min() >= TICAP_QUANTUM_CORE_MIN * f64::from(cores)
    }

    /// wlmpard's `utility_reserve_threshold`: temporary capacity may still be used while the
    /// balance is above `reserve_days` processing-days (1 processing-day = 1,440 core-minutes);
    /// 0 = use to exhaustion (balance > 0) [W274][W275]. A NaN or negative reserve counts as 0.
    pub fn utility_reserve_ok(&self, reserve_days: f64) -> bool {
        self.balance_core_min() > reserve_days.max(0.0) * CORE_DAY_CORE_MIN
    }

    /// Balance after the settled periods [core-minutes]; negative when out of compliance.
    pub fn balance_core_min(&self) -> f64 {
        self.initial_core_min - self.used_core_min() - self.lapsed_core_min()
    }

    /// Core-minutes debited so far (settled periods only; a multiple of 30).
    pub fn used_core_min(&self) -> f64 {
        TICAP_QUANTUM_CORE_MIN * self.charged_quanta as f64
    }

    /// Balance at the start [core-minutes].
    pub fn initial_core_min(&self) -> f64 {
        self.initial_core_min
    }

    /// Cores above rights as last set.
    pub fn temporary_cores(&self) -> u32 {
        self.cores
    }

    /// Days the balance lasts at `burn_cores` cores above rights [days]: balance ÷
    /// (`burn_cores` × 1,440 core-minutes per day); 0 when the balance is ≤ 0, infinite when
    /// nothing burns and some balance is left.
    pub fn days_left_at_end(&self, burn_cores: u32) -> f64 {
        let balance = self.balance_core_min();
        if balance <= 0.0 {
            0.0
        } else if burn_cores == 0 {
            f64::INFINITY
        } else {
            balance / (f64::from(burn_cores) * CORE_DAY_CORE_MIN)
        }
    }

    /// Settlement time [ms] at which the balance first was ≤ 0 (0 if it started at 0); `None`
    /// if it never was.
    pub fn exhausted_at_ms(&self) -> Option<u64> {
        self.exhausted_at_ms
    }

    /// Charged periods whose charge the balance before them did not fully cover (the balance
    /// after them is < 0): periods of use out of compliance [I10e].
    pub fn overdrawn_periods(&self) -> u64 {
        self.overdrawn_periods
    }

    /// The warnings kept, in time order (at most [`MAX_WARNINGS`]).
    pub fn warnings(&self) -> &[TicapWarning] {
        &self.warnings
    }

    /// All warnings raised, including any beyond [`MAX_WARNINGS`].
    pub fn warning_count(&self) -> u64 {
        self.warning_count
    }
}

// ---------------------------------------------------------------------------------------------
// Pay per use
// ---------------------------------------------------------------------------------------------

/// What a PPU meter bills [PPU1][PPU7].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PpuMetric {
    /// Utilisation of the active cores, i.e. busy cores: 32 cores at 50 % bills the same as
    /// 16 cores at 100 % [PPU3].
    PercentCore,
    /// The number of active cores, however busy (HP-UX and OpenVMS only [PPU1]).
    ActiveCore,
}

/// How a day's billable cores were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PpuDaySource {
    /// The mean of the day's own samples (a valid day).
    Measured,
    /// Invalid day in the first 14 days: a copy of this earlier valid day [UM][PPU5].
    CopiedFrom(u64),
    /// Invalid day with nothing to copy, or after day 14: 100 % of the active cores
    /// [UM][PPU5].
    FullActive,
}

/// One calendar day of a PPU meter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PpuDay {
    /// Index from the scenario start (day 0 starts at 0 ms).
    pub day: u64,
    /// Samples taken this day.
    pub samples: u32,
    /// Whether the samples cover ≥ 23/24 of the day's sampling slots [UM].
    pub valid: bool,
    /// Mean active cores of the day's samples; for a day without samples, of the nearest
    /// earlier day with samples, else of the nearest later one, else 0 [cores].
    pub active_cores: f64,
    /// What the day bills [cores].
    pub billable_cores: f64,
    pub source: PpuDaySource,
}

/// One monthly bill: fixed part + variable part from metered usage [PPU6][UM92].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PpuBill {
    /// Index of the 30-day block from the scenario start.
    pub month: u64,
    /// Days of the month that began before the horizon (30, less for the last month).
    pub days: u64,
    /// Mean over those days of the daily billable cores [cores].
    pub billable_cores: f64,
    /// Fixed part, prorated by days / 30 [currency].
    pub fixed: f64,
    /// price per core-month × billable cores × days / 30 [currency].
    pub variable: f64,
    /// fixed + variable [currency].
    pub total: f64,
}

/// Samples of one calendar day. Running means rather than sums, so that readings near
/// `f64::MAX` cannot overflow to infinity (and a price of 0 × ∞ to NaN).
#[derive(Debug, Clone, Copy, PartialEq)]
struct DayAcc {
    day: u64,
    samples: u32,
    /// Mean billable cores of the samples.
    billable: f64,
    /// Mean active cores of the samples.
    active: f64,
}

/// The utility meter of one pay-per-use complex, DOMAIN.md §4.4.
///
/// Each [`sample`](Self::sample) is one 5-minute reading of the whole complex (HP samples per
/// core per partition and averages across all cores of the complex per day [VSE17][PPU4]; the
/// caller sums over partitions). At most one sample per slot
/// `[k·300,000, (k+1)·300,000)` ms counts; a day has 288 slots. A day is valid if its samples
/// cover ≥ 23/24 of its slots before the horizon (≥ 276 of 288 for a whole day) [UM].
///
/// Missing-data rule [UM][PPU5]: an invalid day in the first 14 days of the meter (days 0–13;
/// the meter starts with the scenario) bills the same as the last valid day before it, or 100 %
/// of its active cores if there is none; a later invalid day bills 100 % of its active cores.
/// Under both metrics "100 %" means the active cores.
///
/// Storage is one accumulator per sampled day, whatever the sample times.
#[derive(Debug, Clone, PartialEq)]
pub struct PpuMeter {
    metric: PpuMetric,
    price_per_core_month: f64,
    fixed_per_month: f64,
    /// Sampled days in increasing order.
    days: Vec<DayAcc>,
    last_slot: Option<u64>,
}

/// Amounts: NaN, infinite or negative count as 0.
fn amount(x: f64) -> f64 {
    if x.is_finite() && x > 0.0 { x } else { 0.0 }
}

impl PpuMeter {
    /// A meter billing by `metric`, at `price_per_core_month` [currency per billable core per
    /// 30-day month] plus `fixed_per_month` [currency per 30-day month]. Prices that are NaN,
    /// infinite or negative count as 0; see [`validate_ppu`].
    pub fn new(metric: PpuMetric, price_per_core_month: f64, fixed_per_month: f64) -> Self {
        PpuMeter {
            metric,
            price_per_core_month: amount(price_per_core_month),
            fixed_per_month: amount(fixed_per_month),
            days: Vec::new(),
            last_slot: None,
        }
    }

    /// One 5-minute reading at `now_ms`: `active_cores` active in the complex, `busy_cores` of
    /// them busy (utilisation × active cores) [cores]. Call it every [`PPU_SAMPLE_MS`].
    ///
    /// A second reading in the same 5-minute slot, or one earlier than the last, is ignored
    /// (the meter reads at fixed times). NaN, infinite or negative readings count as 0, and
    /// busy cores above the active ones count as the active ones.
    pub fn sample(&mut self, now_ms: u64, active_cores: f64, busy_cores: f64) {
        let slot = now_ms / PPU_SAMPLE_MS;
        if self.last_slot.is_some_and(|s| slot <= s) {
            return;
        }
        self.last_slot = Some(slot);
        let active = amount(active_cores);
        let billable = match self.metric {
            PpuMetric::PercentCore => amount(busy_cores).min(active),
            PpuMetric::ActiveCore => active,
        };
        let day = now_ms / DAY_MS;
        match self.days.last_mut() {
            Some(d) if d.day == day => {
                d.samples += 1;
                let n = f64::from(d.samples);
                d.billable += (billable - d.billable) / n;
                d.active += (active - d.active) / n;
            }
            _ => self.days.push(DayAcc {
                day,
                samples: 1,
                billable,
                active,
            }),
        }
    }

    /// Every calendar day that begins before `horizon_ms`, with what it bills. Samples taken at
    /// or after the horizon must not have been given (they would count in the last day). The
    /// last day, if cut by the horizon, is judged on the slots before the horizon.
    pub fn daily(&self, horizon_ms: u64) -> Vec<PpuDay> {
        let mut out = Vec::new();
        self.for_each_day(horizon_ms, |d| out.push(d));
        out
    }

    /// Calls `f` with each day of [`daily`](Self::daily) in order, storing none: O(days to the
    /// horizon + sampled days) time, O(1) extra memory.
    fn for_each_day(&self, horizon_ms: u64, mut f: impl FnMut(PpuDay)) {
        let n_days = horizon_ms.div_ceil(DAY_MS);
        let sampled = &self.days[..self.days.partition_point(|d| d.day < n_days)];
        let mut next = 0;
        let mut last_valid: Option<(u64, f64)> = None;
        let mut last_active: Option<f64> = None;
        for day in 0..n_days {
            let acc = sampled.get(next).filter(|a| a.day == day);
            if acc.is_some() {
                next += 1;
            }
            let start = day * DAY_MS;
            let end = start.saturating_add(DAY_MS).min(horizon_ms);
            let expected = (end - start).div_ceil(PPU_SAMPLE_MS);
            let samples = acc.map_or(0, |a| a.samples);
            let valid = samples > 0 && u64::from(samples).min(expected) * 24 >= expected * 23;
            let active = match acc {
                Some(a) => a.active,
                None => last_active
                    .or_else(|| sampled.get(next).map(|a| a.active))
                    .unwrap_or(0.0),
            };
            if acc.is_some() {
                last_active = Some(active);
            }
            let (billable, source) = match acc {
                Some(a) if valid => {
                    last_valid = Some((day, a.billable));
                    (a.billable, PpuDaySource::Measured)
                }
                _ => match last_valid {
                    Some((from, b)) if day < PPU_MISSING_COPY_DAYS => {
                        (b, PpuDaySource::CopiedFrom(from))
                    }
                    _ => (active, PpuDaySource::FullActive),
                },
            };
            f(PpuDay {
                day,
                samples,
                valid,
                active_cores: active,
                billable_cores: billable,
                source,
            });
        }
    }

    /// Monthly bills up to `horizon_ms`, one per 30-day block that begins before it.
    ///
    /// `bill = (fixed_per_month + price_per_core_month × mean daily billable cores) × days / 30`,
    /// where `days` is the number of the month's days that begin before the horizon: a partial
    /// last month is prorated by its days (a day cut by the horizon counts whole, as its daily
    /// average does). Equivalently, every day costs 1/30 of a month.
    pub fn bills(&self, horizon_ms: u64) -> Vec<PpuBill> {
        let month_days = PPU_MONTH_DAYS as f64;
        let mut out = Vec::new();
        // Running mean of the month's daily billable cores (no sum that could overflow).
        let (mut days, mut mean) = (0u64, 0.0);
        let close = |days: u64, mean: f64, out: &mut Vec<PpuBill>| {
            let share = days as f64 / month_days;
            let fixed = self.fixed_per_month * share;
            let variable = self.price_per_core_month * mean * share;
            out.push(PpuBill {
                month: out.len() as u64,
                days,
                billable_cores: mean,
                fixed,
                variable,
                total: fixed + variable,
            });
        };
        self.for_each_day(horizon_ms, |d| {
            days += 1;
            mean += (d.billable_cores - mean) / days as f64;
            if days == PPU_MONTH_DAYS {
                close(days, mean, &mut out);
                (days, mean) = (0, 0.0);
            }
        });
        if days > 0 {
            close(days, mean, &mut out);
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Cost arithmetic
// ---------------------------------------------------------------------------------------------
//
// Plain arithmetic: inputs are not sanitised (NaN in, NaN out), so check them once with the
// `validate_*` functions.

/// Share of a purchase `price` [currency] written off over `horizon_ms`, straight line over
/// `years` [years of 365 days]: `price × horizon / (years × 365 days)` [currency]. A horizon
/// longer than the period writes off more than the price (the caller caps it if it wants).
pub fn amortized_capex(price: f64, years: f64, horizon_ms: u64) -> f64 {
    price * (horizon_ms as f64 / (years * YEAR_MS as f64))
}

/// Energy drawn by one server over `horizon_ms` at the wall of the IT equipment [kWh], with the
/// linear power model `P(u) = idle_w + (max_w − idle_w) × u` [W] for utilisation `u` in [0, 1]:
/// `∫P dt = idle_w × horizon + (max_w − idle_w) × ∫u dt` [W·ms], and
/// 1 kWh = 3.6 × 10⁹ W·ms. `utilization_ms_integral` is `∫u dt` = Σ utilisation × duration
/// [ms] (e.g. 50 % for 24 h = 43,200,000).
pub fn energy_kwh(idle_w: f64, max_w: f64, utilization_ms_integral: f64, horizon_ms: u64) -> f64 {
    let watt_ms = idle_w * horizon_ms as f64 + (max_w - idle_w) * utilization_ms_integral;
    watt_ms / WATT_MS_PER_KWH
}

/// Cost of the energy of [`energy_kwh`] including the facility overhead: kWh × `pue` (power
/// usage effectiveness, facility ÷ IT power, ≥ 1) × `price_per_kwh` [currency].
pub fn energy_cost(
    idle_w: f64,
    max_w: f64,
    utilization_ms_integral: f64,
    horizon_ms: u64,
    pue: f64,
    price_per_kwh: f64,
) -> f64 {
    energy_kwh(idle_w, max_w, utilization_ms_integral, horizon_ms) * pue * price_per_kwh
}

/// Per-core software licences: `core_ms` = Σ active cores × duration [core·ms], priced per core
/// per 365-day year: `core_ms / (365 × 86,400,000) × price_per_core_year` [currency].
pub fn licence_cost(core_ms: f64, price_per_core_year: f64) -> f64 {
    core_ms / YEAR_MS as f64 * price_per_core_year
}

/// Cost of the TiCAP used: core-minutes ÷ 1,440 = processing-days [I8], × `price_per_core_day`
/// [currency].
pub fn ticap_cost(core_min_used: f64, price_per_core_day: f64) -> f64 {
    core_min_used / CORE_DAY_CORE_MIN * price_per_core_day
}

/// What a Temporary Instant Capacity balance cost and what is left of it [currency and
/// core-minutes], from its configuration and its closed ledger.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TicapMoney {
    /// Blocks × price per block, paid at the start whether used or not.
    pub purchase: f64,
    /// Minutes drawn beyond the blocks (from the held balance, or overdrawn) × price per
    /// core-day ÷ 1,440.
    pub usage: f64,
    /// Core-minutes drawn from the blocks and from the rest.
    pub drawn_from_blocks_core_min: f64,
    pub drawn_from_balance_core_min: f64,
    /// Core-minutes of the blocks that lapsed unused at their expiry, and their price.
    pub lapsed_core_min: f64,
    pub lapsed_value: f64,
    /// Core-minutes left at the horizon (negative when overdrawn) and their value: what is left
    /// of the blocks at the block price, what is left of the held balance at the core-day price.
    pub left_core_min: f64,
    pub left_value: f64,
}

impl TicapMoney {
    /// What the run paid: purchase + usage.
    pub fn cost(&self) -> f64 {
        self.purchase + self.usage
    }
}

/// The money of a balance: blocks are drawn before the held balance (they are paid already,
/// and they are the ones that may lapse).
///
/// By hand: 2 blocks (86,400 core-minutes) at 6,000 each and a held balance of 14,400
/// core-minutes at 240 a core-day; 100 cores above rights for 32 periods of 30 minutes use
/// 96,000 core-minutes: 86,400 from the blocks, 9,600 from the balance. Cost = 12,000 + 9,600
/// ÷ 1,440 × 240 = 13,600; left 100,800 − 96,000 = 4,800 core-minutes, all of the held
/// balance, worth 4,800 ÷ 1,440 × 240 = 800.
/// ```
/// use vsesim::licensing::{ticap_money, config::TicapConfig};
/// let cfg = TicapConfig { balance_core_min: 14_400.0, price_per_core_day: 240.0, warn_days: 15.0,
///     blocks: 2, price_per_block: 6_000.0, expires_ms: None };
/// let mut l = cfg.ledger();
/// l.set_temporary(0, 100);
/// l.set_temporary(31 * 30 * 60_000 + 1, 0); // periods 0..=31 charged
/// l.finish(32 * 30 * 60_000);
/// let m = ticap_money(&cfg, &l);
/// assert_eq!(l.used_core_min(), 96_000.0);
/// assert_eq!(m.purchase, 12_000.0);
/// assert_eq!(m.drawn_from_blocks_core_min, 86_400.0);
/// assert_eq!(m.drawn_from_balance_core_min, 9_600.0);
/// assert!((m.cost() - 13_600.0).abs() < 1e-9);
/// assert_eq!(m.left_core_min, 4_800.0);
/// assert!((m.left_value - 800.0).abs() < 1e-9);
/// ```
pub fn ticap_money(cfg: &config::TicapConfig, ledger: &TicapLedger) -> TicapMoney {
    let blocks = cfg.block_core_min();
    let used = ledger.used_core_min();
    let from_blocks = if ledger.expires_at_ms().is_some() {
        ledger.expiring_drawn_core_min()
    } else {
        used.min(blocks)
    };
    let from_balance = used - from_blocks;
    let lapsed = ledger.lapsed_core_min();
    let block_unit = if blocks > 0.0 {
        cfg.price_per_block / TICAP_BLOCK_CORE_MIN
    } else {
        0.0
    };
    let day_unit = cfg.price_per_core_day / CORE_DAY_CORE_MIN;
    let left = ledger.balance_core_min();
    let left_blocks = (blocks - from_blocks - lapsed).max(0.0);
    let left_balance = (left - left_blocks).max(0.0);
    TicapMoney {
        purchase: f64::from(cfg.blocks) * cfg.price_per_block,
        usage: from_balance * day_unit,
        drawn_from_blocks_core_min: from_blocks,
        drawn_from_balance_core_min: from_balance,
        lapsed_core_min: lapsed,
        lapsed_value: lapsed * block_unit,
        left_core_min: left,
        left_value: left_blocks * block_unit + left_balance * day_unit,
    }
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

fn finite_nonneg(field: &str, value: f64, what: &str) -> Result<(), String> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(format!("{field} {value} must be a finite {what} ≥ 0"))
    }
}

/// A TiCAP ledger's parameters: `balance_core_min` finite and ≥ 0, `warn_days` finite and ≥ 0.
pub fn validate_ticap(balance_core_min: f64, warn_days: f64) -> Result<(), String> {
    finite_nonneg(
        "balance_core_min",
        balance_core_min,
        "number of core-minutes (one 30-core-day block = 43200)",
    )?;
    finite_nonneg(
        "warn_days",
        warn_days,
        "number of days (HP's default is 15)",
    )
}

/// wlmpard's `utility_reserve_days` (`utility_reserve_threshold`): finite and ≥ 0.
pub fn validate_reserve_days(reserve_days: f64) -> Result<(), String> {
    finite_nonneg(
        "utility_reserve_days",
        reserve_days,
        "number of processing-days (0 = use TiCAP to exhaustion; default 15)",
    )
}

/// A price or other amount of money named `field`: finite and ≥ 0.
pub fn validate_price(field: &str, value: f64) -> Result<(), String> {
    finite_nonneg(field, value, "amount of money")
}

/// A PPU meter's prices: both finite and ≥ 0.
pub fn validate_ppu(price_per_core_month: f64, fixed_per_month: f64) -> Result<(), String> {
    validate_price("price_per_core_month", price_per_core_month)?;
    validate_price("fixed_per_month", fixed_per_month)
}

/// Straight-line amortisation: `price` finite and ≥ 0, `years` finite and > 0.
pub fn validate_capex(price: f64, years: f64) -> Result<(), String> {
    validate_price("price", price)?;
    if years.is_finite() && years > 0.0 {
        Ok(())
    } else {
        Err(format!(
            "years {years} must be a finite amortisation period > 0, e.g. 4"
        ))
    }
}

/// The power model and energy price: watts finite and ≥ 0, `idle_w ≤ max_w`, `pue` finite and
/// ≥ 1, `price_per_kwh` finite and ≥ 0.
pub fn validate_energy(
    idle_w: f64,
    max_w: f64,
    pue: f64,
    price_per_kwh: f64,
) -> Result<(), String> {
    finite_nonneg("idle_w", idle_w, "power in watts")?;
    finite_nonneg("max_w", max_w, "power in watts")?;
    if idle_w > max_w {
        return Err(format!(
            "idle_w {idle_w} exceeds max_w {max_w}; idle power must not exceed full-load power"
        ));
    }
    if !(pue.is_finite() && pue >= 1.0) {
        return Err(format!(
            "pue {pue} must be a finite ratio ≥ 1 (facility power ÷ IT power, e.g. 1.5)"
        ));
    }
    validate_price("price_per_kwh", price_per_kwh)
}

/// The books as bytes, exactly (floats by their bits), for a run split across machines
/// (`crate::split`): a ledger read back is equal to the one written.
impl TicapLedger {
    pub fn encode(&self, w: &mut crate::codec::Writer) {
        w.f64(self.initial_core_min);
        w.f64(self.warn_days);
        w.u64(self.charged_quanta);
        w.u64(self.now_ms);
        w.u64(self.open);
        w.u32(self.open_max);
        w.u32(self.cores);
        w.u64(self.since_ms);
        w.u32(self.cores_before);
        w.opt_u64(self.exhausted_at_ms);
        w.u64(self.overdrawn_periods);
        w.len(self.warnings.len());
        for x in &self.warnings {
            w.u64(x.at_ms);
            w.f64(x.days_left);
        }
        w.u64(self.warning_count);
        w.opt_u64(self.last_warning_day);
        w.bool(self.finished);
        w.bool(self.expiry.is_some());
        if let Some(e) = &self.expiry {
            w.u64(e.at_ms);
            w.f64(e.core_min);
            w.bool(e.lapsed.is_some());
            if let Some((drawn, lapsed)) = e.lapsed {
                w.f64(drawn);
                w.f64(lapsed);
            }
        }
    }

    pub fn decode(r: &mut crate::codec::Reader) -> Result<TicapLedger, crate::codec::Bad> {
        Ok(TicapLedger {
            initial_core_min: r.f64()?,
            warn_days: r.f64()?,
            charged_quanta: r.u64()?,
            now_ms: r.u64()?,
            open: r.u64()?,
            open_max: r.u32()?,
            cores: r.u32()?,
            since_ms: r.u64()?,
            cores_before: r.u32()?,
            exhausted_at_ms: r.opt_u64()?,
            overdrawn_periods: r.u64()?,
            warnings: {
                let n = r.len(16)?;
                (0..n)
                    .map(|_| {
                        Ok(TicapWarning {
                            at_ms: r.u64()?,
                            days_left: r.f64()?,
                        })
                    })
                    .collect::<Result<Vec<_>, crate::codec::Bad>>()?
            },
            warning_count: r.u64()?,
            last_warning_day: r.opt_u64()?,
            finished: r.bool()?,
            expiry: if r.bool()? {
                Some(Expiry {
                    at_ms: r.u64()?,
                    core_min: r.f64()?,
                    lapsed: if r.bool()? {
                        Some((r.f64()?, r.f64()?))
                    } else {
                        None
                    },
                })
            } else {
                None
            },
        })
    }
}

impl PpuMeter {
    pub fn encode(&self, w: &mut crate::codec::Writer) {
        w.u8(match self.metric {
            PpuMetric::PercentCore => 0,
            PpuMetric::ActiveCore => 1,
        });
        w.f64(self.price_per_core_month);
        w.f64(self.fixed_per_month);
        w.len(self.days.len());
        for d in &self.days {
            w.u64(d.day);
            w.u32(d.samples);
            w.f64(d.billable);
            w.f64(d.active);
        }
        w.opt_u64(self.last_slot);
    }

    pub fn decode(r: &mut crate::codec::Reader) -> Result<PpuMeter, crate::codec::Bad> {
        Ok(PpuMeter {
            metric: match r.u8()? {
                0 => PpuMetric::PercentCore,
                1 => PpuMetric::ActiveCore,
                b => return Err(format!("pay-per-use metric {b}")),
            },
            price_per_core_month: r.f64()?,
            fixed_per_month: r.f64()?,
            days: {
                let n = r.len(28)?;
                (0..n)
                    .map(|_| {
                        Ok(DayAcc {
                            day: r.u64()?,
                            samples: r.u32()?,
                            billable: r.f64()?,
                            active: r.f64()?,
                        })
                    })
                    .collect::<Result<Vec<_>, crate::codec::Bad>>()?
            },
            last_slot: r.opt_u64()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MIN: u64 = MINUTE_MS;
    const P: u64 = TICAP_PERIOD_MS;

    fn ledger(balance_core_min: f64) -> TicapLedger {
        TicapLedger::new(balance_core_min, DEFAULT_WARN_DAYS)
    }

    fn block_cfg(blocks: u32, held: f64, expires_ms: Option<u64>) -> config::TicapConfig {
        config::TicapConfig {
            balance_core_min: held,
            price_per_core_day: 200.0,
            warn_days: DEFAULT_WARN_DAYS,
            blocks,
            price_per_block: 7_500.0,
            expires_ms,
        }
    }

    /// One block expiring at the end of day 1, and a held balance of one core-day. One core
    /// above rights for 3 days: day 0 draws 1,440 from the block; at day 1 the other 41,760 of
    /// the block lapse; day 1 draws the held 1,440 and empties the balance at its end (2 days
    /// from the start); day 2 is overdrawn by 1,440.
    /// Cost: 7,500 at purchase + (1,440 + 1,440 overdrawn) ÷ 1,440 × 200 = 7,900.
    #[test]
    fn blocks_lapse_at_their_expiry_and_the_held_balance_pays_after() {
        let cfg = block_cfg(1, 1_440.0, Some(DAY_MS));
        let mut l = cfg.ledger();
        l.set_temporary(0, 1);
        l.advance_to(DAY_MS - 1);
        assert_eq!(l.lapsed_core_min(), 0.0);
        assert!(l.can_activate(1000));
        l.advance_to(DAY_MS);
        assert_eq!(l.lapsed_core_min(), 43_200.0 - 1_440.0);
        assert_eq!(l.balance_core_min(), 1_440.0);
        assert!(
            !l.can_activate(49),
            "1,440 core-minutes hold 48 cores, not 49"
        );
        l.finish(3 * DAY_MS);
        assert_eq!(l.used_core_min(), 3.0 * 1_440.0);
        assert_eq!(l.balance_core_min(), -1_440.0);
        assert_eq!(l.exhausted_at_ms(), Some(2 * DAY_MS));
        let m = ticap_money(&cfg, &l);
        assert_eq!(m.purchase, 7_500.0);
        assert_eq!(m.drawn_from_blocks_core_min, 1_440.0);
        assert_eq!(m.drawn_from_balance_core_min, 2_880.0);
        assert!((m.usage - 400.0).abs() < 1e-9);
        assert!((m.cost() - 7_900.0).abs() < 1e-9);
        // 41,760 lapsed at 7,500 ÷ 43,200 a core-minute = 7,250.
        assert!((m.lapsed_value - 7_250.0).abs() < 1e-9);
        assert_eq!(m.left_value, 0.0);
    }

    /// Unused blocks without an expiry keep their value: 3 blocks at 7,500, 2 cores above
    /// rights for 10 days use 28,800 of 129,600; 100,800 left = 2 1/3 blocks = 17,500.
    #[test]
    fn unused_blocks_are_valued_at_the_block_price() {
        let cfg = block_cfg(3, 0.0, None);
        let mut l = cfg.ledger();
        l.set_temporary(0, 2);
        l.set_temporary(10 * DAY_MS, 0);
        l.finish(30 * DAY_MS);
        let m = ticap_money(&cfg, &l);
        assert_eq!(l.used_core_min(), 28_800.0);
        assert_eq!(m.purchase, 22_500.0);
        assert_eq!(m.usage, 0.0);
        assert_eq!(m.left_core_min, 100_800.0);
        assert!((m.left_value - 17_500.0).abs() < 1e-9);
        assert_eq!(m.lapsed_core_min, 0.0);
    }

    /// An expiry exactly at the horizon lapses after the last, partial period is settled: one
    /// core from 0 to 45 min is charged 2 periods (60 core-minutes) from the block, and the
    /// rest, 43,140, lapses.
    #[test]
    fn an_expiry_at_the_horizon_comes_after_the_last_period() {
        let cfg = block_cfg(1, 0.0, Some(45 * MIN));
        let mut l = cfg.ledger();
        l.set_temporary(0, 1);
        l.finish(45 * MIN);
        assert_eq!(l.used_core_min(), 60.0);
        assert_eq!(l.lapsed_core_min(), 43_140.0);
        assert_eq!(l.balance_core_min(), 0.0);
        // Called in many small steps, the same.
        let mut k = cfg.ledger();
        k.set_temporary(0, 1);
        for t in (0..45 * MIN).step_by(7 * MIN as usize) {
            k.advance_to(t);
        }
        k.finish(45 * MIN);
        assert_eq!(k, l);
    }

    /// Used core-minutes of one schedule of `(time_ms, cores)` calls finished at `horizon_ms`.
    fn used(calls: &[(u64, u32)], horizon_ms: u64) -> f64 {
        let mut l = ledger(1e9);
        for &(t, c) in calls {
            l.set_temporary(t, c);
        }
        l.finish(horizon_ms);
        l.used_core_min()
    }

    /// DOMAIN.md §4.2 [IHA10][IHA2-9]: 3 blocks = 3 × 30 core-days = 90 core-days
    /// = 90 × 1,440 = 129,600 core-minutes. 6 cores burn 6 core-minutes a minute:
    /// 129,600 / 6 = 21,600 min = 15 days; 12 cores: 10,800 min = 7.5 days. Each 30-minute
    /// period debits 6 × 30 = 180, so the 720th period (15 days × 48) empties it exactly.
    #[test]
    fn three_blocks_run_six_cores_fifteen_days_and_twelve_cores_seven_and_a_half() {
        assert_eq!(3.0 * TICAP_BLOCK_CORE_MIN, 129_600.0);
        let mut l = ledger(3.0 * TICAP_BLOCK_CORE_MIN);
        assert_eq!(l.days_left_at_end(6), 15.0);
        assert_eq!(l.days_left_at_end(12), 7.5);
        l.set_temporary(0, 6);
        // One ms before 15 days, 719 periods are settled: 129,600 − 719 × 180 = 180 left.
        l.advance_to(15 * DAY_MS - 1);
        assert_eq!(l.balance_core_min(), 180.0);
        assert_eq!(l.exhausted_at_ms(), None);
        assert!(l.can_activate(6) && !l.can_activate(7));
        l.advance_to(15 * DAY_MS);
        assert_eq!(l.balance_core_min(), 0.0);
        assert_eq!(l.exhausted_at_ms(), Some(15 * DAY_MS));
        // The last period was paid in full: not overdrawn.
        assert_eq!(l.overdrawn_periods(), 0);
        assert_eq!(l.days_left_at_end(6), 0.0);

        // 12 cores: exhausted at 7.5 days = 648,000,000 ms. Run on to 10 days: 480 periods
        // × 360 = 172,800 used, balance −43,200; the 120 periods after 7.5 days are overdrawn.
        let mut l = ledger(129_600.0);
        l.set_temporary(0, 12);
        l.finish(10 * DAY_MS);
        assert_eq!(l.exhausted_at_ms(), Some(648_000_000));
        assert_eq!(l.used_core_min(), 172_800.0);
        assert_eq!(l.balance_core_min(), -43_200.0);
        assert_eq!(l.overdrawn_periods(), 120);
    }

    /// [IHA8][IHA10]: any part of a 30-minute period costs each core above rights the full 30
    /// core-minutes; periods are [k·30 min, (k+1)·30 min) from the start.
    #[test]
    fn debits_in_thirty_minute_quanta() {
        // 1 core for 10 minutes: one period × 1 core × 30 = 30.
        assert_eq!(used(&[(0, 1), (10 * MIN, 0)], 120 * MIN), 30.0);
        // 2 cores for 31 minutes from 0 cross the boundary at 30: 2 periods × 2 × 30 = 120.
        assert_eq!(used(&[(0, 2), (31 * MIN, 0)], 120 * MIN), 120.0);
        // The same 31 minutes from minute 20 (to 51) also touch periods 0 and 1: 120.
        assert_eq!(used(&[(20 * MIN, 2), (51 * MIN, 0)], 120 * MIN), 120.0);
        // 28 minutes inside period 1 (31 to 59): 2 × 30 = 60.
        assert_eq!(used(&[(31 * MIN, 2), (59 * MIN, 0)], 120 * MIN), 60.0);
        // 5 cores on [0, 30 min): a count ending on a boundary is not charged to the next
        // period: 5 × 30 = 150.
        assert_eq!(used(&[(0, 5), (30 * MIN, 0)], 120 * MIN), 150.0);
        // 3, then 1, then 2 cores inside period 0: the largest, 3 × 30 = 90.
        assert_eq!(
            used(
                &[(0, 3), (10 * MIN, 1), (20 * MIN, 2), (25 * MIN, 0)],
                120 * MIN
            ),
            90.0
        );
        // 8 cores replaced at the same instant are held 0 ms and cost nothing; 1 core on
        // [5, 40) min touches periods 0 and 1: 60.
        assert_eq!(
            used(&[(5 * MIN, 8), (5 * MIN, 1), (40 * MIN, 0)], 120 * MIN),
            60.0
        );
        // The last, partial period is charged in full at the horizon: 1 core to 45 min =
        // periods 0 and half of 1 = 60; to exactly 30 min = period 0 only = 30.
        assert_eq!(used(&[(0, 1)], 45 * MIN), 60.0);
        assert_eq!(used(&[(0, 1)], 30 * MIN), 30.0);
        // A count set exactly at the horizon is held 0 ms: only the 1 core of [0, 45) counts.
        assert_eq!(used(&[(0, 1), (45 * MIN, 9)], 45 * MIN), 60.0);
        // Periods are debited at their end, not before.
        let mut l = ledger(1_000.0);
        l.set_temporary(0, 4);
        l.advance_to(29 * MIN);
        assert_eq!(l.used_core_min(), 0.0);
        l.advance_to(30 * MIN);
        assert_eq!(l.used_core_min(), 120.0);
    }

    /// [I9]: activation needs ≥ 30 core-minutes of balance per temporary core.
    #[test]
    fn activation_needs_thirty_core_minutes_per_core() {
        // 2 cores need 60: refused with 59, allowed with 60.
        assert!(!ledger(59.0).can_activate(2));
        assert!(ledger(59.0).can_activate(1));
        assert!(ledger(60.0).can_activate(2));
        // 90 − one period of 1 core (30) = 60 left: 2 cores yes, 3 (needing 90) no.
        let mut l = ledger(90.0);
        l.set_temporary(0, 1);
        l.advance_to(P);
        assert!(l.can_activate(2) && !l.can_activate(3));
        // An empty or overdrawn balance allows nothing but 0 cores.
        let mut l = ledger(0.0);
        assert!(!l.can_activate(1) && l.can_activate(0));
        l.set_temporary(0, 1);
        l.advance_to(P);
        assert!(!l.can_activate(1) && l.can_activate(0));
    }

    /// [I10e]: activations persist at zero balance and keep being charged.
    /// 45 core-minutes, 1 core for 2 h: 4 periods, ending at 30, 60, 90, 120 min, leave
    /// 15, −15, −45, −75. First ≤ 0 at 60 min; periods 1, 2, 3 were not covered.
    #[test]
    fn negative_balance_keeps_charging() {
        let mut l = ledger(45.0);
        l.set_temporary(0, 1);
        l.set_temporary(120 * MIN, 0);
        l.finish(DAY_MS);
        assert_eq!(l.used_core_min(), 120.0);
        assert_eq!(l.balance_core_min(), -75.0);
        assert_eq!(l.exhausted_at_ms(), Some(60 * MIN));
        assert_eq!(l.overdrawn_periods(), 3);
        assert_eq!(l.days_left_at_end(1), 0.0);
        // A ledger that starts empty is exhausted from time 0.
        assert_eq!(ledger(0.0).exhausted_at_ms(), Some(0));
        assert_eq!(ledger(f64::NAN).balance_core_min(), 0.0);
    }

    /// [I10a][I10b]: 2 cores, a balance of 20 days at that rate = 20 × 2 × 1,440 = 57,600.
    /// Each period debits 60; days left after n periods = (57,600 − 60 n) / 2,880 ≤ 15
    /// ⇔ n ≥ 240: the first warning comes at 240 × 30 min = 5 days, 15 days left. Then one a
    /// day at its first settlement — the day boundary itself: 6 days (14 left), …, 19 days
    /// (1 left). At 20 days the balance is 0: exhausted, no warning. 15 warnings in all.
    #[test]
    fn warns_daily_from_fifteen_days_left() {
        let mut l = TicapLedger::new(57_600.0, DEFAULT_WARN_DAYS);
        l.set_temporary(0, 2);
        // Settling in uneven steps changes nothing.
        for t in [
            DAY_MS / 3,
            5 * DAY_MS - 1,
            5 * DAY_MS + 7 * MIN,
            11 * DAY_MS,
        ] {
            l.advance_to(t);
        }
        l.finish(25 * DAY_MS);
        let w = l.warnings();
        assert_eq!(w.len(), 15);
        assert_eq!(l.warning_count(), 15);
        assert_eq!(
            w[0],
            TicapWarning {
                at_ms: 5 * DAY_MS,
                days_left: 15.0
            }
        );
        for (i, x) in w.iter().enumerate() {
            let day = 5 + i as u64;
            assert_eq!(x.at_ms, day * DAY_MS, "one a day, at the first settlement");
            assert_eq!(x.days_left, 20.0 - day as f64);
        }
        assert_eq!(l.exhausted_at_ms(), Some(20 * DAY_MS));

        // Mid-day start: 1 core from 06:00 with 15 days + 60 core-minutes: the first
        // settlement (06:30) leaves 15 days + 30 min = 15.02 days, the second (07:00) exactly
        // 15 days: the first warning. The next day's first settlement is at midnight:
        // 15 days − 17 h = 14.29 days left.
        let mut l = TicapLedger::new(15.0 * 1_440.0 + 60.0, 15.0);
        l.set_temporary(6 * 60 * MIN, 1);
        l.advance_to(2 * DAY_MS - 1);
        let w = l.warnings();
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].at_ms, 7 * 60 * MIN);
        assert_eq!(w[0].days_left, 15.0);
        assert_eq!(w[1].at_ms, DAY_MS);
        assert_eq!(w[1].days_left, 15.0 - 17.0 / 24.0);

        // warn_days 0 never warns; no burn never warns.
        let mut l = TicapLedger::new(57_600.0, 0.0);
        l.set_temporary(0, 2);
        l.finish(25 * DAY_MS);
        assert!(l.warnings().is_empty());
        let mut l = TicapLedger::new(100.0, 15.0);
        l.finish(25 * DAY_MS);
        assert!(l.warnings().is_empty());
    }

    /// Warnings beyond MAX_WARNINGS are counted, not kept: 1 core on a balance that never runs
    /// out, warning period infinite, to the end of the u64 range. A settlement falls in every
    /// day 0 ..= u64::MAX / 86,400,000, so that many warnings; it must finish at once.
    #[test]
    fn warnings_are_capped_and_counted() {
        let mut l = TicapLedger::new(1e300, f64::INFINITY);
        l.set_temporary(0, 1);
        l.finish(u64::MAX);
        assert_eq!(l.warnings().len(), MAX_WARNINGS);
        assert_eq!(l.warning_count(), u64::MAX / DAY_MS + 1);
        assert!(
            l.warnings()
                .iter()
                .enumerate()
                .all(|(d, w)| w.at_ms / DAY_MS == d as u64)
        );
        // Every period charged: ⌈u64::MAX / 1,800,000⌉ quanta of 30 core-minutes.
        assert_eq!(l.used_core_min(), 30.0 * u64::MAX.div_ceil(P) as f64);
    }

    /// [W274][W275]: TiCAP is used only while more than `reserve_days` processing-days
    /// (× 1,440 core-minutes) remain; 0 = to exhaustion.
    #[test]
    fn utility_reserve_threshold() {
        // Exactly 15 processing-days = 21,600: not above 15, above 14.9.
        let l = ledger(21_600.0);
        assert!(!l.utility_reserve_ok(DEFAULT_RESERVE_DAYS));
        assert!(l.utility_reserve_ok(14.9));
        assert!(ledger(1.0).utility_reserve_ok(0.0));
        assert!(!ledger(0.0).utility_reserve_ok(0.0));
        assert!(ledger(1.0).utility_reserve_ok(f64::NAN));
    }

    /// Times going backwards count as the latest seen; nothing moves after finish.
    #[test]
    fn late_calls_and_calls_after_finish_are_harmless() {
        let mut l = ledger(1_000.0);
        l.set_temporary(60 * MIN, 1);
        // "At 10 min" arrives late: taken as 60 min.
        l.set_temporary(10 * MIN, 2);
        l.finish(90 * MIN);
        // 2 cores on [60, 90) min: 60.
        assert_eq!(l.used_core_min(), 60.0);
        l.set_temporary(100 * MIN, 5);
        l.advance_to(DAY_MS);
        l.finish(DAY_MS);
        assert_eq!(l.used_core_min(), 60.0);
        assert_eq!(l.temporary_cores(), 2);
    }

    /// Samples day `day` at its first `slots` 5-minute slots.
    fn run_day(m: &mut PpuMeter, day: u64, slots: u64, active: f64, busy: f64) {
        for k in 0..slots {
            m.sample(day * DAY_MS + k * PPU_SAMPLE_MS, active, busy);
        }
    }

    /// [PPU3]: under Percent Core, 32 cores at 50 % (16 busy) bills as 16 cores at 100 %.
    /// 30 days at 10 busy cores, 100 per core-month, 500 fixed: 500 + 100 × 10 = 1,500.
    #[test]
    fn percent_core_bills_busy_cores() {
        let bill = |active: f64, busy: f64| {
            let mut m = PpuMeter::new(PpuMetric::PercentCore, 100.0, 500.0);
            for day in 0..30 {
                run_day(&mut m, day, 288, active, busy);
            }
            m.bills(30 * DAY_MS)
        };
        assert_eq!(bill(32.0, 16.0), bill(16.0, 16.0));
        let b = bill(40.0, 10.0);
        assert_eq!(b.len(), 1);
        assert_eq!(
            b[0],
            PpuBill {
                month: 0,
                days: 30,
                billable_cores: 10.0,
                fixed: 500.0,
                variable: 1_000.0,
                total: 1_500.0
            }
        );
        // Busy above active counts as active: 8 active "12 busy" bills 8 → 800.
        assert_eq!(bill(8.0, 12.0)[0].variable, 800.0);
    }

    /// [PPU1]: Active Core bills active cores however idle: 16 active, 2 busy → 16 cores
    /// × 100 = 1,600 a month (Percent Core would bill 2 × 100 = 200).
    #[test]
    fn active_core_bills_active_cores() {
        for (metric, want) in [
            (PpuMetric::ActiveCore, 1_600.0),
            (PpuMetric::PercentCore, 200.0),
        ] {
            let mut m = PpuMeter::new(metric, 100.0, 0.0);
            for day in 0..30 {
                run_day(&mut m, day, 288, 16.0, 2.0);
            }
            assert_eq!(m.bills(30 * DAY_MS)[0].total, want);
        }
    }

    /// [UM][PPU5]: 8 active cores, 2 busy every day except day 2 (4 busy); days 3 and 20 not
    /// metered. Day 3 (in the first 14) copies day 2: 4. Day 20 bills 100 % of the 8 active
    /// cores. Sum = 27 × 2 + 4 + 4 + 8 = 70 core-days; at 30 per core-month the month costs
    /// 30 × 70 / 30 = 70.
    #[test]
    fn missing_days_copy_early_and_bill_full_later() {
        let mut m = PpuMeter::new(PpuMetric::PercentCore, 30.0, 0.0);
        for day in (0..30).filter(|d| *d != 3 && *d != 20) {
            run_day(&mut m, day, 288, 8.0, if day == 2 { 4.0 } else { 2.0 });
        }
        let days = m.daily(30 * DAY_MS);
        assert_eq!(days[3].source, PpuDaySource::CopiedFrom(2));
        assert_eq!(days[3].billable_cores, 4.0);
        assert_eq!(days[20].source, PpuDaySource::FullActive);
        assert_eq!(days[20].billable_cores, 8.0);
        assert_eq!(days[21].source, PpuDaySource::Measured);
        assert!((m.bills(30 * DAY_MS)[0].total - 70.0).abs() < 1e-9);
    }

    /// [UM]: a day is valid with ≥ 23/24 of its 288 slots: 276 × 24 = 6,624 = 288 × 23, so 276
    /// samples are valid and 275 (6,600) are not. The copy rule ends after day 13; with no
    /// valid day yet, an invalid day bills 100 % of the active cores (taken from the nearest
    /// sampled day when it has no samples).
    #[test]
    fn validity_threshold_and_fourteen_day_boundary() {
        let mut m = PpuMeter::new(PpuMetric::PercentCore, 30.0, 0.0);
        // Day 0 unmetered, day 1: 275 samples of 6 active, 3 busy → invalid, nothing to copy.
        run_day(&mut m, 1, 275, 6.0, 3.0);
        run_day(&mut m, 2, 276, 6.0, 3.0);
        for day in 4..13 {
            run_day(&mut m, day, 288, 6.0, 1.0);
        }
        // Days 3, 13 and 14 unmetered.
        run_day(&mut m, 15, 288, 6.0, 1.0);
        let d = m.daily(16 * DAY_MS);
        assert_eq!(
            (d[0].source, d[0].billable_cores),
            (PpuDaySource::FullActive, 6.0)
        );
        assert!(!d[1].valid);
        assert_eq!(
            (d[1].source, d[1].billable_cores),
            (PpuDaySource::FullActive, 6.0)
        );
        assert!(d[2].valid);
        assert_eq!(d[2].billable_cores, 3.0);
        assert_eq!(d[3].source, PpuDaySource::CopiedFrom(2));
        assert_eq!(d[13].source, PpuDaySource::CopiedFrom(12));
        assert_eq!(d[13].billable_cores, 1.0);
        assert_eq!(
            (d[14].source, d[14].billable_cores),
            (PpuDaySource::FullActive, 6.0)
        );
    }

    /// A day cut by the horizon is judged on its slots before the horizon: 10 days + 1 h
    /// leaves day 10 with 12 slots; 12 × 24 = 288 ≥ 12 × 23 = 276 is valid, 11 × 24 = 264
    /// is not. It counts as a whole day of the month: 11 days → fixed 300 × 11/30 = 110.
    #[test]
    fn partial_last_day_and_month_are_prorated() {
        for (slots, valid) in [(12, true), (11, false)] {
            let mut m = PpuMeter::new(PpuMetric::ActiveCore, 0.0, 300.0);
            for day in 0..10 {
                run_day(&mut m, day, 288, 4.0, 4.0);
            }
            run_day(&mut m, 10, slots, 4.0, 4.0);
            let horizon = 10 * DAY_MS + 60 * MIN;
            assert_eq!(m.daily(horizon)[10].valid, valid);
            let b = m.bills(horizon);
            assert_eq!(b.len(), 1);
            assert_eq!(b[0].days, 11);
            assert!((b[0].fixed - 110.0).abs() < 1e-9);
        }
        // 45 days at 10 cores, 100 per core-month, 500 fixed: month 0 = 1,500; month 1 has
        // 15 days: (500 + 100 × 10) × 15/30 = 750.
        let mut m = PpuMeter::new(PpuMetric::ActiveCore, 100.0, 500.0);
        for day in 0..45 {
            run_day(&mut m, day, 288, 10.0, 0.0);
        }
        let b = m.bills(45 * DAY_MS);
        assert_eq!(b.len(), 2);
        assert_eq!((b[0].total, b[1].month, b[1].days), (1_500.0, 1, 15));
        assert!((b[1].total - 750.0).abs() < 1e-9);
    }

    /// One reading per 5-minute slot: a second one in the same slot, or a late one, is
    /// ignored; bad readings count as 0 cores.
    #[test]
    fn duplicate_late_and_bad_samples() {
        let mut m = PpuMeter::new(PpuMetric::PercentCore, 30.0, 0.0);
        m.sample(0, 4.0, 4.0);
        m.sample(PPU_SAMPLE_MS - 1, 100.0, 100.0);
        m.sample(PPU_SAMPLE_MS, 4.0, f64::NAN);
        m.sample(10, 100.0, 100.0);
        let d = m.daily(DAY_MS);
        // Samples 4 and 0: mean billable 2 over 2 samples (an invalid day, nothing to copy →
        // 100 % of the mean active 4 cores).
        assert_eq!(d[0].samples, 2);
        assert_eq!(d[0].active_cores, 4.0);
        assert_eq!(d[0].billable_cores, 4.0);
        assert!(
            PpuMeter::new(PpuMetric::ActiveCore, 1.0, 1.0)
                .bills(0)
                .is_empty()
        );
    }

    /// Energy [kWh]: 1 kW idle, 2 kW max, 50 % for 24 h: P = 1 + 1 × 0.5 = 1.5 kW, × 24 h
    /// = 36 kWh at the IT equipment; × PUE 1.5 = 54 kWh × 0.10 = 5.40.
    /// In W·ms: 1,000 × 86.4e6 + 1,000 × 43.2e6 = 1.296e11; ÷ 3.6e9 = 36.
    #[test]
    fn energy_cost_in_kwh() {
        let u = 0.5 * DAY_MS as f64;
        assert!((energy_kwh(1_000.0, 2_000.0, u, DAY_MS) - 36.0).abs() < 1e-12);
        assert!((energy_cost(1_000.0, 2_000.0, u, DAY_MS, 1.5, 0.10) - 5.40).abs() < 1e-12);
        // Idle all day: 1 kW × 24 h = 24 kWh.
        assert!((energy_kwh(1_000.0, 2_000.0, 0.0, DAY_MS) - 24.0).abs() < 1e-12);
    }

    /// 400,000 over 4 years (1,460 days) for 30 days: 400,000 × 30 / 1,460 = 8,219.178…;
    /// licences: 10 cores for 73 days (0.2 year) at 1,000 per core-year = 2,000;
    /// TiCAP: 3 blocks (129,600 core-minutes = 90 core-days) at 50 per core-day = 4,500.
    #[test]
    fn capex_licence_and_ticap_cost() {
        assert!((amortized_capex(400_000.0, 4.0, 30 * DAY_MS) - 8_219.18).abs() < 0.01);
        assert!((licence_cost(10.0 * (73 * DAY_MS) as f64, 1_000.0) - 2_000.0).abs() < 1e-9);
        assert!((ticap_cost(129_600.0, 50.0) - 4_500.0).abs() < 1e-9);
    }

    #[test]
    fn validation_names_the_field() {
        assert_eq!(validate_ticap(129_600.0, 15.0), Ok(()));
        assert!(
            validate_ticap(-1.0, 15.0)
                .unwrap_err()
                .contains("balance_core_min")
        );
        assert!(
            validate_ticap(f64::INFINITY, 15.0)
                .unwrap_err()
                .contains("balance_core_min")
        );
        assert!(validate_ticap(0.0, -1.0).unwrap_err().contains("warn_days"));
        assert!(
            validate_ticap(0.0, f64::NAN)
                .unwrap_err()
                .contains("warn_days")
        );
        assert!(
            validate_reserve_days(-2.0)
                .unwrap_err()
                .contains("utility_reserve_days")
        );
        assert_eq!(validate_ppu(100.0, 0.0), Ok(()));
        assert!(
            validate_ppu(-1.0, 0.0)
                .unwrap_err()
                .contains("price_per_core_month")
        );
        assert!(
            validate_ppu(1.0, f64::NAN)
                .unwrap_err()
                .contains("fixed_per_month")
        );
        assert!(
            validate_price("price_per_core_day", -3.0)
                .unwrap_err()
                .contains("price_per_core_day")
        );
        assert_eq!(validate_capex(400_000.0, 4.0), Ok(()));
        assert!(
            validate_capex(400_000.0, 0.0)
                .unwrap_err()
                .contains("years")
        );
        assert!(validate_capex(-1.0, 4.0).unwrap_err().contains("price"));
        assert_eq!(validate_energy(1_000.0, 2_000.0, 1.5, 0.1), Ok(()));
        assert_eq!(validate_energy(1_000.0, 1_000.0, 1.0, 0.0), Ok(()));
        assert!(
            validate_energy(3_000.0, 2_000.0, 1.5, 0.1)
                .unwrap_err()
                .contains("idle_w")
        );
        assert!(
            validate_energy(-1.0, 2_000.0, 1.5, 0.1)
                .unwrap_err()
                .contains("idle_w")
        );
        assert!(
            validate_energy(1_000.0, f64::NAN, 1.5, 0.1)
                .unwrap_err()
                .contains("max_w")
        );
        assert!(
            validate_energy(1_000.0, 2_000.0, 0.9, 0.1)
                .unwrap_err()
                .contains("pue")
        );
        assert!(
            validate_energy(1_000.0, 2_000.0, 1.5, -0.1)
                .unwrap_err()
                .contains("price_per_kwh")
        );
    }

    /// What the slow reference ledger computes.
    #[derive(Debug, PartialEq)]
    struct Books {
        used_core_min: f64,
        balance_core_min: f64,
        exhausted_at_ms: Option<u64>,
        overdrawn_periods: u64,
        warnings: Vec<TicapWarning>,
    }

    fn books(l: &TicapLedger) -> Books {
        Books {
            used_core_min: l.used_core_min(),
            balance_core_min: l.balance_core_min(),
            exhausted_at_ms: l.exhausted_at_ms(),
            overdrawn_periods: l.overdrawn_periods(),
            warnings: l.warnings().to_vec(),
        }
    }

    /// Slow obvious ledger: the schedule (0 cores from time 0, then each call's count until the
    /// next call) as segments of positive length; every period, one at a time, is charged
    /// 30 × the largest count of a segment overlapping it, and judged at its end.
    fn slow_books(initial: f64, warn_days: f64, calls: &[(u64, u32)], horizon: u64) -> Books {
        let mut points = vec![(0u64, 0u32)];
        points.extend_from_slice(calls);
        let mut segments = Vec::new();
        for (i, &(t, v)) in points.iter().enumerate() {
            let end = points.get(i + 1).map_or(horizon, |p| p.0);
            if end > t {
                segments.push((t, end, v));
            }
        }
        let held_just_before = |at: u64| points.iter().rfind(|p| p.0 < at).map_or(0, |p| p.1);
        let mut q: u64 = 0;
        let mut b = Books {
            used_core_min: 0.0,
            balance_core_min: initial,
            exhausted_at_ms: (initial <= 0.0).then_some(0),
            overdrawn_periods: 0,
            warnings: Vec::new(),
        };
        let mut last_day: Option<u64> = None;
        for k in 0..horizon.div_ceil(P) {
            let (start, end) = (k * P, ((k + 1) * P).min(horizon));
            let charge = segments
                .iter()
                .filter(|s| s.0 < end && s.1 > start)
                .map(|s| s.2)
                .max()
                .unwrap_or(0);
            q += u64::from(charge);
            let balance = initial - 30.0 * q as f64;
            if charge > 0 && balance < 0.0 {
                b.overdrawn_periods += 1;
            }
            if charge > 0 && balance <= 0.0 && b.exhausted_at_ms.is_none() {
                b.exhausted_at_ms = Some(end);
            }
            let burn = held_just_before(end);
            if burn > 0 && balance > 0.0 {
                let days_left = balance / (f64::from(burn) * 1_440.0);
                let day = end / DAY_MS;
                if days_left <= warn_days && last_day.is_none_or(|d| day > d) {
                    b.warnings.push(TicapWarning {
                        at_ms: end,
                        days_left,
                    });
                    last_day = Some(day);
                }
            }
        }
        b.used_core_min = 30.0 * q as f64;
        b.balance_core_min = initial - b.used_core_min;
        b
    }

    /// Gaps between calls: often 0 or on period boundaries, sometimes days.
    fn arb_gap() -> impl Strategy<Value = u64> {
        prop_oneof![
            Just(0u64),
            (1u64..100).prop_map(|k| k * P),
            0u64..3 * P,
            0u64..3 * DAY_MS,
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// The closed-form ledger equals the period-by-period one, whether or not the clock is
        /// advanced between calls; balance + used = initial.
        #[test]
        fn ledger_matches_slow_reference(
            initial in prop_oneof![
                (0u32..1_500).prop_map(|k| 30.0 * f64::from(k)),
                0.0f64..40_000.0,
            ],
            warn_days in prop_oneof![Just(0.0), 0.0f64..6.0, Just(15.0)],
            raw in prop::collection::vec(
                (arb_gap(), prop_oneof![4 => 0u32..6, 1 => Just(1_000u32)], 0.0f64..1.0, any::<bool>()),
                0..24,
            ),
            tail in arb_gap(),
        ) {
            let mut t = 0;
            let mut calls = Vec::new();
            let mut advances = Vec::new();
            for &(gap, cores, frac, adv) in &raw {
                let prev = t;
                t += gap;
                if adv {
                    advances.push(prev + (frac * gap as f64) as u64);
                } else {
                    advances.push(u64::MAX);
                }
                calls.push((t, cores));
            }
            let horizon = t + tail;
            let want = slow_books(initial, warn_days, &calls, horizon);

            let mut plain = TicapLedger::new(initial, warn_days);
            let mut stepped = TicapLedger::new(initial, warn_days);
            for (&(t, c), &a) in calls.iter().zip(&advances) {
                plain.set_temporary(t, c);
                if a != u64::MAX {
                    stepped.advance_to(a);
                }
                stepped.set_temporary(t, c);
            }
            plain.finish(horizon);
            stepped.finish(horizon);
            prop_assert_eq!(books(&plain), books(&stepped));
            prop_assert_eq!(books(&plain), want);
            prop_assert_eq!(plain.warning_count(), plain.warnings().len() as u64);
            let sum = plain.balance_core_min() + plain.used_core_min();
            prop_assert!((sum - initial).abs() <= 1e-9 * initial.max(plain.used_core_min()).max(1.0));
        }

        /// Garbage in: no panic, no hang; the books stay consistent.
        #[test]
        fn ledger_garbage_never_panics(
            balance in any::<f64>(),
            warn_days in any::<f64>(),
            calls in prop::collection::vec((any::<u64>(), any::<u32>(), 0u8..3), 0..16),
            horizon in any::<u64>(),
        ) {
            let mut l = TicapLedger::new(balance, warn_days);
            for (t, c, op) in calls {
                match op {
                    0 => l.set_temporary(t, c),
                    1 => l.advance_to(t),
                    _ => prop_assert_eq!(l.can_activate(c), c == 0 || l.balance_core_min() >= 30.0 * f64::from(c)),
                }
            }
            l.finish(horizon);
            prop_assert!(l.balance_core_min().is_finite());
            prop_assert!(l.used_core_min() >= 0.0);
            prop_assert!(l.warnings().len() <= MAX_WARNINGS);
            prop_assert!(l.warning_count() >= l.warnings().len() as u64);
            prop_assert!(l.warnings().windows(2).all(|w| w[0].at_ms / DAY_MS < w[1].at_ms / DAY_MS));
            prop_assert!(l.warnings().iter().all(|w| w.days_left > 0.0));
            prop_assert!(!l.days_left_at_end(3).is_nan());
        }

        /// PPU: both metrics from one stream; Active Core never bills less than Percent Core,
        /// bills cover every day once, and each bill adds up.
        #[test]
        fn ppu_bills_add_up(
            raw in prop::collection::vec(
                (prop_oneof![12 => Just(PPU_SAMPLE_MS), 1 => 0u64..2 * DAY_MS], 0.0f64..64.0, 0.0f64..1.2),
                0..3_000,
            ),
            horizon in 1u64..70 * DAY_MS,
            price in 0.0f64..200.0,
            fixed in 0.0f64..1_000.0,
        ) {
            let mut percent = PpuMeter::new(PpuMetric::PercentCore, price, fixed);
            let mut active = PpuMeter::new(PpuMetric::ActiveCore, price, fixed);
            let mut t = 0;
            for &(gap, cores, util) in &raw {
                t += gap;
                if t >= horizon {
                    break;
                }
                percent.sample(t, cores, cores * util);
                active.sample(t, cores, cores * util);
            }
            let days = percent.daily(horizon);
            prop_assert_eq!(days.len() as u64, horizon.div_ceil(DAY_MS));
            for (i, d) in days.iter().enumerate() {
                prop_assert_eq!(d.day, i as u64);
                prop_assert_eq!(d.valid, d.source == PpuDaySource::Measured);
                if let PpuDaySource::CopiedFrom(from) = d.source {
                    prop_assert!(d.day < PPU_MISSING_COPY_DAYS && from < d.day && days[from as usize].valid);
                    prop_assert_eq!(d.billable_cores, days[from as usize].billable_cores);
                }
                prop_assert!(d.billable_cores >= 0.0 && d.billable_cores <= 64.0);
            }
            let (bp, ba) = (percent.bills(horizon), active.bills(horizon));
            prop_assert_eq!(bp.iter().map(|b| b.days).sum::<u64>(), days.len() as u64);
            let sum: f64 = days.iter().map(|d| d.billable_cores).sum();
            let variable: f64 = bp.iter().map(|b| b.variable).sum();
            prop_assert!((variable - price * sum / 30.0).abs() <= 1e-9 * (1.0 + variable));
            for (p, a) in bp.iter().zip(&ba) {
                prop_assert!(a.variable >= p.variable - 1e-9 * (1.0 + p.variable));
                prop_assert!((p.total - p.fixed - p.variable).abs() < 1e-9 * (1.0 + p.total));
                prop_assert!((p.fixed - fixed * p.days as f64 / 30.0).abs() < 1e-9 * (1.0 + fixed));
                prop_assert!(p.days <= 30);
            }
        }

        /// PPU garbage in: no panic.
        #[test]
        fn ppu_garbage_never_panics(
            raw in prop::collection::vec((any::<u64>(), any::<f64>(), any::<f64>()), 0..64),
            horizon in 0u64..400 * DAY_MS,
            price in any::<f64>(),
            fixed in any::<f64>(),
            metric in prop_oneof![Just(PpuMetric::PercentCore), Just(PpuMetric::ActiveCore)],
        ) {
            let mut m = PpuMeter::new(metric, price, fixed);
            for (t, a, b) in raw {
                m.sample(t, a, b);
            }
            let bills = m.bills(horizon);
            prop_assert!(bills.iter().all(|b| !b.total.is_nan()));
        }
    }
}
