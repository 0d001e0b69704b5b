//! One report row serialized straight into CSV cells ([`CsvWriter::serialized`]): each field,
//! in order, checked against the header's column and pushed as a cell, text neutralized.
//!
//! # Performance
//! Rows used to go through a `serde_json::Value` map each, a map and a string per field: at
//! 30,000 people, writing `per-user.csv` that way was a tenth of the scan. Only what report
//! rows are made of is accepted (structs, `#[serde(flatten)]` maps, strings, integers,
//! booleans, options, unit variants); anything else is an internal error naming the column.
//!
//! [`CsvWriter::serialized`]: super::csv_out::CsvWriter::serialized

use std::fmt::{self, Write as _};

use serde::ser::{self, Impossible, Serialize};

use super::csv_out::neutralize;

/// Why a row could not be written: a field that is not the header's column, or a value a
/// CSV cell cannot hold. Always a bug in the row type, never in the data.
#[derive(Debug)]
pub struct RowError(pub String);

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RowError {}

impl ser::Error for RowError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        RowError(msg.to_string())
    }
}

/// Writes the fields of one row into `record`, checking their names against `header`.
pub struct Row<'a> {
    pub record: &'a mut csv::StringRecord,
    pub header: &'a [&'a str],
    /// Scratch for formatting numbers.
    pub number: &'a mut String,
    /// The next column.
    pub col: usize,
}

impl Row<'_> {
    fn key(&self, key: &str) -> Result<(), RowError> {
        match self.header.get(self.col) {
            Some(&want) if want == key => Ok(()),
            _ => Err(RowError(format!(
                "internal error: report row fields are not the columns {:?} (field `{key}` at column {})",
                self.header,
                self.col + 1
            ))),
        }
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), RowError> {
        value.serialize(Cell {
            record: self.record,
            number: self.number,
        })?;
        self.col += 1;
        Ok(())
    }

    /// Every column was written.
    pub fn finish(&self) -> Result<(), RowError> {
        if self.col == self.header.len() {
            Ok(())
        } else {
            Err(RowError(format!(
                "internal error: report row fields are not the columns {:?} ({} fields)",
                self.header, self.col
            )))
        }
    }
}

fn not_a_record() -> RowError {
    RowError("internal error: a report row is not a record".into())
}

impl<'r, 'a> ser::Serializer for &'r mut Row<'a> {
    type Ok = ();
    type Error = RowError;
    type SerializeSeq = Impossible<(), RowError>;
    type SerializeTuple = Impossible<(), RowError>;
    type SerializeTupleStruct = Impossible<(), RowError>;
    type SerializeTupleVariant = Impossible<(), RowError>;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), RowError>;

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, RowError> {
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, RowError> {
        Ok(self)
    }
    fn serialize_bool(self, _: bool) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_i8(self, _: i8) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_i16(self, _: i16) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_i32(self, _: i32) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_i64(self, _: i64) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_u8(self, _: u8) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_u16(self, _: u16) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_u32(self, _: u32) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_u64(self, _: u64) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_f32(self, _: f32) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_f64(self, _: f64) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_char(self, _: char) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_str(self, _: &str) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_none(self) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_unit(self) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), RowError> {
        Err(not_a_record())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, RowError> {
        Err(not_a_record())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, RowError> {
        Err(not_a_record())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, RowError> {
        Err(not_a_record())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, RowError> {
        Err(not_a_record())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, RowError> {
        Err(not_a_record())
    }
}

impl ser::SerializeStruct for &mut Row<'_> {
    type Ok = ();
    type Error = RowError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), RowError> {
        self.key(key)?;
        self.value(value)
    }
    fn end(self) -> Result<(), RowError> {
        Ok(())
    }
}

/// What `#[serde(flatten)]` makes of a struct: a map, keys then values.
impl ser::SerializeMap for &mut Row<'_> {
    type Ok = ();
    type Error = RowError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), RowError> {
        let mut name = String::new();
        key.serialize(Key(&mut name))?;
        self.key(&name)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), RowError> {
        self.value(value)
    }
    fn end(self) -> Result<(), RowError> {
        Ok(())
    }
}

/// A map key: a field name.
struct Key<'a>(&'a mut String);

/// One cell: strings neutralized, integers in decimal, booleans as `true`/`false`, none as an
/// empty cell, unit variants by name.
struct Cell<'a> {
    record: &'a mut csv::StringRecord,
    number: &'a mut String,
}

impl Cell<'_> {
    fn number(self, n: impl fmt::Display) -> Result<(), RowError> {
        self.number.clear();
        // Formatting into a String cannot fail.
        let _ = write!(self.number, "{n}");
        self.record.push_field(self.number);
        Ok(())
    }
}

/// Implements the scalar methods of a `Serializer` by forwarding to `$body`, and refuses every
/// compound value.
macro_rules! scalar_serializer {
    ($ty:ty, |$s:ident, $v:ident| { str: $str:expr, int: $int:expr, bool: $bool:expr, none: $none:expr }) => {
        impl ser::Serializer for $ty {
            type Ok = ();
            type Error = RowError;
            type SerializeSeq = Impossible<(), RowError>;
            type SerializeTuple = Impossible<(), RowError>;
            type SerializeTupleStruct = Impossible<(), RowError>;
            type SerializeTupleVariant = Impossible<(), RowError>;
            type SerializeMap = Impossible<(), RowError>;
            type SerializeStruct = Impossible<(), RowError>;
            type SerializeStructVariant = Impossible<(), RowError>;

            fn serialize_str($s, $v: &str) -> Result<(), RowError> {
                $str
            }
            fn serialize_bool($s, $v: bool) -> Result<(), RowError> {
                $bool
            }
            fn serialize_i8($s, $v: i8) -> Result<(), RowError> {
                $int
            }
            fn serialize_i16($s, $v: i16) -> Result<(), RowError> {
                $int
            }
            fn serialize_i32($s, $v: i32) -> Result<(), RowError> {
                $int
            }
            fn serialize_i64($s, $v: i64) -> Result<(), RowError> {
                $int
            }
            fn serialize_u8($s, $v: u8) -> Result<(), RowError> {
                $int
            }
            fn serialize_u16($s, $v: u16) -> Result<(), RowError> {
                $int
            }
            fn serialize_u32($s, $v: u32) -> Result<(), RowError> {
                $int
            }
            fn serialize_u64($s, $v: u64) -> Result<(), RowError> {
                $int
            }
            fn serialize_none($s) -> Result<(), RowError> {
                $none
            }
            fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), RowError> {
                value.serialize(self)
            }
            fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), RowError> {
                self.serialize_str(variant)
            }
            fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<(), RowError> {
                value.serialize(self)
            }
            fn serialize_f32(self, _: f32) -> Result<(), RowError> {
                Err(unsupported("a float"))
            }
            fn serialize_f64(self, _: f64) -> Result<(), RowError> {
                Err(unsupported("a float"))
            }
            fn serialize_char(self, c: char) -> Result<(), RowError> {
                self.serialize_str(c.encode_utf8(&mut [0; 4]))
            }
            fn serialize_bytes(self, _: &[u8]) -> Result<(), RowError> {
                Err(unsupported("bytes"))
            }
            fn serialize_unit(self) -> Result<(), RowError> {
                self.serialize_none()
            }
            fn serialize_unit_struct(self, _: &'static str) -> Result<(), RowError> {
                self.serialize_none()
            }
            fn serialize_newtype_variant<T: Serialize + ?Sized>(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
                _: &T,
            ) -> Result<(), RowError> {
                Err(unsupported("an enum with data"))
            }
            fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, RowError> {
                Err(unsupported("a list"))
            }
            fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, RowError> {
                Err(unsupported("a tuple"))
            }
            fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, RowError> {
                Err(unsupported("a tuple"))
            }
            fn serialize_tuple_variant(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
                _: usize,
            ) -> Result<Self::SerializeTupleVariant, RowError> {
                Err(unsupported("an enum with data"))
            }
            fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, RowError> {
                Err(unsupported("a map"))
            }
            fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, RowError> {
                Err(unsupported("a struct"))
            }
            fn serialize_struct_variant(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
                _: usize,
            ) -> Result<Self::SerializeStructVariant, RowError> {
                Err(unsupported("an enum with data"))
            }
        }
    };
}

fn unsupported(what: &str) -> RowError {
    RowError(format!("internal error: a report column holds {what}"))
}

scalar_serializer!(Cell<'_>, |self, v| {
    str: {
        self.record.push_field(&neutralize(v));
        Ok(())
    },
    int: self.number(v),
    bool: {
        self.record.push_field(if v { "true" } else { "false" });
        Ok(())
    },
    none: {
        self.record.push_field("");
        Ok(())
    }
});

scalar_serializer!(Key<'_>, |self, _name| {
    str: {
        self.0.push_str(_name);
        Ok(())
    },
    int: Err(unsupported("a number as a field name")),
    bool: Err(unsupported("a boolean as a field name")),
    none: Err(unsupported("no field name"))
});
