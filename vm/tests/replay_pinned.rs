//! Pins every policy's fault and write-back counts on a seeded Zipf trace.
//!
//! The counts were recorded before the replay driver and the policies were
//! optimised, so any change in a policy's decisions shows up here. A
//! deliberate change of a policy's behaviour must update its row and say
//! why in the commit.

use pagelab_vm::policy;
use pagelab_vm::replay::replay_named;
use pagelab_vm::zipf::{self, ZipfParams};

const FRAME_COUNTS: [usize; 3] = [10, 100, 1000];

/// Policy name, faults and write-backs at each of `FRAME_COUNTS`, for
/// 100,000 references over 10,000 pages (exponent 1.0, a quarter of them
/// writes, generator seed 42, policy seed 42).
const PINNED: &[(&str, [u64; 3], [u64; 3])] = &[
    ("fifo", [88608, 65583, 36809], [23881, 20063, 12677]),
    ("lru", [86883, 60793, 32457], [23456, 17171, 9713]),
    ("clock", [87909, 62122, 33509], [23720, 17872, 10251]),
    ("random", [88546, 65564, 36844], [23752, 19551, 12189]),
    ("opt", [66903, 41731, 19068], [18697, 12323, 6095]),
    (
        "second-chance",
        [87909, 62122, 33509],
        [23720, 17872, 10251],
    ),
    ("nru", [87290, 62005, 34061], [23245, 17218, 9857]),
    ("mru", [98187, 97035, 84944], [24703, 24608, 23313]),
    ("lfu", [71181, 49443, 27405], [17684, 12133, 6458]),
    ("mfu", [90151, 76353, 60202], [24167, 23272, 21853]),
    ("nfu", [77904, 59376, 32679], [19418, 14679, 7803]),
    ("aging", [83473, 66264, 36944], [21849, 17116, 9433]),
    ("working-set", [86883, 67082, 37743], [23456, 17998, 9939]),
    ("wsclock", [85839, 61345, 32858], [22349, 17100, 9451]),
    ("sieve", [73657, 49130, 27402], [18522, 12071, 6457]),
    ("s3fifo", [71885, 49384, 27009], [18054, 12440, 6932]),
    ("arc", [73967, 50104, 27550], [19355, 13076, 7376]),
    ("2q", [75094, 51547, 28668], [19197, 13309, 7759]),
    ("lirs", [75198, 51374, 27901], [19859, 13719, 7524]),
    ("car", [73160, 49697, 27226], [18906, 12861, 7184]),
    ("clock-pro", [74689, 48580, 26653], [18980, 12023, 6292]),
];

#[test]
fn pinned_counts_cover_every_policy() {
    let pinned: Vec<&str> = PINNED.iter().map(|(name, _, _)| *name).collect();
    assert_eq!(pinned, policy::NAMES);
}

#[test]
fn zipf_fault_counts_are_unchanged() {
    let params = ZipfParams {
        pages: 10_000,
        exponent: 1.0,
        write_fraction: 0.25,
        seed: 42,
    };
    let references = zipf::generate(100_000, params).unwrap();
    for &(name, faults, write_backs) in PINNED {
        for (index, n_frames) in FRAME_COUNTS.into_iter().enumerate() {
            let outcome = replay_named(name, n_frames, 42, &references, false).unwrap();
            assert_eq!(
                outcome.hits + outcome.faults,
                100_000,
                "{name}, {n_frames} frames"
            );
            assert_eq!(
                outcome.faults, faults[index],
                "{name} faults, {n_frames} frames"
            );
            assert_eq!(
                outcome.write_backs, write_backs[index],
                "{name} write-backs, {n_frames} frames"
            );
        }
    }
}
