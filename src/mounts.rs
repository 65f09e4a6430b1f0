//! `pagelab run --mount NAME=HOSTPATH[:rw]`: parsing and opening the host
//! files that guests may map.

use crate::output::same_file;
use anyhow::bail;
use pagelab_vm::kernel::mount::{self, Mount};
use std::path::{Path, PathBuf};

/// One `--mount` value, split but not yet opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountSpec {
    /// Name guests pass to `sys mmap`.
    pub name: String,
    /// The host file.
    pub path: PathBuf,
    /// Whether guests may map it writable (`:rw`).
    pub writable: bool,
}

/// Splits `NAME=HOSTPATH[:rw]` (or an explicit `:ro`) and checks the name.
/// The messages leave out the value, which clap prints before them.
///
/// # Errors
///
/// Fails for a value without `=`, an empty path or an invalid name.
pub fn parse_mount(text: &str) -> anyhow::Result<MountSpec> {
    let Some((name, rest)) = text.split_once('=') else {
        bail!("the = is missing: write NAME=HOSTPATH, or NAME=HOSTPATH:rw to let guests write the file");
    };
    let (path, writable) = if let Some(path) = rest.strip_suffix(":rw") {
        (path, true)
    } else if let Some(path) = rest.strip_suffix(":ro") {
        (path, false)
    } else {
        (rest, false)
    };
    if path.is_empty() {
        bail!("the host path is empty; write NAME=HOSTPATH");
    }
    mount::check_name(name)?;
    Ok(MountSpec {
        name: name.to_string(),
        path: PathBuf::from(path),
        writable,
    })
}

/// Opens every mount, rejecting a name or a host file given twice and a
/// host file that the run also writes (`outputs`: the trace, the reference
/// file, the Gantt chart and the dump file, which the run truncates).
///
/// # Errors
///
/// Returns the first invalid value, naming it and the fix.
pub fn open_mounts(specs: &[MountSpec], outputs: &[(&str, &Path)]) -> anyhow::Result<Vec<Mount>> {
    for (index, spec) in specs.iter().enumerate() {
        for earlier in &specs[..index] {
            if earlier.name == spec.name {
                bail!(
                    "invalid --mount: the name {} is given twice; give each mount its own name",
                    spec.name
                );
            }
            if same_file(&earlier.path, &spec.path) {
                bail!(
                    "invalid --mount: {} and {} both mount {}; mount a file once and map that name from every program",
                    earlier.name,
                    spec.name,
                    spec.path.display()
                );
            }
        }
        for (option, output) in outputs {
            if same_file(&spec.path, output) {
                bail!(
                    "invalid --mount {}: {} is also the {option} file, which the run overwrites; choose another file",
                    spec.name,
                    spec.path.display()
                );
            }
        }
    }
    let mut mounts = Vec::with_capacity(specs.len());
    for spec in specs {
        mounts.push(Mount::open(&spec.name, &spec.path, spec.writable)?);
    }
    Ok(mounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_split_into_name_path_and_access() {
        let spec = parse_mount("data=in.txt").unwrap();
        assert_eq!(
            (spec.name.as_str(), spec.path.as_path(), spec.writable),
            ("data", Path::new("in.txt"), false)
        );
        assert!(parse_mount("data=in.txt:rw").unwrap().writable);
        assert!(!parse_mount("data=in.txt:ro").unwrap().writable);
        assert_eq!(
            parse_mount("a=b=c").unwrap().path,
            PathBuf::from("b=c"),
            "only the first = separates the name"
        );
    }

    #[test]
    fn bad_values_are_rejected() {
        for bad in [
            "data",
            "=in.txt",
            "data=",
            "data=:rw",
            "../x=in.txt",
            "a/b=in.txt",
        ] {
            assert!(parse_mount(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
