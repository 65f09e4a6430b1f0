//! Where a faulting process gets a frame: a free one, or a victim of the
//! right policy instance, and under `--page-tables-in-pool` the frames for
//! its page tables too.
//!
//! The rules, in order:
//! 1. Under local scope, a process whose resident frames (pages its
//!    instance holds plus its page-table frames) reach its frame limit
//!    evicts its own instance's victim, if that instance holds a page.
//! 2. Otherwise the lowest-numbered free frame is taken.
//! 3. With no free frame, the victim comes from the global instance, or
//!    under local scope from the process furthest over its limit.
//! 4. When no instance holds a page, every frame contains a page table
//!    and the process is killed.

use super::fault;
use super::replacement::GLOBAL_KEY;
use super::{KernelBus, Killed, System};
use crate::config::Scope;
use crate::policy::FrameIdx;

/// Returns a frame for a page or a page table of the process behind `bus`,
/// evicting a page when the rules above ask for it. The frame is neither
/// free nor held by any instance afterwards. `location` ends messages.
///
/// # Errors
///
/// Returns [`Killed`] when every frame contains a page table, or when the
/// eviction fails (out of swap).
pub(super) fn obtain_frame(bus: &mut KernelBus<'_>, location: &str) -> Result<FrameIdx, Killed> {
    let sys = &*bus.sys;
    let replacement = &sys.replacement;
    let pid = bus.pid;
    if let Some(limit) = replacement.limit(pid) {
        let own = replacement.held_by(pid);
        if own > 0 && own + sys.frames.tables_of(pid) >= limit as usize {
            return fault::evict(bus, location, pid);
        }
    }
    if let Some(frame) = bus.sys.frames.take_free() {
        return Ok(frame);
    }

    let sys = &*bus.sys;
    let replacement = &sys.replacement;
    let source = match replacement.scope() {
        Scope::Global => (replacement.held_by(GLOBAL_KEY) > 0).then_some(GLOBAL_KEY),
        Scope::Local => replacement.furthest_over_limit(|pid| resident_frames(sys, pid)),
    };
    match source {
        Some(key) => fault::evict(bus, location, key),
        None => {
            let n_frames = bus.sys.frames.len();
            let all = if n_frames == 1 {
                "the only frame contains a page table, which is pinned".to_string()
            } else {
                format!("all {n_frames} frames contain page tables, which are pinned")
            };
            Err(bus.die(format!(
                "out of frames: {all}, so no page can be evicted {location}; raise --frames, or leave out --page-tables-in-pool so that page tables use the reserved pool"
            )))
        }
    }
}

/// Returns the resident frames of `pid`: the pages its instance holds
/// (under local scope) plus its page-table frames in the pool.
pub fn resident_frames(sys: &System, pid: u32) -> usize {
    let pages = match sys.replacement.scope() {
        Scope::Global => 0,
        Scope::Local => sys.replacement.held_by(pid),
    };
    pages + sys.frames.tables_of(pid)
}

/// Under `--page-tables-in-pool`, obtains `count` frames for new page
/// tables of the process behind `bus` and stages them in the table pool
/// (`sys.tables`), from which the next allocating walk takes them. The
/// frames are recorded as page-table frames of the process at once, so
/// they are pinned while the walk runs. Does nothing in the reserved-pool
/// mode.
///
/// # Errors
///
/// Returns [`Killed`] as [`obtain_frame`] does; the frames staged so far
/// are freed again.
pub(super) fn stage_tables(
    bus: &mut KernelBus<'_>,
    count: u32,
    location: &str,
) -> Result<(), Killed> {
    if !bus.sys.config.page_tables_in_pool {
        return Ok(());
    }
    for _ in 0..count {
        let frame = match obtain_frame(bus, location) {
            Ok(frame) => frame,
            Err(killed) => {
                release_staged(bus.sys);
                return Err(killed);
            }
        };
        bus.sys.frames.set_table(frame, bus.pid);
        let pfn = bus.sys.pfn_of(frame);
        bus.sys.tables.give_back(pfn);
    }
    Ok(())
}

/// Frees the staged page-table frames that no walk took, under
/// `--page-tables-in-pool`.
pub(super) fn release_staged(sys: &mut System) {
    if !sys.config.page_tables_in_pool {
        return;
    }
    for pfn in sys.tables.drain_given_back() {
        let frame = sys.frame_index(pfn);
        sys.frames.release_table(frame);
    }
}

/// Frees the page-table frame `pfn`: back to the reserved pool, or to the
/// free user frames under `--page-tables-in-pool`. The frame is zeroed.
pub(super) fn free_table(sys: &mut System, pfn: u32) {
    sys.memory.frame_mut(pfn).fill(0);
    if sys.config.page_tables_in_pool {
        let frame = sys.frame_index(pfn);
        sys.frames.release_table(frame);
    } else {
        sys.tables.give_back(pfn);
    }
}
