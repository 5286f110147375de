use chunkwise::{Cmd, Error, compute};

#[test]
fn many_programs_in_parallel() {
    let dir = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    for i in 0..12 {
        let p = dir.path().join(format!("f{i}.txt"));
        std::fs::write(&p, format!("file {i}\n")).unwrap();
        runs.push(Cmd::new("cat").arg(&p).delayed());
    }
    let outs = compute(&runs).unwrap();
    for (i, o) in outs.iter().enumerate() {
        assert!(o.success);
        assert_eq!(o.stdout_str(), format!("file {i}\n"));
    }
}

#[test]
fn failure_carries_command_and_stderr_tail() {
    let run = Cmd::new("sh")
        .args([
            "-c",
            "for i in $(seq 1 50); do echo line$i >&2; done; exit 4",
        ])
        .delayed();
    match run.compute() {
        Err(Error::Task { key, source }) => {
            assert!(key.contains("sh-"), "{key}");
            let msg = source.to_string();
            assert!(msg.contains("exited with status 4"), "{msg}");
            assert!(msg.contains("line50") && !msg.contains("line30\n"), "{msg}");
        }
        other => panic!("expected a task error, got {other:?}"),
    }
    let kept = Cmd::new("sh")
        .args(["-c", "exit 2"])
        .check(false)
        .run()
        .unwrap();
    assert_eq!((kept.success, kept.code), (false, Some(2)));
}

#[test]
fn environment_is_inherited_and_extended() {
    let out = Cmd::new("sh")
        .args(["-c", "echo $PATH:$CHUNKWISE_TEST_VAR"])
        .env("CHUNKWISE_TEST_VAR", "xyz")
        .run()
        .unwrap();
    let path = std::env::var("PATH").unwrap();
    assert_eq!(out.stdout_str().trim(), format!("{path}:xyz"));
}

#[test]
fn missing_program_is_an_error() {
    let err = Cmd::new("/no/such/program").run().unwrap_err().to_string();
    assert!(
        err.contains("/no/such/program") && err.contains("could not start"),
        "{err}"
    );
}
