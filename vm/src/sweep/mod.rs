//! Fault curves: the faults of one or more policies at each frame count of
//! a range, over one reference string, as `pagelab sweep` prints them.
//!
//! LRU and OPT are stack algorithms, so their whole curve comes from one
//! pass over the references ([`stack_distance`]). Every other policy is
//! replayed once per frame count with [`crate::replay::replay`], and those
//! replays run in parallel on scoped threads. Results come back in the
//! order of the policies and frame counts given, whatever the thread
//! timing. This module does no printing or plotting.

pub mod stack_distance;

use crate::policy::{self, PageKey, PolicyError, PolicySpec};
use crate::refs::Reference;
use crate::replay::{self, MAX_FRAMES};
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The largest number of frame counts one sweep accepts.
///
/// It bounds the work of a sweep (one replay per policy and frame count)
/// and the size of its table. Wider ranges can use a step.
pub const MAX_FRAME_COUNTS: usize = 4096;

/// An inclusive range of frame counts with a step, written `A..B`,
/// `A..B:STEP` or `N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameRange {
    /// The first frame count, at least 1.
    pub start: usize,
    /// The last frame count asked for, at least `start`. It is part of the
    /// sweep only when `end - start` is a multiple of `step`.
    pub end: usize,
    /// The distance between frame counts, at least 1.
    pub step: usize,
}

/// An invalid frame range and the reason it is invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameRangeError {
    /// The range as written.
    pub text: String,
    /// The problem and its fix.
    pub reason: String,
}

impl fmt::Display for FrameRangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid frame range {:?}: {}", self.text, self.reason)
    }
}

impl std::error::Error for FrameRangeError {}

impl FrameRange {
    /// Parses `A..B` (A to B inclusive), `A..B:STEP` or a single count `N`.
    ///
    /// # Errors
    ///
    /// Returns a [`FrameRangeError`] when a part is not a decimal number,
    /// when A or STEP is 0, when B is below A, when B exceeds
    /// [`MAX_FRAMES`], or when the range contains more than
    /// [`MAX_FRAME_COUNTS`] frame counts.
    pub fn parse(text: &str) -> Result<FrameRange, FrameRangeError> {
        let bad = |reason: String| FrameRangeError {
            text: text.to_string(),
            reason,
        };
        let number = |part: &str, what: &str| -> Result<usize, FrameRangeError> {
            part.trim().parse::<usize>().map_err(|_| {
                bad(format!(
                    "{what} {:?} is not a whole number; write A..B, A..B:STEP or N, as in 1..64:4",
                    part.trim()
                ))
            })
        };

        let (bounds, step) = match text.split_once(':') {
            Some((bounds, step)) => (bounds, number(step, "the step")?),
            None => (text, 1),
        };
        let (start, end) = match bounds.split_once("..") {
            Some((start, end)) => (number(start, "the start")?, number(end, "the end")?),
            None if step == 1 && !text.contains(':') => {
                let count = number(bounds, "the frame count")?;
                (count, count)
            }
            None => {
                return Err(bad(
                    "a step needs a range; write A..B:STEP, as in 1..64:4".into()
                ))
            }
        };

        if start == 0 {
            return Err(bad("frame counts start at 1".into()));
        }
        if step == 0 {
            return Err(bad("the step must be at least 1".into()));
        }
        if end < start {
            return Err(bad(format!(
                "the end {end} is below the start {start}; write the smaller count first"
            )));
        }
        if end > MAX_FRAMES {
            return Err(bad(format!(
                "the end {end} exceeds the limit of {MAX_FRAMES} (2^24) frames"
            )));
        }
        let range = FrameRange { start, end, step };
        let count = range.len();
        if count > MAX_FRAME_COUNTS {
            return Err(bad(format!(
                "it holds {count} frame counts, more than the limit of {MAX_FRAME_COUNTS}; use a larger step"
            )));
        }
        Ok(range)
    }

    /// Returns the number of frame counts in the range.
    pub fn len(&self) -> usize {
        (self.end - self.start) / self.step + 1
    }

    /// Returns false, because a valid range contains at least its start.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Returns the frame counts in increasing order.
    pub fn counts(&self) -> Vec<usize> {
        (self.start..=self.end).step_by(self.step).collect()
    }
}

/// One policy's result at one frame count.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CurvePoint {
    /// The frame count.
    pub frames: usize,
    /// The number of faults, or `None` where the policy cannot run with
    /// this many frames (`lirs` needs at least 2).
    pub faults: Option<u64>,
    /// Faults per reference, from 0 to 1 (0 for an empty reference
    /// string), or `None` with `faults`.
    pub fault_rate: Option<f64>,
    /// Whether this frame count has more faults than the previous frame
    /// count of the sweep: Belady's anomaly. Always false at the first.
    pub anomaly: bool,
}

/// One policy's fault curve.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// The policy specification, in canonical form (`clock:new_ref=0`).
    pub policy: String,
    /// One point per frame count, in the order of [`SweepOutcome::frames`].
    pub points: Vec<CurvePoint>,
}

/// The result of a sweep.
///
/// It serializes as one JSON object with `references`, `policies`,
/// `frames` and `results`, which maps each policy, in order, to its array
/// of [`CurvePoint`]s.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepOutcome {
    /// The number of references replayed.
    pub references: usize,
    /// The frame counts, in increasing order.
    pub frames: Vec<usize>,
    /// One curve per policy, in the order given.
    pub curves: Vec<Curve>,
}

impl Serialize for SweepOutcome {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// The per-policy map, in policy order rather than sorted by name.
        struct Results<'a>(&'a [Curve]);

        impl Serialize for Results<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for curve in self.0 {
                    map.serialize_entry(&curve.policy, &curve.points)?;
                }
                map.end()
            }
        }

        let policies: Vec<&str> = self.curves.iter().map(|c| c.policy.as_str()).collect();
        let mut object = serializer.serialize_struct("SweepOutcome", 4)?;
        object.serialize_field("references", &self.references)?;
        object.serialize_field("policies", &policies)?;
        object.serialize_field("frames", &self.frames)?;
        object.serialize_field("results", &Results(&self.curves))?;
        object.end()
    }
}

/// One unit of work: a whole curve from one pass, or one replay.
#[derive(Clone, Copy, Debug)]
enum Job {
    /// The curve of policy `policy` by stack distances.
    Curve { policy: usize, kind: StackKind },
    /// A replay of policy `policy` at the frame count `frames[point]`.
    Replay { policy: usize, point: usize },
}

/// The stack algorithms with a one-pass curve.
#[derive(Clone, Copy, Debug)]
enum StackKind {
    Lru,
    Opt,
}

/// The result of one [`Job`]: fault counts for its points, `None` where
/// the policy rejects the frame count.
type JobResult = Result<Vec<Option<u64>>, PolicyError>;

/// Returns the policies `pagelab sweep --policy all` runs: every name in
/// [`policy::NAMES`], with default parameters.
pub fn all_policies() -> Vec<PolicySpec> {
    policy::NAMES
        .iter()
        .map(|&name| PolicySpec {
            name: name.to_string(),
            params: Vec::new(),
        })
        .collect()
}

/// Computes the fault curve of each policy in `specs` over `frames`.
///
/// `frames` must be in increasing order, as [`FrameRange::counts`]
/// returns them, so that an anomaly compares with the next smaller frame
/// count. `seed` seeds randomised policies, as in replay. LRU and OPT
/// without parameters take the one-pass path; every other policy, and
/// every frame count, is one replay. Up to `threads` replays run at once
/// (at least one). `progress` is called after each finished unit of work
/// with the number finished and the total, from any of the threads.
///
/// # Errors
///
/// Returns the first [`PolicyError`] of any policy, in policy order: an
/// unknown name or a bad parameter. Every policy is checked before any
/// replay starts.
///
/// # Panics
///
/// Panics if `frames` is not strictly increasing or contains 0, which
/// [`FrameRange::counts`] never returns.
pub fn sweep(
    specs: &[PolicySpec],
    frames: &[usize],
    seed: u64,
    references: &[Reference],
    threads: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<SweepOutcome, PolicyError> {
    assert!(
        frames.windows(2).all(|pair| pair[0] < pair[1]) && frames.first() != Some(&0),
        "sweep frame counts are positive and strictly increasing"
    );
    let pages: Vec<PageKey> = references.iter().map(|reference| reference.page).collect();

    // Build each policy once with the largest frame count, so that a bad
    // name or parameter, or a policy that cannot run anywhere in the
    // range, is reported before any work starts. Smaller frame counts a
    // policy rejects become empty cells.
    let largest = *frames.last().expect("a frame range has at least one count");
    for spec in specs {
        policy::new(&spec.to_string(), largest, seed, Some(&pages))?;
    }

    let opt_in_one_pass = opt_one_pass_is_cheaper(frames, replay::distinct_pages(references));
    let jobs = plan_jobs(specs, frames.len(), opt_in_one_pass);
    let results = run_jobs(&jobs, threads, progress, |job| match job {
        Job::Curve { kind, .. } => {
            let curve = match kind {
                StackKind::Lru => stack_distance::lru_fault_curve(&pages, frames),
                StackKind::Opt => stack_distance::opt_fault_curve(&pages, frames),
            };
            Ok(curve.into_iter().map(Some).collect())
        }
        Job::Replay { policy, point } => {
            let name = specs[policy].to_string();
            match replay::replay_named(&name, frames[point], seed, references, false) {
                Ok(outcome) => Ok(vec![Some(outcome.faults)]),
                Err(PolicyError::BadFrameCount { .. }) => Ok(vec![None]),
                Err(error) => Err(error),
            }
        }
    });

    // Jobs are planned policy by policy, and within a policy frame count by
    // frame count, so concatenating their results in order gives each
    // policy's faults in frame order.
    let mut faults: Vec<Vec<Option<u64>>> = vec![Vec::with_capacity(frames.len()); specs.len()];
    for (job, result) in jobs.iter().zip(results) {
        let policy = match *job {
            Job::Curve { policy, .. } | Job::Replay { policy, .. } => policy,
        };
        faults[policy].extend(result?);
    }

    let curves = specs
        .iter()
        .zip(faults)
        .map(|(spec, faults)| Curve {
            policy: spec.to_string(),
            points: curve_points(frames, &faults, references.len()),
        })
        .collect();
    Ok(SweepOutcome {
        references: references.len(),
        frames: frames.to_vec(),
        curves,
    })
}

/// Returns whether OPT's one-pass curve is expected to cost less than one
/// replay per frame count.
///
/// The one pass scans a stack up to min(largest frame count, distinct
/// pages) deep on every miss, a few cheap steps per entry, while a replay
/// costs a fixed amount per reference.
/// NOTE: the factor 64 between the two is an estimate, not a measurement;
/// either path gives the same counts.
fn opt_one_pass_is_cheaper(frames: &[usize], distinct_pages: usize) -> bool {
    let stack_depth = frames.last().copied().unwrap_or(0).min(distinct_pages);
    stack_depth <= frames.len().saturating_mul(64)
}

/// Lists the work for `specs` over `n_points` frame counts, policy by
/// policy. OPT takes one pass only when `opt_in_one_pass` is true.
fn plan_jobs(specs: &[PolicySpec], n_points: usize, opt_in_one_pass: bool) -> Vec<Job> {
    let mut jobs = Vec::new();
    for (policy, spec) in specs.iter().enumerate() {
        // Only the parameterless specs are known to be the plain stack
        // algorithms; a parameter might change that, so those replay.
        let kind = match (spec.name.as_str(), spec.params.is_empty()) {
            ("lru", true) => Some(StackKind::Lru),
            ("opt", true) if opt_in_one_pass => Some(StackKind::Opt),
            _ => None,
        };
        match kind {
            Some(kind) => jobs.push(Job::Curve { policy, kind }),
            None => jobs.extend((0..n_points).map(|point| Job::Replay { policy, point })),
        }
    }
    jobs
}

/// Runs `work` on every job with up to `threads` scoped threads and returns
/// the results in job order. Threads take the next job from a shared
/// counter, so a slow job does not hold up a whole share of the list.
fn run_jobs(
    jobs: &[Job],
    threads: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
    work: impl Fn(Job) -> JobResult + Sync,
) -> Vec<JobResult> {
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<JobResult>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let threads = threads.clamp(1, jobs.len().max(1));

    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(&job) = jobs.get(index) else {
                    break;
                };
                let result = work(job);
                *slots[index]
                    .lock()
                    .expect("no thread panics while holding a result slot") = Some(result);
                let done = finished.fetch_add(1, Ordering::Relaxed) + 1;
                progress(done, jobs.len());
            });
        }
    });

    slots
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .expect("no thread panics while holding a result slot")
                .expect("every job index below jobs.len() is taken by one thread")
        })
        .collect()
}

/// Pairs frame counts with fault counts and flags each increase over the
/// previous frame count that has a count.
fn curve_points(frames: &[usize], faults: &[Option<u64>], references: usize) -> Vec<CurvePoint> {
    let mut points: Vec<CurvePoint> = Vec::with_capacity(frames.len());
    let mut previous: Option<u64> = None;
    for (&frames, &faults) in frames.iter().zip(faults) {
        let anomaly = matches!((previous, faults), (Some(before), Some(now)) if now > before);
        let fault_rate = faults.map(|faults| {
            if references == 0 {
                0.0
            } else {
                faults as f64 / references as f64
            }
        });
        points.push(CurvePoint {
            frames,
            faults,
            fault_rate,
            anomaly,
        });
        previous = faults.or(previous);
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refs;

    const SILBERSCHATZ: &str = "7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1";
    const BELADY: &str = "1 2 3 4 1 2 5 1 2 3 4 5";

    fn no_progress(_done: usize, _total: usize) {}

    fn run(policies: &str, frames: &str, text: &str, threads: usize) -> SweepOutcome {
        let specs = PolicySpec::parse_list(policies).unwrap();
        let frames = FrameRange::parse(frames).unwrap().counts();
        let references = refs::parse(text).unwrap();
        sweep(&specs, &frames, 0, &references, threads, &no_progress).unwrap()
    }

    fn faults(curve: &Curve) -> Vec<u64> {
        curve
            .points
            .iter()
            .map(|point| {
                point
                    .faults
                    .expect("every policy in these tests runs at every frame count")
            })
            .collect()
    }

    #[test]
    fn frame_counts_a_policy_rejects_are_empty() {
        let outcome = run("lirs,lru", "1..3", SILBERSCHATZ, 2);
        let lirs: Vec<Option<u64>> = outcome.curves[0].points.iter().map(|p| p.faults).collect();
        assert_eq!(lirs[0], None);
        assert!(lirs[1].is_some() && lirs[2].is_some(), "{lirs:?}");
        assert_eq!(outcome.curves[0].points[0].fault_rate, None);
        assert!(!outcome.curves[0].points[1].anomaly);
        assert_eq!(outcome.curves[1].points[0].faults, Some(20));
    }

    #[test]
    fn frame_ranges_parse() {
        let check = |text: &str, counts: Vec<usize>| {
            assert_eq!(FrameRange::parse(text).unwrap().counts(), counts, "{text}");
        };
        check("1..4", vec![1, 2, 3, 4]);
        check("2..9:3", vec![2, 5, 8]);
        check("5", vec![5]);
        check("3..3", vec![3]);
        check(" 1 .. 3 : 2 ", vec![1, 3]);
    }

    #[test]
    fn bad_frame_ranges_are_rejected() {
        let reason = |text: &str| FrameRange::parse(text).unwrap_err().to_string();
        assert_eq!(
            reason("0..4"),
            "invalid frame range \"0..4\": frame counts start at 1"
        );
        assert_eq!(
            reason("8..2"),
            "invalid frame range \"8..2\": the end 2 is below the start 8; write the smaller count first"
        );
        assert!(reason("1..4:0").contains("the step must be at least 1"));
        assert!(reason("1..x").contains("the end \"x\" is not a whole number"));
        assert!(reason("").contains("the frame count \"\" is not a whole number"));
        assert!(reason("4:2").contains("a step needs a range"));
        assert!(reason("1..-3").contains("is not a whole number"));
        assert!(reason("1..5000").contains("it holds 5000 frame counts"));
        assert!(reason("1..16777217").contains("exceeds the limit of 16777216"));
        assert!(FrameRange::parse("1..5000:2").is_ok());
    }

    #[test]
    fn silberschatz_golden_curves() {
        let outcome = run("fifo,lru,opt", "1..7", SILBERSCHATZ, 2);
        assert_eq!(outcome.frames, [1, 2, 3, 4, 5, 6, 7]);
        let expected: [(&str, [u64; 7]); 3] = [
            ("fifo", [20, 15, 15, 10, 9, 6, 6]),
            ("lru", [20, 17, 12, 8, 7, 6, 6]),
            ("opt", [20, 13, 9, 8, 7, 6, 6]),
        ];
        for (curve, (name, counts)) in outcome.curves.iter().zip(expected) {
            assert_eq!(curve.policy, name);
            assert_eq!(faults(curve), counts, "{name}");
            assert!(curve.points.iter().all(|point| !point.anomaly), "{name}");
        }
    }

    #[test]
    fn silberschatz_curves_equal_replays() {
        let references = refs::parse(SILBERSCHATZ).unwrap();
        let outcome = run("fifo,lru,opt", "1..7", SILBERSCHATZ, 2);
        for curve in &outcome.curves {
            for point in &curve.points {
                let replayed =
                    replay::replay_named(&curve.policy, point.frames, 0, &references, false)
                        .unwrap();
                assert_eq!(
                    point.faults,
                    Some(replayed.faults),
                    "{} at {}",
                    curve.policy,
                    point.frames
                );
            }
        }
    }

    #[test]
    fn belady_anomaly_is_flagged() {
        let outcome = run("fifo,lru", "1..5", BELADY, 1);
        let fifo = &outcome.curves[0];
        assert_eq!(faults(fifo), [12, 12, 9, 10, 5]);
        let flagged: Vec<usize> = fifo
            .points
            .iter()
            .filter(|point| point.anomaly)
            .map(|point| point.frames)
            .collect();
        assert_eq!(flagged, [4]);
        assert!(outcome.curves[1].points.iter().all(|point| !point.anomaly));
    }

    #[test]
    fn thread_count_does_not_change_results() {
        let text = "1 2 3 4 1 2 5 1 2 3 4 5 6 1 7 2 3 8 1 4";
        let policies = "fifo,clock,random,lru,opt,aging,lfu:tie=fifo";
        let one = run(policies, "1..9:2", text, 1);
        for threads in [2, 3, 8] {
            assert_eq!(
                run(policies, "1..9:2", text, threads),
                one,
                "{threads} threads"
            );
        }
    }

    #[test]
    fn progress_reports_every_job() {
        let specs = PolicySpec::parse_list("fifo,lru,clock").unwrap();
        let references = refs::parse(SILBERSCHATZ).unwrap();
        let calls = Mutex::new(Vec::new());
        let record = |done: usize, total: usize| calls.lock().unwrap().push((done, total));
        sweep(&specs, &[1, 2, 3], 0, &references, 2, &record).unwrap();
        let mut calls = calls.into_inner().unwrap();
        calls.sort();
        // fifo and clock replay 3 frame counts each; lru is one pass.
        assert_eq!(calls, (1..=7).map(|done| (done, 7)).collect::<Vec<_>>());
    }

    #[test]
    fn bad_policy_is_reported_before_work() {
        let specs = PolicySpec::parse_list("fifo,lru:depth=2").unwrap();
        let references = refs::parse(SILBERSCHATZ).unwrap();
        let calls = AtomicUsize::new(0);
        let count = |_: usize, _: usize| {
            calls.fetch_add(1, Ordering::Relaxed);
        };
        let error = sweep(&specs, &[1, 2], 0, &references, 2, &count).unwrap_err();
        assert!(matches!(error, PolicyError::UnknownParameter { .. }));
        assert_eq!(calls.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn json_keeps_policy_order() {
        let outcome = run("opt,fifo", "2..3", "1 2 3 1", 1);
        let json = serde_json::to_string(&outcome).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"references":4,"policies":["opt","fifo"],"frames":[2,3],"results":{"#,
                r#""opt":[{"frames":2,"faults":3,"fault_rate":0.75,"anomaly":false},"#,
                r#"{"frames":3,"faults":3,"fault_rate":0.75,"anomaly":false}],"#,
                r#""fifo":[{"frames":2,"faults":4,"fault_rate":1.0,"anomaly":false},"#,
                r#"{"frames":3,"faults":3,"fault_rate":0.75,"anomaly":false}]}}"#
            )
        );
    }

    #[test]
    fn deep_opt_sweeps_replay_instead() {
        assert!(opt_one_pass_is_cheaper(&[1, 2, 3, 4], 1_000_000));
        assert!(opt_one_pass_is_cheaper(&[100_000], 10));
        assert!(!opt_one_pass_is_cheaper(&[1_000, 100_000], 1_000_000));

        let specs = PolicySpec::parse_list("opt,lru").unwrap();
        let jobs = plan_jobs(&specs, 2, false);
        assert!(matches!(
            jobs[0],
            Job::Replay {
                policy: 0,
                point: 0
            }
        ));
        assert!(matches!(
            jobs[1],
            Job::Replay {
                policy: 0,
                point: 1
            }
        ));
        assert!(matches!(
            jobs[2],
            Job::Curve {
                policy: 1,
                kind: StackKind::Lru
            }
        ));
        assert_eq!(jobs.len(), 3);
    }

    #[test]
    fn huge_frame_counts_stay_cheap() {
        // Frame counts far above the number of references must not size
        // any table by the frame count.
        let outcome = run("lru,opt", "1..16777216:8388608", BELADY, 2);
        assert_eq!(outcome.frames, [1, 8388609]);
        for curve in &outcome.curves {
            assert_eq!(faults(curve), [12, 5], "{}", curve.policy);
        }
    }

    #[test]
    fn all_names_every_policy() {
        let names: Vec<String> = all_policies().iter().map(|spec| spec.to_string()).collect();
        assert_eq!(names, policy::NAMES);
    }
}
