//! Reads an XML document into the JSON tree the same message has in JSON, so one set of rules
//! checks a DESADV whichever way it came: `<A><B>x</B></A>` is `{"A":{"B":"x"}}`, a repeated
//! element is an array, and an element without child elements is its (unescaped) text.
//! Attributes, namespaces and comments carry nothing in CloudSuite's messages and are dropped.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, Event};
use quick_xml::reader::Reader;
use serde_json::{Map, Value};

/// An element being read: its name, child elements so far, and text so far.
#[derive(Default)]
struct Open {
    name: String,
    children: Map<String, Value>,
    text: String,
}

impl Open {
    fn new(name: &[u8]) -> Result<Self, String> {
        Ok(Self {
            name: String::from_utf8(name.to_vec()).map_err(|e| e.to_string())?,
            ..Self::default()
        })
    }

    /// The element as a JSON value; text beside child elements is layout, not content.
    fn close(self) -> (String, Value) {
        let value = if self.children.is_empty() {
            Value::String(self.text)
        } else {
            Value::Object(self.children)
        };
        (self.name, value)
    }

    fn adopt(&mut self, (name, value): (String, Value)) {
        match self.children.get_mut(&name) {
            None => {
                self.children.insert(name, value);
            }
            Some(Value::Array(siblings)) => siblings.push(value),
            Some(first) => {
                let first = first.take();
                self.children.insert(name, Value::Array(vec![first, value]));
            }
        }
    }
}

/// The document as `{"<root>": …}`, or why it is not well-formed XML.
pub(super) fn to_json(xml: &str) -> Result<Value, String> {
    let mut reader = Reader::from_str(xml);
    // The document node holds the root as its only child.
    let mut open = vec![Open::default()];
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(start) => open.push(Open::new(start.local_name().as_ref())?),
            Event::Empty(start) => {
                let element = Open::new(start.local_name().as_ref())?.close();
                parent(&mut open)?.adopt(element);
            }
            Event::End(_) => {
                // quick-xml checks end names, so an End always has a matching Start.
                let element = open.pop().ok_or("unexpected end tag")?.close();
                parent(&mut open)?.adopt(element);
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
    let [document] = <[Open; 1]>::try_from(open)
        .map_err(|open| format!("element <{}> is not closed", open[open.len() - 1].name))?;
    match document.children.len() {
        0 => Err("no root element".to_owned()),
        1 => Ok(Value::Object(document.children)),
        _ => Err("more than one root element".to_owned()),
    }
}

/// The element a just-closed one belongs to; the document node itself has no parent.
fn parent(open: &mut [Open]) -> Result<&mut Open, String> {
    let document_only = open.len() == 1;
    let parent = open.last_mut().ok_or("unexpected end tag")?;
    if document_only && !parent.children.is_empty() {
        return Err("more than one root element".to_owned());
    }
    Ok(parent)
}

fn append_text(open: &mut [Open], text: &str) -> Result<(), String> {
    match open {
        // Whitespace around the root is normal; anything else is not XML.
        [_document] if text.trim().is_empty() => {}
        [_document] => return Err("text outside the root element".to_owned()),
        [.., element] => element.text.push_str(text),
        [] => return Err("text after the document".to_owned()),
    }
    Ok(())
}

/// quick-xml reports `&amp;` and `&#38;` as events of their own; turn them back into text.
fn resolve(reference: &BytesRef) -> Result<String, String> {
    if let Some(character) = reference.resolve_char_ref().map_err(|e| e.to_string())? {
        return Ok(character.to_string());
    }
    let name = reference.decode().map_err(|e| e.to_string())?;
    resolve_predefined_entity(&name)
        .map(str::to_owned)
        .ok_or_else(|| format!("unknown entity &{name};"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn elements_become_the_json_tree() {
        let xml = r#"<?xml version="1.0"?>
            <Desadv xmlns:x="urn:x">
              <Header><Number>D&amp;1</Number><Empty/><Blank></Blank></Header>
              <Items><Item><Num>1</Num></Item><Item><Num>2</Num></Item></Items>
              <x:Note><![CDATA[a < b]]> &#233;</x:Note>
            </Desadv>"#;
        assert_eq!(
            to_json(xml).unwrap(),
            json!({"Desadv":{
                "Header":{"Number":"D&1","Empty":"","Blank":""},
                "Items":{"Item":[{"Num":"1"},{"Num":"2"}]},
                "Note":"a < b é",
            }})
        );
    }

    #[test]
    fn documents_that_are_not_xml_are_refused() {
        for xml in [
            "",
            "just text",
            "<a><b></a>",
            "<a>",
            "<a/><b/>",
            "<a>&nope;</a>",
        ] {
            assert!(to_json(xml).is_err(), "{xml:?} was read");
        }
    }
}
