//! Reference-string replay: runs a page reference string through a
//! replacement policy, without the VM, and counts hits, faults, evictions
//! and write-backs.
//!
//! The driver plays the part the kernel plays in the VM. It owns the page →
//! frame map, loads into the lowest-numbered free frame while one exists,
//! asks the policy for a victim only when every frame is occupied, and
//! keeps a reference bit and a dirty bit per frame. Both bits are cleared
//! when a page is loaded. The reference bit is then set by every reference,
//! including the faulting one, and the dirty bit by every write, just as
//! the VM's MMU sets the accessed and dirty bits of a page-table entry. So
//! a policy makes the same choices here as in the VM, given the same
//! references and frame count.
//!
//! Replay is demand paging with a fixed number of frames and no
//! prefetching: a fault is the first reference to a page that is not
//! resident, and nothing else.

use crate::policy::{self, FrameIdx, PageKey, PolicyError, ReferenceBits, ReplacementPolicy};
use crate::refs::Reference;
use serde::Serialize;
use std::collections::HashMap;

/// The largest frame count [`replay_named`] accepts, 2^24.
///
/// Replay never needs more frames than the reference string has distinct
/// pages, so this does not bound memory use. It rejects counts that are
/// far beyond any machine pagelab models, which are almost always typos.
pub const MAX_FRAMES: usize = 1 << 24;

/// Counts from one replay, and optionally its steps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReplayOutcome {
    /// The policy's name.
    pub policy: String,
    /// The frame count that was requested (not the number of frames used,
    /// which is at most the number of distinct pages).
    pub frames: usize,
    /// The number of references replayed.
    pub references: usize,
    /// References to a resident page.
    pub hits: u64,
    /// References to a page that was not resident.
    pub faults: u64,
    /// Faults that found every frame occupied and evicted a page.
    pub evictions: u64,
    /// Evictions of a page written since it was loaded (dirty), each of
    /// which the VM would write back to swap.
    pub write_backs: u64,
    /// One entry per reference, when steps were requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<Step>>,
}

/// The effect of one reference, for the textbook step table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The referenced page.
    pub page: PageKey,
    /// Whether the reference was a write.
    pub write: bool,
    /// Whether the reference faulted.
    pub fault: bool,
    /// The frame that holds the page after the reference.
    pub frame: FrameIdx,
    /// The page evicted to make room, if any.
    pub victim: Option<PageKey>,
    /// The page in each frame after the reference, `None` for a free frame.
    /// Only frames that can ever be used are listed: the first
    /// min(frames, distinct pages) of them.
    pub frames: Vec<Option<PageKey>>,
}

/// Reference and dirty bits as plain arrays, one entry per frame.
struct FrameBits {
    referenced: Vec<bool>,
    dirty: Vec<bool>,
}

impl FrameBits {
    fn new(n_frames: usize) -> FrameBits {
        FrameBits {
            referenced: vec![false; n_frames],
            dirty: vec![false; n_frames],
        }
    }

    /// Records a reference to the page in `frame`, as the MMU would.
    fn record_access(&mut self, frame: FrameIdx, write: bool) {
        self.referenced[frame] = true;
        self.dirty[frame] |= write;
    }

    /// Clears both bits for a page being loaded into `frame`.
    fn reset(&mut self, frame: FrameIdx) {
        self.referenced[frame] = false;
        self.dirty[frame] = false;
    }
}

impl ReferenceBits for FrameBits {
    fn is_referenced(&self, frame: FrameIdx) -> bool {
        self.referenced[frame]
    }

    fn clear_referenced(&mut self, frame: FrameIdx) {
        self.referenced[frame] = false;
    }

    fn is_dirty(&self, frame: FrameIdx) -> bool {
        self.dirty[frame]
    }

    // The driver sets the bits exactly on the references it reports.
    fn follows_reported_references(&self) -> bool {
        true
    }
}

/// Returns the number of distinct pages in `references`.
pub fn distinct_pages(references: &[Reference]) -> usize {
    DensePages::new(references).pages.len()
}

/// Marks a free frame or a page that is not resident in the driver's
/// dense tables.
const NONE: u32 = u32::MAX;

/// A reference string with its pages renumbered `0..distinct` in order of
/// first reference, so the replay loop finds a page's frame by an array
/// index instead of a hash lookup.
struct DensePages {
    /// The dense index of each reference's page.
    index: Vec<u32>,
    /// The page key of each dense index.
    pages: Vec<PageKey>,
}

impl DensePages {
    /// Renumbers the pages of `references` in one pass.
    ///
    /// When the largest page key is small (below four times the number of
    /// references, or below 2^16), the pass uses a table indexed by the
    /// key, which costs no more memory than the references themselves;
    /// otherwise it uses a hash map, once per reference.
    fn new(references: &[Reference]) -> DensePages {
        let max_page = references.iter().map(|reference| reference.page).max();
        let table_limit = (references.len() as u64).saturating_mul(4).max(1 << 16);
        let mut dense = DensePages {
            index: Vec::with_capacity(references.len()),
            pages: Vec::new(),
        };
        match max_page {
            None => {}
            Some(max_page) if max_page < table_limit => {
                let mut index_of_page = vec![NONE; max_page as usize + 1];
                for reference in references {
                    let slot = &mut index_of_page[reference.page as usize];
                    if *slot == NONE {
                        *slot = dense.push_page(reference.page);
                    }
                    dense.index.push(*slot);
                }
            }
            Some(_) => {
                let mut index_of_page: HashMap<PageKey, u32> = HashMap::new();
                for reference in references {
                    let index = match index_of_page.get(&reference.page) {
                        Some(&index) => index,
                        None => {
                            let index = dense.push_page(reference.page);
                            index_of_page.insert(reference.page, index);
                            index
                        }
                    };
                    dense.index.push(index);
                }
            }
        }
        dense
    }

    /// Appends `page` as the next dense index and returns that index.
    fn push_page(&mut self, page: PageKey) -> u32 {
        let index = u32::try_from(self.pages.len())
            .ok()
            .filter(|&index| index != NONE)
            // NOTE: a string with 2^32 - 1 distinct pages needs over 64 GiB
            // of references in memory, so this is not reached in practice.
            .expect("a reference string has fewer than 2^32 - 1 distinct pages");
        self.pages.push(page);
        index
    }
}

/// Replays `references` through `policy` with `n_frames` frames.
///
/// `policy` must be freshly built for at least min(`n_frames`, distinct
/// pages) frames, because the driver numbers frames from 0 and never uses
/// more frames than there are distinct pages. Memory use is
/// O(references + distinct pages), for the renumbered string, plus
/// O(references × frames used) when `record_steps` is true.
///
/// # Panics
///
/// Panics if `n_frames` is 0 while `references` is not empty, since no
/// page can then be loaded, and if the policy breaks its contract by
/// choosing a frame that is out of range or free.
pub fn replay(
    policy: &mut dyn ReplacementPolicy,
    n_frames: usize,
    references: &[Reference],
    record_steps: bool,
) -> ReplayOutcome {
    let dense = DensePages::new(references);
    replay_dense(policy, n_frames, references, &dense, record_steps)
}

/// Replays as [`replay`] does, with the pages of `references` already
/// renumbered in `dense`.
fn replay_dense(
    policy: &mut dyn ReplacementPolicy,
    n_frames: usize,
    references: &[Reference],
    dense: &DensePages,
    record_steps: bool,
) -> ReplayOutcome {
    assert!(
        n_frames > 0 || references.is_empty(),
        "replay needs at least one frame to load a page into"
    );
    let frames_used = n_frames.min(dense.pages.len());

    // Both tables hold `NONE` for "not resident" and "free".
    let mut frame_of_page: Vec<u32> = vec![NONE; dense.pages.len()];
    let mut page_in_frame: Vec<u32> = vec![NONE; frames_used];
    let mut bits = FrameBits::new(frames_used);
    // Frames are freed only to be refilled at once, so the free frames are
    // always `occupied..frames_used` and the lowest free frame is `occupied`.
    let mut occupied = 0;
    let mut timer = policy::TimerCount::for_policy(policy);

    let mut outcome = ReplayOutcome {
        policy: policy.name().to_string(),
        frames: n_frames,
        references: references.len(),
        hits: 0,
        faults: 0,
        evictions: 0,
        write_backs: 0,
        steps: record_steps.then(|| Vec::with_capacity(references.len())),
    };

    for (&Reference { page, write }, &index) in references.iter().zip(&dense.index) {
        let resident = frame_of_page[index as usize];
        let (frame, fault, victim) = if resident != NONE {
            let frame = resident as FrameIdx;
            outcome.hits += 1;
            bits.record_access(frame, write);
            policy.on_hit(frame, write);
            (frame, false, None)
        } else {
            outcome.faults += 1;
            policy.on_miss(page);
            let (frame, victim) = if occupied < frames_used {
                occupied += 1;
                (occupied - 1, None)
            } else {
                let frame = policy.choose_victim(&mut bits);
                let victim = page_in_frame
                    .get(frame)
                    .copied()
                    .filter(|&victim| victim != NONE)
                    .expect("choose_victim returns an occupied frame below n_frames");
                frame_of_page[victim as usize] = NONE;
                outcome.evictions += 1;
                if bits.is_dirty(frame) {
                    outcome.write_backs += 1;
                }
                policy.on_free(frame);
                (frame, Some(dense.pages[victim as usize]))
            };

            bits.reset(frame);
            page_in_frame[frame] = index;
            // `frame < frames_used <= dense.pages.len() < NONE`, so it fits.
            frame_of_page[index as usize] = frame as u32;
            policy.on_load(frame, page, write);
            bits.record_access(frame, write);
            (frame, true, victim)
        };
        if timer.count_reference() {
            policy.on_timer(&mut bits);
        }

        if let Some(steps) = &mut outcome.steps {
            let frames = page_in_frame
                .iter()
                .map(|&index| (index != NONE).then(|| dense.pages[index as usize]))
                .collect();
            steps.push(Step {
                page,
                write,
                fault,
                frame,
                victim,
                frames,
            });
        }
    }
    outcome
}

/// Builds the policy called `name` and replays `references` through it
/// with `n_frames` frames; see [`replay`].
///
/// The policy is built for min(`n_frames`, max(distinct pages, 2))
/// frames, because no policy evicts while a frame is free, so a large
/// `n_frames` costs no memory. OPT receives the reference string as its
/// future; `seed` seeds the random policy.
///
/// # Errors
///
/// Returns [`PolicyError::Unknown`] for an unknown name and
/// [`PolicyError::BadFrameCount`] when `n_frames` is 0 or above
/// [`MAX_FRAMES`].
pub fn replay_named(
    name: &str,
    n_frames: usize,
    seed: u64,
    references: &[Reference],
    record_steps: bool,
) -> Result<ReplayOutcome, PolicyError> {
    if n_frames > MAX_FRAMES {
        return Err(PolicyError::BadFrameCount {
            name: name.to_string(),
            n_frames,
            reason: format!("replay supports at most {MAX_FRAMES} (2^24) frames"),
        });
    }
    let dense = DensePages::new(references);
    let allocated = if n_frames == 0 {
        0
    } else {
        // Two frames even for a string with fewer distinct pages, because
        // LIRS rejects one frame; only a request for one frame gets one.
        n_frames.min(dense.pages.len().max(2))
    };
    // Only OPT reads the future, and copying it costs 8 bytes a reference.
    let needs_future = policy::PolicySpec::parse(name).is_ok_and(|spec| spec.name == "opt");
    let future: Vec<PageKey> = if needs_future {
        references.iter().map(|reference| reference.page).collect()
    } else {
        Vec::new()
    };
    let mut policy = policy::new(name, allocated, seed, Some(&future))?;
    Ok(replay_dense(
        policy.as_mut(),
        n_frames,
        references,
        &dense,
        record_steps,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refs;

    fn faults(name: &str, n_frames: usize, text: &str) -> u64 {
        let references = refs::parse(text).unwrap();
        replay_named(name, n_frames, 0, &references, false)
            .unwrap()
            .faults
    }

    const SILBERSCHATZ: &str = "7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1";
    const BELADY: &str = "1 2 3 4 1 2 5 1 2 3 4 5";

    #[test]
    fn silberschatz_three_frames() {
        assert_eq!(faults("fifo", 3, SILBERSCHATZ), 15);
        assert_eq!(faults("lru", 3, SILBERSCHATZ), 12);
        assert_eq!(faults("opt", 3, SILBERSCHATZ), 9);
        assert_eq!(faults("clock", 3, SILBERSCHATZ), 14);
    }

    #[test]
    fn silberschatz_one_to_seven_frames() {
        let expected = [
            ("fifo", [20, 15, 15, 10, 9, 6, 6]),
            ("lru", [20, 17, 12, 8, 7, 6, 6]),
            ("opt", [20, 13, 9, 8, 7, 6, 6]),
        ];
        for (name, counts) in expected {
            for (index, &count) in counts.iter().enumerate() {
                let n_frames = index + 1;
                assert_eq!(
                    faults(name, n_frames, SILBERSCHATZ),
                    count,
                    "{name} with {n_frames} frames"
                );
            }
        }
    }

    #[test]
    fn belady_anomaly_in_fifo() {
        assert_eq!(faults("fifo", 3, BELADY), 9);
        assert_eq!(faults("fifo", 4, BELADY), 10);
    }

    #[test]
    fn clock_golden_cases() {
        assert_eq!(faults("clock", 3, "1 2 3 1 4 1"), 5);
        assert_eq!(faults("clock", 3, "1 2 3 4 5 4"), 5);
        assert_eq!(faults("clock", 3, "3 1 2 4 1"), 4);
    }

    #[test]
    fn counts_add_up() {
        let references = refs::parse("1 2w 3 1 4w 2 5 1w 2").unwrap();
        for &name in policy::NAMES {
            let outcome = replay_named(name, 3, 5, &references, false).unwrap();
            assert_eq!(outcome.hits + outcome.faults, 9, "{name}");
            assert_eq!(outcome.evictions, outcome.faults - 3, "{name}");
            assert!(outcome.write_backs <= outcome.evictions, "{name}");
        }
    }

    #[test]
    fn dirty_evictions_are_written_back() {
        // One frame: 1w is evicted dirty by 2, 2 clean by 1, and 1 (dirty
        // again after its second write) by 3.
        let references = refs::parse("1w 2 1 1w 3").unwrap();
        let outcome = replay_named("fifo", 1, 0, &references, false).unwrap();
        assert_eq!(outcome.evictions, 3);
        assert_eq!(outcome.write_backs, 2);
    }

    #[test]
    fn steps_show_frames_and_victims() {
        let references = refs::parse("1 2 1 3").unwrap();
        let outcome = replay_named("fifo", 2, 0, &references, true).unwrap();
        let steps = outcome.steps.unwrap();
        let frames: Vec<_> = steps.iter().map(|step| step.frames.clone()).collect();
        assert_eq!(
            frames,
            vec![
                vec![Some(1), None],
                vec![Some(1), Some(2)],
                vec![Some(1), Some(2)],
                vec![Some(3), Some(2)],
            ]
        );
        let faults: Vec<bool> = steps.iter().map(|step| step.fault).collect();
        assert_eq!(faults, vec![true, true, false, true]);
        assert_eq!(steps[3].victim, Some(1));
        assert_eq!(steps[3].frame, 0);
    }

    #[test]
    fn large_frame_count_uses_distinct_pages_only() {
        let references = refs::parse("5 6 5 7").unwrap();
        let outcome = replay_named("lru", MAX_FRAMES, 0, &references, true).unwrap();
        assert_eq!(outcome.frames, MAX_FRAMES);
        assert_eq!(outcome.faults, 3);
        assert_eq!(outcome.steps.unwrap()[3].frames.len(), 3);
    }

    #[test]
    fn frame_count_limits() {
        let references = refs::parse("1").unwrap();
        assert!(matches!(
            replay_named("fifo", 0, 0, &references, false),
            Err(PolicyError::BadFrameCount { n_frames: 0, .. })
        ));
        let error = replay_named("fifo", MAX_FRAMES + 1, 0, &references, false).unwrap_err();
        assert_eq!(
            error.to_string(),
            "policy \"fifo\" cannot manage 16777217 frames: replay supports at most 16777216 (2^24) frames"
        );
    }

    #[test]
    fn empty_reference_string() {
        for &name in policy::NAMES {
            let outcome = replay_named(name, 4, 0, &[], true).unwrap();
            assert_eq!((outcome.hits, outcome.faults), (0, 0));
            assert_eq!(outcome.steps, Some(Vec::new()));
        }
    }

    #[test]
    fn unknown_policy_is_rejected() {
        assert_eq!(
            replay_named("belady", 3, 0, &[], false),
            Err(PolicyError::Unknown {
                name: "belady".into()
            })
        );
    }
}
