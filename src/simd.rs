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
                    if std::arch::is_x86_feature_detected!("avx512f") {
                        // SAFETY: the CPU has AVX-512F, checked just above.
                        return unsafe { avx512($($arg),*) };
                    }
                    if std::arch::is_x86_feature_detected!("avx2") {
                        // SAFETY: the CPU has AVX2, checked just above.
                        return unsafe { $avx2($($arg),*) };
                    }
                }
            }
            let _ = force_scalar;
            $generic($($arg),*)
        }
    };
}

pub(crate) use multiversion;
