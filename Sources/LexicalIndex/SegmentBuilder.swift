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
    private var categories = CategorySets()
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
                    // Capped below the abstract offset like titles: author positions count as field (tf1) ones.
                    let position = min(UInt32(clamping: authorPosition + token.position), abstractPositionOffset - 1)
                    occurrences.append(UInt64(authorTermID(token.text)) << 32 | UInt64(position))
                }
                authorLength += UInt32(tokens.count)
                // A gap between names keeps a phrase from matching across two authors.
                authorPosition += (tokens.last?.position ?? 0) + 10
            }
            var normalizedCategories: [String] = []
            for category in document.categories {
                guard let term = analyzer.analyze(category, field: .category).first?.term,
                    !normalizedCategories.contains(term)
                else { continue }
                normalizedCategories.append(term)
                occurrences.append(UInt64(termID(TermSpace.category + term)) << 32 | UInt64(Self.noPositions))
            }
            Self.appendPostings(occurrences: &occurrences, doc: UInt32(keys.count), to: &log)
            appendStored(
                key: document.key, day: document.day, hasCode: document.hasCode, categories: normalizedCategories,
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
            let maxFrequency = Int(UInt16.max)
            while i < n, Int32(truncatingIfNeeded: occurrences[i] >> 32) == term {
                let position = UInt32(truncatingIfNeeded: occurrences[i])
                i += 1
                if position == Self.noPositions {
                    tf1 += 1
                    continue
                }
                // A posting holds exactly as many positions as its (16-bit) frequencies count, which is how
                // readers find a posting's positions without a per-posting offset.
                let inAbstract = position >= abstractPositionOffset
                if inAbstract ? tf2 >= maxFrequency : tf1 >= maxFrequency { continue }
                if inAbstract { tf2 += 1 } else { tf1 += 1 }
                VarInt.append(UInt64(position - last), to: &log.positions)
                last = position
            }
            log.term.append(term)
            log.doc.append(doc)
            log.tf1.append(UInt16(clamping: tf1))
            log.tf2.append(UInt16(clamping: tf2))
            log.positionEnd.append(log.positions.count)
        }
    }

    private func appendStored(
        key: String, day: Int32, hasCode: Bool, categories: [String], titleLength: UInt32,
        abstractLength: UInt32, authorLength: UInt32
    ) {
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
                appendStored(
                    key: source.keys[doc], day: source.days[doc], hasCode: source.hasCode[doc],
                    categories: source.categories(doc), titleLength: source.titleLengths[doc],
                    abstractLength: source.abstractLengths[doc], authorLength: source.authorLengths[doc])
            }
            let postings = source.postings
            let positionBytes = postings.positions.bytes
            for (key, list) in source.terms {
                let term = termID(key)
                var offset = list.positionsStart
                let end = list.positionsStart + list.positionsLength
                for g in list.start..<(list.start + list.count) {
                    let next = Postings.skipVarints(
                        postings.positionCount(list, posting: g), in: positionBytes, from: offset,
                        end: end)
                    defer { offset = next }
                    let newDoc = remap[Int(postings.docs[g])]
                    if newDoc == UInt32.max { continue }
                    log.term.append(term)
                    log.doc.append(newDoc)
                    log.tf1.append(postings.titleFrequency(g))
                    log.tf2.append(postings.abstractFrequency(g))
                    log.positions.append(contentsOf: UnsafeRawBufferPointer(rebasing: positionBytes[offset..<next]))
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
        for t in logTerm { counts[Int(t) + 1] += 1 }
        for t in 0..<termCount { counts[t + 1] += counts[t] }
        var order = [Int](repeating: 0, count: logTerm.count)
        var fill = counts
        for i in 0..<logTerm.count {
            let t = Int(logTerm[i])
            order[fill[t]] = i
            fill[t] += 1
        }
        let (docs, tf1, tf2) = Postings.allocate(count: logTerm.count)
        var tf1Overflow: [Int: UInt16] = [:], tf2Overflow: [Int: UInt16] = [:]
        var positions = [UInt8]()
        positions.reserveCapacity(logPositions.count)
        var blockStarts: [Int] = []
        var terms: [String: PostingList] = [:]
        terms.reserveCapacity(termCount)
        for t in 0..<termCount where counts[t + 1] > counts[t] {
            let range = counts[t]..<counts[t + 1]
            let kind = TermKind(key: termKeys[t])!  // keys are built here with a term-space prefix
            let positionsStart = positions.count
            let firstBlock = blockStarts.count
            // The log's postings go to the same slots in term order: posting k of the sorted log is posting k here.
            for k in range {
                let i = order[k]
                if (k - range.lowerBound) & (impactBlockSize - 1) == 0 { blockStarts.append(positions.count) }
                docs[k] = logDoc[i]
                Postings.store(logTf1[i], at: k, in: tf1, overflow: &tf1Overflow)
                if kind == .text { Postings.store(logTf2[i], at: k, in: tf2, overflow: &tf2Overflow) }
                let start = i == 0 ? 0 : logPositionEnd[i - 1]
                positions.append(contentsOf: logPositions[start..<logPositionEnd[i]])
            }
            terms[termKeys[t]] = PostingList(
                start: range.lowerBound, count: range.count, kind: kind,
                positionsStart: positionsStart, positionsLength: positions.count - positionsStart,
                firstBlock: firstBlock)
        }
        let postings = Postings(
            docs: docs, tf1: tf1, tf2: tf2, tf1Overflow: tf1Overflow, tf2Overflow: tf2Overflow,
            positionBlockStarts: blockStarts, positions: ByteStore(copying: positions))
        return Segment(
            name: name, keys: keys, days: days, hasCode: hasCode, categorySets: categories.sets,
            categorySetOfDocument: categories.setOfDocument, titleLengths: titleLengths,
            abstractLengths: abstractLengths, authorLengths: authorLengths, terms: terms, postings: postings)
    }
}
