//! The event engine: a clock and a priority queue of events, and nothing else.
//!
//! It knows no servers, partitions or policies (those live in `model` and `sim`), so it can be
//! tested and tuned alone. Two rules make runs deterministic:
//! - time is an integer count of milliseconds, so equal instants compare equal without epsilons;
//! - events at the same instant run in a fixed order: by the event's `rank` (its kind), then by
//!   insertion order.
//!
//! Between two distinct instants the world's rates are constant; the engine tells the handler
//! to integrate each such segment (`advance`) before it hands over the events of the new
//! instant. This is what lets one event serve a whole group of workloads: the handler, not the
//! queue, loops over the workloads.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Milliseconds since the scenario start.
pub type TimeMs = u64;

/// An event the engine can order. `rank` fixes the order of events of different kinds at the
/// same instant (lower runs first); events of equal rank run in the order they were scheduled.
pub trait Event: Copy {
    fn rank(&self) -> u8;
}

/// What the engine calls back into.
pub trait Handler<E: Event> {
    /// Integrate the constant-rate segment `[from, to)`. Called once per distinct event time,
    /// before the events at `to` are handled; never with `from == to`.
    fn advance(&mut self, from: TimeMs, to: TimeMs);
    /// Handle one event at `now`; new events go through `queue`.
    fn handle(&mut self, now: TimeMs, event: E, queue: &mut Queue<E>);
}

#[derive(Clone, Copy)]
struct Entry<E> {
    time: TimeMs,
    rank: u8,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    fn key(&self) -> (TimeMs, u8, u64) {
        (self.time, self.rank, self.seq)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest key first. The `seq`
    /// component is unique, so the order is total and never depends on the heap's internals.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

/// The pending events, ordered by `(time, rank, insertion sequence)`.
pub struct Queue<E> {
    heap: BinaryHeap<Entry<E>>,
    seq: u64,
    now: TimeMs,
}

impl<E: Event> Queue<E> {
    pub fn with_capacity(capacity: usize) -> Self {
        Queue {
            heap: BinaryHeap::with_capacity(capacity),
            seq: 0,
            now: 0,
        }
    }

    /// Schedule `event` at `time`. Scheduling in the past is a logic error in the caller; the
    /// event is moved to `now` so that the clock never runs backwards.
    pub fn schedule(&mut self, time: TimeMs, event: E) {
        debug_assert!(time >= self.now, "event scheduled in the past");
        let time = time.max(self.now);
        self.heap.push(Entry {
            time,
            rank: event.rank(),
            seq: self.seq,
            event,
        });
        self.seq += 1;
    }

    pub fn now(&self) -> TimeMs {
        self.now
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The next event and its time, advancing the clock to it.
    pub fn pop(&mut self) -> Option<(TimeMs, E)> {
        let entry = self.heap.pop()?;
        self.now = entry.time;
        Some((entry.time, entry.event))
    }

    fn peek_time(&self) -> Option<TimeMs> {
        self.heap.peek().map(|e| e.time)
    }
}

/// What a run did, for the report and the benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunStats {
    pub events: u64,
    pub segments: u64,
}

/// Run until the queue is empty or the clock would pass `until`. Events at exactly `until`
/// are handled (a horizon event belongs there); later ones are left in the queue.
pub fn run<E: Event, H: Handler<E>>(
    queue: &mut Queue<E>,
    handler: &mut H,
    until: TimeMs,
) -> RunStats {
    let mut stats = RunStats::default();
    while let Some(time) = queue.peek_time() {
        if time > until {
            break;
        }
        if time > queue.now {
            handler.advance(queue.now, time);
            stats.segments += 1;
        }
        // The peek above guarantees an entry.
        let Some((now, event)) = queue.pop() else {
            break;
        };
        handler.handle(now, event, queue);
        stats.events += 1;
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[derive(Clone, Copy, Debug, PartialEq)]
    struct Ev {
        rank: u8,
        id: u32,
    }
    impl Event for Ev {
        fn rank(&self) -> u8 {
            self.rank
        }
    }

    struct Recorder {
        seen: Vec<(TimeMs, Ev)>,
        segments: Vec<(TimeMs, TimeMs)>,
    }
    impl Handler<Ev> for Recorder {
        fn advance(&mut self, from: TimeMs, to: TimeMs) {
            self.segments.push((from, to));
        }
        fn handle(&mut self, now: TimeMs, event: Ev, _queue: &mut Queue<Ev>) {
            self.seen.push((now, event));
        }
    }

    proptest! {
        /// The queue's order equals that of an ordered map keyed by (time, rank, insertion).
        #[test]
        fn order_matches_btreemap_shadow(events in prop::collection::vec((0u64..50, 0u8..4), 0..200)) {
            let mut queue = Queue::with_capacity(events.len());
            let mut shadow = BTreeMap::new();
            for (i, &(t, rank)) in events.iter().enumerate() {
                let ev = Ev { rank, id: i as u32 };
                queue.schedule(t, ev);
                shadow.insert((t, rank, i), ev);
            }
            let mut rec = Recorder { seen: vec![], segments: vec![] };
            let stats = run(&mut queue, &mut rec, u64::MAX);
            let expected: Vec<_> = shadow.into_iter().map(|((t, _, _), ev)| (t, ev)).collect();
            prop_assert_eq!(&rec.seen, &expected);
            prop_assert_eq!(stats.events as usize, events.len());
            // Segments tile [0, last event time) without gaps or overlaps.
            let mut clock = 0;
            for &(from, to) in &rec.segments {
                prop_assert_eq!(from, clock);
                prop_assert!(to > from);
                clock = to;
            }
            prop_assert_eq!(clock, events.iter().map(|e| e.0).max().unwrap_or(0));
        }
    }

    #[test]
    fn stops_at_horizon_inclusive() {
        let mut queue = Queue::with_capacity(4);
        for (t, id) in [(10, 0), (20, 1), (21, 2)] {
            queue.schedule(t, Ev { rank: 0, id });
        }
        let mut rec = Recorder {
            seen: vec![],
            segments: vec![],
        };
        let stats = run(&mut queue, &mut rec, 20);
        assert_eq!(
            rec.seen.iter().map(|e| e.1.id).collect::<Vec<_>>(),
            vec![0, 1]
        );
        assert_eq!(rec.segments, vec![(0, 10), (10, 20)]);
        assert_eq!(stats.segments, 2);
        assert_eq!(queue.len(), 1);
    }
}
