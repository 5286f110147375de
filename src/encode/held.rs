//! The memory a `serde` value holds, estimated by walking it as a serializer does: what
//! the budget counts for values that have no [`Encode`](super::Encode) of their own.
//!
//! A serializer sees values, not their layout, so each kind is counted as the owned
//! type that usually holds it: a string as a `String` (24 bytes inline and its bytes),
//! a sequence as a `Vec` (24 and its items), a map as a hash table (48, and per entry
//! its key, its value and a control byte over a load of 1/2). An encoded size would
//! miss all of that: a map of small numbers holds four or five times its postcard
//! bytes, a vector of short strings more.

use serde::ser::{self, Serialize};

/// Bytes `value` holds in memory, about (see the module's doc).
pub(crate) fn held_bytes<T: Serialize + ?Sized>(value: &T) -> u64 {
    let mut s = Held(0);
    // Serializing into a counter fails only where the type's own `Serialize` does.
    let _ = value.serialize(&mut s);
    s.0
}

/// The running count.
struct Held(u64);

/// Never made: counting cannot fail but for a type's own error.
#[derive(Debug)]
struct Never(String);

impl std::fmt::Display for Never {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Never {}

impl ser::Error for Never {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Never(msg.to_string())
    }
}

/// A hash table's bytes for an entry of `kv` bytes: the entry and a control byte, and
/// the empty slots beside them. A table doubles when 7/8 full, so its load runs from
/// 7/16 to 7/8: a load of 1/2 is taken, erring high (a map of `u64` pairs measured
/// 28 to 35 bytes an entry in the process).
fn map_entry(kv: u64) -> u64 {
    (kv + 1) * 2
}

type R = Result<(), Never>;

/// Values of a fixed size: the size.
macro_rules! fixed {
    ($($f:ident : $t:ty = $n:expr),*) => {$(
        fn $f(self, _: $t) -> R {
            self.0 += $n;
            Ok(())
        }
    )*};
}

impl<'a> ser::Serializer for &'a mut Held {
    type Ok = ();
    type Error = Never;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = MapHeld<'a>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fixed!(
        serialize_bool: bool = 1,
        serialize_i8: i8 = 1,
        serialize_i16: i16 = 2,
        serialize_i32: i32 = 4,
        serialize_i64: i64 = 8,
        serialize_i128: i128 = 16,
        serialize_u8: u8 = 1,
        serialize_u16: u16 = 2,
        serialize_u32: u32 = 4,
        serialize_u64: u64 = 8,
        serialize_u128: u128 = 16,
        serialize_f32: f32 = 4,
        serialize_f64: f64 = 8,
        serialize_char: char = 4
    );
    fn serialize_str(self, v: &str) -> R {
        self.0 += 24 + v.len() as u64;
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> R {
        self.0 += 24 + v.len() as u64;
        Ok(())
    }
    fn serialize_none(self) -> R {
        self.0 += 1;
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> R {
        value.serialize(self)
    }
    fn serialize_unit(self) -> R {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> R {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> R {
        self.0 += 1;
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> R {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        v: &T,
    ) -> R {
        self.0 += 1;
        v.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Never> {
        self.0 += 24;
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Never> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Never> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Never> {
        self.0 += 1;
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<MapHeld<'a>, Never> {
        self.0 += 48;
        Ok(MapHeld {
            held: self,
            entry: 0,
        })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Never> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self, Never> {
        self.serialize_tuple_variant(name, index, variant, len)
    }
}

/// Sequences, tuples and structs: their items counted in turn.
macro_rules! items {
    ($($tr:ident :: $f:ident),*) => {$(
        impl ser::$tr for &mut Held {
            type Ok = ();
            type Error = Never;
            fn $f<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
                value.serialize(&mut **self)
            }
            fn end(self) -> R {
                Ok(())
            }
        }
    )*};
}

items!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// Structs: their fields counted in turn, names aside.
macro_rules! fields {
    ($($tr:ident),*) => {$(
        impl ser::$tr for &mut Held {
            type Ok = ();
            type Error = Never;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, _: &'static str, v: &T) -> R {
                v.serialize(&mut **self)
            }
            fn end(self) -> R {
                Ok(())
            }
        }
    )*};
}

fields!(SerializeStruct, SerializeStructVariant);

/// A map's entries: each key and value counted, then the slot around them.
struct MapHeld<'a> {
    held: &'a mut Held,
    /// Bytes of the entry under way (its key, then its value).
    entry: u64,
}

impl MapHeld<'_> {
    fn count<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        let before = self.held.0;
        v.serialize(&mut *self.held)?;
        self.entry += self.held.0 - before;
        self.held.0 = before;
        Ok(())
    }
}

impl ser::SerializeMap for MapHeld<'_> {
    type Ok = ();
    type Error = Never;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> R {
        self.count(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        self.count(value)?;
        self.held.0 += map_entry(self.entry);
        self.entry = 0;
        Ok(())
    }
    fn end(self) -> R {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::held_bytes;

    #[test]
    fn counts_owned_layouts() {
        assert_eq!(held_bytes(&7u64), 8);
        assert_eq!(held_bytes(&(1u32, 2.0f64)), 12);
        assert_eq!(held_bytes(&vec![0u64; 100]), 24 + 800);
        assert_eq!(held_bytes(&"abc".to_string()), 27);
        assert_eq!(held_bytes(&vec!["ab".to_string(); 10]), 24 + 10 * 26);
        assert_eq!(held_bytes(&Some(3u16)), 2);
        assert_eq!(held_bytes(&None::<u16>), 1);
        // A map of small numbers: 34 bytes an entry, where postcard writes 2.
        let m: HashMap<u64, u64> = (0..1000).map(|i| (i, i % 7)).collect();
        assert_eq!(held_bytes(&m), 48 + 1000 * 34);
        let bytes = postcard::to_allocvec(&m).unwrap().len() as u64;
        assert!(held_bytes(&m) > 5 * bytes, "{bytes}");
    }
}
