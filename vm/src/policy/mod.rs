//! Page-replacement policies behind one trait, shared by the kernel's fault
//! handler and by reference-string replay.
//!
//! A policy sees frames, not addresses: the caller owns the page → frame
//! mapping and picks a free frame while one exists (the lowest-numbered).
//! Replay requests a victim only when every frame is occupied. The kernel
//! may request one while some frames are free, because frames can be
//! pinned for page tables or held by another process's policy. The caller
//! reports every reference: [`ReplacementPolicy::on_hit`] for a
//! reference to a resident page and [`ReplacementPolicy::on_load`] for the
//! reference that faulted the page in. A real operating system sees only
//! the accessed and dirty bits; a simulator can afford to tell the policy
//! everything, which exact LRU needs.
//!
//! This module depends on neither the hardware nor the kernel.

mod aging;
mod clock;
mod counters;
mod fifo;
mod frame_list;
mod frame_set;
mod frame_tree;
mod frequency_buckets;
mod lfu;
mod lru;
mod mfu;
mod mru;
mod nfu;
mod nru;
mod opt;
mod random;
mod ring_bits;
mod second_chance;
mod spec;
mod working_set;
mod wsclock;

pub use aging::Aging;

// Scan-resistant and adaptive policies.
mod arc;
mod car;
mod clock_pro;
mod lirs;
mod list;
mod page_map;
mod s3fifo;
mod sieve;
mod two_q;

pub use clock::Clock;
pub use fifo::Fifo;
pub use lfu::{Lfu, TieBreak};
pub use lru::Lru;
pub use mfu::Mfu;
pub use mru::Mru;
pub use nfu::Nfu;
pub use nru::Nru;
pub use opt::Opt;
pub use random::Random;
pub use second_chance::SecondChance;
pub use spec::{Params, PolicySpec};
pub use working_set::WorkingSet;
pub use wsclock::WsClock;

pub use arc::Arc;
pub use car::Car;
pub use clock_pro::ClockPro;
pub use lirs::Lirs;
pub use s3fifo::S3Fifo;
pub use sieve::Sieve;
pub use two_q::TwoQ;

use std::fmt;

/// Index of a frame among the `n_frames` frames a policy manages, `0..n_frames`.
pub type FrameIdx = usize;

/// Identity of a page: the VPN in replay, and the VPN tagged with its address
/// space in the VM.
pub type PageKey = u64;

/// Reference (accessed) and dirty bits of the occupied frames, as the policy
/// may read and clear them when choosing a victim.
///
/// In the VM these are the accessed and dirty bits of the page-table entries,
/// and clearing a reference bit also invalidates the TLB entry so the next
/// access sets it again. In replay they are plain arrays kept by the replay
/// driver, set on every reference.
pub trait ReferenceBits {
    /// Returns whether the page in `frame` was referenced since its bit was last cleared.
    fn is_referenced(&self, frame: FrameIdx) -> bool;
    /// Clears the reference bit of the page in `frame`.
    fn clear_referenced(&mut self, frame: FrameIdx);
    /// Returns whether the page in `frame` was written since it was loaded.
    fn is_dirty(&self, frame: FrameIdx) -> bool;

    /// Returns whether the bits change only through the policy's calls. The
    /// reference that `on_load` reports sets the reference bit, and the
    /// dirty bit for a write. Every `on_hit` sets the reference bit, and
    /// every write it reports sets the dirty bit. Only
    /// [`ReferenceBits::clear_referenced`] clears a reference bit. A policy
    /// may then keep its own copy instead of reading the bits frame by frame.
    ///
    /// The default is `false`. The VM's page-table bits use the default, because
    /// `fork` shares frames and a copy-on-write break removes a mapping,
    /// which can change a frame's bits without a reference.
    fn follows_reported_references(&self) -> bool {
        false
    }
}

/// A page-replacement policy.
///
/// Contract for callers: frames are numbered `0..n_frames` (fixed at
/// construction), and calls arrive in reference order. `on_load` is called
/// only for a free frame. `choose_victim` is called only while at least one
/// frame is occupied, and the caller then calls `on_free` for the victim
/// before loading into it. A frame the caller never loads (pinned) is free
/// to the policy.
///
/// Contract for implementations: decisions are deterministic given the
/// construction parameters (including any seed). `choose_victim` returns an
/// occupied frame, and it may be called while some frames are free: then it
/// must not return a free frame, and when every frame is occupied its
/// decision must be the one it makes without this rule. Policies are
/// `Send`, so a machine or a replay that owns one can move to another
/// thread.
pub trait ReplacementPolicy: Send {
    /// The policy's name as `--policy` accepts it.
    fn name(&self) -> &str;

    /// Records a reference to the resident page in `frame`; `write` is true for a store.
    fn on_hit(&mut self, frame: FrameIdx, write: bool);

    /// Records that a reference to `page` missed, before the caller takes a
    /// free frame or calls [`choose_victim`](Self::choose_victim) for it.
    ///
    /// Policies whose victim depends on the page being loaded learn the
    /// page here, because ARC adapts its target on a ghost hit before it
    /// replaces. The default does nothing. Callers call it for every
    /// fault, just before the eviction (if any) and the `on_load` of the
    /// same page.
    fn on_miss(&mut self, _page: PageKey) {}

    /// Records that `page` was loaded into the free `frame` by a faulting
    /// reference (a store when `write` is true).
    fn on_load(&mut self, frame: FrameIdx, page: PageKey, write: bool);

    /// Records that the page in `frame` was removed (evicted or freed); the
    /// frame is free afterwards.
    fn on_free(&mut self, frame: FrameIdx);

    /// Chooses the occupied frame whose page is evicted next. Called while at
    /// least one frame is occupied, possibly while others are free. The
    /// policy may read reference bits through `bits`, and clear those of
    /// occupied frames.
    fn choose_victim(&mut self, bits: &mut dyn ReferenceBits) -> FrameIdx;

    /// Returns the number of references between two calls of
    /// [`ReplacementPolicy::on_timer`], or `None` for a policy that takes no
    /// periodic samples.
    ///
    /// The interval counts references (hits and faults), not clock ticks,
    /// so that the VM and replay sample at the same points of the reference
    /// string.
    fn timer_interval(&self) -> Option<u64> {
        None
    }

    /// Samples the reference bits, as a clock interrupt would. The caller
    /// calls it after every `timer_interval()`-th reference, after that
    /// reference's own `on_hit` or `on_load` and after its reference bit is set.
    fn on_timer(&mut self, _bits: &mut dyn ReferenceBits) {}
}

/// Counts references and reports when a policy's timer is due: after every
/// `timer_interval()`-th reference. The VM and replay share it, so both
/// sample at the same references.
#[derive(Clone, Debug, Default)]
pub struct TimerCount {
    references: u64,
    /// The policy's interval, read once so the per-reference check is a
    /// plain branch; `None` when the policy has no timer.
    interval: Option<u64>,
}

impl TimerCount {
    /// Creates the counter for `policy`.
    pub fn for_policy(policy: &dyn ReplacementPolicy) -> TimerCount {
        TimerCount {
            references: 0,
            interval: policy.timer_interval().map(|interval| interval.max(1)),
        }
    }

    /// Counts one completed reference and returns whether the policy's
    /// `on_timer` is due now.
    #[inline]
    pub fn count_reference(&mut self) -> bool {
        let Some(interval) = self.interval else {
            return false;
        };
        self.references += 1;
        self.references.is_multiple_of(interval)
    }
}

/// Helpers for the policies' unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use super::{FrameIdx, ReferenceBits};

    /// Reference bits that are always clear, for policies that never read them.
    pub struct NoBits;

    impl ReferenceBits for NoBits {
        fn is_referenced(&self, _frame: FrameIdx) -> bool {
            false
        }

        fn clear_referenced(&mut self, _frame: FrameIdx) {}

        fn is_dirty(&self, _frame: FrameIdx) -> bool {
            false
        }
    }
}

/// The reason a policy could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyError {
    /// No policy has this name.
    Unknown { name: String },
    /// The policy needs the future reference string, which this caller cannot supply.
    NeedsFuture { name: String },
    /// The policy cannot manage this many frames.
    BadFrameCount {
        name: String,
        n_frames: usize,
        reason: String,
    },
    /// The text is not a valid `NAME:key=value,...` specification.
    BadSpec { text: String, reason: String },
    /// The policy takes no parameter called `key`.
    UnknownParameter {
        policy: String,
        key: String,
        known: Vec<String>,
    },
    /// A parameter's value is invalid.
    BadParameter {
        policy: String,
        key: String,
        value: String,
        reason: String,
    },
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyError::Unknown { name } => write!(
                f,
                "unknown replacement policy {name:?}; known policies: {}",
                NAMES.join(", ")
            ),
            PolicyError::NeedsFuture { name } => write!(
                f,
                "policy {name:?} needs the whole future reference string: `pagelab run` runs it in two passes and `pagelab replay` reads it from the string, but this command cannot"
            ),
            PolicyError::BadFrameCount { name, n_frames, reason } => {
                write!(f, "policy {name:?} cannot manage {n_frames} frames: {reason}")
            }
            PolicyError::BadSpec { text, reason } => {
                write!(f, "invalid policy specification {text:?}: {reason}")
            }
            PolicyError::UnknownParameter { policy, key, known } if known.is_empty() => {
                write!(f, "policy {policy:?} takes no parameters, but `{key}` was given")
            }
            PolicyError::UnknownParameter { policy, key, known } => write!(
                f,
                "policy {policy:?} has no parameter `{key}`; its parameters are: {}",
                known.join(", ")
            ),
            PolicyError::BadParameter { policy, key, value, reason } => {
                write!(f, "invalid value {value:?} for parameter `{key}` of policy {policy:?}: {reason}")
            }
        }
    }
}

impl std::error::Error for PolicyError {}

/// Names of every policy [`new`] builds, in documentation order.
pub const NAMES: &[&str] = &[
    "fifo",
    "lru",
    "clock",
    "random",
    "opt",
    // Classic policies.
    "second-chance",
    "nru",
    "mru",
    "lfu",
    "mfu",
    "nfu",
    "aging",
    "working-set",
    "wsclock",
    // Scan-resistant and adaptive policies.
    "sieve",
    "s3fifo",
    "arc",
    "2q",
    "lirs",
    "car",
    "clock-pro",
];

/// Returns whether the policy `spec` names needs the future reference
/// string (OPT), so that the VM must run it in two passes.
pub fn needs_future(spec: &str) -> bool {
    matches!(new(spec, 1, 0, None), Err(PolicyError::NeedsFuture { .. }))
}

/// Builds the policy that `spec` names (`NAME` or `NAME:key=value,...`)
/// for `n_frames` frames.
///
/// `seed` drives randomised policies. `future` is the whole reference
/// string, for offline policies such as OPT; pass `None` where it is unknown.
///
/// # Errors
///
/// Returns [`PolicyError::BadSpec`] for a malformed specification,
/// [`PolicyError::Unknown`] for an unknown name,
/// [`PolicyError::UnknownParameter`] or [`PolicyError::BadParameter`] for a
/// parameter the policy does not take or a bad value,
/// [`PolicyError::NeedsFuture`] for an offline policy without `future`, and
/// [`PolicyError::BadFrameCount`] when `n_frames` is 0.
pub fn new(
    spec: &str,
    n_frames: usize,
    seed: u64,
    future: Option<&[PageKey]>,
) -> Result<Box<dyn ReplacementPolicy>, PolicyError> {
    let spec = PolicySpec::parse(spec)?;
    let name = spec.name.as_str();
    if !NAMES.contains(&name) {
        return Err(PolicyError::Unknown {
            name: name.to_string(),
        });
    }
    if n_frames == 0 {
        return Err(PolicyError::BadFrameCount {
            name: name.to_string(),
            n_frames,
            reason: "at least one frame is needed".into(),
        });
    }

    let mut params = Params::new(&spec);
    let policy: Box<dyn ReplacementPolicy> = match name {
        "fifo" => Box::new(Fifo::new(n_frames)),
        "lru" => Box::new(Lru::new(n_frames)),
        "clock" => Box::new(Clock::new(n_frames, params.bool("new_ref", true)?)),
        "random" => Box::new(Random::new(n_frames, seed)),
        "opt" => match future {
            Some(future) => Box::new(Opt::new(n_frames, future)),
            None => {
                return Err(PolicyError::NeedsFuture {
                    name: name.to_string(),
                })
            }
        },
        // Classic policies.
        "second-chance" => Box::new(SecondChance::new(n_frames, params.bool("new_ref", true)?)),
        "nru" => Box::new(Nru::new(n_frames)),
        "mru" => Box::new(Mru::new(n_frames)),
        "lfu" => {
            let (tie, keep) = count_params(&mut params)?;
            Box::new(Lfu::new(n_frames, tie, keep))
        }
        "mfu" => {
            let (tie, keep) = count_params(&mut params)?;
            Box::new(Mfu::new(n_frames, tie, keep))
        }
        "nfu" => Box::new(Nfu::new(
            n_frames,
            params.u64("interval", nfu::DEFAULT_INTERVAL, 1..=MAX_REFERENCE_SPAN)?,
        )),
        "aging" => Box::new(Aging::new(
            n_frames,
            params.u64("bits", aging::DEFAULT_BITS, 1..=64)?,
            params.u64("interval", aging::DEFAULT_INTERVAL, 1..=MAX_REFERENCE_SPAN)?,
        )),
        "working-set" => Box::new(WorkingSet::new(
            n_frames,
            params.u64("tau", working_set::DEFAULT_TAU, 1..=MAX_REFERENCE_SPAN)?,
        )),
        "wsclock" => Box::new(WsClock::new(
            n_frames,
            params.u64("tau", wsclock::DEFAULT_TAU, 1..=MAX_REFERENCE_SPAN)?,
        )),
        // Scan-resistant and adaptive policies.
        "sieve" => Box::new(Sieve::new(n_frames)),
        "s3fifo" => Box::new(S3Fifo::from_params(n_frames, &mut params)?),
        "arc" => Box::new(Arc::new(n_frames)),
        "2q" => Box::new(TwoQ::from_params(n_frames, &mut params)?),
        "lirs" => Box::new(Lirs::from_params(n_frames, &mut params)?),
        "car" => Box::new(Car::from_params(n_frames, &mut params)?),
        "clock-pro" => Box::new(ClockPro::from_params(n_frames, &mut params)?),
        _ => {
            return Err(PolicyError::Unknown {
                name: name.to_string(),
            })
        }
    };
    params.finish()?;
    Ok(policy)
}

/// The largest sampling interval or working-set window the policies accept,
/// in references: 2^32, far beyond any trace pagelab replays.
const MAX_REFERENCE_SPAN: u64 = 1 << 32;

/// Reads the `tie` and `keep` parameters of LFU and MFU.
fn count_params(params: &mut Params<'_>) -> Result<(TieBreak, bool), PolicyError> {
    let tie = params.choice("tie", TieBreak::CHOICES, "lru")?;
    let tie = TieBreak::from_choice(tie).expect("`choice` returns one of TieBreak::CHOICES");
    Ok((tie, params.bool("keep", false)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_builds_its_policy() {
        let future = [1, 2, 3];
        for &name in NAMES {
            let policy = new(name, 4, 0, Some(&future)).unwrap();
            assert_eq!(policy.name(), name);
        }
    }

    #[test]
    fn opt_without_future_is_rejected() {
        assert_eq!(
            new("opt", 3, 0, None).err(),
            Some(PolicyError::NeedsFuture { name: "opt".into() })
        );
    }

    #[test]
    fn unknown_name_lists_known_names() {
        let error = new("belady", 3, 0, None).err().unwrap();
        assert_eq!(
            error,
            PolicyError::Unknown {
                name: "belady".into()
            }
        );
        assert!(error
            .to_string()
            .ends_with(&format!("known policies: {}", NAMES.join(", "))));
    }

    #[test]
    fn parameters_a_policy_does_not_take_are_rejected() {
        let error = new("lru:depth=2", 3, 0, None).err().unwrap();
        assert_eq!(
            error,
            PolicyError::UnknownParameter {
                policy: "lru".into(),
                key: "depth".into(),
                known: Vec::new(),
            }
        );
        assert_eq!(
            error.to_string(),
            "policy \"lru\" takes no parameters, but `depth` was given"
        );
    }

    #[test]
    fn zero_frames_are_rejected() {
        let error = new("lru", 0, 0, None).err().unwrap();
        assert!(matches!(
            error,
            PolicyError::BadFrameCount { n_frames: 0, .. }
        ));
    }

    #[test]
    fn policies_are_send() {
        fn assert_send<T: Send + ?Sized>() {}
        assert_send::<Fifo>();
        assert_send::<Lru>();
        assert_send::<Clock>();
        assert_send::<Random>();
        assert_send::<Opt>();
        assert_send::<Sieve>();
        assert_send::<S3Fifo>();
        assert_send::<Arc>();
        assert_send::<TwoQ>();
        assert_send::<Lirs>();
        assert_send::<Car>();
        assert_send::<ClockPro>();
        assert_send::<Box<dyn ReplacementPolicy>>();
    }
}
