//! ARC, the adaptive replacement cache: two LRU lists of resident pages,
//! T1 (seen once recently) and T2 (seen at least twice), two LRU ghost
//! lists B1 and B2 of pages recently evicted from each, and a target size
//! p for T1 that ghost hits move up and down.
//!
//! Source: Megiddo and Modha, "ARC: a self-tuning, low overhead
//! replacement cache", FAST 2003, figure 4 (cases I–IV and REPLACE). Not a
//! stack algorithm.
//!
//! Definition, for a reference to page x with c frames:
//! - I, x in T1 or T2: move x to the MRU end of T2;
//! - II, x in B1: p ← min(c, p + δ1) with δ1 = 1 if |B1| ≥ |B2|, else
//!   |B2|/|B1|; REPLACE; move x to the MRU end of T2;
//! - III, x in B2: p ← max(0, p − δ2) with δ2 = 1 if |B2| ≥ |B1|, else
//!   |B1|/|B2|; REPLACE; move x to the MRU end of T2;
//! - IV, x in no list: (A) if |T1| + |B1| = c, then if |T1| < c delete the
//!   LRU page of B1 and REPLACE, else evict the LRU page of T1 without
//!   remembering it; (B) otherwise, if |T1| + |T2| + |B1| + |B2| ≥ c,
//!   delete the LRU page of B2 when that total is 2c, and REPLACE. Then
//!   put x at the MRU end of T1.
//! - REPLACE: if |T1| ≥ 1 and ((x in B2 and |T1| = p) or |T1| > p), move
//!   the LRU page of T1 to the MRU end of B1, else the LRU page of T2 to
//!   the MRU end of B2.
//!
//! p is a real number, as in the paper's arithmetic (libCacheSim keeps it
//! as a float too). The δ divisions are real, not integer. In replay
//! REPLACE runs only when every frame is occupied, which is exactly when
//! the paper calls it. In the VM a process exit can free frames, and a miss
//! then takes a free frame without REPLACE. The VM also requests a victim
//! while some frames are not the policy's: page-table frames under
//! `--page-tables-in-pool`, and under local scope the frames of other
//! processes' policy instances. REPLACE then chooses among the pages in T1
//! and T2.
//!
//! The victim depends on x, so the policy needs `on_miss` before
//! `choose_victim`. If REPLACE picks an empty list (which the paper's
//! invariants rule out in replay), the other list's LRU page goes.
//!
//! No parameters. Cost: O(1) per reference: list operations on frame
//! and ghost-node indices, and one ghost lookup per miss, an array index
//! for small page numbers and a hash lookup for others, such as the VM's
//! keys.

use super::list::{Links, List};
use super::page_map::PageIndex;
use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};

/// The resident list that holds a frame's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Free,
    T1,
    T2,
}

/// The ghost list the missing page was found in, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ghost {
    None,
    B1,
    B2,
}

/// The decisions a miss makes before its victim is chosen.
#[derive(Debug, Clone, Copy)]
struct Pending {
    page: PageKey,
    ghost: Ghost,
    /// Case IV(A) with |T1| = c: evict the LRU page of T1 and remember nothing.
    drop_t1: bool,
}

/// The ghost lists B1 and B2 as intrusive lists over ghost nodes, with
/// one index from page to node for both, because a page is in one list
/// at most.
#[derive(Debug, Clone)]
struct GhostLists {
    links: Links,
    /// The page of each node.
    page: Vec<PageKey>,
    /// The list of each node in use.
    list_of: Vec<Ghost>,
    /// Nodes not in use.
    free: Vec<usize>,
    node_of_page: PageIndex,
    /// B1 and B2, in that order.
    lists: [List; 2],
}

/// Returns the position of `ghost` in [`GhostLists::lists`].
#[inline]
fn slot(ghost: Ghost) -> usize {
    match ghost {
        Ghost::B1 => 0,
        Ghost::B2 => 1,
        Ghost::None => unreachable!("a ghost node is always in B1 or B2"),
    }
}

impl GhostLists {
    fn new() -> GhostLists {
        GhostLists {
            links: Links::new(0),
            page: Vec::new(),
            list_of: Vec::new(),
            free: Vec::new(),
            node_of_page: PageIndex::new(),
            lists: [List::new(), List::new()],
        }
    }

    fn len(&self, ghost: Ghost) -> usize {
        self.lists[slot(ghost)].len()
    }

    /// Returns the list that contains `page`, or `Ghost::None`.
    #[inline]
    fn find(&self, page: PageKey) -> Ghost {
        match self.node_of_page.get(page) {
            Some(node) => self.list_of[node as usize],
            None => Ghost::None,
        }
    }

    /// Removes `page` from the list that contains it, if any.
    #[inline]
    fn remove(&mut self, page: PageKey) {
        if let Some(node) = self.node_of_page.remove(page) {
            self.unlink(node as usize);
        }
    }

    /// Takes `node`, whose page has left the index, out of its list.
    #[inline]
    fn unlink(&mut self, node: usize) {
        let ghost = std::mem::replace(&mut self.list_of[node], Ghost::None);
        self.lists[slot(ghost)].remove(&mut self.links, node);
        self.free.push(node);
    }

    /// Puts `page`, which is in no ghost list, at the MRU end of `ghost`.
    fn push_front(&mut self, ghost: Ghost, page: PageKey) {
        debug_assert!(
            self.node_of_page.get(page).is_none(),
            "page {page} is resident, and a miss takes a page out of the ghost lists before it is loaded"
        );
        let node = match self.free.pop() {
            Some(node) => node,
            None => {
                self.page.push(0);
                self.list_of.push(Ghost::None);
                self.links.push_index()
            }
        };
        self.page[node] = page;
        self.list_of[node] = ghost;
        let index = u32::try_from(node).expect("ghost nodes number at most 2c, far below 2^32");
        self.node_of_page.insert(page, index);
        self.lists[slot(ghost)].push_front(&mut self.links, node);
    }

    /// Removes the LRU page of `ghost`, if the list is not empty.
    fn pop_back(&mut self, ghost: Ghost) {
        if let Some(node) = self.lists[slot(ghost)].back() {
            self.node_of_page.discard(self.page[node]);
            self.unlink(node);
        }
    }

    /// Returns the pages of `ghost` from MRU to LRU.
    #[cfg(test)]
    fn to_vec(&self, ghost: Ghost) -> Vec<PageKey> {
        self.lists[slot(ghost)]
            .to_vec(&self.links)
            .into_iter()
            .map(|node| self.page[node])
            .collect()
    }
}

/// ARC over frame indices.
#[derive(Debug, Clone)]
pub struct Arc {
    n_frames: usize,
    /// The target size of T1, from 0 to c.
    p: f64,
    links: Links,
    t1: List,
    t2: List,
    ghosts: GhostLists,
    place: Vec<Place>,
    page: Vec<PageKey>,
    pending: Option<Pending>,
}

impl Arc {
    /// Creates the policy for `n_frames` frames, all free, with p = 0.
    pub fn new(n_frames: usize) -> Arc {
        Arc {
            n_frames,
            p: 0.0,
            links: Links::new(n_frames),
            t1: List::new(),
            t2: List::new(),
            ghosts: GhostLists::new(),
            place: vec![Place::Free; n_frames],
            page: vec![0; n_frames],
            pending: None,
        }
    }

    /// Returns the target size of T1.
    pub fn target(&self) -> f64 {
        self.p
    }

    fn unlink(&mut self, frame: FrameIdx) {
        match self.place[frame] {
            Place::T1 => self.t1.remove(&mut self.links, frame),
            Place::T2 => self.t2.remove(&mut self.links, frame),
            Place::Free => {}
        }
        self.place[frame] = Place::Free;
    }

    fn push_t2(&mut self, frame: FrameIdx) {
        self.t2.push_front(&mut self.links, frame);
        self.place[frame] = Place::T2;
    }

    /// Adapts p and trims the ghost lists for a miss on `page`: the steps
    /// of cases II–IV before REPLACE.
    fn classify(&mut self, page: PageKey) -> Pending {
        let c = self.n_frames as f64;
        let (b1, b2) = (
            self.ghosts.len(Ghost::B1) as f64,
            self.ghosts.len(Ghost::B2) as f64,
        );
        let mut pending = Pending {
            page,
            ghost: Ghost::None,
            drop_t1: false,
        };

        match self.ghosts.find(page) {
            Ghost::B1 => {
                let delta = if b1 >= b2 { 1.0 } else { b2 / b1 };
                self.p = (self.p + delta).min(c);
                self.ghosts.remove(page);
                pending.ghost = Ghost::B1;
            }
            Ghost::B2 => {
                let delta = if b2 >= b1 { 1.0 } else { b1 / b2 };
                self.p = (self.p - delta).max(0.0);
                self.ghosts.remove(page);
                pending.ghost = Ghost::B2;
            }
            Ghost::None if self.t1.len() + self.ghosts.len(Ghost::B1) == self.n_frames => {
                if self.t1.len() < self.n_frames {
                    self.ghosts.pop_back(Ghost::B1);
                } else {
                    pending.drop_t1 = true;
                }
            }
            Ghost::None => {
                let total = self.t1.len()
                    + self.t2.len()
                    + self.ghosts.len(Ghost::B1)
                    + self.ghosts.len(Ghost::B2);
                if total == 2 * self.n_frames {
                    self.ghosts.pop_back(Ghost::B2);
                }
            }
        }
        pending
    }
}

impl ReplacementPolicy for Arc {
    fn name(&self) -> &str {
        "arc"
    }

    fn on_hit(&mut self, frame: FrameIdx, _write: bool) {
        self.unlink(frame);
        self.push_t2(frame);
    }

    fn on_miss(&mut self, page: PageKey) {
        self.pending = Some(self.classify(page));
    }

    fn on_load(&mut self, frame: FrameIdx, page: PageKey, _write: bool) {
        self.unlink(frame);
        let pending = match self.pending.take() {
            Some(pending) if pending.page == page => pending,
            // A caller that skipped `on_miss`: classify the page now.
            _ => self.classify(page),
        };
        self.page[frame] = page;
        if pending.ghost == Ghost::None {
            self.t1.push_front(&mut self.links, frame);
            self.place[frame] = Place::T1;
        } else {
            self.push_t2(frame);
        }
    }

    fn on_free(&mut self, frame: FrameIdx) {
        // A victim has left T1 or T2 already; any other frame (freed by a
        // process exit in the VM) leaves without a ghost.
        self.unlink(frame);
    }

    fn choose_victim(&mut self, _bits: &mut dyn ReferenceBits) -> FrameIdx {
        assert!(
            self.t1.len() + self.t2.len() > 0,
            "choose_victim is called only while the policy holds a page"
        );
        let pending = self.pending.unwrap_or(Pending {
            page: PageKey::MAX,
            ghost: Ghost::None,
            drop_t1: false,
        });

        if pending.drop_t1 {
            let victim = self.t1.back().expect("|T1| = c ≥ 1");
            self.unlink(victim);
            return victim;
        }

        // REPLACE(x, p).
        let t1 = self.t1.len() as f64;
        let prefer_t1 = (pending.ghost == Ghost::B2 && t1 == self.p) || t1 > self.p;
        let from_t1 = if self.t1.is_empty() {
            false
        } else {
            prefer_t1 || self.t2.is_empty()
        };
        let victim = if from_t1 {
            let victim = self.t1.back().expect("T1 is not empty");
            self.ghosts.push_front(Ghost::B1, self.page[victim]);
            victim
        } else {
            let victim = self.t2.back().expect("T2 is not empty");
            self.ghosts.push_front(Ghost::B2, self.page[victim]);
            victim
        };
        self.unlink(victim);
        victim
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::test_support::NoBits;

    /// Serves a miss on `page` as a caller would; returns the victim's page, if any.
    fn miss(arc: &mut Arc, page: PageKey) -> Option<PageKey> {
        arc.on_miss(page);
        let free = arc.place.iter().position(|&place| place == Place::Free);
        let (frame, victim) = match free {
            Some(frame) => (frame, None),
            None => {
                let victim = arc.choose_victim(&mut NoBits);
                arc.on_free(victim);
                (victim, Some(arc.page[victim]))
            }
        };
        arc.on_load(frame, page, false);
        victim
    }

    fn pages(arc: &Arc, list: &List) -> Vec<PageKey> {
        list.to_vec(&arc.links)
            .into_iter()
            .map(|f| arc.page[f])
            .collect()
    }

    #[test]
    fn victim_while_frames_are_not_held() {
        // The kernel requests a victim although frames 2 and 3 hold page
        // tables (or pages of another instance), which are free here.
        let mut arc = Arc::new(4);
        arc.on_miss(1);
        arc.on_load(0, 1, false);
        arc.on_miss(2);
        arc.on_load(1, 2, false);
        arc.on_hit(1, false);
        arc.on_miss(3);
        assert_eq!(arc.choose_victim(&mut NoBits), 0, "the LRU page of T1");
        arc.on_free(0);
        arc.on_load(0, 3, false);
        arc.on_miss(4);
        let victim = arc.choose_victim(&mut NoBits);
        assert!(
            victim < 2,
            "the victim {victim} is a frame the policy holds"
        );
    }

    #[test]
    fn new_pages_enter_t1_and_hits_move_to_t2() {
        let mut arc = Arc::new(3);
        for page in [1, 2, 3] {
            miss(&mut arc, page);
        }
        arc.on_hit(0, false);
        assert_eq!(pages(&arc, &arc.t1), vec![3, 2]);
        assert_eq!(pages(&arc, &arc.t2), vec![1]);
    }

    #[test]
    fn t1_full_without_ghosts_drops_lru_of_t1() {
        let mut arc = Arc::new(2);
        miss(&mut arc, 1);
        miss(&mut arc, 2);
        // Case IV(A) with |T1| = c: 1 goes and is not remembered.
        assert_eq!(miss(&mut arc, 3), Some(1));
        assert_eq!(arc.ghosts.len(Ghost::B1), 0);
    }

    #[test]
    fn ghost_hit_in_b1_raises_target() {
        let mut arc = Arc::new(2);
        miss(&mut arc, 1);
        arc.on_hit(0, false);
        miss(&mut arc, 2);
        // T1 = [2], T2 = [1], p = 0: REPLACE takes T1's LRU into B1.
        assert_eq!(miss(&mut arc, 3), Some(2));
        assert_eq!(arc.ghosts.to_vec(Ghost::B1), vec![2]);
        // 2 is in B1: p rises to 1, REPLACE (|T1| = 1, not > 1) takes T2's LRU.
        assert_eq!(miss(&mut arc, 2), Some(1));
        assert_eq!(arc.target(), 1.0);
        assert_eq!(pages(&arc, &arc.t2), vec![2]);
        assert_eq!(arc.ghosts.to_vec(Ghost::B2), vec![1]);
    }

    #[test]
    fn ghost_hit_in_b2_lowers_target_by_ratio() {
        let mut arc = Arc::new(4);
        for page in [1, 2, 3, 4] {
            miss(&mut arc, page);
        }
        arc.on_hit(0, false);
        arc.p = 3.0;
        arc.ghosts.push_front(Ghost::B1, 10);
        arc.ghosts.push_front(Ghost::B1, 11);
        arc.ghosts.push_front(Ghost::B2, 20);
        // |B2| = 1 < |B1| = 2: δ2 = 2, so p = 1; |T1| = 3 > 1 takes T1's LRU.
        assert_eq!(miss(&mut arc, 20), Some(2));
        assert_eq!(arc.target(), 1.0);
    }

    #[test]
    fn replace_ties_go_to_t1_only_for_b2_hits() {
        // |T1| = p = 1 and the missing page is in B2: T1's LRU goes.
        let mut arc = Arc::new(2);
        miss(&mut arc, 1);
        miss(&mut arc, 2);
        arc.on_hit(1, false);
        arc.p = 2.0;
        arc.ghosts.push_front(Ghost::B2, 9);
        // δ2 = 1, so p = 1 = |T1|.
        assert_eq!(miss(&mut arc, 9), Some(1));
    }

    #[test]
    fn one_frame() {
        let mut arc = Arc::new(1);
        miss(&mut arc, 1);
        arc.on_hit(0, false);
        assert_eq!(miss(&mut arc, 2), Some(1));
        assert_eq!(miss(&mut arc, 1), Some(2));
    }

    #[test]
    fn victim_with_free_frames_is_occupied() {
        let mut arc = Arc::new(4);
        arc.on_miss(1);
        arc.on_load(2, 1, false);
        arc.on_miss(2);
        arc.on_load(0, 2, false);
        arc.on_hit(0, false);
        // Frames 1 and 3 were never loaded.
        arc.on_miss(3);
        let victim = arc.choose_victim(&mut NoBits);
        assert!(victim == 0 || victim == 2, "frame {victim} is free");
        arc.on_free(victim);
        arc.on_load(victim, 3, false);
        // Freed and not reloaded: frame 0 or 2 leaves, and the other pages stay.
        let other = if victim == 0 { 2 } else { 0 };
        arc.on_free(other);
        arc.on_miss(4);
        assert_eq!(arc.choose_victim(&mut NoBits), victim);
    }
}
