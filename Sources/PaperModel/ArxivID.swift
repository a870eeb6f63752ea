import Foundation

/// An arXiv identifier, normalized: the versionless `base` plus an optional version.
///
/// Two schemes exist (https://info.arxiv.org/help/arxiv_identifier.html):
/// - new style since 2007-04: `YYMM.NNNN` (until 2014-12) or `YYMM.NNNNN`, e.g. `2210.14199`;
/// - old style before that: `archive[.SUBJ]/YYMMNNN`, e.g. `hep-th/9901001`, `math.GT/0309136`.
///   The subject class is not part of the identity and is dropped (`math/0309136`).
///
/// `parse` accepts the forms people paste: `arXiv:2210.14199v2`, `https://arxiv.org/abs/2210.14199v2`,
/// `http://arxiv.org/pdf/2210.14199v2.pdf`, `export.arxiv.org/abs/hep-th/9901001`, with any case of the prefix.
public struct ArxivID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The identifier without version, e.g. `2210.14199` or `hep-th/9901001`.
    public let base: String
    /// The version number (`v2` -> 2), nil when the input named none.
    public let version: Int?

    public init?(_ text: String) {
        guard let parsed = ArxivID.parse(text) else { return nil }
        self = parsed
    }

    init(base: String, version: Int?) {
        self.base = base
        self.version = version
    }

    /// `base` with `vN` appended when a version is known.
    public var versioned: String {
        if let version { return "\(base)v\(version)" }
        return base
    }

    public var description: String { versioned }

    public var absURL: String { "https://arxiv.org/abs/\(versioned)" }
    public var pdfURL: String { "https://arxiv.org/pdf/\(versioned)" }

    public static func < (lhs: ArxivID, rhs: ArxivID) -> Bool {
        (lhs.base, lhs.version ?? 0) < (rhs.base, rhs.version ?? 0)
    }

    /// The old-style archives; a slash id outside this list is not an arXiv id.
    static let oldArchives: Set<String> = [
        "acc-phys", "adap-org", "alg-geom", "ao-sci", "astro-ph", "atom-ph", "bayes-an", "chao-dyn", "chem-ph",
        "cmp-lg", "comp-gas", "cond-mat", "cs", "dg-ga", "funct-an", "gr-qc", "hep-ex", "hep-lat", "hep-ph",
        "hep-th", "math", "math-ph", "mtrl-th", "nlin", "nucl-ex", "nucl-th", "patt-sol", "physics", "plasm-ph",
        "q-alg", "q-bio", "quant-ph", "solv-int", "supr-con",
    ]

    public static func parse(_ raw: String) -> ArxivID? {
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count <= 200 else { return nil }
        // Strip URL scheme, host and the abs/pdf path segment.
        let lower = text.lowercased()
        for scheme in ["https://", "http://"] where lower.hasPrefix(scheme) {
            text = String(text.dropFirst(scheme.count))
            break
        }
        let lowered = text.lowercased()
        for host in ["www.arxiv.org/", "export.arxiv.org/", "arxiv.org/"] where lowered.hasPrefix(host) {
            text = String(text.dropFirst(host.count))
            let segLower = text.lowercased()
            var matched = false
            for segment in ["abs/", "pdf/", "html/", "format/"] where segLower.hasPrefix(segment) {
                text = String(text.dropFirst(segment.count))
                matched = true
                break
            }
            if !matched { return nil }
            break
        }
        if text.lowercased().hasPrefix("arxiv:") { text = String(text.dropFirst(6)) }
        // Drop query, fragment, a trailing slash and a .pdf suffix.
        if let cut = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { text = String(text[..<cut]) }
        while text.hasSuffix("/") { text.removeLast() }
        if text.lowercased().hasSuffix(".pdf") { text = String(text.dropLast(4)) }

        // Split off a version suffix.
        var version: Int?
        if let vIndex = text.lastIndex(where: { $0 == "v" || $0 == "V" }) {
            let digits = text[text.index(after: vIndex)...]
            if !digits.isEmpty, digits.count <= 4, digits.allSatisfy(\.isASCIIDigit), let n = Int(digits), n > 0 {
                let head = text[..<vIndex]
                if head.last?.isASCIIDigit == true {
                    version = n
                    text = String(head)
                }
            }
        }

        if let base = newStyleBase(text) { return ArxivID(base: base, version: version) }
        if let base = oldStyleBase(text) { return ArxivID(base: base, version: version) }
        return nil
    }

    private static func newStyleBase(_ text: String) -> String? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let yymm = parts[0], number = parts[1]
        guard yymm.count == 4, yymm.allSatisfy(\.isASCIIDigit),
            number.count == 4 || number.count == 5, number.allSatisfy(\.isASCIIDigit),
            let month = Int(yymm.suffix(2)), (1...12).contains(month),
            let year = Int(yymm.prefix(2))
        else { return nil }
        // Four-digit numbers were used until 1412, five-digit ones from 1501.
        let fiveDigitEra = year >= 15
        if fiveDigitEra != (number.count == 5) { return nil }
        // The new scheme started in April 2007.
        if year == 7 && month < 4 || year < 7 { return nil }
        return text
    }

    private static func oldStyleBase(_ text: String) -> String? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        var archive = parts[0].lowercased()
        if let dot = archive.firstIndex(of: ".") {
            // `math.GT` -> `math`; the subject class must be letters (e.g. `GT`, `AP`).
            let subject = archive[archive.index(after: dot)...]
            guard !subject.isEmpty, subject.allSatisfy(\.isLetter) else { return nil }
            archive = String(archive[..<dot])
        }
        let number = parts[1]
        guard oldArchives.contains(archive), number.count == 7, number.allSatisfy(\.isASCIIDigit),
            let month = Int(number.dropFirst(2).prefix(2)), (1...12).contains(month)
        else { return nil }
        return "\(archive)/\(number)"
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
