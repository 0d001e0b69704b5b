//! Inputs that hold the same log: read once (issue 17).
//!
//! A log and its gzip copy side by side, a copy under another name, a hard link: reading each
//! would count every event twice, a wrong headline no one can see. Two inputs whose
//! decompressed content is identical are read once (the first in walk order); and an input
//! whose whole content is the start of another (a copy taken before the log grew) is read as
//! part of the longer one. The other is listed with `duplicate_of`, and named on stderr.
//!
//! # Performance
//! Comparing costs nothing in the common case: an input can only hold another's content if
//! the two share their first [`HEAD_BYTES`](crate::input::HEAD_BYTES) decompressed bytes (all of them, when shorter),
//! which planning read anyway ([`head_key`]). Only inputs sharing a head are read once more,
//! in full, for a SHA-256 of their content (and when their lengths differ, the longest once
//! more for the hashes of its prefixes). Which input is kept depends only on the contents and
//! the walk order, never on the threads.
//!
//! Not found: a copy shorter than [`HEAD_BYTES`](crate::input::HEAD_BYTES) that is the start of a longer log (their
//! heads differ), and a copy damaged part-way (it is read, and its error named).

use std::cmp::Reverse;
use std::hash::Hasher as _;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::PoisonError;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};
use sha2::{Digest, Sha256};

use super::{Plan, Source};
use crate::aggregate::{Duplicate, FileStats, Overlap};
use crate::hash::hex;
use crate::input::Handle;

/// The key inputs are grouped by: a hash of their first decompressed bytes and how many there
/// are. Equal content always has equal keys; a collision costs one needless comparison.
pub(super) fn head_key(head: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write_usize(head.len());
    h.write(head);
    h.finish()
}

/// An input not to read: its content is in input `of` (indexes into the plans).
#[derive(Debug, PartialEq, Eq)]
struct Twin {
    index: usize,
    of: usize,
    overlap: Overlap,
}

/// The statistics of an input not read because `of` holds its content: nothing counted.
pub(super) fn stats(
    path: &Path,
    format: Option<&'static str>,
    gzip: bool,
    of: PathBuf,
    overlap: Overlap,
) -> FileStats {
    FileStats {
        path: path.to_path_buf(),
        format,
        gzip,
        duplicate: Some(Duplicate { of, overlap }),
        ..FileStats::default()
    }
}

/// Finds the duplicates among the planned inputs and finishes them unread, each naming the
/// input read (an alias, [`crate::input::Found::Alias`], already names the file it links to,
/// and takes its format here). Returns the indexes of the inputs finished here.
pub(super) fn settle(plans: &mut [&mut Plan], min_expansion: u64) -> Vec<usize> {
    let shared: Vec<&Plan> = plans.iter().map(|p| &**p).collect();
    let found = find(&shared, min_expansion);
    // An alias is the very file it names: its format is that file's.
    let kinds: FxHashMap<PathBuf, (Option<&'static str>, bool)> = plans
        .iter()
        .map(|p| (p.path.clone(), (p.format.map(|f| f.name()), p.gzip)))
        .collect();
    for p in plans.iter_mut() {
        if let Some(d) = p.done.as_mut().filter(|d| d.format.is_none())
            && let Some(link) = &d.duplicate
            && let Some(&(format, gzip)) = kinds.get(&link.of)
        {
            (d.format, d.gzip) = (format, gzip);
        }
    }
    for d in &found {
        let of = plans[d.of].path.clone();
        plans[d.index].duplicate(of, d.overlap);
    }
    found.into_iter().map(|d| d.index).collect()
}

/// The duplicates among the planned regular files still to read, by index, ascending.
fn find(plans: &[&Plan], min_expansion: u64) -> Vec<Twin> {
    let mut by_head: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
    for (i, p) in plans.iter().enumerate() {
        if let (None, Some(key), Source::File { .. }) = (&p.done, p.head_key, &p.source) {
            by_head.entry(key).or_default().push(i);
        }
    }
    let groups: Vec<Vec<usize>> = by_head.into_values().filter(|g| g.len() > 1).collect();
    let mut found: Vec<Twin> = groups
        .par_iter()
        .flat_map_iter(|g| within(plans, g, min_expansion))
        .collect();
    found.sort_by_key(|d| d.index);
    found
}

/// Inputs of one content, or one prefix relation: a length, its hash, the inputs in walk order.
struct Class {
    len: u64,
    hash: String,
    members: Vec<usize>,
}

/// The duplicates within one group of inputs sharing a head (`group` in walk order). An input
/// that cannot be read to its end here is left out: it is read as usual and its error named.
fn within(plans: &[&Plan], group: &[usize], min_expansion: u64) -> Vec<Twin> {
    let digests: Vec<(usize, Option<(u64, String)>)> = group
        .par_iter()
        .map(|&i| {
            let whole = digest(plans[i], &[], min_expansion).ok();
            (i, whole.map(|(len, hash, _)| (len, hash)))
        })
        .collect();
    let mut classes: Vec<Class> = Vec::new();
    for (i, d) in digests {
        let Some((len, hash)) = d else { continue };
        match classes.iter_mut().find(|c| c.len == len && c.hash == hash) {
            Some(c) => c.members.push(i),
            None => classes.push(Class {
                len,
                hash,
                members: vec![i],
            }),
        }
    }
    // Longest first (of equal lengths, the first in walk order): each class not itself the
    // start of a longer one is read once more for the hashes of its prefixes at the lengths
    // of the shorter classes; a shorter class whose hash is among them is its start.
    let mut order: Vec<usize> = (0..classes.len()).collect();
    order.sort_by_key(|&k| (Reverse(classes[k].len), classes[k].members[0]));
    let mut start_of: Vec<Option<usize>> = vec![None; classes.len()];
    for (pos, &long) in order.iter().enumerate() {
        if start_of[long].is_some() {
            continue;
        }
        let shorter: Vec<usize> = order[pos + 1..]
            .iter()
            .copied()
            .filter(|&k| start_of[k].is_none() && classes[k].len < classes[long].len)
            .collect();
        if shorter.is_empty() {
            continue;
        }
        let mut at: Vec<u64> = shorter.iter().map(|&k| classes[k].len).collect();
        at.sort_unstable();
        at.dedup();
        let Ok((_, _, prefixes)) = digest(plans[classes[long].members[0]], &at, min_expansion)
        else {
            continue;
        };
        for k in shorter {
            let i = at.partition_point(|&l| l < classes[k].len);
            if prefixes.get(i) == Some(&classes[k].hash) {
                start_of[k] = Some(long);
            }
        }
    }
    let mut out = Vec::new();
    for (k, class) in classes.iter().enumerate() {
        match start_of[k] {
            Some(long) => out.extend(class.members.iter().map(|&m| Twin {
                index: m,
                of: classes[long].members[0],
                overlap: Overlap::Start,
            })),
            None => out.extend(class.members[1..].iter().map(|&m| Twin {
                index: m,
                of: class.members[0],
                overlap: Overlap::Same,
            })),
        }
    }
    out
}

/// The handle of a planned file, to read it once more before its tasks do: the one kept from
/// planning, or one opened for this read alone (holding it would defeat the limit on open
/// files).
fn handle(plan: &Plan) -> io::Result<Handle> {
    let Source::File { id, handle } = &plan.source else {
        return Err(io::Error::other("internal error: not a file"));
    };
    let held = handle
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    match held {
        Some(h) => Ok(h),
        None => Handle::reopen(&plan.path, *id, plan.size),
    }
}

/// The length and SHA-256 (hex) of a planned file's decompressed content, and the hash of its
/// first `at[i]` bytes for each length of `at` (ascending) it is at least as long as.
fn digest(plan: &Plan, at: &[u64], min_expansion: u64) -> io::Result<(u64, String, Vec<String>)> {
    let file = handle(plan)?;
    let mut reader = file
        .open_at(0, &indicatif::ProgressBar::hidden(), min_expansion)?
        .reader;
    let mut hasher = Sha256::new();
    let mut prefixes = Vec::with_capacity(at.len());
    let mut buf = vec![0; 256 * 1024];
    let mut len = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let mut chunk = &buf[..n];
        while let Some(&want) = at.get(prefixes.len())
            && want <= len + chunk.len() as u64
        {
            let take = usize::try_from(want - len).unwrap_or(chunk.len());
            hasher.update(&chunk[..take]);
            len += take as u64;
            chunk = &chunk[take..];
            prefixes.push(hex(&hasher.clone().finalize()));
        }
        hasher.update(chunk);
        len += chunk.len() as u64;
    }
    file.check()?;
    Ok((len, hex(&hasher.finalize()), prefixes))
}
