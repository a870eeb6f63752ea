import Foundation

/// The bytes of XML markup.
enum XMLBytes {
    static let lt = UInt8(ascii: "<"), gt = UInt8(ascii: ">"), slash = UInt8(ascii: "/")
    static let amp = UInt8(ascii: "&"), question = UInt8(ascii: "?"), bang = UInt8(ascii: "!")
    static let colon = UInt8(ascii: ":"), equals = UInt8(ascii: "="), quote = UInt8(ascii: "\""),
        apostrophe = UInt8(ascii: "'")
    static let commentOpen = Array("<!--".utf8), commentClose = Array("-->".utf8)
    static let cdataOpen = Array("<![CDATA[".utf8), cdataClose = Array("]]>".utf8)
    static let doctypeOpen = Array("<!DOCTYPE".utf8), piClose = Array("?>".utf8)
}

/// What the streaming XML reader reports, in document order.
///
/// Element names are local names (`arxiv:doi` is reported as `doi`); attribute names keep their prefix.
protocol SAXHandler: AnyObject {
    func startElement(_ name: String, attributes: [String: String])
    func endElement(_ name: String)
    func characters(_ text: String)
    /// Set by the handler to stop reading (it has seen enough to reject the document).
    var shouldStop: Bool { get }
}

struct XMLSyntaxError: Error, CustomStringConvertible {
    var message: String
    var offset: Int
    var description: String { "\(message) at byte \(offset)" }
}

/// A small streaming (SAX-style) reader of UTF-8 XML: it reports elements, attributes and text as it meets them
/// and keeps nothing but the stack of open element names, so no document tree is ever built.
///
/// It checks what a harvester needs to trust a page: tags nest and match, attribute values are quoted, the
/// five predefined entities and character references are resolved (any other entity is an error, so an HTML
/// page with `&nbsp;` is rejected), exactly one root element, nothing but whitespace, comments and processing
/// instructions outside it, and a document that ends inside an element is an error. It does not read DTDs
/// (a `<!DOCTYPE>` is skipped) or validate namespaces, and it assumes UTF-8 (invalid bytes become U+FFFD).
enum XMLStreamReader {
    static func parse<H: SAXHandler>(_ data: Data, handler: H) throws {
        try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var reader = Reader(bytes: bytes, handler: handler)
            try reader.run()
        }
    }

    private struct Reader<H: SAXHandler> {
        let bytes: UnsafeBufferPointer<UInt8>
        let handler: H
        var i = 0
        var stack: [String] = []
        var sawRoot = false

        init(bytes: UnsafeBufferPointer<UInt8>, handler: H) {
            self.bytes = bytes
            self.handler = handler
        }

        @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D }

        func fail(_ message: String, at offset: Int? = nil) -> XMLSyntaxError {
            XMLSyntaxError(message: message, offset: offset ?? i)
        }

        mutating func run() throws {
            let n = bytes.count
            if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
            while i < n {
                if handler.shouldStop { return }
                if bytes[i] == XMLBytes.lt {
                    try markup()
                } else {
                    try text()
                }
            }
            if let open = stack.last { throw fail("document ends inside <\(open)>") }
            if !sawRoot { throw fail("no root element") }
        }

        /// The index of the first `byte` in `from..<to` (default: to the end), or nil.
        @inline(__always) func find(_ byte: UInt8, from: Int, to: Int? = nil) -> Int? {
            let end = to ?? bytes.count
            guard from < end, let base = bytes.baseAddress else { return nil }
            guard let hit = memchr(base + from, Int32(byte), end - from) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }

        /// The index just after the first occurrence of `pattern` at or after `from`, or nil.
        func find(_ pattern: [UInt8], from: Int) -> Int? {
            var at = from
            while let hit = find(pattern[0], from: at) {
                if hit + pattern.count > bytes.count { return nil }
                var match = true
                for k in 1..<pattern.count where bytes[hit + k] != pattern[k] {
                    match = false
                    break
                }
                if match { return hit + pattern.count }
                at = hit + 1
            }
            return nil
        }

        func hasPrefix(_ pattern: [UInt8], at offset: Int) -> Bool {
            guard offset + pattern.count <= bytes.count else { return false }
            for k in 0..<pattern.count where bytes[offset + k] != pattern[k] { return false }
            return true
        }

        mutating func markup() throws {
            let start = i
            guard i + 1 < bytes.count else { throw fail("document ends inside a tag") }
            switch bytes[i + 1] {
            case XMLBytes.slash:
                try endTag()
            case XMLBytes.question:
                guard let end = find(XMLBytes.piClose, from: i + 2) else {
                    throw fail("unterminated processing instruction")
                }
                i = end
            case XMLBytes.bang:
                if hasPrefix(XMLBytes.commentOpen, at: i) {
                    guard let end = find(XMLBytes.commentClose, from: i + 4) else { throw fail("unterminated comment") }
                    i = end
                } else if hasPrefix(XMLBytes.cdataOpen, at: i) {
                    guard !stack.isEmpty else { throw fail("CDATA outside the root element") }
                    guard let end = find(XMLBytes.cdataClose, from: i + 9) else {
                        throw fail("unterminated CDATA section")
                    }
                    handler.characters(
                        String(decoding: UnsafeBufferPointer(rebasing: bytes[(i + 9)..<(end - 3)]), as: UTF8.self))
                    i = end
                } else if hasPrefix(XMLBytes.doctypeOpen, at: i) {
                    guard !sawRoot else { throw fail("DOCTYPE after the root element") }
                    try skipDoctype()
                } else {
                    throw fail("unknown markup", at: start)
                }
            default:
                try startTag()
            }
        }

        mutating func skipDoctype() throws {
            var depth = 0
            var k = i + 9
            while k < bytes.count {
                switch bytes[k] {
                case UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "]"): depth -= 1
                case XMLBytes.gt where depth <= 0:
                    i = k + 1
                    return
                default: break
                }
                k += 1
            }
            throw fail("unterminated DOCTYPE")
        }

        /// A name: everything up to whitespace, `/`, `>` or `=`; `local` drops a namespace prefix (`arxiv:doi`
        /// -> `doi`).
        mutating func name(local: Bool = false) throws -> String {
            let start = i
            var localStart = start
            while i < bytes.count {
                let b = bytes[i]
                if Self.isSpace(b) || b == XMLBytes.slash || b == XMLBytes.gt || b == XMLBytes.equals
                    || b == XMLBytes.lt
                {
                    break
                }
                if b == XMLBytes.colon { localStart = i + 1 }
                i += 1
            }
            guard i > start else { throw fail("expected a name") }
            guard i < bytes.count else { throw fail("document ends inside a tag") }
            return String(
                decoding: UnsafeBufferPointer(rebasing: bytes[(local ? localStart : start)..<i]), as: UTF8.self)
        }

        mutating func skipSpace() {
            while i < bytes.count, Self.isSpace(bytes[i]) { i += 1 }
        }

        mutating func startTag() throws {
            if sawRoot && stack.isEmpty { throw fail("a second root element") }
            i += 1
            let element = try name(local: true)
            var attributes: [String: String] = [:]
            while true {
                skipSpace()
                guard i < bytes.count else { throw fail("document ends inside <\(element)>") }
                let b = bytes[i]
                if b == XMLBytes.gt {
                    i += 1
                    sawRoot = true
                    stack.append(element)
                    handler.startElement(element, attributes: attributes)
                    return
                }
                if b == XMLBytes.slash {
                    guard i + 1 < bytes.count, bytes[i + 1] == XMLBytes.gt else {
                        throw fail("expected /> in <\(element)>")
                    }
                    i += 2
                    sawRoot = true
                    handler.startElement(element, attributes: attributes)
                    handler.endElement(element)
                    return
                }
                let attribute = try name()
                skipSpace()
                guard i < bytes.count, bytes[i] == XMLBytes.equals else {
                    throw fail("attribute \(attribute) without a value")
                }
                i += 1
                skipSpace()
                guard i < bytes.count, bytes[i] == XMLBytes.quote || bytes[i] == XMLBytes.apostrophe else {
                    throw fail("unquoted value of attribute \(attribute)")
                }
                let quote = bytes[i]
                guard let close = find(quote, from: i + 1) else {
                    throw fail("document ends inside an attribute value")
                }
                if let bad = find(XMLBytes.lt, from: i + 1, to: close) {
                    throw fail("< in an attribute value", at: bad)
                }
                let value = try decode(i + 1, close)
                if attributes.updateValue(value, forKey: attribute) != nil {
                    throw fail("attribute \(attribute) given twice")
                }
                i = close + 1
            }
        }

        mutating func endTag() throws {
            let start = i
            i += 2
            let element = try name(local: true)
            skipSpace()
            guard i < bytes.count, bytes[i] == XMLBytes.gt else {
                throw fail("expected > after </\(element)", at: start)
            }
            i += 1
            guard let open = stack.popLast() else { throw fail("</\(element)> without an open element", at: start) }
            guard open == element else { throw fail("</\(element)> closes <\(open)>", at: start) }
            handler.endElement(element)
        }

        mutating func text() throws {
            let start = i
            let end = find(XMLBytes.lt, from: i) ?? bytes.count
            i = end
            if stack.isEmpty {
                for k in start..<end where !Self.isSpace(bytes[k]) {
                    throw fail("text outside the root element", at: k)
                }
                return
            }
            handler.characters(try decode(start, end))
        }

        /// The text of `bytes[start..<end]` with entity and character references resolved.
        func decode(_ start: Int, _ end: Int) throws -> String {
            let slice = UnsafeBufferPointer(rebasing: bytes[start..<end])
            guard let firstAmp = find(XMLBytes.amp, from: start, to: end) else {
                return String(decoding: slice, as: UTF8.self)
            }
            var out: [UInt8] = []
            out.reserveCapacity(end - start)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<firstAmp]))
            var k = firstAmp
            while k < end {
                let b = bytes[k]
                if b == XMLBytes.lt { throw fail("< in an attribute value", at: k) }
                guard b == XMLBytes.amp else {
                    out.append(b)
                    k += 1
                    continue
                }
                guard let semicolon = find(UInt8(ascii: ";"), from: k + 1, to: min(end, k + 13)) else {
                    throw fail("unterminated entity reference", at: k)
                }
                let entity = UnsafeBufferPointer(rebasing: bytes[(k + 1)..<semicolon])
                if let scalar = Self.resolve(entity) {
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                } else {
                    throw fail("unknown entity &\(String(decoding: entity, as: UTF8.self));", at: k)
                }
                k = semicolon + 1
            }
            return String(decoding: out, as: UTF8.self)
        }

        static func resolve(_ entity: UnsafeBufferPointer<UInt8>) -> Unicode.Scalar? {
            switch String(decoding: entity, as: UTF8.self) {
            case "amp": return "&"
            case "lt": return "<"
            case "gt": return ">"
            case "quot": return "\""
            case "apos": return "'"
            case let reference where reference.hasPrefix("#x") || reference.hasPrefix("#X"):
                return UInt32(reference.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
            case let reference where reference.hasPrefix("#"):
                return UInt32(reference.dropFirst(1), radix: 10).flatMap(Unicode.Scalar.init)
            default:
                return nil
            }
        }
    }
}
