import TextAnalysis

/// Accumulates documents (or, when merging, postings of existing segments) into a new `Segment`.
///
/// Postings are appended to one flat log of (term, doc, tf, positions) entries in document order and grouped by
/// term with a stable counting sort at `build`, which keeps indexing free of per-term growable arrays (their
/// reference counting and uniqueness checks dominated indexing time).
final class SegmentBuilder {
    private let analyzer: Analyzer

    private var termIDs: [String: Int32] = [:]
    private var termKeys: [String] = []
    /// Normalized token → text term id, or -1 for a stopword: repeated words skip stemming and key building.
    private var textTokenCache: [String: Int32] = [:]
    private var authorTokenCache: [String: Int32] = [:]

    /// One entry per (term, document), in the order documents were added.
    private struct PostingLog {
        var term: [Int32] = []
        var doc: [UInt32] = []
        var tf1: [UInt16] = []
        var tf2: [UInt16] = []
        var positionEnd: [Int] = []
        var positions: [UInt8] = []
    }

    private var log = PostingLog()

    private(set) var keys: [String] = []
    private var days: [Int32] = []
    private var hasCode: [Bool] = []
    private var categories: [[String]] = []
    private var titleLengths: [UInt32] = []
    private var abstractLengths: [UInt32] = []
    private var authorLengths: [UInt32] = []

    init(analyzer: Analyzer) {
        self.analyzer = analyzer
    }

    var count: Int { keys.count }

    private func termID(_ key: String) -> Int32 {
        if let id = termIDs[key] { return id }
        let id = Int32(termKeys.count)
        termIDs[key] = id
        termKeys.append(key)
        return id
    }

    private static let noPositions = UInt32.max

    func add(_ document: IndexDocument) { add([document]) }

    func add(_ documents: [IndexDocument]) {
        // Work on local copies: mutating class properties in the hot loop costs a dynamic exclusivity check
        // per access.
        var log = self.log
        var textCache = textTokenCache
        var authorCache = authorTokenCache
        self.log = PostingLog()
        textTokenCache = [:]
        authorTokenCache = [:]
        defer {
            self.log = log
            textTokenCache = textCache
            authorTokenCache = authorCache
        }
        @inline(__always) func textTermID(_ token: String) -> Int32 {
            if let cached = textCache[token] { return cached }
            let id = analyzer.textTerm(token).map { termID(TermSpace.text + $0) } ?? -1
            textCache[token] = id
            return id
        }
        @inline(__always) func authorTermID(_ token: String) -> Int32 {
            if let cached = authorCache[token] { return cached }
            let id = termID(TermSpace.author + token)
            authorCache[token] = id
            return id
        }
        // (term id << 32 | position) of every occurrence in the current document; sorting groups a term's
        // occurrences with their positions in order.
        var occurrences: [UInt64] = []
        for document in documents {
            occurrences.removeAll(keepingCapacity: true)
            var titleLength: UInt32 = 0
            for token in analyzer.tokenizer.tokenize(document.title) {
                let id = textTermID(token.text)
                guard id >= 0 else { continue }
                titleLength += 1
                occurrences.append(UInt64(id) << 32 | UInt64(min(UInt32(token.position), abstractPositionOffset - 1)))
            }
            var abstractLength: UInt32 = 0
            for token in analyzer.tokenizer.tokenize(document.abstract) {
                let id = textTermID(token.text)
                guard id >= 0 else { continue }
                abstractLength += 1
                let position = abstractPositionOffset + min(UInt32(token.position), abstractPositionOffset - 1)
                occurrences.append(UInt64(id) << 32 | UInt64(position))
            }
            var authorPosition = 0
            var authorLength: UInt32 = 0
            for author in document.authors {
                let tokens = analyzer.tokenizer.tokenize(author)
                for token in tokens {
                    occurrences.append(UInt64(authorTermID(token.text)) << 32 | UInt64(authorPosition + token.position))
                }
                authorLength += UInt32(tokens.count)
                // A gap between names keeps a phrase from matching across two authors.
                authorPosition += (tokens.last?.position ?? 0) + 10
            }
            var normalizedCategories: [String] = []
            for category in document.categories {
                guard let term = analyzer.analyze(category, field: .category).first?.term,
                      !normalizedCategories.contains(term) else { continue }
                normalizedCategories.append(term)
                occurrences.append(UInt64(termID(TermSpace.category + term)) << 32 | UInt64(Self.noPositions))
            }
            Self.appendPostings(occurrences: &occurrences, doc: UInt32(keys.count), to: &log)
            appendStored(key: document.key, day: document.day, hasCode: document.hasCode, categories: normalizedCategories,
                         titleLength: titleLength, abstractLength: abstractLength, authorLength: authorLength)
        }
    }

    private static func appendPostings(occurrences: inout [UInt64], doc: UInt32, to log: inout PostingLog) {
        occurrences.sort()
        var i = 0
        let n = occurrences.count
        while i < n {
            let term = Int32(truncatingIfNeeded: occurrences[i] >> 32)
            var tf1 = 0, tf2 = 0
            var last: UInt32 = 0
            while i < n, Int32(truncatingIfNeeded: occurrences[i] >> 32) == term {
                let position = UInt32(truncatingIfNeeded: occurrences[i])
                if position != Self.noPositions {
                    VarInt.append(UInt64(position - last), to: &log.positions)
                    last = position
                }
                if position >= abstractPositionOffset && position != Self.noPositions { tf2 += 1 } else { tf1 += 1 }
                i += 1
            }
            log.term.append(term)
            log.doc.append(doc)
            log.tf1.append(UInt16(clamping: tf1))
            log.tf2.append(UInt16(clamping: tf2))
            log.positionEnd.append(log.positions.count)
        }
    }

    private func appendStored(key: String, day: Int32, hasCode: Bool, categories: [String], titleLength: UInt32,
                              abstractLength: UInt32, authorLength: UInt32) {
        keys.append(key)
        days.append(day)
        self.hasCode.append(hasCode)
        self.categories.append(categories)
        titleLengths.append(titleLength)
        abstractLengths.append(abstractLength)
        authorLengths.append(authorLength)
    }

    /// Appends the live documents of `sources`, in order, with their postings renumbered.
    func merge(_ sources: [Segment]) {
        for source in sources {
            var remap = [UInt32](repeating: UInt32.max, count: source.documentCount)
            for doc in 0..<source.documentCount where !source.deleted[doc] {
                remap[doc] = UInt32(keys.count)
                appendStored(key: source.keys[doc], day: source.days[doc], hasCode: source.hasCode[doc],
                             categories: source.categories[doc], titleLength: source.titleLengths[doc],
                             abstractLength: source.abstractLengths[doc], authorLength: source.authorLengths[doc])
            }
            for (key, list) in source.terms {
                let term = termID(key)
                let hasTf2 = !list.tf2.isEmpty
                for i in 0..<list.count {
                    let newDoc = remap[Int(list.docs[i])]
                    if newDoc == UInt32.max { continue }
                    log.term.append(term)
                    log.doc.append(newDoc)
                    log.tf1.append(list.tf1[i])
                    log.tf2.append(hasTf2 ? list.tf2[i] : 0)
                    log.positions.append(contentsOf: list.positions[Int(list.posStarts[i])..<Int(list.posStarts[i + 1])])
                    log.positionEnd.append(log.positions.count)
                }
            }
        }
    }

    func build(name: String) -> Segment {
        let logTerm = log.term, logDoc = log.doc, logTf1 = log.tf1, logTf2 = log.tf2
        let logPositionEnd = log.positionEnd, logPositions = log.positions
        // Stable counting sort of the log by term: each term's entries stay in ascending document order.
        let termCount = termKeys.count
        var counts = [Int](repeating: 0, count: termCount + 1)
        var positionBytes = [Int](repeating: 0, count: termCount)
        var previousEnd = 0
        for i in 0..<logTerm.count {
            let t = Int(logTerm[i])
            counts[t + 1] += 1
            positionBytes[t] += logPositionEnd[i] - previousEnd
            previousEnd = logPositionEnd[i]
        }
        for t in 0..<termCount { counts[t + 1] += counts[t] }
        var order = [Int](repeating: 0, count: logTerm.count)
        var fill = counts
        for i in 0..<logTerm.count {
            let t = Int(logTerm[i])
            order[fill[t]] = i
            fill[t] += 1
        }
        var terms: [String: PostingList] = [:]
        terms.reserveCapacity(termCount)
        for t in 0..<termCount where counts[t + 1] > counts[t] {
            let range = counts[t]..<counts[t + 1]
            let isText = termKeys[t].hasPrefix(TermSpace.text)
            var docs = [UInt32](), tf1 = [UInt16](), tf2 = [UInt16](), posStarts = [UInt32]()
            docs.reserveCapacity(range.count)
            tf1.reserveCapacity(range.count)
            if isText { tf2.reserveCapacity(range.count) }
            posStarts.reserveCapacity(range.count + 1)
            posStarts.append(0)
            var positions = [UInt8]()
            positions.reserveCapacity(positionBytes[t])
            for k in range {
                let i = order[k]
                docs.append(logDoc[i])
                tf1.append(logTf1[i])
                if isText { tf2.append(logTf2[i]) }
                let start = i == 0 ? 0 : logPositionEnd[i - 1]
                positions.append(contentsOf: logPositions[start..<logPositionEnd[i]])
                posStarts.append(UInt32(positions.count))
            }
            terms[termKeys[t]] = PostingList(docs: docs, tf1: tf1, tf2: tf2, posStarts: posStarts, positions: positions)
        }
        return Segment(name: name, keys: keys, days: days, hasCode: hasCode, categories: categories,
                       titleLengths: titleLengths, abstractLengths: abstractLengths, authorLengths: authorLengths,
                       terms: terms)
    }
}
