use super::exercise::Description;
use super::walk::{walk, WalkFault};
use super::*;
use crate::hw::mmu::AccessKind;

/// Builds a 16-bit machine of 256-byte pages split 4+4+8: root at PFN 1,
/// one level-1 table at PFN 2 mapping vpn 0x01 to PFN 10 (writable), vpn 0x02
/// to PFN 12 (copy-on-write) and vpn 0x05 to swap slot 7.
fn description() -> Dump {
    let text = r#"{
        "format": "pagelab-machine", "va_bits": 16, "page_size": 256,
        "split": [4, 4], "frames": 16,
        "processes": [{ "pid": 1, "root": 1, "tables": [
            { "pfn": 1, "entries": [{ "index": 0, "pfn": 2, "flags": "PW" }] },
            { "pfn": 2, "entries": [
                { "index": 1, "pfn": 10, "flags": "PWA" },
                { "index": 2, "pfn": 12, "flags": "PC" },
                { "index": 5, "swap": 7 }
            ] }
        ] }]
    }"#;
    let description: Description = serde_json::from_str(text).unwrap();
    description.to_dump().unwrap()
}

fn translate(dump: &Dump, va: u32, access: AccessKind) -> Result<u32, WalkFault> {
    let geometry = dump.machine.geometry().unwrap();
    walk(dump, &geometry, &dump.processes[0].page_table, va, access).result
}

#[test]
fn description_translations() {
    use AccessKind::*;
    let dump = description();
    let cases = [
        (0x0123, Load, Ok(10 * 256 + 0x23)),
        (0x01ff, Store, Ok(10 * 256 + 0xff)),
        (0x0234, Load, Ok(12 * 256 + 0x34)),
        (0x0234, Store, Err(WalkFault::CopyOnWrite)),
        (0x0500, Load, Err(WalkFault::SwappedOut { slot: 7 })),
        (0x0300, Fetch, Err(WalkFault::NotPresent { level: 1 })),
        (0x1000, Load, Err(WalkFault::NotPresent { level: 0 })),
        (0x10000, Load, Err(WalkFault::OutOfRange { va_bits: 16 })),
    ];
    for (va, access, expected) in cases {
        assert_eq!(translate(&dump, va, access), expected, "{access} 0x{va:x}");
    }
}

#[test]
fn walk_records_each_pte_read() {
    let dump = description();
    let geometry = dump.machine.geometry().unwrap();
    let result = walk(
        &dump,
        &geometry,
        &dump.processes[0].page_table,
        0x0123,
        AccessKind::Load,
    );
    let steps: Vec<(u32, u32, u32, u32)> = result
        .steps
        .iter()
        .map(|step| (step.level, step.index, step.table_pfn, step.pte_addr))
        .collect();
    assert_eq!(steps, vec![(0, 0, 1, 0x100), (1, 1, 2, 0x204)]);
    assert_eq!(result.pfn, Some(10));
}

#[test]
fn description_derives_frames_and_swap() {
    let dump = description();
    assert_eq!(dump.frames.len(), 16);
    assert_eq!(
        dump.frames[2].content,
        FrameUse::PageTable { pid: 1, level: 1 }
    );
    let FrameUse::Page {
        mappings,
        references,
        ..
    } = &dump.frames[12].content
    else {
        panic!("PFN 12 contains a page");
    };
    assert_eq!((mappings[0].vpn, *references), (2, 1));
    assert_eq!(dump.swap.len(), 1);
    assert_eq!((dump.swap[0].slot, dump.swap[0].pages[0].vpn), (7, 5));
}

#[test]
fn validation_catches_edited_entries() {
    type Edit = fn(&mut EntryDump);
    let edits: [(&str, Edit); 4] = [
        ("pte_addr", |entry| entry.pte_addr += 4),
        ("decoded bits", |entry| entry.pte |= 0b1000),
        ("vpn field", |entry| entry.vpn = Some(9)),
        ("above", |entry| entry.index = 99),
    ];
    for (expected, edit) in edits {
        let mut dump = description();
        let table = dump.processes[0].page_table.entries[0]
            .table
            .as_mut()
            .unwrap();
        edit(&mut table.entries[0]);
        let message = dump.validate().unwrap_err();
        assert!(message.contains(expected), "{expected}: {message}");
    }
}

#[test]
fn validation_catches_a_table_outside_memory() {
    let mut dump = description();
    dump.processes[0].page_table.pfn = 40;
    let message = dump.validate().unwrap_err();
    assert!(message.contains("outside physical memory"), "{message}");
}

#[test]
fn frame_bytes_decode_hex() {
    let stored = FrameBytes {
        pfn: 3,
        hex: "00ff7a".to_string(),
    };
    assert_eq!(stored.bytes().unwrap(), vec![0, 255, 0x7a]);
    let odd = FrameBytes {
        pfn: 3,
        hex: "0f0".to_string(),
    };
    assert!(odd.bytes().unwrap_err().contains("odd"));
    let bad = FrameBytes {
        pfn: 3,
        hex: "zz".to_string(),
    };
    assert!(bad.bytes().unwrap_err().contains("\"zz\""));
}

#[test]
fn flag_letters_follow_the_layout() {
    assert_eq!(flag_letters(0x0000_a007), "PWA---");
    assert_eq!(flag_letters(0x0000_c011), "P---C-");
    assert_eq!(flag_letters(0x0000_7020), "-----S");
    assert_eq!(flag_letters(0x0001_400f), "PWAD--");
}

#[test]
fn hex_dump_stars_repeated_lines() {
    let mut bytes = vec![0u8; 64];
    bytes[..5].copy_from_slice(b"Hello");
    let text = text::hex_dump(0x100, &bytes);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("  00000100  48 65 6c 6c 6f 00"));
    assert!(lines[0].ends_with("|Hello...........|"));
    assert!(lines[1].starts_with("  00000110  00"));
    assert_eq!(lines[2], "  *");
}

/// Returns the JSON pointers of every number in `value`.
fn number_pointers(value: &serde_json::Value, path: String, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Number(_) => found.push(path),
        serde_json::Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                number_pointers(item, format!("{path}/{index}"), found);
            }
        }
        serde_json::Value::Object(fields) => {
            for (key, item) in fields {
                number_pointers(item, format!("{path}/{key}"), found);
            }
        }
        _ => {}
    }
}

fn case_count(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(default)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(case_count(256)))]

    /// A dump edited by hand is either rejected by validation or printed
    /// and walked without a panic.
    #[test]
    fn edited_dumps_never_panic(
        edits in proptest::collection::vec(
            (
                proptest::prelude::any::<proptest::sample::Index>(),
                // Small numbers often keep the dump valid, so the text and
                // the walk run on them; large ones test the limits.
                proptest::prop_oneof![0u32..300, proptest::prelude::any::<u32>()],
            ),
            1..6,
        ),
        vas in proptest::collection::vec(proptest::prelude::any::<u32>(), 1..8),
    ) {
        let mut dump = description();
        dump.frame_bytes.push(FrameBytes { pfn: 10, hex: "00".repeat(256) });
        dump.tlb.push(TlbEntryDump { set: 0, way: 0, asid: 1, vpn: 1, pfn: 10, writable: true, dirty: false });
        let mut value = serde_json::to_value(&dump).unwrap();
        let mut pointers = Vec::new();
        number_pointers(&value, String::new(), &mut pointers);
        for (index, number) in edits {
            let pointer = index.get(&pointers);
            *value.pointer_mut(pointer).unwrap() = number.into();
        }

        let Ok(edited) = serde_json::from_value::<Dump>(value) else { return Ok(()) };
        if edited.validate().is_err() {
            return Ok(());
        }
        let _ = edited.to_text(&Selection::default());
        let geometry = edited.machine.geometry().unwrap();
        for process in &edited.processes {
            for &va in &vas {
                for access in [AccessKind::Load, AccessKind::Store] {
                    let _ = walk(&edited, &geometry, &process.page_table, va, access);
                }
            }
        }
    }
}
