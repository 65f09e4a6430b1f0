//! Mounts: the host files a run makes visible to guests, each under a
//! name, read-only unless mounted writable.
//!
//! A guest names a mount in `sys mmap`. The kernel looks the name up in
//! this table by exact comparison and never builds a host path from guest
//! bytes, so no other host file is reachable. This module contains the table
//! and reads and writes whole pages of a mounted file. Mapping pages is
//! the job of `kernel::mmap`.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Maximum length of a mount name, in bytes.
pub const MAX_NAME_LEN: usize = 32;

/// Largest file that can be mounted (64 MiB): the mmap area is far larger,
/// and a cap keeps a device such as /dev/zero, or a snapshot of a huge
/// file, from filling host memory.
pub const MAX_MOUNT_BYTES: u64 = 64 << 20;

/// Index of a mount in the kernel's table, in the order mounts were added.
pub type MountId = u32;

/// One page of a mounted file: the key under which the kernel shares a
/// file page between every process that maps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FilePage {
    /// The mount.
    pub mount: MountId,
    /// Page number within the file: the page at byte offset `page × page_size`.
    pub page: u32,
}

/// Storage of a mount's bytes.
#[derive(Debug)]
pub enum Backing {
    /// A host file, opened for writing only when the mount is writable.
    File {
        /// The open file.
        file: File,
        /// Its path, for messages.
        path: PathBuf,
    },
    /// A copy in memory, which write-backs change instead of a host file.
    /// OPT's first pass uses it so that a writable mount is not written
    /// twice, and tests use it to avoid host files.
    Memory(Vec<u8>),
}

/// A host file visible to guests under a name.
#[derive(Debug)]
pub struct Mount {
    name: String,
    writable: bool,
    len: u64,
    backing: Backing,
}

/// Error that rejects a mount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountError {
    /// Description of the problem and the fix.
    pub message: String,
}

impl fmt::Display for MountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MountError {}

/// Checks that `name` is a valid mount name: 1 to [`MAX_NAME_LEN`]
/// characters from ASCII letters, digits, `_`, `-` and `.`, starting with
/// a letter, a digit or `_`. A name can therefore never look like a path.
///
/// # Errors
///
/// Returns a message naming the rule that `name` breaks.
pub fn check_name(name: &str) -> Result<(), MountError> {
    let valid_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    if name.is_empty() || name.len() > MAX_NAME_LEN || !first_ok || !name.chars().all(valid_char) {
        return Err(MountError {
            message: format!(
                "invalid mount name {name:?}: a name has 1 to {MAX_NAME_LEN} characters from letters, digits, `_`, `-` and `.`, and starts with a letter, a digit or `_`"
            ),
        });
    }
    Ok(())
}

impl Mount {
    /// Opens the host file at `path` as mount `name`, for reading and, when
    /// `writable`, for writing. The file's size is fixed at this moment.
    ///
    /// # Errors
    ///
    /// Fails for an invalid name, a path that does not exist or is not a
    /// regular file, a file larger than [`MAX_MOUNT_BYTES`], or a file that
    /// cannot be opened with the requested access.
    pub fn open(name: &str, path: &Path, writable: bool) -> Result<Mount, MountError> {
        check_name(name)?;
        let shown = path.display();
        // Checked before opening, because opening a FIFO would block.
        let metadata = std::fs::metadata(path).map_err(|error| MountError {
            message: format!(
                "mount {name}: cannot read {shown}: {error}; give an existing regular file"
            ),
        })?;
        if !metadata.is_file() {
            return Err(MountError {
                message: format!(
                    "mount {name}: {shown} is not a regular file; only regular files can be mounted"
                ),
            });
        }
        if metadata.len() > MAX_MOUNT_BYTES {
            return Err(MountError {
                message: format!(
                    "mount {name}: {shown} has {} bytes, above the limit of {MAX_MOUNT_BYTES} bytes (64 MiB); mount a smaller file",
                    metadata.len()
                ),
            });
        }
        let file = OpenOptions::new()
            .read(true)
            .write(writable)
            .open(path)
            .map_err(|error| {
                let access = if writable { "reading and writing" } else { "reading" };
                MountError {
                    message: format!(
                        "mount {name}: cannot open {shown} for {access}: {error}; check the file's permissions{}",
                        if writable { " or mount it read-only (without :rw)" } else { "" }
                    ),
                }
            })?;
        Ok(Mount {
            name: name.to_string(),
            writable,
            len: metadata.len(),
            backing: Backing::File {
                file,
                path: path.to_path_buf(),
            },
        })
    }

    /// Creates mount `name` over an in-memory copy of `bytes`.
    ///
    /// # Errors
    ///
    /// Fails for an invalid name or more than [`MAX_MOUNT_BYTES`] bytes.
    pub fn in_memory(name: &str, bytes: Vec<u8>, writable: bool) -> Result<Mount, MountError> {
        check_name(name)?;
        if bytes.len() as u64 > MAX_MOUNT_BYTES {
            return Err(MountError {
                message: format!(
                    "mount {name}: {} bytes are above the limit of {MAX_MOUNT_BYTES} bytes (64 MiB)",
                    bytes.len()
                ),
            });
        }
        Ok(Mount {
            name: name.to_string(),
            writable,
            len: bytes.len() as u64,
            backing: Backing::Memory(bytes),
        })
    }

    /// Returns a mount of the same name and access over an in-memory copy
    /// of the current contents.
    ///
    /// # Errors
    ///
    /// Returns the host error when the file cannot be read.
    pub fn snapshot(&mut self) -> std::io::Result<Mount> {
        let mut bytes = vec![0; self.len as usize];
        self.read_at(0, &mut bytes)?;
        Ok(Mount {
            name: self.name.clone(),
            writable: self.writable,
            len: self.len,
            backing: Backing::Memory(bytes),
        })
    }

    /// Returns the name guests use.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Returns whether guests may map the file writable.
    pub fn writable(&self) -> bool {
        self.writable
    }

    /// Returns the file size in bytes, as it was when mounted. It never
    /// changes: a write-back stops at this size.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Returns whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Returns the host path, or `None` for an in-memory mount.
    pub fn path(&self) -> Option<&Path> {
        match &self.backing {
            Backing::File { path, .. } => Some(path),
            Backing::Memory(_) => None,
        }
    }

    /// Returns the in-memory bytes, or `None` for a host file.
    pub fn memory_bytes(&self) -> Option<&[u8]> {
        match &self.backing {
            Backing::File { .. } => None,
            Backing::Memory(bytes) => Some(bytes),
        }
    }

    /// Fills `page` with file page `number`: the file's bytes from offset
    /// `number × page.len()`, and zeros past the end of the file.
    ///
    /// # Errors
    ///
    /// Returns the host error of a failed read.
    pub fn read_page(&mut self, number: u32, page: &mut [u8]) -> std::io::Result<()> {
        page.fill(0);
        let offset = number as u64 * page.len() as u64;
        if offset >= self.len {
            return Ok(());
        }
        let count = (self.len - offset).min(page.len() as u64) as usize;
        self.read_at(offset, &mut page[..count])
    }

    /// Writes `page` back as file page `number`, stopping at the end of
    /// the file, so the file never grows. Returns the number of bytes
    /// written.
    ///
    /// # Errors
    ///
    /// Returns the host error of a failed write, or an error when the
    /// mount is read-only (the kernel never requests that).
    pub fn write_page(&mut self, number: u32, page: &[u8]) -> std::io::Result<usize> {
        if !self.writable {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!("mount {} is read-only", self.name),
            ));
        }
        let offset = number as u64 * page.len() as u64;
        if offset >= self.len {
            return Ok(0);
        }
        let count = (self.len - offset).min(page.len() as u64) as usize;
        match &mut self.backing {
            Backing::File { file, .. } => {
                file.seek(SeekFrom::Start(offset))?;
                file.write_all(&page[..count])?;
            }
            Backing::Memory(bytes) => {
                let start = offset as usize;
                bytes[start..start + count].copy_from_slice(&page[..count]);
            }
        }
        Ok(count)
    }

    fn read_at(&mut self, offset: u64, buffer: &mut [u8]) -> std::io::Result<()> {
        match &mut self.backing {
            Backing::File { file, .. } => {
                file.seek(SeekFrom::Start(offset))?;
                // A file that shrank since it was mounted reads as zeros
                // past its new end.
                let mut filled = 0;
                while filled < buffer.len() {
                    let read = file.read(&mut buffer[filled..])?;
                    if read == 0 {
                        break;
                    }
                    filled += read;
                }
                buffer[filled..].fill(0);
            }
            Backing::Memory(bytes) => {
                let start = offset as usize;
                buffer.copy_from_slice(&bytes[start..start + buffer.len()]);
            }
        }
        Ok(())
    }

    /// Describes the mount for messages: its name and host path.
    pub fn describe(&self) -> String {
        match &self.backing {
            Backing::File { path, .. } => format!("mount {} ({})", self.name, path.display()),
            Backing::Memory(_) => format!("mount {}", self.name),
        }
    }
}

/// The mounts of a run, in the order they were added; a [`MountId`] is an
/// index into it.
#[derive(Debug, Default)]
pub struct MountTable {
    mounts: Vec<Mount>,
}

impl MountTable {
    /// Adds `mount` and returns its id.
    ///
    /// # Errors
    ///
    /// Fails when a mount of the same name exists.
    pub fn add(&mut self, mount: Mount) -> Result<MountId, MountError> {
        if self.find(mount.name()).is_some() {
            return Err(MountError {
                message: format!(
                    "mount name {} is given twice; give each mount its own name",
                    mount.name()
                ),
            });
        }
        self.mounts.push(mount);
        Ok(self.mounts.len() as MountId - 1)
    }

    /// Returns the id of the mount called exactly `name`.
    pub fn find(&self, name: &str) -> Option<MountId> {
        self.mounts
            .iter()
            .position(|mount| mount.name() == name)
            .map(|index| index as MountId)
    }

    /// Returns mount `id`.
    pub fn get(&self, id: MountId) -> Option<&Mount> {
        self.mounts.get(id as usize)
    }

    /// Returns mount `id` for reading or writing pages.
    pub fn get_mut(&mut self, id: MountId) -> Option<&mut Mount> {
        self.mounts.get_mut(id as usize)
    }

    /// Returns every mount, in id order.
    pub fn iter(&self) -> impl Iterator<Item = &Mount> {
        self.mounts.iter()
    }

    /// Returns the number of mounts.
    pub fn len(&self) -> usize {
        self.mounts.len()
    }

    /// Returns whether there is no mount.
    pub fn is_empty(&self) -> bool {
        self.mounts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rule() {
        for good in [
            "data",
            "a",
            "in.txt",
            "_x",
            "A-1_b.c",
            &"n".repeat(MAX_NAME_LEN),
        ] {
            assert_eq!(check_name(good), Ok(()), "{good:?}");
        }
        let too_long = "n".repeat(MAX_NAME_LEN + 1);
        for bad in [
            "",
            ".",
            "..",
            "../etc/passwd",
            "/etc/passwd",
            "a/b",
            "-x",
            ".hidden",
            "sp ace",
            "ünï",
            &too_long,
        ] {
            assert!(check_name(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn pages_read_zeros_past_the_end() {
        let mut mount = Mount::in_memory("m", b"abcdef".to_vec(), false).unwrap();
        let mut page = [9u8; 4];
        mount.read_page(0, &mut page).unwrap();
        assert_eq!(&page, b"abcd");
        mount.read_page(1, &mut page).unwrap();
        assert_eq!(&page, b"ef\0\0");
        mount.read_page(5, &mut page).unwrap();
        assert_eq!(&page, &[0; 4]);
    }

    #[test]
    fn write_back_stops_at_the_end() {
        let mut mount = Mount::in_memory("m", b"abcdef".to_vec(), true).unwrap();
        assert_eq!(mount.write_page(1, b"WXYZ").unwrap(), 2);
        assert_eq!(mount.write_page(2, b"WXYZ").unwrap(), 0);
        assert_eq!(mount.memory_bytes().unwrap(), b"abcdWX");
    }

    #[test]
    fn read_only_mount_rejects_writes() {
        let mut mount = Mount::in_memory("m", b"abcd".to_vec(), false).unwrap();
        assert!(mount.write_page(0, b"WXYZ").is_err());
        assert_eq!(mount.memory_bytes().unwrap(), b"abcd");
    }

    #[test]
    fn duplicate_names_are_rejected() {
        let mut table = MountTable::default();
        let first = Mount::in_memory("m", Vec::new(), false).unwrap();
        let second = Mount::in_memory("m", Vec::new(), true).unwrap();
        assert_eq!(table.add(first), Ok(0));
        assert!(table.add(second).is_err());
        assert_eq!(table.find("m"), Some(0));
        assert_eq!(table.find("M"), None);
    }
}
