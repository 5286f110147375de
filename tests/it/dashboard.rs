//! The dashboard over plain HTTP: the token, the page, the event stream, the state
//! after a run, a port that is taken.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use chunkwise::diagnostics::Dashboard;
use chunkwise::{Config, Delayed, Scheduler, collect, delayed};

/// Status line and body of `GET path`; for the event stream, up to the first event.
fn get(addr: std::net::SocketAddr, path: &str) -> (String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = s.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got);
        // The event stream never ends: stop after its first event.
        if text.contains("data: ") && text.contains("}\n\n") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&got).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (
        head.lines().next().unwrap_or("").to_string(),
        body.to_string(),
    )
}

#[test]
fn the_dashboard_answers_only_with_its_token_and_shows_a_run() {
    let d = Dashboard::start("127.0.0.1:0", true).unwrap();
    let addr = d.addr();
    let url = d.url();
    let token = url.split("token=").nth(1).unwrap().to_string();
    assert_eq!(token.len(), 32);
    for path in ["/", "/events", "/state.json", "/?token=wrong"] {
        let (status, _) = get(addr, path);
        assert!(status.contains("403"), "{path}: {status}");
    }
    let (status, page) = get(addr, &format!("/?token={token}"));
    assert!(status.contains("200"), "{status}");
    assert!(page.contains("EventSource") && page.contains("id=\"workers\""));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "nothing fetched"
    );
    let (status, event) = get(addr, &format!("/events?token={token}"));
    assert!(
        status.contains("200") && event.contains("data: {\"runs\":0"),
        "{status} {event}"
    );

    // A run with two workers: 40 tasks that sleep, then their sum.
    let config = Config::new()
        .scheduler(Scheduler::threads(2))
        .observe(d.clone());
    let parts: Vec<Delayed<u64>> = (0..40u64)
        .map(|i| {
            delayed(move || {
                std::thread::sleep(Duration::from_millis(5));
                i
            })
            .name("dash-part")
        })
        .collect();
    let total = collect(&parts)
        .map(|v| v.iter().sum::<u64>())
        .name("dash-sum");
    assert_eq!(total.compute_with(&config).unwrap(), 780);
    let (_, state) = get(addr, &format!("/state.json?token={token}"));
    assert!(state.contains("\"runs\":1,\"running\":false"), "{state}");
    assert!(state.contains("\"tasks\":42,\"done\":42"), "{state}");
    assert!(
        state.contains(
            "{\"name\":\"dash-part\",\"total\":40,\"done\":40,\"running\":0,\"failed\":0}"
        ),
        "{state}"
    );
    for w in 0..2 {
        assert!(
            state.contains(&format!("{{\"rank\":0,\"worker\":{w},")),
            "worker {w}: {state}"
        );
    }

    // A second run where one task fails: it is counted as failed, its group's others
    // as done, and the counts are this run's (not added to the first's).
    let parts: Vec<Delayed<u64>> = (0..6u64)
        .map(|i| delayed(move || i).name("dash-ok"))
        .collect();
    let bad = collect(&parts)
        .map(|v| -> u64 {
            assert!(v.len() > 100, "dash-bad fails on purpose");
            0
        })
        .name("dash-bad");
    assert!(bad.compute_with(&config).is_err());
    let (_, state) = get(addr, &format!("/state.json?token={token}"));
    assert!(state.contains("\"runs\":2,\"running\":false"), "{state}");
    assert!(state.contains("\"tasks\":8,\"done\":7"), "{state}");
    assert!(
        state.contains("{\"name\":\"dash-bad\",\"total\":1,\"done\":0,\"running\":0,\"failed\":1}"),
        "{state}"
    );
    assert!(!state.contains("dash-part"), "{state}");

    // The port is taken: an error naming it.
    let e = Dashboard::start(&addr.to_string(), true)
        .unwrap_err()
        .to_string();
    assert!(e.contains(&addr.to_string()), "{e}");
    // Without a token, anyone on the machine may look.
    let open = Dashboard::start("127.0.0.1:0", false).unwrap();
    assert!(get(open.addr(), "/").0.contains("200"));
}
