//! libCacheSim's oracleGeneral binary traces: packed 24-byte little-endian
//! records `{ u32 time; u64 obj_id; u32 size; i64 next_access }`.
//!
//! The object id is the page; time, size and next access are not used,
//! because the replay driver computes the future itself. Every reference is
//! a read: the format has no operation field. A file whose length is not a
//! multiple of 24 is rejected.

use super::{Trace, TraceError};
use crate::refs::Reference;
use std::io::{self, Read};

/// The size of one record in bytes.
pub const RECORD_BYTES: usize = 24;

/// Reads every record of `input` into `trace`.
///
/// # Errors
///
/// Returns [`TraceError::Io`] when reading fails and
/// [`TraceError::Truncated`] when the input ends inside a record.
pub(crate) fn read(mut input: impl Read, trace: &mut Trace) -> Result<(), TraceError> {
    let mut record = [0u8; RECORD_BYTES];
    let mut index = 0u64;
    loop {
        let filled = fill(&mut input, &mut record)?;
        if filled == 0 {
            return Ok(());
        }
        if filled < RECORD_BYTES {
            return Err(TraceError::Truncated {
                record: index,
                bytes: filled,
            });
        }
        let object_id = u64::from_le_bytes(
            record[4..12]
                .try_into()
                .expect("a record slice of 8 bytes converts to [u8; 8]"),
        );
        trace.references.push(Reference {
            page: object_id,
            write: false,
        });
        super::check_reference_count(trace)?;
        index += 1;
    }
}

/// Reads until `buffer` is full or the input ends, and returns how many
/// bytes were read.
fn fill(input: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// Encodes one record, for tests and for tools that write traces.
pub fn encode_record(time: u32, object_id: u64, size: u32, next_access: i64) -> [u8; RECORD_BYTES] {
    let mut record = [0u8; RECORD_BYTES];
    record[0..4].copy_from_slice(&time.to_le_bytes());
    record[4..12].copy_from_slice(&object_id.to_le_bytes());
    record[12..16].copy_from_slice(&size.to_le_bytes());
    record[16..24].copy_from_slice(&next_access.to_le_bytes());
    record
}

#[cfg(test)]
mod tests {
    use super::encode_record;
    use crate::traces::tests::read;
    use crate::traces::{read_references, read_trace, Format, Options, TraceError};

    fn options() -> Options {
        Options {
            format: Some(Format::OracleGeneral),
            ..Options::default()
        }
    }

    fn records(ids: &[u64]) -> Vec<u8> {
        ids.iter()
            .enumerate()
            .flat_map(|(time, &id)| encode_record(time as u32, id, 4096, -1))
            .collect()
    }

    #[test]
    fn records_parse_to_object_ids() {
        let bytes = records(&[7, 0, u64::MAX, 7]);
        assert_eq!(
            read_references(bytes.as_slice(), &options()).unwrap(),
            [read(7), read(0), read(u64::MAX), read(7)]
        );
        assert!(read_references(&[][..], &options()).unwrap().is_empty());
    }

    #[test]
    fn truncated_file_is_rejected() {
        let mut bytes = records(&[1, 2]);
        bytes.extend_from_slice(&[1, 2, 3, 4, 5]);
        let error = read_trace(bytes.as_slice(), &options()).unwrap_err();
        assert!(matches!(
            error,
            TraceError::Truncated {
                record: 2,
                bytes: 5
            }
        ));
        assert_eq!(
            error.to_string(),
            "record 2: the file ends 5 bytes into a 24-byte oracleGeneral record, so its length is not a multiple of 24; the file is truncated or not oracleGeneral"
        );
    }

    #[test]
    fn binary_records_are_detected() {
        let bytes = records(&[3, 1, 4, 1, 5]);
        let trace = read_trace(bytes.as_slice(), &Options::default()).unwrap();
        assert_eq!(trace.format, Some(Format::OracleGeneral));
        assert_eq!(trace.references.len(), 5);
    }
}
