//! An intrusive doubly linked list over frame indices, for policies that
//! keep frames in load or recency order. Two arrays indexed by frame hold
//! the links, so every operation is O(1) and nothing is allocated after
//! construction.

use super::FrameIdx;

/// Marks the end of the list in `prev` and `next`.
const NIL: FrameIdx = FrameIdx::MAX;

/// Frames `0..n_frames`, each in the list at most once, in insertion order
/// from front to back unless moved.
#[derive(Debug, Clone)]
pub(crate) struct FrameList {
    /// The frame before each linked frame, or `NIL` at the front.
    prev: Vec<FrameIdx>,
    /// The frame after each linked frame, or `NIL` at the back.
    next: Vec<FrameIdx>,
    /// Whether each frame is in the list.
    linked: Vec<bool>,
    front: FrameIdx,
    back: FrameIdx,
}

impl FrameList {
    /// Creates an empty list for frames `0..n_frames`.
    pub(crate) fn new(n_frames: usize) -> FrameList {
        FrameList {
            prev: vec![NIL; n_frames],
            next: vec![NIL; n_frames],
            linked: vec![false; n_frames],
            front: NIL,
            back: NIL,
        }
    }

    /// Returns the frame at the front, if the list is not empty.
    pub(crate) fn front(&self) -> Option<FrameIdx> {
        (self.front != NIL).then_some(self.front)
    }

    /// Returns the frame at the back, if the list is not empty.
    pub(crate) fn back(&self) -> Option<FrameIdx> {
        (self.back != NIL).then_some(self.back)
    }

    /// Removes `frame`; does nothing if it is not in the list.
    pub(crate) fn unlink(&mut self, frame: FrameIdx) {
        if !self.linked[frame] {
            return;
        }
        let (before, after) = (self.prev[frame], self.next[frame]);
        if before == NIL {
            self.front = after;
        } else {
            self.next[before] = after;
        }
        if after == NIL {
            self.back = before;
        } else {
            self.prev[after] = before;
        }
        self.prev[frame] = NIL;
        self.next[frame] = NIL;
        self.linked[frame] = false;
    }

    /// Moves `frame` to the back, linking it if it was not in the list.
    pub(crate) fn push_back(&mut self, frame: FrameIdx) {
        self.unlink(frame);
        self.prev[frame] = self.back;
        self.next[frame] = NIL;
        if self.back == NIL {
            self.front = frame;
        } else {
            self.next[self.back] = frame;
        }
        self.back = frame;
        self.linked[frame] = true;
    }

    /// Returns the frames from front to back.
    #[cfg(test)]
    pub(crate) fn to_vec(&self) -> Vec<FrameIdx> {
        let mut frames = Vec::new();
        let mut cursor = self.front;
        while cursor != NIL {
            frames.push(cursor);
            cursor = self.next[cursor];
        }
        frames
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_back_moves_linked_frame() {
        let mut list = FrameList::new(4);
        for frame in [2, 0, 3] {
            list.push_back(frame);
        }
        assert_eq!(list.to_vec(), vec![2, 0, 3]);
        list.push_back(2);
        assert_eq!(list.to_vec(), vec![0, 3, 2]);
        assert_eq!((list.front(), list.back()), (Some(0), Some(2)));
    }

    #[test]
    fn unlink_front_middle_back() {
        let mut list = FrameList::new(4);
        for frame in 0..4 {
            list.push_back(frame);
        }
        list.unlink(1);
        assert_eq!(list.to_vec(), vec![0, 2, 3]);
        list.unlink(0);
        list.unlink(3);
        assert_eq!(list.to_vec(), vec![2]);
        list.unlink(3);
        list.unlink(2);
        assert_eq!((list.front(), list.back()), (None, None));
    }
}
