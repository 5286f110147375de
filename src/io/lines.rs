//! Blocks of whole lines out of a byte stream, and lines out of blocks, without a copy
//! per line: about a megabyte is read at a time, cut after its last line break (the
//! rest is carried into the next block), and lines are slices of the block.

use std::io::{Read, Seek, SeekFrom};

use memchr::{memchr, memchr_iter, memrchr};

use super::{Compression, Split, describe_read_error};
use crate::{Error, Result};

/// Bytes read at a time.
pub(crate) const BLOCK: usize = 1 << 20;

/// Whole lines of a split, with where they start.
pub(crate) struct Block<'a> {
    /// Complete lines, each ending with `\n` except perhaps the split's last one.
    pub(crate) bytes: &'a [u8],
    /// 1-based number of the block's first line within the split.
    pub(crate) first_line: u64,
    /// Line breaks in `bytes` (counted once here, for the line numbers).
    #[cfg_attr(not(feature = "dataframe"), allow(dead_code))]
    pub(crate) newlines: u64,
    /// Byte offset of the block (decompressed stream for compressed files).
    pub(crate) offset: u64,
}

/// A line with where it came from, for error messages.
pub(crate) struct Line<'a> {
    /// The bytes, without the line break (`\n` or `\r\n`).
    pub(crate) bytes: &'a [u8],
    /// 1-based line number within the split.
    pub(crate) number: u64,
    /// Byte offset of the line start.
    pub(crate) offset: u64,
}

/// The longest line (or CSV record) a reader takes by default: 128 MiB. A longer one is
/// an error naming the file and offset, where the buffer would otherwise grow until
/// allocation fails (a file with no line break at all).
pub(crate) const DEFAULT_MAX_LINE: u64 = 128 << 20;

/// How a byte stream is cut into records: at every line break, or (CSV, RFC 4180) at
/// line breaks outside double-quoted fields; and the longest record allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Framing {
    /// Line breaks between these quotes are inside a record.
    pub(crate) quote: Option<u8>,
    /// A record longer than this is an error.
    pub(crate) max_line: u64,
}

impl Framing {
    /// Plain lines.
    pub(crate) fn lines(max_line: u64) -> Self {
        Framing {
            quote: None,
            max_line,
        }
    }

    /// CSV records: quoted fields may hold line breaks.
    #[cfg_attr(not(feature = "dataframe"), allow(dead_code))]
    pub(crate) fn csv(max_line: u64) -> Self {
        Framing {
            quote: Some(b'"'),
            max_line,
        }
    }

    /// Positions of the line breaks that end records in `bytes`, which starts a record.
    /// An escaped quote (`""`) flips the state twice, so counting quotes is enough.
    pub(crate) fn ends<'b>(&self, bytes: &'b [u8]) -> impl Iterator<Item = usize> + 'b {
        let quote = self.quote;
        let mut inside = false;
        let all = match quote {
            Some(q) => memchr::memchr2_iter(q, b'\n', bytes),
            // Never the quote: a second needle equal to the first.
            None => memchr::memchr2_iter(b'\n', b'\n', bytes),
        };
        all.filter(move |&i| {
            if Some(bytes[i]) == quote {
                inside = !inside;
                false
            } else {
                !inside
            }
        })
    }

    /// The end (after its line break) of the last whole record of `bytes`.
    fn last_end(&self, bytes: &[u8]) -> Option<usize> {
        match self.quote {
            None => memrchr(b'\n', bytes).map(|i| i + 1),
            Some(_) => self.ends(bytes).last().map(|i| i + 1),
        }
    }

    /// Whether `bytes`, which starts a record, holds a line break inside quotes.
    #[cfg_attr(not(feature = "dataframe"), allow(dead_code))]
    pub(crate) fn quoted_line_break(&self, bytes: &[u8]) -> bool {
        let Some(q) = self.quote else { return false };
        let mut inside = false;
        memchr::memchr2_iter(q, b'\n', bytes).any(|i| {
            if bytes[i] == q {
                inside = !inside;
                false
            } else {
                inside
            }
        })
    }
}

/// Calls `f` on blocks of whole records of `split` (at least `min_block` bytes each but
/// the last), cut as `framing` says; `f` returns `Ok(false)` to stop early.
pub(crate) fn for_each_block(
    split: &Split,
    min_block: usize,
    framing: Framing,
    metrics: &dyn super::ReadMetrics,
    mut f: impl FnMut(Block<'_>) -> Result<bool>,
) -> Result<()> {
    let (mut reader, mut pos, end) = match split.range {
        Some((start, end)) if split.compression == Compression::None => {
            let mut file =
                std::fs::File::open(&split.path).map_err(|e| Error::io(&split.path, e))?;
            metrics.file_opened();
            // A line belongs to the split where it starts: from `start - 1`, skip through
            // the first line break (the previous split's last line).
            let from = start.saturating_sub(1);
            file.seek(SeekFrom::Start(from))
                .map_err(|e| Error::io(&split.path, e))?;
            let r: Box<dyn Read + Send> = Box::new(super::Counted(file, metrics));
            (r, from, Some(end))
        }
        _ => (super::open(split, metrics)?, 0, None),
    };
    let mut skip_first = matches!(split.range, Some((s, _)) if s > 0);
    let mut buf = vec![0u8; min_block.max(BLOCK)];
    let (mut head, mut filled) = (0usize, 0usize);
    let mut line = 1u64;
    let mut eof = false;
    loop {
        if skip_first {
            match memchr(b'\n', &buf[head..filled]) {
                Some(nl) => {
                    head += nl + 1;
                    pos += nl as u64 + 1;
                    skip_first = false;
                }
                None if eof => return Ok(()),
                None => {
                    pos += (filled - head) as u64;
                    head = filled;
                }
            }
        }
        if !skip_first {
            // The whole lines in buf[head..filled], or everything at the end of input.
            let cut = if eof {
                Some(filled)
            } else if filled - head >= min_block || filled == buf.len() {
                framing.last_end(&buf[head..filled]).map(|i| head + i)
            } else {
                None
            };
            if let Some(mut cut) = cut {
                let mut stop = eof;
                if let Some(e) = end {
                    // Lines starting at or after `end` belong to the next split.
                    if pos + (cut - head) as u64 > e {
                        // The line holding byte `e - 1` is the last to start before `e`.
                        let within = e.saturating_sub(pos) as usize;
                        if within == 0 {
                            cut = head;
                        } else if let Some(i) = memchr(b'\n', &buf[head + within - 1..cut]) {
                            let line_end = head + within - 1 + i;
                            // The next split starts after that line break: it must end a
                            // record, not sit in a quoted field.
                            let record_end = framing
                                .ends(&buf[head..cut])
                                .find(|&j| head + j >= line_end);
                            if record_end != Some(line_end - head) {
                                return Err(Error::Input {
                                    path: split.path.clone(),
                                    line: None,
                                    offset: Some(e),
                                    message: "a quoted field holds a line break where the file \
                                              is cut into parts: read it whole (block_size(0))"
                                        .into(),
                                });
                            }
                            cut = line_end + 1;
                        }
                        stop = true;
                    }
                }
                if cut > head {
                    let bytes = &buf[head..cut];
                    let n = memchr_iter(b'\n', bytes).count() as u64;
                    if !f(Block {
                        bytes,
                        first_line: line,
                        newlines: n,
                        offset: pos,
                    })? {
                        return Ok(());
                    }
                    line += n;
                    pos += (cut - head) as u64;
                    head = cut;
                }
                if stop {
                    return Ok(());
                }
            }
        }
        // Keep the partial line, make room, read more.
        buf.copy_within(head..filled, 0);
        filled -= head;
        head = 0;
        if filled == buf.len() {
            if filled as u64 > framing.max_line {
                return Err(Error::Input {
                    path: split.path.clone(),
                    line: split.line(line),
                    offset: Some(pos),
                    message: format!(
                        "no line break in the {filled} bytes from here: a line longer than \
                         the limit of {} bytes (max_line_bytes)",
                        framing.max_line
                    ),
                });
            }
            buf.resize(buf.len() * 2, 0); // a line longer than the buffer
        }
        match reader.read(&mut buf[filled..]) {
            Ok(0) => eof = true,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(Error::Input {
                    path: split.path.clone(),
                    line: split.line(line),
                    offset: Some(pos + filled as u64),
                    message: describe_read_error(split, &e),
                });
            }
        }
    }
}

impl<'a> Block<'a> {
    /// Calls `f` on every line of the block with the line's start within the block;
    /// `f` returns `Ok(false)` to stop early, and so does this.
    pub(crate) fn lines(&self, mut f: impl FnMut(usize, Line<'a>) -> Result<bool>) -> Result<bool> {
        let bytes = self.bytes;
        let mut start = 0;
        // The split's last line may have no line break.
        let unterminated =
            (bytes.last() != Some(&b'\n') && !bytes.is_empty()).then_some(bytes.len());
        for (number, end) in (self.first_line..).zip(Newlines::new(bytes).chain(unterminated)) {
            let mut line = &bytes[start..end];
            if let [rest @ .., b'\r'] = line {
                line = rest;
            }
            let item = Line {
                bytes: line,
                number,
                offset: self.offset + start as u64,
            };
            if !f(start, item)? {
                return Ok(false);
            }
            start = end + 1;
        }
        Ok(true)
    }
}

/// Positions of `\n`, found 64 bytes at a time as a bit mask: for lines of a few dozen
/// bytes this beats a `memchr` call per line, whose set-up is paid for every line.
struct Newlines<'a> {
    bytes: &'a [u8],
    /// Start of the window `mask` describes.
    base: usize,
    mask: u64,
}

impl<'a> Newlines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Newlines {
            bytes,
            base: 0,
            mask: newline_mask(&bytes[..bytes.len().min(64)]),
        }
    }
}

impl Iterator for Newlines<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            self.base += 64;
            if self.base >= self.bytes.len() {
                return None;
            }
            let end = self.bytes.len().min(self.base + 64);
            self.mask = newline_mask(&self.bytes[self.base..end]);
        }
        let i = self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(self.base + i)
    }
}

/// Bit `i` set where `window[i]` is `\n` (at most 64 bytes).
#[inline]
fn newline_mask(window: &[u8]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if let Ok(w) = <&[u8; 64]>::try_from(window) {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
        };
        // SAFETY: SSE2 is part of x86_64; the four loads read the 64 bytes of `w`.
        return unsafe {
            let nl = _mm_set1_epi8(b'\n' as i8);
            (0..4).fold(0u64, |m, k| {
                let v = _mm_loadu_si128(w.as_ptr().add(16 * k).cast::<__m128i>());
                m | (u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)) as u16) << (16 * k))
            })
        };
    }
    window
        .iter()
        .enumerate()
        .fold(0, |m, (i, &b)| m | (u64::from(b == b'\n') << i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ends_skip_quoted_line_breaks() {
        let csv = Framing::csv(1 << 20);
        let b = b"a,b\n1,\"x\ny\"\n2,\"\"\"q\"\"\"\n3,z";
        assert_eq!(csv.ends(b).collect::<Vec<_>>(), vec![3, 11, 21]);
        assert_eq!(csv.last_end(b), Some(22));
        assert!(csv.quoted_line_break(b));
        assert!(!csv.quoted_line_break(b"a,\"b,c\"\n1,2\n"));
        let lines = Framing::lines(1 << 20);
        assert_eq!(lines.ends(b).collect::<Vec<_>>(), vec![3, 8, 11, 21]);
        assert!(!lines.quoted_line_break(b));
    }

    #[test]
    fn newlines_match_memchr() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for len in [0, 1, 63, 64, 65, 127, 128, 129, 1000, 4099] {
            for density in [2, 7, 40, 300] {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        if x.is_multiple_of(density) {
                            b'\n'
                        } else {
                            (x >> 8) as u8 | 0x80
                        }
                    })
                    .collect();
                let want: Vec<usize> = memchr_iter(b'\n', &bytes).collect();
                assert_eq!(
                    Newlines::new(&bytes).collect::<Vec<_>>(),
                    want,
                    "{len} {density}"
                );
            }
        }
    }
}
