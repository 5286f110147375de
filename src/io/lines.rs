//! Lines out of a byte stream, without a copy per line: blocks of about a megabyte are
//! read, cut with memchr, and each line is handed out as a slice of the block.

use std::io::{Read, Seek, SeekFrom};

use memchr::memchr;

use super::{Compression, Split, describe_read_error};
use crate::{Error, Result};

const BLOCK: usize = 1 << 20;

/// A line with where it came from, for error messages.
pub(crate) struct Line<'a> {
    /// The bytes, without the line break (`\n` or `\r\n`).
    pub(crate) bytes: &'a [u8],
    /// 1-based line number within the split.
    pub(crate) number: u64,
    /// Byte offset of the line start (decompressed stream for compressed files).
    pub(crate) offset: u64,
}

/// Calls `f` on every line of `split`; `f` returns `Ok(false)` to stop early.
pub(crate) fn for_each_line(
    split: &Split,
    mut f: impl FnMut(Line<'_>) -> Result<bool>,
) -> Result<()> {
    let (mut reader, mut pos, end) = match split.range {
        Some((start, end)) if split.compression == Compression::None => {
            let mut file =
                std::fs::File::open(&split.path).map_err(|e| Error::io(&split.path, e))?;
            crate::engine::context::file_opened();
            // A line belongs to the split where it starts: from `start - 1`, skip through
            // the first line break (the previous split's last line).
            let from = start.saturating_sub(1);
            file.seek(SeekFrom::Start(from))
                .map_err(|e| Error::io(&split.path, e))?;
            let r: Box<dyn Read + Send> = Box::new(super::Counted(file));
            (r, from, Some(end))
        }
        _ => (super::open(split)?, 0, None),
    };
    let mut skip_first = matches!(split.range, Some((s, _)) if s > 0);
    let mut buf = vec![0u8; BLOCK];
    let (mut head, mut filled) = (0usize, 0usize);
    let mut number = 0u64;
    let mut eof = false;
    loop {
        // Hand out every complete line in buf[head..filled].
        while let Some(nl) = memchr(b'\n', &buf[head..filled]) {
            let line_start = pos;
            let mut line = &buf[head..head + nl];
            pos += nl as u64 + 1;
            head += nl + 1;
            if skip_first {
                skip_first = false;
                continue;
            }
            if end.is_some_and(|e| line_start >= e) {
                return Ok(());
            }
            if let [rest @ .., b'\r'] = line {
                line = rest;
            }
            number += 1;
            if !f(Line {
                bytes: line,
                number,
                offset: line_start,
            })? {
                return Ok(());
            }
        }
        if eof {
            // A last line without a break.
            if head < filled && !skip_first && end.is_none_or(|e| pos < e) {
                number += 1;
                let mut line = &buf[head..filled];
                if let [rest @ .., b'\r'] = line {
                    line = rest;
                }
                f(Line {
                    bytes: line,
                    number,
                    offset: pos,
                })?;
            }
            return Ok(());
        }
        // Keep the partial line, make room, read more.
        buf.copy_within(head..filled, 0);
        filled -= head;
        head = 0;
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0); // a line longer than a block
        }
        match reader.read(&mut buf[filled..]) {
            Ok(0) => eof = true,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(Error::Input {
                    path: split.path.clone(),
                    line: Some(number + 1),
                    offset: Some(pos + filled as u64),
                    message: describe_read_error(split, &e),
                });
            }
        }
    }
}
