//! XML plumbing for the SOAP sandboxes (CV3, Speed4Trade): a minimal element tree for reading,
//! and a document writer.
//!
//! Real SOAP servers match elements leniently (CV3's PHP SOAP accepts wrong namespaces), so the
//! tree keeps only local names (prefixes and namespace declarations are dropped) and fully
//! unescaped text.

use std::io;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesDecl, BytesRef, BytesStart, Event};
use quick_xml::reader::Reader;
use quick_xml::writer::Writer;

/// Writes an XML declaration followed by what `body` writes. Every value goes through the
/// writer so it is escaped.
pub(crate) fn document(body: impl FnOnce(&mut Writer<Vec<u8>>) -> io::Result<()>) -> Vec<u8> {
    let mut writer = Writer::new(Vec::new());
    writer
        .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .and_then(|()| body(&mut writer))
        .expect("writing XML to a Vec cannot fail");
    writer.into_inner()
}

/// XML 1.0's `Char` production (a Rust `char` is never a surrogate).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

#[derive(Debug, Default)]
pub(crate) struct Element {
    name: String,
    /// The namespace the element's prefix (or the default) is bound to, when the element
    /// itself declares it: enough to read which namespace a SOAP call names its operation in.
    namespace: Option<String>,
    attributes: Vec<(String, String)>,
    children: Vec<Element>,
    text: String,
}

impl Element {
    /// Parses a whole document and returns its root element.
    pub(crate) fn parse(xml: &str) -> Result<Element, String> {
        // quick-xml does not check characters; real parsers do, and refuse the whole call.
        if let Some((at, c)) = xml.char_indices().find(|&(_, c)| !is_xml_char(c)) {
            return Err(format!(
                "not well-formed: character U+{:04X} at byte {at}",
                u32::from(c)
            ));
        }
        let mut reader = Reader::from_str(xml);
        let mut open: Vec<Element> = Vec::new();
        let mut root = None;
        loop {
            match reader.read_event().map_err(|e| e.to_string())? {
                Event::Start(start) => open.push(Element::open(&start)?),
                Event::Empty(start) => attach(&mut open, &mut root, Element::open(&start)?)?,
                Event::End(_) => {
                    // quick-xml checks end names, so an End always has a matching Start.
                    let element = open.pop().ok_or("unexpected end tag")?;
                    attach(&mut open, &mut root, element)?;
                }
                Event::Text(text) => {
                    let text = text.xml_content().map_err(|e| e.to_string())?;
                    append_text(&mut open, &text)?;
                }
                Event::CData(cdata) => {
                    let text = cdata.xml_content().map_err(|e| e.to_string())?;
                    append_text(&mut open, &text)?;
                }
                Event::GeneralRef(reference) => append_text(&mut open, &resolve(&reference)?)?,
                Event::Eof => break,
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
            }
        }
        if let Some(unclosed) = open.last() {
            return Err(format!("element <{}> is not closed", unclosed.name));
        }
        root.ok_or_else(|| "no root element".to_owned())
    }

    fn open(start: &BytesStart) -> Result<Element, String> {
        let mut attributes = Vec::new();
        let mut namespace = None;
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|e| e.to_string())?;
            if let Some(binding) = attribute.key.as_namespace_binding() {
                let bound = match binding {
                    quick_xml::name::PrefixDeclaration::Default => None,
                    quick_xml::name::PrefixDeclaration::Named(prefix) => Some(prefix.to_vec()),
                };
                let own = start.name().prefix().map(|p| p.as_ref().to_vec());
                if bound == own {
                    namespace = Some(
                        attribute
                            .unescape_value()
                            .map_err(|e| e.to_string())?
                            .into_owned(),
                    );
                }
                continue;
            }
            let value = attribute.unescape_value().map_err(|e| e.to_string())?;
            attributes.push((
                utf8(attribute.key.local_name().as_ref())?,
                value.into_owned(),
            ));
        }
        Ok(Element {
            name: utf8(start.local_name().as_ref())?,
            namespace,
            attributes,
            ..Element::default()
        })
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The namespace this element declares for its own prefix, if it does.
    pub(crate) fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    pub(crate) fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name == name)
    }

    pub(crate) fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |child| child.name == name)
    }

    /// The element's own text (CDATA included), with every reference resolved.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Text of the named child, or "" when it is absent (CV3 treats both the same).
    pub(crate) fn child_text(&self, name: &str) -> &str {
        self.child(name).map_or("", Element::text)
    }
}

fn attach(
    open: &mut [Element],
    root: &mut Option<Element>,
    element: Element,
) -> Result<(), String> {
    match open.last_mut() {
        Some(parent) => parent.children.push(element),
        None if root.is_some() => return Err("more than one root element".to_owned()),
        None => *root = Some(element),
    }
    Ok(())
}

fn append_text(open: &mut [Element], text: &str) -> Result<(), String> {
    match open.last_mut() {
        Some(element) => element.text.push_str(text),
        // Whitespace between the prolog and the root is normal; anything else is not XML.
        None if text.trim().is_empty() => {}
        None => return Err("text outside the root element".to_owned()),
    }
    Ok(())
}

/// quick-xml reports `&amp;` and `&#38;` as separate events; turn them back into characters.
fn resolve(reference: &BytesRef) -> Result<String, String> {
    if let Some(character) = reference.resolve_char_ref().map_err(|e| e.to_string())? {
        return Ok(character.to_string());
    }
    let name = reference.decode().map_err(|e| e.to_string())?;
    resolve_predefined_entity(&name)
        .map(str::to_owned)
        .ok_or_else(|| format!("unknown entity &{name};"))
}

fn utf8(bytes: &[u8]) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_local_names_and_unescapes_text_and_attributes() {
        let root = Element::parse(
            r#"<?xml version="1.0"?>
            <a:Root xmlns:a="urn:x" a:kind="x &amp; y">
              <a:item>1 &lt; 2 &amp; &#34;q&#x22;</a:item>
              <item><![CDATA[<raw>]]></item>
              <empty/>
            </a:Root>"#,
        )
        .unwrap();
        assert_eq!(root.name(), "Root");
        assert_eq!(root.attribute("kind"), Some("x & y"));
        assert_eq!(
            root.attribute("a"),
            None,
            "namespace declarations are not attributes"
        );
        let items: Vec<&str> = root.children("item").map(Element::text).collect();
        assert_eq!(items, ["1 < 2 & \"q\"", "<raw>"]);
        assert_eq!(root.child_text("empty"), "");
        assert_eq!(root.child_text("missing"), "");
    }

    #[test]
    fn rejects_what_is_not_one_well_formed_element() {
        for bad in [
            "",
            "just text",
            "<a><b></a>",
            "<a>",
            "<a/><b/>",
            "<a>&bogus;</a>",
            "<a>12345-a\u{1}b</a>",
            "<a>\u{FFFF}</a>",
        ] {
            assert!(Element::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
