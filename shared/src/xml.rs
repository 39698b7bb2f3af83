//! Small helpers for reading XML with quick-xml, shared by the SOAP platforms.
//!
//! quick-xml reports entity references (`&amp;`, `&#233;`) as events of their own, between text
//! events; [`TextCollector`] puts an element's text back together, unescaped.

use quick_xml::events::{BytesRef, BytesText};

/// Collects the unescaped text of the element being read.
#[derive(Debug, Default)]
pub struct TextCollector {
    text: String,
}

impl TextCollector {
    pub fn clear(&mut self) {
        self.text.clear();
    }

    pub fn push_text(&mut self, text: &BytesText<'_>) -> Result<(), String> {
        let decoded = text.xml_content().map_err(|e| e.to_string())?;
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
