//! Usage per user × tool × day, with users interned: the aggregate that grows with the
//! organization.
//!
//! # Performance
//! A user name is hashed once per matched event, to find its small id; the cell is then found
//! on an integer key `(user, tool, day)` in one flat map. Memory is one [`Cell`] and its key per
//! distinct user × tool × day, plus each distinct name once per worker: a nested map per user
//! (the layout before) cost an allocation and a table per person, and its lookups grew with
//! the population. Ids are local to one `Usage`: [`Usage::merge`] maps the other side's ids
//! onto its own, and reports sort by name, so ids never reach an output.
//!
//! The cells are kept in `SHARDS` tables by tool: merging two workers' cells and summing
//! them into person × tool pairs run shard by shard on every core. In one table both were
//! serial after the parallel scan, 15–25 ms of a 3,000-person scan's tail (perf timeline).
//! A tool, not a hash of the whole key, picks the shard: a merge renumbers users but never
//! moves a cell to another shard, and a pair's cells all lie in one shard.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use super::{Cell, Day, SeenOn};
use crate::signatures::{Evidence, ToolId};

/// A user's id inside one [`Usage`].
pub type UserId = u32;

/// Tables the cells are split into, by tool.
const SHARDS: usize = 16;

/// The shard of `tool`'s cells.
fn shard(tool: ToolId) -> usize {
    tool as usize % SHARDS
}

/// What one usage cell counts: a user × tool × day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// The user ([`Usage::name`] gives the name).
    pub user: UserId,
    /// The tool.
    pub tool: ToolId,
    /// The UTC day, `None` for events without a timestamp.
    pub day: Day,
}

/// Per user × tool × day counters, and the devices and processes behind endpoint usage per
/// user × tool.
#[derive(Clone, Debug, Default)]
pub struct Usage {
    /// Names by id.
    names: Vec<Box<[u8]>>,
    /// Ids by name, kept in the table when short (most are): looked up once per matched
    /// event, a name behind a pointer missed the cache more often than not.
    ids: FxHashMap<SmallVec<[u8; 24]>, UserId>,
    /// By [`shard`] of the key's tool.
    cells: [FxHashMap<Key, Cell>; SHARDS],
    seen_on: FxHashMap<(UserId, ToolId), SeenOn>,
}

impl Usage {
    /// The id of `user` (a normalized name or address), given one if new.
    ///
    /// A name that is not UTF-8 is kept with each bad sequence replaced by U+FFFD, the form
    /// the reports show: two names the reports would show alike are one user, so a report
    /// row, a finding and a distinct-user count all mean the same person.
    pub fn intern(&mut self, user: &[u8]) -> UserId {
        if let Some(&id) = self.ids.get(user) {
            return id;
        }
        match String::from_utf8_lossy(user) {
            std::borrow::Cow::Borrowed(_) => self.intern_owned(user.into()),
            std::borrow::Cow::Owned(shown) => self.intern_owned(shown.into_bytes().into()),
        }
    }

    fn intern_owned(&mut self, user: Box<[u8]>) -> UserId {
        if let Some(&id) = self.ids.get(&*user) {
            return id;
        }
        // Two copies of each name (the map's key, the list's entry): a name is a few bytes,
        // and finding a name by id must not search.
        let id = self.names.len() as UserId;
        self.ids.insert(SmallVec::from_slice(&user), id);
        self.names.push(user);
        id
    }

    /// The id of `user`, if it has usage or endpoint detail here.
    pub fn id(&self, user: &[u8]) -> Option<UserId> {
        self.ids
            .get(user)
            .or_else(|| self.ids.get(String::from_utf8_lossy(user).as_bytes()))
            .copied()
    }

    /// The name of user `id`.
    pub fn name(&self, id: UserId) -> &[u8] {
        self.names.get(id as usize).map_or(&[], |n| n)
    }

    /// Distinct users.
    pub fn users(&self) -> usize {
        self.names.len()
    }

    /// Distinct user × tool × day cells.
    pub fn len(&self) -> usize {
        self.cells.iter().map(FxHashMap::len).sum()
    }

    /// Whether nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.cells.iter().all(FxHashMap::is_empty) && self.seen_on.is_empty()
    }

    /// Counts one matched event.
    pub fn add(
        &mut self,
        user: &[u8],
        tool: ToolId,
        ts: Option<i64>,
        bytes_out: Option<u64>,
        evidence: Evidence,
    ) {
        let key = Key {
            user: self.intern(user),
            tool,
            day: ts.map(crate::time::day_of),
        };
        self.cells[shard(tool)]
            .entry(key)
            .or_default()
            .add_usage(ts, bytes_out, evidence);
    }

    /// Adds a stored cell (a partial's or the state's row).
    pub fn add_cell(&mut self, user: &[u8], tool: ToolId, day: Day, cell: &Cell) {
        let key = Key {
            user: self.intern(user),
            tool,
            day,
        };
        self.cells[shard(tool)].entry(key).or_default().merge(cell);
    }

    /// The cell of `user` × `tool` × `day`, if any.
    pub fn get(&self, user: &[u8], tool: ToolId, day: Day) -> Option<&Cell> {
        let user = self.id(user)?;
        self.cells[shard(tool)].get(&Key { user, tool, day })
    }

    /// The devices and processes behind `user` × `tool`, if any.
    pub fn seen(&self, user: &[u8], tool: ToolId) -> Option<&SeenOn> {
        self.seen_on.get(&(self.id(user)?, tool))
    }

    /// The cells, in no particular order.
    pub fn cells(&self) -> impl Iterator<Item = (&Key, &Cell)> {
        self.cells.iter().flat_map(|shard| shard.iter())
    }

    /// Notes the device and process behind a matched endpoint event.
    pub fn add_seen_on(
        &mut self,
        user: &[u8],
        tool: ToolId,
        device: Option<&[u8]>,
        process: Option<&[u8]>,
    ) {
        let user = self.intern(user);
        self.seen_on
            .entry((user, tool))
            .or_default()
            .add(device, process);
    }

    /// Devices and processes per user × tool, in no particular order.
    pub fn seen_on(&self) -> impl Iterator<Item = (&(UserId, ToolId), &SeenOn)> {
        self.seen_on.iter()
    }

    /// The cells summed over days per user × tool: a person × tool is use or incidental as
    /// a whole ([`Cell::evidence`]), over the window counted.
    pub fn pairs(&self) -> Pairs {
        // Summed shard by shard in parallel; a pair's cells all lie in its tool's shard.
        let shards = self
            .cells
            .par_iter()
            .map(|cells| {
                // Sized for a person × tool seen on a few days (six cells a pair in the org
                // workload), so the table is not rehashed a dozen times on the way up.
                let mut pairs: FxHashMap<(UserId, ToolId), Cell> =
                    FxHashMap::with_capacity_and_hasher(cells.len() / 4, Default::default());
                for (k, c) in cells {
                    pairs.entry((k.user, k.tool)).or_default().merge(c);
                }
                pairs
            })
            .collect();
        Pairs { shards }
    }

    /// Adds everything `o` counted, its users mapped onto this side's ids.
    pub fn merge(&mut self, mut o: Usage) {
        // Re-keying costs per entry of the side merged in: merge the smaller one.
        if self.len() + self.seen_on.len() < o.len() + o.seen_on.len() {
            std::mem::swap(self, &mut o);
        }
        let ids: Vec<UserId> = std::mem::take(&mut o.names)
            .into_iter()
            .map(|name| self.intern_owned(name))
            .collect();
        let id = |u: UserId| ids.get(u as usize).copied().unwrap_or(u);
        self.cells
            .par_iter_mut()
            .zip(o.cells.par_iter_mut())
            .for_each(|(mine, theirs)| {
                // At most one growth of the table, not one per doubling.
                mine.reserve(theirs.len());
                for (k, c) in theirs.drain() {
                    let key = Key {
                        user: id(k.user),
                        ..k
                    };
                    mine.entry(key).or_default().merge(&c);
                }
            });
        for ((u, t), s) in o.seen_on {
            self.seen_on.entry((id(u), t)).or_default().merge(s);
        }
    }
}

/// Cells summed per user × tool ([`Usage::pairs`]), kept in the shards they were summed in:
/// moved into one table, they were held twice at the peak (8 MiB at 30,000 people).
pub struct Pairs {
    shards: Vec<FxHashMap<(UserId, ToolId), Cell>>,
}

impl Pairs {
    /// The sum of `user` × `tool`'s cells, if any.
    pub fn get(&self, &(user, tool): &(UserId, ToolId)) -> Option<&Cell> {
        self.shards.get(shard(tool))?.get(&(user, tool))
    }

    /// Every pair, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&(UserId, ToolId), &Cell)> {
        self.shards.iter().flat_map(|shard| shard.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_with_its_key_is_80_bytes() {
        // The per-cell memory docs/performance.md states: key and counters, before the
        // hash table's own overhead.
        assert_eq!(std::mem::size_of::<(Key, Cell)>(), 80);
    }

    #[test]
    fn merge_maps_the_other_sides_ids_onto_its_own() {
        let u = Evidence::Use;
        let mut a = Usage::default();
        a.add(b"alice", 1, Some(0), Some(5), u);
        a.add(b"bob", 2, Some(0), None, u);
        let mut b = Usage::default();
        // Other ids for the same names, and a name only this side has.
        b.add(b"carol", 3, Some(86_400), None, u);
        b.add(b"bob", 2, Some(10), Some(1), u);
        b.add_seen_on(b"bob", 2, Some(b"pc-1"), None);
        a.merge(b);
        assert_eq!(a.users(), 3);
        assert_eq!(a.len(), 3);
        let bob = a.get(b"bob", 2, Some(0)).unwrap();
        assert_eq!((bob.events, bob.uploaded()), (2, Some(1)));
        assert_eq!(a.get(b"carol", 3, Some(1)).unwrap().events, 1);
        assert!(a.seen(b"bob", 2).unwrap().devices.contains(&b"pc-1"[..]));
        let names: Vec<&[u8]> = (0..3).map(|id| a.name(id)).collect();
        assert!(names.contains(&&b"carol"[..]) && names.contains(&&b"alice"[..]));
    }

    /// Every cell as (name, tool, day, events), sorted.
    fn by_name(u: &Usage) -> Vec<(Vec<u8>, ToolId, Day, u64)> {
        let mut v: Vec<_> = u
            .cells()
            .map(|(k, c)| (u.name(k.user).to_vec(), k.tool, k.day, c.events))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn events_split_over_workers_merge_to_the_counts_of_one() {
        // Tools across more than every shard, users in both halves under other ids.
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut events = Vec::new();
        for _ in 0..5_000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let user = format!("user{}", rng % 97);
            let tool = ((rng >> 8) % 70) as ToolId;
            let ts = 1_794_182_400 + ((rng >> 20) % (14 * 86_400)) as i64;
            events.push((user, tool, ts, (rng >> 40).is_multiple_of(3)));
        }
        let mut one = Usage::default();
        let (mut a, mut b) = (Usage::default(), Usage::default());
        for (i, (user, tool, ts, bytes)) in events.iter().enumerate() {
            let add = |u: &mut Usage| {
                u.add(
                    user.as_bytes(),
                    *tool,
                    Some(*ts),
                    bytes.then_some(10),
                    Evidence::Use,
                )
            };
            add(&mut one);
            add(if i % 3 == 0 { &mut a } else { &mut b });
        }
        a.merge(b);
        assert_eq!(a.len(), one.len());
        assert_eq!(by_name(&a), by_name(&one));
        let pairs = |u: &Usage| {
            let mut v: Vec<_> = u
                .pairs()
                .iter()
                .map(|(&(user, tool), c)| (u.name(user).to_vec(), tool, c.events, c.uploaded()))
                .collect();
            v.sort();
            v
        };
        let want = pairs(&one);
        assert_eq!(want.len(), {
            let mut p: Vec<_> = events.iter().map(|(u, t, ..)| (u, t)).collect();
            p.sort();
            p.dedup();
            p.len()
        });
        assert_eq!(pairs(&a), want);
    }

    #[test]
    fn names_shown_alike_are_one_user() {
        let mut usage = Usage::default();
        // Two spellings that are not UTF-8 and that the reports both show as `j�rgen`.
        usage.add(b"j\xfcrgen", 1, None, None, Evidence::Use);
        usage.add(b"j\xffrgen", 1, None, None, Evidence::Use);
        assert_eq!(usage.users(), 1);
        assert_eq!(usage.name(0), "j\u{fffd}rgen".as_bytes());
        assert_eq!(usage.get(b"j\xfcrgen", 1, None).unwrap().events, 2);
    }
}
