use super::*;

#[test]
fn every_name_builds_its_scheduler() {
    for &name in NAMES {
        let scheduler = new(name).unwrap();
        assert_eq!(scheduler.name(), name);
    }
}

#[test]
fn unknown_name_lists_known_names() {
    let error = new("edf").err().unwrap();
    assert_eq!(error, SchedulerError::Unknown { name: "edf".into() });
    assert!(error.to_string().ends_with(
        "known schedulers: fcfs, rr, priority, priority-np, mlfq, sjf, srtf, lottery, stride"
    ));
}

/// Returns the name of the parameter that `params` gets rejected for.
fn rejected_parameter(params: SchedulerParams) -> &'static str {
    match new_with("rr", &params).err() {
        Some(SchedulerError::InvalidParameter { parameter, .. }) => parameter,
        other => panic!("expected an invalid parameter, got {other:?}"),
    }
}

#[test]
fn out_of_range_parameters_are_rejected() {
    let defaults = SchedulerParams::default;
    let cases: Vec<(SchedulerParams, &str)> = vec![
        (
            SchedulerParams {
                quantum: 0,
                ..defaults()
            },
            "quantum",
        ),
        (
            SchedulerParams {
                aging: Some(0),
                ..defaults()
            },
            "aging",
        ),
        (
            SchedulerParams {
                mlfq_levels: 0,
                ..defaults()
            },
            "mlfq_levels",
        ),
        (
            SchedulerParams {
                mlfq_levels: 65,
                ..defaults()
            },
            "mlfq_levels",
        ),
        (
            SchedulerParams {
                mlfq_quanta: Some(vec![]),
                ..defaults()
            },
            "mlfq_quanta",
        ),
        (
            SchedulerParams {
                mlfq_quanta: Some(vec![2, 0]),
                ..defaults()
            },
            "mlfq_quanta",
        ),
        (
            SchedulerParams {
                mlfq_boost: Some(0),
                ..defaults()
            },
            "mlfq_boost",
        ),
        (
            SchedulerParams {
                alpha: -0.1,
                ..defaults()
            },
            "alpha",
        ),
        (
            SchedulerParams {
                alpha: 1.5,
                ..defaults()
            },
            "alpha",
        ),
        (
            SchedulerParams {
                alpha: f64::NAN,
                ..defaults()
            },
            "alpha",
        ),
        (
            SchedulerParams {
                tickets: 0,
                ..defaults()
            },
            "tickets",
        ),
        (
            SchedulerParams {
                tickets: MAX_TICKETS + 1,
                ..defaults()
            },
            "tickets",
        ),
    ];
    for (params, expected) in cases {
        assert_eq!(rejected_parameter(params), expected);
    }
}

#[test]
fn invalid_parameter_message_names_value_and_range() {
    let params = SchedulerParams {
        quantum: 0,
        ..SchedulerParams::default()
    };
    let error = new_with("rr", &params).err().unwrap();
    assert_eq!(
        error.to_string(),
        "invalid scheduler parameter quantum = 0: expected a whole number of ticks, at least 1"
    );
}

#[test]
fn mlfq_quanta_double_by_default() {
    assert_eq!(SchedulerParams::default().mlfq_quanta(), vec![4, 8, 16]);
    let params = SchedulerParams {
        quantum: 1,
        mlfq_levels: 4,
        ..SchedulerParams::default()
    };
    assert_eq!(params.mlfq_quanta(), vec![1, 2, 4, 8]);
}

#[test]
fn tickets_fall_with_priority() {
    assert_eq!(tickets_for(100, 0), 100);
    assert_eq!(tickets_for(100, 1), 50);
    assert_eq!(tickets_for(100, 3), 25);
    assert_eq!(tickets_for(100, u32::MAX), 1);
}

#[test]
fn schedulers_are_send() {
    fn assert_send<T: Send + ?Sized>() {}
    assert_send::<Box<dyn Scheduler>>();
}

#[test]
fn mlfq_demotes_after_whole_quantum() {
    let mut mlfq = Mlfq::new(vec![2, 4], None);
    mlfq.add_task(0, TaskParams::default());
    mlfq.make_ready(0, 0, ReadyReason::Arrived);
    assert_eq!(mlfq.pick_next(0), Some(0));
    assert!(!mlfq.should_preempt(0, 1, 1));
    assert!(mlfq.should_preempt(0, 2, 2));
    mlfq.on_stop(0, 2, StopReason::Preempted, 2);
    assert_eq!(mlfq.level(0), 1);
}

#[test]
fn mlfq_keeps_level_of_blocking_task() {
    let mut mlfq = Mlfq::new(vec![2, 4], None);
    mlfq.add_task(0, TaskParams::default());
    mlfq.make_ready(0, 0, ReadyReason::Arrived);
    assert_eq!(mlfq.pick_next(0), Some(0));
    assert!(!mlfq.should_preempt(0, 1, 1));
    mlfq.on_stop(0, 1, StopReason::Blocked, 1);
    assert_eq!(mlfq.level(0), 0);
}

#[test]
fn stride_numerator_divides_default_tickets() {
    for priority in 0..4 {
        let tickets = u128::from(tickets_for(100, priority));
        assert_eq!(stride::STRIDE1 % tickets, 0, "{tickets} tickets");
    }
    for tickets in 1..=32u128 {
        assert_eq!(stride::STRIDE1 % tickets, 0, "{tickets} tickets");
    }
}
