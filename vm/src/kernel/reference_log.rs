//! The page reference string of a run kept in memory, for running OPT in
//! the VM in two passes. The first pass records it. The second pass gives
//! it to OPT as the future, checks each reference against it, and stops at
//! the first one that differs.
//!
//! The references of a single process do not depend on paging, so its two
//! passes always agree. Several processes interleave according to fault
//! timing, which depends on the policy, so their passes can diverge; the
//! run then stops with a message instead of giving a wrong OPT result.

use crate::policy::PageKey;

/// The most references a first pass records: 400 MB of page keys.
pub const MAX_RECORDED: usize = 50_000_000;

/// The first reference at which the second pass left the recorded string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// 0-based index of the reference.
    pub index: usize,
    /// The recorded page key there, or `None` past the end of the recording.
    pub expected: Option<PageKey>,
    /// The page key the second pass referenced.
    pub found: PageKey,
}

/// The recording or checking mode of a run's reference log.
#[derive(Clone, Debug)]
pub enum ReferenceLog {
    /// Appends each reference's page key, up to [`MAX_RECORDED`].
    Record {
        keys: Vec<PageKey>,
        overflowed: bool,
    },
    /// Compares each reference with the recorded string.
    Follow {
        future: Vec<PageKey>,
        next: usize,
        divergence: Option<Divergence>,
    },
}

impl ReferenceLog {
    /// Starts recording.
    pub fn record() -> ReferenceLog {
        ReferenceLog::Record {
            keys: Vec::new(),
            overflowed: false,
        }
    }

    /// Starts following `future`.
    pub fn follow(future: Vec<PageKey>) -> ReferenceLog {
        ReferenceLog::Follow {
            future,
            next: 0,
            divergence: None,
        }
    }

    /// Takes one completed reference. Returns false when the run must stop:
    /// the recording is full, or the reference differs from the recorded one.
    #[inline]
    pub fn observe(&mut self, key: PageKey) -> bool {
        match self {
            ReferenceLog::Record { keys, overflowed } => {
                if keys.len() == MAX_RECORDED {
                    *overflowed = true;
                    return false;
                }
                keys.push(key);
                true
            }
            ReferenceLog::Follow {
                future,
                next,
                divergence,
            } => {
                let expected = future.get(*next).copied();
                if expected != Some(key) {
                    *divergence = Some(Divergence {
                        index: *next,
                        expected,
                        found: key,
                    });
                    return false;
                }
                *next += 1;
                true
            }
        }
    }

    /// Returns the divergence that stopped a second pass, if any.
    pub fn divergence(&self) -> Option<Divergence> {
        match self {
            ReferenceLog::Follow { divergence, .. } => *divergence,
            ReferenceLog::Record { .. } => None,
        }
    }

    /// Returns whether a first pass stopped because its recording was full.
    pub fn overflowed(&self) -> bool {
        matches!(
            self,
            ReferenceLog::Record {
                overflowed: true,
                ..
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recording_keeps_every_key() {
        let mut log = ReferenceLog::record();
        assert!(log.observe(3));
        assert!(log.observe(5));
        let ReferenceLog::Record { keys, overflowed } = log else {
            panic!("still recording");
        };
        assert_eq!(keys, [3, 5]);
        assert!(!overflowed);
    }

    #[test]
    fn following_stops_at_the_first_difference() {
        let mut log = ReferenceLog::follow(vec![1, 2, 3]);
        assert!(log.observe(1));
        assert!(log.observe(2));
        assert!(!log.observe(4));
        assert_eq!(
            log.divergence(),
            Some(Divergence {
                index: 2,
                expected: Some(3),
                found: 4
            })
        );
    }

    #[test]
    fn following_past_the_end_is_a_difference() {
        let mut log = ReferenceLog::follow(vec![1]);
        assert!(log.observe(1));
        assert!(!log.observe(1));
        assert_eq!(
            log.divergence(),
            Some(Divergence {
                index: 1,
                expected: None,
                found: 1
            })
        );
    }
}
