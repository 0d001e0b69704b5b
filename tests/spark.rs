//! The Spark job (`contrib/spark/shadowai_spark.py`) in local mode writes every report byte
//! for byte as one `shadowai scan` of the same inputs. Skipped, with a notice, where PySpark or
//! Java is missing.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Instant;

use crate::generate::write_logs;
use crate::util::{assert_same_outputs, per_user_events, repo};

const BIN: &str = env!("CARGO_BIN_EXE_shadowai");

/// Why the job cannot run here, if it cannot.
fn spark_missing() -> Option<String> {
    let probe = |cmd: &str, args: &[&str]| match Command::new(cmd).args(args).output() {
        Ok(o) if o.status.success() => None,
        Ok(o) => Some(format!(
            "`{cmd} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr)
                .trim()
                .lines()
                .last()
                .unwrap_or("")
        )),
        Err(e) => Some(format!("`{cmd}` not runnable: {e}")),
    };
    probe("python3", &["-c", "import pyspark"]).or_else(|| probe("java", &["-version"]))
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{cmd:?} exited with {:?}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs one scan and the Spark job on `inputs` (as spelled, from `cwd`) with the scan options
/// `opts` and the rendering options `render`, and compares.
fn compare(
    cwd: &Path,
    inputs: &[&str],
    (opts, render): (&[&str], &[&str]),
    spark: &[&str],
    work: &Path,
) {
    let (scan_out, spark_out) = (work.join("scan"), work.join("spark"));
    let kept = work.join("reduced.partial");
    run(crate::util::command()
        .current_dir(cwd)
        .args(["scan", "--quiet"])
        .args(inputs)
        .arg("--out")
        .arg(&scan_out)
        .args(opts)
        .args(render));
    let started = Instant::now();
    let job = run(Command::new("python3")
        .env("SOURCE_DATE_EPOCH", crate::util::GENERATED)
        .current_dir(cwd)
        .arg(repo("contrib/spark/shadowai_spark.py"))
        .args(["--shadowai", BIN, "--master", "local[2]", "--out"])
        .arg(&spark_out)
        .arg("--keep-partial")
        .arg(&kept)
        .args(spark)
        .args(opts)
        .args(render)
        .args(inputs)
        .env_remove("SHADOWAI"));
    let stderr = String::from_utf8_lossy(&job.stderr);
    let summary = stderr
        .lines()
        .find(|l| l.starts_with("shadowai-spark: "))
        .unwrap_or_else(|| panic!("no summary line:\n{stderr}"));
    eprintln!("{summary} ({:.1?} in all)", started.elapsed());
    assert_same_outputs(&scan_out, &spark_out, "spark job");

    // The reduced partial the job kept is the whole aggregate: merged alone, it renders the
    // same reports again.
    let again = work.join("again");
    run(crate::util::command()
        .current_dir(cwd)
        .arg("merge")
        .arg(&kept)
        .arg("--out")
        .arg(&again)
        .args(render));
    assert_same_outputs(&scan_out, &again, "kept partial");
}

#[test]
fn spark_job_reports_equal_one_scan() {
    if let Some(why) = spark_missing() {
        eprintln!("spark test skipped: {why}");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();

    // (a) Every sample format, relative paths from the repository: more map tasks than
    // cores, fewer reducers than maps.
    compare(
        &repo(""),
        &["sample-logs"],
        (&[], &[]),
        &["--partitions", "5", "--reducers", "3"],
        &tmp.path().join("a"),
    );

    // (b) Generated logs (plain, multi-member gzip, a subfolder) in two folders given out of
    // order, absolute paths, with options that change matching and rendering.
    let logs = tmp.path().join("logs");
    write_logs(&logs.join("x"), 3000, 11);
    write_logs(&logs.join("y"), 400, 12);
    let (x, y) = (logs.join("x"), logs.join("y"));
    // DNS clients change hands mid-window: the job must name users at each event's time.
    let leases = tmp.path().join("leases.csv");
    std::fs::write(
        &leases,
        "ip,user,start,end\n\
         10.8.0.1,erin,2026-11-09,2026-11-14T12:00:00Z\n\
         10.8.0.1,frank,2026-11-14T12:00:01Z,\n\
         2001:db8::5,grace,,\n",
    )
    .unwrap();
    compare(
        tmp.path(),
        &[y.to_str().unwrap(), x.to_str().unwrap()],
        (
            &[
                "--keep-user-domain",
                "--since",
                "2026-11-11",
                "--until",
                "2026-11-19",
            ],
            &[
                "--identity",
                leases.to_str().unwrap(),
                "--jsonl",
                "--upload-threshold",
                "4KiB",
            ],
        ),
        &["--partitions", "6", "--reducers", "2"],
        &tmp.path().join("b"),
    );
    let users: Vec<String> = per_user_events(&tmp.path().join("b/spark"))
        .into_keys()
        .map(|(user, _)| user)
        .collect();
    for leased in ["erin", "frank", "grace"] {
        assert!(users.iter().any(|u| u == leased), "{leased} in {users:?}");
    }
}
