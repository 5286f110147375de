//! A byte range of a bzip2 file, decoded block by block, as lbzip2 splits its work.
//!
//! A bzip2 stream is a header (`BZh` and a level), blocks that each start with the
//! 48-bit magic `0x314159265359` at any bit offset, and an end-of-stream magic
//! `0x177245385090` with the stream's CRC. Each block decodes on its own: copied into a
//! stream of its own (a header, the block's bits, an end marker carrying the block's
//! CRC, which is then the stream's), it goes through the ordinary decoder, which checks
//! the CRC. So a file is cut into byte ranges, and the reader of a range decodes the
//! blocks whose magic starts in it, then goes on decoding the next blocks only until
//! their first line break: the line that straddles the boundary belongs to this range,
//! and the next range skips through its own first line break (as plain files are cut).
//!
//! The magic can occur inside compressed data by chance (about once in 2^48 bit
//! positions): a block cut there fails its CRC, and is decoded again up to the next
//! magic. A file that ends without an end-of-stream marker is an error, never a short
//! read that looks complete.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use super::ReadMetrics;

const BLOCK_MAGIC: u64 = 0x3141_5926_5359;
const END_MAGIC: u64 = 0x1772_4538_5090;
const MASK48: u64 = (1 << 48) - 1;
/// Times a block is extended past a magic that turned out to be data.
const FALSE_MAGICS: usize = 4;

/// The decompressed lines of bytes `start..end` of a bzip2 file (see the module doc).
pub(crate) struct RangeReader<'m> {
    bits: Bits<'m>,
    end_bit: u64,
    /// Bit where the next block to decode starts (`None`: no more blocks).
    next: Option<u64>,
    /// Owned blocks are done; decoding the next ones until a line break.
    tail: bool,
    done: bool,
    out: Vec<u8>,
    at: usize,
}

impl<'m> RangeReader<'m> {
    pub(crate) fn new(
        file: File,
        start: u64,
        end: u64,
        metrics: &'m dyn ReadMetrics,
    ) -> std::io::Result<Self> {
        let mut bits = Bits::new(file, start, metrics)?;
        let next = bits.find(start * 8, false)?.map(|(at, _)| at);
        Ok(RangeReader {
            bits,
            end_bit: end * 8,
            next,
            tail: false,
            done: false,
            out: Vec::new(),
            at: 0,
        })
    }

    /// Decodes the next block into `out`; false when there is none.
    fn decode_next(&mut self) -> std::io::Result<bool> {
        let Some(start) = self.next else {
            return Ok(false);
        };
        if !self.tail && start >= self.end_bit {
            // The next block is the next range's: from here on, only the line that
            // straddles the boundary.
            self.tail = true;
        }
        let mut end = self.bits.find(start + 48, true)?;
        let mut tries = 0;
        loop {
            let complete = match end {
                // The end marker is followed by the stream's CRC.
                Some((stop, true)) => self.bits.has_bits(stop + 48 + 32)?,
                other => other.is_some(),
            };
            let Some((stop, is_end)) = end.filter(|_| complete) else {
                return Err(corrupt(
                    start,
                    "the file ends without a whole end-of-stream marker (truncated?)",
                ));
            };
            match decode_block(&self.bits.stream(start, stop)?) {
                Ok(data) => {
                    self.out = data;
                    self.at = 0;
                    self.next = if is_end {
                        self.bits.find(stop + 48, false)?.map(|(at, _)| at)
                    } else {
                        Some(stop)
                    };
                    self.bits.discard_before(stop / 8);
                    return Ok(true);
                }
                // A magic inside the compressed data: the block goes on past it.
                Err(_) if tries < FALSE_MAGICS && !is_end => {
                    tries += 1;
                    end = self.bits.find(stop + 48, true)?;
                }
                Err(e) => return Err(corrupt(start, &e.to_string())),
            }
        }
    }
}

impl Read for RangeReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.out.len() {
            if self.done || !self.decode_next()? {
                return Ok(0);
            }
            if self.tail {
                // Only through the first line break of what follows the range.
                if let Some(i) = memchr::memchr(b'\n', &self.out) {
                    self.out.truncate(i + 1);
                    self.done = true;
                }
            }
        }
        let n = buf.len().min(self.out.len() - self.at);
        buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn corrupt(bit: u64, why: &str) -> std::io::Error {
    std::io::Error::other(format!("bzip2 block at compressed byte {}: {why}", bit / 8))
}

/// One block, made a stream of its own, decoded (its CRC checked by the decoder).
fn decode_block(stream: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(1 << 20);
    bzip2::read::BzDecoder::new(stream).read_to_end(&mut out)?;
    Ok(out)
}

/// The compressed bytes from the range's start on, read as they are needed.
struct Bits<'m> {
    file: File,
    /// File offset of `data[0]`.
    base: u64,
    data: Vec<u8>,
    eof: bool,
    metrics: &'m dyn ReadMetrics,
}

impl<'m> Bits<'m> {
    fn new(mut file: File, start: u64, metrics: &'m dyn ReadMetrics) -> std::io::Result<Self> {
        file.seek(SeekFrom::Start(start))?;
        Ok(Bits {
            file,
            base: start,
            data: Vec::new(),
            eof: false,
            metrics,
        })
    }

    /// Makes byte `i` of the file (and the 7 after it) present unless the file ends.
    fn load(&mut self, i: u64) -> std::io::Result<()> {
        while !self.eof && self.base + self.data.len() as u64 <= i + 7 {
            let have = self.data.len();
            self.data.resize(have + (1 << 20), 0);
            let n = self.file.read(&mut self.data[have..])?;
            self.data.truncate(have + n);
            self.metrics.bytes_read(n as u64);
            self.eof = n == 0;
        }
        Ok(())
    }

    /// Whether the file holds its first `n` bits.
    fn has_bits(&mut self, n: u64) -> std::io::Result<bool> {
        let last = n.div_ceil(8).saturating_sub(1);
        self.load(last)?;
        Ok(self.base + self.data.len() as u64 > last)
    }

    fn byte(&self, i: u64) -> u8 {
        let k = i.checked_sub(self.base).map(|k| k as usize);
        k.and_then(|k| self.data.get(k)).copied().unwrap_or(0)
    }

    /// The first block magic (or, with `or_end`, end-of-stream magic) starting at bit
    /// `from` or later: its bit, and whether it is the end marker.
    fn find(&mut self, from: u64, or_end: bool) -> std::io::Result<Option<(u64, bool)>> {
        let mut i = from / 8;
        loop {
            self.load(i)?;
            let len = self.base + self.data.len() as u64;
            if i + 6 > len {
                return Ok(None);
            }
            // Bytes i..i+8 as a big-endian window: a magic starting at bit 8i + s
            // is bits s..s+48 of it.
            let w = (0..8).fold(0u64, |w, k| (w << 8) | self.byte(i + k) as u64);
            for s in 0..8u64 {
                let bit = i * 8 + s;
                if bit < from || bit + 48 > len * 8 {
                    continue;
                }
                let v = (w >> (16 - s)) & MASK48;
                if v == BLOCK_MAGIC {
                    return Ok(Some((bit, false)));
                }
                if or_end && v == END_MAGIC {
                    return Ok(Some((bit, true)));
                }
            }
            i += 1;
        }
    }

    /// Drops the bytes before file offset `i`, which no later block reads.
    fn discard_before(&mut self, i: u64) {
        if i > self.base + (4 << 20) {
            let k = ((i - self.base) as usize).min(self.data.len());
            self.data.drain(..k);
            self.base += k as u64;
        }
    }

    /// A stream of the one block at bits `start..stop`: header, the block, an end
    /// marker with the block's CRC (the 32 bits after its magic) as the stream's.
    fn stream(&mut self, start: u64, stop: u64) -> std::io::Result<Vec<u8>> {
        self.load(stop / 8)?;
        let mut w = BitWriter::default();
        w.out.extend_from_slice(b"BZh9");
        // Whole bytes of the block, shifted into place (the writer is byte-aligned
        // after the header).
        let whole = ((stop - start) / 8) as usize;
        let (k, s) = ((start / 8 - self.base) as usize, (start % 8) as u32);
        let d = &self.data[k..];
        if s == 0 {
            w.out.extend_from_slice(&d[..whole]);
        } else {
            w.out
                .extend((0..whole).map(|j| (d[j] << s) | (d[j + 1] >> (8 - s))));
        }
        let bit = start + whole as u64 * 8;
        if bit < stop {
            let n = (stop - bit) as u32;
            w.push(self.bits_at(bit, 8) >> (8 - n), n);
        }
        let crc = (self.bits_at(start + 48, 16) << 16) | self.bits_at(start + 64, 16);
        w.push(END_MAGIC >> 24, 24);
        w.push(END_MAGIC & 0xff_ffff, 24);
        w.push(crc, 32);
        Ok(w.finish())
    }

    /// `n` (at most 16) bits from bit `bit` of the file, most significant first.
    fn bits_at(&self, bit: u64, n: u32) -> u64 {
        let i = bit / 8;
        let w = (0..3).fold(0u64, |w, k| (w << 8) | self.byte(i + k) as u64);
        (w >> (24 - (bit % 8) as u32 - n)) & ((1 << n) - 1)
    }
}

/// Bits written most significant first.
#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    fn push(&mut self, v: u64, n: u32) {
        self.acc = (self.acc << n) | (v & ((1 << n) - 1));
        self.n += n;
        while self.n >= 8 {
            self.n -= 8;
            self.out.push((self.acc >> self.n) as u8);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            let pad = 8 - self.n;
            self.push(0, pad);
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn compress(text: &[u8], level: u32) -> Vec<u8> {
        let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::new(level));
        e.write_all(text).unwrap();
        e.finish().unwrap()
    }

    /// Lines of a range as the line reader takes them: through the first line break
    /// skipped unless the range starts the file.
    fn read_range(path: &std::path::Path, start: u64, end: u64) -> std::io::Result<Vec<u8>> {
        let file = File::open(path).unwrap();
        let mut out = Vec::new();
        RangeReader::new(file, start, end, &())?.read_to_end(&mut out)?;
        if start > 0 {
            let cut = memchr::memchr(b'\n', &out).map_or(out.len(), |i| i + 1);
            out.drain(..cut);
        }
        Ok(out)
    }

    fn text(lines: usize, long_every: usize) -> Vec<u8> {
        let mut t = Vec::new();
        let mut x = 7u64;
        for i in 0..lines {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            if long_every > 0 && i % long_every == 0 {
                // A line longer than a 100k block.
                t.extend((0..150_000).map(|k| b'a' + ((x >> (k % 50)) % 26) as u8));
            } else {
                write!(t, "{i},{},{}", x >> 40, x % 977).unwrap();
            }
            t.push(b'\n');
        }
        t
    }

    /// Cut into ranges of every size (blocks of 100 kB, ranges of a few kB to more
    /// than the file, two streams back to back), the lines of the ranges put together
    /// are the file's lines, once each.
    #[test]
    fn ranges_put_together_are_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = text(40_000, 0);
        let b = text(10_000, 3_000);
        let mut both = compress(&a, 1);
        both.extend(compress(&b, 1));
        let path = dir.path().join("t.bz2");
        std::fs::write(&path, &both).unwrap();
        let whole = [a, b].concat();
        let len = both.len() as u64;
        for size in [3_000u64, 40_000, len, len * 2] {
            let mut got = Vec::new();
            let mut start = 0;
            while start < len {
                let end = (start + size).min(len);
                got.extend(read_range(&path, start, end).unwrap());
                start = end;
            }
            assert!(
                got == whole,
                "ranges of {size} bytes: {} vs {}",
                got.len(),
                whole.len()
            );
        }
    }

    /// A file cut short (at a block boundary or inside one) or with a flipped bit is
    /// an error naming the compressed offset, never a short answer.
    #[test]
    fn truncated_or_corrupt_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let z = compress(&text(60_000, 0), 1);
        let path = dir.path().join("t.bz2");
        let len = z.len();
        // Where the second block starts: a cut there leaves whole blocks only.
        let mut bits = Bits::new(
            File::open({
                std::fs::write(&path, &z).unwrap();
                &path
            })
            .unwrap(),
            0,
            &(),
        )
        .unwrap();
        let first = bits.find(0, false).unwrap().unwrap().0;
        let second = bits.find(first + 48, false).unwrap().unwrap().0;
        for cut in [(second / 8 + 1) as usize, len / 2, len - 3] {
            std::fs::write(&path, &z[..cut]).unwrap();
            let got = read_range(&path, 0, cut as u64);
            let err = got.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains("compressed byte"), "cut at {cut}: {err:?}");
        }
        let mut bad = z.clone();
        bad[len / 3] ^= 0x10;
        std::fs::write(&path, &bad).unwrap();
        assert!(read_range(&path, 0, len as u64).is_err());
    }
}
