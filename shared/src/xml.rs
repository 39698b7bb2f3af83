//! Small helpers for writing and reading XML with quick-xml, shared by the SOAP platforms.
//!
//! quick-xml reports entity references (`&amp;`, `&#233;`) as events of their own, between text
//! events; [`TextCollector`] puts an element's text back together, unescaped.

use std::borrow::Cow;

use quick_xml::escape::escape;
use quick_xml::events::{BytesRef, BytesText};

/// Whether XML 1.0 can carry `c` at all (its `Char` production; a Rust `char` is never a
/// surrogate). No escape helps the others: `&#1;` is not well-formed either.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// What is wrong with `value` for XML, if anything: the first character XML 1.0 cannot carry,
/// named by its code point (never the value, which may be a secret).
pub fn unsafe_char(value: &str) -> Option<String> {
    let c = value.chars().find(|&c| !is_xml_char(c))?;
    Some(format!(
        "contains U+{:04X}, a character XML 1.0 cannot carry",
        u32::from(c)
    ))
}

/// `text` with every character [`is_xml_char`] refuses written as a `\uXXXX` escape, for text
/// bound where only XML 1.0's characters may go: SQS message bodies and attribute values
/// allow exactly those.
pub fn escape_unsafe_chars(text: &str) -> Cow<'_, str> {
    if text.chars().all(is_xml_char) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_xml_char(c) {
            escaped.push(c);
        } else {
            escaped.push_str(&format!("\\u{:04x}", u32::from(c)));
        }
    }
    Cow::Owned(escaped)
}

/// Element text for the writer, escaped, with every carriage return written as `&#13;`: a
/// parser turns a literal CR (and CR LF) into a line feed, the reference survives. quick-xml
/// escapes only `<>&'"`. Values must already be free of what [`is_xml_char`] refuses (message
/// validation sees to that).
pub fn text(value: &str) -> BytesText<'_> {
    match escape(value) {
        Cow::Borrowed(escaped) if !escaped.contains('\r') => BytesText::from_escaped(escaped),
        escaped => BytesText::from_escaped(escaped.replace('\r', "&#13;")),
    }
}

/// Collects the unescaped text of the element being read.
#[derive(Debug, Default)]
pub struct TextCollector {
    text: String,
}

impl TextCollector {
    pub fn clear(&mut self) {
        self.text.clear();
    }

    /// Line ends are normalised as XML 1.0 says (CR LF and CR become LF); `xml_content` would
    /// apply XML 1.1's rules and also turn U+0085 and U+2028, which are ordinary characters in
    /// an XML 1.0 answer, into line feeds, changing the value the platform sent.
    pub fn push_text(&mut self, text: &BytesText<'_>) -> Result<(), String> {
        let decoded = text.xml10_content().map_err(|e| e.to_string())?;
        self.text.push_str(&decoded);
        Ok(())
    }

    /// Literal text, such as the content of a CDATA section.
    pub fn push_str(&mut self, text: &str) {
        self.text.push_str(text);
    }

    pub fn push_ref(&mut self, reference: &BytesRef<'_>) -> Result<(), String> {
        if let Some(ch) = reference.resolve_char_ref().map_err(|e| e.to_string())? {
            self.text.push(ch);
            return Ok(());
        }
        let name = reference.decode().map_err(|e| e.to_string())?;
        match quick_xml::escape::resolve_predefined_entity(&name) {
            Some(value) => {
                self.text.push_str(value);
                Ok(())
            }
            None => Err(format!("unknown entity &{name};")),
        }
    }

    pub fn take(&mut self) -> String {
        std::mem::take(&mut self.text)
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_markup_and_keeps_carriage_returns_as_references() {
        assert_eq!(
            &*text("a<b & \"c\"").into_inner(),
            b"a&lt;b &amp; &quot;c&quot;"
        );
        assert_eq!(&*text("one\r\ntwo\r").into_inner(), b"one&#13;\ntwo&#13;");
    }

    #[test]
    fn unsafe_characters_are_escaped_and_safe_text_is_kept() {
        assert_eq!(
            escape_unsafe_chars("shipped\u{0}\u{1b}[31m\u{FFFE}\tok"),
            "shipped\\u0000\\u001b[31m\\ufffe\tok"
        );
        assert!(matches!(
            escape_unsafe_chars("line\r\nü 日本"),
            Cow::Borrowed("line\r\nü 日本")
        ));
    }

    #[test]
    fn element_text_keeps_xml_1_1_line_ends_as_characters() {
        let mut collector = TextCollector::default();
        let raw = BytesText::from_escaped("a\u{85}b\u{2028}c\r\nd\re");
        collector.push_text(&raw).unwrap();
        assert_eq!(collector.take(), "a\u{85}b\u{2028}c\nd\ne");
    }

    #[test]
    fn only_xml_1_0_characters_pass() {
        for c in ['\t', '\n', '\r', ' ', 'é', '\u{FFFD}', '\u{1F600}'] {
            assert!(is_xml_char(c), "{c:?}");
        }
        for c in [
            '\0', '\u{1}', '\u{8}', '\u{B}', '\u{C}', '\u{E}', '\u{1F}', '\u{FFFE}', '\u{FFFF}',
        ] {
            assert!(!is_xml_char(c), "{c:?}");
        }
    }
}
