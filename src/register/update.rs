//! The append-only `register update`: tools a scan found that the register does not list are
//! appended as tier-4 `discovered` rows in the register's own columns, delimiter and line
//! ending, and every existing byte of the file stays as it was.

use std::path::Path;

use super::columns::Column;
use super::workbook::is_workbook;
use super::{Register, error, key};
use crate::atomic::AtomicFile;
use crate::policy::Tier;
use crate::report::csv_out::CsvWriter;

/// What `shadowai register update` appends for each newly found tool. Tier 4 with status
/// `discovered`: in use, never reviewed — the rollout fast-tracks them into a real tier.
pub const DISCOVERED_STATUS: &str = "discovered";

/// One row of a scan's `register-candidates.csv`.
#[derive(Debug, serde::Deserialize)]
struct Candidate {
    tool_id: String,
    tool: String,
    vendor: String,
    category: String,
    users: u64,
    events: u64,
    first_seen: String,
    last_seen: String,
}

/// The rows `update` would append: candidates from `from_dir` not already in the register
/// (by tool id or name), as CSV records in the register's own columns.
pub fn new_rows(register: &Register, from_dir: &Path) -> anyhow::Result<Vec<Vec<String>>> {
    let path = from_dir.join("register-candidates.csv");
    let mut rdr = csv::Reader::from_path(&path).map_err(|e| error(&path, 0, e))?;
    let known: std::collections::HashSet<String> = register
        .entries
        .iter()
        .flat_map(|e| [e.id.as_deref(), e.name.as_deref()])
        .flatten()
        .map(key)
        .collect();
    let cols = &register.columns;
    let mut rows = Vec::new();
    for rec in rdr.deserialize::<Candidate>() {
        let c = rec.map_err(|e| error(&path, e.position().map_or(0, |p| p.line() as usize), e))?;
        if known.contains(&key(&c.tool_id)) || known.contains(&key(&c.tool)) {
            continue;
        }
        let mut row = vec![String::new(); cols.headers.len()];
        let mut set = |col: Column, v: String| {
            if let Some(i) = cols.get(col) {
                row[i] = v;
            }
        };
        set(Column::Id, c.tool_id.clone());
        set(Column::Name, c.tool.clone());
        set(Column::Vendor, c.vendor.clone());
        set(Column::Category, c.category.clone());
        set(Column::Tier, Tier::UNREGISTERED.to_string());
        set(Column::Status, DISCOVERED_STATUS.to_string());
        set(Column::FirstSeen, c.first_seen.clone());
        set(Column::Users, c.users.to_string());
        set(
            Column::Notes,
            format!(
                "discovered by shadowai: {} users, {} events, {} to {}; tier 4 until reviewed",
                c.users, c.events, c.first_seen, c.last_seen
            ),
        );
        rows.push(row);
    }
    Ok(rows)
}

/// Serializes rows in the register's delimiter and line ending, quoting only where needed.
pub fn encode_rows(
    register: &Register,
    original: &[u8],
    rows: &[Vec<String>],
) -> anyhow::Result<Vec<u8>> {
    let crlf = original
        .windows(2)
        .position(|w| w == b"\r\n")
        .is_some_and(|i| {
            // The first line ending decides.
            memchr::memchr(b'\n', original) == Some(i + 1)
        });
    let mut builder = csv::WriterBuilder::new();
    builder.delimiter(register.delimiter).terminator(if crlf {
        csv::Terminator::CRLF
    } else {
        csv::Terminator::Any(b'\n')
    });
    // The register is opened in a spreadsheet too: the appended cells are neutralized like
    // every CSV output (cells from `register-candidates.csv` already are; neutralizing is
    // idempotent).
    let mut w = CsvWriter::from_builder(&builder, Vec::new());
    for r in rows {
        w.text_row(r)?;
    }
    let mut out = Vec::new();
    if !original.is_empty() && !original.ends_with(b"\n") {
        out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
    }
    out.extend(w.into_inner()?);
    Ok(out)
}

/// Appends the new candidates to the register file: existing bytes untouched, written to a
/// temporary file and renamed into place after a `.bak` copy. Returns the rows added (none:
/// the file is not touched).
pub fn update(path: &Path, from_dir: &Path, dry_run: bool) -> anyhow::Result<Vec<Vec<String>>> {
    if is_workbook(path) {
        return Err(error(
            path,
            0,
            "register update appends to CSV registers only (so every existing byte stays); export the workbook to CSV, update that, and re-import",
        ));
    }
    let original = std::fs::read(path).map_err(|e| error(path, 0, e))?;
    let register = Register::parse(path, &original)?;
    let rows = new_rows(&register, from_dir)?;
    if rows.is_empty() || dry_run {
        return Ok(rows);
    }
    let appended = encode_rows(&register, &original, &rows)?;
    // The old register is kept beside the new one as NAME.bak, copied just before the new
    // one replaces it.
    let mut backup = path.as_os_str().to_owned();
    backup.push(".bak");
    let write = || -> anyhow::Result<()> {
        use std::io::Write as _;
        let mut f = AtomicFile::create(path)?;
        f.file().write_all(&original)?;
        f.file().write_all(&appended)?;
        std::fs::copy(path, &backup)?;
        f.commit()
    };
    write().map_err(|e| error(path, 0, format!("writing the updated register: {e:#}")))?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates(dir: &Path) {
        std::fs::write(
            dir.join("register-candidates.csv"),
            "tool_id,tool,vendor,category,users,events,bytes_out,first_seen,last_seen,top_users\n\
             deepseek,DeepSeek,DeepSeek,chat-assistant,3,40,0,2026-11-09T08:00:00Z,2026-11-20T10:00:00Z,a (30)\n\
             claude,Claude,Anthropic,chat-assistant,2,5,0,2026-11-10T08:00:00Z,2026-11-11T10:00:00Z,b (5)\n",
        )
        .unwrap();
    }

    #[test]
    fn appends_only_new_tools_keeping_every_byte_and_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        candidates(dir.path());
        let reg = dir.path().join("register.csv");
        let original = "Tool;Tier;Owner;Notes;Cost centre\r\n\"Claude\";\"Tier 2 — Approved General\";Ann;\"uses \"\"projects\"\"; ok\";42\r\nChatGPT;1;Bob;;7";
        std::fs::write(&reg, original).unwrap();
        let added = update(&reg, dir.path(), false).unwrap();
        assert_eq!(added.len(), 1);
        let after = std::fs::read_to_string(&reg).unwrap();
        assert!(after.starts_with(original), "existing bytes are kept");
        assert_eq!(
            &after[original.len()..],
            "\r\nDeepSeek;4;;\"discovered by shadowai: 3 users, 40 events, 2026-11-09T08:00:00Z to 2026-11-20T10:00:00Z; tier 4 until reviewed\";\r\n"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("register.csv.bak")).unwrap(),
            original
        );
        let again = update(&reg, dir.path(), false).unwrap();
        assert!(again.is_empty());
        assert_eq!(
            std::fs::read_to_string(&reg).unwrap(),
            after,
            "a second run changes nothing"
        );
        let reread = Register::read(&reg).unwrap();
        assert_eq!(
            reread.entries.last().map(|e| (e.tier, e.name.as_deref())),
            Some((Tier::UNREGISTERED, Some("DeepSeek")))
        );
    }

    #[test]
    fn workbooks_are_refused() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/register.xlsx");
        let err = update(&path, Path::new("."), true).unwrap_err().to_string();
        assert!(err.contains("CSV registers only"), "{err}");
    }

    #[test]
    fn dry_run_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        candidates(dir.path());
        let reg = dir.path().join("r.csv");
        std::fs::write(&reg, "Tool ID,Tool,Tier,Status\n").unwrap();
        let rows = update(&reg, dir.path(), true).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], vec!["deepseek", "DeepSeek", "4", "discovered"]);
        assert_eq!(
            std::fs::read_to_string(&reg).unwrap(),
            "Tool ID,Tool,Tier,Status\n"
        );
        assert!(!dir.path().join("r.csv.bak").exists());
    }
}
