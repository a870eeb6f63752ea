import TextAnalysis

/// Accumulates documents (or, when merging, postings of existing segments) into a new `Segment`.
final class SegmentBuilder {
    private final class TermAccumulator {
        var docs: [UInt32] = []
        var tf1: [UInt16] = []
        var tf2: [UInt16] = []
        var posStarts: [UInt32] = [0]
        var positions: [UInt8] = []
        var pending: [UInt32] = []
        var pendingTf1 = 0
        var pendingTf2 = 0
        let hasTf2: Bool
        init(hasTf2: Bool) { self.hasTf2 = hasTf2 }

        func flush(doc: UInt32) {
            docs.append(doc)
            tf1.append(UInt16(clamping: pendingTf1))
            if hasTf2 { tf2.append(UInt16(clamping: pendingTf2)) }
            if pending.count > 1 { pending.sort() }
            var last: UInt32 = 0
            for p in pending {
                VarInt.append(UInt64(p - last), to: &positions)
                last = p
            }
            posStarts.append(UInt32(positions.count))
            pending.removeAll(keepingCapacity: true)
            pendingTf1 = 0
            pendingTf2 = 0
        }

        func build() -> PostingList {
            PostingList(docs: docs, tf1: tf1, tf2: tf2, posStarts: posStarts, positions: positions)
        }
    }

    private let analyzer: Analyzer
    private var accumulators: [String: TermAccumulator] = [:]
    /// Normalized token → accumulator of its stemmed text term (nil for stopwords): skips stemming and key
    /// building for every repeated word, which is most of them.
    private var textTokenCache: [String: TermAccumulator?] = [:]
    private var touched: [TermAccumulator] = []
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

    private func accumulator(_ key: String, hasTf2: Bool) -> TermAccumulator {
        if let acc = accumulators[key] { return acc }
        let acc = TermAccumulator(hasTf2: hasTf2)
        accumulators[key] = acc
        return acc
    }

    @inline(__always)
    private func textAccumulator(_ token: String) -> TermAccumulator? {
        if let cached = textTokenCache[token] { return cached }
        let acc = analyzer.textTerm(token).map { accumulator(TermSpace.text + $0, hasTf2: true) }
        textTokenCache[token] = acc
        return acc
    }

    private func touch(_ acc: TermAccumulator) {
        if acc.pendingTf1 == 0 && acc.pendingTf2 == 0 { touched.append(acc) }
    }

    func add(_ document: IndexDocument) {
        let doc = UInt32(keys.count)
        var titleLength = 0
        for token in analyzer.tokenizer.tokenize(document.title) {
            guard let acc = textAccumulator(token.text) else { continue }
            titleLength += 1
            touch(acc)
            acc.pendingTf1 += 1
            acc.pending.append(UInt32(token.position))
        }
        var abstractLength = 0
        for token in analyzer.tokenizer.tokenize(document.abstract) {
            guard let acc = textAccumulator(token.text) else { continue }
            abstractLength += 1
            touch(acc)
            acc.pendingTf2 += 1
            acc.pending.append(abstractPositionOffset &+ UInt32(min(token.position, Int(abstractPositionOffset) - 1)))
        }
        var authorPosition = 0
        var authorLength = 0
        for author in document.authors {
            let terms = analyzer.analyze(author, field: .author)
            for term in terms {
                let acc = accumulator(TermSpace.author + term.term, hasTf2: false)
                touch(acc)
                acc.pendingTf1 += 1
                acc.pending.append(UInt32(authorPosition + term.position))
            }
            authorLength += terms.count
            // A gap between names keeps a phrase from matching across two authors.
            authorPosition += (terms.last?.position ?? 0) + 10
        }
        var normalizedCategories: [String] = []
        for category in document.categories {
            guard let term = analyzer.analyze(category, field: .category).first?.term,
                  !normalizedCategories.contains(term) else { continue }
            normalizedCategories.append(term)
            let acc = accumulator(TermSpace.category + term, hasTf2: false)
            touch(acc)
            acc.pendingTf1 += 1
        }
        for acc in touched { acc.flush(doc: doc) }
        touched.removeAll(keepingCapacity: true)
        appendStored(key: document.key, day: document.day, hasCode: document.hasCode, categories: normalizedCategories,
                     titleLength: UInt32(titleLength), abstractLength: UInt32(abstractLength),
                     authorLength: UInt32(authorLength))
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
            for (term, list) in source.terms {
                let hasTf2 = !list.tf2.isEmpty
                var acc: TermAccumulator?
                for i in 0..<list.count {
                    let newDoc = remap[Int(list.docs[i])]
                    if newDoc == UInt32.max { continue }
                    let a = acc ?? accumulator(term, hasTf2: hasTf2)
                    acc = a
                    a.docs.append(newDoc)
                    a.tf1.append(list.tf1[i])
                    if hasTf2 { a.tf2.append(list.tf2[i]) }
                    a.positions.append(contentsOf: list.positions[Int(list.posStarts[i])..<Int(list.posStarts[i + 1])])
                    a.posStarts.append(UInt32(a.positions.count))
                }
            }
        }
    }

    func build(name: String) -> Segment {
        var terms: [String: PostingList] = [:]
        terms.reserveCapacity(accumulators.count)
        for (term, acc) in accumulators where !acc.docs.isEmpty { terms[term] = acc.build() }
        return Segment(name: name, keys: keys, days: days, hasCode: hasCode, categories: categories,
                       titleLengths: titleLengths, abstractLengths: abstractLengths, authorLengths: authorLengths,
                       terms: terms)
    }
}
