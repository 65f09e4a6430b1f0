//! Fixture files: `fixtures/ok_*.asm` must assemble, and their disassembly
//! is snapshotted; `fixtures/err_*.asm` must fail, and their rendered
//! diagnostics (colour off) are snapshotted.

use pagelab_asm::{assemble, disassemble};
use std::path::Path;

/// Assembles one fixture and compares the result with its snapshot.
fn check(name: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let source = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {name}: {error}"));
    let stem = name
        .strip_suffix(".asm")
        .expect("fixture names end in .asm");
    let result = assemble(name, &source);

    if stem.starts_with("ok_") {
        let object = match result {
            Ok(object) => object,
            Err(errors) => panic!("{name} should assemble:\n{}", errors.render(false)),
        };
        assert_eq!(
            object.validate(),
            Ok(()),
            "{name} assembled into an invalid object"
        );
        let listing = disassemble(&object);

        // Every ok fixture also round-trips through its disassembly.
        let again = assemble("disassembly", &listing).unwrap_or_else(|errors| {
            panic!(
                "the disassembly of {name} does not assemble:\n{}",
                errors.render(false)
            )
        });
        assert_eq!(again.text, object.text, "text differs after a round trip");
        assert_eq!(again.data, object.data, "data differs after a round trip");
        assert_eq!(again.bss, object.bss, "bss differs after a round trip");
        assert_eq!(
            again.entry, object.entry,
            "entry differs after a round trip"
        );

        insta::assert_snapshot!(stem, listing);
    } else {
        assert!(
            stem.starts_with("err_"),
            "fixture {name} is neither ok_ nor err_"
        );
        let errors = match result {
            Ok(_) => panic!("{name} should fail to assemble"),
            Err(errors) => errors,
        };
        insta::assert_snapshot!(stem, errors.render(false));
    }
}

macro_rules! fixtures {
    ($($test:ident => $file:literal,)+) => {
        $(
            #[test]
            fn $test() {
                check($file);
            }
        )+

        /// Every file in `fixtures/` has a test above.
        #[test]
        fn every_fixture_is_tested() {
            let listed = [$($file),+];
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
            let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
                .expect("the fixtures directory exists")
                .map(|entry| entry.expect("readable directory entry").file_name().to_string_lossy().into_owned())
                .collect();
            on_disk.sort();
            let mut listed: Vec<String> = listed.iter().map(|name| name.to_string()).collect();
            listed.sort();
            assert_eq!(on_disk, listed);
        }
    };
}

fixtures! {
    ok_every_form => "ok_every_form.asm",
    ok_layout => "ok_layout.asm",
    ok_minimal => "ok_minimal.asm",
    err_bad_register => "err_bad_register.asm",
    err_bad_target => "err_bad_target.asm",
    err_constants => "err_constants.asm",
    err_duplicate_label => "err_duplicate_label.asm",
    err_image_too_large => "err_image_too_large.asm",
    err_main_not_code => "err_main_not_code.asm",
    err_many => "err_many.asm",
    err_no_instructions => "err_no_instructions.asm",
    err_operand_count => "err_operand_count.asm",
    err_out_of_range => "err_out_of_range.asm",
    err_undefined_label => "err_undefined_label.asm",
    err_unknown_mnemonic => "err_unknown_mnemonic.asm",
    err_unterminated_string => "err_unterminated_string.asm",
    err_wrong_section => "err_wrong_section.asm",
}
