//! CLOCK-Pro: one clock over hot pages, resident cold pages and
//! non-resident cold pages in their test period, swept by three hands.
//! A cold page referenced again during its test period turns hot, so hot
//! pages are those with a short reuse distance, as LIRS's LIR pages are.
//!
//! Source: Jiang, Chen and Zhang, "CLOCK-Pro: an effective improvement of
//! the CLOCK replacement", USENIX ATC 2005, section 4. Not a stack
//! algorithm (not claimed by the authors, and adaptive).
//!
//! The clock is a ring in reference order: a page moved "to the head" is
//! placed just behind every hand, so the hands reach it last. Each hand
//! moves from older entries to newer ones and wraps around. With c frames,
//! the cold allocation m_c leaves m_h = c − m_c frames for hot pages. It
//! grows by 1 when a cold page is referenced in its test period and
//! shrinks by 1 when the test period of a non-resident page ends, within
//! `cold_min` ≤ m_c ≤ max(1, c − 1) (both clamped to 1..=max(1, c − 1)).
//!
//! - Hit: the reference bit is set (by the MMU or the replay driver); no
//!   hand moves.
//! - Miss with every frame occupied: HAND_cold runs until it evicts. At a
//!   resident cold page whose bit is clear, the page is evicted; if it is
//!   in its test period it stays in the clock as a non-resident page,
//!   otherwise it leaves the clock. At a resident cold page whose bit is
//!   set, the bit is cleared and the page moves to the head: if it was in
//!   its test period it turns hot (and m_c grows by 1), otherwise it starts
//!   a new test period. HAND_cold passes hot and non-resident entries.
//! - After an eviction, while more than c non-resident pages are in the
//!   clock, HAND_test runs: it ends the test period of each cold page it
//!   passes and stops after removing one non-resident page from the clock.
//! - The missing page x is then placed: if x is still in the clock as a
//!   non-resident page in its test period, it turns hot at the head (m_c
//!   grows by 1); otherwise it enters at the head as a cold page in a new
//!   test period. While memory fills, new pages are hot until there are
//!   m_h hot pages, as in the authors' simulator.
//! - Whenever there are more than m_h hot pages, HAND_hot runs once per
//!   page over: at a hot page whose bit is set it clears the bit and moves
//!   on (the page stays where it is); at a hot page whose bit is clear it
//!   turns the page cold (not in a test period) and stops; at a cold page
//!   it ends the test period, removing the page from the clock if it is
//!   not resident.
//!
//! Choices the paper leaves open, documented because they change counts:
//! - m_c starts at max(`cold_min`, ⌊`cold`·c⌋), clamped to the range above.
//!   `adaptive=0` keeps it there, as the authors' `clock-pro.c` does with
//!   its adaptation compiled out (5 % of memory, at least 2 pages).
//! - m_c changes by 1 per event. It shrinks only for non-resident pages,
//!   as `clock-pro.c` counts its credits, and not below `cold_min`: a
//!   first version that also counted resident pages and went down to 1
//!   drove m_c to 1 on a Zipf-like trace, and HAND_cold then passed nearly
//!   every page at each fault.
//! - x turns hot before HAND_hot runs for it, so HAND_hot can demote x
//!   itself (it has no frame yet and counts as unreferenced) when every
//!   other hot page is referenced.
//! - The faulting reference sets a new page's hardware reference bit, but
//!   the paper starts pages unreferenced; with the default `new_ref=0`
//!   that bit is ignored until the page's first hit.
//! - At most c non-resident pages stay in the clock.
//! - When some frames are free at an eviction (in the VM) and every
//!   resident page is hot, HAND_hot runs until it has turned one cold.
//! - In the VM a process exit frees frames, and their pages leave the
//!   clock. A non-resident page in its test period loaded into such a free
//!   frame turns hot, and HAND_hot runs at the next eviction, because only
//!   `choose_victim` can read the reference bits.
//!
//! The authors' `clock-pro.c` differs in details (it moves hot pages whose
//! bit HAND_hot clears to the head, adapts through credits that it spends
//! later, and skips an immediately repeated reference), so its counts are
//! not expected to match. They have not been compared.
//!
//! Parameters: `cold` (0 to 1, default 0.05), `cold_min` (at least 1,
//! default 2), `adaptive` (default 1), `new_ref` (default 0).
//!
//! Cost: O(1) per hit. A fault costs one step per entry HAND_hot and
//! HAND_test pass. A HAND_hot step clears a bit that a hit set, changes a
//! page's status or removes an entry, so HAND_hot is O(1) amortised.
//! HAND_test also passes hot entries without changing them. HAND_cold
//! stops only at resident cold pages and finds the next one in O(log k)
//! through an ordered index of them by label. Without the index it would
//! pass the hot and non-resident entries in between, about m_h/m_c per
//! eviction.

use super::list::{Links, List, NIL};
use super::page_map::PageIndex;
use super::{FrameIdx, PageKey, Params, PolicyError, ReferenceBits, ReplacementPolicy};
use std::collections::BTreeMap;

/// Index of a page's entry in the node table.
type NodeId = usize;

#[derive(Debug, Clone)]
struct Node {
    page: PageKey,
    hot: bool,
    in_test: bool,
    /// The frame holding the page, or `NIL` when it is not resident.
    frame: FrameIdx,
    /// Whether the page is the missing page, turned hot by `choose_victim`
    /// and about to be loaded: it holds no frame yet but is not a
    /// non-resident entry.
    loading: bool,
    /// The entry's position in the clock: entries from the oldest to the
    /// head have increasing labels, because every entry enters at the head
    /// with a new label and none moves elsewhere.
    label: u64,
}

/// CLOCK-Pro over frame indices, with a node per page in the clock.
#[derive(Debug, Clone)]
pub struct ClockPro {
    n_frames: usize,
    adaptive: bool,
    new_ref: bool,
    /// The cold allocation m_c.
    cold_target: usize,
    /// The least m_c adaptation may reach: `cold_min`, within 1..=max(1, c − 1).
    min_cold_target: usize,
    max_cold_target: usize,
    nodes: Vec<Node>,
    free_nodes: Vec<NodeId>,
    node_of_page: PageIndex,
    node_of_frame: Vec<NodeId>,
    links: Links,
    /// The clock: the head (newest) at the front, the oldest at the back.
    ring: List,
    hand_cold: NodeId,
    /// The resident cold pages by label, the only entries at which
    /// HAND_cold stops.
    cold_resident: BTreeMap<u64, NodeId>,
    /// The label the next entry placed at the head receives.
    next_label: u64,
    hand_hot: NodeId,
    hand_test: NodeId,
    hot_count: usize,
    non_resident_count: usize,
    resident_count: usize,
    /// Whether the frame's reference bit is still the one its faulting
    /// reference set (no hit since it was loaded).
    fresh: Vec<bool>,
    /// The page whose miss is being served.
    pending: Option<PageKey>,
}

impl ClockPro {
    /// Creates the policy for `n_frames` frames with initial cold
    /// allocation max(`cold_min`, ⌊`cold`·c⌋), clamped to 1..=max(1, c − 1).
    pub fn new(
        n_frames: usize,
        cold: f64,
        cold_min: usize,
        adaptive: bool,
        new_ref: bool,
    ) -> ClockPro {
        let max_cold_target = n_frames.saturating_sub(1).max(1);
        let share = (cold * n_frames as f64).floor() as usize;
        ClockPro {
            n_frames,
            adaptive,
            new_ref,
            cold_target: share.max(cold_min).clamp(1, max_cold_target),
            min_cold_target: cold_min.clamp(1, max_cold_target),
            max_cold_target,
            nodes: Vec::new(),
            free_nodes: Vec::new(),
            node_of_page: PageIndex::new(),
            node_of_frame: vec![NIL; n_frames],
            links: Links::new(0),
            ring: List::new(),
            hand_cold: NIL,
            cold_resident: BTreeMap::new(),
            next_label: 0,
            hand_hot: NIL,
            hand_test: NIL,
            hot_count: 0,
            non_resident_count: 0,
            resident_count: 0,
            fresh: vec![false; n_frames],
            pending: None,
        }
    }

    /// Builds the policy from `cold`, `cold_min`, `adaptive` and `new_ref` in `params`.
    pub(crate) fn from_params(
        n_frames: usize,
        params: &mut Params,
    ) -> Result<ClockPro, PolicyError> {
        let cold = params.f64("cold", 0.05, 0.0..=1.0)?;
        let cold_min = params.u64("cold_min", 2, 1..=u64::MAX)?;
        let adaptive = params.bool("adaptive", true)?;
        let new_ref = params.bool("new_ref", false)?;
        let cold_min = usize::try_from(cold_min).unwrap_or(usize::MAX);
        Ok(ClockPro::new(n_frames, cold, cold_min, adaptive, new_ref))
    }

    /// Returns the cold allocation m_c.
    pub fn cold_target(&self) -> usize {
        self.cold_target
    }

    fn hot_target(&self) -> usize {
        self.n_frames - self.cold_target
    }

    fn adapt(&mut self, grow: bool) {
        if !self.adaptive {
            return;
        }
        self.cold_target = if grow {
            (self.cold_target + 1).min(self.max_cold_target)
        } else {
            self.cold_target.saturating_sub(1).max(self.min_cold_target)
        };
    }

    /// Returns the entry after `id` in hand order, wrapping from the head
    /// to the oldest entry; `NIL` if `id` is the only entry.
    fn ring_next(&self, id: NodeId) -> NodeId {
        let next = match self.links.prev(id) {
            NIL => self.ring.back().expect("the ring holds `id`"),
            newer => newer,
        };
        if next == id {
            NIL
        } else {
            next
        }
    }

    /// Returns the entry under `hand`, starting at the oldest entry.
    fn at(&self, hand: NodeId) -> NodeId {
        if hand == NIL {
            self.ring
                .back()
                .expect("a hand runs only over a non-empty clock")
        } else {
            hand
        }
    }

    /// Takes `id` out of the ring, moving any hand on it to the next entry.
    fn detach(&mut self, id: NodeId) {
        let next = self.ring_next(id);
        for hand in [&mut self.hand_cold, &mut self.hand_hot, &mut self.hand_test] {
            if *hand == id {
                *hand = next;
            }
        }
        self.ring.remove(&mut self.links, id);
    }

    /// Places the detached entry `id` at the head with a new label.
    fn push_head(&mut self, id: NodeId) {
        self.nodes[id].label = self.next_label;
        self.next_label += 1;
        self.ring.push_front(&mut self.links, id);
    }

    fn move_to_head(&mut self, id: NodeId) {
        let cold_resident = self.unindex_cold(id);
        self.detach(id);
        self.push_head(id);
        if cold_resident {
            self.index_cold(id);
        }
    }

    fn insert_at_head(&mut self, page: PageKey, hot: bool) -> NodeId {
        let node = Node {
            page,
            hot,
            in_test: !hot,
            frame: NIL,
            loading: false,
            label: 0,
        };
        let id = match self.free_nodes.pop() {
            Some(id) => {
                self.nodes[id] = node;
                id
            }
            None => {
                self.nodes.push(node);
                self.links.push_index();
                self.nodes.len() - 1
            }
        };
        let index =
            u32::try_from(id).expect("the clock contains at most 2c entries, far below 2^32");
        self.node_of_page.insert(page, index);
        self.push_head(id);
        if hot {
            self.hot_count += 1;
        }
        id
    }

    /// Removes `id`, which holds no frame, from the clock and forgets it.
    fn forget(&mut self, id: NodeId) {
        self.detach(id);
        if self.nodes[id].hot {
            self.hot_count -= 1;
        }
        self.node_of_page.remove(self.nodes[id].page);
        self.free_nodes.push(id);
    }

    fn is_referenced(&self, bits: &dyn ReferenceBits, id: NodeId) -> bool {
        let frame = self.nodes[id].frame;
        if frame == NIL || (self.fresh[frame] && !self.new_ref) {
            return false;
        }
        bits.is_referenced(frame)
    }

    fn clear_referenced(&mut self, bits: &mut dyn ReferenceBits, id: NodeId) {
        let frame = self.nodes[id].frame;
        if frame != NIL {
            bits.clear_referenced(frame);
            self.fresh[frame] = false;
        }
    }

    /// Ends the test period of the cold page `id`, if it is in one.
    fn end_test(&mut self, id: NodeId) {
        if self.nodes[id].in_test {
            self.nodes[id].in_test = false;
            if self.is_non_resident(id) {
                self.adapt(false);
            }
        }
    }

    /// Turns the cold page `id` hot and moves it to the head.
    fn promote(&mut self, id: NodeId) {
        self.unindex_cold(id);
        self.nodes[id].hot = true;
        self.nodes[id].in_test = false;
        self.hot_count += 1;
        self.adapt(true);
        self.move_to_head(id);
    }

    /// Runs HAND_hot until it has turned one hot page cold.
    fn run_hand_hot(&mut self, bits: &mut dyn ReferenceBits) {
        loop {
            let id = self.at(self.hand_hot);
            let next = self.ring_next(id);
            if self.nodes[id].hot {
                if self.is_referenced(bits, id) {
                    self.clear_referenced(bits, id);
                    self.hand_hot = next;
                } else {
                    self.nodes[id].hot = false;
                    self.hot_count -= 1;
                    self.hand_hot = next;
                    self.index_cold(id);
                    return;
                }
            } else {
                self.end_test(id);
                self.hand_hot = next;
                if self.is_non_resident(id) {
                    self.non_resident_count -= 1;
                    self.forget(id);
                }
            }
        }
    }

    /// Runs HAND_test until it has removed one non-resident page.
    fn run_hand_test(&mut self) {
        loop {
            let id = self.at(self.hand_test);
            let next = self.ring_next(id);
            self.hand_test = next;
            if !self.nodes[id].hot {
                self.end_test(id);
                if self.is_non_resident(id) {
                    self.non_resident_count -= 1;
                    self.forget(id);
                    return;
                }
            }
        }
    }

    /// Returns whether `id` is a non-resident entry (not the page being loaded).
    fn is_non_resident(&self, id: NodeId) -> bool {
        self.nodes[id].frame == NIL && !self.nodes[id].loading
    }

    fn balance_hot(&mut self, bits: &mut dyn ReferenceBits) {
        while self.hot_count > self.hot_target() {
            self.run_hand_hot(bits);
        }
    }

    /// Adds `id` to the index of resident cold pages if it is one.
    fn index_cold(&mut self, id: NodeId) {
        let node = &self.nodes[id];
        if !node.hot && node.frame != NIL {
            self.cold_resident.insert(node.label, id);
        }
    }

    /// Removes `id` from the index of resident cold pages; returns whether it was there.
    fn unindex_cold(&mut self, id: NodeId) -> bool {
        self.cold_resident.remove(&self.nodes[id].label).is_some()
    }

    /// Moves HAND_cold to the first resident cold page from its current
    /// position, wrapping from the head to the oldest entry, and returns that
    /// page. HAND_cold passes hot and non-resident entries without changing
    /// them, so this skips them through the index: the clock's order is
    /// the labels' order.
    fn advance_hand_cold(&mut self) -> NodeId {
        let from = self.nodes[self.at(self.hand_cold)].label;
        let (_, &id) = self
            .cold_resident
            .range(from..)
            .next()
            .or_else(|| self.cold_resident.iter().next())
            .expect("run_hand_cold calls this only when a resident page is cold");
        self.hand_cold = id;
        id
    }

    /// Runs HAND_cold until it evicts a page, and returns that page's frame.
    fn run_hand_cold(&mut self, bits: &mut dyn ReferenceBits) -> FrameIdx {
        loop {
            // With every frame occupied, at most m_h < c pages are hot, so
            // one is cold. With free frames (in the VM, frames kept for
            // page tables or other processes) every resident page may be
            // hot: HAND_hot then turns one cold first.
            if self.cold_resident.is_empty() {
                self.run_hand_hot(bits);
                continue;
            }
            let id = self.advance_hand_cold();
            if self.is_referenced(bits, id) {
                self.clear_referenced(bits, id);
                if self.nodes[id].in_test {
                    self.promote(id);
                    self.balance_hot(bits);
                } else {
                    self.nodes[id].in_test = true;
                    self.move_to_head(id);
                }
                continue;
            }

            let frame = self.nodes[id].frame;
            self.hand_cold = self.ring_next(id);
            self.unindex_cold(id);
            self.resident_count -= 1;
            self.nodes[id].frame = NIL;
            self.node_of_frame[frame] = NIL;
            if self.nodes[id].in_test {
                self.non_resident_count += 1;
            } else {
                self.forget(id);
            }
            return frame;
        }
    }
}

impl ReplacementPolicy for ClockPro {
    fn name(&self) -> &str {
        "clock-pro"
    }

    fn on_hit(&mut self, frame: FrameIdx, _write: bool) {
        // The bit's owner sets the reference bit; from now on it is the page's own.
        self.fresh[frame] = false;
    }

    fn on_miss(&mut self, page: PageKey) {
        self.pending = Some(page);
    }

    fn on_load(&mut self, frame: FrameIdx, page: PageKey, _write: bool) {
        if self.node_of_frame[frame] != NIL {
            self.on_free(frame);
        }
        self.pending = None;
        let id = match self.node_of_page.get(page).map(|id| id as NodeId) {
            // Turned hot by `choose_victim` (and perhaps cold again by HAND_hot).
            Some(id) if self.nodes[id].loading => id,
            // A non-resident page in its test period, loaded into a free
            // frame: it turns hot, and HAND_hot runs at the next eviction.
            Some(id) => {
                self.non_resident_count -= 1;
                self.promote(id);
                id
            }
            None => {
                let hot = self.hot_count < self.hot_target();
                self.insert_at_head(page, hot)
            }
        };
        self.nodes[id].frame = frame;
        self.nodes[id].loading = false;
        self.node_of_frame[frame] = id;
        self.fresh[frame] = true;
        self.resident_count += 1;
        self.index_cold(id);
    }

    fn on_free(&mut self, frame: FrameIdx) {
        // A victim left its frame in `choose_victim`; any other frame
        // (freed by a process exit in the VM) takes its page out of the clock.
        let id = self.node_of_frame[frame];
        if id == NIL {
            return;
        }
        self.unindex_cold(id);
        self.node_of_frame[frame] = NIL;
        self.nodes[id].frame = NIL;
        self.fresh[frame] = false;
        self.resident_count -= 1;
        self.forget(id);
    }

    fn choose_victim(&mut self, bits: &mut dyn ReferenceBits) -> FrameIdx {
        assert!(
            self.resident_count > 0,
            "choose_victim is called only when a frame is occupied"
        );
        self.balance_hot(bits);
        let frame = self.run_hand_cold(bits);
        while self.non_resident_count > self.n_frames {
            self.run_hand_test();
        }

        // The missing page turns hot if it is still in its test period.
        if let Some(page) = self.pending.take() {
            if let Some(id) = self.node_of_page.get(page).map(|id| id as NodeId) {
                if self.nodes[id].frame == NIL && self.nodes[id].in_test {
                    self.non_resident_count -= 1;
                    self.nodes[id].loading = true;
                    self.promote(id);
                    self.balance_hot(bits);
                }
            }
        }
        frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference bits as a plain array, set on every reference like the
    /// replay driver's.
    struct Bits(Vec<bool>);

    impl ReferenceBits for Bits {
        fn is_referenced(&self, frame: FrameIdx) -> bool {
            self.0[frame]
        }
        fn clear_referenced(&mut self, frame: FrameIdx) {
            self.0[frame] = false;
        }
        fn is_dirty(&self, _frame: FrameIdx) -> bool {
            false
        }
    }

    /// A CLOCK-Pro policy with its frames and bits, driven like the replay driver.
    struct Harness {
        policy: ClockPro,
        bits: Bits,
        frames: Vec<Option<PageKey>>,
    }

    impl Harness {
        fn new(policy: ClockPro) -> Harness {
            let n_frames = policy.n_frames;
            Harness {
                policy,
                bits: Bits(vec![false; n_frames]),
                frames: vec![None; n_frames],
            }
        }

        /// Returns the victim's page, if the reference evicted one.
        fn access(&mut self, page: PageKey) -> Option<PageKey> {
            if let Some(frame) = self.frames.iter().position(|&p| p == Some(page)) {
                self.bits.0[frame] = true;
                self.policy.on_hit(frame, false);
                return None;
            }
            self.policy.on_miss(page);
            let (frame, victim) = match self.frames.iter().position(Option::is_none) {
                Some(frame) => (frame, None),
                None => {
                    let frame = self.policy.choose_victim(&mut self.bits);
                    self.policy.on_free(frame);
                    (frame, self.frames[frame])
                }
            };
            self.frames[frame] = Some(page);
            self.bits.0[frame] = false;
            self.policy.on_load(frame, page, false);
            self.bits.0[frame] = true;
            victim
        }

        /// Returns the clock from the oldest entry to the head, as
        /// (page, hot, in test, resident).
        fn ring(&self) -> Vec<(PageKey, bool, bool, bool)> {
            let mut entries: Vec<_> = self
                .policy
                .ring
                .to_vec(&self.policy.links)
                .into_iter()
                .map(|id| {
                    let node = &self.policy.nodes[id];
                    (node.page, node.hot, node.in_test, node.frame != NIL)
                })
                .collect();
            entries.reverse();
            entries
        }
    }

    #[test]
    fn memory_fills_with_hot_pages_first() {
        // 3 frames: m_c = 2, so one hot page, then cold pages in test.
        let mut clock = Harness::new(ClockPro::new(3, 0.05, 2, true, false));
        for page in [1, 2, 3] {
            clock.access(page);
        }
        assert_eq!(
            clock.ring(),
            vec![
                (1, true, false, true),
                (2, false, true, true),
                (3, false, true, true)
            ]
        );
    }

    #[test]
    fn evicted_cold_page_in_test_stays_non_resident() {
        let mut clock = Harness::new(ClockPro::new(3, 0.05, 2, true, false));
        for page in [1, 2, 3] {
            clock.access(page);
        }
        assert_eq!(clock.access(4), Some(2));
        assert_eq!(clock.ring()[1], (2, false, true, false));
        assert_eq!(clock.policy.non_resident_count, 1);
    }

    #[test]
    fn referenced_cold_page_in_test_turns_hot() {
        let mut clock = Harness::new(ClockPro::new(4, 0.05, 2, false, false));
        for page in [1, 2, 3, 4] {
            clock.access(page);
        }
        clock.access(3);
        // HAND_cold passes hot 1 and 2, finds 3 referenced in its test
        // period (it turns hot, and HAND_hot demotes 1), then evicts 4.
        assert_eq!(clock.access(5), Some(4));
        let ring = clock.ring();
        assert!(ring.contains(&(3, true, false, true)));
        assert!(ring.contains(&(1, false, false, true)));
        assert_eq!(clock.policy.hot_count, 2);
    }

    #[test]
    fn refault_in_test_period_turns_hot_and_adapts() {
        let mut clock = Harness::new(ClockPro::new(4, 0.05, 2, true, false));
        for page in [1, 2, 3, 4, 5] {
            clock.access(page);
        }
        // 5 evicted 3 (the oldest resident cold page), which stays in test.
        assert_eq!(clock.policy.cold_target(), 2);
        // 3's refault evicts 4 and turns 3 hot: m_c grows to 3, so only one
        // hot page may stay, and HAND_hot demotes 1 and then 2.
        assert_eq!(clock.access(3), Some(4));
        assert_eq!(clock.policy.cold_target(), 3);
        assert_eq!(
            clock.ring(),
            vec![
                (1, false, false, true),
                (2, false, false, true),
                (4, false, true, false),
                (5, false, true, true),
                (3, true, false, true),
            ]
        );
    }

    #[test]
    fn non_resident_pages_are_bounded_by_frames() {
        let mut clock = Harness::new(ClockPro::new(3, 0.05, 2, false, false));
        for page in 0..50 {
            clock.access(page);
            assert!(clock.policy.non_resident_count <= 3);
        }
        assert_eq!(clock.policy.node_of_page.len(), clock.ring().len());
        assert!(clock.ring().len() <= 6);
    }

    #[test]
    fn fixed_allocation_does_not_adapt() {
        let mut clock = Harness::new(ClockPro::new(10, 0.3, 2, false, false));
        for page in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 11, 12, 2, 13] {
            clock.access(page);
        }
        assert_eq!(clock.policy.cold_target(), 3);
    }

    #[test]
    fn one_frame() {
        let mut clock = Harness::new(ClockPro::new(1, 0.05, 2, true, false));
        clock.access(1);
        clock.access(1);
        assert_eq!(clock.access(2), Some(1));
        assert_eq!(clock.access(1), Some(2));
        assert_eq!(clock.access(3), Some(1));
    }

    #[test]
    fn freed_frame_leaves_the_clock() {
        let mut clock = Harness::new(ClockPro::new(3, 0.05, 2, true, false));
        for page in [1, 2, 3] {
            clock.access(page);
        }
        clock.policy.on_free(1);
        clock.frames[1] = None;
        assert_eq!(clock.ring().len(), 2);
        clock.access(7);
        assert_eq!(clock.policy.resident_count, 3);
    }

    #[test]
    fn victim_with_free_frames_is_occupied() {
        let mut clock = Harness::new(ClockPro::new(6, 0.05, 2, true, false));
        for page in [1, 2, 3, 4, 5, 6] {
            clock.access(page);
        }
        // Free every cold page, so only hot pages stay resident.
        for frame in 0..6 {
            let id = clock.policy.node_of_frame[frame];
            if !clock.policy.nodes[id].hot {
                clock.policy.on_free(frame);
                clock.frames[frame] = None;
            }
        }
        assert!(clock.policy.cold_resident.is_empty());
        let frame = clock.policy.choose_victim(&mut clock.bits);
        assert!(clock.frames[frame].is_some(), "frame {frame} is free");
    }
}
