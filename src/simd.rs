//! Runtime CPU feature dispatch: a generic, `#[inline(always)]` kernel compiled again for
//! AVX-512 and AVX2 and picked at run time. The kernels use the same operations in the
//! same order on every path (no reassociation), so the results are the same bits; only
//! the width of the instructions changes.

/// Compiles `$generic` again for each instruction set: the same operations, so the same
/// bits, only wider. With `avx2 = path`, CPUs with AVX2 but not AVX-512 run that
/// hand-written `#[target_feature(enable = "avx2")]` kernel instead, which must give the
/// same bits as `$generic`.
macro_rules! multiversion {
    ($name:ident, $generic:ident, ($($arg:ident: $ty:ty),*)) => {
        crate::simd::multiversion!(@emit $name, $generic, ($($arg: $ty),*), avx2, {
            #[target_feature(enable = "avx2")]
            fn avx2($($arg: $ty),*) {
                $generic($($arg),*)
            }
        });
    };
    ($name:ident, $generic:ident, ($($arg:ident: $ty:ty),*), avx2 = $avx2:path) => {
        crate::simd::multiversion!(@emit $name, $generic, ($($arg: $ty),*), $avx2, {});
    };
    (@emit $name:ident, $generic:ident, ($($arg:ident: $ty:ty),*), $avx2:path, { $($avx2_def:tt)* }) => {
        fn $name($($arg: $ty),*, force_scalar: bool) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                fn avx512($($arg: $ty),*) {
                    $generic($($arg),*)
                }
                $($avx2_def)*
                if !force_scalar {
                    match crate::simd::level() {
                        // SAFETY: `level` reports AVX-512F only where the CPU has it.
                        crate::simd::Level::Avx512 => return unsafe { avx512($($arg),*) },
                        // SAFETY: `level` reports AVX2 only where the CPU has it.
                        crate::simd::Level::Avx2 => return unsafe { $avx2($($arg),*) },
                        crate::simd::Level::Scalar => {}
                    }
                }
            }
            let _ = force_scalar;
            $generic($($arg),*)
        }
    };
}

pub(crate) use multiversion;

/// The instruction set the multiversioned kernels run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Portable code.
    Scalar,
    /// AVX2 (and FMA where a kernel asks for it).
    Avx2,
    /// AVX-512F.
    Avx512,
}

impl Level {
    /// The name `CHUNKWISE_SIMD` takes and examples print.
    pub fn name(self) -> &'static str {
        match self {
            Level::Scalar => "scalar",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
        }
    }
}

/// The best instruction set this CPU has, capped by the environment variable
/// `CHUNKWISE_SIMD` (`scalar`, `avx2` or `avx512`) so that every code path can be run
/// and timed on one machine; results are the same bits on every path. Read once.
pub fn level() -> Level {
    static LEVEL: std::sync::OnceLock<Level> = std::sync::OnceLock::new();
    *LEVEL.get_or_init(|| {
        let cap = std::env::var("CHUNKWISE_SIMD").ok();
        let cap = match cap.as_deref() {
            Some("scalar") => Level::Scalar,
            Some("avx2") => Level::Avx2,
            None | Some("avx512") => Level::Avx512,
            Some(other) => {
                eprintln!(
                    "chunkwise: CHUNKWISE_SIMD={other:?} is not scalar, avx2 or avx512; ignored"
                );
                Level::Avx512
            }
        };
        detected().min(cap)
    })
}

fn detected() -> Level {
    #[cfg(target_arch = "x86_64")]
    {
        // AVX-512 kernels sit beside AVX2 ones (the ziggurat's), so both are asked for.
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx2")
        {
            return Level::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            return Level::Avx2;
        }
    }
    Level::Scalar
}
