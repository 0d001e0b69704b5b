//! Issue 16, item 5: `audit.xlsx`. Read back with calamine: the sheets, a header row, real
//! dates and numbers, a hostile user name kept as text (never a formula), the department sheet
//! only with a directory, and the same bytes from two runs.

use calamine::{Data, Reader, Xlsx, open_workbook};

use crate::util::{hostile_chatgpt_line, scan};

/// Every cell of every sheet of the workbook at `path`, as text, one per line: what a
/// reader of the workbook sees (the file itself is compressed).
pub fn cells_text(path: &std::path::Path) -> String {
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    let mut text = String::new();
    for name in book.sheet_names() {
        for cell in book.worksheet_range(&name).unwrap().used_cells() {
            text.push_str(&cell.2.to_string());
            text.push('\n');
        }
    }
    text
}

/// A user name a spreadsheet would run as a formula if it were written as one (lower case:
/// user names are normalized).
const HOSTILE: &str = "=cmd|'/ccalc'!a0";

#[test]
fn the_workbook_has_typed_cells_and_inert_text() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let log: String = [HOSTILE, "jürgen.müller", "alice"]
        .iter()
        .enumerate()
        .map(|(i, u)| hostile_chatgpt_line(i + 1, u))
        .collect();
    std::fs::write(logs.join("access.log"), log).unwrap();
    let ad = tmp.path().join("ad.csv");
    std::fs::write(
        &ad,
        "sAMAccountName,mail,Department,Manager\nalice,alice@example.com,Finance,bob\n",
    )
    .unwrap();
    let ad = ad.display().to_string();
    let (a, b, plain) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("plain"),
    );
    for out in [&a, &b] {
        let run = scan(&[&logs], out, &["--directory", &ad, "--xlsx"]);
        assert_eq!(
            run.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    assert_eq!(
        std::fs::read(a.join("audit.xlsx")).unwrap(),
        std::fs::read(b.join("audit.xlsx")).unwrap(),
        "two runs over the same data write the same workbook"
    );
    let mut book: Xlsx<_> = open_workbook(a.join("audit.xlsx")).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "Summary",
            "Per tool",
            "Findings",
            "Per user",
            "Per department",
            "Register candidates"
        ]
    );
    let users = book.worksheet_range("Per user").unwrap();
    let header: Vec<String> = users
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header[..3], ["user", "tool_id", "tool"]);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row_of = |user: &str| {
        users
            .rows()
            .find(|r| r[0] == Data::String(user.to_string()))
            .unwrap_or_else(|| panic!("no row for {user}"))
            .to_vec()
    };
    let hostile = row_of(HOSTILE);
    assert_eq!(
        hostile[0],
        Data::String(HOSTILE.into()),
        "text, not a formula"
    );
    assert_eq!(hostile[col("events")], Data::Float(1.0), "a number");
    let Data::DateTime(first) = &hostile[col("first_seen (UTC)")] else {
        panic!(
            "first_seen is a date: {:?}",
            hostile[col("first_seen (UTC)")]
        );
    };
    // 1794211531.001 = 2026-11-09T08:05:31Z: 46335 days after Excel's 1899-12-30, plus the
    // time of day.
    let want = 46_335.0 + (8.0 * 3600.0 + 5.0 * 60.0 + 31.0) / 86_400.0;
    assert!((first.as_f64() - want).abs() < 1e-6, "{first:?}");
    assert_eq!(
        row_of("jürgen.müller")[0],
        Data::String("jürgen.müller".into())
    );
    let formulas = book.worksheet_formula("Per user").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formula anywhere"
    );
    let depts = book.worksheet_range("Per department").unwrap();
    assert!(depts.rows().any(|r| r[0] == Data::String("Finance".into())));
    let summary = book.worksheet_range("Summary").unwrap();
    let value = |label: &str| {
        summary
            .rows()
            .find(|r| r[0] == Data::String(label.into()))
            .unwrap_or_else(|| panic!("no {label}"))[1]
            .clone()
    };
    assert_eq!(value("users"), Data::Float(3.0));
    assert!(matches!(value("first event (UTC)"), Data::DateTime(_)));

    let run = scan(&[&logs], &plain, &["--xlsx"]);
    assert_eq!(run.status.code(), Some(0));
    let book: Xlsx<_> = open_workbook(plain.join("audit.xlsx")).unwrap();
    assert!(
        !book.sheet_names().iter().any(|s| s == "Per department"),
        "no department sheet without a directory"
    );
    // Opt-in: a run without --xlsx writes none, and removes the earlier run's copy.
    assert_eq!(scan(&[&logs], &plain, &[]).status.code(), Some(0));
    assert!(
        !plain.join("audit.xlsx").exists(),
        "a stale audit.xlsx is removed"
    );
}
