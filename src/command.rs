//! External programs as tasks: an aligner, a tree builder, `gzip -t` over many files.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

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

fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n")
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
        let start = Instant::now();
        let mut c = Command::new(&self.program);
        c.args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        if let Some(d) = &self.dir {
            c.current_dir(d);
        }
        let command = self.command_line();
        let out = c.output().map_err(|e| Error::Command {
            command: command.clone(),
            status: format!("could not start: {e}"),
            stderr_tail: String::new(),
        })?;
        let result = CmdOutput {
            command,
            code: out.status.code(),
            success: out.status.success(),
            stdout: out.stdout,
            stderr: out.stderr,
            millis: start.elapsed().as_millis() as u64,
        };
        if self.check && !result.success {
            return Err(Error::Command {
                status: match result.code {
                    Some(c) => format!("exited with status {c}"),
                    None => format!("was killed ({})", out.status),
                },
                stderr_tail: tail(&result.stderr),
                command: result.command,
            });
        }
        Ok(result)
    }

    /// The run as a lazy task, named after the program.
    pub fn delayed(self) -> Delayed<CmdOutput> {
        let label = std::path::Path::new(&self.program)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "cmd".into());
        Delayed::from_fn(
            "cmd",
            Vec::new(),
            Box::new(move |_| self.run().map(|o| Arc::new(o) as Value)),
        )
        .name(&label)
        .spillable()
    }
}
