//! Property test: assembling the disassembly of any assembled program gives
//! the same text and data bytes, bss, entry point and symbol values, and
//! disassembling that again gives the same listing.

use pagelab_asm::{assemble, disassemble};
use pagelab_vm::isa::{AluOp, BranchCond, LoadWidth, Reg, StoreWidth, SYSCALLS};
use pagelab_vm::object::Object;
use proptest::prelude::*;
use proptest::sample::Index;

/// One generated text statement. Label and target operands are indexes,
/// resolved against the generated label names when the source is printed.
#[derive(Clone, Debug)]
enum TextItem {
    Li(u8, i64),
    La(u8, Index),
    Mov(u8, u8),
    Alu(Index, u8, u8, u8),
    AluImm(Index, u8, u8, i64),
    Load(Index, u8, u8, i64),
    LoadAbs(Index, u8, Index),
    Xchg(u8, u8, i64),
    XchgAbs(u8, Index),
    Store(Index, u8, u8, i64),
    StoreAbs(Index, u8, Index),
    Branch(Index, u8, u8, Index),
    Jmp(Index),
    Call(Index),
    Push(u8),
    Pop(u8),
    SysName(Index),
    SysNumber(u32),
    Simple(&'static str),
    Align(u32),
}

/// One generated data statement.
#[derive(Clone, Debug)]
enum DataItem {
    Words(Vec<Value>),
    Halves(Vec<i64>),
    Bytes(Vec<i64>),
    Asciz(Vec<u8>),
    Space(u32),
    Align(u32),
}

/// A `.word` value: a number or the address of any label.
#[derive(Clone, Debug)]
enum Value {
    Number(i64),
    Label(Index),
}

/// One generated bss statement.
#[derive(Clone, Debug)]
enum BssItem {
    Space(u32),
    Align(u32),
}

#[derive(Clone, Debug)]
struct Program {
    /// Each text item, and whether a label precedes it.
    text: Vec<(bool, TextItem)>,
    data: Vec<(bool, DataItem)>,
    bss: Vec<(bool, BssItem)>,
    constants: Vec<i64>,
    /// Labels after the last item of each section.
    end_labels: [bool; 3],
    /// Where each section is cut in two, so the sections are written
    /// interleaved: text, data, bss, text, data, bss.
    splits: [Index; 3],
    /// Whether the entry is set with `.entry`, and to which text label.
    entry: Option<Index>,
    /// Whether the first text label is called `main`.
    main: bool,
}

fn imm32() -> impl Strategy<Value = i64> {
    prop_oneof![-16i64..16, i64::from(i32::MIN)..=i64::from(u32::MAX)]
}

fn reg() -> impl Strategy<Value = u8> {
    0u8..16
}

fn text_item() -> impl Strategy<Value = TextItem> {
    prop_oneof![
        (reg(), imm32()).prop_map(|(rd, imm)| TextItem::Li(rd, imm)),
        (reg(), any::<Index>()).prop_map(|(rd, label)| TextItem::La(rd, label)),
        (reg(), reg()).prop_map(|(rd, rs)| TextItem::Mov(rd, rs)),
        (any::<Index>(), reg(), reg(), reg()).prop_map(|(op, a, b, c)| TextItem::Alu(op, a, b, c)),
        (any::<Index>(), reg(), reg(), imm32())
            .prop_map(|(op, a, b, imm)| TextItem::AluImm(op, a, b, imm)),
        (any::<Index>(), reg(), reg(), imm32())
            .prop_map(|(w, rd, base, off)| TextItem::Load(w, rd, base, off)),
        (any::<Index>(), reg(), any::<Index>())
            .prop_map(|(w, rd, label)| TextItem::LoadAbs(w, rd, label)),
        (reg(), reg(), imm32()).prop_map(|(rd, base, off)| TextItem::Xchg(rd, base, off)),
        (reg(), any::<Index>()).prop_map(|(rd, label)| TextItem::XchgAbs(rd, label)),
        (any::<Index>(), reg(), reg(), imm32())
            .prop_map(|(w, rs, base, off)| TextItem::Store(w, rs, base, off)),
        (any::<Index>(), reg(), any::<Index>())
            .prop_map(|(w, rs, label)| TextItem::StoreAbs(w, rs, label)),
        (any::<Index>(), reg(), reg(), any::<Index>())
            .prop_map(|(c, a, b, t)| TextItem::Branch(c, a, b, t)),
        any::<Index>().prop_map(TextItem::Jmp),
        any::<Index>().prop_map(TextItem::Call),
        reg().prop_map(TextItem::Push),
        reg().prop_map(TextItem::Pop),
        any::<Index>().prop_map(TextItem::SysName),
        any::<u32>().prop_map(TextItem::SysNumber),
        prop_oneof![Just("halt"), Just("nop"), Just("ret")].prop_map(TextItem::Simple),
        (0u32..6).prop_map(|shift| TextItem::Align(1 << shift)),
    ]
}

fn data_item() -> impl Strategy<Value = DataItem> {
    let value = prop_oneof![
        imm32().prop_map(Value::Number),
        any::<Index>().prop_map(Value::Label)
    ];
    prop_oneof![
        prop::collection::vec(value, 1..5).prop_map(DataItem::Words),
        prop::collection::vec(-32768i64..=65535, 1..5).prop_map(DataItem::Halves),
        prop::collection::vec(-128i64..=255, 1..20).prop_map(DataItem::Bytes),
        prop::collection::vec(any::<u8>(), 0..12).prop_map(DataItem::Asciz),
        (0u32..40).prop_map(DataItem::Space),
        (0u32..9).prop_map(|shift| DataItem::Align(1 << shift)),
    ]
}

fn bss_item() -> impl Strategy<Value = BssItem> {
    prop_oneof![
        (0u32..300).prop_map(BssItem::Space),
        (0u32..9).prop_map(|shift| BssItem::Align(1 << shift)),
    ]
}

fn program() -> impl Strategy<Value = Program> {
    (
        prop::collection::vec((any::<bool>(), text_item()), 1..40),
        prop::collection::vec((any::<bool>(), data_item()), 0..8),
        prop::collection::vec((any::<bool>(), bss_item()), 0..5),
        prop::collection::vec(imm32(), 0..4),
        any::<[bool; 3]>(),
        any::<[Index; 3]>(),
        proptest::option::of(any::<Index>()),
        any::<bool>(),
    )
        .prop_map(
            |(text, data, bss, constants, end_labels, splits, entry, main)| Program {
                text,
                data,
                bss,
                constants,
                end_labels,
                splits,
                entry,
                main,
            },
        )
}

fn reg_name(index: u8) -> String {
    Reg::new(index)
        .expect("generated indexes are below 16")
        .to_string()
}

impl Program {
    /// Returns the names of the text labels that sit on an instruction
    /// (branch targets), and of every label.
    fn labels(&self) -> (Vec<String>, Vec<String>) {
        let mut targets = Vec::new();
        let mut all = Vec::new();
        for (index, (labelled, _)) in self.text.iter().enumerate() {
            // Text item 0 always has a label, so targets are never empty.
            // Every text label is an instruction address, even one before
            // `.align`, because a `halt` follows the last item.
            if *labelled || index == 0 {
                targets.push(self.text_label(index));
                all.push(self.text_label(index));
            }
        }
        for (index, (labelled, _)) in self.data.iter().enumerate() {
            if *labelled {
                all.push(format!("d{index}"));
            }
        }
        for (index, (labelled, _)) in self.bss.iter().enumerate() {
            if *labelled {
                all.push(format!("b{index}"));
            }
        }
        (targets, all)
    }

    fn text_label(&self, index: usize) -> String {
        if index == 0 && self.main {
            "main".into()
        } else {
            format!("t{index}")
        }
    }

    fn source(&self) -> String {
        let (targets, all) = self.labels();
        let target = |index: &Index| index.get(&targets).clone();
        let any = |index: &Index| index.get(&all).clone();
        let mut text = Vec::new();
        for (index, (labelled, item)) in self.text.iter().enumerate() {
            let mut line = String::new();
            if *labelled || index == 0 {
                line = format!("{}:\n", self.text_label(index));
            }
            let statement = match item {
                TextItem::Li(rd, imm) => format!("li {}, {imm}", reg_name(*rd)),
                TextItem::La(rd, label) => format!("la {}, {}", reg_name(*rd), any(label)),
                TextItem::Mov(rd, rs) => format!("mov {}, {}", reg_name(*rd), reg_name(*rs)),
                TextItem::Alu(op, a, b, c) => format!(
                    "{} {}, {}, {}",
                    op.get(AluOp::ALL).mnemonic(),
                    reg_name(*a),
                    reg_name(*b),
                    reg_name(*c)
                ),
                TextItem::AluImm(op, a, b, imm) => {
                    format!(
                        "{} {}, {}, {imm}",
                        op.get(AluOp::ALL).mnemonic(),
                        reg_name(*a),
                        reg_name(*b)
                    )
                }
                TextItem::Load(w, rd, base, off) => {
                    format!(
                        "{} {}, {off}({})",
                        w.get(LoadWidth::ALL).mnemonic(),
                        reg_name(*rd),
                        reg_name(*base)
                    )
                }
                TextItem::LoadAbs(w, rd, label) => {
                    format!(
                        "{} {}, {}",
                        w.get(LoadWidth::ALL).mnemonic(),
                        reg_name(*rd),
                        any(label)
                    )
                }
                TextItem::Xchg(rd, base, off) => {
                    format!("xchg {}, {off}({})", reg_name(*rd), reg_name(*base))
                }
                TextItem::XchgAbs(rd, label) => format!("xchg {}, {}", reg_name(*rd), any(label)),
                TextItem::Store(w, rs, base, off) => {
                    format!(
                        "{} {}, {off}({})",
                        w.get(StoreWidth::ALL).mnemonic(),
                        reg_name(*rs),
                        reg_name(*base)
                    )
                }
                TextItem::StoreAbs(w, rs, label) => {
                    format!(
                        "{} {}, {}",
                        w.get(StoreWidth::ALL).mnemonic(),
                        reg_name(*rs),
                        any(label)
                    )
                }
                TextItem::Branch(c, a, b, t) => format!(
                    "{} {}, {}, {}",
                    c.get(BranchCond::ALL).mnemonic(),
                    reg_name(*a),
                    reg_name(*b),
                    target(t)
                ),
                TextItem::Jmp(t) => format!("jmp {}", target(t)),
                TextItem::Call(t) => format!("call {}", target(t)),
                TextItem::Push(rs) => format!("push {}", reg_name(*rs)),
                TextItem::Pop(rd) => format!("pop {}", reg_name(*rd)),
                TextItem::SysName(name) => format!("sys {}", name.get(SYSCALLS).1),
                TextItem::SysNumber(number) => format!("sys {number}"),
                TextItem::Simple(mnemonic) => (*mnemonic).to_owned(),
                TextItem::Align(align) => format!(".align {align}"),
            };
            line.push_str(&format!("    {statement}\n"));
            text.push(line);
        }
        // A final `halt` keeps every text label an instruction address, even
        // one before a trailing `.align`.
        text.push("    halt\n".into());
        if self.end_labels[0] {
            text.push("t_end:\n".into());
        }

        let mut data = Vec::new();
        for (index, (labelled, item)) in self.data.iter().enumerate() {
            let mut line = if *labelled {
                format!("d{index}:\n")
            } else {
                String::new()
            };
            let join = |values: &[i64]| {
                values
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let statement = match item {
                DataItem::Words(values) => {
                    let values: Vec<String> = values
                        .iter()
                        .map(|value| match value {
                            Value::Number(number) => number.to_string(),
                            Value::Label(label) => any(label),
                        })
                        .collect();
                    format!(".word {}", values.join(", "))
                }
                DataItem::Halves(values) => format!(".half {}", join(values)),
                DataItem::Bytes(values) => format!(".byte {}", join(values)),
                DataItem::Asciz(bytes) => {
                    let escaped: String =
                        bytes.iter().map(|byte| format!("\\x{byte:02x}")).collect();
                    format!(".asciz \"{escaped}\"")
                }
                DataItem::Space(size) => format!(".space {size}"),
                DataItem::Align(align) => format!(".align {align}"),
            };
            line.push_str(&format!("    {statement}\n"));
            data.push(line);
        }
        if self.end_labels[1] {
            data.push("d_end:\n".into());
        }

        let mut bss = Vec::new();
        for (index, (labelled, item)) in self.bss.iter().enumerate() {
            let mut line = if *labelled {
                format!("b{index}:\n")
            } else {
                String::new()
            };
            match item {
                BssItem::Space(size) => line.push_str(&format!("    .space {size}\n")),
                BssItem::Align(align) => line.push_str(&format!("    .align {align}\n")),
            }
            bss.push(line);
        }
        if self.end_labels[2] {
            bss.push("b_end:\n".into());
        }

        let mut source = String::new();
        for (index, value) in self.constants.iter().enumerate() {
            source.push_str(&format!(".equ c{index}, {value}\n"));
        }
        let cut = |lines: &[String], split: &Index| split.index(lines.len() + 1);
        let cuts = [
            cut(&text, &self.splits[0]),
            cut(&data, &self.splits[1]),
            cut(&bss, &self.splits[2]),
        ];
        for (section, lines, at) in [
            (".text", &text, cuts[0]),
            (".data", &data, cuts[1]),
            (".bss", &bss, cuts[2]),
        ] {
            source.push_str(&format!("{section}\n{}", lines[..at].concat()));
        }
        for (section, lines, at) in [
            (".text", &text, cuts[0]),
            (".data", &data, cuts[1]),
            (".bss", &bss, cuts[2]),
        ] {
            source.push_str(&format!("{section}\n{}", lines[at..].concat()));
        }
        if let Some(entry) = &self.entry {
            source.push_str(&format!(".entry {}\n", target(entry)));
        }
        source
    }
}

fn sorted_symbols(object: &Object) -> Vec<(String, u32, String)> {
    let mut symbols: Vec<_> = object
        .symbols
        .iter()
        .map(|symbol| {
            (
                symbol.name.clone(),
                symbol.value,
                format!("{:?}", symbol.kind),
            )
        })
        .collect();
    symbols.sort();
    symbols
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn disassembly_reassembles_to_same_object(program in program()) {
        let source = program.source();
        let original = assemble("prog.asm", &source)
            .unwrap_or_else(|errors| panic!("generated program does not assemble:\n{source}\n{}", errors.render(false)));
        prop_assert_eq!(original.validate(), Ok(()));

        let listing = disassemble(&original);
        let again = assemble("prog.asm", &listing)
            .unwrap_or_else(|errors| panic!("disassembly does not assemble:\n{listing}\n{}", errors.render(false)));

        prop_assert_eq!(&again.text, &original.text);
        prop_assert_eq!(&again.data, &original.data);
        prop_assert_eq!(again.bss, original.bss);
        prop_assert_eq!(again.entry, original.entry);
        prop_assert_eq!(sorted_symbols(&again), sorted_symbols(&original));
        prop_assert_eq!(disassemble(&again), listing);
    }
}
