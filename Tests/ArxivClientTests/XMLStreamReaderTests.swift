import Foundation
import Testing

@testable import ArxivClient

/// Collects events as `start name a=v`, `text ...`, `end name`.
private final class Recorder: SAXHandler {
    var events: [String] = []
    var shouldStop = false

    func startElement(_ name: String, attributes: [String: String]) {
        events.append(
            (["start \(name)"] + attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(
                separator: " "))
    }

    func endElement(_ name: String) { events.append("end \(name)") }
    func characters(_ text: String) { events.append("text \(text)") }
}

@Suite("XMLStreamReader")
struct XMLStreamReaderTests {
    private func events(_ xml: String) throws -> [String] {
        let recorder = Recorder()
        try XMLStreamReader.parse(Data(xml.utf8), handler: recorder)
        return recorder.events
    }

    @Test("elements, attributes, entities, character references, CDATA, comments, declarations")
    func wellFormed() throws {
        let xml = """
            \u{FEFF}<?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE r [<!ELEMENT r ANY>]>
            <!-- a comment -->
            <a:r xmlns:a="urn:x" k='v &amp; w'><b>x &lt; y &gt; z &quot;q&quot; &apos;s&apos; &#233;&#x4E2D;</b><c/>\
            <![CDATA[<raw> & stuff]]></a:r>
            """
        #expect(
            try events(xml) == [
                "start r k=v & w xmlns:a=urn:x", "start b", "text x < y > z \"q\" 's' é中", "end b", "start c", "end c",
                "text <raw> & stuff", "end r",
            ])
    }

    @Test(
        "malformed documents are errors",
        arguments: [
            "", "   ", "<a>", "<a><b></a>", "<a></b>", "<a x=1/>", "<a x='1' x='2'/>", "<a x='<'/>", "<a>&nbsp;</a>",
            "<a>&amp</a>",
            "<a/><b/>", "<a/>text", "text<a/>", "<a><!-- open</a>", "<a><![CDATA[open</a>", "<a", "<a b='1", "</a>",
            "<html><body><p>unclosed</body></html>",
        ])
    func malformed(_ xml: String) {
        #expect(throws: XMLSyntaxError.self) { try events(xml) }
    }
}
