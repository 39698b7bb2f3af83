//! Deserialisers as strict as the published schema, where serde's are lenient.
//!
//! serde_json reads a derived struct from an array as well as from an object
//! (`"order": ["12345"]` fills `order.id` by position) and a unit enum from a one-key object as
//! well as from a string (`"status": {"shipped": null}`); chrono reads dates that RFC 3339 does
//! not allow. The message model opts its fields into these, so that the parser refuses what
//! the schema refuses, without a second pass over the body.

use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, FixedOffset};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

/// A struct read only from a JSON object.
pub fn object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    ObjectOnly::deserialize(deserializer).map(|o| o.0)
}

/// An optional struct (`null` or absent is `None`), read only from a JSON object.
pub fn optional_object<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<ObjectOnly<T>>::deserialize(deserializer).map(|o| o.map(|o| o.0))
}

/// A list of structs, each read only from a JSON object.
pub fn objects<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Vec::<ObjectOnly<T>>::deserialize(deserializer).map(|v| v.into_iter().map(|o| o.0).collect())
}

/// An RFC 3339 date-time in its exact shape (see [`crate::dates::parse_rfc3339`]).
pub fn date_time<'de, D>(deserializer: D) -> Result<DateTime<FixedOffset>, D::Error>
where
    D: Deserializer<'de>,
{
    deserializer.deserialize_str(DateTimeVisitor)
}

/// An optional RFC 3339 date-time (`null` or absent is `None`).
pub fn optional_date_time<'de, D>(
    deserializer: D,
) -> Result<Option<DateTime<FixedOffset>>, D::Error>
where
    D: Deserializer<'de>,
{
    struct Strict(DateTime<FixedOffset>);
    impl<'de> Deserialize<'de> for Strict {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            date_time(deserializer).map(Strict)
        }
    }
    Option::<Strict>::deserialize(deserializer).map(|o| o.map(|s| s.0))
}

/// A whole number as JSON Schema's `integer` has it: `1`, `1.0` and `1e2` alike (serde alone
/// refuses `1.0`, which a producer validating against the schema may send). Negative,
/// fractional and out-of-range numbers are refused.
pub fn whole_number<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    deserializer.deserialize_any(WholeNumberVisitor(PhantomData))
}

/// An optional [`whole_number`] (`null` or absent is `None`).
pub fn optional_whole_number<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    struct Whole<T>(T);
    impl<'de, T: TryFrom<u64>> Deserialize<'de> for Whole<T> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            whole_number(deserializer).map(Whole)
        }
    }
    Option::<Whole<T>>::deserialize(deserializer).map(|o| o.map(|w| w.0))
}

/// A unit enum read only from a JSON string: one of `names`, turned into `T` by `parse`.
pub fn name<'de, D, T>(
    deserializer: D,
    what: &'static str,
    names: &'static [&'static str],
    parse: fn(&str) -> Option<T>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    deserializer.deserialize_str(NameVisitor { what, names, parse })
}

/// `T` read only from a JSON object: for a whole message, where no field attribute applies.
pub struct ObjectOnly<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(ObjectOnlyDeserializer(deserializer)).map(ObjectOnly)
    }
}

/// Hands a derived struct's visitor to the real deserializer wrapped in [`MapsOnly`]. Only
/// `deserialize_struct` matters: it is all a derived struct asks for.
struct ObjectOnlyDeserializer<D>(D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectOnlyDeserializer<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct(name, fields, MapsOnly(visitor))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// A visitor that passes on objects and refuses everything else, arrays included.
struct MapsOnly<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for MapsOnly<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(map)
    }
}

struct WholeNumberVisitor<T>(PhantomData<T>);

impl<T: TryFrom<u64>> Visitor<'_> for WholeNumberVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a whole number in range")
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<T, E> {
        T::try_from(n).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(n), &self))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<T, E> {
        match u64::try_from(n) {
            Ok(n) => self.visit_u64(n),
            Err(_) => Err(E::invalid_value(de::Unexpected::Signed(n), &self)),
        }
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<T, E> {
        // 2^64 is the first f64 past u64::MAX; below it an integral f64 converts exactly.
        if n.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&n) {
            self.visit_u64(n as u64)
        } else {
            Err(E::invalid_value(de::Unexpected::Float(n), &self))
        }
    }
}

struct DateTimeVisitor;

impl Visitor<'_> for DateTimeVisitor {
    type Value = DateTime<FixedOffset>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an RFC 3339 date-time string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        crate::dates::parse_rfc3339(text).map_err(E::custom)
    }
}

struct NameVisitor<T> {
    what: &'static str,
    names: &'static [&'static str],
    parse: fn(&str) -> Option<T>,
}

impl<T> Visitor<'_> for NameVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.what)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        (self.parse)(text).ok_or_else(|| E::unknown_variant(text, self.names))
    }
}
