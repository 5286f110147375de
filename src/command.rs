//! External programs as tasks: an aligner, a tree builder, `gzip -t` over many files.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::graph::Value;
use crate::{Delayed, Error, Result};

/// A program with arguments, run as a task. The environment is inherited (what SGE's
/// `-V` is for), plus any variables set here.
///
/// ```
/// use chunkwise::Cmd;
/// let out = Cmd::new("echo").arg("hello").run().unwrap();
/// assert!(out.success);
/// assert_eq!(out.stdout_str(), "hello\n");
/// let err = Cmd::new("sh").args(["-c", "echo oops >&2; exit 3"]).run().unwrap_err();
/// assert!(err.to_string().contains("exited with status 3") && err.to_string().contains("oops"));
/// ```
#[derive(Clone, Debug)]
pub struct Cmd {
    program: OsString,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    dir: Option<PathBuf>,
    check: bool,
    timeout: Option<Duration>,
    retries: u8,
}

/// How a program ended and what it printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CmdOutput {
    /// The command line, for reports.
    pub command: String,
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Whether it exited with status 0.
    pub success: bool,
    /// Its standard output.
    pub stdout: Vec<u8>,
    /// Its standard error.
    pub stderr: Vec<u8>,
    /// Wall time in milliseconds.
    pub millis: u64,
}

impl CmdOutput {
    /// Standard output as text (invalid UTF-8 replaced).
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Standard error as text (invalid UTF-8 replaced).
    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

impl crate::Encode for CmdOutput {
    fn held_bytes(&self) -> u64 {
        (self.command.len() + self.stdout.len() + self.stderr.len() + 32) as u64
    }
    fn encode(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        self.command.encode(w)?;
        (self.code.map_or(i64::MIN, i64::from)).encode(w)?;
        u8::from(self.success).encode(w)?;
        self.stdout.encode(w)?;
        self.stderr.encode(w)?;
        self.millis.encode(w)
    }
    fn decode(r: &mut dyn std::io::Read) -> std::io::Result<Self> {
        let command = String::decode(r)?;
        let code = i64::decode(r)?;
        Ok(CmdOutput {
            command,
            code: (code != i64::MIN).then_some(code as i32),
            success: u8::decode(r)? != 0,
            stdout: Vec::decode(r)?,
            stderr: Vec::decode(r)?,
            millis: u64::decode(r)?,
        })
    }
}

const TAIL_LINES: usize = 20;
const TAIL_BYTES: usize = 4096;

/// The end of a program's standard error for a message: its last lines, at most 4 KiB
/// (a 20 MB line must not become a 20 MB error).
fn tail(bytes: &[u8]) -> String {
    let from = bytes.len().saturating_sub(TAIL_BYTES);
    let text = String::from_utf8_lossy(&bytes[from..]);
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let tail = lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n");
    if from > 0 {
        format!("[{from} earlier bytes not shown]...{tail}")
    } else {
        tail
    }
}

impl Cmd {
    /// The program to run (looked up in `PATH`).
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        Cmd {
            program: program.as_ref().to_owned(),
            args: Vec::new(),
            env: Vec::new(),
            dir: None,
            check: true,
            timeout: None,
            retries: 0,
        }
    }

    /// Adds an argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Adds arguments.
    pub fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(mut self, args: I) -> Self {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Sets an environment variable on top of the inherited environment.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Runs in this directory.
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// Whether a non-zero exit is an error (the default) or a value to inspect.
    pub fn check(mut self, check: bool) -> Self {
        self.check = check;
        self
    }

    /// Kills the program if it runs longer than `timeout` (an error saying so).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// As a task ([`Cmd::delayed`]), runs the program up to `n` more times when it fails
    /// (exits non-zero, is killed, cannot start), each failure an
    /// [`Event::Retry`](crate::Event); a timeout still applies to each attempt.
    pub fn retries(mut self, n: u8) -> Self {
        self.retries = n;
        self
    }

    /// The command line as a shell would show it.
    pub fn command_line(&self) -> String {
        std::iter::once(&self.program)
            .chain(&self.args)
            .map(|a| {
                let s = a.to_string_lossy();
                if s.is_empty() || s.contains(|c: char| c.is_whitespace() || "'\"$\\".contains(c)) {
                    format!("'{}'", s.replace('\'', r"'\''"))
                } else {
                    s.into_owned()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs the program now and waits for it.
    pub fn run(&self) -> Result<CmdOutput> {
        self.run_until(&|| false)
    }

    /// Runs the program, killing it when `stop` says so (its compute was cancelled) or
    /// its timeout passes.
    fn run_until(&self, stop: &dyn Fn() -> bool) -> Result<CmdOutput> {
        let start = Instant::now();
        let command = self.command_line();
        let failed = |status: String, stderr: &[u8]| Error::Command {
            command: command.clone(),
            status,
            stderr_tail: tail(stderr),
        };
        if let Some(d) = &self.dir
            && !d.is_dir()
        {
            return Err(failed(
                format!(
                    "could not start: its working directory {} does not exist",
                    d.display()
                ),
                b"",
            ));
        }
        let mut c = Command::new(&self.program);
        c.args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(d) = &self.dir {
            c.current_dir(d);
        }
        let mut child = c
            .spawn()
            .map_err(|e| failed(format!("could not start: {e}"), b""))?;
        // Both pipes drained as the program writes (a full pipe would stall it); each
        // drain says when its pipe closes, which is when the program ends, so a short
        // program is waited for without polling.
        let (tx, rx) = std::sync::mpsc::channel::<(usize, Vec<u8>)>();
        let drain = |which: usize, pipe: Option<Box<dyn Read + Send>>| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                if let Some(mut p) = pipe {
                    let _ = p.read_to_end(&mut buf);
                }
                let _ = tx.send((which, buf));
            });
        };
        drain(0, child.stdout.take().map(|p| Box::new(p) as _));
        drain(1, child.stderr.take().map(|p| Box::new(p) as _));
        drop(tx);
        let why_stop = || {
            if self.timeout.is_some_and(|t| start.elapsed() >= t) {
                Some(format!(
                    "was killed after its timeout of {} s",
                    self.timeout.unwrap_or_default().as_secs_f64()
                ))
            } else if stop() {
                Some("was killed: its compute was cancelled".to_string())
            } else {
                None
            }
        };
        let mut outputs: [Option<Vec<u8>>; 2] = [None, None];
        let mut stopped = None;
        // Until both pipes close; once stopped, a second at most (a process the program
        // started may hold them open after it is killed).
        let mut give_up = None;
        while outputs.iter().any(Option::is_none) {
            if stopped.is_some() && give_up.is_none() {
                let _ = child.kill();
                give_up = Some(Instant::now() + Duration::from_secs(1));
            }
            match rx.recv_timeout(Duration::from_millis(20)) {
                Ok((which, buf)) => outputs[which] = Some(buf),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                Err(_) if give_up.is_some_and(|t| Instant::now() >= t) => break,
                Err(_) => {
                    if stopped.is_none() {
                        stopped = why_stop();
                    }
                }
            }
        }
        // The pipes are closed (or given up on): wait for the exit, still watching.
        let mut pause = Duration::from_micros(100);
        let status = loop {
            if stopped.is_some() {
                let _ = child.kill();
            }
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if stopped.is_none() => stopped = why_stop(),
                Ok(None) => {}
                Err(e) => return Err(failed(format!("could not be waited for: {e}"), b"")),
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(20));
        };
        let [stdout, stderr] = outputs.map(Option::unwrap_or_default);
        if let Some(why) = stopped {
            return Err(failed(why, &stderr));
        }
        let result = CmdOutput {
            command: command.clone(),
            code: status.code(),
            success: status.success(),
            stdout,
            stderr,
            millis: start.elapsed().as_millis() as u64,
        };
        if self.check && !result.success {
            return Err(failed(
                match result.code {
                    Some(c) => format!("exited with status {c}"),
                    None => format!("was killed ({status})"),
                },
                &result.stderr,
            ));
        }
        Ok(result)
    }

    /// The run as a lazy task, named after the program.
    pub fn delayed(self) -> Delayed<CmdOutput> {
        let label = std::path::Path::new(&self.program)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "cmd".into());
        // Killed when its compute fails elsewhere or passes its timeout.
        let retries = self.retries;
        Delayed::from_task_fn(
            "cmd",
            Box::new(move |ctx, _| {
                self.run_until(&|| ctx.is_cancelled())
                    .map(|o| Arc::new(o) as Value)
            }),
        )
        .name(&label)
        .spillable()
        .retries(retries)
    }
}
