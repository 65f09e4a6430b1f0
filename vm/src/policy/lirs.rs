//! LIRS, low inter-reference recency set: pages with a short reuse
//! distance (LIR) stay resident; the few frames left hold HIR pages, the
//! only ones evicted.
//!
//! Source: Jiang and Zhang, "LIRS: an efficient low inter-reference
//! recency set replacement policy to improve buffer cache performance",
//! SIGMETRICS 2002, section 4. Not proven to be a stack algorithm, and not
//! treated as one here.
//!
//! State: the c frames hold at most Llirs LIR pages and Lhirs = c − Llirs
//! resident HIR pages. Stack S orders pages by recency: every LIR page, and
//! the HIR pages (resident or not) more recent than the bottom LIR page.
//! Queue Q holds the resident HIR pages, the front of Q being the victim.
//! Stack pruning removes HIR pages from the bottom of S until a LIR page is
//! at the bottom; a non-resident page pruned from S is forgotten.
//!
//! Definition, for a reference to page X:
//! - X is LIR: move X to the top of S, then prune;
//! - X is resident HIR and in S: move X to the top of S, make it LIR and
//!   remove it from Q; the LIR page at the bottom of S becomes HIR and goes
//!   to the end of Q; prune;
//! - X is resident HIR and not in S: put X on top of S and move it to the
//!   end of Q (it stays HIR);
//! - X is not resident: if memory is full, evict the front of Q (it stays
//!   in S as a non-resident HIR page if it is there). Then, while there are
//!   fewer than Llirs LIR pages (warm-up), X becomes LIR on top of S.
//!   Otherwise, if X is in S it becomes LIR on top of S and the bottom LIR
//!   page is demoted to the end of Q (then prune); if not, X is put on top
//!   of S and at the end of Q as a resident HIR page.
//!
//! Choices, and where the authors' `lirs.c` differs:
//! - Lhirs = min(c − 1, max(`hir_min`, ⌊`hir`·c⌋)). The paper gives 1 % of
//!   the cache; `lirs.c` uses a minimum of 2 and libCacheSim a minimum of
//!   1, which is the default here.
//! - `lirs.c` skips a reference to the page referenced just before (a hit
//!   that changes nothing); `skip_repeat=1` does the same. The default
//!   follows the paper, where such a hit can turn a HIR page into LIR.
//! - The warm-up rule applies whenever there are fewer than Llirs LIR
//!   pages. In replay that is only until the first Llirs distinct pages
//!   are loaded, as in the paper; in the VM a process exit can free LIR
//!   pages, and the next misses refill the LIR set.
//! - A frame freed other than by eviction (a process exit in the VM)
//!   forgets its page entirely.
//! - S is not bounded: it keeps every non-resident page more recent than
//!   the bottom LIR page, so memory grows with the distinct pages.
//!
//! One frame is rejected: Llirs would be 0 and no page could be LIR.
//!
//! Parameters: `hir`, from 0 to 1, default 0.01; `hir_min`, at least 1,
//! default 1; `skip_repeat`, default 0.
//!
//! Cost: O(1) amortised per reference (each page pruned from S was pushed
//! there by one reference), plus a hash lookup per miss.

use super::list::{Links, List, NIL};
use super::page_map::PageMap;
use super::{FrameIdx, PageKey, Params, PolicyError, ReferenceBits, ReplacementPolicy};

/// Index of a page's entry in the node table.
type NodeId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Lir,
    ResidentHir,
    NonResidentHir,
}

#[derive(Debug, Clone)]
struct Node {
    page: PageKey,
    status: Status,
    in_stack: bool,
    in_queue: bool,
    frame: FrameIdx,
}

/// LIRS over frame indices, with a node per page it tracks.
#[derive(Debug, Clone)]
pub struct Lirs {
    llirs: usize,
    skip_repeat: bool,
    nodes: Vec<Node>,
    /// Node slots free for reuse.
    free_nodes: Vec<NodeId>,
    node_of_page: PageMap<NodeId>,
    /// The node in each frame, or `NIL`.
    node_of_frame: Vec<NodeId>,
    stack_links: Links,
    /// Stack S, top at the front.
    stack: List,
    queue_links: Links,
    /// Queue Q, its end (newest) at the front and the victim at the back.
    queue: List,
    lir_count: usize,
    /// The frame referenced last, or `NIL`, for `skip_repeat`.
    last_frame: FrameIdx,
}

impl Lirs {
    /// Creates the policy for `n_frames` frames with Lhirs = `lhirs`.
    ///
    /// # Panics
    ///
    /// Panics unless 1 ≤ `lhirs` < `n_frames`. [`new`](super::new) checks
    /// this for users and returns an error instead.
    pub fn new(n_frames: usize, lhirs: usize, skip_repeat: bool) -> Lirs {
        assert!(
            lhirs >= 1 && lhirs < n_frames,
            "LIRS needs 1 ≤ Lhirs < frames, got Lhirs {lhirs} with {n_frames} frames"
        );
        Lirs {
            llirs: n_frames - lhirs,
            skip_repeat,
            nodes: Vec::new(),
            free_nodes: Vec::new(),
            node_of_page: PageMap::default(),
            node_of_frame: vec![NIL; n_frames],
            stack_links: Links::new(0),
            stack: List::new(),
            queue_links: Links::new(0),
            queue: List::new(),
            lir_count: 0,
            last_frame: NIL,
        }
    }

    /// Builds the policy from `hir`, `hir_min` and `skip_repeat` in `params`.
    ///
    /// # Errors
    ///
    /// Returns [`PolicyError::BadFrameCount`] for one frame, and the
    /// parameter errors of [`Params`].
    pub(crate) fn from_params(n_frames: usize, params: &mut Params) -> Result<Lirs, PolicyError> {
        let hir = params.f64("hir", 0.01, 0.0..=1.0)?;
        let hir_min = params.u64("hir_min", 1, 1..=u64::MAX)?;
        let skip_repeat = params.bool("skip_repeat", false)?;
        if n_frames < 2 {
            return Err(PolicyError::BadFrameCount {
                name: "lirs".into(),
                n_frames,
                reason: "LIRS needs at least 2 frames, one for LIR pages and one for resident HIR pages; use 2 or more frames".into(),
            });
        }
        let share = (hir * n_frames as f64).floor() as usize;
        let hir_min = usize::try_from(hir_min).unwrap_or(usize::MAX);
        let lhirs = share.max(hir_min).min(n_frames - 1);
        Ok(Lirs::new(n_frames, lhirs, skip_repeat))
    }

    /// Returns the number of resident HIR frames, Lhirs.
    pub fn lhirs(&self) -> usize {
        self.node_of_frame.len() - self.llirs
    }

    fn new_node(&mut self, page: PageKey) -> NodeId {
        let node = Node {
            page,
            status: Status::NonResidentHir,
            in_stack: false,
            in_queue: false,
            frame: NIL,
        };
        let id = match self.free_nodes.pop() {
            Some(id) => {
                self.nodes[id] = node;
                id
            }
            None => {
                self.nodes.push(node);
                self.stack_links.push_index();
                self.queue_links.push_index();
                self.nodes.len() - 1
            }
        };
        self.node_of_page.insert(page, id);
        id
    }

    fn forget(&mut self, id: NodeId) {
        self.remove_from_stack(id);
        self.remove_from_queue(id);
        self.node_of_page.remove(&self.nodes[id].page);
        self.free_nodes.push(id);
    }

    fn push_stack_top(&mut self, id: NodeId) {
        self.remove_from_stack(id);
        self.stack.push_front(&mut self.stack_links, id);
        self.nodes[id].in_stack = true;
    }

    fn remove_from_stack(&mut self, id: NodeId) {
        if self.nodes[id].in_stack {
            self.stack.remove(&mut self.stack_links, id);
            self.nodes[id].in_stack = false;
        }
    }

    fn push_queue_end(&mut self, id: NodeId) {
        self.remove_from_queue(id);
        self.queue.push_front(&mut self.queue_links, id);
        self.nodes[id].in_queue = true;
    }

    fn remove_from_queue(&mut self, id: NodeId) {
        if self.nodes[id].in_queue {
            self.queue.remove(&mut self.queue_links, id);
            self.nodes[id].in_queue = false;
        }
    }

    /// Removes HIR pages from the bottom of S until a LIR page is there,
    /// forgetting the non-resident ones.
    fn prune(&mut self) {
        while let Some(bottom) = self.stack.back() {
            match self.nodes[bottom].status {
                Status::Lir => break,
                Status::ResidentHir => self.remove_from_stack(bottom),
                Status::NonResidentHir => self.forget(bottom),
            }
        }
    }

    /// Evicts the LIR page at the bottom of S, the least recently used one,
    /// and drops its entry. Used only when Q is empty, which happens only
    /// while some frames are free.
    fn evict_bottom_lir(&mut self) -> FrameIdx {
        self.prune();
        let id = self
            .stack
            .back()
            .expect("choose_victim is called only while at least one frame is occupied, so S holds a LIR page");
        debug_assert_eq!(self.nodes[id].status, Status::Lir, "S is pruned");
        let frame = self.nodes[id].frame;
        self.node_of_frame[frame] = NIL;
        if self.last_frame == frame {
            self.last_frame = NIL;
        }
        self.lir_count -= 1;
        self.forget(id);
        self.prune();
        frame
    }

    /// Makes `id`, on top of S, LIR; if that leaves more than Llirs LIR
    /// pages, demotes the bottom LIR page of S to the end of Q and prunes.
    fn promote(&mut self, id: NodeId) {
        self.remove_from_queue(id);
        self.nodes[id].status = Status::Lir;
        self.lir_count += 1;
        // S is pruned after every reference, so this changes nothing unless
        // frees (a process exit in the VM) left S without any LIR page.
        self.prune();
        if self.lir_count > self.llirs {
            let bottom = self.stack.back().expect("S holds the LIR pages");
            debug_assert_eq!(self.nodes[bottom].status, Status::Lir, "S is pruned");
            self.nodes[bottom].status = Status::ResidentHir;
            self.lir_count -= 1;
            self.push_queue_end(bottom);
            self.prune();
        }
    }
}

impl ReplacementPolicy for Lirs {
    fn name(&self) -> &str {
        "lirs"
    }

    fn on_hit(&mut self, frame: FrameIdx, _write: bool) {
        if self.skip_repeat && frame == self.last_frame {
            return;
        }
        self.last_frame = frame;
        let id = self.node_of_frame[frame];
        match self.nodes[id].status {
            Status::Lir => {
                self.push_stack_top(id);
                self.prune();
            }
            Status::ResidentHir if self.nodes[id].in_stack => {
                self.push_stack_top(id);
                self.promote(id);
            }
            Status::ResidentHir => {
                self.push_stack_top(id);
                self.push_queue_end(id);
            }
            Status::NonResidentHir => unreachable!("a frame holds a resident page"),
        }
    }

    fn on_load(&mut self, frame: FrameIdx, page: PageKey, _write: bool) {
        if self.node_of_frame[frame] != NIL {
            self.on_free(frame);
        }
        self.last_frame = frame;
        let id = match self.node_of_page.get(&page) {
            Some(&id) => id,
            None => self.new_node(page),
        };
        let was_in_stack = self.nodes[id].in_stack;
        self.nodes[id].frame = frame;
        self.node_of_frame[frame] = id;
        self.push_stack_top(id);

        if self.lir_count < self.llirs || was_in_stack {
            self.promote(id);
        } else {
            self.nodes[id].status = Status::ResidentHir;
            self.push_queue_end(id);
        }
    }

    fn on_free(&mut self, frame: FrameIdx) {
        // A victim was unlinked from its frame already; any other frame
        // (freed by a process exit in the VM) forgets its page.
        let id = self.node_of_frame[frame];
        if id == NIL {
            return;
        }
        self.node_of_frame[frame] = NIL;
        if self.last_frame == frame {
            self.last_frame = NIL;
        }
        if self.nodes[id].status == Status::Lir {
            self.lir_count -= 1;
        }
        self.forget(id);
        self.prune();
    }

    fn choose_victim(&mut self, _bits: &mut dyn ReferenceBits) -> FrameIdx {
        // With every frame occupied, at least Lhirs ≥ 1 of them hold HIR
        // pages, so Q is not empty. With free frames Q can be empty.
        let Some(id) = self.queue.back() else {
            return self.evict_bottom_lir();
        };
        let frame = self.nodes[id].frame;
        self.remove_from_queue(id);
        self.node_of_frame[frame] = NIL;
        if self.last_frame == frame {
            self.last_frame = NIL;
        }
        if self.nodes[id].in_stack {
            self.nodes[id].status = Status::NonResidentHir;
            self.nodes[id].frame = NIL;
        } else {
            self.forget(id);
        }
        frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::spec::PolicySpec;
    use crate::policy::test_support::NoBits;

    /// Serves a reference to `page` as a caller would; returns whether it
    /// faulted and the victim's page, if any.
    fn access(
        lirs: &mut Lirs,
        frames: &mut [Option<PageKey>],
        page: PageKey,
    ) -> (bool, Option<PageKey>) {
        if let Some(frame) = frames.iter().position(|&p| p == Some(page)) {
            lirs.on_hit(frame, false);
            return (false, None);
        }
        lirs.on_miss(page);
        let (frame, victim) = match frames.iter().position(Option::is_none) {
            Some(frame) => (frame, None),
            None => {
                let frame = lirs.choose_victim(&mut NoBits);
                lirs.on_free(frame);
                (frame, frames[frame])
            }
        };
        frames[frame] = Some(page);
        lirs.on_load(frame, page, false);
        (true, victim)
    }

    fn stack_pages(lirs: &Lirs) -> Vec<PageKey> {
        lirs.stack
            .to_vec(&lirs.stack_links)
            .iter()
            .map(|&id| lirs.nodes[id].page)
            .collect()
    }

    fn queue_pages(lirs: &Lirs) -> Vec<PageKey> {
        lirs.queue
            .to_vec(&lirs.queue_links)
            .iter()
            .map(|&id| lirs.nodes[id].page)
            .collect()
    }

    #[test]
    fn paper_example_state_after_warm_up() {
        // 3 frames, Llirs = 2: 1 and 2 become LIR, 3 is resident HIR.
        let mut lirs = Lirs::new(3, 1, false);
        let mut frames = vec![None; 3];
        for page in [1, 2, 3] {
            access(&mut lirs, &mut frames, page);
        }
        assert_eq!(stack_pages(&lirs), vec![3, 2, 1]);
        assert_eq!(queue_pages(&lirs), vec![3]);
        // 4 evicts 3, which stays in S as non-resident.
        assert_eq!(access(&mut lirs, &mut frames, 4), (true, Some(3)));
        assert_eq!(stack_pages(&lirs), vec![4, 3, 2, 1]);
        // 3 returns while in S: it becomes LIR, and 1 (the bottom LIR) is
        // demoted to Q; pruning then removes 1 from S.
        assert_eq!(access(&mut lirs, &mut frames, 3), (true, Some(4)));
        assert_eq!(stack_pages(&lirs), vec![3, 4, 2]);
        assert_eq!(queue_pages(&lirs), vec![1]);
    }

    #[test]
    fn hit_on_bottom_lir_prunes() {
        let mut lirs = Lirs::new(3, 1, false);
        let mut frames = vec![None; 3];
        for page in [1, 2, 3, 1] {
            access(&mut lirs, &mut frames, page);
        }
        // 1 moved to the top; 2 is now the bottom and LIR, so 3 stays.
        assert_eq!(stack_pages(&lirs), vec![1, 3, 2]);
        access(&mut lirs, &mut frames, 2);
        // 2 moved up; pruning removes the resident HIR 3 from the bottom.
        assert_eq!(stack_pages(&lirs), vec![2, 1]);
        assert_eq!(queue_pages(&lirs), vec![3]);
    }

    #[test]
    fn resident_hir_outside_stack_stays_hir() {
        let mut lirs = Lirs::new(3, 1, false);
        let mut frames = vec![None; 3];
        for page in [1, 2, 3, 1, 2] {
            access(&mut lirs, &mut frames, page);
        }
        // 3 is resident HIR and no longer in S.
        access(&mut lirs, &mut frames, 3);
        assert_eq!(stack_pages(&lirs), vec![3, 2, 1]);
        assert_eq!(
            lirs.nodes[lirs.node_of_page[&3]].status,
            Status::ResidentHir
        );
        // The immediate repeat finds 3 in S: it becomes LIR.
        access(&mut lirs, &mut frames, 3);
        assert_eq!(lirs.nodes[lirs.node_of_page[&3]].status, Status::Lir);
    }

    #[test]
    fn skip_repeat_ignores_immediate_repeat() {
        let mut lirs = Lirs::new(3, 1, true);
        let mut frames = vec![None; 3];
        for page in [1, 2, 3, 1, 2, 3, 3] {
            access(&mut lirs, &mut frames, page);
        }
        assert_eq!(
            lirs.nodes[lirs.node_of_page[&3]].status,
            Status::ResidentHir
        );
    }

    #[test]
    fn lhirs_from_parameters() {
        let lhirs = |text: &str, n_frames| {
            let spec = PolicySpec::parse(text).unwrap();
            let mut params = Params::new(&spec);
            Lirs::from_params(n_frames, &mut params).map(|lirs| lirs.lhirs())
        };
        assert_eq!(lhirs("lirs", 2), Ok(1));
        assert_eq!(lhirs("lirs", 500), Ok(5));
        assert_eq!(lhirs("lirs:hir_min=2", 10), Ok(2));
        assert_eq!(lhirs("lirs:hir=0.5", 10), Ok(5));
        assert_eq!(lhirs("lirs:hir=1", 10), Ok(9));
        assert_eq!(lhirs("lirs:hir_min=20", 10), Ok(9));
        assert!(matches!(
            lhirs("lirs", 1),
            Err(PolicyError::BadFrameCount { n_frames: 1, .. })
        ));
    }

    #[test]
    fn frees_that_empty_the_lir_set_keep_stack_pruned() {
        // 2 frames (Llirs = 1): freeing the only LIR page empties S of LIR
        // pages, and a later promotion must still demote a LIR page.
        let mut lirs = Lirs::new(2, 1, false);
        let mut frames = vec![None; 2];
        access(&mut lirs, &mut frames, 0);
        access(&mut lirs, &mut frames, 8);
        lirs.on_free(0);
        frames[0] = None;
        for page in [8, 0, 1, 1] {
            access(&mut lirs, &mut frames, page);
        }
        assert_eq!(lirs.lir_count, 1);
        assert_eq!(lirs.nodes[lirs.node_of_page[&1]].status, Status::Lir);
        assert_eq!(queue_pages(&lirs), vec![0]);
    }

    #[test]
    fn freed_frame_forgets_its_page() {
        let mut lirs = Lirs::new(3, 1, false);
        let mut frames = vec![None; 3];
        for page in [1, 2, 3] {
            access(&mut lirs, &mut frames, page);
        }
        lirs.on_free(0);
        frames[0] = None;
        assert!(!lirs.node_of_page.contains_key(&1));
        assert_eq!(lirs.lir_count, 1);
        // The next miss refills the LIR set.
        access(&mut lirs, &mut frames, 5);
        assert_eq!(lirs.nodes[lirs.node_of_page[&5]].status, Status::Lir);
    }
}
